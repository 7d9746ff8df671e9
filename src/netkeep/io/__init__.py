"""Import and export file formats: vCard, CSV (generic, Google, LinkedIn) and netkeep's JSON.

No database here: readers turn a file into an `ImportBatch` of `ContactIn` records (merging is the
store's job), writers turn the store's dicts into a stream. Each format module is imported only when
its format is used, so `netkeep log` never pays for vobject.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from netkeep.errors import BadInput
from netkeep.io.detect import FORMATS, detect_format, read_text
from netkeep.io.records import ContactIn, ImportBatch

__all__ = [
    "FORMATS",
    "ContactIn",
    "ImportBatch",
    "defuse",
    "read_file",
    "write_csv",
    "write_json",
    "write_vcf",
]


def read_file(path: Path, fmt: str = "auto") -> ImportBatch:
    """Read and validate a whole import file, or raise BadInput naming the file and the record.

    `fmt` is `auto` (judged from the content), `json`, `vcf`, `csv` or `linkedin`.
    """
    path = Path(path)
    label = str(path)
    if fmt != "auto" and fmt not in FORMATS:
        raise BadInput(f"unknown import format {fmt!r} (choose auto, {', '.join(FORMATS)})")
    text = read_text(path)
    if fmt == "auto":
        fmt = detect_format(text, label)
    if fmt == "json":
        from netkeep.io.netkeep_json import parse_json

        return parse_json(text, label, path)
    if fmt == "vcf":
        from netkeep.io.vcf import parse_vcf

        contacts = parse_vcf(text, label)
    elif fmt == "linkedin":
        from netkeep.io.csvfile import parse_linkedin

        contacts = parse_linkedin(text, label)
    else:
        from netkeep.io.csvfile import parse_csv

        contacts = parse_csv(text, label)
    return ImportBatch(path=path, format=fmt, contacts=contacts)


def write_json(data: dict[str, Any], fh: IO[str]) -> None:
    """netkeep's lossless export; see netkeep_json.write_json."""
    from netkeep.io.netkeep_json import write_json as write

    write(data, fh)


def write_csv(contacts: list[dict], fh: IO[str]) -> None:
    """Contacts as CSV, formula-like cells defused; see csvfile.write_csv."""
    from netkeep.io.csvfile import write_csv as write

    write(contacts, fh)


def write_vcf(contacts: list[dict], fh: IO[str]) -> None:
    """Contacts as vCard 4.0; see vcf.write_vcf."""
    from netkeep.io.vcf import write_vcf as write

    write(contacts, fh)


def defuse(cell: str) -> str:
    """Prefix a spreadsheet formula-like cell (`= + - @`, tab, CR) with a quote."""
    from netkeep.io.csvfile import defuse as defuse_cell

    return defuse_cell(cell)

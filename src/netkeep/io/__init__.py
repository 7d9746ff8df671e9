"""Import and export file formats: vCard, CSV (generic, Google, LinkedIn) and netkeep's JSON.

No database here: readers turn a file into an `ImportBatch` of `ContactIn` records (merging is the
store's job), writers turn the store's dicts into a stream. Each format module is imported only when
its format is used, so `netkeep log` never pays for vobject.
"""

from __future__ import annotations

import codecs
import contextlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from netkeep.errors import BadInput
from netkeep.io.detect import FORMATS, detect_format, read_text
from netkeep.io.records import ContactIn, ImportBatch

__all__ = [
    "FORMATS",
    "ContactIn",
    "ImportBatch",
    "ImportSource",
    "open_import",
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


@dataclass
class ImportSource:
    """An import file being read: `records` yields ("contact", ContactIn), then ("touchpoint",
    dict) and ("ask", dict) for netkeep JSON, each record checked before it is yielded.

    netkeep JSON is streamed (a million touchpoints never sit in memory at once), so a bad record
    may come after good ones: the consumer must write inside a transaction it can roll back.
    `count` is the number of records when known up front, `size` and `bytes_read()` measure
    progress through the file.
    """

    path: Path
    format: str
    records: Iterator[tuple[str, Any]]
    size: int
    bytes_read: Any  # () -> int
    count: int | None = None


_HEAD_BYTES = 64 * 1024  # enough to tell the format


@contextlib.contextmanager
def open_import(path: Path, fmt: str = "auto") -> Iterator[ImportSource]:
    """Open an import file for reading record by record; see `read_file` for `fmt`."""
    path = Path(path)
    label = str(path)
    if fmt != "auto" and fmt not in FORMATS:
        raise BadInput(f"unknown import format {fmt!r} (choose auto, {', '.join(FORMATS)})")
    if fmt == "auto":
        fmt = detect_format(_head(path), label)
    if fmt != "json":
        batch = read_file(path, fmt)
        size = path.stat().st_size
        yield ImportSource(
            path=path,
            format=batch.format,
            records=_without_controls(("contact", contact) for contact in batch.contacts),
            size=size,
            bytes_read=lambda: size,
            count=len(batch.contacts),
        )
        return
    from netkeep.io.netkeep_json import JsonImport

    _head(path)  # the same refusals as read_file: missing, a folder, empty, unreadable
    with path.open("rb") as fh:
        reader = JsonImport(fh, label)
        yield ImportSource(
            path=path,
            format="json",
            records=_without_controls(reader.records()),
            size=os.fstat(fh.fileno()).st_size,
            bytes_read=lambda: reader.bytes_read,
        )


def _without_controls(records: Iterator[tuple[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Records with the control characters taken out of their text (see records.without_controls)."""
    from netkeep.io.records import contact_without_controls, without_controls

    for kind, record in records:
        if isinstance(record, ContactIn):
            yield kind, contact_without_controls(record)
        elif isinstance(record, dict):
            yield kind, {key: without_controls(value) for key, value in record.items()}
        else:
            yield kind, record


def _head(path: Path) -> str:
    """The start of the file as text, refused like `read_text` refuses a whole file."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(_HEAD_BYTES)
    except OSError:
        return read_text(path)  # raises the matching BadInput
    if len(raw) < _HEAD_BYTES:
        return read_text(path)  # a small file is checked whole
    utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    # The incremental decoder holds back a character cut at the end of the head.
    decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8-sig")(errors="replace")
    text = decoder.decode(raw)
    if not text.strip():
        raise BadInput(f"{path}: no content in its first {_HEAD_BYTES // 1024} KB")
    return text


def write_json(data: dict[str, Any], fh: IO[str]) -> None:
    """netkeep's lossless export; see netkeep_json.write_json."""
    from netkeep.io.netkeep_json import write_json as write

    write(data, fh)


def write_csv(contacts: Iterable[dict[str, Any]], fh: IO[str]) -> None:
    """Contacts as CSV, formula-like cells defused; see csvfile.write_csv."""
    from netkeep.io.csvfile import write_csv as write

    write(contacts, fh)


def write_vcf(contacts: Iterable[dict[str, Any]], fh: IO[str]) -> None:
    """Contacts as vCard 4.0; see vcf.write_vcf."""
    from netkeep.io.vcf import write_vcf as write

    write(contacts, fh)

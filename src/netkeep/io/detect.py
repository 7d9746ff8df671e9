"""Reading an import file as text and telling its format from its content."""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

from netkeep.errors import BadInput

FORMATS = ("json", "vcf", "csv", "linkedin")
# Every format `import --format` takes: the contact files above and the captured histories.
ALL_FORMATS = (*FORMATS, "mbox", "maildir", "ics", "android", "whatsapp", "telegram")

_VCARD_START = re.compile(r"BEGIN[ \t]*:[ \t]*VCARD[ \t]*(\r\n|\r|\n|$)", re.IGNORECASE)


def read_text(path: Path) -> str:
    """The file's text: UTF-8 (with or without a BOM), or UTF-16 with a BOM.

    Anything else (a Windows-1252 CSV from an old Outlook, say) is refused rather than guessed at:
    a wrong guess would store mangled names without a word.
    """
    label = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"{label}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{label}: is a directory, not a file") from None
    except PermissionError:
        raise BadInput(f"{label}: permission denied") from None
    except OSError as exc:
        raise BadInput(f"{label}: cannot read: {exc.strerror or exc}") from None
    return decode_bytes(raw, label)


def decode_bytes(raw: bytes, label: str) -> str:
    """Bytes as text on the rules of `read_text`; empty text is refused."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput(
            f"{label}: line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
            "save the file as UTF-8 and import it again"
        ) from None
    if not text.strip():
        raise BadInput(f"{label}: the file is empty")
    return text


def detect_format(text: str, label: str) -> str:
    """`json`, `vcf`, `linkedin` or `csv`, judged from the first characters and the first record."""
    start = text.lstrip("\ufeff \t\r\n")
    if start.startswith(("{", "[")):
        return "json"
    if _VCARD_START.match(start):
        return "vcf"
    first_line = start.splitlines()[0]
    if is_linkedin_preamble(first_line) or is_linkedin_header(_first_record(start)):
        return "linkedin"
    if any(sep in first_line for sep in (",", ";", "\t")):
        return "csv"
    raise BadInput(
        f"{label}: cannot tell the format from the content; use --format with one of "
        f"{', '.join(ALL_FORMATS)}"
    )


def is_linkedin_preamble(line: str) -> bool:
    return line.strip().strip('",').strip().lower() == "notes:"


def is_linkedin_header(fields: list[str]) -> bool:
    names = {f.strip().lower() for f in fields}
    return {"first name", "last name"} <= names and bool(names & {"connected on", "url"})


def _first_record(text: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return []

"""Which capture reader a file needs, judged from its content (or named by --format).

Returns None for files that hold contacts (vCard, CSV, LinkedIn Connections.csv, netkeep JSON):
those keep going through `open_import`. Reader modules are imported only for the format found.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netkeep.errors import BadInput
from netkeep.io.capture import CAPTURE_FORMATS, Identity

_HEAD = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_NETKEEP_JSON = re.compile(r'"format"\s*:\s*"netkeep"')
_WHATSAPP_LINE = re.compile(
    r"^[\u200e\u200f]?\[?\d{1,4}[./-]\d{1,2}[./-]\d{1,4},?[ \u202f\u00a0]\d{1,2}[:.]\d{2}"
)


@dataclass
class CaptureFile:
    """A file to capture from: its format, the contacts it also holds (a LinkedIn zip's
    Connections.csv), and a function that yields its Message and Skipped records."""

    path: Path
    format: str
    records: Callable[[], Iterator[Any]]
    contacts: list[Any]


def capture_format(path: Path, fmt: str) -> str | None:
    """The capture format of `path`, or None when it is a contacts file."""
    label = str(path)
    if fmt in CAPTURE_FORMATS and fmt != "linkedin":
        return fmt
    if fmt not in ("auto", "linkedin"):
        return None
    if path.is_dir():
        from netkeep.io.mail import is_maildir

        if fmt == "auto" and is_maildir(path):
            return "maildir"
        raise BadInput(f"{label}: is a directory, not a file (nor a Maildir with cur/ and new/)")
    head = _head(path)
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(path, label, fmt)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    first = _first_record(text)
    from netkeep.io.linkedin_capture import header_kind

    if header_kind(first):
        return "linkedin"
    if fmt == "linkedin":
        return None
    stripped = text.lstrip()
    if text.startswith("From ") or _saved_message(head):
        return "mbox"  # an mbox, or one saved message (.eml) read as the same mail
    if stripped.upper().startswith("BEGIN:VCALENDAR"):
        return "ics"
    if stripped.startswith(("<?xml", "<calls", "<smses")) and re.search(
        r"<(calls|smses)[\s>]", stripped[:4096]
    ):
        return "android"
    if stripped.startswith("{") and '"messages"' in text and not _NETKEEP_JSON.search(text):
        return "telegram"
    if _WHATSAPP_LINE.match(stripped):
        return "whatsapp"
    return None


_HEADER_LINE = re.compile(rb"^([A-Za-z][A-Za-z0-9-]*):", re.MULTILINE)


def _saved_message(head: bytes) -> bool:
    """A single saved mail (`.eml`): it opens with header fields, among them From and a Date or
    Message-ID (checked here without loading the mail reader: see netkeep.io.mail.is_message)."""
    if not _HEADER_LINE.match(head):
        return False
    block = re.split(rb"\r?\n\r?\n", head, maxsplit=1)[0]
    names = {name.lower() for name in _HEADER_LINE.findall(block)}
    return b"from" in names and bool({b"date", b"message-id"} & names)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(_HEAD)
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except PermissionError:
        raise BadInput(f"{path}: permission denied") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from None


def _first_record(text: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        return []


def _zip_kind(path: Path, label: str, fmt: str) -> str:
    import zipfile

    from netkeep.io.zips import ZIP_ERRORS

    try:
        with zipfile.ZipFile(path) as archive:
            names = [name.rsplit("/", 1)[-1].lower() for name in archive.namelist()[:10_000]]
    except ZIP_ERRORS as exc:
        raise BadInput(f"{label}: not a readable zip file ({exc})") from None
    if {"messages.csv", "invitations.csv", "connections.csv"} & set(names):
        return "linkedin"
    if fmt == "auto" and any(name.endswith(".txt") for name in names):
        return "whatsapp"
    raise BadInput(
        f"{label}: a zip without a LinkedIn messages.csv, Invitations.csv or Connections.csv"
    )


def open_capture(path: Path, fmt: str, me: Identity) -> CaptureFile:
    """The reader for a capture file of format `fmt` (from `capture_format`)."""
    label = str(path)
    contacts: list[Any] = []
    if fmt == "linkedin":
        from netkeep.io import linkedin_capture as linkedin

        if _head(path).startswith(_ZIP_MAGIC):
            members = linkedin.zip_members(path, label)
            if "connections.csv" in members:
                from netkeep.io.csvfile import parse_linkedin

                contacts = parse_linkedin(members["connections.csv"], f"{label}!Connections.csv")

            def records() -> Iterator[Any]:
                for name in ("invitations.csv", "messages.csv"):
                    if name in members:
                        yield from linkedin.read_csv(members[name], f"{label}!{name}", me)

            return CaptureFile(path, fmt, records, contacts)
        from netkeep.io.detect import read_text

        text = read_text(path)
        return CaptureFile(path, fmt, lambda: linkedin.read_csv(text, label, me), contacts)
    if fmt in ("mbox", "maildir"):
        from netkeep.io import mail

        if fmt == "mbox":
            head = b"" if path.is_dir() else _head(path)
            if not mail.is_mbox(head) and mail.is_message(head):
                return CaptureFile(path, fmt, lambda: mail.read_message(path, label, me), contacts)
            if not mail.is_mbox(head):
                raise BadInput(
                    f"{label}: not an mbox file (it must start with a 'From ' line) "
                    "nor a saved message (.eml)"
                )
            return CaptureFile(path, fmt, lambda: mail.read_mbox(path, label, me), contacts)
        if not mail.is_maildir(path):
            raise BadInput(f"{label}: not a Maildir folder (it needs cur/ and new/)")
        return CaptureFile(path, fmt, lambda: mail.read_maildir(path, label, me), contacts)
    if fmt == "ics":
        from netkeep.io.calendar import read_ics

        return CaptureFile(path, fmt, lambda: read_ics(path, label, me), contacts)
    if fmt == "android":
        from netkeep.io.android import read_android

        return CaptureFile(path, fmt, lambda: read_android(path, label, me), contacts)
    if fmt == "whatsapp":
        from netkeep.io.whatsapp import read_whatsapp

        return CaptureFile(path, fmt, lambda: read_whatsapp(path, label, me), contacts)
    from netkeep.io.telegram import read_telegram

    return CaptureFile(path, fmt, lambda: read_telegram(path, label, me), contacts)

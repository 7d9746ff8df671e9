"""Email archives: mbox (a mail provider's takeout) and Maildir folders.

Only headers are read, one message at a time: a multi-GB mbox is never loaded whole and bodies are
never parsed. An mbox's messages are found by scanning it in chunks for `From ` lines (the standard
library's `mailbox` reads it line by line, slow on a file of millions of short lines); Maildir
folders are read with `mailbox`. At most HEADER_LIMIT bytes of a message are read. The header block is unfolded into plain text fields (RFC 5322 section 2.2.3), and
the fields are taken apart with `getaddresses`, `parsedate_to_datetime` and `decode_header`. The
`email` package's parser and `email.policy.default` header objects were tried first: they made a
200,000-message import several times slower than the standard library reading the same mbox
(see benchmarks/capture_mbox.py), for the handful of fields netkeep needs.
"""

from __future__ import annotations

import contextlib
import mailbox
import os
import re
from collections.abc import Iterator
from datetime import datetime
from email.errors import MessageError
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from netkeep.io.capture import (
    OUT_OF_RANGE,
    Identity,
    Message,
    Party,
    Skipped,
    captured_at,
    content_key,
    short_note,
)
from netkeep.io.records import fail

_NO_REPLY = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster|bounces?|notifications?)"
    r"([-+_.].*)?@",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = {"bulk", "list", "junk"}
_SKIPPED_LABELS = {"spam", "trash", "promotions", "category promotions", "junk"}
_SKIPPED_FOLDERS = {"spam", "junk", "trash", "deleted", "deleted items", "deleted messages"}
# Bounds on the work one message can ask for: bytes of it read (its header must end within them;
# what follows is not read), characters kept of one header field once unfolded (the rest of a
# longer field is dropped), and the length up to which an address is read by the quick pattern.
HEADER_LIMIT = 256 * 1024
FIELD_LIMIT = 16 * 1024
_QUICK_ADDRESS_LIMIT = 998  # RFC 5322's line length


def is_mbox(head: bytes) -> bool:
    return head.startswith(b"From ")


def is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / part).is_dir() for part in ("cur", "new"))


def read_mbox(
    path: Path, label: str, me: Identity, source: str = "mbox"
) -> Iterator[Message | Skipped]:
    _need_me(me, label)
    try:
        with path.open("rb") as fh:
            starts = _message_starts(fh)
            for start, stop in zip(starts, [*starts[1:], None], strict=True):
                fh.seek(start)
                fh.readline(HEADER_LIMIT)  # the `From ` line that starts the message
                limit = HEADER_LIMIT if stop is None else min(HEADER_LIMIT, stop - fh.tell())
                yield from _one(fh.read(max(limit, 0)), me, source)
    except OSError as exc:
        raise fail(label, "", f"cannot read as mbox ({exc.strerror or exc})") from None


_CHUNK = 1 << 20
_FROM_LINE = b"\nFrom "


def _message_starts(fh: Any) -> list[int]:
    """Where each message starts: every line that begins with `From ` (as the standard library's
    mailbox reads an mbox), found by scanning the file in chunks rather than line by line."""
    starts: list[int] = []
    offset = 0
    tail = b"\n"  # the file's start counts as a line start
    while chunk := fh.read(_CHUNK):
        data = tail + chunk
        base = offset - len(tail)
        found = data.find(_FROM_LINE)
        while found >= 0:
            starts.append(base + found + 1)
            found = data.find(_FROM_LINE, found + 1)
        tail = data[-(len(_FROM_LINE) - 1) :]
        offset += len(chunk)
    return starts


def read_maildir(
    path: Path, label: str, me: Identity, source: str = "maildir"
) -> Iterator[Message | Skipped]:
    _need_me(me, label)
    try:
        root = mailbox.Maildir(path, factory=None, create=False)
        folders = [(path, root)]
        for name in sorted(root.list_folders()):
            if name.strip(".").lower() in _SKIPPED_FOLDERS:
                continue
            folders.append((path / f".{name}", root.get_folder(name)))  # Maildir++ layout
    except (OSError, mailbox.Error) as exc:
        raise fail(label, "", f"cannot open as a Maildir ({exc})") from None
    for folder, box in folders:
        trashed = _trashed(folder)
        for key in sorted(box.iterkeys()):
            if key in trashed:
                yield Skipped(source, "trashed")
                continue
            yield from _one(_head(box, key), me, source)


def _head(box: Any, key: str) -> bytes:
    """The start of a message, where its header is: a message's size never sets what is read."""
    with box.get_file(key) as fh:
        head: bytes = fh.read(HEADER_LIMIT)
    return head


def _trashed(folder: Path) -> set[str]:
    """Keys of the messages flagged T (trashed): a file name in cur/ ends in `:2,FLAGS`."""
    marker = mailbox.Maildir.colon + "2,"
    keys = set()
    try:
        with os.scandir(folder / "cur") as entries:
            for entry in entries:
                key, found, flags = entry.name.partition(marker)
                if found and "T" in flags:
                    keys.add(key)
    except FileNotFoundError:
        pass  # a folder without cur/ holds only new mail
    return keys


def _need_me(me: Identity, label: str) -> None:
    if not me.emails:
        me.need("--me-email", "emails", label)


def _one(raw: bytes, me: Identity, source: str) -> Iterator[Message | Skipped]:
    headers = _header_fields(raw)
    reason = _automated(headers)
    if reason:
        yield Skipped(source, reason)
        return
    sender = _addresses(headers, "from")
    if not sender:
        yield Skipped(source, "no sender")
        return
    written = _date(_first(headers, "date"))
    if written is None:
        yield Skipped(source, "no readable date")
        return
    when = captured_at(written, me)
    if when is None:
        yield Skipped(source, OUT_OF_RANGE)
        return
    sender_name, sender_email = sender[0]
    if _NO_REPLY.match(sender_email):
        yield Skipped(source, "no-reply sender")
        return
    outgoing = sender_email in me.emails
    if outgoing:
        parties = [
            Party(name=name or None, email=email)
            for name, email in _unique(
                _addresses(headers, "to") + _addresses(headers, "cc") + _addresses(headers, "bcc")
            )
            if email not in me.emails
        ]
        if not parties:
            yield Skipped(source, "to yourself")
            return
        if len(parties) > me.meeting_cap:
            yield Skipped(source, "too many recipients")
            return
    else:
        parties = [Party(name=sender_name or None, email=sender_email)]
    message_id = _message_id(_first(headers, "message-id"))
    base = message_id or content_key(sender_email, when.isoformat(), _first(headers, "subject"))
    thread = (
        _text(_first(headers, "x-gm-thrid"))
        or _first_id(_first(headers, "references"))
        or _first_id(_first(headers, "in-reply-to"))
        or base
    )
    note = short_note(_text(_first(headers, "subject")))
    for party in parties:
        yield Message(
            source=source,
            key=f"{base}|{party.email}",
            at=when,
            channel="email",
            direction="out" if outgoing else "in",
            two_way=False,
            party=party,
            thread=thread,
            note=note,
        )


_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _header_fields(raw: bytes) -> dict[str, list[str]]:
    """The header fields before the first blank line, by lower-case name, unfolded.

    Header bytes should be ASCII; 8-bit bytes are kept as surrogates here and replaced when a field
    is used (`_text`). A line that is not `name: value` nor a continuation is ignored, as mail
    readers do. Continuation lines are gathered in a list and joined once, up to FIELD_LIMIT
    characters per field: unfolding takes time linear in the header, however it is folded."""
    end = _BLANK_LINE.search(raw)
    block = (raw if end is None else raw[: end.start()]).decode("utf-8", "surrogateescape")
    fields: dict[str, list[list[str]]] = {}
    parts: list[str] | None = None
    size = 0
    for line in block.splitlines():
        if line[:1] in (" ", "\t"):
            if parts is not None and size < FIELD_LIMIT:
                piece = line.strip()[:FIELD_LIMIT]
                parts.append(piece)
                size += len(piece) + 1
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or " " in name.strip():
            parts = None
            continue
        parts = [value.strip()[:FIELD_LIMIT]]
        size = len(parts[0])
        fields.setdefault(name.strip().lower(), []).append(parts)
    return {
        name: [" ".join(pieces)[:FIELD_LIMIT] for pieces in values]
        for name, values in fields.items()
    }


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _text(value: object) -> str:
    """A header as clean text: encoded words decoded, undecodable bytes replaced."""
    if value is None:
        return ""
    text = str(value)[:FIELD_LIMIT]
    if "=?" in text:
        # A broken encoded word (an unknown or non-ASCII charset name) stays as it was written.
        with contextlib.suppress(ValueError, LookupError, UnicodeError, TypeError, MessageError):
            text = str(make_header(decode_header(text)))
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return " ".join(text.split())


def _automated(headers: dict[str, list[str]]) -> str | None:
    if _first(headers, "list-id") is not None or _first(headers, "list-unsubscribe") is not None:
        return "mailing list"
    if _text(_first(headers, "precedence")).lower() in _BULK_PRECEDENCE:
        return "bulk mail"
    auto = _text(_first(headers, "auto-submitted")).lower()
    if auto and auto != "no":
        return "automated"
    labels = {part.strip().lower() for part in _text(_first(headers, "x-gmail-labels")).split(",")}
    if labels & _SKIPPED_LABELS:
        return "spam, trash or promotions"
    return None


def _addresses(headers: dict[str, list[str]], name: str) -> list[tuple[str, str]]:
    values = [str(value) for value in headers.get(name, ())]
    if len(values) == 1 and len(values[0]) <= _QUICK_ADDRESS_LIMIT:
        simple = _SIMPLE_ADDRESS.match(values[0])
        if simple:  # `Name <addr>` or a bare address: most headers, read without the full parser
            display, email = simple.group(1) or "", simple.group(2) or simple.group(3)
            return [(_text(display), email.lower())]
    pairs = []
    for display, email in getaddresses(values):
        email = _text(email).lower()
        if "@" in email and " " not in email:
            pairs.append((_text(display) if display else "", email))
    return pairs


_SIMPLE_ADDRESS = re.compile(
    r'^\s*(?:"?([A-Za-z0-9 .\'=?_-]*?)"?\s*<([^<>@\s,;:"()\[\]\\]+@[A-Za-z0-9.-]+)>'
    r'|([^<>@\s,;:"()\[\]\\]+@[A-Za-z0-9.-]+))\s*$'
)


def _unique(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    kept = []
    for name, email in pairs:
        if email not in seen:
            seen.add(email)
            kept.append((name, email))
    return kept


def _date(value: object) -> datetime | None:
    """The Date header as written (aware, or naive for an unknown zone); `captured_at` checks it."""
    if value is None:
        return None
    try:
        moment = parsedate_to_datetime(_text(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment


_ID = re.compile(r"<([^<>\s]{1,500})>")


def _message_id(value: object) -> str | None:
    found = _ID.search(_text(value))
    return found.group(1) if found else (_text(value)[:500] or None)


def _first_id(value: object) -> str | None:
    found = _ID.search(_text(value))
    return found.group(1) if found else None

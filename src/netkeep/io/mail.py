"""Email archives: mbox (a mail provider's takeout) and Maildir folders, via the standard library.

Only headers are read, one message at a time: a multi-GB mbox is never loaded whole and bodies are
never parsed. The header block is unfolded into plain text fields (RFC 5322 section 2.2.3), and
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
from datetime import UTC, datetime
from email.errors import MessageError
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from netkeep.io.capture import Identity, Message, Party, Skipped, content_key, short_note
from netkeep.io.records import fail

_NO_REPLY = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|postmaster|bounces?|notifications?)"
    r"([-+_.].*)?@",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = {"bulk", "list", "junk"}
_SKIPPED_LABELS = {"spam", "trash", "promotions", "category promotions", "junk"}
_SKIPPED_FOLDERS = {"spam", "junk", "trash", "deleted", "deleted items", "deleted messages"}


def is_mbox(head: bytes) -> bool:
    return head.startswith(b"From ")


def is_maildir(path: Path) -> bool:
    return path.is_dir() and all((path / part).is_dir() for part in ("cur", "new"))


def read_mbox(
    path: Path, label: str, me: Identity, source: str = "mbox"
) -> Iterator[Message | Skipped]:
    _need_me(me, label)
    try:
        box = mailbox.mbox(path, factory=None, create=False)
    except (OSError, mailbox.Error) as exc:
        raise fail(label, "", f"cannot open as mbox ({exc})") from None
    try:
        for key in box.iterkeys():
            yield from _one(box.get_bytes(key), me, source)
    finally:
        box.close()


_FIELD_START = re.compile(rb"[A-Za-z][A-Za-z0-9-]*:")


def is_message(head: bytes) -> bool:
    """A single saved message (`.eml`): it opens with header fields a mail carries."""
    if not _FIELD_START.match(head):
        return False
    fields = _header_fields(head)
    return "from" in fields and ("date" in fields or "message-id" in fields)


def read_message(
    path: Path, label: str, me: Identity, source: str = "mbox"
) -> Iterator[Message | Skipped]:
    """One saved message (`.eml`), read as the same message in an mbox would be: importing the
    mbox later finds it already there."""
    _need_me(me, label)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise fail(label, "", f"cannot read ({exc.strerror or exc})") from None
    yield from _one(raw, me, source)


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
            yield from _one(box.get_bytes(key), me, source)


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
    when = _date(_first(headers, "date"))
    if when is None:
        yield Skipped(source, "no readable date")
        return
    sender_name, sender_email = sender[0]
    if _NO_REPLY.match(sender_email):
        yield Skipped(source, "no-reply sender")
        return
    outgoing = sender_email in me.emails
    if outgoing:
        parties = [
            Party(name=natural_order(name) or None, email=email)
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
        parties = [Party(name=natural_order(sender_name) or None, email=sender_email)]
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
# What may follow a comma in a name without it being `Last, First`: `Lee, Jr.`, `Ng, PhD`.
_SUFFIX = re.compile(r"^(jr|sr|[ivx]+|phd|md|esq|mba|cpa|dds|rn)\.?$", re.IGNORECASE)


def natural_order(display: str) -> str:
    """A display name in `Last, First` order (as directories and Outlook write it) read as
    `First Last`: `O'Brien, Marcus` → `Marcus O'Brien`. Anything else is kept as written."""
    last, comma, first = display.partition(",")
    last, first = last.strip(), first.strip()
    if not comma or not last or not first or "," in first or "@" in display:
        return display
    if _SUFFIX.match(first) or len(last.split()) > 3:
        return display
    return f"{first} {last}"


def _header_fields(raw: bytes) -> dict[str, list[str]]:
    """The header fields before the first blank line, by lower-case name, unfolded.

    Header bytes should be ASCII; 8-bit bytes are kept as surrogates here and replaced when a field
    is used (`_text`). A line that is not `name: value` nor a continuation is ignored, as mail
    readers do."""
    end = _BLANK_LINE.search(raw)
    block = (raw if end is None else raw[: end.start()]).decode("utf-8", "surrogateescape")
    fields: dict[str, list[str]] = {}
    values: list[str] | None = None
    for line in block.splitlines():
        if line[:1] in (" ", "\t"):
            if values is not None:
                values[-1] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or " " in name.strip():
            values = None
            continue
        values = fields.setdefault(name.strip().lower(), [])
        values.append(value.strip())
    return fields


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _text(value: object) -> str:
    """A header as clean text: encoded words decoded, undecodable bytes replaced."""
    if value is None:
        return ""
    text = str(value)
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
    if len(values) == 1:
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
    if value is None:
        return None
    try:
        moment = parsedate_to_datetime(_text(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_ID = re.compile(r"<([^<>\s]{1,500})>")


def _message_id(value: object) -> str | None:
    found = _ID.search(_text(value))
    return found.group(1) if found else (_text(value)[:500] or None)


def _first_id(value: object) -> str | None:
    found = _ID.search(_text(value))
    return found.group(1) if found else None

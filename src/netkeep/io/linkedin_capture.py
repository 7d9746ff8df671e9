"""LinkedIn's data export: messages.csv, Invitations.csv, and the whole export .zip.

Columns are found by header name (older exports lack some); CONTENT may hold quoted line breaks.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from netkeep.io.capture import (
    OUT_OF_RANGE,
    Identity,
    Message,
    Party,
    Skipped,
    captured_at,
    content_key,
    profile_url,
    short_note,
)
from netkeep.io.records import fail

if TYPE_CHECKING:
    from _csv import Reader  # what csv.reader returns

SOURCE = "linkedin"
# The members netkeep reads are read whole; LinkedIn's own files are a few MB. All of them together
# may inflate to this many bytes.
MEMBER_LIMIT = 32 * 1024 * 1024
_SKIPPED_FOLDERS = {"spam", "trash", "junk", "archive_spam"}


def header_kind(fields: list[str]) -> str | None:
    """'messages', 'invitations' or None for a LinkedIn CSV header row."""
    names = {name.strip().lower() for name in fields}
    if {"from", "date", "content"} <= names and names & {"to", "conversation id"}:
        return "messages"
    if {"from", "to", "direction"} <= names and names & {"sent at", "sentat"}:
        return "invitations"
    return None


def read_csv(text: str, label: str, me: Identity) -> Iterator[Message | Skipped]:
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
        kind = header_kind(header or [])
        if kind is None:
            raise fail(label, "line 1", "not a LinkedIn messages.csv or Invitations.csv header")
        columns = {name.strip().lower(): index for index, name in enumerate(header or [])}
        if kind == "messages":
            yield from _messages(rows, columns, label, me)
        else:
            yield from _invitations(rows, columns, label, me)
    except csv.Error as exc:
        raise fail(label, f"line {rows.line_num}", f"not valid CSV: {exc}") from None


def _cell(row: list[str], columns: dict[str, int], *names: str) -> str:
    for name in names:
        index = columns.get(name)
        if index is not None and index < len(row):
            return row[index].strip()
    return ""


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _messages(
    rows: Reader, columns: dict[str, int], label: str, me: Identity
) -> Iterator[Message | Skipped]:
    if "sender profile url" not in columns and not me.names:
        # Older exports name senders without their profile: only your name tells you apart.
        me.need("--me-name", "names", label)
    if not me.linkedin and not me.names:
        me.need("--me-linkedin or --me-name", "linkedin (or names)", label)
    for row in rows:
        where = f"line {rows.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        folder = _cell(row, columns, "folder").lower()
        if folder in _SKIPPED_FOLDERS:
            yield Skipped(SOURCE, f"folder {folder}")
            continue
        sender = _cell(row, columns, "from")
        sender_url = profile_url(_cell(row, columns, "sender profile url"))
        when = captured_at(_when(_cell(row, columns, "date"), label, where), me)
        if when is None:
            yield Skipped(SOURCE, OUT_OF_RANGE)
            continue
        mine = (me.linkedin is not None and sender_url == me.linkedin) or (
            sender_url is None and sender.casefold() in me.names
        )
        conversation = _cell(row, columns, "conversation id") or _cell(
            row, columns, "conversation title", "subject"
        )
        content = _cell(row, columns, "content")
        key = content_key(conversation, when.isoformat(), sender_url or sender, content)
        if mine:
            names = _split(_cell(row, columns, "to"))
            urls = [profile_url(u) for u in _split(_cell(row, columns, "recipient profile urls"))]
            parties = _pair(names, urls)
        else:
            parties = [Party(name=sender or None, profile=sender_url)]
        parties = [p for p in parties if p.name or p.profile]
        if not parties:
            yield Skipped(SOURCE, "no correspondent")
            continue
        note = short_note(_cell(row, columns, "subject") or content)
        for party in parties:
            yield Message(
                source=SOURCE,
                key=f"msg:{key}:{party.profile or (party.name or '').casefold()}",
                at=when,
                channel="social",
                direction="out" if mine else "in",
                two_way=False,
                party=party,
                thread=conversation or party.key,
                note=note,
            )


def _pair(names: list[str], urls: list[str | None]) -> list[Party]:
    if len(names) == len(urls):
        return [Party(name=n, profile=u) for n, u in zip(names, urls, strict=True)]
    if urls:
        return [Party(profile=u) for u in urls if u]
    return [Party(name=n) for n in names]


def _invitations(
    rows: Reader, columns: dict[str, int], label: str, me: Identity
) -> Iterator[Message | Skipped]:
    for row in rows:
        where = f"line {rows.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        direction = _cell(row, columns, "direction").upper()
        if direction not in ("INCOMING", "OUTGOING"):
            raise fail(label, where, f"Direction must be INCOMING or OUTGOING, not {direction!r}")
        outgoing = direction == "OUTGOING"
        when = captured_at(_when(_cell(row, columns, "sent at", "sentat"), label, where), me)
        if when is None:
            yield Skipped(SOURCE, OUT_OF_RANGE)
            continue
        name = _cell(row, columns, "to" if outgoing else "from")
        url = profile_url(
            _cell(row, columns, "inviteeprofileurl" if outgoing else "inviterprofileurl")
        )
        if not name and not url:
            yield Skipped(SOURCE, "no correspondent")
            continue
        yield Message(
            source=SOURCE,
            key="inv:" + content_key(direction, name, url, when.isoformat()),
            at=when,
            channel="social",
            direction="out" if outgoing else "in",
            two_way=False,
            party=Party(name=name or None, profile=url),
            note=short_note("Invitation: " + _cell(row, columns, "message"))
            if _cell(row, columns, "message")
            else "Invitation",
        )


_FORMATS = ("%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S", "%m/%d/%y, %I:%M %p", "%m/%d/%Y, %I:%M %p")


def _when(value: str, label: str, where: str) -> datetime:
    """LinkedIn writes UTC times: `2024-01-15 14:03:22 UTC`, or `1/15/24, 3:04 PM` in invitations."""
    text = value.strip()
    for pattern in _FORMATS:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(label, where, f"unreadable date {text[:40]!r}") from None
    return moment  # naive is UTC: `captured_at` says so


# --- the export .zip -----------------------------------------------------------------------------


def zip_members(path: Path, label: str) -> dict[str, str]:
    """The CSV members of a LinkedIn export zip that netkeep reads, by lower-case base name, as
    text. Sizes are checked while reading, not trusted from the directory (a zip bomb lies)."""
    from netkeep.io.detect import decode_bytes
    from netkeep.io.zips import ZIP_ERRORS, InflateBudget, checked_entries, read_member

    wanted = {"messages.csv", "invitations.csv", "connections.csv"}
    found: dict[str, str] = {}
    budget = InflateBudget(MEMBER_LIMIT, label)
    try:
        with zipfile.ZipFile(path) as archive:
            for info in checked_entries(archive, label):
                base = info.filename.rsplit("/", 1)[-1].lower()
                if base not in wanted or info.is_dir():
                    continue
                member = f"{label}!{info.filename}"
                if base in found:
                    raise fail(label, "", f"the zip holds more than one {base}")
                found[base] = decode_bytes(read_member(archive, info, budget), member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise fail(label, "", f"not a readable zip file ({exc})") from None
    except ZIP_ERRORS as exc:  # a member that cannot be read: CRC, encrypted, corrupt data
        raise fail(label, "", f"cannot read the zip ({exc})") from None
    return found

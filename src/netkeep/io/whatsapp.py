"""WhatsApp "Export chat" text (Android and iOS line forms, any locale's numeric dates), or the
.zip the export shares. One-to-one chats only: a group chat's traffic is not between two people.

Numeric dates are read in the order the file proves (a first part above 12 is a day) or the one
given by `--date-order` / `[defaults] date_order`; an ambiguous file without either is refused,
never guessed.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netkeep.io.capture import (
    OUT_OF_RANGE,
    Identity,
    Message,
    Party,
    Skipped,
    captured_at,
    check_size,
    content_key,
)
from netkeep.io.records import fail

SOURCE = "whatsapp"
SIZE_LIMIT = 32 * 1024 * 1024  # a chat's text, read whole; also the zip's inflated-bytes budget
LINE_LIMIT = 1_000_000  # characters in one line
_SPACES = str.maketrans({"\u200f": None, "\u202f": " ", "\u00a0": " "})
# iOS marks its notices (encryption, number changes) with a leading U+200E in the text; it marks
# media placeholders the same way, and those are real messages.
_MEDIA = re.compile(r"omitted|<attached:|\.(jpg|png|mp4|opus|pdf|vcf)\b", re.IGNORECASE)
_LINE = re.compile(
    r"^\[?(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4}),?\s+"
    r"(?P<time>\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)"
    r"(?:\s*(?P<ampm>[aApP]\.?\s?[mM]\.?))?\]?"
    r"(?:\s+-\s+|\s+)(?P<rest>.*)$"
)
_NAME_FROM_FILE = re.compile(r"WhatsApp Chat (?:with|mit|con|avec|met) (.+)$", re.IGNORECASE)


def read_whatsapp(path: Path, label: str, me: Identity) -> Iterator[Message | Skipped]:
    if not me.names:
        me.need("--me-name", "names", label)
    text, title = _text(path, label)
    lines = _lines(text, label)
    if not lines:
        raise fail(label, "", "no WhatsApp message lines (date, time, name: text)")
    order = _date_order(lines, label, me)
    senders = {sender for _, _, _, sender, _ in lines if sender is not None}
    others = {s for s in senders if s.casefold() not in me.names}
    if len(senders) > 1 and others == senders:
        me.need("--me-name", "names", label)
    if len(others) > 1:
        for _ in lines:
            yield Skipped(SOURCE, "group chat")
        return
    partner = next(iter(others), None) or title
    if partner is None:
        for _ in lines:
            yield Skipped(SOURCE, "no other person in the chat")
        return
    party = Party(name=partner)
    seen: dict[str, int] = {}
    for number, date_text, time_text, sender, body in lines:
        if sender is None:
            yield Skipped(SOURCE, "system message")
            continue
        when = captured_at(_when(date_text, time_text, order, label, f"line {number}"), me)
        if when is None:
            yield Skipped(SOURCE, OUT_OF_RANGE)
            continue
        base = content_key(partner, date_text, time_text, sender, body)
        seen[base] = seen.get(base, 0) + 1
        yield Message(
            source=SOURCE,
            key=f"{base}:{seen[base]}",
            at=when,
            channel="text",
            direction="in" if sender == partner else "out",
            two_way=False,
            party=party,
            thread=f"chat:{partner.casefold()}",
            note=None,
        )


def _text(path: Path, label: str) -> tuple[str, str | None]:
    from netkeep.io.detect import decode_bytes, read_text
    from netkeep.io.zips import ZIP_ERRORS, InflateBudget, checked_entries, read_member

    if path.is_file() and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                infos = checked_entries(archive, label)
                members = [i for i in infos if i.filename.lower().endswith(".txt")]
                if not members:
                    raise fail(label, "", "a zip without a chat .txt")
                info = members[0]
                raw = read_member(archive, info, InflateBudget(SIZE_LIMIT, label))
        except ZIP_ERRORS as exc:
            raise fail(label, "", f"not a readable zip file ({exc})") from None
        stem = Path(info.filename).stem
        return decode_bytes(raw, f"{label}!{info.filename}"), _title(stem) or _title(path.stem)
    check_size(path, SIZE_LIMIT, label)
    return read_text(path), _title(path.stem)


def _title(stem: str) -> str | None:
    found = _NAME_FROM_FILE.search(stem)
    return found.group(1).strip() if found else None


def _lines(text: str, label: str) -> list[tuple[Any, ...]]:
    """(line number, date, time, sender or None for a system line, text) per message;
    continuation lines are joined to the message they continue."""
    messages: list[list[Any]] = []
    for number, raw in enumerate(_split_lines(text), start=1):
        if len(raw) > LINE_LIMIT:
            raise fail(label, f"line {number}", "a line longer than a chat message can be")
        # Only a line starting with a digit or [ (after marks and spaces) can start a message.
        found = _LINE.match(raw.lstrip("\u200e ").rstrip()) if raw[:1] in _STARTS else None
        if found is None:
            if messages:
                messages[-1][4].add(raw)
                continue
            raise fail(label, f"line {number}", "not a WhatsApp message line")
        if messages:
            messages[-1][4] = messages[-1][4].text()
        time_text = found["time"] + (" " + found["ampm"] if found["ampm"] else "")
        sender, sep, body = found["rest"].partition(": ")
        notice = body.startswith("\u200e") and not _MEDIA.search(body)
        if not sep or len(sender) > 100 or notice:
            messages.append([number, found["date"], time_text, None, _Body(found["rest"])])
        else:
            messages.append([number, found["date"], time_text, sender.strip(), _Body(body)])
    if messages:
        messages[-1][4] = messages[-1][4].text()
    return [tuple(m) for m in messages]


_STARTS = frozenset("[0123456789\u200e ")
_BLOCK = 1 << 20


class _Body:
    """A message's lines, joined a thousand at a time: time and memory linear in its length,
    however many lines continue it."""

    def __init__(self, first: str) -> None:
        self.chunks: list[str] = []
        self.pending = [first]

    def add(self, line: str) -> None:
        self.pending.append(line)
        if len(self.pending) >= 1024:
            self.chunks.append("\n".join(self.pending))
            self.pending = []

    def text(self) -> str:
        if self.pending:
            self.chunks.append("\n".join(self.pending))
        return "\n".join(self.chunks)


def _split_lines(text: str) -> Iterator[str]:
    """The text's lines (as `splitlines` cuts them), a block of about a megabyte at a time: a list
    of all of them would hold the whole chat twice over."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + _BLOCK)
        end = len(text) if end < 0 else end + 1
        block = text[start:end]
        if not block.isascii():
            block = block.translate(_SPACES)
        yield from block.splitlines()
        start = end


def _parts(date_text: str) -> list[int]:
    return [int(p) for p in re.split(r"[./-]", date_text)]


def _date_order(lines: list[tuple[Any, ...]], label: str, me: Identity) -> str:
    firsts = [_parts(date_text) for _, date_text, *_ in lines]
    if all(len(str(p[0])) == 4 or p[0] > 31 for p in firsts):
        return "ymd"
    day_first = any(p[0] > 12 for p in firsts)
    month_first = any(p[1] > 12 for p in firsts)
    if day_first and month_first:
        raise fail(label, "", "its dates mix day-first and month-first forms")
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    if me.date_order:
        return me.date_order
    raise fail(
        label,
        "",
        "its dates could be day-first or month-first; pass --date-order dmy or mdy "
        "(or set date_order in the config's [defaults])",
    )


def _when(date_text: str, time_text: str, order: str, label: str, where: str) -> datetime:
    parts = _parts(date_text)
    if order == "ymd":
        year, month, day = parts
    elif order == "dmy":
        day, month, year = parts
    else:
        month, day, year = parts
    if year < 100:
        year += 2000
    clock = time_text.replace(".", ":", 2) if "m" not in time_text.lower() else time_text
    pieces = re.match(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?\s*([aApP])?", clock)
    assert pieces is not None  # _LINE admitted only times this pattern reads
    hour, minute, second = int(pieces[1]), int(pieces[2]), int(pieces[3] or 0)
    if pieces[4]:
        hour = hour % 12 + (12 if pieces[4].lower() == "p" else 0)
    try:
        # The export writes the phone's local time without a zone; it is taken as UTC.
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise fail(label, where, f"not a real date and time: {date_text} {time_text}") from None

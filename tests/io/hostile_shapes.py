"""Hostile capture files that grow with a size: each shape once made a reader slow (quadratic),
hungry (memory growing without bound) or endless. Shared by the fuzz suite and
benchmarks/hostile.py; `make(name, size)` returns (file name, bytes, extra import arguments)."""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Callable

ME = ("--me-email", "alex@me.example", "--me-name", "Alex Me")
_MBOX_HEAD = b"From x@y Mon Jan  5 10:00:00 2026\nFrom: Kim <kim@x.example>\nTo: alex@me.example\n"
_DATE = b"Date: Mon, 5 Jan 2026 10:00:00 +0000\n"
_CHAT_LINE = b"13/02/2026, 10:00 - Kim: hi\n"
_SMS_HEAD = b"<?xml version='1.0' encoding='UTF-8'?>\n<smses count='1'>\n"
_ICS_HEAD = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"


def _repeat(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


def folded_header(size: int) -> bytes:
    """A Subject folded over as many lines as fit."""
    return _MBOX_HEAD + _DATE + b"Subject: s\n" + _repeat(b" x\n", size) + b"\nbody\n"


def spaced_address(size: int) -> bytes:
    """`From: x` + spaces + `y`: a backtracking address pattern's worst case."""
    return b"From x@y Mon Jan  5 10:00:00 2026\nFrom: x" + b" " * size + b"y\n" + _DATE + b"\nb\n"


def encoded_words(size: int) -> bytes:
    """A subject of encoded words, unfolded to one long line."""
    return _MBOX_HEAD + _DATE + b"Subject: " + _repeat(b"=?utf-8?q?ab?= ", size) + b"\n\nb\n"


def continuation_lines(size: int) -> bytes:
    """A WhatsApp message continued over as many lines as fit."""
    return _CHAT_LINE + _repeat(b"more\n", size)


def continuation_zip(size: int) -> bytes:
    """The same chat, as the .zip the export shares (it squeezes to almost nothing)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with Kim.txt", continuation_lines(size))
    return buffer.getvalue()


def long_attribute(size: int) -> bytes:
    """An Android text whose body attribute is the whole file."""
    body = b"x" * size
    sms = b"<sms address='+15550102000' date='1767607200000' type='1' body='" + body + b"'/>\n"
    return _SMS_HEAD + sms + b"</smses>\n"


def many_texts(size: int) -> bytes:
    """Android texts, as many as fit."""
    sms = b"<sms address='+15550102000' date='1767607200000' type='1' body='hi'/>\n"
    return _SMS_HEAD + _repeat(sms, size) + b"</smses>\n"


def recurrences(size: int) -> bytes:
    """Weekly series from 2016, as many as fit: each expands to hundreds of meetings."""
    events = []
    for number in range(max(1, size // 260)):
        events.append(
            f"BEGIN:VEVENT\r\nUID:s{number}\r\nDTSTART:20160104T100000Z\r\n"
            f"DTEND:20160104T110000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Sync\r\n"
            f"ORGANIZER:mailto:kim@x.example\r\nATTENDEE:mailto:alex@me.example\r\n"
            f"END:VEVENT\r\n".encode()
        )
    return _ICS_HEAD + b"".join(events) + b"END:VCALENDAR\r\n"


def empty_messages(size: int) -> bytes:
    """A Telegram chat of empty messages, as many as fit."""
    body = _repeat(b"{},", size).rstrip(b",")
    return b'{"name": "Kim", "type": "personal_chat", "id": 1, "messages": [' + body + b"]}"


def dated_messages(size: int) -> bytes:
    """A Telegram chat of dated messages, as many as fit."""
    message = b'{"id":1,"type":"message","date_unixtime":"1767607200","from":"Kim"},'
    body = _repeat(message, size).rstrip(b",")
    return b'{"name": "Kim", "type": "personal_chat", "id": 1, "messages": [' + body + b"]}"


def repeated_entries(size: int) -> bytes:
    """A LinkedIn zip whose directory names one member again and again."""
    buffer = io.BytesIO()
    member = b"From,To,Date,Subject,Content,Conversation ID\n" + b"x" * 1000
    with (
        warnings.catch_warnings(),
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate names
        for _ in range(max(2, size // 120)):
            archive.writestr("messages.csv", member)
    return buffer.getvalue()


def inflating_members(size: int) -> bytes:
    """A LinkedIn zip of three members that inflate far beyond what the archive weighs (a hundred
    times its size each, up to 32 MB: together past the budget of any size)."""
    buffer = io.BytesIO()
    block = b"0" * (1 << 20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("messages.csv", "Invitations.csv", "Connections.csv"):
            with archive.open(name, "w", force_zip64=True) as fh:
                for _ in range(min(32, max(1, size * 100 >> 20))):
                    fh.write(block)
    return buffer.getvalue()


SHAPES: dict[str, tuple[str, Callable[[int], bytes], tuple[str, ...]]] = {
    "folded header": ("folded.mbox", folded_header, ()),
    "spaces in an address": ("spaces.mbox", spaced_address, ()),
    "encoded words": ("encoded.mbox", encoded_words, ()),
    "continuation lines": ("WhatsApp Chat with Kim.txt", continuation_lines, ()),
    "continuation lines, zipped": ("WhatsApp Chat with Kim.zip", continuation_zip, ()),
    "long attribute": ("sms-long.xml", long_attribute, ()),
    "many texts": ("sms-many.xml", many_texts, ()),
    "recurrences": ("series.ics", recurrences, ()),
    "empty messages": ("result.json", empty_messages, ("--format", "telegram")),
    "dated messages": ("result.json", dated_messages, ("--format", "telegram")),
    "repeated zip entries": ("export.zip", repeated_entries, ("--format", "linkedin")),
    "inflating members": ("bomb.zip", inflating_members, ("--format", "linkedin")),
}


def make(name: str, size: int) -> tuple[str, bytes, tuple[str, ...]]:
    file_name, build, args = SHAPES[name]
    return file_name, build(size), args

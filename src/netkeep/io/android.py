"""Android "SMS Backup & Restore" exports: calls-*.xml and sms-*.xml.

Read as a stream with expat (a backup of years of texts is large), a chunk at a time. A document
type declaration anywhere in the file is refused by a parser handler the moment expat meets it:
without one no entity can be declared, so neither entity expansion ("billion laughs") nor external
entities can happen, whatever the version of expat underneath. A record (the text between two
angle brackets, a `body` attribute with it) longer than RECORD_LIMIT is refused before expat
reads it, which bounds the memory and time one record can take.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from xml.parsers import expat

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
from netkeep.phones import normalise

SOURCE = "android"
RECORD_LIMIT = 1024 * 1024  # bytes between two angle brackets
_PROLOG_LIMIT = 64 * 1024
_CHUNK = 256 * 1024
_ROOT = re.compile(rb"<(calls|smses)[\s>/]")
# Call types: 1 incoming, 2 outgoing, 3 missed, 4 voicemail, 5 rejected, 6 blocked.
_CALL_DIRECTION = {"1": "in", "2": "out", "3": "in", "4": "in", "5": "in"}
# Message types: 1 received, 2 sent; 3 draft, 4 outbox, 5 failed, 6 queued are not exchanges.
_SMS_DIRECTION = {"1": "in", "2": "out"}


class _Refused(Exception):
    """Raised from inside an expat handler: the file declares a document type."""


def read_android(path: Path, label: str, me: Identity) -> Iterator[Message | Skipped]:
    _check_prolog(path, label)
    for index, tag, attrs in _elements(path, label):
        where = f"{tag} {index}"
        if tag == "call":
            yield from _call(attrs, label, where, me)
        elif tag == "sms":
            yield from _sms(attrs, label, where, me)
        else:
            yield Skipped(SOURCE, "multimedia message")


def _check_prolog(path: Path, label: str) -> None:
    with path.open("rb") as fh:
        head = fh.read(_PROLOG_LIMIT)
    if _ROOT.search(head) is None:
        raise fail(label, "", "not an SMS Backup & Restore file (no <calls> or <smses>)")


def _refuse(*_: object) -> None:
    raise _Refused


def _elements(path: Path, label: str) -> Iterator[tuple[int, str, dict[str, str]]]:
    """(index among its kind, tag, attributes) of each call, sms or mms element under the root."""
    counts = {"call": 0, "sms": 0, "mms": 0}
    found: list[tuple[int, str, dict[str, str]]] = []
    depth = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth == 2 and tag in counts:
            counts[tag] += 1
            found.append((counts[tag], tag, attrs))

    def end(_tag: str) -> None:
        nonlocal depth
        depth -= 1

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    since_bracket = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            since_bracket = _check_records(chunk, since_bracket, label)
            _feed(parser, chunk, not chunk, label)
            yield from found
            found.clear()
            if not chunk:
                return


def _check_records(chunk: bytes, since_bracket: int, label: str) -> int:
    """Bytes since the last `<` or `>` after `chunk`, refusing a run longer than RECORD_LIMIT."""
    last = max(chunk.rfind(b"<"), chunk.rfind(b">"))
    if last < 0:
        since_bracket += len(chunk)
    else:
        first = min(i for i in (chunk.find(b"<"), chunk.find(b">")) if i >= 0)
        if since_bracket + first > RECORD_LIMIT:  # a chunk is shorter than the limit
            raise fail(label, "", f"a record longer than {RECORD_LIMIT:,} bytes")
        since_bracket = len(chunk) - last - 1
    if since_bracket > RECORD_LIMIT:
        raise fail(label, "", f"a record longer than {RECORD_LIMIT:,} bytes")
    return since_bracket


def _feed(parser: expat.XMLParserType, chunk: bytes, final: bool, label: str) -> None:
    try:
        parser.Parse(chunk, final)
    except _Refused:
        raise fail(
            label, "", "a document type declaration is not allowed in a backup file"
        ) from None
    except expat.ExpatError as exc:
        raise fail(
            label, f"line {exc.lineno}", f"not well-formed XML (column {exc.offset})"
        ) from None
    except (LookupError, ValueError) as exc:
        # The XML declaration names an encoding Python does not know, or a multi-byte one expat
        # cannot take from Python (shift_jis, big5, utf-32...).
        raise fail(label, "", f"not readable XML ({exc})") from None


def _when(attrs: dict[str, str], label: str, where: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(attrs["date"]) / 1000, tz=UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        raise fail(label, where, f"date must be milliseconds, not {attrs.get('date')!r}") from None


def _party(attrs: dict[str, str], me: Identity) -> Party | None:
    number = attrs.get("number", attrs.get("address", ""))
    phone = normalise(number, me.region)
    if phone is None:
        return None
    name = attrs.get("contact_name", "").strip()
    return Party(name=None if not name or name == "(Unknown)" else name, phone=phone)


def _call(
    attrs: dict[str, str], label: str, where: str, me: Identity
) -> Iterator[Message | Skipped]:
    kind = attrs.get("type", "")
    if kind not in _CALL_DIRECTION:
        yield Skipped(SOURCE, "blocked or unknown call type")
        return
    when = captured_at(_when(attrs, label, where), me)
    if when is None:
        yield Skipped(SOURCE, OUT_OF_RANGE)
        return
    party = _party(attrs, me)
    if party is None:
        yield Skipped(SOURCE, "hidden number")
        return
    if party.phone in me.phones:
        yield Skipped(SOURCE, "your own number")
        return
    try:
        duration = int(attrs.get("duration", "0") or 0)
    except ValueError:
        raise fail(label, where, f"duration must be seconds, not {attrs['duration']!r}") from None
    yield Message(
        source=SOURCE,
        key=f"call:{party.phone}:{attrs['date']}:{kind}",
        at=when,
        channel="call",
        direction=_CALL_DIRECTION[kind],
        two_way=kind in ("1", "2") and duration > 0,  # only a connected call is live
        party=party,
        thread=None,
        note={"3": "missed call", "4": "voicemail", "5": "rejected call"}.get(kind),
    )


def _sms(
    attrs: dict[str, str], label: str, where: str, me: Identity
) -> Iterator[Message | Skipped]:
    kind = attrs.get("type", "")
    if kind not in _SMS_DIRECTION:
        yield Skipped(SOURCE, "draft, outbox or failed text")
        return
    when = captured_at(_when(attrs, label, where), me)
    if when is None:
        yield Skipped(SOURCE, OUT_OF_RANGE)
        return
    if "~" in attrs.get("address", ""):
        yield Skipped(SOURCE, "group text")
        return
    party = _party(attrs, me)
    if party is None:
        yield Skipped(SOURCE, "hidden or alphanumeric sender")
        return
    if party.phone in me.phones:
        yield Skipped(SOURCE, "your own number")
        return
    body = attrs.get("body", "")
    yield Message(
        source=SOURCE,
        key=f"sms:{party.phone}:{attrs['date']}:{kind}:{content_key(body)[:12]}",
        at=when,
        channel="text",
        direction=_SMS_DIRECTION[kind],
        two_way=False,
        party=party,
        thread=f"sms:{party.phone}",
        note=short_note(body, 60),
    )

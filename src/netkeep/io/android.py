"""Android "SMS Backup & Restore" exports: calls-*.xml and sms-*.xml.

Read as a stream (a backup of years of texts is large). A document type declaration is refused
before parsing: without one no entity can be declared, so neither entity expansion ("billion
laughs") nor external entities can happen, whatever the version of expat underneath.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse

from netkeep.io.capture import Identity, Message, Party, Skipped, content_key, short_note
from netkeep.io.records import fail
from netkeep.phones import normalise

SOURCE = "android"
_PROLOG_LIMIT = 64 * 1024
_ROOT = re.compile(rb"<(calls|smses)[\s>/]")
# Call types: 1 incoming, 2 outgoing, 3 missed, 4 voicemail, 5 rejected, 6 blocked.
_CALL_DIRECTION = {"1": "in", "2": "out", "3": "in", "4": "in", "5": "in"}
# Message types: 1 received, 2 sent; 3 draft, 4 outbox, 5 failed, 6 queued are not exchanges.
_SMS_DIRECTION = {"1": "in", "2": "out"}


def read_android(path: Path, label: str, me: Identity) -> Iterator[Message | Skipped]:
    _check_prolog(path, label)
    try:
        for index, element in _elements(path):
            where = f"{element.tag} {index}"
            if element.tag == "call":
                yield from _call(element.attrib, label, where, me)
            elif element.tag == "sms":
                yield from _sms(element.attrib, label, where, me)
            else:
                yield Skipped(SOURCE, "multimedia message")
    except ParseError as exc:
        line, column = exc.position
        raise fail(label, f"line {line}", f"not well-formed XML (column {column})") from None
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise fail(label, "", f"not readable XML ({exc})") from None


def _check_prolog(path: Path, label: str) -> None:
    with path.open("rb") as fh:
        head = fh.read(_PROLOG_LIMIT)
    root = _ROOT.search(head)
    if root is None:
        raise fail(label, "", "not an SMS Backup & Restore file (no <calls> or <smses>)")
    if b"<!DOCTYPE" in head[: root.start()].upper() or b"<!ENTITY" in head[: root.start()]:
        raise fail(label, "", "a document type declaration is not allowed in a backup file")


def _elements(path: Path) -> Iterator[tuple[int, Element]]:
    """Each call, sms or mms element as it ends, then freed."""
    counts = {"call": 0, "sms": 0, "mms": 0}
    depth = 0
    root: Element | None = None
    for event, element in iterparse(path, events=("start", "end")):
        if event == "start":
            depth += 1
            if root is None:
                root = element
            continue
        depth -= 1
        if depth == 1 and element.tag in counts:
            counts[element.tag] += 1
            yield counts[element.tag], element
            assert root is not None  # set at the first start event
            root.clear()  # what has been read is not kept


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
    when = _when(attrs, label, where)
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
    when = _when(attrs, label, where)
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

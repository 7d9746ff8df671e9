"""netkeep's own JSON export: written losslessly, read back strictly.

Shape: `{"format": "netkeep", "version": 6, "contacts": [...], "touchpoints": [...],
"asks": [...], "gives": [...]}` (docs/import-export.md). Versions 1 and 2 (no `gives`, no
`no_reply`, and each touchpoint's `give` its initiator's favour; version 1 also without a
touchpoint's `source` and `source_key`; version 3 without a touchpoint's `logged_by`, which
import then sets to the importing member) still import. Every stored key must be present (null when
empty; a touchpoint's `source`, `source_key` and `logged_by`, and a contact's `birthday`,
`follow_up` and `snoozed_until`, may be left out) with the right type; unknown keys
are refused, the derived keys (`last_touch`, `answered`, `days_open`) and an ask's `name` are accepted
and ignored. Ids must be unique and every reference must point into the same file.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from netkeep.errors import BadInput
from netkeep.io.records import DERIVED_KEYS, ContactIn, ImportBatch, fail
from netkeep.vocab import CONTACT_FIELDS, AskStatus, Channel, Direction, Side

FORMAT_NAME = "netkeep"
FORMAT_VERSION = 6
# Version 1 files (before captured history) are read as they are: their touchpoints are typed ones.
# Version 2 files (before the favour ledger) have no `gives` list and no `no_reply`, and each
# touchpoint's `give` is its initiator's favour itself.
# Version 3 files (before team members) have no touchpoint `logged_by`: the importer logged them.
READABLE_VERSIONS = (1, 2, 3, 4, 5, 6)

# What is due with a contact rides along (version 6): its open follow-up and its snooze.
_CONTACT_KEYS = (*CONTACT_FIELDS, "follow_up", "snoozed_until")
_TOUCHPOINT_KEYS = (
    "id",
    "contact_id",
    "occurred_at",
    "channel",
    "direction",
    "two_way",
    "note",
    "ask",
    "give",
    "source",
    "source_key",
    "no_reply",
    "logged_by",
)
# Versions 1 and 2: no `no_reply`, and `give` is the favour itself rather than a view of the gives
# list (version 1 has no `source` and `source_key` either: see _OPTIONAL).
_TOUCHPOINT_KEYS_BEFORE_LEDGER = _TOUCHPOINT_KEYS[:-2]
_LEDGER_VERSION = 3  # the first version with the gives list
# Keys a record may leave out (null then): those added in version 2, `logged_by` (version 4;
# null: the importing member), a contact's `birthday` (version 5), and its open `follow_up` and
# `snoozed_until` (version 6).
_OPTIONAL = {
    "contacts": frozenset({"birthday", "follow_up", "snoozed_until"}),
    "touchpoints": frozenset({"source", "source_key", "logged_by"}),
    "asks": frozenset(),
    "gives": frozenset(),
}
_ASK_KEYS = (
    "id",
    "contact_id",
    "touchpoint_id",
    "by",
    "what",
    "status",
    "opened_at",
    "resolved_at",
)
_GIVE_KEYS = ("id", "contact_id", "touchpoint_id", "by", "what", "given_at", "fulfils")
LIST_KEYS = ("contacts", "touchpoints", "asks", "gives")
_IGNORED = {
    "contacts": DERIVED_KEYS,
    "touchpoints": DERIVED_KEYS | {"asks", "gives"},
    "asks": DERIVED_KEYS | {"name"},
    "gives": DERIVED_KEYS,
}


class _Invalid(Exception):
    """A bad value, before it is given its record's name."""


# --- writing -------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # the store's naive times are UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat()  # full precision: the export is lossless
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items() if key not in DERIVED_KEYS}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def _time_text(value: Any) -> str:
    if isinstance(value, datetime):
        return str(_jsonable(value))
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def write_json(data: dict[str, Any], fh: IO[str]) -> None:
    """The export document: `data` holds `contacts`, `touchpoints` and `asks`, lists or iterables of
    dicts keyed as in docs/reference.md, written as they come (a million touchpoints never sit in memory at once).

    One record per line, so exports diff and grep well and write fast. Datetimes become ISO 8601 in
    UTC (naive ones are taken as UTC); derived keys are dropped.
    """
    # The C encoder, calling back only for datetimes: several times faster than walking each
    # record in Python first.
    encode = json.JSONEncoder(ensure_ascii=False, default=_time_text).encode
    fh.write(f'{{\n  "format": "{FORMAT_NAME}",\n  "version": {FORMAT_VERSION}')
    for key in LIST_KEYS:
        fh.write(f',\n  "{key}": [')
        separator = "\n    "
        for item in data.get(key, ()):
            if not DERIVED_KEYS.isdisjoint(item):
                item = {name: value for name, value in item.items() if name not in DERIVED_KEYS}
            fh.write(separator)
            fh.write(encode(item))
            separator = ",\n    "
        fh.write("]" if separator == "\n    " else "\n  ]")
    fh.write("\n}\n")


# --- reading -------------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_CHUNK = 1 << 20  # characters decoded at a time


class _Text:
    """A JSON text read a chunk at a time, one value at a time, with line and column for errors."""

    def __init__(self, fh: IO[bytes], label: str) -> None:
        self.fh = fh
        self.label = label
        self.decoder: codecs.IncrementalDecoder | None = None
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.bytes_read = 0
        self.lines_before = 0  # line breaks in the text already dropped from the buffer
        self.column_before = 0  # characters of the current line already dropped
        self.json = json.JSONDecoder()
        self.context = ""  # the record being read, for error messages: "touchpoint 3"

    def _more(self) -> bool:
        if self.eof:
            return False
        raw = self.fh.read(_CHUNK)
        if self.decoder is None:
            utf16 = raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            self.decoder = codecs.getincrementaldecoder("utf-16" if utf16 else "utf-8-sig")()
        try:
            chunk = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            line = self.lines_before + self.buffer.count("\n") + raw[: exc.start].count(b"\n") + 1
            raise BadInput(
                f"{self.label}: line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                "save the file as UTF-8 and import it again"
            ) from None
        self.bytes_read += len(raw)
        if not raw:
            self.eof = True
        if self.pos:  # drop what has been read
            newline = self.buffer.rfind("\n", 0, self.pos)
            if newline < 0:
                self.column_before += self.pos
            else:
                self.lines_before += self.buffer.count("\n", 0, self.pos)
                self.column_before = self.pos - newline - 1
            self.buffer = self.buffer[self.pos :]
            self.pos = 0
        self.buffer += chunk
        return bool(raw)

    def peek(self) -> str:
        """The next character that is not white space, or "" at the end of the text."""
        while True:
            blank = _WHITESPACE.match(self.buffer, self.pos)
            assert blank is not None  # `*` matches the empty string too
            self.pos = blank.end()
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def take(self, char: str, expected: str) -> None:
        if self.peek() != char:
            raise self.invalid(expected, self.pos)
        self.pos += 1

    def value(self) -> Any:
        while True:
            if not self.peek():
                raise self.invalid("Expecting value", self.pos)
            try:
                value, end = self.json.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                # A value cut by the end of the chunk: read on and decode it again.
                cut = exc.pos >= len(self.buffer) - 64 or exc.msg.startswith("Unterminated")
                if cut and self._more():
                    continue
                raise self.invalid(exc.msg, exc.pos) from None
            if end == len(self.buffer) and self._more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value

    def invalid(self, message: str, pos: int) -> BadInput:
        if self.eof and pos >= len(self.buffer):
            message += " (the file ends too soon: truncated?)"
        line = self.lines_before + self.buffer.count("\n", 0, pos) + 1
        newline = self.buffer.rfind("\n", 0, pos)
        column = pos - newline if newline >= 0 else self.column_before + pos + 1
        where = f" in {self.context}" if self.context else ""
        return fail(self.label, f"line {line} column {column}", f"invalid JSON{where}: {message}")


def _events(text: _Text) -> Iterator[tuple[str, str, Any]]:
    """The top-level object as events: ("value", key, value) for a key whose value is not a list;
    ("start", key, None), ("item", key, item)…, ("end", key, None) for a list, item by item."""
    start = text.peek()
    if start != "{":
        text.value()  # invalid JSON is reported as such
        raise _not_an_export(text.label)
    text.pos += 1
    if text.peek() == "}":
        text.pos += 1
    else:
        while True:
            if text.peek() != '"':
                raise text.invalid("Expecting property name enclosed in double quotes", text.pos)
            key = text.value()
            text.take(":", "Expecting ':' delimiter")
            if text.peek() == "[":
                text.pos += 1
                yield "start", key, None
                if text.peek() == "]":
                    text.pos += 1
                else:
                    index = 0
                    while True:
                        index += 1
                        text.context = f"{key[:-1] if key in LIST_KEYS else key} {index}"
                        yield "item", key, text.value()
                        following = text.peek()
                        if following not in (",", "]"):
                            raise text.invalid("Expecting ',' delimiter", text.pos)
                        text.pos += 1
                        if following == "]":
                            break
                text.context = ""
                yield "end", key, None
            else:
                yield "value", key, text.value()
            following = text.peek()
            if following not in (",", "}"):
                raise text.invalid("Expecting ',' delimiter", text.pos)
            text.pos += 1
            if following == "}":
                break
    if text.peek():
        raise text.invalid("Extra data", text.pos)


def _not_an_export(label: str) -> BadInput:
    return BadInput(
        f'{label}: not a netkeep export (expected an object with "format": "netkeep"); '
        "for other contact lists use CSV or vCard"
    )


class JsonImport:
    """A netkeep export read as a stream and checked record by record.

    `records()` yields ("contact", ContactIn), then ("touchpoint", dict), ("ask", dict) and
    ("give", dict), in
    that order whatever the order of the keys in the file; every reference is checked before the
    record that holds it is yielded. Only the ids are remembered, so a million touchpoints pass
    through in constant memory when the file lists contacts, touchpoints and asks in that order (as
    `export` writes them). Any problem raises BadInput naming the file and the record.
    """

    def __init__(self, fh: IO[bytes], label: str) -> None:
        self.text = _Text(fh, label)
        self.label = label

    @property
    def bytes_read(self) -> int:
        return self.text.bytes_read

    def records(self) -> Iterator[tuple[str, Any]]:
        label = self.label
        version = FORMAT_VERSION  # until the file says otherwise (export writes it first)
        seen: set[str] = set()
        ids: dict[str, set[int]] = {key: set() for key in LIST_KEYS}
        counts = dict.fromkeys(LIST_KEYS, 0)
        finished: set[str] = set()
        waiting: dict[str, list[tuple[int, dict[str, Any]]]] = {key: [] for key in LIST_KEYS}
        source_keys: set[tuple[str | None, str]] = set()  # a captured touchpoint is listed once

        def ready(key: str) -> bool:
            return all(need in finished for need in _NEEDS[key])

        def checked(key: str, index: int, record: dict[str, Any]) -> tuple[str, Any]:
            self._check_references(key, index, record, ids)
            if key == "touchpoints" and record["source_key"] is not None:
                pair = (record["source"], record["source_key"])
                if pair in source_keys:
                    where = _where("touchpoint", index, record)
                    raise fail(label, where, "repeats the source and source_key of another")
                source_keys.add(pair)
            if key == "contacts":
                return "contact", _contact_in(record, index)
            return key[:-1], record

        for event, key, value in _events(self.text):
            if event == "item":
                if key not in LIST_KEYS:
                    continue  # refused at its end (an unknown key)
                counts[key] += 1
                index = counts[key]
                record = _validated_item(value, key, index, label, version)
                if record["id"] in ids[key]:
                    raise fail(label, _where(key[:-1], index, record), "duplicate id")
                ids[key].add(record["id"])
                if ready(key):
                    yield checked(key, index, record)
                else:
                    waiting[key].append((index, record))
                continue
            if event == "end":
                if key not in LIST_KEYS:
                    raise self._unknown(key, seen)
                finished.add(key)
                for later in LIST_KEYS:
                    if waiting[later] and ready(later):
                        for index, record in waiting[later]:
                            yield checked(later, index, record)
                        waiting[later] = []
                continue
            if key in seen:
                raise BadInput(f"{label}: duplicate key {key!r}")
            seen.add(key)
            if event == "start":
                continue
            if key == "format":
                if value != FORMAT_NAME:
                    raise _not_an_export(label)
            elif key == "version":
                _check_version(value, label)
                version = value
            elif key in LIST_KEYS:
                raise BadInput(f"{label}: {key!r} must be a list")
            else:
                raise self._unknown(key, seen)

        if "format" not in seen:
            raise _not_an_export(label)
        if "version" not in seen:
            raise BadInput(f'{label}: "version" must be an integer')
        for key in LIST_KEYS:
            if key not in seen and not (key == "gives" and version < _LEDGER_VERSION):
                raise BadInput(f"{label}: {key!r} must be a list")

    def _unknown(self, key: str, seen: set[str]) -> BadInput:
        if "format" not in seen:
            return _not_an_export(self.label)
        return BadInput(f"{self.label}: unknown key {key!r}")

    def _check_references(
        self, key: str, index: int, record: dict[str, Any], ids: dict[str, set[int]]
    ) -> None:
        label = self.label
        if key == "touchpoints" and record["contact_id"] not in ids["contacts"]:
            raise fail(
                label,
                _where("touchpoint", index, record),
                "contact_id refers to no contact in the file",
            )
        if key == "asks":
            where = _where("ask", index, record)
            if record["contact_id"] not in ids["contacts"]:
                raise fail(label, where, "contact_id refers to no contact in the file")
            if (
                record["touchpoint_id"] is not None
                and record["touchpoint_id"] not in ids["touchpoints"]
            ):
                raise fail(label, where, "touchpoint_id refers to no touchpoint in the file")
            unresolved = record["status"] in (AskStatus.open, AskStatus.working)
            if unresolved != (record["resolved_at"] is None):
                raise fail(label, where, "resolved_at must be null exactly when status is open")
        if key == "gives":
            where = _where("give", index, record)
            if record["contact_id"] not in ids["contacts"]:
                raise fail(label, where, "contact_id refers to no contact in the file")
            if (
                record["touchpoint_id"] is not None
                and record["touchpoint_id"] not in ids["touchpoints"]
            ):
                raise fail(label, where, "touchpoint_id refers to no touchpoint in the file")
            if record["fulfils"] is not None and record["fulfils"] not in ids["asks"]:
                raise fail(label, where, "fulfils refers to no ask in the file")


# What must be read whole before a record can be checked: the lists its references point into.
_NEEDS = {
    "contacts": (),
    "touchpoints": ("contacts",),
    "asks": ("contacts", "touchpoints"),
    "gives": ("contacts", "touchpoints", "asks"),
}


def _check_version(version: Any, label: str) -> None:
    if type(version) is not int:
        raise BadInput(f'{label}: "version" must be an integer')
    if version > FORMAT_VERSION:
        raise BadInput(
            f"{label}: written by a newer netkeep (format version {version}); upgrade netkeep"
        )
    if version not in READABLE_VERSIONS:
        raise BadInput(f"{label}: unknown format version {version}")


def _contact_in(c: dict[str, Any], index: int) -> ContactIn:
    return ContactIn(
        name=c["name"],
        emails=tuple(c["emails"]),
        phone=c["phone"],
        company=c["company"],
        title=c["title"],
        tags=tuple(c["tags"]),
        tier=c["tier"],
        note=c["note"],
        created_at=c["created_at"],
        cadence=c["cadence"],
        archived=c["archived"],
        birthday=c.get("birthday"),
        follow_up_on=(c.get("follow_up") or {}).get("date"),
        follow_up_note=(c.get("follow_up") or {}).get("note"),
        snoozed_until=c.get("snoozed_until"),
        id=c["id"],
        source=_where("contact", index, c),
    )


def parse_json(text: str, label: str, path: Path) -> ImportBatch:
    """A whole export read into lists (see JsonImport for the streamed form)."""
    batch = ImportBatch(path=path, format="json", contacts=[])
    reader = JsonImport(io.BytesIO(text.encode("utf-8")), label)
    for kind, record in reader.records():
        if kind == "contact":
            batch.contacts.append(record)
        elif kind == "touchpoint":
            batch.touchpoints.append(record)
        elif kind == "ask":
            batch.asks.append(record)
        else:
            batch.gives.append(record)
    return batch


def _where(kind: str, index: int, record: dict[str, Any]) -> str:
    """`contact 4 (id 12)`: the position in the file, and the id when it is readable."""
    record_id = record.get("id") if isinstance(record, dict) else None
    return f"{kind} {index} (id {record_id})" if type(record_id) is int else f"{kind} {index}"


def _validated_item(item: Any, key: str, index: int, label: str, version: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise fail(label, _where(key[:-1], index, item), "must be an object")
    if version < _LEDGER_VERSION and key == "gives":
        raise fail(label, _where("give", index, item), "gives need format version 3")
    old_touchpoint = version < _LEDGER_VERSION and key == "touchpoints"
    keys = _TOUCHPOINT_KEYS_BEFORE_LEDGER if old_touchpoint else _KEYS[key]
    key_set = _KEY_SET_BEFORE_LEDGER if old_touchpoint else _KEY_SETS[key]
    optional = _OPTIONAL[key]
    if len(item) != len(keys) or not key_set <= item.keys():
        missing = [k for k in keys if k not in item and k not in optional]
        if missing:
            raise fail(label, _where(key[:-1], index, item), f"missing key {missing[0]!r}")
        unknown = sorted(set(item) - set(keys) - _IGNORED[key])
        if unknown:
            raise fail(label, _where(key[:-1], index, item), f"unknown key {unknown[0]!r}")
    checks = _CHECKS[key]
    record = {}
    for name in keys:
        try:
            record[name] = checks[name](item.get(name))
        except _Invalid as exc:
            raise fail(label, _where(key[:-1], index, item), f"{name!r} {exc}") from None
    if old_touchpoint:
        # The favour itself in versions 1 and 2; a view of the gives list since.
        record["legacy_give"], record["no_reply"] = record["give"], False
    return record


# Value checks: each returns the value to keep or raises _Invalid with the end of a sentence.


def _id(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise _Invalid("must be a positive integer")
    return value


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else check(value)


def _birthday(value: Any) -> str | None:
    from netkeep.agenda import parse_birthday

    if not isinstance(value, str):
        raise _Invalid("must be a string or null")
    try:
        return parse_birthday(value)
    except BadInput:
        raise _Invalid("must be MM-DD or YYYY-MM-DD") from None


def _day(value: Any) -> str:
    from datetime import date

    if not isinstance(value, str):
        raise _Invalid("must be a YYYY-MM-DD date or null")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise _Invalid("must be a YYYY-MM-DD date or null") from None


def _follow_up(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) != {"date", "note"}:
        raise _Invalid('must be {"date": YYYY-MM-DD, "note": text or null} or null')
    return {"date": _day(value["date"]), "note": _optional(_text)(value["note"])}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid("must be a string or null")
    return value


def _required_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("must be a non-empty string")
    return value


def _text_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid("must be a list of strings")
    return list(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("must be true or false")
    return value


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _Invalid("must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _Invalid(f"is not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        raise _Invalid(f"needs a UTC offset: {value!r}")
    return moment.astimezone(UTC)


def _choice(allowed: type[StrEnum]) -> Callable[[Any], str]:
    words = [str(member.value) for member in allowed]

    def check(value: Any) -> str:
        if value not in words:
            raise _Invalid(f"must be one of {', '.join(words)}, not {value!r}")
        return str(value)

    return check


def _touchpoint_ask(value: Any) -> Any:
    # Informational: the asks list is authoritative. Text, an ask object, or null.
    if value is not None and not isinstance(value, str | dict):
        raise _Invalid("must be a string, an object or null")
    return value


def _contact_checks() -> dict[str, Callable[[Any], Any]]:
    return {
        "id": _id,
        "name": _required_text,
        "emails": _text_list,
        "phone": _optional(_text),
        "company": _optional(_text),
        "title": _optional(_text),
        "tags": _text_list,
        "tier": _optional(_text),
        "cadence": _optional(_text),
        "note": _optional(_text),
        "created_at": _time,
        "archived": _flag,
        "birthday": _optional(_birthday),
        "follow_up": _optional(_follow_up),
        "snoozed_until": _optional(_day),
    }


def _touchpoint_checks() -> dict[str, Callable[[Any], Any]]:
    return {
        "id": _id,
        "contact_id": _id,
        "occurred_at": _time,
        "channel": _choice(Channel),
        "direction": _choice(Direction),
        "two_way": _flag,
        "note": _optional(_text),
        "ask": _touchpoint_ask,
        "give": _optional(_text),
        "source": _optional(_required_text),
        "source_key": _optional(_required_text),
        "no_reply": _flag,
        "logged_by": _optional(_required_text),
    }


def _ask_checks() -> dict[str, Callable[[Any], Any]]:
    return {
        "id": _id,
        "contact_id": _id,
        "touchpoint_id": _optional(_id),
        "by": _choice(Side),
        "what": _required_text,
        "status": _choice(AskStatus),
        "opened_at": _time,
        "resolved_at": _optional(_time),
    }


def _give_checks() -> dict[str, Callable[[Any], Any]]:
    return {
        "id": _id,
        "contact_id": _id,
        "touchpoint_id": _optional(_id),
        "by": _choice(Side),
        "what": _required_text,
        "given_at": _time,
        "fulfils": _optional(_id),
    }


_KEYS = {
    "contacts": _CONTACT_KEYS,
    "touchpoints": _TOUCHPOINT_KEYS,
    "asks": _ASK_KEYS,
    "gives": _GIVE_KEYS,
}
_KEY_SETS = {key: frozenset(names) for key, names in _KEYS.items()}
_KEY_SET_BEFORE_LEDGER = frozenset(_TOUCHPOINT_KEYS_BEFORE_LEDGER)
_CHECKS = {
    "contacts": _contact_checks(),
    "touchpoints": _touchpoint_checks(),
    "asks": _ask_checks(),
    "gives": _give_checks(),
}

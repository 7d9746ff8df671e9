"""netkeep's own JSON export: written losslessly, read back strictly.

Shape (SPEC): `{"format": "netkeep", "version": 1, "contacts": [...], "touchpoints": [...],
"asks": [...]}`. Every stored key must be present (null when empty) with the right type; unknown keys
are refused, the derived keys (`last_touch`, `answered`, `days_open`) and an ask's `name` are accepted
and ignored. Ids must be unique and every reference must point into the same file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from netkeep.errors import BadInput
from netkeep.io.records import DERIVED_KEYS, ContactIn, ImportBatch, fail
from netkeep.vocab import AskStatus, Channel, Direction, Side

FORMAT_NAME = "netkeep"
FORMAT_VERSION = 1

_CONTACT_KEYS = (
    "id",
    "name",
    "emails",
    "phone",
    "company",
    "title",
    "tags",
    "tier",
    "cadence",
    "note",
    "created_at",
    "archived",
)
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
)
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
_IGNORED = {"contacts": DERIVED_KEYS, "touchpoints": DERIVED_KEYS, "asks": DERIVED_KEYS | {"name"}}


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


def write_json(data: dict[str, Any], fh: IO[str]) -> None:
    """The export document: `data` holds lists `contacts`, `touchpoints` and `asks` of SPEC dicts.

    Datetimes become ISO 8601 in UTC (naive ones are taken as UTC); derived keys are dropped.
    """
    document = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "contacts": _jsonable(list(data.get("contacts", []))),
        "touchpoints": _jsonable(list(data.get("touchpoints", []))),
        "asks": _jsonable(list(data.get("asks", []))),
    }
    json.dump(document, fh, ensure_ascii=False, indent=2)
    fh.write("\n")


# --- reading -------------------------------------------------------------------------------------


def parse_json(text: str, label: str, path: Path) -> ImportBatch:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(
            label, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise BadInput(
            f'{label}: not a netkeep export (expected an object with "format": "netkeep"); '
            "for other contact lists use CSV or vCard"
        )
    version = document.get("version")
    if type(version) is not int:
        raise BadInput(f'{label}: "version" must be an integer')
    if version > FORMAT_VERSION:
        raise BadInput(
            f"{label}: written by a newer netkeep (format version {version}); upgrade netkeep"
        )
    if version != FORMAT_VERSION:
        raise BadInput(f"{label}: unknown format version {version}")
    unknown = set(document) - {"format", "version", "contacts", "touchpoints", "asks"}
    if unknown:
        raise BadInput(f"{label}: unknown key {sorted(unknown)[0]!r}")
    for key in ("contacts", "touchpoints", "asks"):
        if not isinstance(document.get(key), list):
            raise BadInput(f"{label}: {key!r} must be a list")

    contacts = _validated(document["contacts"], "contacts", _CONTACT_KEYS, _contact_checks(), label)
    contact_ids = _unique_ids(contacts, "contact", label)
    touchpoints = _validated(
        document["touchpoints"], "touchpoints", _TOUCHPOINT_KEYS, _touchpoint_checks(), label
    )
    touchpoint_ids = _unique_ids(touchpoints, "touchpoint", label)
    asks = _validated(document["asks"], "asks", _ASK_KEYS, _ask_checks(), label)
    _unique_ids(asks, "ask", label)

    for index, touchpoint in enumerate(touchpoints, 1):
        if touchpoint["contact_id"] not in contact_ids:
            raise fail(
                label,
                _where("touchpoint", index, touchpoint),
                "contact_id refers to no contact in the file",
            )
    for index, ask in enumerate(asks, 1):
        where = _where("ask", index, ask)
        if ask["contact_id"] not in contact_ids:
            raise fail(label, where, "contact_id refers to no contact in the file")
        if ask["touchpoint_id"] is not None and ask["touchpoint_id"] not in touchpoint_ids:
            raise fail(label, where, "touchpoint_id refers to no touchpoint in the file")
        if (ask["status"] == AskStatus.open) != (ask["resolved_at"] is None):
            raise fail(label, where, "resolved_at must be null exactly when status is open")

    records = [
        ContactIn(
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
            id=c["id"],
            source=_where("contact", index, c),
        )
        for index, c in enumerate(contacts, 1)
    ]
    return ImportBatch(
        path=path, format="json", contacts=records, touchpoints=touchpoints, asks=asks
    )


def _where(kind: str, index: int, record: dict) -> str:
    """`contact 4 (id 12)`: the position in the file, and the id when it is readable."""
    record_id = record.get("id") if isinstance(record, dict) else None
    return f"{kind} {index} (id {record_id})" if type(record_id) is int else f"{kind} {index}"


def _validated(
    items: list,
    key: str,
    keys: tuple[str, ...],
    checks: dict[str, Callable[[Any], Any]],
    label: str,
) -> list[dict]:
    kind = key[:-1]
    result = []
    for index, item in enumerate(items, 1):
        where = _where(kind, index, item)
        if not isinstance(item, dict):
            raise fail(label, where, "must be an object")
        missing = [k for k in keys if k not in item]
        if missing:
            raise fail(label, where, f"missing key {missing[0]!r}")
        unknown = sorted(set(item) - set(keys) - _IGNORED[key])
        if unknown:
            raise fail(label, where, f"unknown key {unknown[0]!r}")
        record = {}
        for name in keys:
            try:
                record[name] = checks[name](item[name])
            except _Invalid as exc:
                raise fail(label, where, f"{name!r} {exc}") from None
        result.append(record)
    return result


def _unique_ids(records: list[dict], kind: str, label: str) -> set[int]:
    seen: set[int] = set()
    for index, record in enumerate(records, 1):
        if record["id"] in seen:
            raise fail(label, _where(kind, index, record), "duplicate id")
        seen.add(record["id"])
    return seen


# Value checks: each returns the value to keep or raises _Invalid with the end of a sentence.


def _id(value: Any) -> int:
    if type(value) is not int or value < 1:
        raise _Invalid("must be a positive integer")
    return value


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else check(value)


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


def _choice(allowed: type) -> Callable[[Any], str]:
    words = [member.value for member in allowed]

    def check(value: Any) -> str:
        if value not in words:
            raise _Invalid(f"must be one of {', '.join(words)}, not {value!r}")
        return value

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

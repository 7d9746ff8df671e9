"""What every importer produces: `ContactIn` records in an `ImportBatch`, and the small rules they share.

No database and no third-party imports here: the CLI may import this module on any start-up.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from netkeep import text
from netkeep.errors import BadInput

# Loose on purpose: exports hold odd but real addresses; this only catches a name or a phone number
# sitting in an email column.
_EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+$")

# Control characters a text field read from a file may not carry into the database: PostgreSQL
# refuses NUL outright and SQLite would keep it, so both engines get the same text. Line breaks and
# tabs stay in fields that may span lines (notes); `one_line` turns them into spaces.
_CONTROLS: dict[int, str | None] = {
    code: None for code in (*range(0x20), *range(0x7F, 0xA0)) if code not in (0x09, 0x0A, 0x0D)
}
_ONE_LINE: dict[int, str | None] = {**_CONTROLS, 0x09: " ", 0x0A: " ", 0x0D: " "}

# Contact keys that other tools compute and import ignores (docs/import-export.md: export less the derived keys).
DERIVED_KEYS = frozenset({"last_touch", "answered", "days_open"})


@dataclass(frozen=True)
class ContactIn:
    """One contact read from a file, not yet merged into the database.

    `id`, `cadence` and `archived` are only set by formats that carry them (netkeep JSON always,
    CSV and vCard when netkeep wrote them); None means "the file says nothing, keep or default".
    `source` ("card 3", "line 12", "contact 4") names the record in messages and is not compared.
    """

    name: str
    emails: tuple[str, ...] = ()
    phone: str | None = None
    company: str | None = None
    title: str | None = None
    tags: tuple[str, ...] = ()
    tier: str | None = None
    note: str | None = None
    created_at: datetime | None = None
    cadence: str | None = None
    archived: bool | None = None
    birthday: str | None = None  # "MM-DD" or "YYYY-MM-DD"
    # netkeep JSON alone: the open follow-up (its day and note) and the snooze, days as YYYY-MM-DD.
    follow_up_on: str | None = None
    follow_up_note: str | None = None
    snoozed_until: str | None = None
    id: int | None = None
    source: str = field(default="", compare=False)


@dataclass
class ImportBatch:
    """The whole content of one import file, already validated.

    `touchpoints` and `asks` are filled only by netkeep's own JSON: dicts with the stored keys of the
    objects keyed as in docs/reference.md (ids kept, times as aware UTC datetimes, derived keys dropped).
    """

    path: Path
    format: str
    contacts: list[ContactIn]
    touchpoints: list[dict[str, Any]] = field(default_factory=list)
    asks: list[dict[str, Any]] = field(default_factory=list)
    gives: list[dict[str, Any]] = field(default_factory=list)


def without_controls(value: Any, *, one_line: bool = False) -> Any:
    """A text value from an import or capture file without control characters (NUL first); any
    other value as it is. The one place both kinds of reader strip them, before the store."""
    if not isinstance(value, str) or value.isprintable():
        return value
    return value.translate(_ONE_LINE if one_line else _CONTROLS)


def contact_without_controls(contact: ContactIn) -> ContactIn:
    """`contact` with `without_controls` applied to each of its text fields."""
    changes = {
        name: without_controls(getattr(contact, name))
        for name in ("name", "phone", "company", "title", "tier", "note", "cadence")
    }
    changes["emails"] = tuple(without_controls(email) for email in contact.emails)
    changes["tags"] = tuple(without_controls(tag) for tag in contact.tags)
    return dataclasses.replace(contact, **changes)


def fail(label: str, source: str, message: str) -> BadInput:
    """The one-line error for a bad record: `contacts.vcf: card 4: no END:VCARD`."""
    return BadInput(f"{label}: {source}: {message}" if source else f"{label}: {message}")


def clean(value: str | None) -> str | None:
    """Strip a text field; empty means absent."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def unique(values: Iterable[str]) -> tuple[str, ...]:
    """Stripped, non-empty, first spelling wins among case-insensitive duplicates."""
    return tuple(text.unique(values))


def check_emails(values: Iterable[str], *, label: str, source: str) -> tuple[str, ...]:
    emails = unique(v.removeprefix("mailto:").removeprefix("MAILTO:") for v in values)
    for email in emails:
        if not _EMAIL_RE.match(email):
            raise fail(label, source, f"{email!r} is not an email address")
    return emails


def join_note(*parts: str | None) -> str | None:
    """Notes joined by a line break, skipping empty ones."""
    kept = [part.strip() for part in parts if part and part.strip()]
    return "\n".join(kept) or None


def other_phones_line(phones: list[str]) -> str | None:
    """The phones beyond the first: netkeep keeps one phone and puts the rest in the note."""
    return "Other phones: " + ", ".join(phones) if phones else None


def pick_name(
    *,
    full: str | None,
    parts: Iterable[str | None] = (),
    nickname: str | None = None,
    company: str | None = None,
    emails: tuple[str, ...] = (),
    phone: str | None = None,
) -> str | None:
    """The name to file a contact under, from the first of these that is present.

    Full name, then the name parts joined, then the nickname, then the organisation, then the first
    email address in full (a record holding only an address is filed under that address; the user can
    `edit --name` later), then the phone number. None when the record has none of them.
    """
    joined = " ".join(p.strip() for p in parts if p and p.strip())
    for candidate in (full, joined, nickname, company, emails[0] if emails else None, phone):
        candidate = clean(candidate)
        if candidate:
            return " ".join(candidate.split()) if "\n" in candidate else candidate
    return None

"""Which existing contact an imported record is, and how its fields join that contact's.

No SQL: the importer hands it the contacts already stored, and it decides in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from netkeep.dates import to_db
from netkeep.errors import BadInput
from netkeep.names import words
from netkeep.text import unique

# What a tier may be called (as in the config's [cadence] keys).
TIER_NAME = re.compile(r"[\w-]+")


class MergePolicy:
    """Which existing contact a record is, and how the record's fields join that contact's.

    Holds every contact's row (id, existing or provisional, -> fields) until they are written.
    """

    def __init__(
        self,
        contacts: Iterable[dict[str, Any]],
        *,
        label: str,
        settings: Any,
        lossless: bool,
        now: datetime,
    ) -> None:
        self.label = label
        self.settings = settings
        self.lossless = lossless
        self.now = now
        self.unknown_tiers: dict[str, int] = {}
        self.rows: dict[int, dict[str, Any]] = {}
        self.by_email: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        for row in contacts:
            self.rows[row["id"]] = row
            self.index(row)
        self.existing = set(self.rows)
        self.empty = not self.rows
        self.by_words = {
            " ".join(words(row["name"])): (row["id"], row["name"]) for row in self.rows.values()
        }

    def index(self, row: dict[str, Any]) -> None:
        for email in row["emails"]:
            self.by_email.setdefault(email.casefold(), row["id"])
        self.by_name.setdefault(row["name"].casefold(), row["id"])

    def checked(self, record: Any) -> tuple[str | None, str | None]:
        """The record's tier and cadence, validated; BadInput names the record."""
        from netkeep.dates import parse_duration

        try:
            tier = self._tier(record.tier) if record.tier else None
            cadence = str(parse_duration(record.cadence)) if record.cadence else None
        except BadInput as exc:
            raise BadInput(f"{self.label}: {record.source}: {exc}") from None
        return tier, cadence

    def _tier(self, tier: str) -> str:
        """A tier the config defines; from a netkeep export, also one it does not (the exporting
        database's own tier): kept and counted, and staleness uses the default tier's cadence.
        Elsewhere an unknown tier is more likely a typo, and refused."""
        name = tier.strip().lower()
        if name in self.settings.cadence:
            return name
        if not self.lossless or not TIER_NAME.fullmatch(name):
            self.settings.check_tier(tier)  # raises, naming the tiers there are
        self.unknown_tiers[name] = self.unknown_tiers.get(name, 0) + 1
        return name

    def match(self, record: Any) -> int | None:
        if self.lossless and record.id in self.existing:
            same = self.rows[record.id]
            if same["name"].casefold() == record.name.casefold():
                return int(record.id)  # its own earlier import (or the same database's export)
        for email in record.emails:
            found = self.by_email.get(email.casefold())
            if found is not None:
                return found
        return self.by_name.get(record.name.casefold())

    def new_row(
        self, contact_id: int, record: Any, tier: str | None, cadence: str | None
    ) -> dict[str, Any]:
        row = {
            "id": contact_id,
            "name": record.name,
            "emails": list(record.emails),
            "phone": record.phone,
            "company": record.company,
            "title": record.title,
            "tags": list(record.tags),
            "tier": tier or self.settings.default_tier,
            "cadence": cadence,
            "note": record.note,
            "created_at": record.created_at or self.now,
            "archived": bool(record.archived),
            "birthday": record.birthday,
            "follow_up_on": record.follow_up_on,
            "follow_up_note": record.follow_up_note,
            "snoozed_until": record.snoozed_until,
        }
        self.rows[contact_id] = row
        if not self.lossless:  # people listed twice in a JSON export are two people
            self.index(row)
        return row

    def likely_duplicate(self, record: Any) -> tuple[int, str] | None:
        """An existing contact with the record's name ignoring case and accents."""
        return self.by_words.get(" ".join(words(record.name)))

    def merge(self, contact_id: int, record: Any, tier: str | None, cadence: str | None) -> bool:
        """Join the record into the contact's row; whether anything changed."""
        row = self.rows[contact_id]
        before = dict(row)
        # Kept first, then the new ones; duplicates in any case dropped.
        row["emails"] = unique([*row["emails"], *record.emails])
        row["tags"] = unique([*row["tags"], *record.tags])
        for name in ("phone", "company", "title", "birthday"):
            value = getattr(record, name)
            if value and value.strip():
                row[name] = value
        if tier:
            row["tier"] = tier
        if cadence:
            row["cadence"] = cadence
        note = record.note
        if note and note.strip() and note not in (row["note"] or ""):
            row["note"] = f"{row['note']}\n{note}" if row["note"] else note
        if record.created_at and to_db(record.created_at) < to_db(row["created_at"]):
            row["created_at"] = record.created_at  # when you met, as far as anyone knows
        if record.archived is not None:
            row["archived"] = record.archived
        changed = row != before
        if changed:
            self.index(row)
        return changed

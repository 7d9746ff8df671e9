"""Capture: matching the correspondents of captured messages, calls and events to contacts, and
writing their touchpoints once (a second import of the same file adds nothing)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session

from netkeep import dialect
from netkeep.models import Contact, Touchpoint
from netkeep.store import _sql

# Touchpoints read from exported mail, chats, calls and calendars (see netkeep.io.capture). Each
# carries its source and a stable key; the unique index on the pair makes a re-import add nothing.

_PROFILE_RE = re.compile(r"https?://(?:[a-z]+\.)?linkedin\.com/in/[^\s,;)\"']+", re.IGNORECASE)
_OTHER_PHONES_RE = re.compile(r"^Other phones: (.*)$", re.MULTILINE)


@dataclass
class SourceCounts:
    """What a capture did (or would do) with one file."""

    format: str
    read: int = 0
    added: int = 0
    present: int = 0
    messages: int = 0  # messages folded into the touchpoints read
    skipped: dict[str, int] = dataclasses.field(default_factory=dict)  # reason -> records
    # identity -> [label, touchpoints]
    unknown: dict[str, list[Any]] = dataclasses.field(default_factory=dict)
    created: dict[str, str] = dataclasses.field(default_factory=dict)  # identity -> name
    # name -> touchpoints added
    per_contact: dict[str, int] = dataclasses.field(default_factory=dict)


class Capturer:
    """Matches captured correspondents to contacts and writes their touchpoints, on the session's
    own connection inside the command's transaction.

    A correspondent matches a contact by email (any case), phone (normalised), LinkedIn profile
    URL (kept in the contact's note by LinkedIn imports), else by an exact name that only one
    contact has. A matched contact gains the email, phone or profile it was not yet known by.
    Unknown correspondents are created only when `create` is set.
    """

    def __init__(self, session: Session, *, settings: Any, now: datetime, create: bool) -> None:
        from netkeep.phones import normalise

        self.connection = session.connection()
        # A touchpoint already captured (its source and key) is skipped by the unique index.
        touchpoints = _sql.table_of(Touchpoint)
        self.insert_touchpoint = dialect.insert_or_ignore(
            self.connection.dialect.name, touchpoints
        ).returning(touchpoints.c.id)
        self.settings = settings
        self.now = now
        self.create = create
        self.normalise: Callable[[str], str | None] = lambda number: normalise(
            number, settings.me.region
        )
        self.by_email: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.by_profile: dict[str, int] = {}
        self.by_name: dict[str, int | None] = {}  # None: several contacts share the name
        self.rows: dict[int, dict[str, Any]] = {}
        self.changed: set[int] = set()
        self.names: dict[int, str] = {}
        for cid, name, emails, phone, note in _sql.fetch(
            self.connection, "SELECT id, name, emails, phone, note FROM contact"
        ):
            row = {"emails": dialect.json_list(emails), "phone": phone, "note": note}
            self.rows[cid] = row
            self.names[cid] = name
            self._index(cid, row)
            folded = name.casefold()
            self.by_name[folded] = None if folded in self.by_name else cid

    def _index(self, cid: int, row: dict[str, Any]) -> None:
        from netkeep.captured import profile_url

        for email in row["emails"]:
            self.by_email.setdefault(email.casefold(), cid)
        phones = [row["phone"]] if row["phone"] else []
        for line in _OTHER_PHONES_RE.findall(row["note"] or ""):
            phones.extend(line.split(","))
        for phone in phones:
            normalised = self.normalise(phone)
            if normalised:
                self.by_phone.setdefault(normalised, cid)
        for url in _PROFILE_RE.findall(row["note"] or ""):
            profile = profile_url(url)
            if profile:
                self.by_profile.setdefault(profile, cid)

    def contact_for(self, party: Any, counts: SourceCounts) -> int | None:
        cid = (
            (party.email and self.by_email.get(party.email.casefold()))
            or (party.phone and self.by_phone.get(party.phone))
            or (party.profile and self.by_profile.get(party.profile))
            or (party.name and self.by_name.get(party.name.casefold()))
            or None
        )
        if cid is None:
            if not self.create:
                entry = counts.unknown.setdefault(party.key, [party.label, 0])
                entry[1] += 1
                return None
            cid = self._new_contact(party)
            counts.created[party.key] = self.names[cid]
        self._gain(cid, party)
        return cid

    def _new_contact(self, party: Any) -> int:
        name = party.name or party.email or party.phone or party.profile
        note = f"LinkedIn: {party.profile}" if party.profile else None
        contact = _sql.table_of(Contact)
        result = self.connection.execute(
            contact.insert().returning(contact.c.id),
            {
                "name": name,
                "emails": [party.email] if party.email else [],
                "phone": party.phone,
                "tags": [],
                "tier": self.settings.default_tier,
                "note": note,
                "created_at": _sql.utc(self.now),
                "archived": False,
            },
        )
        cid: int = result.scalar_one()
        row = {"emails": [party.email] if party.email else [], "phone": party.phone, "note": note}
        self.rows[cid] = row
        self.names[cid] = name
        self._index(cid, row)
        self.by_name.setdefault(name.casefold(), cid)
        return cid

    def _gain(self, cid: int, party: Any) -> None:
        row = self.rows[cid]
        gained = False
        if party.email and party.email.casefold() not in self.by_email:
            row["emails"] = [*row["emails"], party.email]
            gained = True
        if party.phone and party.phone not in self.by_phone and not row["phone"]:
            row["phone"] = party.phone
            gained = True
        if party.profile and party.profile not in self.by_profile:
            line = f"LinkedIn: {party.profile}"
            row["note"] = f"{row['note']}\n{line}" if row["note"] else line
            gained = True
        if gained:
            self.changed.add(cid)
            self._index(cid, row)

    def add(self, touchpoints: Iterable[Any], counts: SourceCounts) -> None:
        from netkeep.captured import Skipped

        for item in touchpoints:
            if isinstance(item, Skipped):
                counts.skipped[item.reason] = counts.skipped.get(item.reason, 0) + 1
                continue
            counts.read += 1
            counts.messages += item.messages
            cid = self.contact_for(item.party, counts)
            if cid is None:
                continue
            result = self.connection.execute(
                self.insert_touchpoint,
                {
                    "contact_id": cid,
                    "occurred_at": _sql.utc(item.at),
                    "channel": item.channel,
                    "direction": item.direction,
                    "two_way": bool(item.two_way),
                    "note": item.note,
                    "source": item.source,
                    "source_key": item.key,
                },
            )
            if result.first() is not None:  # no row back: it was there already
                counts.added += 1
                name = self.names[cid]
                counts.per_contact[name] = counts.per_contact.get(name, 0) + 1
            else:
                counts.present += 1

    def finish(self) -> None:
        """Write the identifiers contacts gained."""
        from sqlalchemy import update

        contact = _sql.table_of(Contact)
        statement = (
            update(contact)
            .where(contact.c.id == bindparam("contact_id"))
            .values(
                emails=bindparam("new_emails"),
                phone=bindparam("new_phone"),
                note=bindparam("new_note"),
            )
        )
        for cid in sorted(self.changed):
            row = self.rows[cid]
            self.connection.execute(
                statement,
                {
                    "contact_id": cid,
                    "new_emails": row["emails"],
                    "new_phone": row["phone"],
                    "new_note": row["note"],
                },
            )
        self.changed.clear()

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

_BATCH = 500  # touchpoints written by one statement

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
    # captured records merged into touchpoints you typed (netkeep.store.reconcile.Matched)
    matched: list[Any] = dataclasses.field(default_factory=list)


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
        ).returning(touchpoints.c.contact_id)
        # Touchpoints waiting to be written, many rows to a statement (see _write).
        self.pending: list[dict[str, Any]] = []
        self.pending_keys: set[tuple[str, str]] = set()
        from netkeep.store.reconcile import Reconciler

        self.reconciler = Reconciler(self.connection)
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
        if party.name and "@" not in party.name and self._named_by_address(cid, row):
            # Created from an address alone: the name a later message gives replaces it.
            self.names[cid] = party.name
            self.by_name.setdefault(party.name.casefold(), cid)
            gained = True
        if gained:
            self.changed.add(cid)
            self._index(cid, row)

    def _named_by_address(self, cid: int, row: dict[str, Any]) -> bool:
        name = self.names[cid].casefold()
        return (
            name in (email.casefold() for email in row["emails"])
            or name == (row["phone"] or "").casefold()
        )

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
            if (item.source, item.key) in self.pending_keys or self._present(item):
                counts.present += 1  # asked first: a skipped insert may still take an id
                continue
            if self._reconciled(cid, item, counts):
                continue
            self.pending_keys.add((item.source, item.key))
            self.pending.append(
                {
                    "contact_id": cid,
                    "occurred_at": _sql.utc(item.at),
                    "channel": item.channel,
                    "direction": item.direction,
                    "two_way": bool(item.two_way),
                    "note": item.note,
                    "source": item.source,
                    "source_key": item.key,
                    "no_reply": item.no_reply or self._accepted_invitation(cid, item),
                }
            )
            if len(self.pending) >= _BATCH:
                self._write(counts)
        self._write(counts)

    def _write(self, counts: SourceCounts) -> None:
        """The waiting touchpoints, in one statement: a row the unique index already holds comes
        back as nothing and counts as there already."""
        if not self.pending:
            return
        rows = self.connection.execute(self.insert_touchpoint, self.pending).all()
        counts.added += len(rows)
        counts.present += len(self.pending) - len(rows)
        for (cid,) in rows:
            name = self.names[cid]
            counts.per_contact[name] = counts.per_contact.get(name, 0) + 1
        self.pending.clear()
        self.pending_keys.clear()

    def _accepted_invitation(self, cid: int, item: Any) -> bool:
        """Their LinkedIn invitation, and you are connected (their Connections.csv line says
        when): you accepted it, so it is answered and owes nothing."""
        return (
            item.source == "linkedin"
            and item.key.startswith("inv:")
            and item.direction == "in"
            and "(connected " in (self.rows[cid]["note"] or "")
        )

    def _present(self, item: Any) -> bool:
        rows = _sql.fetch(
            self.connection,
            "SELECT 1 FROM touchpoint WHERE source = :source AND source_key = :key",
            {"source": item.source, "key": item.key},
            stream=False,
        )
        return next(rows, None) is not None

    def _reconciled(self, cid: int, item: Any, counts: SourceCounts) -> bool:
        """The record is a touchpoint you typed: merged into it (see netkeep.store.reconcile)."""
        match = self.reconciler.typed_match(
            cid, at=item.at, channel=item.channel, direction=item.direction
        )
        if match is None:
            return False
        from netkeep.store.reconcile import Matched

        touchpoint_id, when = match
        self.reconciler.adopt(
            touchpoint_id,
            source=item.source,
            key=item.key,
            typed_at=when,
            captured_at=item.at,
            note=item.note,
            standing=item.no_reply,
        )
        counts.matched.append(Matched(touchpoint_id, self.names[cid], when, item.channel))
        return True

    def finish(self) -> None:
        """Write the identifiers (and names, for contacts known by an address) contacts gained."""
        from sqlalchemy import update

        contact = _sql.table_of(Contact)
        statement = (
            update(contact)
            .where(contact.c.id == bindparam("contact_id"))
            .values(
                name=bindparam("new_name"),
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
                    "new_name": self.names[cid],
                    "new_emails": row["emails"],
                    "new_phone": row["phone"],
                    "new_note": row["note"],
                },
            )
        self.changed.clear()

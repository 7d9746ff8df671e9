"""Reads and writes of what is due: follow-ups, snoozes and birthdays, stored on the contact.

A follow-up is open while no touchpoint with its contact has an id above `follow_up_after`, the
highest touchpoint id when it was set: touchpoint ids are never given twice, so a higher id is a
touchpoint logged later, and logging one closes the follow-up without writing anything more (and
undoing that touchpoint opens it again). What is due on which day is netkeep.agenda's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from netkeep.models import Contact
from netkeep.store import _sql

# The follow-up's day while it is open, else NULL (`c` is the contact).
OPEN_FOLLOW_UP_SQL = (
    "CASE WHEN c.follow_up_on IS NOT NULL AND NOT EXISTS (SELECT 1 FROM touchpoint f "
    "WHERE f.contact_id = c.id AND f.id > coalesce(c.follow_up_after, 0)) "
    "THEN c.follow_up_on END"
)
_AGENDA_COLUMNS = (
    f"c.id, c.name, c.birthday, {OPEN_FOLLOW_UP_SQL}, c.follow_up_note, c.snoozed_until"
)
_AGENDA_KEYS = ("id", "name", "birthday", "follow_up_on", "follow_up_note", "snoozed_until")


def highest_touchpoint_id(session: Session) -> int:
    return int(_sql.run(session, "SELECT coalesce(max(id), 0) FROM touchpoint").scalar_one())


def set_follow_up(session: Session, *, contact: Contact, on: date, note: str | None) -> None:
    """Open a follow-up (replacing any earlier one): closed by the next touchpoint logged."""
    contact.follow_up_on = on.isoformat()
    contact.follow_up_note = note
    contact.follow_up_after = highest_touchpoint_id(session)
    session.add(contact)
    session.flush()


def clear_follow_up(session: Session, *, contact: Contact) -> bool:
    """Forget the contact's follow-up; whether there was an open one."""
    was_open = open_follow_up(session, contact_id=contact.id) is not None
    contact.follow_up_on = contact.follow_up_note = contact.follow_up_after = None
    session.add(contact)
    session.flush()
    return was_open


def open_follow_up(session: Session, *, contact_id: int | None) -> dict[str, Any] | None:
    """The contact's open follow-up as {date, note}, or None."""
    row = _sql.run(
        session,
        f"SELECT {OPEN_FOLLOW_UP_SQL}, c.follow_up_note FROM contact c WHERE c.id = :cid",
        {"cid": contact_id},
    ).first()
    if row is None or row[0] is None:
        return None
    return {"date": row[0], "note": row[1]}


def set_snooze(session: Session, *, contact: Contact, until: date | None) -> None:
    contact.snoozed_until = None if until is None else until.isoformat()
    session.add(contact)
    session.flush()


def agenda_rows(session: Session, *, contact_id: int | None = None) -> list[dict[str, Any]]:
    """Active contacts with a birthday, an open follow-up or a snooze: what netkeep.agenda's
    `due_items` reads (one contact's, with `contact_id`)."""
    where = (
        "NOT c.archived AND (c.birthday IS NOT NULL OR c.snoozed_until IS NOT NULL "
        f"OR {OPEN_FOLLOW_UP_SQL} IS NOT NULL)"
    )
    params: dict[str, Any] = {}
    if contact_id is not None:
        where += " AND c.id = :cid"
        params["cid"] = contact_id
    sql = f"SELECT {_AGENDA_COLUMNS} FROM contact c WHERE {where} ORDER BY c.id"
    return [dict(zip(_AGENDA_KEYS, row, strict=True)) for row in _sql.fetch(session, sql, params)]


def export_agenda(session: Session) -> dict[int, dict[str, Any]]:
    """Per contact id, its open follow-up ({date, note} or None) and snooze, for a lossless
    export (contacts with neither are left out)."""
    sql = (
        f"SELECT c.id, {OPEN_FOLLOW_UP_SQL}, c.follow_up_note, c.snoozed_until FROM contact c "
        f"WHERE c.snoozed_until IS NOT NULL OR {OPEN_FOLLOW_UP_SQL} IS NOT NULL"
    )
    return {
        int(cid): {
            "follow_up": None if on is None else {"date": on, "note": note},
            "snoozed_until": snoozed,
        }
        for cid, on, note, snoozed in _sql.fetch(session, sql)
    }

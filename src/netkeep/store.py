"""Reads and writes. The only module that builds queries.

Writes go through the SQLModel tables; listings are aggregated in SQL and come back as plain dicts
keyed as the SPEC's JSON (times as aware UTC datetimes), never as one ORM object per row.
"""

from __future__ import annotations

import difflib
import itertools
import json
import operator
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from netkeep.dates import from_db
from netkeep.errors import AmbiguousContact, BadInput, ContactNotFound
from netkeep.models import Ask, Contact, Touchpoint

_ID_RE = re.compile(r"^#?(\d{1,18})$")

CONTACT_COLUMNS = (
    "c.id, c.name, c.emails, c.phone, c.company, c.title, c.tags, c.tier, c.cadence, c.note, "
    "c.created_at, c.archived"
)
# The latest touchpoint of either direction: an index seek per contact.
LAST_TOUCH_SQL = "(SELECT MAX(t.occurred_at) FROM touchpoint t WHERE t.contact_id = c.id)"
# The latest moment they reached you or you actually talked: everything after it is your
# unanswered one-way outreach. Scans back from the newest touchpoint and stops at the first reply.
LAST_REPLY_SQL = (
    "(SELECT r.occurred_at FROM touchpoint r WHERE r.contact_id = c.id "
    "AND (r.direction = 'in' OR r.two_way) ORDER BY r.occurred_at DESC LIMIT 1)"
)


# --- contacts -------------------------------------------------------------------------------


def contact_row(row: Any) -> dict[str, Any]:
    """A raw `CONTACT_COLUMNS` row (plus optional extras) as a SPEC contact dict."""
    data = dict(row._mapping)
    data["emails"] = json.loads(data["emails"] or "[]")
    data["tags"] = json.loads(data["tags"] or "[]")
    data["archived"] = bool(data["archived"])
    data["created_at"] = from_db(data["created_at"])
    if "last_touch" in data:
        data["last_touch"] = from_db(data["last_touch"])
    return data


def contact_dict(contact: Contact, *, last_touch: datetime | None = None) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "emails": list(contact.emails),
        "phone": contact.phone,
        "company": contact.company,
        "title": contact.title,
        "tags": list(contact.tags),
        "tier": contact.tier,
        "cadence": contact.cadence,
        "note": contact.note,
        "created_at": from_db(contact.created_at),
        "archived": contact.archived,
        "last_touch": last_touch,
    }


def names_taken(session: Session, name: str, *, exclude_id: int | None = None) -> list[Contact]:
    """Contacts with this name in any case (Unicode-aware, not just ASCII)."""
    folded = name.casefold()
    rows = session.exec(select(Contact.id, Contact.name)).all()
    ids = [cid for cid, other in rows if other.casefold() == folded and cid != exclude_id]
    return [session.get(Contact, cid) for cid in ids]


def add_contact(session: Session, *, contact: Contact, force: bool = False) -> Contact:
    if not force:
        clash = names_taken(session, contact.name)
        if clash:
            raise BadInput(
                f"a contact named {clash[0].name!r} already exists (#{clash[0].id}); "
                "use --force to add another person with that name"
            )
    session.add(contact)
    session.flush()
    return contact


def find_contact(session: Session, ref: str) -> Contact:
    """Resolve a CONTACT reference: id or #id, email, exact name (any case), unique part of a name."""
    ref = (ref or "").strip()
    if not ref:
        raise BadInput("empty contact reference")
    id_match = _ID_RE.match(ref)
    if id_match:
        found = session.get(Contact, int(id_match.group(1)))
        if found is not None:
            return found
        if ref.startswith("#"):
            raise ContactNotFound(f"no contact with id {ref}")
    if "@" in ref:
        rows = session.exec(
            text(
                "SELECT c.id FROM contact c WHERE EXISTS (SELECT 1 FROM json_each(c.emails) e "
                "WHERE lower(e.value) = lower(:email))"
            ).bindparams(email=ref)
        ).all()
        if len(rows) == 1:
            return session.get(Contact, rows[0][0])
        if len(rows) > 1:
            _ambiguous(ref, [session.get(Contact, r[0]) for r in rows])

    # Fast path: an exact name in ASCII case is one index lookup, whatever the size of the network.
    exact = session.exec(
        text("SELECT id FROM contact WHERE name = :name COLLATE NOCASE").bindparams(name=ref)
    ).all()
    if len(exact) == 1:
        return session.get(Contact, exact[0][0])

    everyone = session.exec(select(Contact.id, Contact.name, Contact.archived)).all()
    folded = ref.casefold()
    same = [row for row in everyone if row.name.casefold() == folded]
    if len(same) == 1:
        return session.get(Contact, same[0].id)
    if len(same) > 1:
        _ambiguous(ref, [session.get(Contact, row.id) for row in same])
    partial = [row for row in everyone if folded in row.name.casefold()]
    if len(partial) == 1:
        return session.get(Contact, partial[0].id)
    if len(partial) > 1:
        _ambiguous(ref, [session.get(Contact, row.id) for row in partial])
    close = difflib.get_close_matches(ref, [row.name for row in everyone], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(n) for n in close)}?" if close else ""
    raise ContactNotFound(f"no contact matches {ref!r}{hint}")


def _ambiguous(ref: str, contacts: Iterable[Contact]) -> None:
    listed = sorted(contacts, key=lambda c: c.id)
    shown = ", ".join(f"#{c.id} {c.name}" for c in listed[:8])
    more = f" and {len(listed) - 8} more" if len(listed) > 8 else ""
    raise AmbiguousContact(f"{ref!r} matches {len(listed)} contacts: {shown}{more}; use the id")


def list_contacts(
    session: Session,
    *,
    tag: str | None = None,
    tier: str | None = None,
    include_archived: bool = False,
) -> list[dict[str, Any]]:
    where, params = _filters(tag=tag, tier=tier, include_archived=include_archived)
    sql = (
        f"SELECT {CONTACT_COLUMNS}, {LAST_TOUCH_SQL} AS last_touch FROM contact c "
        f"{where} ORDER BY c.name COLLATE NOCASE, c.id"
    )
    return [contact_row(row) for row in session.exec(text(sql).bindparams(**params))]


def _filters(
    *, tag: str | None, tier: str | None, include_archived: bool
) -> tuple[str, dict[str, Any]]:
    clauses, params = [], {}
    if not include_archived:
        clauses.append("NOT c.archived")
    if tier:
        clauses.append("c.tier = :tier")
        params["tier"] = tier
    if tag:
        clauses.append(
            "EXISTS (SELECT 1 FROM json_each(c.tags) g WHERE lower(g.value) = lower(:tag))"
        )
        params["tag"] = tag
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def last_touch(session: Session, contact_id: int) -> datetime | None:
    value = session.exec(
        text("SELECT MAX(occurred_at) FROM touchpoint WHERE contact_id = :cid").bindparams(
            cid=contact_id
        )
    ).scalar()
    return from_db(value)


def delete_contact(session: Session, *, contact: Contact) -> dict[str, int]:
    """Delete a contact with its touchpoints and asks; returns how many of each went."""
    counts = {
        "touchpoints": session.exec(
            text("SELECT count(*) FROM touchpoint WHERE contact_id = :cid").bindparams(
                cid=contact.id
            )
        ).scalar(),
        "asks": session.exec(
            text("SELECT count(*) FROM ask WHERE contact_id = :cid").bindparams(cid=contact.id)
        ).scalar(),
    }
    session.delete(contact)
    session.flush()
    return counts


def staleness_rows(
    session: Session, *, tag: str | None = None, tier: str | None = None
) -> list[dict[str, Any]]:
    """Active contacts with last touch and their count of unanswered outreach since the last reply."""
    where, params = _filters(tag=tag, tier=tier, include_archived=False)
    sql = (
        f"SELECT {CONTACT_COLUMNS}, {LAST_TOUCH_SQL} AS last_touch, "
        "(SELECT count(*) FROM touchpoint u WHERE u.contact_id = c.id "
        f"AND u.occurred_at > COALESCE({LAST_REPLY_SQL}, '')) AS unanswered "
        f"FROM contact c {where}"
    )
    return [contact_row(row) for row in session.exec(text(sql).bindparams(**params))]


# --- touchpoints and asks -------------------------------------------------------------------


def log_touchpoint(
    session: Session,
    *,
    contact: Contact,
    occurred_at: datetime,
    channel: str,
    direction: str,
    two_way: bool,
    note: str | None = None,
    ask: str | None = None,
    give: str | None = None,
) -> tuple[Touchpoint, Ask | None]:
    touchpoint = Touchpoint(
        contact_id=contact.id,
        occurred_at=occurred_at,
        channel=channel,
        direction=direction,
        two_way=two_way,
        note=note,
        give=give,
    )
    session.add(touchpoint)
    session.flush()
    made = None
    if ask:
        made = Ask(
            contact_id=contact.id,
            touchpoint_id=touchpoint.id,
            asked_by="me" if direction == "out" else "them",
            what=ask,
            status="open",
            opened_at=touchpoint.occurred_at,
        )
        session.add(made)
        session.flush()
    return touchpoint, made


def unanswered_streak(session: Session, contact_id: int) -> int:
    """Your one-way outreach since they last reached you or you last actually talked."""
    sql = (
        "SELECT count(*) FROM touchpoint u JOIN contact c ON c.id = u.contact_id "
        f"WHERE c.id = :cid AND u.occurred_at > COALESCE({LAST_REPLY_SQL}, '')"
    )
    return session.exec(text(sql).bindparams(cid=contact_id)).scalar() or 0


def last_logged(session: Session) -> Touchpoint | None:
    """The touchpoint recorded last: highest id, whatever its date."""
    return session.exec(select(Touchpoint).order_by(Touchpoint.id.desc()).limit(1)).first()


def asks_of_touchpoint(session: Session, touchpoint_id: int) -> list[Ask]:
    return list(session.exec(select(Ask).where(Ask.touchpoint_id == touchpoint_id)).all())


def remove_touchpoint(session: Session, *, touchpoint: Touchpoint) -> None:
    for ask in asks_of_touchpoint(session, touchpoint.id):
        session.delete(ask)
    session.delete(touchpoint)
    session.flush()


def touchpoints_of(session: Session, contact_id: int) -> list[dict[str, Any]]:
    """A contact's touchpoints, oldest first, with the text of the ask each carried."""
    sql = (
        "SELECT t.id, t.contact_id, t.occurred_at, t.channel, t.direction, t.two_way, t.note, "
        "(SELECT a.what FROM ask a WHERE a.touchpoint_id = t.id ORDER BY a.id LIMIT 1) AS ask, "
        "t.give FROM touchpoint t WHERE t.contact_id = :cid ORDER BY t.occurred_at, t.id"
    )
    rows = []
    for row in session.exec(text(sql).bindparams(cid=contact_id)):
        data = dict(row._mapping)
        data["occurred_at"] = from_db(data["occurred_at"])
        data["two_way"] = bool(data["two_way"])
        rows.append(data)
    return rows


def touchpoint_dict(touchpoint: Touchpoint, *, ask: str | None = None) -> dict[str, Any]:
    return {
        "id": touchpoint.id,
        "contact_id": touchpoint.contact_id,
        "occurred_at": from_db(touchpoint.occurred_at),
        "channel": touchpoint.channel,
        "direction": touchpoint.direction,
        "two_way": touchpoint.two_way,
        "note": touchpoint.note,
        "ask": ask,
        "give": touchpoint.give,
    }


# --- reciprocity ----------------------------------------------------------------------------

ASK_SQL = (
    "SELECT a.id, a.contact_id, c.name, a.asked_by AS by, a.what, a.status, a.opened_at, "
    "a.resolved_at, a.touchpoint_id FROM ask a JOIN contact c ON c.id = a.contact_id"
)
# Epoch seconds computed by SQLite: scoring needs no datetime object per touchpoint.
EPOCH_SQL = "(julianday(t.occurred_at) - 2440587.5) * 86400.0"


def _ask_dict(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data["opened_at"] = from_db(data["opened_at"])
    data["resolved_at"] = from_db(data["resolved_at"])
    return data


def histories(
    session: Session, *, contact_id: int | None = None
) -> Iterable[tuple[int, str, list[tuple], list[Any]]]:
    """(contact id, name, touchpoint tuples, AskRecords) per active contact, streamed.

    Touchpoint tuples are `(id, epoch seconds, direction, two_way, channel, give)`,
    the plain-row form scoring accepts, read straight from SQLite without ORM objects.
    """
    from netkeep.scoring import AskRecord

    where = "c.id = :cid" if contact_id is not None else "NOT c.archived"
    params = {"cid": contact_id} if contact_id is not None else {}
    contacts = session.exec(
        text(f"SELECT c.id, c.name FROM contact c WHERE {where} ORDER BY c.id").bindparams(**params)
    ).all()
    asks: dict[int, list[Any]] = {}
    ask_sql = f"{ASK_SQL} WHERE {where}"
    for row in session.exec(text(ask_sql).bindparams(**params)):
        data = _ask_dict(row)
        asks.setdefault(data["contact_id"], []).append(
            AskRecord(
                id=data["id"],
                by=data["by"],
                what=data["what"],
                status=data["status"],
                opened_at=data["opened_at"],
                resolved_at=data["resolved_at"],
                touchpoint_id=data["touchpoint_id"],
            )
        )
    raw = session.connection().connection.dbapi_connection
    tp_where = (
        "t.contact_id = ?"
        if contact_id is not None
        else ("t.contact_id IN (SELECT id FROM contact WHERE NOT archived)")
    )
    cursor = raw.execute(
        f"SELECT t.contact_id, t.id, {EPOCH_SQL}, t.direction, t.two_way, t.channel, t.give "
        f"FROM touchpoint t WHERE {tp_where} ORDER BY t.contact_id, t.occurred_at, t.id",
        (contact_id,) if contact_id is not None else (),
    )
    rows = itertools.chain.from_iterable(iter(lambda: cursor.fetchmany(10_000), []))
    groups = itertools.groupby(rows, key=operator.itemgetter(0))
    group = next(groups, None)
    # Both streams are in contact id order: walk them together, one contact in memory at a time.
    for cid, name in contacts:
        touchpoints: list[tuple] = []
        if group is not None and group[0] == cid:
            touchpoints = [row[1:] for row in group[1]]
            group = next(groups, None)
        yield cid, name, touchpoints, asks.get(cid, [])


def ask_rows(
    session: Session,
    *,
    contact_id: int | None = None,
    include_resolved: bool = False,
    by: str | None = None,
) -> list[dict[str, Any]]:
    clauses, params = [], {}
    if contact_id is not None:
        clauses.append("a.contact_id = :cid")
        params["cid"] = contact_id
    else:
        clauses.append("NOT c.archived")
    if not include_resolved:
        clauses.append("a.status = 'open'")
    if by:
        clauses.append("a.asked_by = :by")
        params["by"] = by
    sql = f"{ASK_SQL} WHERE {' AND '.join(clauses)} ORDER BY a.opened_at, a.id"
    return [_ask_dict(row) for row in session.exec(text(sql).bindparams(**params))]


def get_ask(session: Session, ask_id: int) -> Ask | None:
    return session.get(Ask, ask_id)


def owe_rows(session: Session) -> list[dict[str, Any]]:
    """Their one-way outreach not yet followed by anything of yours (or a live exchange), and their
    open asks, oldest first. Archived contacts are left out."""
    sql = """
        SELECT t.contact_id, c.name, t.id AS touchpoint_id, t.occurred_at, t.channel,
               (SELECT a.what FROM ask a WHERE a.touchpoint_id = t.id AND a.asked_by = 'them'
                AND a.status = 'open' ORDER BY a.id LIMIT 1) AS ask
        FROM touchpoint t JOIN contact c ON c.id = t.contact_id
        WHERE NOT c.archived AND t.direction = 'in' AND NOT t.two_way
          AND NOT EXISTS (SELECT 1 FROM touchpoint m WHERE m.contact_id = t.contact_id
                          AND m.occurred_at > t.occurred_at AND (m.direction = 'out' OR m.two_way))
        UNION ALL
        SELECT a.contact_id, c.name, a.touchpoint_id, COALESCE(t.occurred_at, a.opened_at),
               t.channel, a.what
        FROM ask a JOIN contact c ON c.id = a.contact_id
        LEFT JOIN touchpoint t ON t.id = a.touchpoint_id
        WHERE NOT c.archived AND a.asked_by = 'them' AND a.status = 'open'
          AND (t.id IS NULL OR t.two_way OR t.direction = 'out' OR EXISTS (
                SELECT 1 FROM touchpoint m WHERE m.contact_id = t.contact_id
                AND m.occurred_at > t.occurred_at AND (m.direction = 'out' OR m.two_way)))
        ORDER BY 4, 3
    """
    rows = []
    for row in session.exec(text(sql)):
        data = dict(row._mapping)
        data["occurred_at"] = from_db(data["occurred_at"])
        rows.append(data)
    return rows


def score_rows(
    session: Session, *, now: datetime, settings: Any, contact_id: int | None = None
) -> list[dict[str, Any]]:
    """Score rows (SPEC keys) for every active contact, or for one contact (archived or not)."""
    from netkeep.scoring import ScoringSettings, score_contact

    scoring = ScoringSettings(
        half_life=settings.half_life.timedelta, response_window=settings.response_window.timedelta
    )
    rows = []
    for cid, name, touchpoints, asks in histories(session, contact_id=contact_id):
        row = {"id": cid, "name": name}
        row.update(score_contact(touchpoints, asks, now=now, settings=scoring))
        rows.append(row)
    return rows

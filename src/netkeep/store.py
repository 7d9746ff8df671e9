"""Reads and writes. The only module that builds queries.

One way to the database, SQLAlchemy, on SQLite and PostgreSQL alike (docs/store.md): single-row
writes through the SQLModel tables, bulk writes through Core inserts with a list of dicts, and SQL
text with named binds for the rest. What differs between the engines comes from netkeep.dialect.
Listings are aggregated in SQL and come back as plain dicts keyed as netkeep's JSON
(docs/reference.md) (times as aware UTC datetimes), never as one ORM object per row.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import operator
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Connection, CursorResult
from sqlmodel import Session, col, select

from netkeep import dialect
from netkeep.dates import from_db, to_db
from netkeep.errors import AmbiguousContact, BadInput, ContactNotFound
from netkeep.fields import id_of
from netkeep.journal import HISTORY_DEPTH
from netkeep.models import Ask, Contact, Give, Touchpoint, saved_id
from netkeep.names import words
from netkeep.text import unique
from netkeep.vocab import CONTACT_FIELDS

if TYPE_CHECKING:
    from netkeep.scoring import AskRecord, GiveRecord, TouchpointRecord

# What a tier may be called (as in the config's [cadence] keys).
TIER_NAME = re.compile(r"[\w-]+")

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

UNDO_DEPTH = HISTORY_DEPTH  # how many changing commands undo can reverse


# --- as of a date ---------------------------------------------------------------------------
# `--as-of WHEN` shows the network as it stood then: contacts created by then, the touchpoints,
# asks and gives that had happened, and each ask in the status it had then (one resolved later
# was still open). Every query below takes `as_of` (None: now) and narrows itself with these.


# A contact existed at `as_of` when it was created by then, or you were already in touch (history
# logged after the fact counts from its first touchpoint).
EXISTED_SQL = (
    "(c.created_at <= :as_of OR EXISTS (SELECT 1 FROM touchpoint e WHERE e.contact_id = c.id "
    "AND e.occurred_at <= :as_of))"
)


def _until(column: str, as_of: datetime | None) -> str:
    """` AND <column> <= :as_of`, or nothing without an as-of date."""
    return "" if as_of is None else f" AND {column} <= :as_of"


def _as_of_params(as_of: datetime | None) -> dict[str, Any]:
    return {} if as_of is None else {"as_of": as_of}


def _ask_status_sql(as_of: datetime | None) -> tuple[str, str]:
    """SQL for an ask's status and resolved_at as they stood at `as_of`."""
    if as_of is None:
        return "a.status", "a.resolved_at"
    return (
        "CASE WHEN a.resolved_at > :as_of THEN 'open' ELSE a.status END",
        "CASE WHEN a.resolved_at > :as_of THEN NULL ELSE a.resolved_at END",
    )


def _logged_by_me_sql(engine: str, as_of: datetime | None) -> str:
    """Contact `c` has a touchpoint logged by the running member (by `as_of`); always true in a
    file, which is all its one member's."""
    if dialect.one_member(engine):
        return "1 = 1"
    return (
        "EXISTS (SELECT 1 FROM touchpoint m WHERE m.contact_id = c.id AND "
        f"{dialect.logged_by_me(engine, 'm.logged_by')}{_until('m.occurred_at', as_of)})"
    )


def _on_my_touchpoint_sql(engine: str, column: str) -> str:
    """The row's touchpoint (`column`) was logged by the running member (always, in a file)."""
    if dialect.one_member(engine):
        return "1 = 1"
    return (
        f"EXISTS (SELECT 1 FROM touchpoint m WHERE m.id = {column} AND "
        f"{dialect.logged_by_me(engine, 'm.logged_by')})"
    )


def _last_touch_sql(as_of: datetime | None) -> str:
    if as_of is None:
        return LAST_TOUCH_SQL
    return (
        "(SELECT MAX(t.occurred_at) FROM touchpoint t WHERE t.contact_id = c.id"
        f"{_until('t.occurred_at', as_of)})"
    )


def _last_reply_sql(as_of: datetime | None) -> str:
    if as_of is None:
        return LAST_REPLY_SQL
    return (
        "(SELECT r.occurred_at FROM touchpoint r WHERE r.contact_id = c.id "
        f"AND (r.direction = 'in' OR r.two_way){_until('r.occurred_at', as_of)} "
        "ORDER BY r.occurred_at DESC LIMIT 1)"
    )


# --- contacts -------------------------------------------------------------------------------


def contact_row(row: Any) -> dict[str, Any]:
    """A raw `CONTACT_COLUMNS` row (plus optional extras) as a contact dict (docs/reference.md)."""
    data = _decoded(dict(row._mapping))
    data["created_at"] = from_db(data["created_at"])
    if "last_touch" in data:
        data["last_touch"] = from_db(data["last_touch"])
    return data


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A contact row as read (JSON lists, flags as 0/1 on SQLite) with lists and a bool."""
    row["emails"] = dialect.json_list(row["emails"])
    row["tags"] = dialect.json_list(row["tags"])
    row["archived"] = bool(row["archived"])
    return row


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


def contact_by_id(session: Session, contact_id: int | None) -> Contact:
    """The contact with this id, which the caller knows exists (it just read the id)."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ContactNotFound(f"no contact with id {contact_id}")
    return contact


def _engine_name(session: Session | Connection) -> str:
    """ "sqlite" or "postgresql": which pieces of netkeep.dialect the SQL here needs."""
    return session.get_bind().dialect.name if isinstance(session, Session) else session.dialect.name


def _params(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Bind values with times in the form the engine compares them in."""
    return {
        key: dialect.time_param(name, value) if isinstance(value, datetime) else value
        for key, value in params.items()
    }


def _sql(
    session: Session | Connection, sql: str, params: Mapping[str, Any] | None = None
) -> CursorResult[*tuple[Any, ...]]:
    """Run SQL with named binds in the session's transaction; datetimes may be passed as binds."""
    connection = session.connection() if isinstance(session, Session) else session
    statement = text(sql)
    expanding = [key for key, value in (params or {}).items() if isinstance(value, list | tuple)]
    if expanding:
        statement = statement.bindparams(*(bindparam(key, expanding=True) for key in expanding))
    return connection.execute(statement, _params(connection.dialect.name, params or {}))


def _fetch(
    session: Session | Connection,
    sql: str,
    params: Mapping[str, Any] | None = None,
    *,
    stream: bool = True,
) -> Iterator[tuple[Any, ...]]:
    """Rows of SQL with named binds as plain tuples from a DBAPI cursor: for bulk reads (a million
    touchpoints, streamed) and an import's look-ups (one per record, `stream=False`), where
    SQLAlchemy's work per statement and a Row object per row would cost. The SQL is compiled once
    for the connection's dialect, so its binds take the driver's own placeholder style."""
    connection = session.connection() if isinstance(session, Session) else session
    engine = connection.dialect.name
    compiled = _COMPILED.get((engine, sql))
    if compiled is None:
        compiled = _COMPILED[engine, sql] = text(sql).compile(dialect=connection.dialect)
    values = _params(engine, params or {})
    args: Any = (
        tuple(values[key] for key in compiled.positiontup or ()) if compiled.positional else values
    )
    if not stream:
        raw = connection.connection.dbapi_connection  # below SQLAlchemy: a look-up per record
        return iter(raw.execute(compiled.string, args).fetchall())  # type: ignore[union-attr]
    cursor = dialect.streaming_cursor(connection)
    cursor.execute(compiled.string, args)
    return itertools.chain.from_iterable(iter(lambda: cursor.fetchmany(IMPORT_CHUNK), []))


# `_fetch`'s statements compiled per engine ("sqlite" or "postgresql") and SQL text.
_COMPILED: dict[tuple[str, str], Any] = {}


def names_taken(session: Session, name: str, *, exclude_id: int | None = None) -> list[Contact]:
    """Contacts with this name in any case (Unicode-aware, not just ASCII)."""
    folded = name.casefold()
    rows = session.exec(select(Contact.id, Contact.name)).all()
    ids = [cid for cid, other in rows if other.casefold() == folded and cid != exclude_id]
    return [contact_by_id(session, cid) for cid in ids]


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


def likely_duplicates(
    session: Session, *, name: str, emails: Iterable[str], exclude_id: int | None = None
) -> list[tuple[dict[str, Any], str]]:
    """Other contacts that may be the same person: (their {id, name}, why), by id. The same email
    in any case, or the same name ignoring case and accents ('Jose Alvarez', 'José Álvarez')."""
    from netkeep.names import words

    found: dict[int, tuple[dict[str, Any], str]] = {}
    for email in emails:
        for person_id, other in _sql(session, _with_email_sql(session), {"email": email}):
            found.setdefault(person_id, ({"id": person_id, "name": other}, f"same email {email}"))
    folded = words(name)
    if folded:
        for person_id, other in _fetch(session, "SELECT id, name FROM contact"):
            if person_id not in found and words(other) == folded:
                found[person_id] = (
                    {"id": person_id, "name": other},
                    "same name ignoring case and accents",
                )
    if exclude_id is not None:
        found.pop(exclude_id, None)
    return [found[person_id] for person_id in sorted(found)]


def _with_email_sql(session: Session) -> str:
    """Contacts (id, name) with the email `:email` in any case."""
    emails = dialect.json_elements(_engine_name(session), "c.emails", "e")
    return (
        f"SELECT c.id, c.name FROM contact c WHERE EXISTS (SELECT 1 FROM {emails} "
        "WHERE lower(e.value) = lower(:email))"
    )


def find_contact(session: Session, ref: str) -> Contact:
    """Resolve a CONTACT reference: id or #id, email, exact name (any case), else the name whose
    words the reference's words start, in any case and without accents (see netkeep.names)."""
    ref = (ref or "").strip()
    if not ref:
        raise BadInput("empty contact reference")
    contact_id = id_of(ref)
    if contact_id is not None:
        found = contact_by_id(session, contact_id)
        if found is not None:
            return found
        if ref.startswith("#"):
            raise ContactNotFound(f"no contact with id {ref}")
    if "@" in ref:
        rows = _sql(session, _with_email_sql(session), {"email": ref}).all()
        if len(rows) == 1:
            return contact_by_id(session, rows[0][0])
        if len(rows) > 1:
            _ambiguous(ref, [tuple(row) for row in rows])

    # Fast path: an exact name in ASCII case is one index lookup, whatever the size of the network.
    same_name = dialect.equals_any_case(_engine_name(session), "name", "name")
    exact = _sql(session, f"SELECT id FROM contact WHERE {same_name}", {"name": ref}).all()
    if len(exact) == 1:
        return contact_by_id(session, exact[0][0])

    from netkeep import names

    everyone = list(_fetch(session, "SELECT id, name FROM contact"))
    same, partial = names.matching(ref, everyone)
    for found_ids in (same, partial):
        if len(found_ids) == 1:
            return contact_by_id(session, found_ids[0])
        if len(found_ids) > 1:
            named = dict(everyone)
            _ambiguous(ref, [(person_id, named[person_id]) for person_id in found_ids])
    close = [contact_by_id(session, person_id) for person_id in names.close_names(ref, everyone)]
    hint = f"; did you mean {', '.join(f'#{c.id} {c.name}' for c in close)}?" if close else ""
    raise ContactNotFound(f"no contact matches {ref!r}{hint}", close=close)


def _ambiguous(ref: str, people: Iterable[tuple[int, str]]) -> None:
    listed = sorted(people)
    shown = ", ".join(f"#{person_id} {name}" for person_id, name in listed[:8])
    more = f" and {len(listed) - 8} more" if len(listed) > 8 else ""
    raise AmbiguousContact(f"{ref!r} matches {len(listed)} contacts: {shown}{more}; use the id")


def list_contacts(
    session: Session,
    *,
    tag: str | None = None,
    tier: str | None = None,
    include_archived: bool = False,
) -> list[dict[str, Any]]:
    name = _engine_name(session)
    where, params = _filters(name, tag=tag, tier=tier, include_archived=include_archived)
    sql = (
        f"SELECT {CONTACT_COLUMNS}, {LAST_TOUCH_SQL} AS last_touch FROM contact c "
        f"{where} ORDER BY {dialect.order_any_case(name, 'c.name')}, c.id"
    )
    return [contact_row(row) for row in _sql(session, sql, params)]


def count_contacts(
    session: Session,
    *,
    tag: str | None = None,
    tier: str | None = None,
    include_archived: bool = False,
) -> int:
    where, params = _filters(
        _engine_name(session), tag=tag, tier=tier, include_archived=include_archived
    )
    count: int = _sql(session, f"SELECT count(*) FROM contact c {where}", params).scalar_one()
    return count


def tags_in_use(session: Session, *, include_archived: bool = False) -> list[str]:
    """The tags contacts carry, each once (in the case first seen), alphabetically."""
    where = "" if include_archived else "WHERE NOT c.archived"
    tags = dialect.json_elements(_engine_name(session), "c.tags", "g")
    sql = f"SELECT DISTINCT g.value FROM contact c, {tags} {where}"
    seen: dict[str, str] = {}
    for (tag,) in _sql(session, sql):
        seen.setdefault(tag.casefold(), tag)
    return [seen[key] for key in sorted(seen)]


def tiers_in_use(session: Session, *, include_archived: bool = False) -> list[str]:
    where = "" if include_archived else "WHERE NOT c.archived"
    sql = f"SELECT DISTINCT c.tier FROM contact c {where} ORDER BY c.tier"
    return [tier for (tier,) in _sql(session, sql)]


def _filters(
    name: str,
    *,
    tag: str | None,
    tier: str | None,
    include_archived: bool,
    as_of: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = _as_of_params(as_of)
    if not include_archived:
        clauses.append("NOT c.archived")
    if as_of is not None:
        clauses.append(EXISTED_SQL)
    if tier:
        clauses.append("c.tier = :tier")
        params["tier"] = tier
    if tag:
        tags = dialect.json_elements(name, "c.tags", "g")
        clauses.append(f"EXISTS (SELECT 1 FROM {tags} WHERE lower(g.value) = lower(:tag))")
        params["tag"] = tag
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def last_touch(session: Session, contact_id: int) -> datetime | None:
    value = _sql(
        session,
        "SELECT MAX(occurred_at) FROM touchpoint WHERE contact_id = :cid",
        {"cid": contact_id},
    ).scalar()
    return from_db(value)


def delete_contact(session: Session, *, contact: Contact) -> dict[str, int]:
    """Delete a contact with its touchpoints and asks; returns how many of each went."""
    counts = {
        "touchpoints": _sql(
            session, "SELECT count(*) FROM touchpoint WHERE contact_id = :cid", {"cid": contact.id}
        ).scalar_one(),
        "asks": _sql(
            session, "SELECT count(*) FROM ask WHERE contact_id = :cid", {"cid": contact.id}
        ).scalar_one(),
    }
    session.delete(contact)
    session.flush()
    return counts


def staleness_rows(
    session: Session,
    *,
    tag: str | None = None,
    tier: str | None = None,
    as_of: datetime | None = None,
    mine: bool = False,
) -> list[dict[str, Any]]:
    """Active contacts with what staleness needs: tier, own cadence, tags, creation, last touch,
    and their count of unanswered outreach since the last reply. Plain cursor rows, no ORM.

    The last touch is anyone's on the team; `mine` keeps the contacts the running member has
    logged at least one touchpoint with."""
    engine = _engine_name(session)
    where, params = _filters(engine, tag=tag, tier=tier, include_archived=False, as_of=as_of)
    if mine:
        where += f" AND {_logged_by_me_sql(engine, as_of)}"
    sql = (
        f"SELECT c.id, c.name, c.tier, c.cadence, c.tags, c.created_at, {_last_touch_sql(as_of)}, "
        "(SELECT count(*) FROM touchpoint u WHERE u.contact_id = c.id "
        f"AND u.occurred_at > {dialect.time_or_earliest(engine, _last_reply_sql(as_of))}"
        f"{_until('u.occurred_at', as_of)}) "
        f"FROM contact c {where} ORDER BY c.id"
    )
    return [
        {
            "id": cid,
            "name": name,
            "tier": tier_name,
            "cadence": cadence,
            "tags": dialect.json_list(tags),
            "created_at": from_db(created_at),
            "last_touch": from_db(last),
            "unanswered": unanswered,
        }
        for cid, name, tier_name, cadence, tags, created_at, last, unanswered in _fetch(
            session, sql, params
        )
    ]


# --- touchpoints and asks -------------------------------------------------------------------


SIDES = ("me", "them")


def initiator(direction: str) -> str:
    """The side that started a touchpoint: "me" for `out`, "them" for `in`."""
    return "me" if direction == "out" else "them"


def log_touchpoint(
    session: Session,
    *,
    contact: Contact,
    occurred_at: datetime,
    channel: str,
    direction: str,
    two_way: bool,
    note: str | None = None,
    asks: Iterable[tuple[str, str]] = (),
    gives: Iterable[tuple[str, str]] = (),
    fulfils: int | None = None,
    no_reply: bool = False,
) -> tuple[Touchpoint, list[Ask], list[Give]]:
    """Record a touchpoint with the asks and gives made in it, each `(by, what)` by either side.

    `fulfils` names an open ask of this contact that a give of the asked side in this touchpoint
    did (the ask's own text when that side gave nothing else): the give is linked to it and the
    ask resolved done, one favour. Raises BadInput when the ask cannot be fulfilled here.
    """
    fulfilled = None
    if fulfils is not None:
        fulfilled = _fulfillable_ask(session, fulfils, contact=contact, when=occurred_at)
    touchpoint = Touchpoint(
        contact_id=saved_id(contact),
        occurred_at=occurred_at,
        channel=channel,
        direction=direction,
        two_way=two_way,
        note=note,
        no_reply=no_reply,
    )
    session.add(touchpoint)
    session.flush()
    made = [
        Ask(
            contact_id=saved_id(contact),
            touchpoint_id=touchpoint.id,
            asked_by=by,
            what=what,
            status="open",
            opened_at=touchpoint.occurred_at,
        )
        for by, what in asks
    ]
    given = [
        Give(
            contact_id=saved_id(contact),
            touchpoint_id=touchpoint.id,
            given_by=by,
            what=what,
            given_at=touchpoint.occurred_at,
        )
        for by, what in gives
    ]
    if fulfilled is not None:
        doer = _other(fulfilled.asked_by)
        linked = next((give for give in given if give.given_by == doer), None)
        if linked is None:
            linked = Give(
                contact_id=saved_id(contact),
                touchpoint_id=touchpoint.id,
                given_by=doer,
                what=fulfilled.what,
                given_at=touchpoint.occurred_at,
            )
            given.append(linked)
        linked.fulfils = fulfilled.id
        fulfilled.status = "done"
        fulfilled.resolved_at = touchpoint.occurred_at
        session.add(fulfilled)
    session.add_all([*made, *given])
    session.flush()
    return touchpoint, made, given


def _other(side: str) -> str:
    return "them" if side == "me" else "me"


def _fulfillable_ask(session: Session, ask_id: int, *, contact: Contact, when: datetime) -> Ask:
    ask = session.get(Ask, ask_id)
    if ask is None or ask.contact_id != contact.id:
        raise BadInput(f"{contact.name} has no ask #{ask_id} (see 'netkeep asks {contact.id}')")
    if ask.status not in ("open", "working"):
        raise BadInput(f"ask #{ask.id} is already {ask.status}")
    if from_db(ask.opened_at) > when:
        raise BadInput(f"ask #{ask.id} was opened after this touchpoint")
    return ask


def link_candidate(session: Session, *, contact_id: int, giver: str) -> dict[str, Any] | None:
    """The other side's only open ask with this contact, which a give by `giver` may fulfil;
    None when they have none or several."""
    rows = _sql(
        session,
        "SELECT id, what FROM ask WHERE contact_id = :cid AND asked_by = :asker "
        "AND status IN ('open', 'working') ORDER BY id LIMIT 2",
        {"cid": contact_id, "asker": _other(giver)},
    ).all()
    return {"id": rows[0][0], "what": rows[0][1]} if len(rows) == 1 else None


def resolve_ask(session: Session, *, ask_id: int, status: str, when: datetime) -> Ask:
    """Close an open or working ask (done, declined, withdrawn), mark an open one `working`
    (someone is on it: it stays unresolved), or reopen a closed one (status "open")."""
    ask = session.get(Ask, ask_id)
    if ask is None:
        raise BadInput(f"no ask with id #{ask_id} (see 'netkeep asks')")
    if status in ("open", "working"):
        if ask.status == status:
            raise BadInput(f"ask #{ask.id} is already {status}")
        if status == "working" and ask.status != "open":
            raise BadInput(f"ask #{ask.id} is already {ask.status} (--reopen it first)")
        ask.status, ask.resolved_at = status, None
    else:
        if ask.status not in ("open", "working"):
            raise BadInput(f"ask #{ask.id} is already {ask.status} (--reopen it first)")
        if when < from_db(ask.opened_at):
            from netkeep.dates import local_text

            raise BadInput(
                f"ask #{ask.id} was opened later, on {local_text(from_db(ask.opened_at))}"
            )
        ask.status, ask.resolved_at = status, when
    session.add(ask)
    session.flush()
    return ask


def unanswered_streak(session: Session, contact_id: int) -> int:
    """Your one-way outreach since they last reached you or you last actually talked."""
    last_reply = dialect.time_or_earliest(_engine_name(session), LAST_REPLY_SQL)
    sql = (
        "SELECT count(*) FROM touchpoint u JOIN contact c ON c.id = u.contact_id "
        f"WHERE c.id = :cid AND u.occurred_at > {last_reply}"
    )
    count: int = _sql(session, sql, {"cid": contact_id}).scalar() or 0
    return count


def asks_of_touchpoint(session: Session, touchpoint_id: int) -> list[Ask]:
    return list(
        session.exec(
            select(Ask).where(Ask.touchpoint_id == touchpoint_id).order_by(col(Ask.id))
        ).all()
    )


def get_touchpoint(session: Session, ref: str) -> Touchpoint:
    """A touchpoint by id (`12` or `#12`)."""
    touchpoint_id = id_of(ref or "")
    found = session.get(Touchpoint, touchpoint_id) if touchpoint_id is not None else None
    if found is None:
        raise BadInput(f"no touchpoint with id {ref!r} (see 'netkeep show CONTACT')")
    return found


def edit_touchpoint(
    session: Session,
    *,
    touchpoint: Touchpoint,
    contact: Contact | None = None,
    occurred_at: datetime | None = None,
    channel: str | None = None,
    direction: str | None = None,
    two_way: bool | None = None,
    note: str | None = None,
    give: str | None = None,
    no_reply: bool | None = None,
) -> list[str]:
    """Change the given fields (an empty note or give clears it; `give` is the initiator's give);
    returns the fields changed. `no_reply` (the touchpoint needs no answer) stays as it is unless
    given, whatever else changes.

    The touchpoint's asks and gives follow it: to another contact, to its new time, and to the
    other side when its direction is corrected (what was yours was theirs, and the reverse).
    """
    changed = []
    asks = asks_of_touchpoint(session, saved_id(touchpoint))
    gives = gives_of_touchpoint(session, saved_id(touchpoint))
    if contact is not None and contact.id != touchpoint.contact_id:
        touchpoint.contact_id = saved_id(contact)
        changed.append("contact")
    if occurred_at is not None and to_db(occurred_at) != to_db(from_db(touchpoint.occurred_at)):
        for ask in asks:
            if ask.resolved_at is not None and from_db(ask.resolved_at) < occurred_at:
                raise BadInput(
                    f"its ask #{ask.id} was resolved earlier, on {from_db(ask.resolved_at):%Y-%m-%d}"
                )
        touchpoint.occurred_at = occurred_at
        changed.append("when")
    for field, value in (("channel", channel), ("direction", direction), ("two_way", two_way)):
        if value is not None and value != getattr(touchpoint, field):
            setattr(touchpoint, field, value)
            changed.append(field)
    if note is not None and (note or None) != touchpoint.note:
        touchpoint.note = note or None
        changed.append("note")
    if no_reply is not None and no_reply != touchpoint.no_reply:
        touchpoint.no_reply = no_reply
        changed.append("no_reply")
    for ask in asks:
        if "contact" in changed:
            ask.contact_id = touchpoint.contact_id
        if "when" in changed:
            ask.opened_at = touchpoint.occurred_at
        if "direction" in changed:
            ask.asked_by = _other(ask.asked_by)
        session.add(ask)
    for entry in gives:
        if "contact" in changed:
            entry.contact_id = touchpoint.contact_id
        if "when" in changed:
            entry.given_at = touchpoint.occurred_at
        if "direction" in changed:
            entry.given_by = _other(entry.given_by)
        session.add(entry)
    if give is not None:
        side = initiator(touchpoint.direction)
        mine = next((entry for entry in gives if entry.given_by == side), None)
        if mine is not None and not give:
            session.delete(mine)
            changed.append("give")
        elif mine is not None and give != mine.what:
            mine.what = give
            session.add(mine)
            changed.append("give")
        elif mine is None and give:
            session.add(
                Give(
                    contact_id=touchpoint.contact_id,
                    touchpoint_id=touchpoint.id,
                    given_by=side,
                    what=give,
                    given_at=touchpoint.occurred_at,
                )
            )
            changed.append("give")
    session.add(touchpoint)
    session.flush()
    return changed


def gives_of_touchpoint(session: Session, touchpoint_id: int) -> list[Give]:
    return list(session.exec(select(Give).where(Give.touchpoint_id == touchpoint_id)).all())


def remove_touchpoint(session: Session, *, touchpoint: Touchpoint) -> list[Ask]:
    """Delete a touchpoint with its asks and gives; an ask that one of its gives resolved done is
    open again. Returns the asks reopened."""
    reopened = []
    for give in gives_of_touchpoint(session, saved_id(touchpoint)):
        if give.fulfils is not None:
            ask = session.get(Ask, give.fulfils)
            if ask is not None and ask.status == "done" and ask.touchpoint_id != touchpoint.id:
                ask.status, ask.resolved_at = "open", None
                session.add(ask)
                reopened.append(ask)
        session.delete(give)
    for ask in asks_of_touchpoint(session, saved_id(touchpoint)):
        session.delete(ask)
    session.delete(touchpoint)
    session.flush()
    return reopened


def _references(connection: Connection, parent: str) -> list[tuple[str, str]]:
    """(table, column) of every foreign key that points at `parent`, as the schema declares."""
    from sqlalchemy import inspect

    schema = inspect(connection)
    return [
        (table, column)
        for table in schema.get_table_names()
        for key in schema.get_foreign_keys(table)
        if key["referred_table"] == parent
        for column in key["constrained_columns"]
    ]


def merge_contacts(session: Session, *, into: Contact, other: Contact) -> dict[str, Any]:
    """Fold `other` into `into`: all its history (every row that points at it) moves over, its
    emails and tags are added, fields `into` lacks are filled from it, the earlier creation time
    is kept; then `other` is removed. Returns what moved and which fields were filled."""
    if into.id == other.id:
        raise BadInput(f"#{into.id} {into.name} is the same contact twice")
    filled = []
    for field in ("emails", "tags"):
        joined = unique([*getattr(into, field), *getattr(other, field)])
        if joined != list(getattr(into, field)):
            setattr(into, field, joined)
            filled.append(field)
    for field in ("phone", "company", "title", "cadence", "note"):
        if not getattr(into, field) and getattr(other, field):
            setattr(into, field, getattr(other, field))
            filled.append(field)
    if to_db(from_db(other.created_at)) < to_db(from_db(into.created_at)):
        into.created_at = other.created_at
        filled.append("created_at")
    session.add(into)
    session.flush()
    connection = session.connection()
    moved = {}
    for table, column in _references(connection, "contact"):
        # No unique index holds a contact id, so every row moves over as it is.
        moved[table] = _sql(
            connection,
            f'UPDATE "{table}" SET "{column}" = :into WHERE "{column}" = :other',
            {"into": into.id, "other": other.id},
        ).rowcount
    session.expire_all()
    session.delete(contact_by_id(session, other.id))
    session.flush()
    return {
        "touchpoints": moved.get("touchpoint", 0),
        "asks": moved.get("ask", 0),
        "filled": filled,
    }


def touchpoint_records(touchpoints: Iterable[dict[str, Any]]) -> list[TouchpointRecord]:
    """Scoring's records of `touchpoints_of` rows. The ledger's asks and gives go to scoring as
    records of their own, never on the touchpoint, so that nothing counts twice."""
    from netkeep.scoring import TouchpointRecord

    return [
        TouchpointRecord(
            id=t["id"],
            occurred_at=t["occurred_at"],
            direction=t["direction"],
            two_way=t["two_way"],
            channel=t["channel"],
            no_reply=t["no_reply"],
        )
        for t in touchpoints
    ]


def ledger_records(
    asks: Iterable[dict[str, Any]], gives: Iterable[dict[str, Any]]
) -> tuple[list[AskRecord], list[GiveRecord]]:
    """Scoring's records of `ask_rows` and `give_rows` rows, as `score` builds from its bulk read."""
    from netkeep.scoring import AskRecord, GiveRecord

    ask_records = [
        AskRecord(
            id=a["id"],
            by=a["by"],
            what=a["what"],
            status=a["status"],
            opened_at=a["opened_at"],
            resolved_at=a["resolved_at"],
            touchpoint_id=a["touchpoint_id"],
        )
        for a in asks
    ]
    give_records = [
        GiveRecord(
            id=g["id"],
            by=g["by"],
            what=g["what"],
            given_at=g["given_at"],
            touchpoint_id=g["touchpoint_id"],
            fulfils=g["fulfils"],
        )
        for g in gives
    ]
    return ask_records, give_records


def touchpoints_of(
    session: Session,
    contact_id: int,
    *,
    asks: list[dict[str, Any]],
    gives: list[dict[str, Any]],
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """A contact's touchpoints, oldest first, with the asks and gives made in each (from the
    contact's `asks` and `gives` rows): `ask` and `give` are the initiator's, `asks` and `gives`
    everyone's."""
    sql = (
        "SELECT t.id, t.contact_id, t.occurred_at, t.channel, t.direction, t.two_way, t.note, "
        "t.source, t.source_key, t.no_reply, t.logged_by FROM touchpoint t "
        f"WHERE t.contact_id = :cid"
        f"{_until('t.occurred_at', as_of)} ORDER BY t.occurred_at, t.id"
    )
    asks_in: dict[int, list[dict[str, Any]]] = {}
    for ask in asks:
        if ask["touchpoint_id"] is not None:
            asks_in.setdefault(ask["touchpoint_id"], []).append(ask)
    gives_in: dict[int, list[dict[str, Any]]] = {}
    for give in gives:
        if give["touchpoint_id"] is not None:
            gives_in.setdefault(give["touchpoint_id"], []).append(give)
    rows = []
    params = {"cid": contact_id, **_as_of_params(as_of)}
    for row in _sql(session, sql, params):
        data = dict(row._mapping)
        data["occurred_at"] = from_db(data["occurred_at"])
        data["two_way"] = bool(data["two_way"])
        data["no_reply"] = bool(data["no_reply"])
        with_ledger(data, asks_in.get(data["id"], []), gives_in.get(data["id"], []))
        rows.append(data)
    return rows


def with_ledger(
    data: dict[str, Any], asks: Iterable[dict[str, Any]], gives: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    """Add a touchpoint's `ask`/`give` (its initiator's text) and `asks`/`gives` (everyone's)."""
    side = initiator(data["direction"])
    data["asks"] = [
        {"id": a["id"], "by": a["by"], "what": a["what"], "status": a["status"]} for a in asks
    ]
    data["gives"] = [
        {"id": g["id"], "by": g["by"], "what": g["what"], "fulfils": g["fulfils"]} for g in gives
    ]
    data["ask"] = next((a["what"] for a in data["asks"] if a["by"] == side), None)
    data["give"] = next((g["what"] for g in data["gives"] if g["by"] == side), None)
    return data


def touchpoint_dict(
    touchpoint: Touchpoint, *, asks: Iterable[Ask] = (), gives: Iterable[Give] = ()
) -> dict[str, Any]:
    data = {
        "id": touchpoint.id,
        "contact_id": touchpoint.contact_id,
        "occurred_at": from_db(touchpoint.occurred_at),
        "channel": touchpoint.channel,
        "direction": touchpoint.direction,
        "two_way": touchpoint.two_way,
        "note": touchpoint.note,
        "source": touchpoint.source,
        "source_key": touchpoint.source_key,
        "no_reply": touchpoint.no_reply,
        "logged_by": touchpoint.logged_by,
    }
    return with_ledger(
        data,
        (
            {"id": a.id, "by": a.asked_by, "what": a.what, "status": a.status}
            for a in sorted(asks, key=saved_id)
        ),
        (
            {"id": g.id, "by": g.given_by, "what": g.what, "fulfils": g.fulfils}
            for g in sorted(gives, key=saved_id)
        ),
    )


def give_rows(
    session: Session, *, contact_id: int, as_of: datetime | None = None
) -> list[dict[str, Any]]:
    """A contact's gives, oldest first (GIVE_KEYS); a link to an ask resolved after `as_of` is
    not shown as of then."""
    fulfils = (
        "g.fulfils"
        if as_of is None
        else (
            "CASE WHEN (SELECT a.resolved_at FROM ask a WHERE a.id = g.fulfils) > :as_of "
            "THEN NULL ELSE g.fulfils END"
        )
    )
    sql = (
        "SELECT g.id, g.contact_id, g.touchpoint_id, g.given_by AS by, g.what, g.given_at, "
        f"{fulfils} AS fulfils FROM give g WHERE g.contact_id = :cid"
        f"{_until('g.given_at', as_of)} ORDER BY g.given_at, g.id"
    )
    rows = []
    for row in _sql(session, sql, {"cid": contact_id, **_as_of_params(as_of)}):
        data = dict(row._mapping)
        data["given_at"] = from_db(data["given_at"])
        rows.append(data)
    return rows


# --- undo ----------------------------------------------------------------------------------


def undo_last(session: Session) -> str | None:
    """Reverse the latest recorded write command; what it was, or None (see netkeep.journal)."""
    from netkeep.journal import undo_last as reverse

    session.flush()
    summary = reverse(session.connection())
    session.expire_all()
    return summary


# --- reciprocity ----------------------------------------------------------------------------


def _ask_sql(as_of: datetime | None) -> str:
    status, resolved_at = _ask_status_sql(as_of)
    return (
        "SELECT a.id, a.contact_id, c.name, a.asked_by AS by, a.what, "
        f"{status} AS status, a.opened_at, {resolved_at} AS resolved_at, a.touchpoint_id "
        "FROM ask a JOIN contact c ON c.id = a.contact_id"
    )


def _ask_dict(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data["opened_at"] = from_db(data["opened_at"])
    data["resolved_at"] = from_db(data["resolved_at"])
    return data


def histories(
    raw: Any,
    *,
    contact_id: int | None = None,
    id_range: tuple[int, int] | None = None,
    as_of: datetime | None = None,
    scoring_rows: bool = False,
    member: str | None = None,
) -> Iterable[tuple[int, str, list[Any], list[Any], list[Any]]]:
    """(contact id, name, touchpoints, AskRecords, GiveRecords) per contact, streamed from a
    connection: one contact (archived or not), or the active contacts (with ids in
    `id_range`), as they stood at `as_of` (None: everything).

    Touchpoints are `(id, epoch seconds, direction, two_way, channel, None, None, no_reply)`
    tuples, the plain-row form scoring accepts, read through the covering index without ORM
    objects; with `scoring_rows`, the packed form `scoring.score_history` takes (three numbers
    a touchpoint), one indexed query per contact (no tuple is rebuilt in Python). The gives are
    all in the GiveRecords and the asks in the AskRecords (a touchpoint's `give` and `ask` are
    left empty, so nothing counts twice).

    With `member`, one member's history: the contacts they logged a touchpoint with, only the
    touchpoints they logged, and the asks and gives recorded on those.
    """
    from netkeep.scoring import AskRecord, GiveRecord

    params: dict[str, Any] = _as_of_params(as_of)
    if contact_id is not None:
        where = "c.id = :cid"
        params["cid"] = contact_id
    else:
        low, high = id_range or (0, 2**63 - 1)
        where = "NOT c.archived AND c.id BETWEEN :low AND :high"
        params.update(low=low, high=high)
    if as_of is not None:
        where += f" AND {EXISTED_SQL}"
    # What one member logged: touchpoints (`t`), and asks and gives on them.
    logged_sql = "EXISTS (SELECT 1 FROM touchpoint m WHERE m.id = {} AND m.logged_by = :member)"
    touch_only = ask_only = give_only = ""
    if member is not None:
        params["member"] = member
        where += (
            " AND EXISTS (SELECT 1 FROM touchpoint m WHERE m.contact_id = c.id "
            "AND m.logged_by = :member)"
        )
        touch_only = " AND t.logged_by = :member"
        ask_only = " AND " + logged_sql.format("a.touchpoint_id")
        give_only = " AND " + logged_sql.format("g.touchpoint_id")
    contacts = list(
        _fetch(raw, f"SELECT c.id, c.name FROM contact c WHERE {where} ORDER BY c.id", params)
    )
    asks: dict[int, list[Any]] = {}
    status, resolved = _ask_status_sql(as_of)
    ask_sql = (
        f"SELECT a.contact_id, a.id, a.asked_by, a.what, {status}, a.opened_at, {resolved}, "
        f"a.touchpoint_id FROM ask a JOIN contact c ON c.id = a.contact_id WHERE {where}"
        f"{ask_only}{_until('a.opened_at', as_of)} ORDER BY a.opened_at, a.id"
    )
    for cid, ask_id, by, what, ask_status, opened_at, resolved_at, tp_id in _fetch(
        raw, ask_sql, params
    ):
        asks.setdefault(cid, []).append(
            AskRecord(ask_id, by, what, ask_status, from_db(opened_at), from_db(resolved_at), tp_id)
        )
    gives: dict[int, list[Any]] = {}
    give_sql = (
        "SELECT g.contact_id, g.id, g.given_by, g.what, g.given_at, g.touchpoint_id, g.fulfils "
        f"FROM give g JOIN contact c ON c.id = g.contact_id WHERE {where}"
        f"{give_only}{_until('g.given_at', as_of)} ORDER BY g.given_at, g.id"
    )
    for cid, give_id, by, what, given_at, tp_id, fulfils in _fetch(raw, give_sql, params):
        gives.setdefault(cid, []).append(
            GiveRecord(give_id, by, what, from_db(given_at), tp_id, fulfils)
        )
    # Epoch seconds computed by the database: scoring needs no datetime object per touchpoint.
    epoch = dialect.epoch_seconds(raw.dialect.name, "t.occurred_at")
    if scoring_rows:
        until = touch_only + _until("t.occurred_at", as_of)
        yield from _scoring_histories(raw, contacts, asks, gives, where, params, epoch, until)
        return
    rows = _fetch(
        raw,
        f"SELECT t.contact_id, t.id, {epoch}, t.direction, t.two_way, t.channel, NULL, NULL, "
        f"t.no_reply FROM touchpoint t JOIN contact c ON c.id = t.contact_id WHERE {where}"
        f"{touch_only}{_until('t.occurred_at', as_of)} ORDER BY t.contact_id, t.occurred_at",
        params,
    )
    for cid, name, touchpoints in _per_contact(contacts, rows):
        yield cid, name, touchpoints, asks.get(cid, []), gives.get(cid, [])


def _per_contact(
    contacts: Iterable[tuple[Any, ...]], rows: Iterable[tuple[Any, ...]]
) -> Iterator[tuple[int, str, list[Any]]]:
    """Each contact with its rows (less the leading contact id), from two streams in contact id
    order: walked together, one contact in memory at a time."""
    groups = itertools.groupby(rows, key=operator.itemgetter(0))
    group = next(groups, None)
    for cid, name in contacts:
        touchpoints: list[Any] = []
        if group is not None and group[0] == cid:
            touchpoints = [row[1:] for row in group[1]]
            group = next(groups, None)
        yield cid, name, touchpoints


def _scoring_histories(
    raw: Connection,
    contacts: list[tuple[Any, ...]],
    asks: dict[int, list[Any]],
    gives: dict[int, list[Any]],
    where: str,
    params: dict[str, Any],
    epoch: str,
    until: str,
) -> Iterator[tuple[int, str, list[Any], list[Any], list[Any]]]:
    """`histories` in the packed form `scoring.score_history` takes: `(epoch, id, flags)` a
    touchpoint, the flags packing direction, two-way, no-reply and the channel's code; `until`
    narrows the touchpoints (`t`) further."""
    from netkeep.scoring import CHANNEL_CODES

    code = " ".join(f"WHEN '{channel}' THEN {i}" for i, channel in enumerate(CHANNEL_CODES))
    flags = (
        "CASE WHEN t.direction = 'in' THEN 1 ELSE 0 END + CASE WHEN t.two_way THEN 2 ELSE 0 END"
        " + CASE WHEN t.no_reply THEN 4 ELSE 0 END"
        f" + 8 * CASE t.channel {code} ELSE {CHANNEL_CODES.index('other')} END"
    )
    if raw.dialect.name == dialect.SQLITE:
        # In-process SQLite answers one indexed query per contact faster than Python regroups
        # one big result: the rows arrive in the form scoring reads, nothing is rebuilt.
        touch_sql = (
            f"SELECT {epoch}, t.id, {flags} FROM touchpoint t WHERE t.contact_id = :cid{until} "
            "ORDER BY t.occurred_at"
        )
        for cid, name in contacts:
            packed = list(_fetch(raw, touch_sql, {**params, "cid": cid}, stream=False))
            yield cid, name, packed, asks.get(cid, []), gives.get(cid, [])
        return
    # A server pays a round trip per query: one streamed query, regrouped by contact.
    rows = _fetch(
        raw,
        f"SELECT t.contact_id, {epoch}, t.id, {flags} FROM touchpoint t "
        f"JOIN contact c ON c.id = t.contact_id WHERE {where}{until} "
        "ORDER BY t.contact_id, t.occurred_at",
        params,
    )
    for cid, name, touches in _per_contact(contacts, rows):
        yield cid, name, touches, asks.get(cid, []), gives.get(cid, [])


def active_histories(
    session: Session, *, as_of: datetime | None = None
) -> Iterable[tuple[int, list[tuple[Any, ...]]]]:
    """(contact id, touchpoint tuples) for every active contact, as ``histories`` reads them."""
    for cid, _name, touchpoints, _asks, _gives in histories(session.connection(), as_of=as_of):
        yield cid, touchpoints


def ask_rows(
    session: Session,
    *,
    contact_id: int | None = None,
    include_resolved: bool = False,
    by: str | None = None,
    as_of: datetime | None = None,
    mine: bool = False,
) -> list[dict[str, Any]]:
    """Asks, oldest first; `mine`: only those made in touchpoints the running member logged."""
    clauses: list[str] = []
    params: dict[str, Any] = _as_of_params(as_of)
    if mine:
        clauses.append(_on_my_touchpoint_sql(_engine_name(session), "a.touchpoint_id"))
    if contact_id is not None:
        clauses.append("a.contact_id = :cid")
        params["cid"] = contact_id
    else:
        clauses.append("NOT c.archived")
    if as_of is not None:
        clauses.append(f"a.opened_at <= :as_of AND {EXISTED_SQL}")
    if not include_resolved:
        clauses.append(
            "a.status IN ('open', 'working')"
            if as_of is None
            else "(a.status IN ('open', 'working') OR a.resolved_at > :as_of)"
        )
    if by:
        clauses.append("a.asked_by = :by")
        params["by"] = by
    sql = f"{_ask_sql(as_of)} WHERE {' AND '.join(clauses)} ORDER BY a.opened_at, a.id"
    return [_ask_dict(row) for row in _sql(session, sql, params)]


def members_in_use(session: Session) -> list[str]:
    """The names touchpoints were logged by, sorted."""
    return [
        str(name)
        for name in _sql(
            session, "SELECT DISTINCT logged_by FROM touchpoint ORDER BY logged_by"
        ).scalars()
    ]


def get_ask(session: Session, ask_id: int) -> Ask | None:
    return session.get(Ask, ask_id)


def owe_rows(
    session: Session, *, window: Any, as_of: datetime | None = None, mine: bool = False
) -> list[dict[str, Any]]:
    """Their one-way outreach not yet followed by anything of yours (or a live exchange), and their
    open asks, oldest first. Archived contacts are left out.

    A message of theirs that closes a thread is not owed: one marked as needing no reply, and a
    reply to your outreach (the touchpoint just before it is yours, at most the response `window`
    earlier) that asks nothing: no ask of theirs, no question mark in its note or subject, and
    not a missed call or voicemail (a call back is owed). While an ask of theirs is `working`,
    their messages that ask nothing new are about it and not owed either.

    `mine` keeps their outreach that the running member logged, and their asks made in it."""
    # Per contact, the latest touchpoint of yours or live exchange (one backward index seek);
    # their one-way messages at or after it are waiting on you.
    engine = _engine_name(session)
    status, _resolved = _ask_status_sql(as_of)
    params = {"window_days": window.total_seconds() / 86400, **_as_of_params(as_of)}
    last_mine = (
        "(SELECT m.occurred_at FROM touchpoint m WHERE m.contact_id = c.id "
        f"AND (m.direction = 'out' OR m.two_way){_until('m.occurred_at', as_of)} "
        "ORDER BY m.occurred_at DESC LIMIT 1)"
    )
    gap = dialect.days_between(engine, "t.occurred_at", "q.occurred_at")
    logged = dialect.logged_by_me(engine, "t.logged_by") if mine else "1 = 1"
    ask_logged = _on_my_touchpoint_sql(engine, "a.touchpoint_id") if mine else "1 = 1"
    # Their open asks. The ask of one touchpoint is looked up in the ask table itself (by its
    # touchpoint index), not in the `open_ask` list: PostgreSQL keeps a list used twice as a
    # table without indexes, and scanned all of it for every touchpoint.
    open_ask_where = f"a.asked_by = 'them' AND {status} = 'open'{_until('a.opened_at', as_of)}"
    sql = f"""
        WITH settled AS (
            SELECT c.id AS contact_id, c.name,
                   {dialect.time_or_earliest(engine, last_mine)} AS until
            FROM contact c WHERE NOT c.archived{"" if as_of is None else " AND " + EXISTED_SQL}
        ),
        open_ask AS (
            SELECT a.* FROM ask a WHERE {open_ask_where}
        )
        SELECT t.contact_id, s.name, t.id AS touchpoint_id, t.occurred_at, t.channel,
               (SELECT a.what FROM ask a WHERE a.touchpoint_id = t.id AND {open_ask_where}
                ORDER BY a.id LIMIT 1) AS ask
        FROM settled s JOIN touchpoint t
             ON t.contact_id = s.contact_id AND t.occurred_at >= s.until
        WHERE t.direction = 'in' AND NOT t.two_way AND NOT t.no_reply AND {logged}
          {_until("t.occurred_at", as_of)}
          AND (NOT EXISTS (SELECT 1 FROM ask w WHERE w.contact_id = t.contact_id
                           AND w.asked_by = 'them' AND w.status = 'working'
                           AND w.opened_at <= t.occurred_at)
               OR EXISTS (SELECT 1 FROM ask a WHERE a.touchpoint_id = t.id AND {open_ask_where}))
          AND NOT (
            NOT EXISTS (SELECT 1 FROM ask x WHERE x.touchpoint_id = t.id AND x.asked_by = 'them')
            AND t.channel <> 'call'
            AND (t.note IS NULL OR t.note NOT LIKE '%?%')
            AND (
                -- the touchpoint just before it (from the history index alone) was yours
                SELECT q.direction = 'out' AND {gap} <= :window_days FROM touchpoint q
                WHERE q.contact_id = t.contact_id
                AND (q.occurred_at < t.occurred_at
                     OR (q.occurred_at = t.occurred_at AND q.id < t.id))
                ORDER BY q.occurred_at DESC, q.id DESC LIMIT 1) IS TRUE
          )
        UNION ALL
        SELECT a.contact_id, s.name, a.touchpoint_id, COALESCE(t.occurred_at, a.opened_at),
               t.channel, a.what
        FROM open_ask a JOIN settled s ON s.contact_id = a.contact_id
        LEFT JOIN touchpoint t ON t.id = a.touchpoint_id
        WHERE (t.id IS NULL OR t.two_way OR t.direction = 'out' OR t.occurred_at < s.until
           OR t.no_reply) AND {ask_logged}
        ORDER BY 4, 3
    """
    rows = []
    for row in _sql(session, sql, params):
        data = dict(row._mapping)
        data["occurred_at"] = from_db(data["occurred_at"])
        rows.append(data)
    return rows


# Below this many touchpoints one process scores everyone faster than starting helpers would.
PARALLEL_MIN_TOUCHPOINTS = 200_000
PARALLEL_CORES: int | None = None  # None: the machine's cores, at most 8


def _scored(
    raw: Any,
    now: datetime,
    scoring: Any,
    as_of: datetime | None = None,
    bands: Collection[str] | None = None,
    **which: Any,
) -> list[dict[str, Any]]:
    from netkeep.scoring import score_history

    rows = []
    which = {key: value for key, value in which.items() if value is not None}
    for cid, name, touchpoints, asks, gives in histories(
        raw, as_of=as_of, scoring_rows=True, **which
    ):
        scored = score_history(
            touchpoints, asks, now=now, settings=scoring, gives=gives, bands=bands
        )
        if scored is not None:
            rows.append({"id": cid, "name": name, **scored})
    return rows


def _scored_range(
    path: str,
    snapshot: str | None,
    now: datetime,
    scoring: Any,
    as_of: datetime | None,
    bands: Collection[str] | None,
    id_range: tuple[int, int],
    member: str | None = None,
) -> list[Any]:
    """One share of `score` in a forked helper process, on its own reading connection to the
    parent's store (`path`: see `dialect.store_location`) and in its `snapshot`, if any."""
    with _reading(path, snapshot) as raw:
        return _scored(raw, now, scoring, as_of, bands, id_range=id_range, member=member)


@contextlib.contextmanager
def _reading(location: str, snapshot: str | None) -> Iterator[Connection]:
    """A reading connection of a helper process to the store at `location`, opened by netkeep.db
    like any command's; on a server, in the command's `snapshot` (`dialect.export_snapshot`)."""
    from pathlib import Path

    from netkeep.db import open_session
    from netkeep.db_path import server_url

    # An absolute file path or a server URL: see dialect.store_location.
    opened = (
        open_session(Path(location), write=False, helper=True)
        if location.startswith("/")
        else open_session(
            server_url(location, "store"), write=False, helper=True, snapshot=snapshot
        )
    )
    with opened as session:
        yield session.connection()


def score_rows(
    session: Session,
    *,
    now: datetime,
    settings: Any,
    contact_id: int | None = None,
    as_of: datetime | None = None,
    member: str | None = None,
) -> list[dict[str, Any]]:
    """Score rows (keys as in docs/reference.md) for every active contact, or for one contact
    (archived or not); with `member`, from that member's history only (see `histories`)."""
    return start_score_rows(
        session, now=now, settings=settings, contact_id=contact_id, as_of=as_of, member=member
    )()


def start_score_rows(
    session: Session,
    *,
    now: datetime,
    settings: Any,
    contact_id: int | None = None,
    as_of: datetime | None = None,
    bands: Collection[str] | None = None,
    member: str | None = None,
) -> Callable[[], list[dict[str, Any]]]:
    """Start scoring; the returned function waits for the rows.

    With `as_of`, the history as it stood then is scored at that moment (`now` is then `as_of`).
    With `bands`, only the rows of contacts in those bands (`digest` watches two).
    Scoring is CPU-bound Python over every touchpoint, so a large network is split by contact id
    over the machine's cores, each share read on its own connection in a forked process; the
    caller can run its other queries meanwhile (`digest` does).
    """
    scoring = settings.scoring
    if as_of is not None:
        now = as_of
    raw = session.connection()
    shares = [] if contact_id is not None else _shares(raw)
    if len(shares) < 2:
        rows = _scored(raw, now, scoring, as_of, bands, contact_id=contact_id, member=member)
        return lambda: rows
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    path = str(dialect.store_location(raw))  # there is one: `_shares` split the work
    snapshot = dialect.export_snapshot(raw)
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=len(shares), mp_context=context)
    futures = [
        pool.submit(_scored_range, path, snapshot, now, scoring, as_of, bands, share, member)
        for share in shares
    ]

    def wait() -> list[dict[str, Any]]:
        try:
            return [row for future in futures for row in future.result()]
        finally:
            pool.shutdown(cancel_futures=True)

    return wait


def _shares(raw: Connection) -> list[tuple[int, int]]:
    """Contact id ranges holding about equal numbers of touchpoints, one per core; [] when one
    process will do (a small network, one core, or an in-memory database)."""
    import os

    cores = PARALLEL_CORES or min(os.cpu_count() or 1, 8)
    path = dialect.store_location(raw)
    if cores < 2 or not path or not hasattr(os, "fork"):
        return []
    total = _sql(raw, "SELECT count(*) FROM touchpoint").scalar_one()
    if total < PARALLEL_MIN_TOUCHPOINTS:
        return []
    # Quantiles of the touchpoints' contact ids, read from the index, split the work evenly.
    cuts = [
        _sql(
            raw,
            "SELECT contact_id FROM touchpoint ORDER BY contact_id LIMIT 1 OFFSET :skip",
            {"skip": total * share // cores},
        ).scalar_one()
        for share in range(1, cores)
    ]
    bounds = [0, *cuts, 2**63 - 1]
    return [(bounds[i] + (i > 0), bounds[i + 1]) for i in range(cores)]


# --- import and export ----------------------------------------------------------------------
# Bulk work on the session's connection, inside the command's transaction: rows go in through Core
# inserts with executemany (a list of dicts) and come out of a plain cursor (`_fetch`), never as one
# ORM object per row. Ids come from the database; only a lossless import into a database that never
# gave an id keeps the file's own.

IMPORT_CHUNK = 10_000  # rows per executemany
PROGRESS_EVERY = 5_000  # records between progress reports
# An import never renames a contact: the update sets every stored field after id and name.
_UPDATED_FIELDS = CONTACT_FIELDS[2:]


def _table(model: Any) -> Table:
    """The Core table of a SQLModel table class."""
    table: Table = model.__table__
    return table


def _untyped(model: Any) -> Table:
    """A table with its integer id but no other column types, for bulk rows whose values are
    already in the engine's form (`_RowWriter.time`, JSON text): SQLAlchemy then skips
    its per-value processing, which would cost more than the insert itself."""
    from sqlalchemy import Column, Integer, MetaData

    others: list[Column[Any]] = [
        Column(col.name) for col in _table(model).columns if col.name != "id"
    ]
    return Table(model.__tablename__, MetaData(), Column("id", Integer, primary_key=True), *others)


@overload
def _utc(moment: datetime) -> datetime: ...
@overload
def _utc(moment: None) -> None: ...
def _utc(moment: datetime | None) -> datetime | None:
    """A time for a Core insert: SQLite's DATETIME writes the fields it is given, so in UTC."""
    return None if moment is None else moment.astimezone(UTC)


@dataclass
class ImportCounts:
    """What an import did (or, in a dry run, would do). Contacts are counted per record read."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    touchpoints_added: int = 0
    touchpoints_present: int = 0
    asks_added: int = 0
    asks_present: int = 0
    gives_added: int = 0
    gives_present: int = 0
    kept_ids: bool = False
    # Contacts created that may be people already in the database: (record, their id and name).
    likely_duplicates: list[tuple[str, str, int, str]] = dataclasses.field(default_factory=list)
    # Tiers the records use that the config does not define, with how many contacts each.
    unknown_tiers: dict[str, int] = dataclasses.field(default_factory=dict)


def import_records(
    session: Session,
    *,
    records: Iterable[tuple[str, Any]],
    label: str,
    settings: Any,
    now: datetime,
    lossless: bool,
    progress: Callable[[int], None] | None = None,
) -> ImportCounts:
    """Merge an import file's records (see netkeep.io.ImportSource) into the database.

    A contact matches an existing one by email (any case), else by exact name (any case); it is then
    updated with what the record gives (emails and tags joined, other fields replaced when the
    record has them, notes appended unless already there, the earlier created_at kept; the name is
    never changed). `lossless` records (netkeep JSON) keep their ids when the database has no
    contacts; otherwise they merge like any other and their touchpoints and asks get new ids,
    skipping those already present. Raises BadInput naming the record for a bad tier or cadence;
    the caller's transaction then rolls everything back.
    """
    connection = session.connection()
    dialect.prepare_bulk_write(connection)
    writer = _RowWriter(connection)
    policy = _MergePolicy(writer, label=label, settings=settings, lossless=lossless, now=now)
    keep_ids = lossless and policy.empty and not writer.ids_ever_given()
    importer = _Importer(writer, policy, _IdMap(keep=keep_ids))
    done = 0
    for kind, record in records:
        if kind == "contact":
            importer.contact(record)
        elif kind == "touchpoint":
            importer.touchpoint(record)
        elif kind == "ask":
            importer.ask(record)
        else:
            importer.give(record)
        done += 1
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    importer.finish()
    if progress is not None:
        progress(done)
    return importer.counts


class _RowWriter:
    """Row writing for an import: buffered executemany inserts, single inserts that return the id
    the database gave, and the look-ups that find a row already present."""

    TABLES = ("contact", "touchpoint", "ask", "give")
    # Where a lossless import may keep the file's ids: none of these ever gave one.
    KEPT_ID_TABLES = ("contact", "touchpoint", "ask")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.engine = connection.dialect.name
        self.contacts = _untyped(Contact)
        self.tables = {
            "touchpoint": _untyped(Touchpoint),
            "ask": _untyped(Ask),
            "give": _untyped(Give),
        }
        self.pending: list[dict[str, Any]] = []
        self.pending_table = ""
        self._member: str | None = None

    def member(self) -> str:
        """The member running the import (`me` in a file, the role on a server)."""
        if self._member is None:
            self._member = str(
                _sql(self.connection, f"SELECT {dialect.current_member(self.engine)}").scalar_one()
            )
        return self._member

    def ids_ever_given(self) -> bool:
        """Whether the tables hold or ever gave an id (an id is never given twice)."""
        return any(dialect.ids_ever_given(self.connection, table) for table in self.KEPT_ID_TABLES)

    def contact_values(self, row: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
        """A contact's fields as the engine stores them (lists as JSON, the time in its form)."""
        values = {field: row[field] for field in fields}
        for field in ("emails", "tags"):
            if field in values:
                # JSON text as SQLAlchemy's JSON type writes it; PostgreSQL reads it into JSONB.
                values[field] = json.dumps(values[field])
        if "created_at" in values:
            values["created_at"] = self.time(values["created_at"])
        if "archived" in values:
            values["archived"] = bool(values["archived"])
        return values

    def insert_contacts(self, rows: Iterable[dict[str, Any]], *, keep_ids: bool) -> list[int]:
        """Insert contacts, with their own ids or (without) the ones the database gives them,
        returned in the rows' order."""
        fields = CONTACT_FIELDS if keep_ids else CONTACT_FIELDS[1:]
        ids: list[int] = []
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, IMPORT_CHUNK)):
            values = [self.contact_values(row, fields) for row in chunk]
            if keep_ids:
                self.connection.execute(self.contacts.insert(), values)
            else:
                ids.extend(dialect.insert_with_ids(self.connection, self.contacts, values))
        return ids

    def insert_one(self, table: str, row: dict[str, Any]) -> int:
        """Insert one row without an id; the id the database gave it."""
        self.flush()
        target = self.tables[table]
        statement = target.insert().returning(target.c.id)
        new_id: int = self.connection.execute(statement, row).scalar_one()
        return new_id

    def update_contacts(self, rows: Iterable[dict[str, Any]]) -> None:
        """Write every stored field of these contacts but the id and the name (an import never
        renames a contact)."""
        from sqlalchemy import update

        contact = self.contacts
        statement = (
            update(contact)
            .where(contact.c.id == bindparam("contact_id"))
            .values({field: bindparam(f"new_{field}") for field in _UPDATED_FIELDS})
        )
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, IMPORT_CHUNK)):
            values = [
                {
                    "contact_id": row["id"],
                    **{
                        f"new_{field}": value
                        for field, value in self.contact_values(row, _UPDATED_FIELDS).items()
                    },
                }
                for row in chunk
            ]
            self.connection.execute(statement, values)

    def time(self, moment: datetime | None) -> Any:
        """A time as the untyped tables take it: in the engine's stored form."""
        return None if moment is None else dialect.time_param(self.engine, moment)

    def buffer(self, table: str, row: dict[str, Any]) -> None:
        """Queue a row with its own id, written with the next ones of the same table."""
        if self.pending_table != table:
            self.flush()
            self.pending_table = table
        self.pending.append(row)
        if len(self.pending) >= IMPORT_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.connection.execute(self.tables[self.pending_table].insert(), self.pending)
            self.pending = []

    def first_id(self, sql: str, **params: Any) -> int | None:
        """The id a look-up finds first (rows queued so far are written before)."""
        self.flush()
        row = next(_fetch(self.connection, sql, params, stream=False), None)
        return None if row is None else int(row[0])

    def explicit_ids_written(self) -> None:
        self.flush()
        for table in self.TABLES:
            dialect.after_explicit_ids(self.connection, table)


class _MergePolicy:
    """Which existing contact a record is, and how the record's fields join that contact's.

    Holds every contact's row (id, existing or provisional, -> fields) until they are written.
    """

    def __init__(
        self, writer: _RowWriter, *, label: str, settings: Any, lossless: bool, now: datetime
    ) -> None:
        self.label = label
        self.settings = settings
        self.lossless = lossless
        self.now = now
        self.unknown_tiers: dict[str, int] = {}
        self.rows: dict[int, dict[str, Any]] = {}
        self.by_email: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        sql = f"SELECT {', '.join(CONTACT_FIELDS)} FROM contact ORDER BY id"
        for values in _fetch(writer.connection, sql):
            row = _decoded(dict(zip(CONTACT_FIELDS, values, strict=True)))
            row["created_at"] = from_db(row["created_at"])
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
        for name in ("phone", "company", "title"):
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


class _IdMap:
    """Ids in the file -> ids in the database. With `keep`, they are the same. New contacts get
    provisional (negative) ids until the database gives them theirs (`settle`)."""

    def __init__(self, *, keep: bool) -> None:
        self.keep = keep
        self.contacts: dict[int, int] = {}
        self.touchpoints: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self._provisional = 0

    def provisional(self) -> int:
        self._provisional -= 1
        return self._provisional

    def settle(self, given: dict[int, int]) -> None:
        """Replace provisional contact ids by the ones the database gave."""
        self.contacts = {key: given.get(value, value) for key, value in self.contacts.items()}

    def contact(self, file_id: int) -> int:
        return file_id if self.keep else self.contacts[file_id]

    def touchpoint(self, file_id: int | None) -> int | None:
        if file_id is None or self.keep:
            return file_id
        return self.touchpoints[file_id]


class _Importer:
    """Takes an import's records in order: contacts first (held and merged in memory, written
    when the first touchpoint, ask or give comes), then touchpoints, asks and gives."""

    def __init__(self, writer: _RowWriter, policy: _MergePolicy, ids: _IdMap) -> None:
        self.writer = writer
        self.policy = policy
        self.ids = ids
        self.counts = ImportCounts(kept_ids=ids.keep)
        self.counts.unknown_tiers = policy.unknown_tiers
        self.new: list[int] = []  # contacts to insert, by their (provisional) ids
        self.dirty: set[int] = set()  # existing contacts changed
        self.contacts_written = False
        # Gives carried on version 1 and 2 touchpoints (the initiator's), written once the ids are known.
        self.legacy_gives: list[tuple[int, int, str, str, Any]] = []

    # contacts

    def contact(self, record: Any) -> None:
        policy = self.policy
        tier, cadence = policy.checked(record)
        match = None if self.ids.keep else policy.match(record)
        if match is None:
            contact_id = record.id if self.ids.keep else self.ids.provisional()
            policy.new_row(contact_id, record, tier, cadence)
            self.new.append(contact_id)
            same = policy.likely_duplicate(record)
            if same is not None:
                self.counts.likely_duplicates.append((record.source, record.name, *same))
            self.counts.created += 1
        else:
            contact_id = match
            if policy.merge(match, record, tier, cadence):
                self.counts.updated += 1
                if match in policy.existing:
                    self.dirty.add(match)
            else:
                self.counts.unchanged += 1
        if record.id is not None:
            self.ids.contacts[record.id] = contact_id

    def _write_contacts(self) -> None:
        if self.contacts_written:
            return
        self.contacts_written = True
        rows = self.policy.rows
        new_rows = (rows[cid] for cid in self.new)
        given = self.writer.insert_contacts(new_rows, keep_ids=self.ids.keep)
        if not self.ids.keep:
            self.ids.settle(dict(zip(self.new, given, strict=True)))
        self.writer.update_contacts(rows[cid] for cid in sorted(self.dirty))
        rows.clear()  # only ids are needed from here on

    # touchpoints, asks and gives (netkeep JSON only)

    def touchpoint(self, record: dict[str, Any]) -> None:
        self._write_contacts()
        contact_id = self.ids.contact(record["contact_id"])
        row = {
            "contact_id": contact_id,
            "occurred_at": self.writer.time(record["occurred_at"]),
            "channel": record["channel"],
            "direction": record["direction"],
            "two_way": bool(record["two_way"]),
            "note": record["note"],
            "no_reply": bool(record.get("no_reply", False)),
            "source": record.get("source"),
            "source_key": record.get("source_key"),
            # Kept from the file (a server refuses another member's name unless the importing
            # role may act as them); a file older than `logged_by` was logged by the importer.
            "logged_by": record.get("logged_by") or self.writer.member(),
        }
        if self.ids.keep:
            self.writer.buffer("touchpoint", {"id": record["id"], **row})
            self._legacy_give(record, record["id"], contact_id, row["occurred_at"])
            self.counts.touchpoints_added += 1
            return
        if record.get("source_key") is not None:
            # A captured touchpoint is the same one wherever it sits: its key decides.
            present = self.writer.first_id(
                "SELECT id FROM touchpoint WHERE source = :source AND source_key = :key",
                source=record.get("source"),
                key=record["source_key"],
            )
        else:
            present = self.writer.first_id(
                "SELECT id FROM touchpoint WHERE contact_id = :cid AND occurred_at = :at "
                "AND channel = :channel AND direction = :direction ORDER BY id LIMIT 1",
                cid=contact_id,
                at=row["occurred_at"],
                channel=record["channel"],
                direction=record["direction"],
            )
        if present is not None:
            self.ids.touchpoints[record["id"]] = present
            self.counts.touchpoints_present += 1
            return
        touchpoint_id = self.writer.insert_one("touchpoint", row)
        self._legacy_give(record, touchpoint_id, contact_id, row["occurred_at"])
        self.ids.touchpoints[record["id"]] = touchpoint_id
        self.counts.touchpoints_added += 1

    def ask(self, record: dict[str, Any]) -> None:
        self._write_contacts()
        row = {
            "contact_id": self.ids.contact(record["contact_id"]),
            "touchpoint_id": self.ids.touchpoint(record["touchpoint_id"]),
            "asked_by": record["by"],
            "what": record["what"],
            "status": record["status"],
            "opened_at": self.writer.time(record["opened_at"]),
            "resolved_at": self.writer.time(record["resolved_at"]),
        }
        if self.ids.keep:
            self.writer.buffer("ask", {"id": record["id"], **row})
            self.counts.asks_added += 1
            return
        present = self.writer.first_id(
            "SELECT id FROM ask WHERE contact_id = :cid AND asked_by = :by AND what = :what "
            "AND opened_at = :at LIMIT 1",
            cid=row["contact_id"],
            by=record["by"],
            what=record["what"],
            at=row["opened_at"],
        )
        if present is not None:
            self.ids.asks[record["id"]] = present
            self.counts.asks_present += 1
            return
        self.ids.asks[record["id"]] = self.writer.insert_one("ask", row)
        self.counts.asks_added += 1

    def _legacy_give(
        self, record: dict[str, Any], touchpoint_id: int, contact_id: int, occurred_at: Any
    ) -> None:
        """A version 1 or 2 touchpoint's `give` (its initiator's) becomes a give of the ledger."""
        if record.get("legacy_give"):
            by = "me" if record["direction"] == "out" else "them"
            self.legacy_gives.append(
                (contact_id, touchpoint_id, by, record["legacy_give"], occurred_at)
            )

    def give(self, record: dict[str, Any]) -> None:
        self._write_contacts()
        if self.ids.keep:
            fulfils = record["fulfils"]
        else:
            fulfils = None if record["fulfils"] is None else self.ids.asks.get(record["fulfils"])
        row = {
            "contact_id": self.ids.contact(record["contact_id"]),
            "touchpoint_id": self.ids.touchpoint(record["touchpoint_id"]),
            "given_by": record["by"],
            "what": record["what"],
            "given_at": self.writer.time(record["given_at"]),
            "fulfils": fulfils,
        }
        if self.ids.keep:
            self.writer.buffer("give", {"id": record["id"], **row})
            self.counts.gives_added += 1
            return
        if self._give_present(row):
            self.counts.gives_present += 1
            return
        self.writer.insert_one("give", row)
        self.counts.gives_added += 1

    def _give_present(self, row: dict[str, Any]) -> bool:
        found = self.writer.first_id(
            "SELECT id FROM give WHERE contact_id = :cid AND given_by = :by AND what = :what "
            "AND given_at = :at LIMIT 1",
            cid=row["contact_id"],
            by=row["given_by"],
            what=row["what"],
            at=row["given_at"],
        )
        return found is not None

    def finish(self) -> None:
        self._write_contacts()
        self.writer.flush()
        if self.ids.keep:
            self.writer.explicit_ids_written()
        self._write_legacy_gives()

    def _write_legacy_gives(self) -> None:
        """Version 1 gives, in touchpoint order, linked like the schema upgrade links them: to the
        done ask of the other side resolved at the moment of the give."""
        for contact_id, touchpoint_id, by, what, given_at in self.legacy_gives:
            row = {
                "contact_id": contact_id,
                "touchpoint_id": touchpoint_id,
                "given_by": by,
                "what": what,
                "given_at": given_at,
                "fulfils": None,
            }
            if self._give_present(row):
                self.counts.gives_present += 1
                continue
            row["fulfils"] = self.writer.first_id(
                "SELECT id FROM ask WHERE contact_id = :cid AND status = 'done' "
                "AND asked_by <> :by AND resolved_at = :at ORDER BY id LIMIT 1",
                cid=contact_id,
                by=by,
                at=given_at,
            )
            self.writer.insert_one("give", row)
            self.counts.gives_added += 1


def export_counts(session: Session) -> dict[str, int]:
    return {
        table + "s": _sql(session, f"SELECT count(*) FROM {table}").scalar_one()
        for table in ("contact", "touchpoint", "ask", "give")
    }


def _streamed(session: Session, sql: str) -> Iterator[tuple[Any, ...]]:
    return _fetch(session, sql)


def export_contacts(session: Session) -> Iterator[dict[str, Any]]:
    """Every contact, archived too, by id: contact dicts (docs/reference.md) without `last_touch`."""
    sql = f"SELECT {', '.join(CONTACT_FIELDS)} FROM contact ORDER BY id"
    for values in _streamed(session, sql):
        row = _decoded(dict(zip(CONTACT_FIELDS, values, strict=True)))
        row["created_at"] = from_db(row["created_at"])
        yield row


# The initiator's side of a touchpoint `t`, in SQL.
_INITIATOR_SQL = "CASE t.direction WHEN 'out' THEN 'me' ELSE 'them' END"


def export_touchpoints(session: Session) -> Iterator[dict[str, Any]]:
    """Every touchpoint by id: touchpoint dicts (docs/reference.md) without `answered`; `ask` and `give` are the
    initiator's (the asks and gives lists hold everyone's)."""
    sql = (
        "SELECT t.id, t.contact_id, t.occurred_at, t.channel, t.direction, t.two_way, t.note, "
        "(SELECT a.what FROM ask a WHERE a.touchpoint_id = t.id "
        f"AND a.asked_by = {_INITIATOR_SQL} ORDER BY a.id LIMIT 1), "
        "(SELECT g.what FROM give g WHERE g.touchpoint_id = t.id "
        f"AND g.given_by = {_INITIATOR_SQL} ORDER BY g.id LIMIT 1), t.no_reply, "
        "t.source, t.source_key, t.logged_by FROM touchpoint t ORDER BY t.id"
    )
    for row in _streamed(session, sql):
        (
            tid,
            cid,
            occurred_at,
            channel,
            direction,
            two_way,
            note,
            ask,
            give,
            no_reply,
            source,
            key,
            logged_by,
        ) = row
        yield {
            "id": tid,
            "contact_id": cid,
            "occurred_at": from_db(occurred_at),
            "channel": channel,
            "direction": direction,
            "two_way": bool(two_way),
            "note": note,
            "ask": ask,
            "give": give,
            "source": source,
            "source_key": key,
            "no_reply": bool(no_reply),
            "logged_by": logged_by,
        }


def export_asks(session: Session) -> Iterator[dict[str, Any]]:
    """Every ask by id: ask dicts (docs/reference.md) with `touchpoint_id`, without `days_open`."""
    sql = (
        "SELECT a.id, a.contact_id, a.touchpoint_id, c.name, a.asked_by, a.what, a.status, "
        "a.opened_at, a.resolved_at FROM ask a JOIN contact c ON c.id = a.contact_id ORDER BY a.id"
    )
    for aid, cid, tid, name, by, what, status, opened_at, resolved_at in _streamed(session, sql):
        yield {
            "id": aid,
            "contact_id": cid,
            "touchpoint_id": tid,
            "name": name,
            "by": by,
            "what": what,
            "status": status,
            "opened_at": from_db(opened_at),
            "resolved_at": from_db(resolved_at),
        }


def export_gives(session: Session) -> Iterator[dict[str, Any]]:
    """Every give by id (GIVE_KEYS)."""
    sql = (
        "SELECT g.id, g.contact_id, g.touchpoint_id, g.given_by, g.what, g.given_at, g.fulfils "
        "FROM give g ORDER BY g.id"
    )
    for gid, cid, tid, by, what, given_at, fulfils in _streamed(session, sql):
        yield {
            "id": gid,
            "contact_id": cid,
            "touchpoint_id": tid,
            "by": by,
            "what": what,
            "given_at": from_db(given_at),
            "fulfils": fulfils,
        }


# --- captured history -----------------------------------------------------------------------
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
    # captured records merged into touchpoints you typed (netkeep.reconcile.Matched)
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
        from netkeep.io.phones import normalise

        self.connection = session.connection()
        # A touchpoint already captured (its source and key) is skipped by the unique index.
        touchpoints = _table(Touchpoint)
        self.insert_touchpoint = dialect.insert_or_ignore(
            self.connection.dialect.name, touchpoints
        ).returning(touchpoints.c.id)
        from netkeep.reconcile import Reconciler

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
        for cid, name, emails, phone, note in _fetch(
            self.connection, "SELECT id, name, emails, phone, note FROM contact"
        ):
            row = {"emails": dialect.json_list(emails), "phone": phone, "note": note}
            self.rows[cid] = row
            self.names[cid] = name
            self._index(cid, row)
            folded = name.casefold()
            self.by_name[folded] = None if folded in self.by_name else cid

    def _index(self, cid: int, row: dict[str, Any]) -> None:
        from netkeep.io.capture import profile_url

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
        contact = _table(Contact)
        result = self.connection.execute(
            contact.insert().returning(contact.c.id),
            {
                "name": name,
                "emails": [party.email] if party.email else [],
                "phone": party.phone,
                "tags": [],
                "tier": self.settings.default_tier,
                "note": note,
                "created_at": _utc(self.now),
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
        from netkeep.io.capture import Skipped

        for item in touchpoints:
            if isinstance(item, Skipped):
                counts.skipped[item.reason] = counts.skipped.get(item.reason, 0) + 1
                continue
            counts.read += 1
            counts.messages += item.messages
            cid = self.contact_for(item.party, counts)
            if cid is None:
                continue
            if self._present(item):
                counts.present += 1  # asked first: a skipped insert may still take an id
                continue
            if self._reconciled(cid, item, counts):
                continue
            result = self.connection.execute(
                self.insert_touchpoint,
                {
                    "contact_id": cid,
                    "occurred_at": _utc(item.at),
                    "channel": item.channel,
                    "direction": item.direction,
                    "two_way": bool(item.two_way),
                    "note": item.note,
                    "source": item.source,
                    "source_key": item.key,
                    "no_reply": item.no_reply or self._accepted_invitation(cid, item),
                },
            )
            if result.first() is not None:  # no row back: it was there already
                counts.added += 1
                name = self.names[cid]
                counts.per_contact[name] = counts.per_contact.get(name, 0) + 1
            else:
                counts.present += 1

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
        rows = _fetch(
            self.connection,
            "SELECT 1 FROM touchpoint WHERE source = :source AND source_key = :key",
            {"source": item.source, "key": item.key},
            stream=False,
        )
        return next(rows, None) is not None

    def _reconciled(self, cid: int, item: Any, counts: SourceCounts) -> bool:
        """The record is a touchpoint you typed: merged into it (see netkeep.reconcile)."""
        match = self.reconciler.typed_match(
            cid, at=item.at, channel=item.channel, direction=item.direction
        )
        if match is None:
            return False
        from netkeep.reconcile import Matched

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

        contact = _table(Contact)
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


# --- pictures (netkeep report) ----------------------------------------------------------------
# Aggregates the pictures need beyond the listings: counted in SQL, active contacts only.


def touch_days(session: Session, *, since: datetime, until: datetime) -> list[tuple[Any, ...]]:
    """Touchpoints per local day in [since, until): (YYYY-MM-DD, yours, theirs, heard), where
    `heard` counts what came from them: their touchpoints and the live exchanges you started."""
    bucket, day = dialect.local_quarter_hours(_engine_name(session), "t.occurred_at")
    sql = f"""
        SELECT {day} AS day, sum(mine), sum(theirs), sum(heard)
        FROM (SELECT {bucket} AS q,
                     {_count_where("t.direction = 'out'")} AS mine,
                     {_count_where("t.direction = 'in'")} AS theirs,
                     {_count_where("t.direction = 'in' OR t.two_way")} AS heard
              FROM touchpoint t JOIN contact c ON c.id = t.contact_id
              WHERE NOT c.archived AND t.occurred_at >= :since AND t.occurred_at < :until
              GROUP BY q) per_quarter
        GROUP BY day ORDER BY day
    """
    days: dict[str, list[int]] = {}
    for when, mine, theirs, heard in _sql(session, sql, {"since": since, "until": until}):
        tally = days.setdefault(dialect.local_day(when), [0, 0, 0])
        for index, count in enumerate((mine, theirs, heard)):
            tally[index] += int(count)
    return [(day, *tally) for day, tally in sorted(days.items())]


def _count_where(condition: str) -> str:
    """SQL counting the rows where `condition` holds (a portable `count(*) FILTER`)."""
    return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def ask_changes(session: Session, *, since: datetime, until: datetime) -> tuple[int, int]:
    """How many asks of active contacts were opened, and how many resolved, in [since, until)."""
    sql = (
        f"SELECT {_count_where('a.opened_at >= :since AND a.opened_at < :until')}, "
        f"{_count_where('a.resolved_at >= :since AND a.resolved_at < :until')} "
        "FROM ask a JOIN contact c ON c.id = a.contact_id WHERE NOT c.archived "
        "AND ((a.opened_at >= :since AND a.opened_at < :until) "
        "OR (a.resolved_at >= :since AND a.resolved_at < :until))"
    )
    opened, closed = _sql(session, sql, {"since": since, "until": until}).one()
    return int(opened or 0), int(closed or 0)


def weekly_touches(
    session: Session, contact_ids: Iterable[int], *, until: datetime, weeks: int
) -> dict[int, list[int]]:
    """Touchpoints per contact in each of the `weeks` weeks before `until`, oldest week first."""
    ids = list(contact_ids)
    counts = {cid: [0] * weeks for cid in ids}
    if not ids:
        return counts
    engine = _engine_name(session)
    weeks_ago_sql = dialect.whole_weeks_between(engine, ":until", "t.occurred_at")
    sql = (
        f"SELECT t.contact_id, {weeks_ago_sql}, count(*) FROM touchpoint t "
        "WHERE t.contact_id IN :ids AND t.occurred_at >= :since AND t.occurred_at < :until "
        "GROUP BY 1, 2"
    )
    since = until - timedelta(weeks=weeks)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        params = {"ids": chunk, "since": since, "until": until}
        for cid, weeks_ago, count in _sql(session, sql, params):
            if 0 <= weeks_ago < weeks:
                counts[cid][weeks - 1 - weeks_ago] += count
    return counts


def last_heard(session: Session) -> dict[int, datetime | None]:
    """Per active contact, the latest time they reached you or you talked live (None: never)."""
    sql = f"SELECT c.id, {LAST_REPLY_SQL} FROM contact c WHERE NOT c.archived"
    return {cid: from_db(last) for cid, last in _fetch(session, sql)}


def busiest_contacts(session: Session, *, since: datetime, limit: int) -> list[tuple[Any, ...]]:
    """(id, name, touchpoints) of the active contacts with the most touchpoints since `since`."""
    sql = (
        "SELECT t.contact_id, c.name, count(*) AS n FROM touchpoint t "
        "JOIN contact c ON c.id = t.contact_id WHERE NOT c.archived AND t.occurred_at >= :since "
        "GROUP BY t.contact_id, c.name ORDER BY n DESC, t.contact_id LIMIT :limit"
    )
    return list(_fetch(session, sql, {"since": since, "limit": limit}))


def _bands_at(
    raw: Any, moments: list[datetime], scoring: Any, **which: Any
) -> list[dict[str, int]]:
    """Band counts at each moment: every contact's history up to it, scored as of then."""
    import bisect
    from dataclasses import replace

    from netkeep.scoring import score_contact

    tallies: list[dict[str, int]] = [{} for _ in moments]
    stamps = [moment.timestamp() for moment in moments]
    which = {key: value for key, value in which.items() if value is not None}
    for _cid, _name, touchpoints, asks, gives in histories(raw, **which):
        times = [row[1] for row in touchpoints]
        for index, moment in enumerate(moments):
            known = bisect.bisect_right(times, stamps[index])
            if not known:
                continue
            then_asks = [
                replace(ask, status="open", resolved_at=None)
                if ask.resolved_at is not None and ask.resolved_at > moment
                else ask
                for ask in asks
                if ask.opened_at <= moment
            ]
            then_gives = [give for give in gives if give.given_at <= moment]
            band = score_contact(
                touchpoints[:known], then_asks, now=moment, settings=scoring, gives=then_gives
            )
            tallies[index][band["band"]] = tallies[index].get(band["band"], 0) + 1
    return tallies


def _bands_in_range(
    path: str,
    snapshot: str | None,
    moments: list[datetime],
    scoring: Any,
    id_range: tuple[int, int],
) -> list[dict[str, int]]:
    """One share of the monthly band mix in a forked helper process, reading like `score`'s."""
    with _reading(path, snapshot) as raw:
        return _bands_at(raw, moments, scoring, id_range=id_range)


def band_history(
    session: Session, *, moments: list[datetime], settings: Any
) -> list[dict[str, int]]:
    """How many active contacts were in each band at each moment (contacts with at least one
    touchpoint by then), scored by the same function as `score`, split over cores like it."""
    scoring = settings.scoring
    raw = session.connection()
    shares = _shares(raw)
    if len(shares) < 2:
        return _bands_at(raw, moments, scoring)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    path = str(dialect.store_location(raw))  # there is one: `_shares` split the work
    snapshot = dialect.export_snapshot(raw)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(shares), mp_context=context) as pool:
        count = len(shares)
        parts = list(
            pool.map(
                _bands_in_range,
                [path] * count,
                [snapshot] * count,
                [moments] * count,
                [scoring] * count,
                shares,
            )
        )
    tallies: list[dict[str, int]] = [{} for _ in moments]
    for part in parts:
        for index, counts in enumerate(part):
            for band, count in counts.items():
                tallies[index][band] = tallies[index].get(band, 0) + count
    return tallies

"""Contacts: finding one from what a person typed, adding, listing, merging and deleting them, and
the rows staleness is computed from."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from netkeep import dialect
from netkeep.dates import from_db, to_db
from netkeep.errors import AmbiguousContact, BadInput, ContactNotFound
from netkeep.fields import id_of
from netkeep.models import Contact
from netkeep.names import words
from netkeep.store import _sql
from netkeep.text import unique


def contact_row(row: Any) -> dict[str, Any]:
    """A raw `_sql.CONTACT_COLUMNS` row (plus optional extras) as a contact dict (docs/reference.md)."""
    data = decoded(dict(row._mapping))
    data["created_at"] = from_db(data["created_at"])
    if "last_touch" in data:
        data["last_touch"] = from_db(data["last_touch"])
    return data


def decoded(row: dict[str, Any]) -> dict[str, Any]:
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

    found: dict[int, tuple[dict[str, Any], str]] = {}
    for email in emails:
        for person_id, other in _sql.run(session, _with_email_sql(session), {"email": email}):
            found.setdefault(person_id, ({"id": person_id, "name": other}, f"same email {email}"))
    folded = words(name)
    if folded:
        for person_id, other in _sql.fetch(session, "SELECT id, name FROM contact"):
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
    emails = dialect.json_elements(_sql.engine_name(session), "c.emails", "e")
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
        rows = _sql.run(session, _with_email_sql(session), {"email": ref}).all()
        if len(rows) == 1:
            return contact_by_id(session, rows[0][0])
        if len(rows) > 1:
            _ambiguous(ref, [tuple(row) for row in rows])

    # Fast path: an exact name in ASCII case is one index lookup, whatever the size of the network.
    same_name = dialect.equals_any_case(_sql.engine_name(session), "name", "name")
    exact = _sql.run(session, f"SELECT id FROM contact WHERE {same_name}", {"name": ref}).all()
    if len(exact) == 1:
        return contact_by_id(session, exact[0][0])

    from netkeep import names

    everyone = list(_sql.fetch(session, "SELECT id, name FROM contact"))
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
    name = _sql.engine_name(session)
    where, params = _filters(name, tag=tag, tier=tier, include_archived=include_archived)
    sql = (
        f"SELECT {_sql.CONTACT_COLUMNS}, {_sql.LAST_TOUCH_SQL} AS last_touch FROM contact c "
        f"{where} ORDER BY {dialect.order_any_case(name, 'c.name')}, c.id"
    )
    return [contact_row(row) for row in _sql.run(session, sql, params)]


def count_contacts(
    session: Session,
    *,
    tag: str | None = None,
    tier: str | None = None,
    include_archived: bool = False,
) -> int:
    where, params = _filters(
        _sql.engine_name(session), tag=tag, tier=tier, include_archived=include_archived
    )
    count: int = _sql.run(session, f"SELECT count(*) FROM contact c {where}", params).scalar_one()
    return count


def tags_in_use(session: Session, *, include_archived: bool = False) -> list[str]:
    """The tags contacts carry, each once (in the case first seen), alphabetically."""
    where = "" if include_archived else "WHERE NOT c.archived"
    tags = dialect.json_elements(_sql.engine_name(session), "c.tags", "g")
    sql = f"SELECT DISTINCT g.value FROM contact c, {tags} {where}"
    seen: dict[str, str] = {}
    for (tag,) in _sql.run(session, sql):
        seen.setdefault(tag.casefold(), tag)
    return [seen[key] for key in sorted(seen)]


def tiers_in_use(session: Session, *, include_archived: bool = False) -> list[str]:
    where = "" if include_archived else "WHERE NOT c.archived"
    sql = f"SELECT DISTINCT c.tier FROM contact c {where} ORDER BY c.tier"
    return [tier for (tier,) in _sql.run(session, sql)]


def _filters(
    name: str,
    *,
    tag: str | None,
    tier: str | None,
    include_archived: bool,
    as_of: datetime | None = None,
) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = _sql.as_of_params(as_of)
    if not include_archived:
        clauses.append("NOT c.archived")
    if as_of is not None:
        clauses.append(_sql.EXISTED_SQL)
    if tier:
        clauses.append("c.tier = :tier")
        params["tier"] = tier
    if tag:
        tags = dialect.json_elements(name, "c.tags", "g")
        clauses.append(f"EXISTS (SELECT 1 FROM {tags} WHERE lower(g.value) = lower(:tag))")
        params["tag"] = tag
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def last_touch(session: Session, contact_id: int) -> datetime | None:
    value = _sql.run(
        session,
        "SELECT MAX(occurred_at) FROM touchpoint WHERE contact_id = :cid",
        {"cid": contact_id},
    ).scalar()
    return from_db(value)


def delete_contact(session: Session, *, contact: Contact) -> dict[str, int]:
    """Delete a contact with its touchpoints and asks; returns how many of each went."""
    counts = {
        "touchpoints": _sql.run(
            session, "SELECT count(*) FROM touchpoint WHERE contact_id = :cid", {"cid": contact.id}
        ).scalar_one(),
        "asks": _sql.run(
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
    engine = _sql.engine_name(session)
    where, params = _filters(engine, tag=tag, tier=tier, include_archived=False, as_of=as_of)
    if mine:
        where += f" AND {_sql.logged_by_me_sql(engine, as_of)}"
    sql = (
        f"SELECT c.id, c.name, c.tier, c.cadence, c.tags, c.created_at, {_sql.last_touch_sql(as_of)}, "
        "(SELECT count(*) FROM touchpoint u WHERE u.contact_id = c.id "
        f"AND u.occurred_at > {dialect.time_or_earliest(engine, _sql.last_reply_sql(as_of))}"
        f"{_sql.until('u.occurred_at', as_of)}) "
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
        for cid, name, tier_name, cadence, tags, created_at, last, unanswered in _sql.fetch(
            session, sql, params
        )
    ]


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
        moved[table] = _sql.run(
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

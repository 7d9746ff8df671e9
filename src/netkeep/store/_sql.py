"""What the store's modules share: SQL fragments, the as-of clauses, and the two ways to run SQL.

One way to the database, SQLAlchemy, on SQLite and PostgreSQL alike (docs/store.md): single-row
writes through the SQLModel tables, bulk writes through Core inserts with a list of dicts, and SQL
text with named binds for the rest (`run`, and `fetch` for bulk reads). What differs between the
engines comes from netkeep.dialect. Listings are aggregated in SQL and come back as plain dicts
keyed as netkeep's JSON (docs/reference.md), times as aware UTC datetimes, never as one ORM object
per row.

`--as-of WHEN` shows the network as it stood then: contacts created by then, the touchpoints, asks
and gives that had happened, and each ask in the status it had then (one resolved later was still
open). Every query takes `as_of` (None: now) and narrows itself with the fragments here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Connection, CursorResult
from sqlmodel import Session

from netkeep import dialect
from netkeep.dates import from_db

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


# A contact existed at `as_of` when it was created by then, or you were already in touch (history
# logged after the fact counts from its first touchpoint).
EXISTED_SQL = (
    "(c.created_at <= :as_of OR EXISTS (SELECT 1 FROM touchpoint e WHERE e.contact_id = c.id "
    "AND e.occurred_at <= :as_of))"
)


def until(column: str, as_of: datetime | None) -> str:
    """` AND <column> <= :as_of`, or nothing without an as-of date."""
    return "" if as_of is None else f" AND {column} <= :as_of"


def as_of_params(as_of: datetime | None) -> dict[str, Any]:
    return {} if as_of is None else {"as_of": as_of}


def ask_status_sql(as_of: datetime | None) -> tuple[str, str]:
    """SQL for an ask's status and resolved_at as they stood at `as_of`."""
    if as_of is None:
        return "a.status", "a.resolved_at"
    return (
        "CASE WHEN a.resolved_at > :as_of THEN 'open' ELSE a.status END",
        "CASE WHEN a.resolved_at > :as_of THEN NULL ELSE a.resolved_at END",
    )


def logged_by_me_sql(engine: str, as_of: datetime | None) -> str:
    """Contact `c` has a touchpoint logged by the running member (by `as_of`); always true in a
    file, which is all its one member's."""
    if dialect.one_member(engine):
        return "1 = 1"
    return (
        "EXISTS (SELECT 1 FROM touchpoint m WHERE m.contact_id = c.id AND "
        f"{dialect.logged_by_me(engine, 'm.logged_by')}{until('m.occurred_at', as_of)})"
    )


def on_my_touchpoint_sql(engine: str, column: str) -> str:
    """The row's touchpoint (`column`) was logged by the running member (always, in a file)."""
    if dialect.one_member(engine):
        return "1 = 1"
    return (
        f"EXISTS (SELECT 1 FROM touchpoint m WHERE m.id = {column} AND "
        f"{dialect.logged_by_me(engine, 'm.logged_by')})"
    )


def last_touch_sql(as_of: datetime | None) -> str:
    if as_of is None:
        return LAST_TOUCH_SQL
    return (
        "(SELECT MAX(t.occurred_at) FROM touchpoint t WHERE t.contact_id = c.id"
        f"{until('t.occurred_at', as_of)})"
    )


def last_reply_sql(as_of: datetime | None) -> str:
    if as_of is None:
        return LAST_REPLY_SQL
    return (
        "(SELECT r.occurred_at FROM touchpoint r WHERE r.contact_id = c.id "
        f"AND (r.direction = 'in' OR r.two_way){until('r.occurred_at', as_of)} "
        "ORDER BY r.occurred_at DESC LIMIT 1)"
    )


def engine_name(session: Session | Connection) -> str:
    """ "sqlite" or "postgresql": which pieces of netkeep.dialect the SQL here needs."""
    return session.get_bind().dialect.name if isinstance(session, Session) else session.dialect.name


def bind_values(name: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Bind values with times in the form the engine compares them in."""
    return {
        key: dialect.time_param(name, value) if isinstance(value, datetime) else value
        for key, value in params.items()
    }


def run(
    session: Session | Connection, sql: str, params: Mapping[str, Any] | None = None
) -> CursorResult[*tuple[Any, ...]]:
    """Run SQL with named binds in the session's transaction; datetimes may be passed as binds."""
    connection = session.connection() if isinstance(session, Session) else session
    statement = text(sql)
    expanding = [key for key, value in (params or {}).items() if isinstance(value, list | tuple)]
    if expanding:
        statement = statement.bindparams(*(bindparam(key, expanding=True) for key in expanding))
    return connection.execute(statement, bind_values(connection.dialect.name, params or {}))


def fetch(
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
    values = bind_values(engine, params or {})
    args: Any = (
        tuple(values[key] for key in compiled.positiontup or ()) if compiled.positional else values
    )
    if not stream:
        raw = connection.connection.dbapi_connection  # below SQLAlchemy: a look-up per record
        return iter(raw.execute(compiled.string, args).fetchall())  # type: ignore[union-attr]
    cursor = dialect.streaming_cursor(connection)
    cursor.execute(compiled.string, args)
    return itertools.chain.from_iterable(iter(lambda: cursor.fetchmany(IMPORT_CHUNK), []))


# `fetch`'s statements compiled per engine ("sqlite" or "postgresql") and SQL text.
_COMPILED: dict[tuple[str, str], Any] = {}


def ask_sql(as_of: datetime | None) -> str:
    status, resolved_at = ask_status_sql(as_of)
    return (
        "SELECT a.id, a.contact_id, c.name, a.asked_by AS by, a.what, "
        f"{status} AS status, a.opened_at, {resolved_at} AS resolved_at, a.touchpoint_id "
        "FROM ask a JOIN contact c ON c.id = a.contact_id"
    )


def ask_dict(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data["opened_at"] = from_db(data["opened_at"])
    data["resolved_at"] = from_db(data["resolved_at"])
    return data


# Bulk work on the session's connection, inside the command's transaction: rows go in through Core
# inserts with executemany (a list of dicts) and come out of a plain cursor (`fetch`), never as one
# ORM object per row. Ids come from the database; only a lossless import into a database that never
# gave an id keeps the file's own.

IMPORT_CHUNK = 10_000  # rows per executemany


def table_of(model: Any) -> Table:
    """The Core table of a SQLModel table class."""
    table: Table = model.__table__
    return table


def untyped_table(model: Any) -> Table:
    """A table with its integer id but no other column types, for bulk rows whose values are
    already in the engine's form (`RowWriter.time`, JSON text): SQLAlchemy then skips
    its per-value processing, which would cost more than the insert itself."""
    from sqlalchemy import Column, Integer, MetaData

    others: list[Column[Any]] = [
        Column(col.name) for col in table_of(model).columns if col.name != "id"
    ]
    return Table(model.__tablename__, MetaData(), Column("id", Integer, primary_key=True), *others)


@overload
def utc(moment: datetime) -> datetime: ...
@overload
def utc(moment: None) -> None: ...
def utc(moment: datetime | None) -> datetime | None:
    """A time for a Core insert: SQLite's DATETIME writes the fields it is given, so in UTC."""
    return None if moment is None else moment.astimezone(UTC)

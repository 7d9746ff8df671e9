"""Everything that differs between SQLite and PostgreSQL, in one file a reader can audit.

Code elsewhere asks for the piece it needs by dialect name (`session.get_bind().dialect.name`:
"sqlite" or "postgresql"). Importing this module is cheap: nothing of PostgreSQL's is imported
until a server connection is made.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.types import JSON, DateTime, TypeDecorator

from netkeep.errors import RuntimeFailure

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy import Table
    from sqlalchemy.engine import Connection
    from sqlalchemy.sql.dml import Insert

# Connections, transactions, DDL and errors
# --------------------------------------------------------------------------------------------------

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

# Advisory lock keys on the server: b"netkeep" as a number, and the next one. Every write command
# holds the first for its transaction (one writer at a time, as SQLite's write lock gives); a
# schema upgrade holds the second for its session, so two members never upgrade at once.
WRITE_LOCK_KEY = 31073798130591088
MIGRATION_LOCK_KEY = WRITE_LOCK_KEY + 1

WRITE_LOCK_SQL = f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})"
MIGRATION_LOCK_SQL = f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"
MIGRATION_UNLOCK_SQL = f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"
# The first write creates the tables in its own transaction, holding the lock to its end.
MIGRATION_XACT_LOCK_SQL = f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"

# The session setting that switches the journal's triggers on (see netkeep.journal): the running
# command's journal entry id, local to its transaction.
JOURNAL_SETTING = "netkeep.journal"

# How long a connection attempt may take before it is reported as "cannot connect".
CONNECT_TIMEOUT_SECONDS = 10


def sqlite_begin(*, write: bool) -> str:
    """Writers take SQLite's write lock up front, so two never deadlock upgrading a read lock."""
    return "BEGIN IMMEDIATE" if write else "BEGIN"


def server_connect_args(query: dict[str, Any], *, busy_seconds: float) -> dict[str, Any]:
    """libpq parameters for every server connection: times in UTC (so TIMESTAMPTZ values come
    back as UTC and text times bound by store code mean UTC), the busy timeout as `lock_timeout`,
    and a name in pg_stat_activity. Options the URL already carries are kept. They travel in the
    connection's start-up packet: no SET statement, no round trip of their own.

    JIT compilation is off: netkeep's statements are index walks whose estimated cost crosses
    PostgreSQL's JIT thresholds on a large network, and compiling them took longer (0.1-0.3 s a
    statement) than it saved."""
    settings = f"-c TimeZone=UTC -c lock_timeout={max(1, round(busy_seconds * 1000))} -c jit=off"
    given = query.get("options")
    args: dict[str, Any] = {
        "options": f"{given} {settings}" if given else settings,
        "application_name": query.get("application_name", "netkeep"),
    }
    if "connect_timeout" not in query:
        args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return args


def read_options() -> dict[str, Any]:
    """Execution options of a read command on the server: one consistent snapshot, no writes."""
    return {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}


# netkeep's tables: a server database that has one of them but no netkeep record is refused.
NETKEEP_TABLES = ("contact", "touchpoint", "ask", "give", "undo_command", "undo_step")


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time. SQLite keeps naive UTC text (as netkeep always has); PostgreSQL keeps
    TIMESTAMPTZ. Either way the ORM hands store code what SQLite gives: naive UTC."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == POSTGRESQL:
            return dialect.type_descriptor(DateTime(timezone=True))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or dialect.name != POSTGRESQL:
            return value
        if value.tzinfo is None:  # naive means UTC, as in the SQLite file
            return value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC).replace(tzinfo=None)


class JsonList(TypeDecorator[Any]):
    """A JSON list (emails, tags): JSON text on SQLite, JSONB on PostgreSQL."""

    impl = JSON
    cache_ok = True
    hashable = False  # as JSON: lists cannot be hashed when the ORM uniques rows

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == POSTGRESQL:
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


def _first_line(text: str) -> str:
    return " ".join(text.strip().split("\n")[0].split())


def failure(exc: BaseException, where: str, *, busy_seconds: float) -> RuntimeFailure:
    """A database error as one line for the user: by SQLSTATE on the server, by SQLite's message
    on a file. `where` names the store (a server URL without its password)."""
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None)
    text = str(orig)
    if sqlstate is not None or type(orig).__module__.startswith("psycopg"):
        return _server_failure(sqlstate, text, where, busy_seconds)
    return _sqlite_failure(text, where, busy_seconds)


def _sqlite_failure(text: str, path: str, busy_seconds: float) -> RuntimeFailure:
    if "locked" in text or "busy" in text:
        return RuntimeFailure(
            f"database {path} is locked by another process (waited {busy_seconds:g} s)"
        )
    if "not a database" in text:
        return RuntimeFailure(f"{path} is not a netkeep database (not a SQLite file)")
    if "readonly" in text or "read-only" in text:
        return RuntimeFailure(
            f"database {path} is read-only (netkeep needs write access to it and its folder)"
        )
    if "unable to open" in text:
        return RuntimeFailure(f"cannot open database {path}")
    return RuntimeFailure(f"database {path}: {text}")


# SQLSTATE → message (PostgreSQL's documented error codes, appendix A).
_SERVER_MESSAGES = {
    "55P03": "database {where} is locked by another netkeep (waited {busy:g} s)",
    "57014": "database {where}: the command was cancelled ({detail})",
    "42501": "database {where}: permission denied; the database role lacks a privilege "
    "netkeep needs ({detail})",
    "28P01": "cannot connect to {where}: authentication failed",
    "28000": "cannot connect to {where}: authentication failed ({detail})",
    "3D000": "cannot connect to {where}: the database does not exist",
    "53300": "cannot connect to {where}: the server has too many connections",
    "40001": "database {where}: the command conflicted with another one; run it again",
    "40P01": "database {where}: the command conflicted with another one; run it again",
    "25006": "database {where} is read-only here (a standby server?)",
}


def _server_failure(
    sqlstate: str | None, text: str, where: str, busy_seconds: float
) -> RuntimeFailure:
    detail = _first_line(text)
    if sqlstate == "42501" and "may not record touchpoints as" in text:
        # netkeep's own trigger: a member wrote a touchpoint under another member's name.
        return RuntimeFailure(f"database {where}: {detail} (a member logs as themselves only)")
    if sqlstate == "42501" and "may not change or delete a touchpoint" in text:
        # netkeep's own trigger: members change and delete only the touchpoints they logged.
        return RuntimeFailure(
            f"database {where}: {detail} (a member changes and deletes only their own "
            "touchpoints; contacts with a colleague's touchpoints stay)"
        )
    if sqlstate in _SERVER_MESSAGES:
        message = _SERVER_MESSAGES[sqlstate]
        return RuntimeFailure(message.format(where=where, busy=busy_seconds, detail=detail))
    lowered = text.lower()
    if "password authentication failed" in lowered or "authentication failed" in lowered:
        return RuntimeFailure(f"cannot connect to {where}: authentication failed")
    if "does not exist" in lowered and "database" in lowered and sqlstate is None:
        return RuntimeFailure(f"cannot connect to {where}: the database does not exist")
    if sqlstate is None or sqlstate.startswith(("08", "57P")):
        # libpq's own failures (refused, unknown host, timeout) carry no SQLSTATE.
        reason = detail.split("failed: ")[-1] if "failed: " in detail else detail
        return RuntimeFailure(f"cannot connect to {where}: {reason}")
    return RuntimeFailure(f"database {where}: {detail} (SQLSTATE {sqlstate})")


# SQL expressions
# Store code asks for each piece by dialect name (`connection.dialect.name`: "sqlite" or
# "postgresql") and pastes the SQL text it gets into its own statements, which use named binds.
# On SQLite, times are naive UTC text ('YYYY-MM-DD HH:MM:SS.ffffff', as SQLModel writes them) and
# lists are JSON text; on PostgreSQL they are TIMESTAMPTZ and JSONB.


def one_member(name: str) -> bool:
    """Whether the store has one member only, who logged everything in it (even history imported
    under other names): a file. On a server each member is a database role."""
    return name != POSTGRESQL


def logged_by_me(name: str, column: str) -> str:
    """A condition: the touchpoint's `logged_by` column names the member running netkeep."""
    return "1 = 1" if one_member(name) else f"{column} = current_user"


def current_member(name: str) -> str:
    """SQL naming the member running netkeep: the database role on a server, `me` in a file."""
    return "current_user" if name == POSTGRESQL else "'me'"


def json_elements(name: str, column: str, alias: str) -> str:
    """A FROM item listing the strings of a JSON list column as `<alias>.value`."""
    if name == POSTGRESQL:
        return f"jsonb_array_elements_text({column}) AS {alias}(value)"
    return f"json_each({column}) {alias}"


# SQLite's date functions count whole milliseconds since the Julian epoch (rounded), which is
# this many milliseconds before 1970.
_UNIX_EPOCH_JULIAN_MS = 210_866_760_000_000


def epoch_seconds(name: str, column: str) -> str:
    """A time column as seconds since 1970 (a float), computed by the database.

    PostgreSQL repeats SQLite's arithmetic (milliseconds since the Julian epoch, then the same
    double operations), so scores come out the same on both engines."""
    if name == POSTGRESQL:
        # SQLite reads the seconds as a double (whole seconds + microseconds / 1e6) and rounds
        # them to milliseconds in double arithmetic. date_part() computes exactly that double
        # (whole seconds + microseconds / 1000000.0) and works in doubles throughout, where
        # EXTRACT works in numeric, several times slower on a million rows; the whole minutes
        # are exact in a double.
        seconds = f"date_part('second', {column})"
        minute_ms = f"date_part('epoch', date_trunc('minute', {column})) * 1000"
        julian_ms = f"({minute_ms} + {_UNIX_EPOCH_JULIAN_MS} + floor({seconds} * 1000 + 0.5))"
        return f"({julian_ms} / 86400000.0 - 2440587.5) * 86400.0"
    return f"(julianday({column}) - 2440587.5) * 86400.0"


def days_between(name: str, later: str, earlier: str) -> str:
    """Fractional days from `earlier` to `later` (both time expressions)."""
    if name == POSTGRESQL:
        return f"(EXTRACT(EPOCH FROM ({later}) - ({earlier})) / 86400.0)"
    return f"(julianday({later}) - julianday({earlier}))"


def whole_weeks_between(name: str, later: str, earlier: str) -> str:
    """Whole weeks from `earlier` to `later`, truncated toward zero like SQLite's CAST."""
    days = days_between(name, later, earlier)
    if name == POSTGRESQL:
        return f"CAST(trunc({days} / 7) AS INTEGER)"
    return f"CAST({days} / 7 AS INTEGER)"


def time_or_earliest(name: str, expression: str) -> str:
    """A time expression that may be NULL, NULL meaning before every time (so `t > it` holds)."""
    if name == POSTGRESQL:
        return f"COALESCE({expression}, '-infinity'::timestamptz)"
    return f"COALESCE({expression}, '')"


def equals_any_case(name: str, column: str, bind: str) -> str:
    """`column` equals the bind `:bind` ignoring ASCII case, by the index each engine has on it
    (SQLite: a NOCASE index; PostgreSQL: a lower() expression index)."""
    if name == POSTGRESQL:
        return f"lower({column}) = lower(:{bind})"
    return f"{column} = :{bind} COLLATE NOCASE"


def order_any_case(name: str, column: str) -> str:
    """An ORDER BY key sorting `column` ignoring ASCII case, byte order otherwise (both engines
    sort alike, whatever the server's locale)."""
    if name == POSTGRESQL:
        return f'lower({column}) COLLATE "C"'
    return f"{column} COLLATE NOCASE"


def local_quarter_hours(name: str, column: str) -> tuple[str, str]:
    """(SQL of a UTC quarter-hour bucket of a time column, SQL of that bucket's local day).

    Counting per quarter hour first (every time zone's offset is a whole number of quarter hours)
    means the local-time conversion runs per bucket, not per row. SQLite converts to the process's
    local time itself; PostgreSQL gives the bucket's start, and `local_day` converts it.
    """
    if name == POSTGRESQL:
        bucket = (
            f"date_trunc('hour', {column}) + "
            f"floor(EXTRACT(MINUTE FROM {column}) / 15) * interval '15 minutes'"
        )
        return bucket, "q"
    bucket = f"substr({column}, 1, 14) || (substr({column}, 15, 2) / 15)"
    # `\\:` keeps SQLAlchemy's text() from reading ':00' as a bind.
    day = (
        r"date(substr(q, 1, 13) || '\:00', '+' || (substr(q, 15) * 15) || ' minutes', 'localtime')"
    )
    return bucket, day


def local_day(value: Any) -> str:
    """The local day (YYYY-MM-DD) of what `local_quarter_hours`' day SQL returned."""
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d")
    return str(value)


def time_param(name: str, moment: datetime) -> Any:
    """A bind value for comparing with stored times: SQLite compares naive UTC text."""
    if name == POSTGRESQL:
        return moment.astimezone(UTC)
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def json_list(value: str | list[str] | None) -> list[str]:
    """A JSON list column as read: text on SQLite, already decoded (JSONB) on PostgreSQL."""
    if isinstance(value, list):
        return value
    return [] if not value or value == "[]" else list(json.loads(value))


def ids_ever_given(connection: Connection, table: str) -> bool:
    """Whether `table` holds a row or its id counter ever gave an id."""
    from sqlalchemy import text

    if connection.dialect.name == POSTGRESQL:
        sql = (
            f"SELECT EXISTS (SELECT 1 FROM {table}) OR pg_sequence_last_value("
            "CAST(pg_get_serial_sequence(:table, 'id') AS regclass)) IS NOT NULL"
        )
    else:
        sql = (
            f"SELECT EXISTS (SELECT 1 FROM {table}) OR EXISTS (SELECT 1 FROM sqlite_sequence "
            "WHERE name = :table AND seq > 0)"
        )
    return bool(connection.execute(text(sql), {"table": table}).scalar())


_cursor_names = itertools.count(1)


def streaming_cursor(connection: Connection) -> Any:
    """A DBAPI cursor on the connection that hands rows over as they are fetched: SQLite's always
    does; psycopg's default one reads the whole result first, so on PostgreSQL it is a server-side
    (named) cursor, which lives until the command's transaction ends. Its rows come in binary
    form: numbers and times are decoded without parsing text (a third less client time on a
    million rows), into the same Python values as the text form gives."""
    raw: Any = connection.connection.dbapi_connection
    if connection.dialect.name == POSTGRESQL:
        return raw.cursor(name=f"netkeep_rows_{next(_cursor_names)}", binary=True)
    return raw.cursor()


def insert_with_ids(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows without ids in one executemany; the ids the database gave them, in the rows'
    order.

    RETURNING cannot be tied to parameter sets on SQLite (SQLAlchemy would then insert one row at
    a time), and on PostgreSQL only with column types that bulk rows leave out. Both engines give
    ids in insertion order, each above every id given before (AUTOINCREMENT; an identity, advanced
    past explicit ids by `after_explicit_ids`), and the command's write lock keeps other writers
    out: the new rows are the ones above the largest id before, in id order.
    """
    from sqlalchemy import func, select

    before = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    connection.execute(table.insert(), rows)
    given = select(table.c.id).where(table.c.id > before).order_by(table.c.id)
    ids = list(connection.execute(given).scalars())
    if len(ids) != len(rows):
        raise RuntimeError(f"{table.name}: {len(rows)} rows inserted, {len(ids)} found")
    return ids


def insert_or_ignore(name: str, table: Table) -> Insert:
    """An INSERT that skips rows a unique index already holds."""
    if name == POSTGRESQL:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def prepare_bulk_write(connection: Connection) -> None:
    """Tune this connection for a large import (inside the command's transaction)."""
    if connection.dialect.name != POSTGRESQL:
        # Inserting into the touchpoint index in contact order touches pages all over it, and
        # SQLite's default 2 MB page cache makes a million-row import crawl (KiB, this
        # connection only).
        connection.exec_driver_sql(f"PRAGMA cache_size = -{128 * 1024}")


def after_explicit_ids(connection: Connection, table: str) -> None:
    """After rows were written with ids of their own: the next id given goes above them.
    SQLite's AUTOINCREMENT counter follows by itself; a PostgreSQL identity does not."""
    if connection.dialect.name == POSTGRESQL:
        from sqlalchemy import text

        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table}), 1), "
                f"(SELECT MAX(id) FROM {table}) IS NOT NULL)"
            ),
            {"table": table},
        )


def store_location(connection: Connection) -> str | None:
    """What a second connection needs to open the same store: the SQLite file's path or the
    server URL (with its password: it is handed to a helper process, never shown); None for an
    in-memory database, which no other connection can see."""
    if connection.dialect.name == POSTGRESQL:
        return connection.engine.url.render_as_string(hide_password=False)
    path: str = connection.exec_driver_sql("PRAGMA database_list").fetchone()[2]  # type: ignore[index]
    return path or None


def export_snapshot(connection: Connection) -> str | None:
    """The snapshot of the connection's transaction, for a command's helper processes to read
    exactly what the command reads (PostgreSQL keeps it while the transaction lasts). None on
    SQLite, which cannot share one between processes: a helper reads the latest committed data."""
    if connection.dialect.name != POSTGRESQL:
        return None
    snapshot: str = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    return snapshot


_SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


def import_snapshot_sql(snapshot: str) -> str:
    """The first statement of a helper's transaction: read in the command's snapshot. (SET
    TRANSACTION takes no parameters; the id is checked to be one pg_export_snapshot gives.)"""
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"not a snapshot id: {snapshot!r}")
    return f"SET TRANSACTION SNAPSHOT '{snapshot}'"


# What the sqlite3 module raises when netkeep works on a SQLite file itself (`backup`).
SQLITE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,)


def sqlite_file_check(path: Path) -> str:
    """SQLite's own check of a database file ("ok", or what is wrong): `backup` checks its copy."""
    from netkeep.db_path import sqlite_uri

    # Read-write although it only reads: the last read-write connection to close removes the
    # -wal and -shm files that opening a WAL copy creates; a read-only one leaves them behind.
    connection = sqlite3.connect(sqlite_uri(path, mode="rw"), uri=True)
    try:
        result: str = connection.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        connection.close()
    return result


# Deleted rows' bytes are zeroed as their space is freed (for `forget`), on this connection.
SECURE_DELETE_SQL = "PRAGMA secure_delete = ON"


def sqlite_file_scrub(path: Path, *, busy_seconds: float) -> None:
    """Rewrite a SQLite file without free space and empty its write-ahead log, so that no byte of
    rows deleted before is left in either (`forget`, after its transaction committed)."""
    from netkeep.db_path import sqlite_uri

    connection = sqlite3.connect(
        sqlite_uri(path, mode="rw"), uri=True, timeout=busy_seconds, isolation_level=None
    )
    try:
        connection.execute(SECURE_DELETE_SQL)
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()

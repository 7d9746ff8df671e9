"""Everything that differs between SQLite and PostgreSQL, in one file a reader can audit.

Code elsewhere asks for the piece it needs by dialect name (`session.get_bind().dialect.name`:
"sqlite" or "postgresql"). Importing this module is cheap: nothing of PostgreSQL's is imported
until a server connection is made.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.types import JSON, DateTime, TypeDecorator

from netkeep.errors import RuntimeFailure

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
    and a name in pg_stat_activity. Options the URL already carries are kept."""
    settings = f"-c TimeZone=UTC -c lock_timeout={max(1, round(busy_seconds * 1000))}"
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

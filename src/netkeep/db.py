"""How the store is opened (a SQLite file: WAL, busy timeout, foreign keys; or a PostgreSQL
server) and migrated.

Every command runs in one transaction: `open_session` commits when the command's body returns and
rolls back otherwise. Writers take the write lock up front (BEGIN IMMEDIATE on SQLite, an advisory
lock on the server), so two processes never deadlock upgrading a read lock; they wait up to the
busy timeout instead. What differs between the engines is chosen in netkeep.dialect.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool, StaticPool
from sqlmodel import Session, create_engine

from netkeep import dialect
from netkeep.db_path import (  # noqa: F401
    DB_ENV,
    database_path,
    describe_target,
    engine_url,
    shown_url,
    sqlite_uri,
)
from netkeep.errors import RuntimeFailure
from netkeep.migrations import MIGRATIONS, body

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from netkeep.db_path import Target

BUSY_ENV = "NETKEEP_BUSY_TIMEOUT"  # seconds; the default suits a person and cron writing at once
DEFAULT_BUSY_SECONDS = 10.0
MIGRATIONS_TABLE = "netkeep_migrations"


def busy_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get(BUSY_ENV, DEFAULT_BUSY_SECONDS)))
    except ValueError:
        return DEFAULT_BUSY_SECONDS


def _create_private(path: Path) -> None:
    """Create the folders (0700) and the empty database file (0600): it holds personal data."""
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)


def _remove_created(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()


def _engine(url: Any, *, write: bool, memory: bool = False) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": busy_seconds(), "check_same_thread": False},
        poolclass=StaticPool if memory else NullPool,
    )
    begin = dialect.sqlite_begin(write=write)

    # SQLAlchemy's documented recipe for real SQLite transactions (schema changes included):
    # take over from pysqlite's implicit BEGIN and emit our own.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        # Switching to WAL rewrites the file header: leave another program's database untouched
        # (migrate() then refuses it).
        if write and not memory and _netkeep_or_empty(dbapi_connection):
            dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql(begin)

    return engine


def _netkeep_or_empty(dbapi_connection: sqlite3.Connection) -> bool:
    row = dbapi_connection.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view')) "
        f"OR EXISTS (SELECT 1 FROM sqlite_master WHERE name = '{MIGRATIONS_TABLE}')"
    ).fetchone()
    return bool(row[0])


def _statements(script: str) -> Iterator[str]:
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if pending.strip():
                yield pending.strip()
            pending = ""
    if pending.strip():
        yield pending.strip()


def _applied_migrations(engine: Engine, path: Path) -> list[str] | None:
    """Names of the applied migrations; None for an empty database; refuses a foreign one."""
    with engine.connect() as conn:
        try:
            return [row[0] for row in conn.exec_driver_sql(f"SELECT name FROM {MIGRATIONS_TABLE}")]
        except DBAPIError as exc:
            if "no such table" not in str(exc.orig):
                raise
        tables = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view')"
        ).scalar()
    if tables:
        raise RuntimeFailure(f"{path} is a SQLite database of another program (no netkeep schema)")
    return None


def migrate(engine: Engine, path: Path | None = None) -> list[str]:
    """Apply pending migrations, each with its record in one transaction; returns their names.

    A database that already holds data is copied beside itself before the first step runs.
    """
    applied = _applied_migrations(engine, path or Path(":memory:")) or []
    pending = _pending(applied, str(path))
    if not pending:
        return []
    if applied and path is not None:
        backup_before_upgrade(path, applied[-1])
    for name, sql in pending:
        with engine.connect() as conn:
            # Off before the transaction (SQLite ignores the pragma inside one), so that dropping
            # a rebuilt parent table does not cascade into its children; checked before commit.
            raw: Any = conn.connection.dbapi_connection
            raw.execute("PRAGMA foreign_keys = OFF")
            try:
                with conn.begin():
                    _apply(conn, name, sql)
            finally:
                raw.execute("PRAGMA foreign_keys = ON")
    return [name for name, _ in pending]


def _apply(conn: Any, name: str, sql: str) -> None:
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
        "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    for statement in _statements(body(name, sql, dialect.SQLITE)):
        conn.exec_driver_sql(statement)
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeFailure(
            f"schema step {name} would leave {table} row {rowid} pointing at a missing {parent}"
        )
    conn.exec_driver_sql(
        f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)",
        (name, datetime.now(UTC).isoformat(timespec="seconds")),
    )


def backup_before_upgrade(path: Path, current: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    dest = path.with_name(f"{path.name}.{current}.{stamp}.bak")
    copy_database(path, dest)
    return dest


def copy_database(source: Path, dest: Path) -> None:
    """A consistent copy through SQLite's online backup API, safe while others write."""
    if not dest.exists():
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    # Read-only: a backup must never create or change its source.
    src = sqlite3.connect(sqlite_uri(source, mode="ro"), uri=True, timeout=busy_seconds())
    try:
        dst = sqlite3.connect(sqlite_uri(dest, mode="rw"), uri=True)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _start_journal(session: Session, summary: str) -> Any:
    """Open the command's undo journal entry, where `netkeep.journal.describe` finds it."""
    from netkeep.dates import now
    from netkeep.journal import SUMMARY_KEY, start

    entry = start(session.connection(), summary=summary, recorded_at=now())
    session.info[SUMMARY_KEY] = entry
    return entry


# --- the server ----------------------------------------------------------------------------------


def _server_engine(url: URL) -> Engine:
    """A PostgreSQL engine; psycopg is imported here, on first use of a server URL only. Its pool
    lets the schema check's connection serve the command too; it is disposed with the command.
    netkeep stores no hstore values, so the dialect need not look the type up (three statements
    on every connection)."""
    return create_engine(
        url,
        connect_args=dialect.server_connect_args(dict(url.query), busy_seconds=busy_seconds()),
        pool_size=1,
        use_native_hstore=False,
    )


_FOREIGN_SQL = " UNION ALL ".join(
    f"SELECT '{name}' WHERE to_regclass('{name}') IS NOT NULL" for name in dialect.NETKEEP_TABLES
)


def _server_applied(conn: Connection, url: URL) -> list[str] | None:
    """Names of the applied migrations; None when netkeep's tables do not exist yet. A database
    with tables of netkeep's names but no record of netkeep's steps is refused."""
    present = conn.exec_driver_sql(f"SELECT to_regclass('{MIGRATIONS_TABLE}') IS NOT NULL").scalar()
    if present:
        return [row[0] for row in conn.exec_driver_sql(f"SELECT name FROM {MIGRATIONS_TABLE}")]
    foreign = [row[0] for row in conn.exec_driver_sql(_FOREIGN_SQL)]
    if foreign:
        raise RuntimeFailure(
            f"{shown_url(url)} has tables named like netkeep's ({', '.join(foreign)}) but no "
            "netkeep schema; use a database of its own"
        )
    return None


def migrate_server(engine: Engine, url: URL) -> list[str] | None:
    """Bring a server database to the current schema; the applied steps' names, or None for a
    database without netkeep's tables (nothing is created here: see `_create_schema`).

    Pending steps run under the migration lock (a session advisory lock): a second member who
    opens the database meanwhile waits for the first to finish, then finds nothing pending. Each
    step commits with its record. (The operator's backup of a server is pg_dump's job.)
    """
    with engine.connect() as conn:
        applied = _server_applied(conn, url)
        conn.rollback()
        if applied is None or not _pending(applied, shown_url(url)):
            return applied
        conn.exec_driver_sql(dialect.MIGRATION_LOCK_SQL)
        conn.commit()
        try:
            applied = _server_applied(conn, url) or []
            conn.rollback()
            for name, sql in _pending(applied, shown_url(url)):
                with conn.begin():
                    _apply_server(conn, name, sql)
                applied.append(name)
            with conn.begin():
                from netkeep.store.team import regrant

                regrant(conn)
        finally:
            with contextlib.suppress(DBAPIError):  # closing the connection releases it too
                conn.exec_driver_sql(dialect.MIGRATION_UNLOCK_SQL)
                conn.commit()
    return applied


def _create_schema(session: Session, url: URL) -> None:
    """Create netkeep's tables inside the first write command's own transaction, so that a
    command which fails leaves the database as it found it (as a failed first write removes a new
    file). Holds the migration lock to the end of the transaction: a member creating them at the
    same moment waits, then finds them there."""
    conn = session.connection()
    conn.exec_driver_sql(dialect.MIGRATION_XACT_LOCK_SQL)
    applied = _server_applied(conn, url) or []
    for name, sql in _pending(applied, shown_url(url)):
        _apply_server(conn, name, sql)


def _pending(applied: list[str], where: str) -> list[tuple[str, str]]:
    known = [name for name, _ in MIGRATIONS]
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise RuntimeFailure(
            f"{where} was written by a newer netkeep (schema step {unknown[-1]}); upgrade netkeep"
        )
    return [(name, sql) for name, sql in MIGRATIONS if name not in applied]


def _apply_server(conn: Connection, name: str, sql: str) -> None:
    conn.exec_driver_sql(
        f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} "
        "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    # Sent whole, without parameters: a function body holds semicolons and format()'s % codes.
    conn.exec_driver_sql(
        body(name, sql, dialect.POSTGRESQL), execution_options={"no_parameters": True}
    )
    conn.execute(
        text(f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (:name, :applied_at)"),
        {"name": name, "applied_at": datetime.now(UTC).isoformat(timespec="seconds")},
    )


def describe_failure(exc: BaseException, target: Target) -> RuntimeFailure:
    """A database error as one line naming the store; a server URL's password is never shown."""
    failure = dialect.failure(exc, describe_target(target), busy_seconds=busy_seconds())
    password = None if isinstance(target, Path) else target.password
    # A server's own message may quote the password back; one of a few characters is not worth
    # masking (it would mask the same letters across the whole message).
    if password and len(str(password)) >= 4 and str(password) in str(failure):
        failure = RuntimeFailure(str(failure).replace(str(password), "***"))
    return failure


@contextlib.contextmanager
def open_session(
    target: Target,
    *,
    write: bool,
    journal: str | None = None,
    names: NamesCache | None = None,
    snapshot: str | None = None,
) -> Iterator[Session]:
    """One command, one transaction, on the selected store (a SQLite file or a server URL).

    A read on a missing database sees an empty, in-memory network and creates nothing. A write
    creates the database (a file 0600 in folders 0700; netkeep's tables on a server); if the
    command then fails, a new file is removed. A write with a `journal` summary is recorded for
    `undo` (netkeep.journal); the command may refine the summary with
    `netkeep.journal.describe(session.info, …)`. On a server, a command given the shell
    completion's cache of names (`names`) brings it up to date when the names changed; a helper
    process of a command (score's workers) passes none, and reads in the command's `snapshot`
    (`dialect.export_snapshot`).
    """
    opened = (
        _sqlite_session(target, write=write, journal=journal)
        if isinstance(target, Path)
        else _server_session(target, write=write, journal=journal, names=names, snapshot=snapshot)
    )
    with opened as session:
        yield session


@contextlib.contextmanager
def _command(
    bind: Any,
    *,
    write: bool,
    journal: str | None,
    first: str | None = None,
    prepare: Callable[[Session], None] | None = None,
) -> Iterator[Session]:
    """The command's session: `first` runs before anything else (the server's write lock), then
    `prepare` (creating the server's tables), then the journal starts."""
    with Session(bind, expire_on_commit=False) as session:
        if first is not None:
            session.execute(text(first))
        if prepare is not None:
            prepare(session)
        entry = _start_journal(session, journal) if write and journal else None
        yield session
        if entry is not None:
            from netkeep.journal import finish

            session.flush()  # the ORM's pending writes pass the journal's triggers
            finish(session.connection(), entry)
        if write:
            session.commit()


@contextlib.contextmanager
def _empty_network() -> Iterator[Session]:
    """A read of a store that does not exist yet: an empty network in memory, nothing created."""
    engine = _engine("sqlite://", write=False, memory=True)
    try:
        migrate(engine)
        with _command(engine, write=False, journal=None) as session:
            yield session
    finally:
        engine.dispose()


@contextlib.contextmanager
def _sqlite_session(path: Path, *, write: bool, journal: str | None) -> Iterator[Session]:
    created = False
    if path.is_dir():
        raise RuntimeFailure(f"database path {path} is a directory")
    if not path.exists() and not write:
        with _empty_network() as session:
            yield session
        return
    if not path.exists():
        try:
            _create_private(path)
        except OSError as exc:
            raise RuntimeFailure(f"cannot create database {path}: {exc.strerror}") from exc
        created = True
    # Written and read only where it already exists: SQLite must never create the file itself.
    engine = _engine(engine_url(path, mode="rw"), write=write)
    try:
        try:
            migrate(engine, path)
            with _command(engine, write=write, journal=journal) as session:
                yield session
        except (DBAPIError, sqlite3.Error) as exc:
            raise describe_failure(exc, path) from exc
    except BaseException:
        engine.dispose()
        if created:
            _remove_created(path)
        raise
    engine.dispose()


class _SchemaNotCurrent(Exception):
    """The quick schema check found netkeep's tables missing or a step pending."""


def _check_schema(session: Session, url: URL) -> None:
    """The schema check of every command on a server: one statement, in the command's own
    transaction. Raises _SchemaNotCurrent when the long way is needed (no tables yet, steps
    pending), which `migrate_server` takes; a newer netkeep's database is refused here."""
    try:
        applied = session.execute(text(f"SELECT name FROM {MIGRATIONS_TABLE}")).scalars().all()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == _UNDEFINED_TABLE:
            raise _SchemaNotCurrent from exc
        raise
    if _pending(list(applied), shown_url(url)):
        raise _SchemaNotCurrent


_UNDEFINED_TABLE = "42P01"  # SQLSTATE: no netkeep_migrations table (yet)


@contextlib.contextmanager
def _server_session(
    url: URL,
    *,
    write: bool,
    journal: str | None,
    names: NamesCache | None = None,
    snapshot: str | None = None,
) -> Iterator[Session]:
    """A command on a PostgreSQL server. Writes take the write lock (an advisory lock held to the
    end of the transaction, as SQLite's BEGIN IMMEDIATE); reads see one snapshot, read-only. A
    read of a database without netkeep's tables sees an empty network in memory; the first write
    creates them in its own transaction.

    The usual case costs one statement before the command's own: the schema check, inside the
    command's transaction. Only a database without tables or with steps pending takes the long
    way (`migrate_server`, then the command in a new transaction)."""
    engine = _server_engine(url)
    import psycopg  # loaded with the engine's dialect; its own errors escape SQLAlchemy's wrapper

    def command(
        applied: list[str] | None, *, checked: bool
    ) -> contextlib.AbstractContextManager[Session]:
        check = (lambda db: _check_schema(db, url)) if checked else None
        if not write:
            reader = engine.execution_options(**dialect.read_options())
            first = dialect.import_snapshot_sql(snapshot) if snapshot else None
            return _command(reader, write=False, journal=None, first=first, prepare=check)
        create = None if applied is not None else (lambda db: _create_schema(db, url))
        return _command(
            engine,
            write=True,
            journal=journal,
            first=dialect.WRITE_LOCK_SQL,
            prepare=check or create,
        )

    changed: tuple[str, list[str]] | None = None
    try:
        try:
            with contextlib.ExitStack() as stack:
                try:
                    session = stack.enter_context(command([], checked=True))
                except _SchemaNotCurrent:
                    applied = migrate_server(engine, url)
                    if applied is None and not write:
                        yield stack.enter_context(_empty_network())
                        return
                    session = stack.enter_context(command(applied, checked=False))
                yield session
                if names is not None:
                    changed = _changed_names(session, url, names)
        except (DBAPIError, psycopg.Error) as exc:
            raise describe_failure(exc, url) from exc
    finally:
        engine.dispose()
    if names is not None and changed is not None:  # committed: its names are the database's now
        names.remember_names(shown_url(url), changed[1], fingerprint=changed[0])


class NamesCache(Protocol):
    """Where shell completion keeps a server's names (netkeep.completion, which the command line
    hands in: storage knows nothing of the shell)."""

    def remembered_fingerprint(self, url_text: str) -> str | None: ...

    def remember_names(
        self, url_text: str, names: list[str], *, fingerprint: str | None = None
    ) -> None: ...


# Shell completion never connects to the server: each command keeps a private cache of the
# active contacts' names (netkeep.completion). The server reduces them to a fingerprint (md5 of
# the names in id order), so a command reads every name only when they changed since the cache
# was written: a `log` on a large network reads one short row, not 10,000 names.
_NAMES_FINGERPRINT_SQL = (
    "SELECT md5(COALESCE(CAST(array_agg(name ORDER BY id) AS text), '')) "
    "FROM contact WHERE NOT archived"
)


def _changed_names(session: Session, url: URL, names: NamesCache) -> tuple[str, list[str]] | None:
    """(fingerprint, active contacts' names) when they differ from the completion cache's."""
    fingerprint = str(session.execute(text(_NAMES_FINGERPRINT_SQL)).scalar_one())
    if fingerprint == names.remembered_fingerprint(shown_url(url)):
        return None
    rows = session.execute(text("SELECT name FROM contact WHERE NOT archived"))
    return fingerprint, [str(name) for name in rows.scalars()]


def has_store(target: Target) -> bool:
    """Whether the store holds netkeep's data already (a read would not see an empty network)."""
    if isinstance(target, Path):
        return target.exists()
    engine = _server_engine(target)
    try:
        with engine.connect() as conn:
            return _server_applied(conn, target) is not None
    except DBAPIError as exc:
        raise describe_failure(exc, target) from exc
    finally:
        engine.dispose()

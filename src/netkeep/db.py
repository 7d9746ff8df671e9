"""Where the database lives, how it is opened (WAL, busy timeout, foreign keys) and migrated.

Every command runs in one transaction: `open_session` commits when the command's body returns and
rolls back otherwise. Writers take the write lock up front (BEGIN IMMEDIATE), so two processes never
deadlock upgrading a read lock; they wait up to the busy timeout instead.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool, StaticPool
from sqlmodel import Session, create_engine

from netkeep.db_path import DB_ENV, database_path, engine_url, sqlite_uri  # noqa: F401
from netkeep.errors import RuntimeFailure
from netkeep.migrations import MIGRATIONS

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
    begin = "BEGIN IMMEDIATE" if write else "BEGIN"

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
    known = [name for name, _ in MIGRATIONS]
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise RuntimeFailure(
            f"{path} was written by a newer netkeep (schema step {unknown[-1]}); upgrade netkeep"
        )
    pending = [(name, sql) for name, sql in MIGRATIONS if name not in applied]
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
    for statement in _statements(sql):
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


def _dbapi(session: Session) -> Any:
    return session.connection().connection.dbapi_connection


def _start_journal(session: Session, summary: str) -> Any:
    """Open the command's undo journal entry, where `netkeep.journal.describe` finds it."""
    from netkeep.dates import now, to_db
    from netkeep.journal import SUMMARY_KEY, start

    entry = start(_dbapi(session), summary=summary, recorded_at=to_db(now()))
    session.info[SUMMARY_KEY] = entry
    return entry


def describe_failure(exc: BaseException, path: Path) -> RuntimeFailure:
    """Turn a SQLite error into a one-line message."""
    text = str(getattr(exc, "orig", None) or exc)
    if "locked" in text or "busy" in text:
        return RuntimeFailure(
            f"database {path} is locked by another process (waited {busy_seconds():g} s)"
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


@contextlib.contextmanager
def open_session(path: Path, *, write: bool, journal: str | None = None) -> Iterator[Session]:
    """One command, one transaction.

    A read on a missing database sees an empty, in-memory network and creates nothing. A write
    creates the database (0600, folders 0700); if the command then fails, the new file is removed.
    A write with a `journal` summary is recorded for `undo` (netkeep.journal); the command may
    refine the summary with `netkeep.journal.describe(session.info, …)`.
    """
    created = False
    if path.is_dir():
        raise RuntimeFailure(f"database path {path} is a directory")
    in_memory = not path.exists() and not write
    if in_memory:
        engine = _engine("sqlite://", write=False, memory=True)
        migrate(engine)
    else:
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
            if not in_memory:
                migrate(engine, path)
            with Session(engine, expire_on_commit=False) as session:
                entry = _start_journal(session, journal) if write and journal else None
                yield session
                if entry is not None:
                    from netkeep.journal import finish

                    session.flush()  # the ORM's pending writes pass the journal's triggers
                    finish(_dbapi(session), entry)
                if write:
                    session.commit()
        except (DBAPIError, sqlite3.Error) as exc:
            raise describe_failure(exc, path) from exc
    except BaseException:
        engine.dispose()
        if created:
            _remove_created(path)
        raise
    engine.dispose()

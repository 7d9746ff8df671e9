"""Shared fixtures: every test gets its own database, config and a frozen clock.

With NETKEEP_TEST_POSTGRES_URL set to a superuser URL of a throwaway PostgreSQL server
(`.ci/postgres` starts one), every test runs twice, `[sqlite]` and `[postgresql]`: the second on a
fresh database of that server, selected through NETKEEP_DATABASE_URL. Tests about the SQLite file
itself carry `@pytest.mark.sqlite_only` and run once. Without it, only SQLite runs.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
import typer.main
from hypothesis import settings as hypothesis_settings
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner

from netkeep import dialect
from netkeep.cli import app

FROZEN_NOW = "2026-06-15T12:00:00+00:00"
POSTGRES_VARIABLE = "NETKEEP_TEST_POSTGRES_URL"
POSTGRES_URL = os.environ.get(POSTGRES_VARIABLE, "")
ENGINES = ("sqlite", "postgresql") if POSTGRES_URL else ("sqlite",)
# Tests of PostgreSQL alone (the team set-up of docs/team.md): not even collected without a server,
# so that a SQLite-only run prints the one line of pytest_terminal_summary and nothing else.
collect_ignore = [] if POSTGRES_URL else ["store/test_team_docs.py"]

# Under CI (CI=true) Hypothesis draws the same examples on every run, so that whether a change
# lands never hinges on a lucky draw; anywhere else each run draws afresh and keeps finding new
# cases. A failure prints the blob that reproduces it either way.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@dataclass
class Invocation:
    """What one in-process run of netkeep printed and returned."""

    stdout: str
    stderr: str
    exit_code: int
    exception: BaseException | None


class BuiltRunner:
    """Runs netkeep in-process like Typer's `CliRunner.invoke`, on a command built once.

    Typer rebuilds the click command on every `CliRunner.invoke` (a fifth of a second for netkeep's
    commands), which a real process does once. This builds it once with the public
    `typer.main.get_command` and runs it inside the runner's public `isolation()`.
    """

    def __init__(self) -> None:
        self.runner = CliRunner()
        self.command = typer.main.get_command(app)

    def invoke(
        self, args: list[str], input: str | None = None, env: dict | None = None
    ) -> Invocation:
        exit_code, exception = 0, None
        with self.runner.isolation(input=input, env=env) as streams:
            try:
                self.command.main(args=args, prog_name="netkeep")
            except SystemExit as exc:
                code = exc.code if exc.code is not None else 0
                exit_code = code if isinstance(code, int) else 1
                exception = exc if exit_code else None
            except Exception as exc:
                exit_code, exception = 1, exc
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
        return Invocation(_text(stdout), _text(stderr), exit_code, exception)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture(scope="session")
def built_runner() -> BuiltRunner:
    return BuiltRunner()


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject.toml): one worker more than the cores. Part of the suite's time is
    spent waiting on the `netkeep` processes it starts and on the PostgreSQL server, and a
    third worker on two cores ran the suite about 7% faster."""
    return (os.cpu_count() or 1) + 1


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "sqlite_only: about the SQLite file itself (modes, WAL, bytes, upgrades of old files, file "
        "backup, paths); not run on PostgreSQL",
    )
    config.addinivalue_line(
        "markers", "postgresql_only: about PostgreSQL alone; needs NETKEEP_TEST_POSTGRES_URL"
    )


def pytest_generate_tests(metafunc):
    """Every test runs once per engine under test, named `[sqlite]` / `[postgresql]`."""
    if len(ENGINES) == 1 or "engine" not in metafunc.fixturenames:
        return
    if _marked(metafunc, "postgresql_only"):
        engines: tuple[str, ...] = ("postgresql",)
    elif _marked(metafunc, "sqlite_only"):
        engines = ("sqlite",)
    else:
        engines = ENGINES
    metafunc.parametrize("engine", engines, indirect=True, scope="function")


def _marked(metafunc, name: str) -> bool:
    """The test, its class or its module (`pytestmark`) carries the marker.

    A module's `pytestmark` is not among its node's markers yet while tests are generated, so
    this reads the attribute as pytest documents it: one mark or a list of marks."""
    if metafunc.definition.get_closest_marker(name) is not None:
        return True
    for holder in (metafunc.cls, metafunc.module):
        marks = getattr(holder, "pytestmark", [])
        for mark in marks if isinstance(marks, list) else [marks]:
            if getattr(mark, "name", None) == name:
                return True
    return False


def pytest_collection_modifyitems(config, items):
    """Without a server, tests about PostgreSQL alone are left out quietly (the summary's one
    line says how to run them)."""
    if not POSTGRES_URL:
        items[:] = [item for item in items if item.get_closest_marker("postgresql_only") is None]


def pytest_terminal_summary(terminalreporter):
    if not POSTGRES_URL:
        terminalreporter.write_line(
            f"PostgreSQL run skipped: set {POSTGRES_VARIABLE}=postgresql+psycopg://… "
            "(.ci/postgres starts one)"
        )


@pytest.fixture(autouse=True)
def engine(request) -> str:
    """The engine this run of the test is on: "sqlite" or "postgresql"."""
    return getattr(request, "param", "sqlite")


class PostgresServer:
    """The throwaway server: creates and drops one database per test, as its superuser."""

    def __init__(self, url: str) -> None:
        self.url = sqlalchemy.make_url(url)
        if self.url.drivername in ("postgresql", "postgres"):
            self.url = self.url.set(drivername="postgresql+psycopg")
        self.admin = sqlalchemy.create_engine(
            self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        self.names = (f"netkeep_test_{os.getpid()}_{n}" for n in itertools.count())

    def create(self) -> sqlalchemy.URL:
        name = next(self.names)
        with self.admin.connect() as connection:
            # An empty database from template0, copied file by file: about 12 ms with fsync off.
            connection.exec_driver_sql(
                f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY'
            )
        return self.url.set(database=name)

    def drop(self, url: sqlalchemy.URL) -> None:
        with self.admin.connect() as connection:
            # FORCE ends sessions a test left open (a killed child process, a held lock).
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if not POSTGRES_URL:
        pytest.fail(f"{POSTGRES_VARIABLE} is not set", pytrace=False)
    server = PostgresServer(POSTGRES_URL)
    try:
        with server.admin.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except sqlalchemy.exc.OperationalError as exc:
        pytest.exit(f"{POSTGRES_VARIABLE}: cannot connect to the server: {exc}", returncode=1)
    yield server
    server.admin.dispose()


@pytest.fixture
def database_url(engine, request) -> Iterator[sqlalchemy.URL | None]:
    """A fresh PostgreSQL database for a `[postgresql]` test (None on SQLite)."""
    if engine != "postgresql":
        yield None
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create()
    try:
        yield url
    finally:
        server.drop(url)


@pytest.fixture(autouse=True)
def netkeep_env(tmp_path, monkeypatch, database_url):
    """Point netkeep at tmp_path, freeze "now", and make local time UTC for stable tables.

    On PostgreSQL, NETKEEP_DATABASE_URL selects the test's own database; NETKEEP_DB still points
    into tmp_path (unused) so nothing can reach a real file. The user cache dir (completion's names
    of a server database) is in tmp_path too: a database name can come back in a later run (it
    holds the process id), and must not find names cached by an earlier one."""
    monkeypatch.setenv("NETKEEP_DB", str(tmp_path / "data" / "netkeep.db"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    if database_url is None:
        monkeypatch.delenv("NETKEEP_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv(
            "NETKEEP_DATABASE_URL", database_url.render_as_string(hide_password=False)
        )
    monkeypatch.setenv("NETKEEP_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("NETKEEP_NOW", FROZEN_NOW)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NETKEEP_DEBUG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    time.tzset()
    yield tmp_path
    time.tzset()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "data" / "netkeep.db"


@pytest.fixture
def config_file(tmp_path) -> Path:
    return tmp_path / "config.toml"


def _table(connection: sqlalchemy.Connection, table: str) -> list[tuple]:
    """A table's column names, then its rows as plain tuples in the order of its first column."""
    result = connection.execute(sqlalchemy.text(f'SELECT * FROM "{table}" ORDER BY 1'))
    return [tuple(result.keys()), *(tuple(row) for row in result)]


class Database:
    """The test's netkeep database, on either engine, through SQLAlchemy.

    For checks of data (rows, counts, "nothing changed"), not of the SQLite file: tests about the
    file itself read its bytes and carry `sqlite_only`."""

    def __init__(self, engine: str, path: Path, url: sqlalchemy.URL | None) -> None:
        self.engine_name = engine
        self.path = path
        self.url = url if url is not None else sqlalchemy.URL.create("sqlite", database=str(path))
        # No pool: between two calls no connection stays open to hold a lock or a file.
        self.engine = sqlalchemy.create_engine(self.url, poolclass=NullPool)

    def exists(self) -> bool:
        """netkeep has created its database: the SQLite file, or tables on PostgreSQL."""
        if self.engine_name == "sqlite":
            return self.path.exists()
        return bool(self.tables())

    def tables(self) -> list[str]:
        if self.engine_name == "sqlite" and not self.path.exists():
            return []  # looking must not create the file
        return sorted(sqlalchemy.inspect(self.engine).get_table_names())

    def execute(self, sql: str, **params: Any) -> list[sqlalchemy.Row]:
        """Runs one statement with named `:binds` in its own transaction; returns its rows."""
        with self.engine.begin() as connection:
            result = connection.execute(sqlalchemy.text(sql), params)
            return list(result.all()) if result.returns_rows else []

    def rows(self, table: str) -> list[tuple]:
        """Every row of a table as plain tuples, in the order of its first column (the id)."""
        with self.engine.connect() as connection:
            return _table(connection, table)[1:]

    def count(self, table: str) -> int:
        return int(self.execute(f'SELECT count(*) FROM "{table}"')[0][0])

    def dump(self) -> dict[str, list[tuple]]:
        """Every table's columns and rows, on either engine ({} before netkeep created any).

        One connection for the whole dump: on a server, a connection per table made the hostile
        input tests spend most of their time connecting."""
        if self.engine_name == "sqlite" and not self.path.exists():
            return {}  # looking must not create the file
        dumped: dict[str, list[tuple]] = {}
        with self.engine.connect() as connection:
            for table in sorted(sqlalchemy.inspect(connection).get_table_names()):
                dumped[table] = _table(connection, table)
        return dumped

    def snapshot(self) -> object:
        """What "nothing changed" compares: the file's bytes on SQLite (None when there is no
        file), every table's columns and rows on PostgreSQL."""
        if self.engine_name == "sqlite":
            return self.path.read_bytes() if self.path.exists() else None
        return self.dump()

    @contextmanager
    def write_lock(self) -> Iterator[WriteLockHolder]:
        """Another writer holds netkeep's write lock, as a long import or a cron job would."""
        holder = WriteLockHolder(self)
        try:
            yield holder
        finally:
            holder.release()

    def write_lock_is_free(self) -> bool:
        """Whether a writer could take the write lock right now (tried without waiting)."""
        if self.engine_name == "sqlite":
            probe = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                return True
            except sqlite3.OperationalError:
                return False
            finally:
                probe.close()
        return bool(
            self.execute(f"SELECT pg_try_advisory_xact_lock({dialect.WRITE_LOCK_KEY})")[0][0]
        )

    def wait_for_a_waiting_writer(self, process: subprocess.Popen) -> None:
        """Block until `process` is inside its command, at the database, after the write lock.

        On a server: its wait shows in pg_locks as an advisory lock not granted. SQLite's wait does
        not show, so there: it has the file open (past start-up, about to take the lock)."""
        deadline = time.monotonic() + 60  # a guard against hanging, not a timing assumption
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            if self._waits_for_the_lock(process.pid):
                return
            time.sleep(0.01)
        raise AssertionError("netkeep never reached the write lock")

    def _waits_for_the_lock(self, pid: int) -> bool:
        if self.engine_name == "postgresql":
            waiting = self.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            return bool(waiting[0][0])
        fds = f"/proc/{pid}/fd"
        if not os.path.isdir(fds):
            pytest.skip("needs /proc to see which files a process has open")
        try:
            names = {os.readlink(os.path.join(fds, fd)) for fd in os.listdir(fds)}
        except FileNotFoundError:  # a descriptor closed while we looked
            return False
        return str(self.path.resolve()) in names

    def reset(self) -> None:
        """Back to no database at all, as before netkeep's first write."""
        if self.engine_name == "sqlite":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)
            return
        with self.engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")


class WriteLockHolder:
    """Another writer in the middle of a change: SQLite's write transaction (BEGIN IMMEDIATE), or
    netkeep's advisory write lock on a server; either way with a row inserted and not committed."""

    def __init__(self, database: Database) -> None:
        self.connection: Any
        if database.engine_name == "sqlite":
            self.connection = sqlite3.connect(database.path, isolation_level=None)
            self.connection.execute("BEGIN IMMEDIATE")
            execute = self.connection.execute
        else:
            self.connection = database.engine.connect()
            self.connection.exec_driver_sql(dialect.WRITE_LOCK_SQL)
            execute = self.connection.exec_driver_sql
        # 'now' is a time literal on PostgreSQL; SQLite stores the text as it is.
        execute("INSERT INTO contact (name, tier, created_at) VALUES ('x', 'network', 'now')")

    def release(self) -> None:
        """Roll the change back, freeing the lock (again: nothing)."""
        if self.connection is None:
            return
        self.connection.rollback()
        self.connection.close()
        self.connection = None


@pytest.fixture
def database(engine, db_path, database_url) -> Iterator[Database]:
    database = Database(engine, db_path, database_url)
    yield database
    database.engine.dispose()


class Cli:
    """Runs netkeep in-process (stdout and stderr kept apart)."""

    def __init__(self, runner: BuiltRunner) -> None:
        self.runner = runner

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        return self.runner.invoke(list(args), input=input, env=env)

    def ok(self, *args: str, **kwargs):
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (args, result.exit_code, result.stdout, result.stderr)
        return result

    def json(self, *args: str, **kwargs):
        result = self.ok(*args, "--format", "json", **kwargs)
        return json.loads(result.stdout)


@pytest.fixture
def cli(built_runner) -> Cli:
    return Cli(built_runner)


def netkeep_executable() -> list[str]:
    """The installed console script beside this interpreter (falls back to `python -m netkeep`)."""
    script = Path(sys.executable).with_name("netkeep")
    return [str(script)] if script.exists() else [sys.executable, "-m", "netkeep"]


@pytest.fixture
def run():
    """Runs the installed `netkeep` as a real process: stdin is not a terminal, output is piped."""

    def _run(*args: str, env: dict | None = None, timeout: float = 60, input: str | None = None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run(
            [*netkeep_executable(), *args],
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
        )

    return _run


def pytest_sessionfinish(session, exitstatus):
    """An empty run is a broken run: exit 1 instead of pytest's quiet exit 5. This runs where
    the run's outcome is known, the controller when the suite runs in parallel workers."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and not session.config.option.collectonly:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                "Error: no tests ran: the suite is missing or everything was deselected"
            )


class Members:
    """Two members, `sam` and `ana`, with login roles on the test's PostgreSQL database, set up
    as docs/team.md says: the database belongs to the owner role `netkeep_owner`, whose
    `netkeep team grant sam ana` creates netkeep's tables and gives each member their
    privileges. No role here is a superuser."""

    NAMES = ("sam", "ana")
    OWNER = "netkeep_owner"

    def __init__(self, url: sqlalchemy.URL) -> None:
        self.url = url
        self.admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def url_of(self, member: str) -> str:
        """The member's URL (the test server trusts local connections: no password)."""
        return self.url.set(username=member, password=None).render_as_string(hide_password=False)

    def engine_of(self, member: str) -> sqlalchemy.Engine:
        return sqlalchemy.create_engine(self.url_of(member), poolclass=NullPool)

    def create(self) -> None:
        database = self.url.database
        with self.admin.connect() as connection:
            for name in (self.OWNER, *self.NAMES):
                exists = connection.exec_driver_sql(
                    f"SELECT 1 FROM pg_roles WHERE rolname = '{name}'"
                ).first()
                if exists is None:
                    connection.exec_driver_sql(f"CREATE ROLE {name} LOGIN")
            connection.exec_driver_sql(f'ALTER DATABASE "{database}" OWNER TO {self.OWNER}')
            connection.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO sam, ana')
        self.grant(*self.NAMES)

    def grant(self, *roles: str) -> None:
        """`netkeep team grant ROLE...` as the owner (in-process)."""
        from netkeep.db import open_session
        from netkeep.store.team import grant

        owner = sqlalchemy.make_url(self.url_of(self.OWNER))
        with open_session(owner, write=True) as session:
            grant(session.connection(), list(roles))

    def drop(self) -> None:
        """What the roles own and were granted here goes; the roles too, when nothing else on
        the server holds them."""
        with self.admin.connect() as connection:
            admin = self.url.username or "postgres"
            connection.exec_driver_sql(f'ALTER DATABASE "{self.url.database}" OWNER TO {admin}')
            for name in (self.OWNER, *self.NAMES):  # one at a time: default ACLs
                connection.exec_driver_sql(f"DROP OWNED BY {name} CASCADE")
            for name in (self.OWNER, *self.NAMES):
                with contextlib.suppress(sqlalchemy.exc.DBAPIError):
                    connection.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        self.admin.dispose()


@contextmanager
def one_team_at_a_time() -> Iterator[None]:
    """Roles belong to the whole server, not to one test's database: tests that create the
    team's roles (`sam`, `ana`, `netkeep_owner`) take turns across the suite's parallel
    workers, by an advisory lock held on the server's maintenance database."""
    url = sqlalchemy.make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({TEAM_ROLES_LOCK})")
            try:
                yield
            finally:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({TEAM_ROLES_LOCK})")
    finally:
        admin.dispose()


TEAM_ROLES_LOCK = 0x6E6B7465616D  # any number the suite alone uses


@pytest.fixture
def members(database_url) -> Iterator[Members]:
    """Sam and Ana on the test's PostgreSQL database (PostgreSQL tests only)."""
    if database_url is None:
        pytest.fail("the members fixture needs the PostgreSQL engine", pytrace=False)
    with one_team_at_a_time():
        team = Members(database_url)
        team.create()
        try:
            yield team
        finally:
            team.drop()

"""netkeep on a PostgreSQL server: schema steps, locks, times, errors, undo, backup, completion.

These run only when NETKEEP_TEST_POSTGRES_URL names a throwaway server by an admin (superuser)
URL; each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime

import pytest

import netkeep.migrations
from netkeep import dialect

ADMIN_URL = os.environ.get("NETKEEP_TEST_POSTGRES_URL")
pytestmark = [
    pytest.mark.skipif(
        not ADMIN_URL, reason="set NETKEEP_TEST_POSTGRES_URL to an admin URL of a throwaway server"
    ),
    pytest.mark.postgresql_only,  # run once, not once per engine: each test picks its server
]
STEPS = [name for name, _ in netkeep.migrations.MIGRATIONS]
JOURNALED = ["ask", "contact", "give", "source", "source_item", "touchpoint"]


class Server:
    """A fresh database on the test server; NETKEEP_DATABASE_URL points at it."""

    def __init__(self, url):
        from sqlalchemy import create_engine

        self.url = url
        self.text = url.render_as_string(hide_password=False)
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)

    def rows(self, sql: str, **params) -> list[tuple]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]

    def run(self, sql: str) -> None:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            conn.execute(text(sql))

    def tables(self) -> list[str]:
        return [
            row[0]
            for row in self.rows(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]

    def dump(self) -> dict[str, list[tuple]]:
        return {
            table: self.rows(f"SELECT * FROM {table} ORDER BY id")
            for table in ("contact", "touchpoint", "ask", "give")
        }


@pytest.fixture
def pg(monkeypatch, tmp_path):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(ADMIN_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=None)
    name = f"netkeep_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    server = Server(admin_url.set(database=name))
    monkeypatch.setenv("NETKEEP_DATABASE_URL", server.text)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    try:
        yield server
    finally:
        server.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def write(summary: str | None = "test write"):
    """A journaled write command's session on the selected store (as `netkeep log` opens it)."""
    from netkeep.db import open_session
    from netkeep.db_path import database_target

    return open_session(database_target(), write=True, journal=summary)


def seed(at: datetime = datetime(2026, 3, 4, 15, 30, 0, 250000, tzinfo=UTC)) -> None:
    from netkeep.models import Ask, Contact, Give, Touchpoint

    with write("seed") as db:
        sam = Contact(
            name="Sam Lee", emails=["sam@example.com"], tags=["sf"], tier="close", created_at=at
        )
        ana = Contact(name="Ana Ruiz", tier="network", created_at=at)
        db.add_all([sam, ana])
        db.flush()
        call = Touchpoint(
            contact_id=sam.id, occurred_at=at, channel="call", direction="out", two_way=False
        )
        db.add(call)
        db.flush()
        db.add(
            Ask(contact_id=sam.id, touchpoint_id=call.id, asked_by="me", what="intro", opened_at=at)
        )
        db.add(Give(contact_id=ana.id, given_by="them", what="advice", given_at=at))


# --- schema ---------------------------------------------------------------------------------------


def test_a_read_of_an_empty_server_database_creates_nothing(cli, pg):
    assert cli.ok("list", "--format", "json").stdout.strip() == "[]"
    assert pg.tables() == []


def test_the_first_write_applies_every_step_once(cli, pg):
    with write(None):
        pass
    applied = pg.rows("SELECT name, applied_at FROM netkeep_migrations ORDER BY name")
    assert [name for name, _ in applied] == STEPS
    assert pg.tables() == [
        "ask", "contact", "give", "netkeep_migrations", "source", "source_item", "touchpoint",
        "undo_command", "undo_step",
    ]  # fmt: skip
    with write(None):
        pass
    cli("undo")  # a write that finds nothing to do
    assert pg.rows("SELECT name, applied_at FROM netkeep_migrations ORDER BY name") == applied


def test_a_failed_first_write_creates_nothing(cli, pg):
    """The first write creates the tables in its own transaction: a failure leaves none."""
    with pytest.raises(RuntimeError), write("doomed"):
        raise RuntimeError("the command failed")
    assert pg.tables() == []
    assert cli("undo").exit_code == 1  # a write command that fails: nothing to undo
    assert pg.tables() == []


def test_the_server_schema_uses_identity_timestamptz_jsonb_and_lower_indexes(pg):
    with write(None):
        pass
    types = dict(
        (f"{table}.{column}", kind)
        for table, column, kind in pg.rows(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public'"
        )
    )
    assert types["contact.created_at"] == "timestamp with time zone"
    assert types["touchpoint.occurred_at"] == "timestamp with time zone"
    assert types["contact.emails"] == types["contact.tags"] == "jsonb"
    identity = pg.rows(
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
        "AND is_identity = 'YES' AND table_schema = 'public' ORDER BY table_name"
    )
    assert [row[0] for row in identity] == [*JOURNALED, "undo_command", "undo_step"]
    [(index,)] = pg.rows("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_contact_name'")
    assert "lower(name)" in index
    # Every table a command changes carries the journal's triggers (a new table needs them too).
    triggered = pg.rows(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname LIKE 'netkeep_journal_%' ORDER BY 1"
    )
    bookkeeping = {"netkeep_migrations", "undo_command", "undo_step"}
    assert [row[0] for row in triggered] == [t for t in pg.tables() if t not in bookkeeping]
    assert [row[0] for row in triggered] == JOURNALED


def test_a_database_with_tables_of_netkeeps_names_is_refused(cli, pg):
    pg.run("CREATE TABLE contact (id int)")
    result = cli("log", "sam")
    assert result.exit_code == 1
    assert "tables named like netkeep's (contact)" in result.stderr
    assert pg.tables() == ["contact"]


def test_a_newer_schema_is_refused(cli, pg):
    with write(None):
        pass
    pg.run("INSERT INTO netkeep_migrations VALUES ('m999_future', 'x')")
    result = cli("list")
    assert result.exit_code == 1
    assert "written by a newer netkeep (schema step m999_future)" in result.stderr


# --- locks and errors ----------------------------------------------------------------------------


def test_the_migration_lock_makes_a_second_upgrade_wait(cli, pg, monkeypatch):
    from sqlalchemy import text

    monkeypatch.setenv("NETKEEP_BUSY_TIMEOUT", "0.3")
    with pg.engine.connect() as holder:
        holder.execute(text(f"SELECT pg_advisory_lock({dialect.MIGRATION_LOCK_KEY})"))
        result = cli("undo")
        holder.execute(text(f"SELECT pg_advisory_unlock({dialect.MIGRATION_LOCK_KEY})"))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: database postgresql+psycopg://")
    assert "is locked by another netkeep (waited 0.3 s)" in result.stderr
    assert pg.tables() == []  # nothing half-upgraded
    with write(None):  # the lock gone, a write creates the tables
        pass
    assert len(pg.rows("SELECT name FROM netkeep_migrations")) == len(STEPS)


def test_an_upgrade_waits_for_the_migration_lock_then_applies_once(cli, pg, monkeypatch):
    from sqlalchemy import text

    import netkeep.db

    with write(None):
        pass
    steps = [*netkeep.migrations.MIGRATIONS, ("m900_test", "CREATE INDEX ix_test ON ask (what);")]
    monkeypatch.setattr(netkeep.db, "MIGRATIONS", steps)
    monkeypatch.setenv("NETKEEP_BUSY_TIMEOUT", "0.3")
    with pg.engine.connect() as holder:
        holder.execute(text(f"SELECT pg_advisory_lock({dialect.MIGRATION_LOCK_KEY})"))
        result = cli("undo")
        holder.execute(text(f"SELECT pg_advisory_unlock({dialect.MIGRATION_LOCK_KEY})"))
    assert result.exit_code == 1 and "is locked by another netkeep" in result.stderr
    assert pg.rows("SELECT count(*) FROM netkeep_migrations WHERE name = 'm900_test'") == [(0,)]
    assert cli("undo").stderr.startswith("Error: nothing to undo")  # upgraded, then nothing to do
    assert pg.rows("SELECT count(*) FROM netkeep_migrations WHERE name = 'm900_test'") == [(1,)]
    assert pg.rows("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_test'") == [(1,)]


@contextlib.contextmanager
def write_lock_held(pg):
    """netkeep's write lock, held by another connection (as a writing colleague holds it)."""
    from sqlalchemy import create_engine, text

    other = create_engine(pg.url, pool_size=1)
    try:
        with other.connect() as holder:
            holder.execute(text(f"SELECT pg_advisory_xact_lock({dialect.WRITE_LOCK_KEY})"))
            yield
            holder.rollback()
    finally:
        other.dispose()


def test_a_held_write_lock_times_out_as_locked(cli, pg, monkeypatch):
    seed()
    monkeypatch.setenv("NETKEEP_BUSY_TIMEOUT", "0.2")
    with write_lock_held(pg):
        result = cli("undo")
    assert result.exit_code == 1
    assert "is locked by another netkeep (waited 0.2 s)" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(pg.dump()["contact"]) == 2  # nothing undone


def test_reads_do_not_wait_for_a_writer(cli, pg, monkeypatch):
    seed()
    monkeypatch.setenv("NETKEEP_BUSY_TIMEOUT", "0.2")
    from netkeep.db import open_session
    from netkeep.db_path import database_target

    with write_lock_held(pg):
        result = cli("config")  # any read: opens no write lock
        with open_session(database_target(), write=False) as db:
            assert db.get_bind().dialect.name == "postgresql"
            shown = [
                db.connection().exec_driver_sql(f"SHOW {name}").scalar()
                for name in ("transaction_isolation", "transaction_read_only", "TimeZone")
            ]
    assert shown == ["repeatable read", "on", "UTC"]
    assert result.exit_code == 0


def test_scoring_helpers_read_in_the_commands_snapshot(cli, pg, monkeypatch, run):
    """`score`'s helper processes read what the command reads: touchpoints committed after it
    began are in none of its rows, though the helpers connect after that commit."""
    import netkeep.store.scores

    for name in ("Ana Ruiz", "Bo Chen"):
        cli.ok("add", name)
        cli.ok("log", name, "--when", "2026-05-01")
    monkeypatch.setattr(netkeep.store.scores, "PARALLEL_MIN_TOUCHPOINTS", 0)
    monkeypatch.setattr(netkeep.store.scores, "PARALLEL_CORES", 2)
    split = netkeep.store.scores.contact_shares

    def split_then_log_more(raw):
        shares = split(raw)  # the command's first reads: its snapshot is taken
        for name in ("ana", "bo"):
            assert run("log", name, "--when", "2026-06-01").returncode == 0  # another process
        assert len(shares) == 2  # the work goes to helper processes
        return shares

    monkeypatch.setattr(netkeep.store.scores, "contact_shares", split_then_log_more)
    rows = cli.json("score")
    assert [(row["name"], row["touchpoints"]) for row in rows] == [("Ana Ruiz", 1), ("Bo Chen", 1)]
    monkeypatch.setattr(netkeep.store.scores, "contact_shares", split)
    rows = cli.json("score")
    assert [(row["name"], row["touchpoints"]) for row in rows] == [("Ana Ruiz", 2), ("Bo Chen", 2)]


def test_a_wrong_port_is_cannot_connect_without_the_password(cli, monkeypatch):
    monkeypatch.setenv("NETKEEP_DATABASE_URL", "postgresql://netkeep:s3cret@127.0.0.1:1/nothing")
    result = cli("list")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: cannot connect to postgresql+psycopg://netkeep:***@127.0.0.1:1/nothing: "
    )
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_a_missing_database_is_named(cli, pg, monkeypatch):
    monkeypatch.setenv("NETKEEP_DATABASE_URL", pg.text.rsplit("/", 1)[0] + "/no_such_db_here")
    result = cli("list")
    assert result.exit_code == 1
    assert result.stderr.endswith("/no_such_db_here: the database does not exist\n")


def test_a_role_without_privileges_is_told_so(cli, pg, monkeypatch):
    with write(None):
        pass
    role = f"nk_{uuid.uuid4().hex[:8]}"
    pg.run(f"CREATE ROLE {role} LOGIN")
    try:
        monkeypatch.setenv(
            "NETKEEP_DATABASE_URL",
            pg.url.set(username=role, password=None).render_as_string(hide_password=False),
        )
        result = cli("undo")
        assert result.exit_code == 1
        assert (
            "permission denied; the database role lacks a privilege netkeep needs" in result.stderr
        )
    finally:
        pg.run(f"DROP OWNED BY {role}")
        pg.run(f"DROP ROLE {role}")


# --- times -----------------------------------------------------------------------------------------


def test_times_read_back_identically_whatever_the_server_and_client_zones(pg, monkeypatch):
    from sqlmodel import select

    from netkeep.db import open_session
    from netkeep.db_path import database_target
    from netkeep.models import Ask, Contact, Touchpoint

    with write(None):
        pass
    name = pg.url.database
    pg.run(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'")
    monkeypatch.setenv("TZ", "America/New_York")
    monkeypatch.setenv("PGTZ", "Asia/Kolkata")
    time.tzset()
    moments = [
        datetime(2026, 3, 8, 6, 30, 0, 1, tzinfo=UTC),  # New York's spring-forward night
        datetime(2026, 11, 1, 5, 30, 0, 999999, tzinfo=UTC),  # and its repeated hour
        datetime(2026, 6, 15, 12, 0, tzinfo=UTC),
    ]
    try:
        seed(moments[0])
        with write("log") as db:
            for moment in moments:
                db.add(
                    Touchpoint(
                        contact_id=1,
                        occurred_at=moment,
                        channel="call",
                        direction="in",
                        two_way=True,
                    )
                )
        with open_session(database_target(), write=False) as db:
            touchpoints = db.exec(select(Touchpoint).order_by(Touchpoint.id)).all()
            contact = db.get(Contact, 1)
            ask = db.exec(select(Ask)).one()
    finally:
        time.tzset()
    naive = [moment.replace(tzinfo=None) for moment in moments]
    # Store code gets what SQLite gives: naive UTC, to the microsecond.
    assert [tp.occurred_at for tp in touchpoints] == [naive[0], *naive]
    assert contact.created_at == naive[0] and ask.opened_at == naive[0]
    # And the server holds the same instants (UTC), whatever zone it shows them in.
    stored = pg.rows("SELECT occurred_at FROM touchpoint ORDER BY id")
    assert [row[0].astimezone(UTC) for row in stored] == [moments[0], *moments]


def test_cli_times_match_sqlite_in_another_zone(cli, pg, monkeypatch, db_path):
    """The same commands on both stores print the same JSON, zones notwithstanding."""
    name = pg.url.database
    with write(None):
        pass
    pg.run(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    commands = [
        ["add", "Sam Lee", "--email", "sam@example.com"],
        ["log", "sam", "--when", "2026-03-08 01:30", "--ask", "an intro"],
        ["log", "sam", "--in", "--via", "email", "--when", "2025-11-02 01:30"],
    ]
    try:
        outputs = []
        for store in ("--db-url", "--db"):
            where = pg.text if store == "--db-url" else str(db_path)
            for command in commands:
                cli.ok(store, where, *command)
            outputs.append(
                [json.loads(cli.ok(store, where, *c, "--format", "json").stdout)
                 for c in (["show", "sam"], ["asks", "--all"])]
            )  # fmt: skip
    finally:
        time.tzset()
    # Who logged them differs by design: the role on the server, `me` in the file.
    for output in outputs:
        for touchpoint in output[0]["touchpoints"]:
            assert touchpoint.pop("logged_by") == (
                "me" if output is outputs[1] else pg.url.username
            )
    assert outputs[0] == outputs[1]


# --- undo, backup, completion ----------------------------------------------------------------------


def test_undo_reverses_inserts_updates_and_cascaded_deletes(cli, pg):
    from sqlmodel import select

    from netkeep.models import Contact, Touchpoint

    seed()
    states = [pg.dump()]
    with write("edit") as db:
        sam = db.exec(select(Contact).where(Contact.name == "Sam Lee")).one()
        sam.company, sam.tags, sam.note = "Acme", ["sf", "ny"], "50% :done 'quoted' %s"
    states.append(pg.dump())
    with write("log") as db:
        db.add(
            Touchpoint(
                contact_id=2,
                occurred_at=datetime(2026, 5, 1, tzinfo=UTC),
                channel="text",
                direction="in",
                two_way=False,
            )
        )
    states.append(pg.dump())
    with write("rm") as db:
        db.delete(db.get(Contact, 1))  # cascades to its touchpoint and ask
    states.append(pg.dump())
    assert states[-1]["touchpoint"] != states[-2]["touchpoint"]
    for summary, expected in zip(["rm", "log", "edit"], reversed(states[:-1]), strict=True):
        assert cli.ok("undo").stderr == f"Undid: {summary}.\n"
        assert pg.dump() == expected
    assert cli.ok("undo").stderr == "Undid: seed.\n"
    assert pg.dump() == {"contact": [], "touchpoint": [], "ask": [], "give": []}
    assert cli("undo").exit_code == 1


def test_a_command_that_changes_nothing_leaves_no_entry(pg):
    seed()
    with write("nothing"):
        pass
    assert [row[0] for row in pg.rows("SELECT summary FROM undo_command")] == ["seed"]
    assert pg.rows("SELECT current_setting('netkeep.journal', true)") in ([(None,)], [("",)])


def test_writes_outside_a_journaled_command_are_not_recorded(pg):
    seed()
    pg.run("UPDATE contact SET note = 'by hand'")
    assert pg.rows("SELECT count(*) FROM undo_step") == [(0,)]


def test_backup_writes_the_json_export_and_names_pg_dump(cli, pg, tmp_path):
    seed()
    dest = tmp_path / "team.json"
    result = cli("backup", str(dest))
    assert result.exit_code == 0, result.stderr
    assert "pg_dump" in result.stderr and str(dest) in result.stderr
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    data = json.loads(dest.read_text())
    assert data["format"] == "netkeep"
    assert [c["name"] for c in data["contacts"]] == ["Sam Lee", "Ana Ruiz"]
    assert len(data["touchpoints"]) == 1 and len(data["asks"]) == 1
    assert data == json.loads(cli.ok("export").stdout)
    assert cli("backup", str(dest)).exit_code == 2  # exists: --force to replace it
    missing = cli("backup", str(tmp_path / "nope" / "team.json"))
    assert missing.exit_code == 2 and "no such folder" in missing.stderr


def test_backup_restores_with_import_into_an_empty_database(cli, pg, tmp_path):
    """The backup is the whole database: imported into an empty one, ids kept, it exports the same,
    and the next writes get ids above the restored ones."""
    seed()
    cli.ok("log", "ana", "--in", "--via", "email", "--ask", "a reference", "--when", "2026-04-01")
    cli.ok("log", "ana", "--give", "the reference", "--fulfils", "2", "--when", "2026-04-02")
    cli.ok("archive", "sam")
    dest = tmp_path / "team.json"
    cli.ok("backup", str(dest))
    backed_up = pg.dump()
    pg.run("DROP SCHEMA public CASCADE")
    pg.run("CREATE SCHEMA public")
    result = cli.ok("import", str(dest))
    assert "ids kept" in result.stderr, result.stderr
    assert pg.dump() == backed_up
    assert json.loads(cli.ok("export").stdout) == json.loads(dest.read_text())
    cli.ok("log", "ana", "--my-ask", "coffee", "--their-give", "advice", "--when", "2026-05-01")
    cli.ok("add", "Bo Chen")
    after = pg.dump()
    for table in ("contact", "touchpoint", "ask", "give"):
        highest = max(row[0] for row in backed_up[table])
        assert [row[0] for row in after[table]][-1] == highest + 1, table


def test_backup_of_an_empty_server_database_is_refused(cli, pg, tmp_path):
    result = cli("backup", str(tmp_path / "x.json"))
    assert result.exit_code == 1 and "nothing to back up" in result.stderr
    assert pg.tables() == []


def test_completion_reads_a_private_cache_and_never_connects(cli, pg, tmp_path):
    seed()
    with write("archive") as db:
        from netkeep.models import Contact

        db.get(Contact, 2).archived = True
    cli.ok("undo")  # any command refreshes the cache: Ana is active again
    [cache] = list((tmp_path / "cache").rglob("*.json"))
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    assert "s3cret" not in cache.read_text() and json.loads(cache.read_text()) == [
        "Ana Ruiz",
        "Sam Lee",
    ]
    code = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise SystemExit('a network connection was attempted')\n"
        "socket.socket.connect = refuse\n"
        "from netkeep.completion import contact_completions\n"
        "print(contact_completions(None, 'sa'))\n"
        "assert 'psycopg' not in sys.modules and 'sqlalchemy' not in sys.modules\n"
    )
    env = dict(os.environ)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['sam Lee']"  # the prefix as typed
    env["NETKEEP_DATABASE_URL"] = pg.text.rsplit("/", 1)[0] + "/another_database"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.stdout.strip() == "[]"  # another database: no cache, nothing offered


def test_the_names_cache_is_rewritten_only_when_the_names_changed(cli, pg, tmp_path):
    seed()
    cli.ok("list")
    [cache] = list((tmp_path / "cache").rglob("*.json"))
    written = cache.stat()
    cli.ok("log", "sam", "--via", "email")
    cli.ok("stale")
    assert cache.stat().st_ino == written.st_ino  # same names: the file was left alone
    assert cache.stat().st_mtime_ns == written.st_mtime_ns
    # A colleague's change (here behind netkeep's back) reaches the cache with the next command.
    pg.run("UPDATE contact SET name = 'Ana Ruiz-Lee' WHERE name = 'Ana Ruiz'")
    cli.ok("log", "sam", "--via", "email")
    assert json.loads(cache.read_text()) == ["Ana Ruiz-Lee", "Sam Lee"]
    cli.ok("archive", "Ana")
    assert json.loads(cache.read_text()) == ["Sam Lee"]


def test_the_ledger_step_moves_gives_on_the_server_too(pg, monkeypatch):
    """A server database at m005 with gives on touchpoints upgrades like a file (m006's body)."""
    import netkeep.db

    monkeypatch.setattr(netkeep.db, "MIGRATIONS", netkeep.migrations.MIGRATIONS[:5])
    with write(None):
        pass
    pg.run(
        "INSERT INTO contact (name, tier, created_at) VALUES ('Ana', 'close', '2025-02-01 17:30Z');"
        "INSERT INTO touchpoint (contact_id, occurred_at, channel, direction, two_way, give) "
        "VALUES (1, '2025-02-01 17:30Z', 'email', 'in', false, NULL),"
        " (1, '2025-02-03 09:00Z', 'email', 'out', false, 'intro to Acme');"
        "INSERT INTO ask (contact_id, touchpoint_id, asked_by, what, status, opened_at, resolved_at)"
        " VALUES (1, 1, 'them', 'an intro', 'done', '2025-02-01 17:30Z', '2025-02-03 09:00Z');"
    )
    monkeypatch.setattr(netkeep.db, "MIGRATIONS", netkeep.migrations.MIGRATIONS)
    with write(None):
        pass
    assert pg.rows("SELECT contact_id, touchpoint_id, given_by, what, fulfils FROM give") == [
        (1, 2, "me", "intro to Acme", 1)
    ]
    columns = [row[0] for row in pg.rows(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'touchpoint'"
    )]  # fmt: skip
    assert "give" not in columns and "no_reply" in columns
    pg.run("UPDATE ask SET status = 'withdrawn'")  # the widened check
    assert len(pg.rows("SELECT name FROM netkeep_migrations")) == len(STEPS)

"""Schema upgrades: every released schema opens with nothing lost, after a backup copy.

`tests/fixtures/schema-<step>.db` is a database as that release wrote it, with realistic rows.
When a migration is added, add the fixture of the schema before it (`python tests/store/test_migrations.py`
writes the m001 one; copy it as a starting point) so the upgrade from every release stays tested.
"""

from __future__ import annotations

import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

import netkeep.db
import netkeep.migrations

# Upgrades of SQLite files as earlier releases wrote them (tests/fixtures/schema-*.db).
pytestmark = pytest.mark.sqlite_only

FIXTURES = Path(__file__).parents[1] / "fixtures"
RELEASED = ["m001_initial", "m002_touchpoint_history_index"]
# Every step the current code knows, in order (read before any test patches the list).
CURRENT = [name for name, _ in netkeep.migrations.MIGRATIONS]

# Realistic rows as netkeep m001 stored them: naive UTC text times, JSON lists, 0/1 flags.
M001_ROWS = """
INSERT INTO contact VALUES
 (1, 'Sam Lee', '["sam@example.com"]', '+1 555 0100', 'Acme', 'CTO', '["recruiter", "sf"]',
  'close', NULL, 'met at PyCon', '2025-01-10 09:00:00.000000', 0),
 (2, 'Ana Ruiz', '["ana@ruiz.dev", "ana.ruiz@work.example"]', NULL, 'Globex', NULL, '["mentor"]',
  'network', '6w', NULL, '2025-02-01 17:30:00.000000', 0),
 (3, 'Jo [bold]x[/bold] "O''Brien"; DROP TABLE contact;--', '[]', NULL, NULL, NULL, '[]',
  'acquaintance', NULL, 'markup, quotes and SQL in a name', '2025-03-03 08:15:00.000000', 0),
 (4, 'Zoë Ünal 😀', '["zoe@example.org"]', NULL, NULL, NULL, '["ünïcode"]', 'inner', '2w', NULL,
  '2025-04-04 12:00:00.250000', 0),
 (5, 'Old Boss', '[]', NULL, 'Initech', 'Manager', '[]', 'network', NULL, NULL,
  '2024-06-01 10:00:00.000000', 1),
 (6, 'Sam Lee', '["sam.lee@other.example"]', NULL, NULL, NULL, '[]', 'network', NULL, NULL,
  '2025-05-05 05:05:05.000000', 0),
 (7, 'סלמה אל‏-עלי', '[]', NULL, NULL, NULL, '[]', 'network', '3m', 'RTL name', '2025-06-01 00:00:00.000000', 0);

INSERT INTO touchpoint VALUES
 (1, 1, '2025-01-10 09:00:00.000000', 'meeting', 'out', 1, 'coffee', NULL),
 (2, 1, '2025-02-14 16:00:00.000000', 'call', 'in', 1, NULL, 'referral to Bo'),
 (3, 1, '2025-05-01 10:00:00.000000', 'call', 'out', 0, 'voicemail', NULL),
 (4, 1, '2025-06-01 10:00:00.000000', 'call', 'out', 0, 'voicemail', NULL),
 (5, 1, '2025-07-01 10:00:00.000000', 'email', 'out', 0, NULL, NULL),
 (6, 2, '2025-02-01 17:30:00.000000', 'email', 'in', 0, 'asked for an intro', NULL),
 (7, 2, '2025-02-03 09:00:00.000000', 'email', 'out', 0, NULL, 'intro to Acme'),
 (8, 2, '2025-09-09 09:09:09.000000', 'meeting', 'out', 1, NULL, NULL),
 (9, 3, '2025-03-03 08:15:00.000000', 'social', 'in', 0, 'Jo [red]hi[/red]', NULL),
 (10, 4, '2025-04-04 12:00:00.250000', 'text', 'in', 0, '😀 thanks!', NULL),
 (11, 4, '2025-04-05 12:00:00.000000', 'call', 'out', 1, NULL, NULL),
 (12, 5, '2024-06-01 10:00:00.000000', 'letter', 'out', 0, NULL, NULL),
 (13, 6, '2025-05-05 05:05:05.000000', 'other', 'in', 1, NULL, NULL),
 (14, 2, '2026-01-15 11:00:00.000000', 'email', 'in', 0, 'needs help again', NULL);

INSERT INTO ask VALUES
 (1, 2, 6, 'them', 'an introduction to Acme', 'done', '2025-02-01 17:30:00.000000',
  '2025-02-03 09:00:00.000000'),
 (2, 1, 3, 'me', 'a recommendation', 'open', '2025-05-01 10:00:00.000000', NULL),
 (3, 4, 10, 'them', 'a job lead', 'declined', '2025-04-04 12:00:00.250000',
  '2025-04-10 00:00:00.000000'),
 (4, 2, 14, 'them', 'a job lead', 'open', '2026-01-15 11:00:00.000000', NULL);
"""


def write_m001_fixture(path: Path) -> None:
    """The m001 schema (its SQL as released) plus M001_ROWS, in one plain file (rollback journal)."""
    name, sql = netkeep.migrations.MIGRATIONS[0]
    assert name == "m001_initial"
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE netkeep_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL);"
        + sql
        + "INSERT INTO netkeep_migrations VALUES ('m001_initial', '2026-06-01T00:00:00+00:00');"
        + M001_ROWS
    )
    con.commit()
    con.execute("VACUUM")
    con.close()


def write_fixture(path: Path, last_step: str) -> None:
    """The m001 fixture brought up to `last_step` with each step's SQL as released."""
    write_m001_fixture(path)
    con = sqlite3.connect(path)
    for name, sql in netkeep.migrations.MIGRATIONS[1:]:
        con.executescript(sql)
        con.execute(
            "INSERT INTO netkeep_migrations VALUES (?, '2026-06-01T00:00:00+00:00')", (name,)
        )
        con.commit()
        if name == last_step:
            break
    con.execute("VACUUM")
    con.close()


def dump(path: Path) -> list[str]:
    con = sqlite3.connect(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


# The columns every released schema has; later steps add more (m005: a touchpoint's source), and
# m006 moves a touchpoint's give to the ledger and adds no_reply in its place.
RELEASED_COLUMNS = {
    "contact": "*",
    "touchpoint": "id, contact_id, occurred_at, channel, direction, two_way, note",
    "ask": "*",
}


def table_rows(path: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(path)
    try:
        columns = dict(RELEASED_COLUMNS)
        has_give = any(row[1] == "give" for row in con.execute("PRAGMA table_info(touchpoint)"))
        columns["touchpoint"] += ", give" if has_give else ", no_reply"
        return {
            table: con.execute(f"SELECT {names} FROM {table} ORDER BY id").fetchall()
            for table, names in columns.items()
        }
    finally:
        con.close()


def with_ledger(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Rows of a schema before the favour ledger as they read after it: the touchpoint's give moved
    to the give table and no_reply (false) added."""
    return {**rows, "touchpoint": [(*row[:7], 0) for row in rows["touchpoint"]]}


def ledger_gives(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT touchpoint_id, given_by, what, given_at, fulfils FROM give ORDER BY id"
        ).fetchall()
    finally:
        con.close()


def moved_gives(touchpoints: list[tuple]) -> list[tuple]:
    """What m006 makes of m001's touchpoint gives (fulfils: M001_ROWS's ask 1 was resolved done by
    touchpoint 7's give)."""
    return [
        (tp[0], "me" if tp[4] == "out" else "them", tp[7], tp[2], 1 if tp[0] == 7 else None)
        for tp in touchpoints
        if tp[7] is not None
    ]


def schema(path: Path) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    finally:
        con.close()


class ReleasedDb(type(Path())):
    step: str


@pytest.fixture
def released_db(db_path, request) -> Path:
    """A copy of a released schema's fixture where NETKEEP_DB points (`.step`: its last step)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / f"schema-{request.param}.db", db_path)
    db_path.chmod(0o600)
    released = ReleasedDb(db_path)
    released.step = request.param
    return released


def test_the_m001_fixture_is_what_the_builder_writes(tmp_path):
    fresh = tmp_path / "fresh.db"
    write_m001_fixture(fresh)
    assert dump(fresh) == dump(FIXTURES / "schema-m001_initial.db")


@pytest.mark.parametrize("step", RELEASED[1:])
def test_later_fixtures_are_what_the_builder_writes(tmp_path, step):
    fresh = tmp_path / "fresh.db"
    write_fixture(fresh, step)
    assert dump(fresh) == dump(FIXTURES / f"schema-{step}.db")


@pytest.mark.parametrize("released_db", RELEASED, indirect=True)
def test_the_id_upgrade_keeps_every_row_index_and_key(cli, released_db):
    before = table_rows(released_db)
    cli.ok("list")
    assert table_rows(released_db) == with_ledger(before)
    assert ledger_gives(released_db) == moved_gives(before["touchpoint"])
    con = sqlite3.connect(released_db)
    try:
        tables = dict(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        indexes = {
            row[0]
            for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            if not row[0].startswith("sqlite_")
        }
        keys = {
            table: sorted(
                (row[2], row[3], row[6]) for row in con.execute(f"PRAGMA foreign_key_list({table})")
            )
            for table in ("contact", "touchpoint", "ask")
        }
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counters = dict(con.execute("SELECT name, seq FROM sqlite_sequence"))
    finally:
        con.close()
    for table in ("contact", "touchpoint", "ask"):
        assert "AUTOINCREMENT" in tables[table], table
        assert not any(name.endswith("_rebuilt") for name in tables)
    assert {
        "ix_contact_name",
        "ix_touchpoint_history",
        "ix_touchpoint_source_key",
        "ix_ask_contact",
        "ix_ask_touchpoint",
    } <= indexes
    assert keys == {
        "contact": [],
        "touchpoint": [("contact", "contact_id", "CASCADE")],
        "ask": [("contact", "contact_id", "CASCADE"), ("touchpoint", "touchpoint_id", "CASCADE")],
    }
    assert counters == {"contact": 7, "touchpoint": 14, "ask": 4, "give": 2}
    # The keys still act: removing a contact takes its history with it, and ids go on from there.
    cli.ok("rm", "#7", "--yes")
    assert cli.json("add", "New Person")["id"] == 8
    cli.ok("rm", "#2", "--yes")
    assert [t["id"] for t in cli.json("show", "#1")["touchpoints"]] == [5, 4, 3, 2, 1]
    assert sorted(a["id"] for a in cli.json("asks", "--all")) == [2, 3]


@pytest.mark.parametrize("released_db", RELEASED, indirect=True)
def test_every_released_schema_opens_with_nothing_lost(cli, released_db):
    before = table_rows(released_db)
    listed = cli.json("list", "--archived")
    assert sorted(row["id"] for row in listed) == [row[0] for row in before["contact"]]
    for contact_id, name, *_ in before["contact"]:
        shown = cli.json("show", f"#{contact_id}")
        assert shown["name"] == name
        expected = [row[0] for row in before["touchpoint"] if row[1] == contact_id]
        assert sorted(t["id"] for t in shown["touchpoints"]) == expected
        # A touchpoint's give moved to the ledger and still reads back as the touchpoint's give.
        gives = {t["id"]: t["give"] for t in shown["touchpoints"]}
        assert gives == {row[0]: row[7] for row in before["touchpoint"] if row[1] == contact_id}
    cli.ok("log", "#2", "--via", "email", "--when", "2026-06-01")  # and it still takes writes
    after = table_rows(released_db)
    assert after["contact"] == before["contact"]
    assert after["ask"] == before["ask"]
    # m006 moved the give column into the ledger and added no_reply (false for all old rows).
    old = [(*row[:7], 0) for row in before["touchpoint"]]
    assert after["touchpoint"][: len(before["touchpoint"])] == old
    assert ledger_gives(released_db) == moved_gives(before["touchpoint"])
    # m005's columns: the touchpoints typed before it are not captured ones
    con = sqlite3.connect(released_db)
    try:
        sources = set(con.execute("SELECT source, source_key FROM touchpoint"))
    finally:
        con.close()
    assert sources == {(None, None)}
    assert len(after["touchpoint"]) == len(before["touchpoint"]) + 1


def test_the_ledger_step_keeps_captured_touchpoints_and_their_unique_key(cli, db_path):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    write_fixture(db_path, "m005_touchpoint_source")
    db_path.chmod(0o600)
    con = sqlite3.connect(db_path)
    con.execute(
        "UPDATE touchpoint SET source = 'mbox', source_key = '<a@example.com>' WHERE id = 7"
    )
    con.commit()
    con.close()
    cli.ok("list")
    con = sqlite3.connect(db_path)
    try:
        row = con.execute(
            "SELECT source, source_key, no_reply FROM touchpoint WHERE id = 7"
        ).fetchone()
        with pytest.raises(sqlite3.IntegrityError):
            con.execute(
                "INSERT INTO touchpoint (contact_id, occurred_at, channel, direction, two_way, "
                "source, source_key) VALUES (2, '2026-01-01 00:00:00.000000', 'email', 'in', 0, "
                "'mbox', '<a@example.com>')"
            )
    finally:
        con.close()
    assert row == ("mbox", "<a@example.com>", 0)
    shown = {t["id"]: t for t in cli.json("show", "#2")["touchpoints"]}
    assert (shown[7]["source"], shown[7]["source_key"]) == ("mbox", "<a@example.com>")
    assert shown[7]["gives"] == [{"id": 2, "by": "me", "what": "intro to Acme", "fulfils": 1}]


@pytest.mark.parametrize("released_db", RELEASED, indirect=True)
def test_released_rows_read_back_exactly(cli, released_db):
    shown = cli.json("show", "#3")
    assert shown["name"] == 'Jo [bold]x[/bold] "O\'Brien"; DROP TABLE contact;--'
    assert cli.json("show", "zoe@example.org")["name"] == "Zoë Ünal 😀"
    ana = cli.json("show", "ana@ruiz.dev")
    assert ana["emails"] == ["ana@ruiz.dev", "ana.ruiz@work.example"]
    assert ana["cadence"] == "6w"
    assert {ask["id"]: ask["status"] for ask in ana["asks"]} == {1: "done", 4: "open"}
    assert cli.json("show", "#5")["archived"] is True


# --- an upgrade, with a second step standing in for the next release's migration -----------------


def with_extra_step(monkeypatch, name: str, sql: str) -> None:
    steps = [*netkeep.migrations.MIGRATIONS, (name, sql)]
    monkeypatch.setattr(netkeep.migrations, "MIGRATIONS", steps)
    monkeypatch.setattr(netkeep.db, "MIGRATIONS", steps)


def backups_of(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.*.bak"))


@pytest.mark.parametrize("released_db", RELEASED, indirect=True)
@pytest.mark.parametrize("command", [["list"], ["log", "sam@example.com"]], ids=["read", "write"])
def test_an_upgrade_keeps_a_private_copy_and_every_row(cli, monkeypatch, released_db, command):
    before_dump = dump(released_db)
    before_rows = table_rows(released_db)
    with_extra_step(
        monkeypatch,
        "m900_test_example",
        "CREATE INDEX ix_touchpoint_channel ON touchpoint (channel);\n"
        "ALTER TABLE contact ADD COLUMN nickname TEXT;",
    )
    cli.ok(*command)

    [backup] = backups_of(released_db)
    assert backup.name.startswith(f"{released_db.name}.{released_db.step}.")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert dump(backup) == before_dump

    after = table_rows(released_db)
    assert [row[:12] for row in after["contact"]] == before_rows["contact"]
    old = [(*row[:7], 0) for row in before_rows["touchpoint"]]
    assert after["touchpoint"][: len(before_rows["touchpoint"])] == old
    assert ledger_gives(released_db) == moved_gives(before_rows["touchpoint"])
    assert after["ask"] == before_rows["ask"]
    con = sqlite3.connect(released_db)
    applied = [row[0] for row in con.execute("SELECT name FROM netkeep_migrations ORDER BY name")]
    indexes = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    con.close()
    assert applied == [*CURRENT, "m900_test_example"]
    assert "ix_touchpoint_channel" in indexes

    cli.ok("list")  # nothing pending any more: no second copy
    assert len(backups_of(released_db)) == 1


@pytest.mark.parametrize("released_db", RELEASED, indirect=True)
def test_a_failing_step_rolls_back_entirely(cli, monkeypatch, released_db):
    cli.ok("list")  # bring it to the current schema first: the broken step is the only one pending
    before_dump = dump(released_db)
    before_schema = schema(released_db)
    with_extra_step(
        monkeypatch,
        "m900_broken",
        "CREATE INDEX ix_touchpoint_channel ON touchpoint (channel);\n"
        "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
        "ALTER TABLE contact ADD COLUMN nickname TEXT;\n"
        "INSERT INTO no_such_table VALUES (1);",
    )
    result = cli("log", "sam@example.com")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert schema(released_db) == before_schema
    assert dump(released_db) == before_dump
    # The copy taken before the step stays beside it, identical.
    backup = sorted(backups_of(released_db), key=lambda path: path.stat().st_mtime_ns)[-1]
    assert dump(backup) == before_dump


def test_a_step_that_breaks_a_foreign_key_rolls_back(cli, monkeypatch, db_path):
    """Steps run with foreign keys off (to rebuild tables); a step that leaves a touchpoint
    without its contact is refused before it commits."""
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam")
    before = dump(db_path)
    with_extra_step(monkeypatch, "m900_dangling", "DELETE FROM contact;")
    result = cli("list")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: schema step m900_dangling would leave touchpoint")
    assert dump(db_path) == before


def test_a_later_failing_step_keeps_the_steps_before_it(cli, monkeypatch, db_path):
    """Each step commits with its record: a failure at one step keeps every step before it."""
    cli.ok("add", "Sam Lee")
    with_extra_step(monkeypatch, "m900_ok", "CREATE INDEX ix_ask_status ON ask (status);")
    steps = [*netkeep.db.MIGRATIONS, ("m901_broken", "INSERT INTO no_such_table VALUES (1);")]
    monkeypatch.setattr(netkeep.db, "MIGRATIONS", steps)
    assert cli("list").exit_code == 1
    con = sqlite3.connect(db_path)
    applied = [row[0] for row in con.execute("SELECT name FROM netkeep_migrations ORDER BY name")]
    con.close()
    assert applied == [*CURRENT, "m900_ok"]


def test_a_new_database_gets_every_step_and_no_backup(cli, db_path):
    cli.ok("add", "Sam Lee")
    con = sqlite3.connect(db_path)
    applied = [row[0] for row in con.execute("SELECT name FROM netkeep_migrations")]
    con.close()
    assert applied == [name for name, _ in netkeep.migrations.MIGRATIONS]
    assert backups_of(db_path) == []


if __name__ == "__main__":
    write_m001_fixture(FIXTURES / "schema-m001_initial.db")
    for released_step in RELEASED[1:]:
        write_fixture(FIXTURES / f"schema-{released_step}.db", released_step)

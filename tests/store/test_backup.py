"""backup: a consistent, private copy through SQLite's online backup, even while others write."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

# `backup` of the SQLite file: a consistent copy of the file itself. Backup on a PostgreSQL server
# (a JSON export of one snapshot) is tested in test_postgresql.py.
pytestmark = pytest.mark.sqlite_only

# Logs touchpoints straight into the database, one transaction each, until told to stop.
WRITER = r"""
import sqlite3, sys, time
from pathlib import Path
db, stop = sys.argv[1], Path(sys.argv[2])
connection = sqlite3.connect(db, timeout=30, isolation_level=None)
connection.execute("PRAGMA busy_timeout = 30000")
n = 0
print("ready", flush=True)
while not stop.exists():
    n += 1
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO touchpoint (contact_id, occurred_at, channel, direction, two_way, note) "
        "VALUES (1, '2026-01-01 00:00:00.000000', 'email', 'out', 0, ?)", (f"n{n}" * 50,))
    connection.execute("COMMIT")
print(n, flush=True)
"""


def check(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return connection


def test_backup_copies_everything_privately(cli, db_path, tmp_path):
    cli.ok("add", "Sam Lee", "--email", "sam@example.com")
    cli.ok("log", "sam", "--ask", "a recommendation")
    dest = tmp_path / "backups" / "netkeep.db"
    dest.parent.mkdir()
    result = cli.ok("backup", str(dest))
    assert result.stdout == "" and result.stderr == ""  # quiet off a terminal (cron)
    assert dest.stat().st_mode & 0o777 == 0o600
    connection = check(dest)
    assert connection.execute("SELECT name FROM contact").fetchall() == [("Sam Lee",)]
    connection.close()
    assert cli.json("--db", str(dest), "asks")[0]["what"] == "a recommendation"
    assert [p.name for p in dest.parent.iterdir()] == ["netkeep.db"]


def test_existing_dest_needs_force(cli, db_path, tmp_path):
    cli.ok("add", "Sam")
    dest = tmp_path / "copy.db"
    dest.write_text("something precious", encoding="utf-8")
    result = cli("backup", str(dest))
    assert result.exit_code == 2 and "use --force" in result.stderr
    assert dest.read_text(encoding="utf-8") == "something precious"
    cli.ok("backup", str(dest), "--force")
    check(dest).close()
    assert dest.stat().st_mode & 0o777 == 0o600


def test_backup_onto_the_database_itself_is_refused(cli, db_path):
    cli.ok("add", "Sam")
    result = cli("backup", str(db_path), "--force")
    assert result.exit_code == 2 and "the database itself" in result.stderr


def test_missing_database_is_a_runtime_failure(cli, db_path, tmp_path):
    dest = tmp_path / "copy.db"
    result = cli("backup", str(dest))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no database at ")
    assert not dest.exists() and not db_path.exists()


def test_missing_dest_folder_is_bad_input(cli, tmp_path):
    cli.ok("add", "Sam")
    result = cli("backup", str(tmp_path / "nope" / "copy.db"))
    assert result.exit_code == 2 and "no such folder" in result.stderr


def test_backup_while_another_process_writes(cli, db_path, tmp_path):
    cli.ok("add", "Sam")
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.2)
        counts = []
        for n in range(3):
            dest = tmp_path / f"copy{n}.db"
            cli.ok("backup", str(dest))
            connection = check(dest)
            counts.append(connection.execute("SELECT count(*) FROM touchpoint").fetchone()[0])
            connection.close()
            time.sleep(0.1)
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=30)[0].strip())
    assert writer.returncode == 0
    assert 0 < counts[0] <= counts[1] <= counts[2] <= written
    connection = check(db_path)
    assert connection.execute("SELECT count(*) FROM touchpoint").fetchone()[0] == written
    connection.close()

"""Corrupt, foreign and unwritable database files: one `Error:` line, exit 1, the file untouched."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

# Faults of the SQLite file: not a database, foreign, newer, a folder, read-only. (A killed import,
# on both engines, is in test_concurrency.py.)
pytestmark = pytest.mark.sqlite_only

WRITES = [["add", "Sam Lee"], ["log", "sam", "--create"]]
READS = [["list"], ["stale"], ["show", "sam"]]

NOT_SQLITE = {
    "text": b"name,email\nSam,sam@example.com\n",
    "random": bytes((i * 73 + 41) % 256 for i in range(4096)),
    "truncated-header": b"SQLite format 3\x00" + b"\x10\x00\x02\x02" + b"\x00" * 20,
    "json": b'{"format": "netkeep", "version": 1}\n',
}


def snapshot(path: Path) -> bytes:
    return path.read_bytes()


def no_side_files(path: Path) -> bool:
    return not any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm", "-journal"))


def assert_clean_failure(result, *, code: int = 1) -> None:
    stderr = result.stderr
    assert result.exit_code == code, (result.exit_code, result.stdout, stderr)
    assert stderr.startswith("Error: "), stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert "Traceback" not in stderr + result.stdout
    assert "unexpected failure" not in stderr


@pytest.mark.parametrize("kind", sorted(NOT_SQLITE))
@pytest.mark.parametrize("args", WRITES + READS, ids=lambda a: a[0])
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(cli, db_path, kind, args):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(NOT_SQLITE[kind])
    result = cli(*args)
    assert_clean_failure(result)
    assert "not a SQLite file" in result.stderr
    assert snapshot(db_path) == NOT_SQLITE[kind]
    assert no_side_files(db_path)


def test_not_sqlite_as_a_real_process(run, db_path):
    """The same through the installed script: no traceback on a real stderr either."""
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(NOT_SQLITE["text"])
    result = run("log", "sam", "--no-answer")
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
    assert snapshot(db_path) == NOT_SQLITE["text"]


def make_foreign(path: Path) -> bytes:
    """A SQLite database of some other program (a browser history, say)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    con.executescript(
        "CREATE TABLE urls (id INTEGER PRIMARY KEY, url TEXT, visits INTEGER);"
        "INSERT INTO urls (url, visits) VALUES ('https://example.com', 3);"
        "CREATE TABLE contact (id INTEGER PRIMARY KEY, name TEXT);"
    )
    con.commit()
    con.close()
    return path.read_bytes()


@pytest.mark.parametrize("args", WRITES + READS, ids=lambda a: a[0])
def test_another_programs_sqlite_database_is_refused_byte_for_byte(cli, db_path, args):
    before = make_foreign(db_path)
    result = cli(*args)
    assert_clean_failure(result)
    assert "another program" in result.stderr
    assert snapshot(db_path) == before
    assert no_side_files(db_path)


def test_a_database_from_a_newer_netkeep_is_refused_unchanged(cli, db_path):
    cli.ok("add", "Sam Lee")
    con = sqlite3.connect(db_path)
    con.execute("INSERT INTO netkeep_migrations VALUES ('m999_from_the_future', '2030-01-01')")
    con.commit()
    con.close()
    before = snapshot(db_path)
    for args in WRITES + READS:
        result = cli(*args)
        assert_clean_failure(result)
        assert "newer netkeep" in result.stderr
    assert snapshot(db_path) == before


def test_a_directory_is_refused(cli, db_path):
    db_path.mkdir(parents=True)
    for args in WRITES + READS:
        assert_clean_failure(cli(*args))
    assert list(db_path.iterdir()) == []


def test_a_directory_given_with_db_is_refused(cli, tmp_path):
    folder = tmp_path / "folder.db"
    folder.mkdir()
    result = cli("--db", str(folder), "add", "Sam Lee")
    # The option's own check answers first (exit 2, bad input); db.py answers 1 for NETKEEP_DB.
    assert result.exit_code in (1, 2)
    assert result.stderr.startswith("Error: ") and "directory" in result.stderr
    assert list(folder.iterdir()) == []


def test_a_failed_first_write_leaves_no_database_behind(cli, db_path):
    result = cli("log", "nobody-at-all")
    assert result.exit_code == 2
    assert not db_path.exists()
    assert not db_path.parent.exists() or list(db_path.parent.iterdir()) == []


def test_a_zero_byte_file_is_an_empty_database(cli, db_path):
    """What `touch netkeep.db` leaves: SQLite treats it as empty, and so does netkeep."""
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    cli.ok("add", "Sam Lee")
    assert [row["name"] for row in cli.json("list")] == ["Sam Lee"]


# --- read-only ----------------------------------------------------------------------------------

CAP_DAC_OVERRIDE = 1
CAP_DAC_READ_SEARCH = 2
PR_CAPBSET_DROP = 24


def _drop_root_override() -> None:
    """In the child before exec: drop root's power to ignore file modes (kept uid 0)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _can_drop_root_override() -> bool:
    probe = subprocess.run(
        ["sh", "-c", "grep CapEff /proc/self/status"],
        preexec_fn=_drop_root_override,
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return False
    effective = int(probe.stdout.split()[1], 16)
    return not effective & (1 << CAP_DAC_OVERRIDE)


# Runs each command in-process inside one child, to pay for Python's start-up only once.
_DRIVER = """
import json, sys
from typer.testing import CliRunner
from netkeep.cli import app
results = []
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(app, args)
    results.append([result.exit_code, result.stdout, result.stderr])
print(json.dumps(results))
"""


def run_respecting_modes(commands: list[list[str]]) -> list[tuple[int, str, str]]:
    """Run netkeep commands so that file modes bind them: as root, without CAP_DAC_OVERRIDE."""
    preexec = _drop_root_override if os.geteuid() == 0 else None
    child = subprocess.run(
        [sys.executable, "-c", _DRIVER, json.dumps(commands)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        preexec_fn=preexec,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    return [tuple(result) for result in json.loads(child.stdout)]


@pytest.fixture
def read_only_db(cli, tmp_path):
    """A real netkeep database whose file (0400) and folder (0500) cannot be written."""
    if os.geteuid() == 0:
        try:
            usable = _can_drop_root_override()
        except OSError:
            usable = False
        if not usable:
            pytest.skip("running as root without the right to drop CAP_DAC_OVERRIDE")
    folder = tmp_path / "ro"
    path = folder / "netkeep.db"
    cli.ok("--db", str(path), "add", "Sam Lee")
    cli.ok("--db", str(path), "log", "sam")
    path.chmod(0o400)
    folder.chmod(0o500)
    yield path
    folder.chmod(0o700)
    path.chmod(0o600)


def test_a_read_only_database_refuses_writes_and_stays_untouched(read_only_db):
    before = snapshot(read_only_db)
    db = ["--db", str(read_only_db)]
    writes = [*WRITES, ["undo"], ["rm", "sam", "--yes"], ["edit", "sam", "--phone", "1"]]
    reads = READS
    results = run_respecting_modes([db + args for args in writes + reads])
    for args, (code, _stdout, stderr) in zip(writes, results, strict=False):
        assert code == 1, (args, stderr)
        assert stderr.startswith("Error: ") and "read-only" in stderr, (args, stderr)
    # A WAL database needs its -shm beside it even to read: a clear error, never a traceback.
    for args, (code, _stdout, stderr) in zip(reads, results[len(writes) :], strict=True):
        assert code in (0, 1), (args, stderr)
        if code:
            assert stderr.startswith("Error: ") and "read-only" in stderr, (args, stderr)
    for _code, stdout, stderr in results:
        assert "Traceback" not in stdout + stderr
    assert snapshot(read_only_db) == before
    assert sorted(p.name for p in read_only_db.parent.iterdir()) == ["netkeep.db"]

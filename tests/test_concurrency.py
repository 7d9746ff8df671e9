"""Several processes writing at once (WAL, busy timeout), and a lock held past the timeout."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import BuiltRunner

WORKERS = 8
WRITES_EACH = 25

# One process per writer, each running `netkeep log` in-process 25 times: real concurrency between
# processes without paying Python's start-up 200 times. Forked from the test process, which has
# netkeep imported already; all start writing at the same moment.


def _writer(worker: int, start_at: float, failures, url: str | None = None) -> None:
    # In this child only: build the Click command once, as a real process does (Typer's runner
    # rebuilds it on every call, which would dominate the timing).
    runner = BuiltRunner()
    os.environ["NETKEEP_BUSY_TIMEOUT"] = "30"
    if url is not None:  # a team member's own role on the server
        os.environ["NETKEEP_DATABASE_URL"] = url
    while time.time() < start_at:
        time.sleep(0.002)
    mine = []
    for n in range(WRITES_EACH):
        result = runner.invoke(
            [
                "log",
                f"worker {worker}",
                "--via",
                "email",
                "--in" if n % 2 else "--out",
                "--note",
                f"w{worker}-n{n}",
                "--when",
                f"{n + 1} days ago",
            ],
        )
        if result.exit_code != 0:
            mine.append((worker, n, result.exit_code, result.stderr))
    failures.put(mine)


def test_eight_processes_writing_at_once_all_land(cli, database, engine, request):
    """On PostgreSQL the processes log as two members, Sam (even workers) and Ana (odd)."""
    urls: dict[int, str | None] = dict.fromkeys(range(WORKERS))
    if engine == "postgresql":
        members = request.getfixturevalue("members")
        urls = {w: members.url_of("ana" if w % 2 else "sam") for w in range(WORKERS)}
    for worker in range(WORKERS):
        add = ["add", f"Worker {worker}"]
        cli.ok(*(["--db-url", urls[0], *add] if urls[0] else add))  # Sam creates the tables
    context = multiprocessing.get_context("fork")
    failures = context.Queue()
    start_at = time.time() + 0.5
    children = [
        context.Process(target=_writer, args=(worker, start_at, failures, urls[worker]))
        for worker in range(WORKERS)
    ]
    for child in children:
        child.start()
    reported = [failures.get(timeout=300) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    assert reported == [[]] * WORKERS

    notes = {row.note for row in database.execute("SELECT note FROM touchpoint")}
    total = database.count("touchpoint")
    if engine == "sqlite":
        assert database.execute("PRAGMA journal_mode")[0][0] == "wal"
        assert database.execute("PRAGMA integrity_check")[0][0] == "ok"
    assert total == WORKERS * WRITES_EACH
    assert notes == {f"w{w}-n{n}" for w in range(WORKERS) for n in range(WRITES_EACH)}
    # Every row names the member whose process logged it.
    logged = {
        row.note: row.logged_by
        for row in database.execute("SELECT note, logged_by FROM touchpoint")
    }
    expected = {
        f"w{w}-n{n}": ("me" if engine == "sqlite" else "ana" if w % 2 else "sam")
        for w in range(WORKERS)
        for n in range(WRITES_EACH)
    }
    assert logged == expected


def hold_write_lock(db_path) -> sqlite3.Connection:
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO contact (name, tier, created_at) VALUES ('x', 'network', 'now')")
    return holder


@pytest.mark.sqlite_only
def test_a_lock_held_past_the_timeout_is_a_clear_error(cli, run, db_path):
    cli.ok("add", "Sam Lee")
    before = cli.json("list")
    holder = hold_write_lock(db_path)
    try:
        started = time.monotonic()
        result = run("log", "sam", env={"NETKEEP_BUSY_TIMEOUT": "1"})
        waited = time.monotonic() - started
        in_process = cli("add", "Bo Chen", env={"NETKEEP_BUSY_TIMEOUT": "1"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: ") and "locked" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert waited >= 1.0  # it did wait for the lock before giving up
    assert in_process.exit_code == 1 and "locked" in in_process.stderr
    assert cli.json("list") == before


@pytest.mark.sqlite_only
def test_readers_are_not_blocked_by_a_writer(cli, db_path):
    """WAL: `list`, `show` and `stale` read the last committed state while a write is open."""
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam")
    holder = hold_write_lock(db_path)
    try:
        env = {"NETKEEP_BUSY_TIMEOUT": "1"}
        names = [row["name"] for row in json.loads(cli.ok("list", "-f", "json", env=env).stdout)]
        shown = json.loads(cli.ok("show", "sam", "-f", "json", env=env).stdout)
        cli.ok("stale", env=env)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert names == ["Sam Lee"]
    assert len(shown["touchpoints"]) == 1


@pytest.mark.sqlite_only
def test_a_writer_waits_for_a_short_lock_instead_of_failing(cli, run, db_path):
    """A lock released within the busy timeout costs a wait, not an error."""
    cli.ok("add", "Sam Lee")
    holder = hold_write_lock(db_path)
    child = subprocess.Popen(
        [sys.executable, "-m", "netkeep", "log", "sam"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NETKEEP_BUSY_TIMEOUT": "30"},
    )
    time.sleep(1.5)
    holder.execute("ROLLBACK")
    holder.close()
    _stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr
    assert len(cli.json("show", "sam")["touchpoints"]) == 1

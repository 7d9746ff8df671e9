"""Several processes writing at once (WAL or the server's write lock, busy timeout), a lock held
past the timeout, and an import killed midway, on both engines."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import BuiltRunner, netkeep_executable

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


def test_a_lock_held_past_the_timeout_is_a_clear_error(cli, run, database):
    """Another writer holds the lock (a SQLite write transaction, or netkeep's advisory lock on a
    server) past NETKEEP_BUSY_TIMEOUT: one clear line, exit 1, after waiting."""
    cli.ok("add", "Sam Lee")
    before = cli.json("list")
    with database.write_lock():
        started = time.monotonic()
        result = run("log", "sam", env={"NETKEEP_BUSY_TIMEOUT": "1"})
        waited = time.monotonic() - started
        in_process = cli("add", "Bo Chen", env={"NETKEEP_BUSY_TIMEOUT": "1"})
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("Error: ") and "locked" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert waited >= 1.0  # it did wait for the lock before giving up
    assert in_process.exit_code == 1 and "locked" in in_process.stderr
    assert cli.json("list") == before


def test_readers_are_not_blocked_by_a_writer(cli, database):
    """`list`, `show` and `stale` read the last committed state while a write is open (WAL on
    SQLite; on a server reads take no write lock)."""
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam")
    with database.write_lock():
        env = {"NETKEEP_BUSY_TIMEOUT": "1"}
        names = [row["name"] for row in json.loads(cli.ok("list", "-f", "json", env=env).stdout)]
        shown = json.loads(cli.ok("show", "sam", "-f", "json", env=env).stdout)
        cli.ok("stale", env=env)
    assert names == ["Sam Lee"]
    assert len(shown["touchpoints"]) == 1


def test_a_writer_waits_for_a_short_lock_instead_of_failing(cli, database):
    """A lock released within the busy timeout costs a wait, not an error."""
    cli.ok("add", "Sam Lee")
    with database.write_lock() as holder:
        child = subprocess.Popen(
            [sys.executable, "-m", "netkeep", "log", "sam"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NETKEEP_BUSY_TIMEOUT": "30"},
        )
        database.wait_for_a_waiting_writer(child)
        holder.release()
        _stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr
    assert len(cli.json("show", "sam")["touchpoints"]) == 1


# --- a crash in the middle of an import ---------------------------------------------------------


def big_export(tmp_path: Path, run) -> Path:
    """A netkeep JSON export of a generated network, big enough that importing it takes a while."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.pop(0)
    source = tmp_path / "source.db"
    generate(source, contacts=1_000, touchpoints=30_000, years=5, seed=6)
    exported = tmp_path / "export.json"
    result = run("--db", str(source), "export", "--format", "json", "--output", str(exported))
    assert result.returncode == 0, result.stderr
    return exported


def counts(database, engine: str) -> dict[str, int]:
    if engine == "sqlite":
        assert database.execute("PRAGMA integrity_check")[0][0] == "ok"
    return {table: database.count(table) for table in ("contact", "touchpoint", "ask")}


def test_an_import_killed_midway_leaves_all_or_nothing(cli, run, tmp_path, database, engine):
    exported = big_export(tmp_path, run)
    complete = json.loads(exported.read_text(encoding="utf-8"))
    cli.ok("add", "Already Here", "--email", "here@example.org")
    cli.ok("log", "here@example.org")
    before = counts(database, engine)

    child = subprocess.Popen(
        [*netkeep_executable(), "import", str(exported)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    # Kill while the import's transaction is open: it holds the write lock from its first row
    # to its commit, so a writer that cannot get the lock knows the import is midway.
    seen_busy = killed_busy = False
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        if not database.write_lock_is_free():
            if seen_busy:  # busy on two looks 0.2 s apart: well inside the import
                child.send_signal(signal.SIGKILL)
                killed_busy = True
                break
            seen_busy = True
            time.sleep(0.2)
        else:
            time.sleep(0.005)
    child.wait(timeout=60)
    assert killed_busy and child.returncode == -signal.SIGKILL, (
        "the import finished before it could be interrupted; make the export bigger",
        child.stderr.read(),
    )

    after = counts(database, engine)
    everything = {
        "contact": before["contact"] + len(complete["contacts"]),
        "touchpoint": before["touchpoint"] + len(complete["touchpoints"]),
        "ask": before["ask"] + len(complete["asks"]),
    }
    assert after in (before, everything)
    # netkeep opens it afterwards and carries on (on a server, once the killed client's session
    # has ended and released the lock).
    assert "Already Here" in [row["name"] for row in cli.json("list")]
    cli.ok("log", "here@example.org")

"""Storage guarantees and the installed `netkeep` run as a real process (stdin not a terminal)."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest

ANSI = "\x1b["


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.sqlite_only
def test_database_is_created_on_first_write_private(cli, db_path):
    assert not db_path.parent.exists()
    cli.ok("add", "Sam Lee")
    assert mode(db_path.parent) == 0o700
    assert mode(db_path) == 0o600
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        names = [row[0] for row in conn.execute("SELECT name FROM netkeep_migrations")]
    assert names[0] == "m001_initial"


def test_db_option_beats_the_environment(cli, tmp_path, db_path):
    other = tmp_path / "elsewhere.db"
    cli.ok("--db", str(other), "add", "Sam Lee")
    assert other.exists() and not db_path.exists()
    assert cli.json("--db", str(other), "list")[0]["name"] == "Sam Lee"
    assert cli.json("list") == []


@pytest.mark.parametrize(
    "args",
    [
        ["log", "nobody"],
        ["log", "sam", "--when", "next year"],
        ["log", "sam", "--via", "fax"],
        ["add", "Sam Lee"],
        ["edit", "sam", "--tier", "nope"],
        ["edit", "sam", "--every", "sometimes"],
        ["resolve", "99"],
        ["rm", "sam"],
        ["archive", "nobody"],
        ["add", "New Person", "--email", "not-an-email"],
    ],
)
def test_a_failed_command_leaves_the_database_byte_for_byte_unchanged(cli, database, args):
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam")
    before = database.snapshot()
    result = cli(*args)
    assert result.exit_code == 2, (args, result.stderr)
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert database.snapshot() == before


def test_a_failed_first_write_creates_no_database(cli, database):
    result = cli("log", "nobody")
    assert result.exit_code == 2
    assert not database.exists()


def test_debug_shows_the_traceback(run, tmp_path):
    not_a_db = tmp_path / "garbage.db"
    not_a_db.write_bytes(b"this is not sqlite" * 100)
    plain = run("--db", str(not_a_db), "list")
    assert plain.returncode == 1
    assert plain.stderr.startswith("Error: ")
    assert plain.stderr.count("\n") == 1
    assert "Traceback" not in plain.stderr
    debug = run("--db", str(not_a_db), "list", env={"NETKEEP_DEBUG": "1"})
    assert debug.returncode != 0
    assert "Traceback (most recent call last)" in debug.stderr, debug.stderr
    assert "RuntimeFailure" in debug.stderr  # netkeep's own error, raised instead of summarised
    assert not debug.stderr.startswith("Error: ")


def test_installed_netkeep_round_trip_without_a_terminal(run, db_path, engine):
    assert run("add", "Sam Lee", "--email", "sam@example.com").returncode == 0
    logged = run("log", "sam", "--no-answer", "--format", "json")
    assert logged.returncode == 0, logged.stderr
    assert logged.stderr == ""
    assert json.loads(logged.stdout)["two_way"] is False
    listing = run("list")
    assert listing.returncode == 0
    assert "Sam Lee" in listing.stdout
    assert ANSI not in listing.stdout and ANSI not in listing.stderr
    if engine == "sqlite":
        assert mode(db_path) == 0o600


def test_installed_netkeep_output_has_no_ansi_codes_when_piped(run):
    run("add", "Jo [bold]Markup[/bold]", "--tier", "inner")
    run("log", "jo", "--when", "2026-01-01", "--no-answer")
    for args in (["list"], ["stale"], ["show", "jo"], ["score", "--explain"], ["--help"]):
        result = run(*args, env={"FORCE_COLOR": "", "TERM": "xterm-256color"})
        assert result.returncode == 0, (args, result.stderr)
        assert ANSI not in result.stdout, args
    assert "Jo [bold]Markup[/bold]" in run("list").stdout


def test_installed_netkeep_errors_are_one_line_without_traceback(run):
    for args, code in ((["show", "ghost"], 2), (["stale", "--days", "zero"], 2), (["undo"], 1)):
        result = run(*args)
        assert result.returncode == code, (args, result.stderr)
        assert result.stderr.startswith("Error: ")
        assert result.stderr.count("\n") == 1
        assert "Traceback" not in result.stderr


def test_installed_rm_refuses_without_yes_when_stdin_is_not_a_terminal(run):
    run("add", "Sam Lee")
    result = run("rm", "sam")
    assert result.returncode == 2
    assert "--yes" in result.stderr
    assert run("rm", "sam", "--yes").returncode == 0


def test_version_and_help(run):
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("netkeep ")
    helped = run("--help")
    assert helped.returncode == 0
    for group in ("Record", "Look around", "Data"):
        assert group in helped.stdout
    log_help = run("log", "--help")
    assert "netkeep log sam --no-answer" in log_help.stdout


def test_python_dash_m_works(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "netkeep", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.startswith("netkeep ")


def test_control_characters_in_names_never_reach_the_terminal(run):
    name = "\x1b[31mRed Alert"
    assert run("add", name, "--tier", "inner").returncode == 0
    assert run("log", "#1", "--when", "2026-01-01").returncode == 0
    for args in (
        ["list"],
        ["stale"],
        ["show", "#1"],
        ["digest"],
        ["digest", "--format", "markdown"],
    ):
        result = run(*args)
        assert result.returncode == 0, args
        assert "\x1b" not in result.stdout + result.stderr, args
        assert "\\x1b" in result.stdout and "Red Alert" in result.stdout, args
    assert json.loads(run("list", "--format", "json").stdout)[0]["name"] == name

"""Database paths with characters that mean something in URLs and URIs: the data lands exactly at
the path given, private, with nothing stray beside it, and every opener finds the same file."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

import netkeep.store.scores
from netkeep.db_path import sqlite_uri

# Where the SQLite file lands, whatever its path.
pytestmark = pytest.mark.sqlite_only

AWKWARD = ["dir?x", "dir#x", "50%25 off", "100% sure", "with space", "zoë ünal", "a?b#c%d e"]


def files_under(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def names_in(path: Path) -> list[str]:
    con = sqlite3.connect(sqlite_uri(path, mode="ro"), uri=True)
    try:
        return [row[0] for row in con.execute("SELECT name FROM contact ORDER BY id")]
    finally:
        con.close()


@pytest.mark.parametrize("folder", AWKWARD)
def test_data_lands_at_exactly_the_path_given(cli, tmp_path, folder):
    root = tmp_path / "root"
    root.mkdir()
    path = root / folder / "net.db"
    cli.ok("--db", str(path), "add", "Sam Lee")
    cli.ok("--db", str(path), "log", "sam")
    assert names_in(path) == ["Sam Lee"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert files_under(root) <= {
        folder,
        f"{folder}/net.db",
        f"{folder}/net.db-wal",
        f"{folder}/net.db-shm",
    }
    assert [row["name"] for row in cli.json("--db", str(path), "list")] == ["Sam Lee"]

    copy = root / "copy.db"
    cli.ok("--db", str(path), "backup", str(copy))
    data_files = {folder, f"{folder}/net.db", f"{folder}/net.db-wal", f"{folder}/net.db-shm"}
    assert files_under(root) - data_files == {"copy.db"}
    assert names_in(copy) == ["Sam Lee"]


@pytest.mark.parametrize("name", ["net?x.db", "net#1.db", "net%20.db", "nét db.db"])
def test_awkward_file_names_through_the_installed_script(run, tmp_path, name):
    root = tmp_path / "root"
    root.mkdir()
    path = root / "sub dir" / name
    env = {"NETKEEP_DB": str(path)}
    for args in (["add", "Sam Lee"], ["log", "sam"], ["backup", str(root / "b.db")]):
        result = run(*args, env=env)
        assert result.returncode == 0, (args, result.stderr)
    assert files_under(root) <= {
        "b.db",
        "sub dir",
        f"sub dir/{name}",
        f"sub dir/{name}-wal",
        f"sub dir/{name}-shm",
    }
    assert names_in(path) == ["Sam Lee"]
    assert names_in(root / "b.db") == ["Sam Lee"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("folder", ["dir#x", "a?b#c%d é"])
def test_parallel_scoring_reads_the_same_file(cli, tmp_path, monkeypatch, folder):
    root = tmp_path / "root"
    root.mkdir()
    path = root / folder / "net.db"
    for name in ("Ana Ruiz", "Bo Chen", "Cy Dee", "Di Eve"):
        cli.ok("--db", str(path), "add", name)
        for day in range(1, 5):
            cli.ok("--db", str(path), "log", name, "--when", f"2026-0{day}-01", "--via", "email")
    one_process = cli.json("--db", str(path), "score")
    monkeypatch.setattr(netkeep.store.scores, "PARALLEL_MIN_TOUCHPOINTS", 1)
    monkeypatch.setattr(netkeep.store.scores, "PARALLEL_CORES", 2)
    shared = cli.json("--db", str(path), "score")
    assert sorted(shared, key=lambda r: r["id"]) == sorted(one_process, key=lambda r: r["id"])
    assert len(shared) == 4
    assert files_under(root) <= {
        folder,
        f"{folder}/net.db",
        f"{folder}/net.db-wal",
        f"{folder}/net.db-shm",
    }


def test_sqlite_uri_quotes_what_uris_reserve():
    uri = sqlite_uri(Path("/tmp/a?b#c%d é/net.db"), mode="ro")
    assert uri == "file:///tmp/a%3Fb%23c%25d%20%C3%A9/net.db?mode=ro"

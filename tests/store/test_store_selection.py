"""Which store a command works on: --db-url > --db > NETKEEP_DATABASE_URL > NETKEEP_DB > the
default file. None of these tests needs a server: `config` never connects, and a bad URL is refused
before anything is opened."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

URL = "postgresql://team:s3cret@db.example:5432/crm"


@pytest.fixture(autouse=True)
def no_server_in_the_environment(monkeypatch):
    monkeypatch.delenv("NETKEEP_DATABASE_URL", raising=False)


SHOWN = "postgresql+psycopg://team:***@db.example:5432/crm"


def database(cli, *args, **env) -> dict:
    result = cli.ok(*args, "config", "--format", "json", env=env or None)
    return json.loads(result.stdout)


def test_the_default_is_the_sqlite_file(cli, db_path):
    data = database(cli)
    assert (data["store"], data["database"]) == ("sqlite", str(db_path))


def test_a_server_url_from_the_environment_is_shown_without_its_password(cli, monkeypatch):
    monkeypatch.setenv("NETKEEP_DATABASE_URL", URL)
    data = database(cli)
    assert (data["store"], data["database"], data["database_exists"]) == (
        "postgresql",
        SHOWN,
        None,
    )
    text = cli.ok("config").stdout
    assert f"{SHOWN}  (PostgreSQL server)" in text and "s3cret" not in text


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+psycopg"])
def test_every_postgresql_spelling_means_psycopg(cli, scheme):
    url = URL.replace("postgresql", scheme, 1)
    assert database(cli, "--db-url", url)["database"] == SHOWN


def test_precedence(cli, monkeypatch, tmp_path):
    other = tmp_path / "other.db"
    monkeypatch.setenv("NETKEEP_DATABASE_URL", URL)
    # --db beats the environment's URL; --db-url beats everything.
    assert database(cli, "--db", str(other))["database"] == str(other)
    assert database(cli, "--db-url", URL.replace("crm", "sales"))["database"] == SHOWN.replace(
        "crm", "sales"
    )
    # The environment's URL beats NETKEEP_DB.
    assert database(cli)["database"] == SHOWN
    monkeypatch.delenv("NETKEEP_DATABASE_URL")
    assert database(cli)["store"] == "sqlite"


def test_db_and_db_url_together_are_refused(cli, tmp_path):
    result = cli("--db", str(tmp_path / "x.db"), "--db-url", URL, "list")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --db and --db-url") and "s3cret" not in result.stderr


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("NETKEEP_DATABASE_URL", "mysql://team:s3cret@db.example/crm"),
        ("NETKEEP_DATABASE_URL", "sqlite:///tmp/x.db"),
        ("--db-url", "db.example/crm"),
    ],
)
def test_another_scheme_is_bad_input_naming_where_it_came_from(
    cli, monkeypatch, db_path, source, value
):
    if source == "--db-url":
        result = cli("--db-url", value, "list")
    else:
        monkeypatch.setenv(source, value)
        result = cli("list")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {source}: unsupported database URL")
    assert "s3cret" not in result.stderr
    assert not db_path.exists()


def test_a_url_without_a_database_is_bad_input(cli):
    result = cli("--db-url", "postgresql://team:s3cret@db.example", "list")
    assert result.exit_code == 2
    assert "names no database" in result.stderr and "s3cret" not in result.stderr


def test_the_command_word_is_found_after_db_url(cli):
    """`netkeep --db-url URL config` loads only `config` and still finds it."""
    from netkeep.cli import command_name

    assert command_name(["--db-url", URL, "config"]) == "config"


def test_sqlite_never_imports_psycopg(run, tmp_path):
    code = (
        "import sys\n"
        "from netkeep.cli import main\n"
        "sys.argv = ['netkeep', 'list']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'psycopg' not in sys.modules, 'psycopg imported'\n"
        "assert 'sqlalchemy.dialects.postgresql' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr

"""The suite's two engines: each test's own empty database, and the helper that inspects it."""

from __future__ import annotations

import os

import pytest
import sqlalchemy


def test_each_test_starts_on_an_empty_database_of_its_own(engine, database, db_path):
    assert not database.exists() and database.tables() == []
    selected = os.environ.get("NETKEEP_DATABASE_URL")
    if engine == "sqlite":
        assert selected is None
    else:
        url = sqlalchemy.make_url(selected)
        assert url.get_backend_name() == "postgresql" and url.database.startswith("netkeep_test_")
        assert os.environ["NETKEEP_DB"] == str(db_path)  # set, unused: no real file is reachable
    before = database.snapshot()
    db_path.parent.mkdir(parents=True)

    database.execute("CREATE TABLE probe (id integer PRIMARY KEY, name text)")
    database.execute("INSERT INTO probe (id, name) VALUES (:id, :name)", id=2, name="Sam")
    database.execute("INSERT INTO probe (id, name) VALUES (:id, :name)", id=1, name="Ann")

    assert database.exists() and database.tables() == ["probe"]
    assert database.rows("probe") == [(1, "Ann"), (2, "Sam")]
    assert database.count("probe") == 2
    assert database.dump() == {"probe": [("id", "name"), (1, "Ann"), (2, "Sam")]}
    assert database.snapshot() != before

    database.reset()
    assert not database.exists() and database.dump() == {}


def test_netkeep_writes_where_the_test_database_is(cli, database):
    cli.ok("add", "Sam Rivera", "--email", "sam@example.com")
    assert database.exists()
    assert [row.name for row in database.execute("SELECT name FROM contact")] == ["Sam Rivera"]


@pytest.mark.sqlite_only
def test_sqlite_only_tests_run_on_sqlite_alone(engine):
    assert engine == "sqlite"

"""The step that lets asks be `working` keeps every ask, its id, the id counter and the gives that
fulfil it."""

from __future__ import annotations

import sqlite3

import pytest
from test_migrations import write_fixture

pytestmark = pytest.mark.sqlite_only


def test_the_working_step_keeps_asks_ids_and_links(cli, db_path):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    write_fixture(db_path, "m008_touchpoint_history_ids")
    db_path.chmod(0o600)
    con = sqlite3.connect(db_path)
    before = con.execute("SELECT * FROM ask ORDER BY id").fetchall()
    links = con.execute("SELECT id, fulfils FROM give ORDER BY id").fetchall()
    counter = con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'ask'").fetchone()
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("UPDATE ask SET status = 'working' WHERE id = 1")
    con.close()
    assert before and any(fulfils for _id, fulfils in links)

    cli.ok("list")  # opening upgrades

    con = sqlite3.connect(db_path)
    try:
        assert con.execute("SELECT * FROM ask ORDER BY id").fetchall() == before
        assert con.execute("SELECT id, fulfils FROM give ORDER BY id").fetchall() == links
        assert (
            con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'ask'").fetchone() == counter
        )
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        applied = [row[0] for row in con.execute("SELECT name FROM netkeep_migrations")]
    finally:
        con.close()
    assert "m010_ask_working" in applied
    opened = [ask for ask in cli.json("asks", "--all") if ask["status"] == "open"]
    cli.ok("resolve", str(opened[0]["id"]), "--working")
    assert {ask["id"]: ask["status"] for ask in cli.json("asks")}[opened[0]["id"]] == "working"

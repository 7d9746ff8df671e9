"""The step that adds birthdays, follow-ups, snoozes and synced sources (m011) upgrades a file as
an earlier release wrote it, losing nothing."""

from __future__ import annotations

import sqlite3

import pytest
from test_migrations import write_fixture


@pytest.mark.sqlite_only
def test_the_upgrade_adds_the_agenda_columns_and_keeps_every_contact(cli, db_path):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    write_fixture(db_path, "m008_touchpoint_history_ids")
    cli.ok("edit", "Ana Ruiz", "--birthday", "04-01")
    con = sqlite3.connect(db_path)
    try:
        columns = {row[1] for row in con.execute("PRAGMA table_info(contact)")}
        names = [row[0] for row in con.execute("SELECT name FROM contact ORDER BY id")]
    finally:
        con.close()
    assert {"birthday", "follow_up_on", "follow_up_note", "follow_up_after"} <= columns
    assert "snoozed_until" in columns
    assert len(names) == 7
    assert cli.json("show", "ana")["birthday"] == "04-01"
    con = sqlite3.connect(db_path)
    try:
        tables = {
            row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    finally:
        con.close()
    assert {"source", "source_item"} <= tables

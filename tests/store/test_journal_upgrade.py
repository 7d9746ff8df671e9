"""m009: an undo journal written before it (SQL statements) is dropped unread on upgrade.

Earlier versions stored each undo step as a statement that `undo` executed. The upgrade never
runs one: it drops the steps and their entries, so `undo` starts afresh, and the journal holds
data from then on.
"""

from __future__ import annotations

import sqlite3

import pytest
from test_migrations import write_fixture
from test_team import one_line_error

pytestmark = pytest.mark.sqlite_only


def test_statements_recorded_before_the_upgrade_are_dropped_unread(cli, db_path):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    write_fixture(db_path, "m008_touchpoint_history_ids")
    con = sqlite3.connect(db_path)
    con.executescript(
        "INSERT INTO undo_command (id, summary, recorded_at, marks) "
        "VALUES (1, 'edit #1 Sam Lee (note)', '2026-06-01 00:00:00', '{}');"
        "INSERT INTO undo_step (command_id, statement) VALUES "
        "(1, 'CREATE TABLE pwned AS SELECT 1'), (1, 'UPDATE contact SET note = ''old''');"
    )
    con.commit()
    con.close()
    db_path.chmod(0o600)

    assert "nothing to undo" in one_line_error(cli("undo"))
    con = sqlite3.connect(db_path)
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
        columns = [row[1] for row in con.execute("PRAGMA table_info(undo_step)")]
        assert con.execute("SELECT count(*) FROM undo_command").fetchone() == (0,)
        note = con.execute("SELECT note FROM contact WHERE id = 1").fetchone()
    finally:
        con.close()
    assert "pwned" not in tables and note == ("met at PyCon",)
    assert columns == ["id", "command_id", "action", "table_name", "row_id", "old"]
    # From then on the journal works as ever.
    cli.ok("edit", "#1", "--note", "new")
    assert "Undid: edit #1 Sam Lee (note)" in cli.ok("undo").stderr

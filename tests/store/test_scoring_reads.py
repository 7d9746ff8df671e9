"""What `score` reads from a SQLite file: every touchpoint's time and flags come out of the history
index, not computed row by row, and the scores are the same either way."""

from __future__ import annotations

import sqlite3

import pytest

from netkeep.store.histories import contact_touch_sql, epoch_ms

pytestmark = pytest.mark.sqlite_only


def scoring_query() -> str:
    epoch = f"({epoch_ms('sqlite')} - :origin_ms) / 1000.0"
    return contact_touch_sql(epoch)


def program(db_path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(f"EXPLAIN {scoring_query()}", {"cid": 1, "origin_ms": 0}).fetchall()
    return [row[1] for row in rows]


def make_history(cli) -> None:
    cli.ok("add", "Sam Lee")
    for when, how in (
        ("2026-03-01 09:00", ["--via", "email"]),
        ("2026-03-01 10:30", ["--via", "email", "--in"]),
        ("2026-04-02 16:00", ["--via", "call", "--no-answer"]),
        ("2026-04-03 08:15", ["--via", "meeting"]),
    ):
        cli.ok("log", "sam", "--when", when, *how)


def test_the_time_and_flags_come_from_the_index(cli, db_path):
    make_history(cli)
    ops = program(db_path)
    # The two expressions are two reads of the index; julianday() and round() never run, and
    # the direction, two-way, no-reply and channel columns are not read one by one.
    assert "Function" not in ops and "PureFunc" not in ops
    assert ops.count("Column") == 2
    assert "IdxRowid" in ops


def test_scores_are_the_same_when_sqlite_computes_them(cli, db_path):
    make_history(cli)
    from_index = cli.json("score", "--format", "json")
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP INDEX ix_touchpoint_history")
        conn.execute(
            "CREATE INDEX ix_touchpoint_history ON touchpoint "
            "(contact_id, occurred_at, direction, two_way, channel, no_reply)"
        )
    ops = program(db_path)
    assert "Function" in ops or "PureFunc" in ops  # computed from the row now
    assert cli.json("score", "--format", "json") == from_index

"""Follow-ups and snoozes through the CLI: setting, clearing, closing by a later touchpoint, undo,
and a snoozed contact kept out of stale and the digest until its day.

The suite's clock is frozen at 2026-06-15 12:00 UTC (a Monday) with TZ=UTC.
"""

from __future__ import annotations

import pytest

LATER = {"NETKEEP_NOW": "2026-07-20T12:00:00+00:00"}


@pytest.fixture
def sam(cli):
    cli.ok("add", "Sam Lee", "--tier", "close")
    cli.ok("log", "sam", "--when", "2026-03-01")
    return "sam"


def follow_up(cli, ref: str = "sam", env: dict | None = None):
    return cli.json("show", ref, env=env)["follow_up"]


@pytest.mark.parametrize(
    ("when", "day"),
    [
        ("today", "2026-06-15"),
        ("tomorrow", "2026-06-16"),
        ("friday", "2026-06-19"),
        ("fri", "2026-06-19"),
        ("monday", "2026-06-22"),  # the next one: today is a Monday
        ("in 3 days", "2026-06-18"),
        ("next week", "2026-06-22"),
        ("next month", "2026-07-15"),
        ("3d", "2026-06-18"),
        ("2w", "2026-06-29"),
        ("1m", "2026-07-15"),
        ("2026-07-01", "2026-07-01"),
        ("July 4", "2026-07-04"),
        ("March 1", "2027-03-01"),  # no year: the next one
    ],
)
def test_follow_up_forms_land_on_the_day_meant(cli, sam, when, day):
    cli.ok("follow-up", "sam", when)
    assert follow_up(cli) == {"date": day, "note": None}


@pytest.mark.parametrize("when", ["yesterday", "3 days ago", "2026-06-14", "last friday"])
def test_a_follow_up_in_the_past_is_refused_and_nothing_is_written(cli, sam, database, when):
    before = database.snapshot()
    result = cli("follow-up", "sam", when)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {when!r} is in the past (give a day from today on)\n"
    assert database.snapshot() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["follow-up", "sam"], "Error: give WHEN, or --clear\n"),
        (["follow-up", "sam", "friday", "--clear"], "Error: give WHEN or --clear, not both\n"),
        (["follow-up", "sam", "blursday"], "Error: invalid date 'blursday'"),
        (["follow-up", "nobody", "friday"], "Error: no contact matches 'nobody'"),
    ],
)
def test_follow_up_bad_input_exits_2(cli, sam, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_a_note_is_kept_and_shown(cli, sam):
    result = cli.ok("follow-up", "sam", "friday", "--note", "call back about the role")
    assert "2026-06-19 (Friday)" in result.stderr
    assert follow_up(cli) == {"date": "2026-06-19", "note": "call back about the role"}
    shown = cli.ok("show", "sam").stdout
    assert "2026-06-19: call back about the role" in shown


def test_any_later_touchpoint_closes_it_and_undo_opens_it_again(cli, sam):
    cli.ok("follow-up", "sam", "friday")
    cli.ok(
        "log", "sam", "--via", "email", "--in", "--when", "2026-01-01"
    )  # logged now, dated before
    assert follow_up(cli) is None
    cli.ok("undo")
    assert follow_up(cli) == {"date": "2026-06-19", "note": None}


def test_a_touchpoint_with_someone_else_leaves_it_open(cli, sam):
    cli.ok("add", "Ana Ruiz")
    cli.ok("follow-up", "sam", "friday")
    cli.ok("log", "ana")
    assert follow_up(cli) == {"date": "2026-06-19", "note": None}


def test_clear_removes_it_and_undo_brings_it_back(cli, sam):
    cli.ok("follow-up", "sam", "friday")
    result = cli.ok("follow-up", "sam", "--clear")
    assert "Cleared the follow-up with #1 Sam Lee." in result.stderr
    assert follow_up(cli) is None
    assert "No follow-up with #1 Sam Lee." in cli.ok("follow-up", "sam", "--clear").stderr
    cli.ok("undo")  # the second clear changed nothing; this undoes the first
    assert follow_up(cli) == {"date": "2026-06-19", "note": None}


def test_log_with_follow_up_sets_one_that_this_touchpoint_does_not_close(cli, sam):
    result = cli.ok("log", "sam", "--via", "call", "--follow-up", "friday")
    assert "Follow up on 2026-06-19 (Friday)." in result.stderr
    assert follow_up(cli) == {"date": "2026-06-19", "note": None}
    cli.ok("log", "sam", "--via", "email", "--in")
    assert follow_up(cli) is None


def test_log_with_a_past_follow_up_logs_nothing(cli, sam, database):
    before = database.snapshot()
    result = cli("log", "sam", "--follow-up", "yesterday")
    assert result.exit_code == 2 and "is in the past" in result.stderr
    assert database.snapshot() == before


def test_undo_of_log_with_follow_up_takes_both_back(cli, sam):
    cli.ok("log", "sam", "--follow-up", "friday")
    cli.ok("undo")
    assert follow_up(cli) is None
    assert len(cli.json("show", "sam")["touchpoints"]) == 1


# --- snooze --------------------------------------------------------------------------------


def stale_names(cli, env: dict | None = None) -> list[str]:
    return [row["name"] for row in cli.json("stale", env=env)]


def test_a_snoozed_contact_leaves_stale_and_the_digest_until_its_day(cli, sam):
    assert stale_names(cli) == ["Sam Lee"]
    result = cli.ok("snooze", "sam", "2026-07-20")
    assert "Snoozed #1 Sam Lee until 2026-07-20 (Monday)." in result.stderr
    assert stale_names(cli) == []
    assert cli.json("digest")["reach_out"] == []
    assert cli.ok("digest").stdout == ""
    assert cli.json("show", "sam")["snoozed_until"] == "2026-07-20"
    # Back on its own on the day.
    assert stale_names(cli, env=LATER) == ["Sam Lee"]
    assert [row["name"] for row in cli.json("digest", env=LATER)["reach_out"]] == ["Sam Lee"]
    assert cli.json("show", "sam", env=LATER)["snoozed_until"] is None


def test_snooze_takes_a_duration_and_clear_ends_it(cli, sam):
    cli.ok("snooze", "sam", "1m")
    assert cli.json("show", "sam")["snoozed_until"] == "2026-07-15"
    cli.ok("snooze", "sam", "--clear")
    assert stale_names(cli) == ["Sam Lee"]
    cli.ok("undo")
    assert stale_names(cli) == []


def test_a_look_back_with_as_of_ignores_todays_snooze(cli, sam):
    cli.ok("snooze", "sam", "2w")
    assert stale_names(cli) == []
    rows = cli.json("stale", "--as-of", "2026-06-14")
    assert [row["name"] for row in rows] == ["Sam Lee"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["snooze", "sam"], "Error: give UNTIL, or --clear\n"),
        (["snooze", "sam", "today"], "Error: 'today' is today: snooze until a later day\n"),
        (["snooze", "sam", "yesterday"], "Error: 'yesterday' is in the past"),
        (["snooze", "sam", "1x"], "Error: invalid date '1x'"),
    ],
)
def test_snooze_bad_input_exits_2_and_writes_nothing(cli, sam, database, args, message):
    before = database.snapshot()
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert database.snapshot() == before

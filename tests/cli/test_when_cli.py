"""WHEN through the CLI: the forms people type, and the ones refused because they could mean two things.

The suite's clock is frozen at 2026-06-15 12:00 UTC (a Monday) with TZ=UTC unless a test says otherwise.
"""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def sam(cli):
    cli.ok("add", "Sam Lee")
    return "sam"


def occurred(cli, when: str, env: dict | None = None) -> str:
    return cli.json("log", "sam", "--when", when, env=env)["occurred_at"]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("30 min ago", "2026-06-15T11:30:00+00:00"),
        ("45 minutes ago", "2026-06-15T11:15:00+00:00"),
        ("2h ago", "2026-06-15T10:00:00+00:00"),
        ("an hour ago", "2026-06-15T11:00:00+00:00"),
        ("30 mo ago", "2023-12-15T12:00:00+00:00"),
        ("two days ago", "2026-06-13T12:00:00+00:00"),
        ("this morning", "2026-06-15T09:00:00+00:00"),
        ("noon", "2026-06-15T12:00:00+00:00"),
        ("yesterday at 9:30", "2026-06-14T09:30:00+00:00"),
        ("5pm yesterday", "2026-06-14T17:00:00+00:00"),
        ("yesterday evening", "2026-06-14T19:00:00+00:00"),
        ("day before yesterday", "2026-06-13T12:00:00+00:00"),
        ("last week", "2026-06-08T12:00:00+00:00"),
        ("last month", "2026-05-15T12:00:00+00:00"),
        ("last friday", "2026-06-12T12:00:00+00:00"),
        ("friday 3pm", "2026-06-12T15:00:00+00:00"),
        ("monday", "2026-06-15T12:00:00+00:00"),
        ("last monday", "2026-06-08T12:00:00+00:00"),
        ("15/06/2026", "2026-06-15T00:00:00+00:00"),
        ("3 wks ago", "2026-05-25T12:00:00+00:00"),
        ("2 yrs ago", "2024-06-15T12:00:00+00:00"),
    ],
)
def test_everyday_forms_are_stored_as_meant(cli, sam, when, expected):
    assert occurred(cli, when) == expected


def test_local_time_is_stored_as_utc(cli, sam, monkeypatch):
    # 2026-06-15 12:00 UTC is 08:00 in New York (EDT, UTC-4): "today at 7am" is 11:00 UTC.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()  # the conftest fixture sets the zone back afterwards
    assert occurred(cli, "today at 7am") == "2026-06-15T11:00:00+00:00"
    assert occurred(cli, "yesterday 9am") == "2026-06-14T13:00:00+00:00"
    result = cli("log", "sam", "--when", "this morning")  # 09:00 has not come yet in New York
    assert result.exit_code == 2 and "in the future (2026-06-15 09:00)" in result.stderr


def test_times_later_today_are_accepted_once_they_have_passed(cli, sam):
    late = {"NETKEEP_NOW": "2026-06-15T21:00:00+00:00"}
    assert occurred(cli, "today 15:00", late) == "2026-06-15T15:00:00+00:00"
    assert occurred(cli, "today at 3pm", late) == "2026-06-15T15:00:00+00:00"
    result = cli("log", "sam", "--when", "today at 3pm")  # it is noon
    assert result.exit_code == 2 and "future" in result.stderr


def test_day_and_month_resolved_by_date_order(cli, sam, config_file):
    config_file.write_text('[defaults]\ndate_order = "dmy"\n')
    # Without a year: the latest 30 November that is not in the future.
    assert occurred(cli, "30/11 16:00") == "2025-11-30T16:00:00+00:00"
    assert occurred(cli, "3/11/2025") == "2025-11-03T00:00:00+00:00"
    config_file.write_text('[defaults]\ndate_order = "mdy"\n')
    assert occurred(cli, "3/11/2026") == "2026-03-11T00:00:00+00:00"


@pytest.mark.parametrize(
    ("when", "says"),
    [
        ("30m ago", "'30 min ago' or '30 mo ago'"),
        ("10m ago", "'10 min ago' or '10 mo ago'"),
        ("3/11/2026", "date_order"),
        ("3/11", "date_order"),
        ("10/11/12", "date_order"),
        ("2026", "not a whole date"),
        ("March 2026", "not a whole date"),
        ("may", "not a whole date"),
    ],
)
def test_ambiguous_and_partial_dates_are_refused(cli, sam, database, when, says):
    before = database.snapshot()
    result = cli("log", "sam", "--when", when)
    assert result.exit_code == 2, (when, result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and says in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert database.snapshot() == before


def test_resolve_when_uses_the_same_rules(cli, sam, database):
    cli.ok("log", "sam", "--when", "2026-06-01", "--ask", "an intro")
    before = database.snapshot()
    result = cli("resolve", "1", "--when", "3/11/2026")
    assert result.exit_code == 2 and "date_order" in result.stderr
    assert database.snapshot() == before
    resolved = cli.json("resolve", "1", "--when", "2h ago")
    assert resolved["resolved_at"] == "2026-06-15T10:00:00+00:00"


def test_touchpoint_edit_when_uses_the_same_rules(cli, sam, database, config_file):
    cli.ok("log", "sam", "--when", "2026-06-01")
    before = database.snapshot()
    for when, says in (("10m ago", "'10 min ago' or '10 mo ago'"), ("3/11/2026", "date_order")):
        result = cli("touchpoint", "edit", "1", "--when", when)
        assert result.exit_code == 2 and says in result.stderr, result.stderr
    assert database.snapshot() == before
    config_file.write_text('[defaults]\ndate_order = "dmy"\n')
    cli.ok("touchpoint", "edit", "1", "--when", "3/11/2025 9am")
    cli.ok("touchpoint", "edit", "1", "--when", "yesterday 9am")
    assert cli.json("show", "sam")["touchpoints"][0]["occurred_at"] == "2026-06-14T09:00:00+00:00"


def test_invalid_date_order_fails_naming_the_key(cli, sam, config_file, database):
    config_file.write_text('[defaults]\ndate_order = "ymd"\n')
    before = database.snapshot()
    for args in (("config",), ("log", "sam", "--when", "3/11/2026")):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert result.stderr.startswith("Error: config ") and "defaults.date_order" in result.stderr
    assert database.snapshot() == before


def test_config_shows_the_date_order(cli, config_file):
    assert cli.json("config")["date_order"] is None
    assert cli.ok("config", "date_order").stdout == "\n"
    assert "date order       unset (dates like 3/11/2026 are refused)" in cli.ok("config").stdout
    config_file.write_text('[defaults]\ndate_order = "DMY"\n')
    assert cli.json("config")["date_order"] == "dmy"
    assert "date order       dmy" in cli.ok("config").stdout


def test_help_lists_the_forms_and_says_what_m_means(cli):
    for command in (("log",), ("resolve",), ("touchpoint", "edit")):
        text = " ".join(cli.ok(*command, "--help").stdout.split())
        for form in ("yesterday 9am", "2h ago", "last friday", "date_order"):
            assert form in text, (command, form)
    for command in (("add", "--help"), ("edit", "--help")):
        text = " ".join(cli.ok(*command).stdout.split())
        assert "m = months" in text, command

"""due: follow-ups, birthdays and snoozes ending, overdue first; on the local calendar.

The suite's clock is frozen at 2026-06-15 12:00 UTC (a Monday) with TZ=UTC.
"""

from __future__ import annotations

import csv
import io
import time

import pytest

DUE_KEYS = ["kind", "contact_id", "name", "date", "note"]


def at(moment: str) -> dict:
    return {"NETKEEP_NOW": moment}


@pytest.fixture
def network(cli):
    """Sam: a follow-up set for Wednesday the 17th, now overdue by the 20th; Ana: a birthday on
    the 18th (year known); Bo: snoozed until the 19th; Di: a birthday next year."""
    cli.ok("add", "Sam Lee")
    cli.ok("follow-up", "sam", "wednesday", "--note", "send the deck")
    cli.ok("add", "Ana Ruiz", "--birthday", "1990-06-18")
    cli.ok("add", "Bo Chen")
    cli.ok("snooze", "bo", "2026-06-19")
    cli.ok("add", "Di Moss", "--birthday", "01-02")


def kinds(rows: list[dict]) -> list[tuple[str, str, str]]:
    return [(row["kind"], row["name"], row["date"]) for row in rows]


def test_nothing_due_today_prints_a_note_and_an_empty_list(cli, network):
    assert cli.json("due") == []
    result = cli.ok("due")
    assert (result.stdout, result.stderr) == ("", "Nothing due.\n")


def test_days_looks_ahead_by_date_with_every_key(cli, network):
    rows = cli.json("due", "--days", "7")
    assert kinds(rows) == [
        ("follow-up", "Sam Lee", "2026-06-17"),
        ("birthday", "Ana Ruiz", "2026-06-18"),
        ("snooze-ends", "Bo Chen", "2026-06-19"),
    ]
    assert all(list(row) == DUE_KEYS for row in rows)
    assert rows[0]["note"] == "send the deck"
    assert rows[1]["note"] == "turns 36"
    assert rows[0]["contact_id"] == 1


def test_the_horizon_is_the_end_of_the_day(cli, network):
    assert kinds(cli.json("due", "--days", "2")) == [("follow-up", "Sam Lee", "2026-06-17")]
    assert len(cli.json("due", "--days", "3")) == 2


def test_overdue_follow_ups_come_first_and_stay_until_closed(cli, network):
    later = at("2026-06-20T09:00:00+00:00")
    cli.ok("add", "Kim Park", "--birthday", "06-20", env=later)
    rows = cli.json("due", env=later)
    assert kinds(rows) == [
        ("follow-up", "Sam Lee", "2026-06-17"),
        ("birthday", "Kim Park", "2026-06-20"),
    ]
    table = cli.ok("due", env=later).stdout
    assert "2026-06-17 (overdue)" in table and "2026-06-20 (today)" in table
    cli.ok("log", "sam", env=later)
    assert kinds(cli.json("due", env=later)) == [("birthday", "Kim Park", "2026-06-20")]


def test_csv_has_a_header_and_one_row_each(cli, network):
    text = cli.ok("due", "--days", "7", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == DUE_KEYS
    assert rows[1] == ["follow-up", "1", "Sam Lee", "2026-06-17", "send the deck"]
    assert len(rows) == 4


def test_archived_contacts_have_nothing_due(cli, network):
    cli.ok("archive", "ana")
    assert [row["name"] for row in cli.json("due", "--days", "7")] == ["Sam Lee", "Bo Chen"]


def test_a_follow_up_set_for_tomorrow_is_due_once_midnight_passes(cli):
    cli.ok("add", "Sam Lee", env=at("2026-06-15T23:59:00+00:00"))
    cli.ok("follow-up", "sam", "tomorrow", env=at("2026-06-15T23:59:00+00:00"))
    assert cli.json("due", env=at("2026-06-15T23:59:59+00:00")) == []
    rows = cli.json("due", env=at("2026-06-16T00:00:01+00:00"))
    assert kinds(rows) == [("follow-up", "Sam Lee", "2026-06-16")]


def test_due_follows_the_local_calendar_not_utc(cli, monkeypatch):
    # 2026-06-16 02:00 UTC is still the evening of the 15th in New York (EDT, UTC-4).
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()  # the conftest fixture sets the zone back afterwards
    evening = at("2026-06-16T02:00:00+00:00")
    cli.ok("add", "Sam Lee", "--birthday", "06-16", env=evening)
    cli.ok("follow-up", "sam", "tomorrow", env=evening)
    assert cli.json("show", "sam", env=evening)["follow_up"]["date"] == "2026-06-16"
    assert cli.json("due", env=evening) == []
    # The digest names tomorrow's birthday, not tomorrow's follow-up.
    assert kinds(cli.json("digest", env=evening)["due"]) == [("birthday", "Sam Lee", "2026-06-16")]
    morning = at("2026-06-16T13:00:00+00:00")
    assert kinds(cli.json("due", env=morning)) == [
        ("follow-up", "Sam Lee", "2026-06-16"),
        ("birthday", "Sam Lee", "2026-06-16"),
    ]


def test_a_29_february_birthday_is_kept_on_the_28th_in_other_years(cli):
    cli.ok("add", "Leap Day", "--birthday", "02-29")
    rows = cli.json("due", "--days", "365")
    assert kinds(rows) == [("birthday", "Leap Day", "2027-02-28")]
    leap = cli.json("due", "--days", "1", env=at("2028-02-29T08:00:00+00:00"))
    assert kinds(leap) == [("birthday", "Leap Day", "2028-02-29")]


def test_the_digest_lists_follow_ups_due_and_birthdays_today_and_tomorrow(cli, network):
    evening_before = at("2026-06-17T12:00:00+00:00")
    due = cli.json("digest", env=evening_before)["due"]
    assert kinds(due) == [
        ("follow-up", "Sam Lee", "2026-06-17"),
        ("birthday", "Ana Ruiz", "2026-06-18"),
    ]
    text = cli.ok("digest", env=evening_before).stdout
    assert "Due (2)\n  Sam Lee: follow up 2026-06-17: send the deck" in text
    # Snoozes ending are not something to do: the digest leaves them to `due`.
    assert "Bo Chen" not in cli.ok("digest", env=at("2026-06-19T12:00:00+00:00")).stdout


def test_show_lists_what_is_due_for_the_contact_this_week(cli, network):
    data = cli.json("show", "ana")
    assert kinds(data["due"]) == [("birthday", "Ana Ruiz", "2026-06-18")]
    assert "birthday 2026-06-18" in cli.ok("show", "ana").stdout
    assert cli.json("show", "di")["due"] == []


@pytest.mark.parametrize("days", ["-1", "x"])
def test_bad_days_exits_2(cli, days):
    result = cli("due", "--days", days)
    assert result.exit_code == 2 and "--days" in result.stderr

"""export --format ics: open follow-ups and birthdays as all-day events, read back with icalendar.

The suite's clock is frozen at 2026-06-15 12:00 UTC (a Monday) with TZ=UTC.
"""

from __future__ import annotations

from datetime import date

import icalendar
import recurring_ical_events


def feed(cli, *args: str, env: dict | None = None) -> icalendar.Calendar:
    text = cli.ok("export", "--format", "ics", *args, env=env).stdout
    return icalendar.Calendar.from_ical(text)


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_follow_ups_and_birthdays_become_events_with_stable_uids(cli):
    cli.ok("add", "Sam Lee", "--birthday", "1985-03-14")
    cli.ok("follow-up", "sam", "friday", "--note", "call back about the role")
    cli.ok("add", "Ana Ruiz", "--birthday", "12-25")
    found = events(feed(cli))
    assert set(found) == {"follow-up-1@netkeep", "birthday-1@netkeep", "birthday-2@netkeep"}
    follow_up = found["follow-up-1@netkeep"]
    assert str(follow_up["summary"]) == "Follow up: Sam Lee"
    assert str(follow_up["description"]) == "call back about the role"
    assert follow_up.decoded("dtstart") == date(2026, 6, 19)
    assert follow_up.decoded("dtend") == date(2026, 6, 20)
    birthday = found["birthday-1@netkeep"]
    assert birthday.decoded("dtstart") == date(1985, 3, 14)
    assert str(birthday["summary"]) == "Birthday: Sam Lee"
    assert birthday["rrule"]["FREQ"] == ["YEARLY"]


def test_re_exporting_a_moved_follow_up_keeps_its_uid(cli):
    cli.ok("add", "Sam Lee")
    cli.ok("follow-up", "sam", "friday")
    first = events(feed(cli))
    cli.ok("follow-up", "sam", "2026-07-01")
    second = events(feed(cli))
    assert set(first) == set(second) == {"follow-up-1@netkeep"}
    assert second["follow-up-1@netkeep"].decoded("dtstart") == date(2026, 7, 1)


def test_closed_follow_ups_and_archived_contacts_are_left_out(cli):
    cli.ok("add", "Sam Lee")
    cli.ok("follow-up", "sam", "friday")
    cli.ok("add", "Ana Ruiz", "--birthday", "12-25")
    cli.ok("log", "sam")
    cli.ok("archive", "ana")
    calendar = feed(cli)
    assert events(calendar) == {}
    assert str(calendar["prodid"]).startswith("-//netkeep//")


def test_birthdays_recur_every_year_and_29_february_falls_on_the_28th(cli):
    cli.ok("add", "Sam Lee", "--birthday", "03-14")
    cli.ok("add", "Leap Day", "--birthday", "02-29")
    calendar = feed(cli)
    days = sorted(
        (event.decoded("dtstart"), str(event["summary"]))
        for event in recurring_ical_events.of(calendar).between(date(2027, 1, 1), date(2029, 1, 1))
    )
    assert days == [
        (date(2027, 2, 28), "Birthday: Leap Day"),
        (date(2027, 3, 14), "Birthday: Sam Lee"),
        (date(2028, 2, 29), "Birthday: Leap Day"),
        (date(2028, 3, 14), "Birthday: Sam Lee"),
    ]


def test_output_file_is_private_and_holds_the_feed(cli, tmp_path):
    cli.ok("add", "Sam Lee", "--birthday", "03-14")
    path = tmp_path / "netkeep.ics"
    result = cli.ok("export", "--format", "ics", "--output", str(path))
    assert result.stdout == ""
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert set(events(icalendar.Calendar.from_ical(path.read_bytes()))) == {"birthday-1@netkeep"}


def test_an_empty_network_exports_an_empty_calendar_and_creates_nothing(cli, database):
    calendar = feed(cli)
    assert events(calendar) == {}
    assert not database.exists()

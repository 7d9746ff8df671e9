"""WHEN and DUR parsing: examples and properties."""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import assume, event, given, settings
from hypothesis import example as case
from hypothesis import strategies as st

from netkeep.dates import LATEST, Duration, from_db, parse_duration, parse_past, parse_when, to_db
from netkeep.errors import BadInput

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14d", "14d"),
        ("2w", "2w"),
        ("3m", "3m"),
        ("1y", "1y"),
        ("10 days", "10d"),
        ("3 months", "3m"),
        (" 1 Week ", "1w"),
    ],
)
def test_durations(text, expected):
    assert str(parse_duration(text)) == expected


@pytest.mark.parametrize("text", ["", "0d", "-3d", "3", "d", "3 fortnights", "1.5m", "999999y"])
def test_bad_durations(text):
    with pytest.raises(BadInput):
        parse_duration(text)


def test_one_month_after_january_31_is_the_end_of_february():
    assert parse_duration("1m").after(datetime(2026, 1, 31, tzinfo=UTC)) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert parse_duration("1m").after(datetime(2028, 1, 31, tzinfo=UTC)) == datetime(
        2028, 2, 29, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("today", NOW),
        ("yesterday", NOW - timedelta(days=1)),
        ("3 days ago", NOW - timedelta(days=3)),
        ("3d ago", NOW - timedelta(days=3)),
        ("2 weeks ago", NOW - timedelta(weeks=2)),
        ("1 month ago", datetime(2026, 5, 15, 12, tzinfo=UTC)),
        ("2026-03-04", datetime(2026, 3, 4, tzinfo=UTC)),
        ("2026-03-04 15:30", datetime(2026, 3, 4, 15, 30, tzinfo=UTC)),
        ("March 4", datetime(2026, 3, 4, tzinfo=UTC)),
        ("2026-03-04T10:00:00+02:00", datetime(2026, 3, 4, 8, tzinfo=UTC)),
    ],
)
def test_when(text, expected):
    # The test session runs with TZ=UTC, so naive times are UTC here.
    assert parse_when(text, now=NOW) == expected


def test_future_is_refused():
    with pytest.raises(BadInput, match="future"):
        parse_past("2026-07-01", now=NOW)


duration_units = st.sampled_from(
    ["d", "day", "days", "w", "week", "weeks", "m", "month", "months", "y", "year", "years"]
)


@settings(max_examples=200, deadline=None)
@given(count=st.integers(min_value=1, max_value=99), unit=duration_units, space=st.booleans())
def test_valid_durations_parse_and_round_trip(count, unit, space):
    parsed = parse_duration(f"{count}{' ' if space else ''}{unit}")
    assert parsed.count == count
    assert parse_duration(str(parsed)) == parsed


@settings(max_examples=200, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2026, 6, 14)))
def test_iso_times_round_trip_through_when(moment):
    moment = moment.replace(microsecond=0, tzinfo=UTC)
    assert parse_past(moment.isoformat(), now=NOW) == moment
    assert parse_past(moment.strftime("%Y-%m-%d %H:%M:%S"), now=NOW) == moment


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_junk_durations_fail_cleanly(text):
    try:
        parsed = parse_duration(text)
    except BadInput as exc:
        assert str(exc)
    else:
        assert isinstance(parsed, Duration)


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_junk_dates_fail_cleanly(text):
    try:
        parsed = parse_past(text, now=NOW)
    except BadInput as exc:
        assert str(exc)
    else:
        assert parsed.tzinfo is not None and parsed <= NOW + timedelta(seconds=1)


# --- the forms people type, as properties across time zones -------------------------------------
# The expected instant is computed with zoneinfo, independently of the parser (which reads the
# system's local time, set through TZ).

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # a half-hour daylight-saving shift
    "America/St_Johns",  # a half-hour offset
]
# Daylight-saving changes in New York: 2026-03-08 07:00 UTC (02:00 → 03:00) and 2026-11-01 06:00
# UTC (02:00 → 01:00). The clocks around them exercise skipped and repeated hours.
DST_CHANGES = [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)]
NUMBER_WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

nows = st.one_of(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)).map(
        lambda moment: moment.replace(tzinfo=UTC)
    ),
    st.builds(
        lambda change, offset: change + offset,
        st.sampled_from(DST_CHANGES),
        st.timedeltas(min_value=timedelta(days=-3), max_value=timedelta(days=9)),
    ),
)


@contextmanager
def local_zone(name: str):
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield ZoneInfo(name)
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def at_wall(day: date, clock: dt_time, zone: ZoneInfo) -> datetime:
    return local(datetime.combine(day, clock), zone)


def local(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall time in `zone` → UTC, remembering when the clocks skip that time."""
    moment = wall.replace(tzinfo=zone).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        SKIPPED.add(moment)
    return moment


SKIPPED: set[datetime] = set()


@st.composite
def forms(draw, now_local: datetime):
    """(text, the intended instant) for one of the documented forms, given local now."""
    zone = now_local.tzinfo
    today = now_local.date()
    now = now_local.astimezone(UTC)
    keep = now_local.time().replace(tzinfo=None)
    hour = draw(st.integers(1, 12))
    minute = draw(st.integers(0, 59))
    half = draw(st.sampled_from(["am", "pm"]))
    clock24 = dt_time(hour % 12 + (12 if half == "pm" else 0), minute)
    count = draw(st.integers(0, 40))
    kind = draw(st.integers(0, 15))
    if kind == 0:
        unit = draw(st.sampled_from(["h", "hr", "hours", "hour"]))
        return f"{count}{draw(st.sampled_from(['', ' ']))}{unit} ago", now - timedelta(hours=count)
    if kind == 1:
        unit = draw(st.sampled_from(["min", "mins", "minutes"]))
        return f"{count} {unit} ago", now - timedelta(minutes=count)
    if kind == 2:
        unit = draw(st.sampled_from(["d", "days", "day"]))
        back = datetime.combine(today - timedelta(days=count), keep)
        return f"{count} {unit} ago", local(back, zone)
    if kind == 3:
        word = draw(st.sampled_from(NUMBER_WORDS))
        number = NUMBER_WORDS.index(word) + 1
        back = datetime.combine(today - timedelta(weeks=number), keep)
        return f"{word} weeks ago", local(back, zone)
    if kind == 4:
        unit, delta = draw(
            st.sampled_from([("mo", "months"), ("months", "months"), ("yrs", "years")])
        )
        wall = now_local.replace(tzinfo=None) - relativedelta(**{delta: count})
        return f"{count} {unit} ago", local(wall, zone)
    if kind == 5:
        return f"yesterday {hour}:{minute:02d}{half}", at_wall(
            today - timedelta(days=1), clock24, zone
        )
    if kind == 6:
        return f"{hour}:{minute:02d} {half} yesterday", at_wall(
            today - timedelta(days=1), clock24, zone
        )
    if kind == 7:
        return f"today at {clock24:%H:%M}", at_wall(today, clock24, zone)
    if kind == 8:
        period, clock = draw(
            st.sampled_from(
                [("morning", 9), ("afternoon", 15), ("evening", 19)],
            )
        )
        return f"this {period}", at_wall(today, dt_time(clock), zone)
    if kind == 9:
        period, clock = draw(st.sampled_from([("morning", 9), ("evening", 19), ("night", 22)]))
        return f"yesterday {period}", at_wall(today - timedelta(days=1), dt_time(clock), zone)
    if kind == 10:
        weekday = draw(st.integers(0, 6))
        back = (today.weekday() - weekday) % 7
        day = today - timedelta(days=back)
        return WEEKDAYS[weekday], at_wall(day, keep, zone)
    if kind == 11:
        weekday = draw(st.integers(0, 6))
        back = (today.weekday() - weekday) % 7 or 7
        day = today - timedelta(days=back)
        return f"last {WEEKDAYS[weekday]} at {hour}{half}", at_wall(
            day, dt_time(clock24.hour), zone
        )
    if kind == 12:
        return "day before yesterday", at_wall(today - timedelta(days=2), keep, zone)
    if kind == 13:
        unit = draw(st.sampled_from(["week", "month", "year"]))
        wall = now_local.replace(tzinfo=None) - relativedelta(**{f"{unit}s": 1})
        return f"last {unit}", local(wall, zone)
    if kind == 14:
        word = draw(st.sampled_from(["noon", "midnight"]))
        return word, at_wall(today, dt_time(12 if word == "noon" else 0), zone)
    return "now", now


@settings(max_examples=400, deadline=None)
@given(now=nows, zone_name=st.sampled_from(ZONES), data=st.data())
def test_every_form_lands_where_meant_or_is_refused_as_future(now, zone_name, data):
    SKIPPED.clear()
    with local_zone(zone_name) as zone:
        text, meant = data.draw(forms(now.astimezone(zone)))
        event("future" if meant > now else "skipped" if meant in SKIPPED else "exact")
        if meant > now + timedelta(seconds=1):
            with pytest.raises(BadInput, match="future"):
                parse_past(text, now=now)
            return
        parsed = parse_past(text, now=now)
    assert parsed <= now + timedelta(seconds=1)
    if meant not in SKIPPED:
        assert parsed == meant, (text, zone_name, now)
    else:  # a wall time the clocks skip: read an hour off, never more
        assert abs(parsed - meant) <= timedelta(hours=1), (text, zone_name, now)


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        # New York springs forward on 2026-03-08 at 02:00 (EST, UTC-5 → EDT, UTC-4).
        ("2026-03-09T12:00:00+00:00", "yesterday 1:30am", "2026-03-08T06:30:00+00:00"),
        ("2026-03-09T12:00:00+00:00", "yesterday 3:30am", "2026-03-08T07:30:00+00:00"),
        ("2026-03-09T12:00:00+00:00", "yesterday", "2026-03-08T12:00:00+00:00"),
        ("2026-03-09T12:00:00+00:00", "2 days ago", "2026-03-07T13:00:00+00:00"),
        # …and falls back on 2026-11-01 at 02:00: 01:30 happens twice; the first one is meant.
        ("2026-11-02T12:00:00+00:00", "yesterday 1:30am", "2026-11-01T05:30:00+00:00"),
        ("2026-11-01T12:00:00+00:00", "yesterday", "2026-10-31T11:00:00+00:00"),
        ("2026-11-01T12:00:00+00:00", "an hour ago", "2026-11-01T11:00:00+00:00"),
    ],
)
def test_daylight_saving_changes_in_new_york(now, text, expected):
    with local_zone("America/New_York"):
        assert parse_past(text, now=datetime.fromisoformat(now)).isoformat() == expected


def test_a_skipped_wall_time_is_read_within_the_hour():
    now = datetime(2026, 3, 9, 12, tzinfo=UTC)
    with local_zone("America/New_York"):
        parsed = parse_past("yesterday 2:30am", now=now)
    # 02:30 did not happen that night: either side of the gap, never further.
    assert parsed in (
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
    )


ROUND_TRIP_FORMATS = [
    ("%Y-%m-%d %H:%M", None),
    ("%Y/%m/%d %H:%M", None),
    ("%d %B %Y %H:%M", None),
    ("%B %d, %Y %I:%M %p", None),
    ("%a %d %b %Y %H:%M", None),
    ("%d/%m/%Y %H:%M", "dmy"),
    ("%m/%d/%Y %H:%M", "mdy"),
    ("%d.%m.%Y %H:%M", "dmy"),
]


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2026, 6, 14)),
    zone_name=st.sampled_from(ZONES),
    form=st.sampled_from(ROUND_TRIP_FORMATS),
)
def test_local_times_written_out_round_trip(moment, zone_name, form):
    pattern, order = form
    with local_zone(zone_name) as zone:
        wall = moment.replace(second=0, microsecond=0, tzinfo=UTC).astimezone(zone)
        assume(wall.fold == 0)  # the second 01:30 of a fall-back night reads as the first
        parsed = parse_past(wall.strftime(pattern), now=NOW, date_order=order)
    assert parsed == wall.astimezone(UTC)


@settings(max_examples=200, deadline=None)
@given(
    day=st.integers(1, 12),
    month=st.integers(1, 12),
    year=st.integers(1971, 2025),
    separator=st.sampled_from("/.-"),
)
def test_numeric_dates_that_read_two_ways_need_the_date_order(day, month, year, separator):
    text = f"{day}{separator}{month}{separator}{year}"
    as_dmy = parse_past(text, now=NOW, date_order="dmy")
    as_mdy = parse_past(text, now=NOW, date_order="mdy")
    assert (as_dmy.year, as_dmy.month, as_dmy.day) == (year, month, day)
    assert (as_mdy.year, as_mdy.month, as_mdy.day) == (year, day, month)
    if day == month:
        assert parse_past(text, now=NOW) == as_dmy
    else:
        with pytest.raises(BadInput, match="date_order"):
            parse_past(text, now=NOW)


@settings(max_examples=100, deadline=None)
@given(day=st.integers(13, 28), month=st.integers(1, 12), year=st.integers(1971, 2025))
def test_a_numeric_date_only_one_order_can_read_needs_no_setting(day, month, year):
    for text in (f"{day}/{month}/{year}", f"{month}/{day}/{year}"):
        parsed = parse_past(text, now=NOW)
        assert (parsed.year, parsed.month, parsed.day) == (year, month, day)


WHEN_WORDS = [
    "ago", "at", "last", "this", "yesterday", "today", "day", "before", "morning", "noon",
    "m", "min", "mo", "h", "2", "30", "3pm", "9:30", "15:00", "3/11", "2026", "friday", "an",
    "week", "month", "12am", "13pm", "25:00", "2026-02-30", "/", "-", ".", "+02:00", "T",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=40),
        st.lists(st.sampled_from(WHEN_WORDS), min_size=1, max_size=5).map(" ".join),
    ),
    order=st.sampled_from([None, "dmy", "mdy"]),
    zone_name=st.sampled_from(ZONES),
)
def test_hostile_when_raises_only_bad_input(text, order, zone_name):
    with local_zone(zone_name):
        try:
            parsed = parse_past(text, now=NOW, date_order=order)
        except BadInput as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert parsed.tzinfo is not None and parsed <= NOW + timedelta(seconds=1)


def test_the_date_order_is_read_only_when_a_date_needs_it():
    def unreadable():
        raise AssertionError("asked for the date order")

    assert parse_past("2h ago", now=NOW, date_order=unreadable) == NOW - timedelta(hours=2)
    assert parse_past("2026-03-04", now=NOW, date_order=unreadable).day == 4
    assert parse_past("3/11/2025", now=NOW, date_order=lambda: "dmy").month == 11


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("30m ago", "'30 min ago' or '30 mo ago'"),
        ("1m ago", "'1 min ago' or '1 mo ago'"),
        ("2026", "not a whole date"),
        ("March", "not a whole date"),
        ("June 2026", "not a whole date"),
        ("4th", "not a whole date"),
        ("3/11", "date_order"),
        ("13pm yesterday", "1 to 12"),
        ("yesterday at 25:00", "invalid time"),
        ("3 fortnights ago", "unknown unit"),
        ("many days ago", "not a number"),
        ("tomorrow 9am", "in the future"),
        ("next monday", "in the future"),
        ("in 2 days", "in the future"),
        ("2026-03-04 15:00 XYZ", "unknown time zone"),
    ],
)
def test_refusals_say_why(text, says):
    with pytest.raises(BadInput, match=re.escape(says)):
        parse_past(text, now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dec 4", datetime(2025, 12, 4, tzinfo=UTC)),  # December 2026 is still to come
        ("June 15", datetime(2026, 6, 15, tzinfo=UTC)),
        ("Feb 29", datetime(2024, 2, 29, tzinfo=UTC)),
        ("15/06", datetime(2026, 6, 15, tzinfo=UTC)),
        ("a day ago", NOW - timedelta(days=1)),
        ("a week ago", NOW - timedelta(weeks=1)),
        ("last night", datetime(2026, 6, 14, 22, tzinfo=UTC)),
        ("sun", datetime(2026, 6, 14, 12, tzinfo=UTC)),
        ("on friday at 9", datetime(2026, 6, 12, 9, tzinfo=UTC)),
        ("12am", datetime(2026, 6, 15, tzinfo=UTC)),
        ("11:30 am", datetime(2026, 6, 15, 11, 30, tzinfo=UTC)),
        ("2 days ago at 8:15", datetime(2026, 6, 13, 8, 15, tzinfo=UTC)),
    ],
)
def test_more_forms(text, expected):
    assert parse_past(text, now=NOW) == expected


DATES_DOC = Path(__file__).resolve().parents[2] / "docs" / "dates.md"


def doc_examples(heading: str) -> list[str]:
    """The backticked examples in the first column of the table under `heading`."""
    section = DATES_DOC.read_text(encoding="utf-8").split(heading + "\n", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [example for row in rows for example in re.findall(r"`([^`]+)`", row.split(" | ")[0])]


def test_every_form_the_doc_shows_is_accepted():
    late = datetime(2026, 6, 15, 23, 30, tzinfo=UTC)  # late enough for "this evening"
    examples = doc_examples("## WHEN")
    assert len(examples) > 40
    for example in examples:
        assert parse_past(example, now=late, date_order="dmy") <= late, example


def test_every_form_the_doc_refuses_is_refused():
    examples = doc_examples("### Refused, with the reason")
    assert "30m ago" in examples and "3/11/2026" in examples
    for example in examples:
        with pytest.raises(BadInput):
            parse_past(example, now=NOW)


def test_the_second_run_of_a_repeated_hour_is_kept():
    # 2026-11-01 06:00 UTC is 01:00 EST, the second 01:00 of the night New York falls back.
    now = datetime(2026, 11, 1, 6, tzinfo=UTC)
    with local_zone("America/New_York"):
        assert parse_past("0 days ago", now=now) == now
        assert parse_past("sunday", now=now) == now
        assert parse_past("a week ago", now=now) == datetime(2026, 10, 25, 5, tzinfo=UTC)


@given(
    moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    spec=st.sampled_from(["auto", "seconds", "milliseconds", "microseconds"]),
    sep=st.sampled_from([" ", "T"]),
)
def test_stored_text_reads_back_as_the_same_utc_instant(moment, spec, sep):
    text = moment.isoformat(sep=sep, timespec=spec)
    expected = datetime.fromisoformat(text).replace(tzinfo=UTC)
    for stored in (text, moment, text[:10]):
        read = from_db(stored)
        assert read.tzinfo is UTC
        assert read == (expected if stored is text else from_db_slow(stored))
    assert from_db(to_db(expected)) == expected
    # A text with its own offset keeps the old reading: its wall time, taken as UTC.
    assert from_db(text + "+02:00") == expected


def from_db_slow(stored):
    moment = datetime.fromisoformat(stored) if isinstance(stored, str) else stored
    return moment.replace(tzinfo=UTC)


@given(
    moment=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    aware=st.booleans(),
    count=st.integers(min_value=1, max_value=1200),
    unit=st.sampled_from(["months", "years"]),
)
@case(moment=datetime(2025, 1, 31, 9, 30), aware=True, count=1, unit="months")
@case(moment=datetime(2024, 2, 29), aware=False, count=1, unit="years")
@case(moment=datetime(2025, 5, 31, 23, 59, 59, 999999), aware=True, count=13, unit="months")
@case(moment=datetime(9999, 11, 30), aware=True, count=2, unit="months")
def test_months_and_years_later_are_relativedeltas(moment, aware, count, unit):
    if aware:
        moment = moment.replace(tzinfo=UTC)
    try:
        expected = moment + relativedelta(**{unit: count})
    except (OverflowError, ValueError):
        expected = LATEST if aware else LATEST.replace(tzinfo=None)
    later = Duration(count, unit).after(moment)
    assert later == expected
    assert later.tzinfo is moment.tzinfo

"""WHEN and DUR parsing: examples and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netkeep.dates import Duration, parse_duration, parse_past, parse_when
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

"""Parsing WHEN and DUR, and the one place that reads the clock.

Inside netkeep every time is an aware datetime in UTC. The database stores naive UTC (SQLite keeps no
offsets), so `to_db`/`from_db` convert at that boundary; tables show local time, JSON shows UTC.
"""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import overload

from dateutil.relativedelta import relativedelta

from netkeep.errors import BadInput

# Set NETKEEP_NOW to an ISO time to freeze the clock (tests, reproducible examples).
NOW_ENV = "NETKEEP_NOW"

_UNITS = {
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "m": "months",
    "mo": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "yr": "years",
    "year": "years",
    "years": "years",
}
_SHORT = {"days": "d", "weeks": "w", "months": "m", "years": "y"}
_DUR_RE = re.compile(r"^\s*(\d{1,6})\s*([a-z]+)\s*$", re.IGNORECASE)
_AGO_RE = re.compile(r"^\s*(\d{1,6})\s*([a-z]+)\s+ago\s*$", re.IGNORECASE)
# Nobody keeps in touch on a cadence longer than this; it also keeps date arithmetic in range.
_MAX_DAYS = 100 * 366
# The last time a datetime can hold: where arithmetic on an extreme stored date stops.
LATEST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Duration:
    """A calendar duration such as 3 months: `count` of `unit` (days, weeks, months, years)."""

    count: int
    unit: str

    def __str__(self) -> str:
        return f"{self.count}{_SHORT[self.unit]}"

    @cached_property
    def delta(self) -> relativedelta:
        return calendar_delta(self.unit, self.count)

    def after(self, moment: datetime) -> datetime:
        """Calendar arithmetic: 1m after Jan 31 is the last day of February. Past the last
        representable time (a stored date near year 9999) it is that last time, never an error."""
        try:
            if self.unit == "days":
                return moment + timedelta(days=self.count)
            if self.unit == "weeks":
                return moment + timedelta(weeks=self.count)
            # relativedelta's months and years, without its cost (`stale` adds one per
            # contact): the same day and time, or the month's last day.
            months = self.count * 12 if self.unit == "years" else self.count
            year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
            day = min(moment.day, calendar.monthrange(year, month + 1)[1])
            return datetime(
                year,
                month + 1,
                day,
                moment.hour,
                moment.minute,
                moment.second,
                moment.microsecond,
                moment.tzinfo,
                fold=moment.fold,
            )
        except (OverflowError, ValueError):
            return LATEST if moment.tzinfo else LATEST.replace(tzinfo=None)

    @property
    def timedelta(self) -> timedelta:
        """A fixed length for rates and decay (a month counts as 30.44 days)."""
        return timedelta(days=self.approx_days())

    def approx_days(self) -> float:
        return {"days": 1, "weeks": 7, "months": 30.436875, "years": 365.2425}[
            self.unit
        ] * self.count


def calendar_delta(unit: str, count: int) -> relativedelta:
    """`count` days, weeks, months or years as a relativedelta."""
    return relativedelta(
        years=count if unit == "years" else 0,
        months=count if unit == "months" else 0,
        weeks=count if unit == "weeks" else 0,
        days=count if unit == "days" else 0,
    )


def parse_duration(text: str) -> Duration:
    """Parse DUR: `14d`, `2w`, `3m`, `1y`, `10 days`, `3 months`."""
    match = _DUR_RE.match(text or "")
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if not match or unit is None:
        raise BadInput(f"invalid duration {text!r} (use e.g. 14d, 2w, 3m, 1y, '10 days')")
    duration = Duration(int(match.group(1)), unit)
    if duration.count <= 0:
        raise BadInput(f"invalid duration {text!r}: must be longer than zero")
    if duration.approx_days() > _MAX_DAYS:
        raise BadInput(f"invalid duration {text!r}: longer than 100 years")
    return duration


def now() -> datetime:
    """The current time (aware UTC), or NETKEEP_NOW when set."""
    frozen = os.environ.get(NOW_ENV)
    if frozen:
        try:
            moment = datetime.fromisoformat(frozen)
        except ValueError as exc:
            raise BadInput(f"{NOW_ENV}: invalid ISO time {frozen!r}") from exc
        return as_utc(moment)
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive time is taken as local time."""
    return moment.astimezone(UTC)


DateOrder = str | None
# Reading a numeric date such as 3/11/2026 needs to know the order its writer uses; the CLI passes
# the configured order, or a function that reads it only when a date needs it (config is not free).
DateOrderSource = DateOrder | Callable[[], DateOrder]
DATE_ORDERS = ("dmy", "mdy")

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
# Units of WHEN's "N units ago". DUR has no minutes, so there `m` is months; here it could be
# either, and is refused (see _AMBIGUOUS_UNITS).
_AGO_UNITS = {
    **{unit: "seconds" for unit in ("s", "sec", "secs", "second", "seconds")},
    **{unit: "minutes" for unit in ("min", "mins", "minute", "minutes")},
    **{unit: "hours" for unit in ("h", "hr", "hrs", "hour", "hours")},
    **{unit: "days" for unit in ("d", "day", "days")},
    **{unit: "weeks" for unit in ("w", "wk", "wks", "week", "weeks")},
    **{unit: "months" for unit in ("mo", "mos", "month", "months")},
    **{unit: "years" for unit in ("y", "yr", "yrs", "year", "years")},
}
_AMBIGUOUS_UNITS = {"m"}
_CLOCK_UNITS = {"seconds", "minutes", "hours"}
_AGO = re.compile(r"^(?:(\d{1,6})\s*|([a-z]+)\s+)([a-z]+)\s+ago$")
_FUTURE = re.compile(r"^(tomorrow|tonight|next |in \d|in an? )")
_LAST = {"last week": "weeks", "last month": "months", "last year": "years"}
# What the vague times of day mean (docs/dates.md lists them).
_PERIODS = {
    "midnight": time(0),
    "morning": time(9),
    "noon": time(12),
    "afternoon": time(15),
    "evening": time(19),
    "night": time(22),
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?\s*(am|pm|a\.m\.|p\.m\.)?$")
_YEAR_FIRST = re.compile(r"^\s*\d{4}(?:[-/.]|\d{4}\b)")
_MONTHS = (
    "January February March April May June July August September October November December".split()
)
_WHEN_HINT = "try 2026-03-04, 'March 4 15:30', 'yesterday 9am', '3 days ago'"


def parse_when(text: str, *, now: datetime, date_order: DateOrderSource = None) -> datetime:
    """Parse WHEN into an aware UTC datetime (docs/dates.md has the table).

    Relative forms (`yesterday 9am`, `2h ago`, `last friday`, `this morning`) are read here, in the
    local time zone; a day without a time keeps the current time of day, like git. Anything else
    goes to dateutil, refusing what it would have to guess: a numeric date that reads differently
    day-first and month-first (unless `date_order` says which), or a date missing its day or month.
    A date without a year is the latest one that is not after today.
    """
    raw = " ".join((text or "").split())
    if not raw:
        raise BadInput("invalid date '': empty")
    if len(raw) > 100:
        raise BadInput(f"invalid date {raw[:40]!r}…: too long")
    try:
        relative = _relative(raw.lower(), now)
        if relative is not None:
            return relative
        return _absolute(raw, now, date_order)
    except (OverflowError, OSError, ValueError) as exc:  # date arithmetic past year 1 or 9999
        raise BadInput(f"invalid date {text!r}: out of range") from exc


def _relative(text: str, now: datetime) -> datetime | None:
    if text in ("now", "today", "right now", "just now"):
        return now
    if _FUTURE.match(text) or text.endswith(" from now"):
        raise BadInput(f"{text!r} is in the future")
    ago = _AGO.match(text)
    if ago:
        return _ago(text, ago, now)
    if text in _LAST:
        return _back(now, calendar_delta(_LAST[text], 1))
    if text.startswith("on "):
        text = text[3:]
    if text == "last night":
        text = "yesterday night"
    words = text.split()
    if words and words[0] == "this" and len(words) == 2 and words[1] in _PERIODS:
        words = ["today", words[1]]
    day = _day(words, now)
    if day is not None:
        return _local(datetime.combine(day, _wall(now).time()))
    after_at = bool(words) and words[0] == "at"
    clock = _clock(words[1:] if after_at else words, after_at=after_at)
    if clock is not None:
        return _local(datetime.combine(now.astimezone().date(), clock))
    # A day and a time, either way round: "yesterday 9am", "friday at 3pm", "5pm yesterday".
    for cut in range(1, len(words)):
        for day_words, time_words in ((words[:cut], words[cut:]), (words[cut:], words[:cut])):
            day = _day(day_words, now)
            if day is None:
                continue
            after_at = time_words[0] == "at"
            clock = _clock(time_words[1:] if after_at else time_words, after_at=after_at)
            if clock is not None:
                return _local(datetime.combine(day, clock))
    return None


def _ago(text: str, match: re.Match[str], now: datetime) -> datetime:
    digits, word, unit_word = match.groups()
    count = int(digits) if digits else _NUMBER_WORDS.get(word or "")
    if count is None:
        raise BadInput(f"invalid date {text!r}: {word!r} is not a number ({_WHEN_HINT})")
    if unit_word in _AMBIGUOUS_UNITS:
        raise BadInput(
            f"{text!r} is ambiguous ({unit_word} could be minutes or months): "
            f"write '{count} min ago' or '{count} mo ago'"
        )
    unit = _AGO_UNITS.get(unit_word)
    if unit is None:
        raise BadInput(f"invalid date {text!r}: unknown unit {unit_word!r} ({_WHEN_HINT})")
    if unit in _CLOCK_UNITS:
        return now - timedelta(**{unit: count})
    return _back(now, calendar_delta(unit, count))


def _back(now: datetime, delta: relativedelta) -> datetime:
    """Calendar arithmetic on the local clock: 1 day before 09:00 is 09:00 the day before, even
    across a daylight-saving change."""
    wall = _wall(now)
    return _local((wall - delta).replace(fold=wall.fold))


def _day(words: list[str], now: datetime) -> date | None:
    """The local date a day expression names: today, yesterday, day before yesterday, a weekday
    (the latest one, today included) or last + weekday (before today), N days/weeks… ago."""
    today = now.astimezone().date()
    text = " ".join(words)
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    if text in ("day before yesterday", "the day before yesterday"):
        return today - timedelta(days=2)
    last = len(words) == 2 and words[0] == "last"
    weekday = _WEEKDAYS.get(words[-1]) if words and (len(words) == 1 or last) else None
    if weekday is not None:
        back = (today.weekday() - weekday) % 7
        return today - timedelta(days=back or (7 if last else 0))
    ago = _AGO.match(text)
    if ago and _AGO_UNITS.get(ago.group(3)) not in (None, *_CLOCK_UNITS):
        return _ago(text, ago, now).astimezone().date()
    return None


def _clock(words: list[str], *, after_at: bool) -> time | None:
    """A time of day: 15:00, 9:30, 3pm, 3 pm, noon, evening; a bare hour only after "at"."""
    text = " ".join(words)
    if text in _PERIODS:
        return _PERIODS[text]
    match = _CLOCK.match(text)
    if not match:
        return None
    hour_text, minute, second, half = match.groups()
    if minute is None and half is None and not after_at:
        return None
    hour = int(hour_text)
    if half:
        if not 1 <= hour <= 12:
            raise BadInput(f"invalid time {text!r}: with am/pm the hour is 1 to 12")
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    try:
        return time(hour, int(minute or 0), int(second or 0))
    except ValueError as exc:
        raise BadInput(f"invalid time {text!r}: {exc}") from None


def _local(wall: datetime) -> datetime:
    """A naive local wall-clock time → aware UTC. Of a time that happens twice (the hour the
    clocks fall back), fold=0 is the first; a time that the clocks skip is read within the hour."""
    return wall.astimezone(UTC)


def _wall(now: datetime) -> datetime:
    """Now on the local clock, naive, with `fold` set during the second run of a repeated hour
    so that `_local` gives back `now` itself."""
    wall = now.astimezone().replace(tzinfo=None)
    if _local(wall) != now and _local(wall.replace(fold=1)) == now:
        return wall.replace(fold=1)
    return wall


def _absolute(raw: str, now: datetime, date_order: DateOrderSource) -> datetime:
    try:
        return as_utc(datetime.fromisoformat(raw))
    except ValueError:
        pass
    import warnings

    from dateutil import parser  # costs ~30 ms: only when a real date is given

    first, second = datetime(2000, 1, 1), datetime(1972, 12, 28)  # both leap years
    if _YEAR_FIRST.match(raw):
        orders = [(False, True)]  # 2026/03/04: nobody writes year, day, month
    else:
        order = date_order() if callable(date_order) else date_order
        if order is None:
            orders = [(False, False), (True, False), (False, True), (True, True)]
        else:
            orders = [(order == "dmy", False)]
    readings: dict[datetime, tuple[bool, bool]] = {}
    for dayfirst, yearfirst in orders:
        with warnings.catch_warnings():
            # dateutil drops a zone name it does not know and warns: that would be a guess.
            warnings.simplefilter("error", parser.UnknownTimezoneWarning)
            try:
                reading = parser.parse(raw, default=first, dayfirst=dayfirst, yearfirst=yearfirst)
            except parser.UnknownTimezoneWarning:
                raise BadInput(
                    f"invalid date {raw!r}: unknown time zone (write an offset such as +02:00)"
                ) from None
            except (ValueError, OverflowError, TypeError):
                continue
        readings.setdefault(reading, (dayfirst, yearfirst))
    if not readings:
        raise BadInput(f"invalid date {raw!r} ({_WHEN_HINT})")
    if len(readings) > 1:
        raise BadInput(_ambiguous(raw, list(readings)))
    reading, (dayfirst, yearfirst) = next(iter(readings.items()))
    try:
        other = parser.parse(raw, default=second, dayfirst=dayfirst, yearfirst=yearfirst)
    except (ValueError, OverflowError, TypeError) as exc:
        raise BadInput(f"invalid date {raw!r} ({_WHEN_HINT})") from exc
    missing = {
        part for part in ("year", "month", "day") if getattr(reading, part) != getattr(other, part)
    }
    if missing == {"year", "month", "day"}:
        # Only a time of day ("15h30"): today at that time.
        reading = datetime.combine(now.astimezone().date(), reading.timetz())
    elif missing - {"year"}:
        raise BadInput(
            f"{raw!r} is not a whole date: give the day, month and year (e.g. 2026-03-04)"
        )
    elif missing:
        reading = _latest_year(reading, now)
    return as_utc(reading)


def _latest_year(reading: datetime, now: datetime) -> datetime:
    """A date given without its year: this year's, unless that day is still to come."""
    today = now.astimezone().date()
    for year in range(today.year, today.year - 9, -1):  # 29 February comes within 8 years
        try:
            candidate = reading.replace(year=year)
        except ValueError:
            continue
        if candidate.date() <= today:
            return candidate
    raise BadInput(f"invalid date: no {reading:%B} {reading.day} in the last eight years")


def _ambiguous(raw: str, readings: list[datetime]) -> str:
    with_year = all(reading.year != 2000 for reading in readings)  # 2000: the default year
    shown = [
        f"{reading:%Y-%m-%d}" if with_year else f"{_MONTHS[reading.month - 1]} {reading.day}"
        for reading in readings
    ]
    return (
        f'{raw!r} is ambiguous ({" or ".join(shown)}?): set date_order = "dmy" or "mdy" '
        f"under [defaults] in the config file, or write the month as a word"
    )


def parse_past(text: str, *, now: datetime, date_order: DateOrderSource = None) -> datetime:
    """WHEN for something that happened: refuses the future."""
    moment = parse_when(text, now=now, date_order=date_order)
    if moment > now + timedelta(seconds=1):
        raise BadInput(f"{text!r} is in the future ({local_text(moment)})")
    return moment


@overload
def to_db(moment: datetime) -> str: ...
@overload
def to_db(moment: None) -> None: ...
def to_db(moment: datetime | None) -> str | None:
    """Aware → the stored form for raw SQL: naive UTC text with microseconds, exactly as SQLModel
    writes it, so string comparisons in queries order imported and logged rows alike."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


@overload
def from_db(stored: datetime | str) -> datetime: ...
@overload
def from_db(stored: None) -> None: ...
def from_db(stored: datetime | str | None) -> datetime | None:
    """Naive UTC (or its ISO text, from raw SQL rows) → aware UTC."""
    if stored is None:
        return None
    if isinstance(stored, str):
        if len(stored) >= 19 and stored[19:20] in ("", "."):
            # A time without an offset, as SQLite keeps them: read as UTC at once, several times
            # faster than replace() (scoring reads every ask and give so).
            try:
                return datetime.fromisoformat(stored + "+00:00")
            except ValueError:
                pass
        stored = datetime.fromisoformat(stored)
    return stored.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset, in UTC: the form JSON and CSV carry."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def local_text(moment: datetime | None, *, with_time: bool = True) -> str:
    """Local time for people: `2026-03-04 15:30` or `2026-03-04`."""
    if moment is None:
        return "never"
    local = moment.astimezone()
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole days elapsed (floor)."""
    return (later - earlier) // timedelta(days=1)

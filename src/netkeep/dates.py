"""Parsing WHEN and DUR, and the one place that reads the clock.

Inside netkeep every time is an aware datetime in UTC. The database stores naive UTC (SQLite keeps no
offsets), so `to_db`/`from_db` convert at that boundary; tables show local time, JSON shows UTC.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

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


@dataclass(frozen=True)
class Duration:
    """A calendar duration such as 3 months: `count` of `unit` (days, weeks, months, years)."""

    count: int
    unit: str

    def __str__(self) -> str:
        return f"{self.count}{_SHORT[self.unit]}"

    @cached_property
    def delta(self) -> relativedelta:
        return relativedelta(**{self.unit: self.count})

    def after(self, moment: datetime) -> datetime:
        """Calendar arithmetic: 1m after Jan 31 is the last day of February."""
        if self.unit == "days":
            return moment + timedelta(days=self.count)
        if self.unit == "weeks":
            return moment + timedelta(weeks=self.count)
        return moment + self.delta

    @property
    def timedelta(self) -> timedelta:
        """A fixed length for rates and decay (a month counts as 30.44 days)."""
        return timedelta(days=self.approx_days())

    def approx_days(self) -> float:
        return {"days": 1, "weeks": 7, "months": 30.436875, "years": 365.2425}[
            self.unit
        ] * self.count


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


def parse_when(text: str, *, now: datetime) -> datetime:
    """Parse WHEN into an aware UTC datetime.

    Accepts `now`, `today`, `yesterday`, `N units ago` (`3 days ago`, `3d ago`, `2 weeks ago`) and
    anything dateutil's parser reads. `today`/`yesterday` keep the current time of day, like git.
    Missing date parts default to today; naive times are local.
    """
    raw = (text or "").strip()
    word = raw.lower()
    if word in ("now", "today"):
        return now
    if word == "yesterday":
        return now - timedelta(days=1)
    ago = _AGO_RE.match(raw)
    if ago:
        return now - parse_duration(f"{ago.group(1)}{ago.group(2)}").delta
    if not raw:
        raise BadInput("invalid date '': empty")
    from dateutil import parser  # costs ~30 ms: only when a real date is given

    local_midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        parsed = parser.parse(raw, default=local_midnight.replace(tzinfo=None))
    except (ValueError, OverflowError, TypeError) as exc:
        raise BadInput(
            f"invalid date {text!r} (try 2026-03-04, 'March 4 15:30', '3 days ago')"
        ) from exc
    try:
        return as_utc(parsed)
    except (ValueError, OverflowError) as exc:
        raise BadInput(f"invalid date {text!r}: out of range") from exc


def parse_past(text: str, *, now: datetime) -> datetime:
    """WHEN for something that happened: refuses the future."""
    moment = parse_when(text, now=now)
    if moment > now + timedelta(seconds=1):
        raise BadInput(f"{text!r} is in the future ({local_text(moment)})")
    return moment


def to_db(moment: datetime | None) -> str | None:
    """Aware → the stored form for raw SQL: naive UTC text with microseconds, exactly as SQLModel
    writes it, so string comparisons in queries order imported and logged rows alike."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def from_db(stored: datetime | str | None) -> datetime | None:
    """Naive UTC (or its ISO text, from raw SQL rows) → aware UTC."""
    if stored is None:
        return None
    if isinstance(stored, str):
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

"""iCalendar (.ics) files: past meetings with real attendees are live, two-way touchpoints.

Recurring events are expanded only between EXPAND_FROM and now, within caps checked before any
expansion: a series recurring more than SERIES_CAP times from its start to now is skipped (and
counted), one recurring more often than hourly is skipped, and a file whose series together
recur more than FILE_CAP times is refused; so is a rule that cannot be read or whose INTERVAL is
not a positive number. Cancelled events, events you declined, rooms,
resources and groups are skipped; meetings larger than the cap are skipped as broadcasts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netkeep.errors import BadInput
from netkeep.io.capture import (
    OUT_OF_RANGE,
    Identity,
    Message,
    Party,
    Skipped,
    captured_at,
    check_size,
    short_note,
)
from netkeep.io.records import fail

if TYPE_CHECKING:
    from icalendar import Event

SOURCE = "ics"
SIZE_LIMIT = 8 * 1024 * 1024  # read whole by icalendar, whose objects take 30 times the text
EVENTS_LIMIT = 20_000  # events (series counted once) in one file, counted before parsing
_NOT_PEOPLE = {"ROOM", "RESOURCE", "GROUP", "UNKNOWN"}
# How far back recurrences are expanded: older occurrences carry no weight in the score.
EXPAND_FROM = datetime(1990, 1, 1, tzinfo=UTC)
SERIES_CAP = 10_000  # occurrences of one series from its start to now
FILE_CAP = 50_000  # occurrences of all the series in one file
_TOO_OFTEN = {"SECONDLY", "MINUTELY"}
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_FREQUENCIES = {"YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", *_TOO_OFTEN}


def read_ics(
    path: Path, label: str, me: Identity, *, now: datetime | None = None
) -> Iterator[Message | Skipped]:
    if not me.emails:
        me.need("--me-email", "emails", label)
    check_size(path, SIZE_LIMIT, label)
    import icalendar
    import recurring_ical_events

    from netkeep.io.detect import read_text

    text = read_text(path)
    events_in_file = text.count("BEGIN:VEVENT") + text.count("begin:vevent")
    if events_in_file > EVENTS_LIMIT:
        raise fail(
            label,
            "",
            f"{events_in_file:,} events is more than one file may hold ({EVENTS_LIMIT:,})",
        )
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError and friends on broken content
        raise fail(label, "", f"not a readable iCalendar file ({_short(exc)})") from None
    moment = now or _now()
    yield from _capped_series(calendar, label, moment)
    try:
        events = list(
            recurring_ical_events.of(calendar, skip_bad_series=True).between(EXPAND_FROM, moment)
        )
    except Exception as exc:
        raise fail(label, "", f"cannot expand its events ({_short(exc)})") from None
    events.sort(key=lambda event: _start(event) or EXPAND_FROM)
    for event in events:
        yield from _event(event, label, me, moment)


def _capped_series(calendar: Any, label: str, now: datetime) -> Iterator[Skipped]:
    """Check every recurrence rule and count its occurrences up to now before anything is expanded;
    take out of the calendar the series that recur too often, and refuse the file when the rest
    recur more than FILE_CAP times together."""
    total = 0
    for event in list(calendar.walk("VEVENT")):
        uid = str(event.get("UID", "")).strip() or "?"
        where = f"event {uid[:80]}"
        try:
            count = _series_count(event, now, label, where)
        except BadInput:
            raise
        except Exception as exc:  # icalendar's BrokenCalendarProperty and friends
            raise fail(label, where, f"unreadable RRULE ({_short(exc)})") from None
        if count > SERIES_CAP:
            _remove(calendar, event)
            yield Skipped(SOURCE, f"series recurring over {SERIES_CAP:,} times or more than hourly")
            continue
        total += count
        if total > FILE_CAP:
            raise fail(label, "", f"its series recur more than {FILE_CAP:,} times up to now")


def _series_count(event: Any, now: datetime, label: str, where: str) -> int:
    rules = event.get("RRULE")
    start = _start(event)
    if rules is None or start is None:
        return 0
    count = 0
    for rule in rules if isinstance(rules, list) else [rules]:
        count += _occurrences(rule, start, now, label, where)
        if count > SERIES_CAP:
            break
    return count


def _occurrences(rule: Any, start: datetime, now: datetime, label: str, where: str) -> int:
    """How many times `rule` recurs from `start` to now, counted up to SERIES_CAP + 1 (more than
    that for a rule more frequent than hourly: it is never a meeting with people)."""
    from dateutil.rrule import rrulestr

    freq = [str(value).upper() for value in rule.get("FREQ", [])]
    if len(freq) != 1 or freq[0] not in _FREQUENCIES:
        raise fail(label, where, f"RRULE FREQ must be one of {', '.join(sorted(_FREQUENCIES))}")
    intervals = rule.get("INTERVAL", [1])
    if any(not isinstance(value, int) or value < 1 for value in intervals):
        raise fail(label, where, "RRULE INTERVAL must be a whole number of at least 1")
    if freq[0] in _TOO_OFTEN:
        return SERIES_CAP + 1
    months = [int(month) for month in rule.get("BYMONTH", [])] or range(1, 13)
    days = [int(day) for day in rule.get("BYMONTHDAY", [])]
    if days and not any(0 < abs(d) <= _MONTH_DAYS[m - 1] for m in months for d in days):
        # 30 February: the rule library would look for one until the year 9999.
        raise fail(label, where, "RRULE can never occur (no such day in its months)")
    text = rule.to_ical().decode("utf-8", "replace")
    parsed = None
    for first in (start, start.replace(tzinfo=None)):  # UNTIL may be written with or without a zone
        try:
            parsed = rrulestr(text, dtstart=first)
            limit = now if first.tzinfo else now.replace(tzinfo=None)
            break
        except (ValueError, TypeError, OverflowError):
            continue
    if parsed is None:
        raise fail(label, where, f"unreadable RRULE {text[:80]!r}")
    count = 0
    try:
        for occurrence in parsed:
            if occurrence > limit or count > SERIES_CAP:
                break
            count += 1
    except (ValueError, TypeError, OverflowError):
        raise fail(label, where, f"unreadable RRULE {text[:80]!r}") from None
    return count


def _remove(calendar: Any, event: Any) -> None:
    for component in calendar.walk("VCALENDAR"):
        component.subcomponents[:] = [c for c in component.subcomponents if c is not event]


def _now() -> datetime:
    from netkeep.dates import now

    return now()


def _short(exc: Exception) -> str:
    return " ".join(str(exc).split())[:120] or type(exc).__name__


def _start(event: Event) -> datetime | None:
    value = event.get("DTSTART")
    if value is None:
        return None
    moment = value.dt
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if isinstance(moment, date):
        return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return None


def _email(value: object) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _event(event: Event, label: str, me: Identity, now: datetime) -> Iterator[Message | Skipped]:
    start = _start(event)
    uid = str(event.get("UID", "")).strip()
    if start is None or not uid:
        yield Skipped(SOURCE, "no start or UID")
        return
    if start > now:
        yield Skipped(SOURCE, "in the future")
        return
    if captured_at(start, me) is None:
        yield Skipped(SOURCE, OUT_OF_RANGE)
        return
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        yield Skipped(SOURCE, "cancelled")
        return
    organizer = _email(event.get("ORGANIZER", "")) if event.get("ORGANIZER") else ""
    attendees = event.get("ATTENDEE", [])
    if not isinstance(attendees, list):
        attendees = [attendees]
    people = []
    declined_by_me = False
    for attendee in attendees:
        email = _email(attendee)
        params = getattr(attendee, "params", {})
        kind = str(params.get("CUTYPE", "INDIVIDUAL")).upper()
        status = str(params.get("PARTSTAT", "")).upper()
        if email in me.emails:
            declined_by_me = declined_by_me or status == "DECLINED"
            continue
        if kind in _NOT_PEOPLE or "@" not in email or status == "DECLINED":
            continue
        if email.startswith(("noreply", "no-reply")) or email.endswith(
            ("resource.calendar.google.com", "group.calendar.google.com")
        ):
            continue
        name = str(params.get("CN", "")).strip().strip('"') or None
        if name and name.lower() == email:
            name = None
        people.append(Party(name=name, email=email))
    if organizer and organizer not in me.emails and all(p.email != organizer for p in people):
        name = str(getattr(event.get("ORGANIZER"), "params", {}).get("CN", "")).strip() or None
        people.append(Party(name=name, email=organizer))
    if declined_by_me:
        yield Skipped(SOURCE, "declined")
        return
    if not people:
        yield Skipped(SOURCE, "no other attendees")
        return
    if len(people) > me.meeting_cap:
        yield Skipped(SOURCE, "too many attendees")
        return
    # The organizer started it; with no organizer (a personal calendar) the meeting is yours.
    direction = "in" if organizer and organizer not in me.emails else "out"
    recurrence = event.get("RECURRENCE-ID")
    instance = _start(event) if recurrence is not None or event.get("RRULE") else None
    key_base = uid + (f"@{instance.isoformat()}" if instance else "")
    note = short_note(str(event.get("SUMMARY", "")))
    for party in people:
        yield Message(
            source=SOURCE,
            key=f"{key_base}|{party.email}",
            at=start,
            channel="meeting",
            direction=direction,
            two_way=True,
            party=party,
            note=note,
        )

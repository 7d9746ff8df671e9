"""iCalendar (.ics) files: past meetings with real attendees are live, two-way touchpoints.

Recurring events are expanded only up to now. A recurring series is one standing tie: its first
occurrence starts it, the later ones are stored as live touchpoints that need no reply, which keep
the contact warm and count for nobody's initiative. Cancelled events and occurrences, events you
declined, rooms, resources and groups are skipped; meetings larger than the cap are skipped as
broadcasts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from netkeep.io.capture import Identity, Message, Party, Skipped, check_size, short_note
from netkeep.io.records import fail

if TYPE_CHECKING:
    from icalendar import Event

SOURCE = "ics"
SIZE_LIMIT = 256 * 1024 * 1024  # read whole by icalendar
_NOT_PEOPLE = {"ROOM", "RESOURCE", "GROUP", "UNKNOWN"}
# How far back recurrences are expanded: older occurrences carry no weight in the score.
EXPAND_FROM = datetime(1990, 1, 1, tzinfo=UTC)


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
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError and friends on broken content
        raise fail(label, "", f"not a readable iCalendar file ({_short(exc)})") from None
    moment = now or _now()
    try:
        events = list(
            recurring_ical_events.of(calendar, skip_bad_series=True).between(EXPAND_FROM, moment)
        )
    except Exception as exc:
        raise fail(label, "", f"cannot expand its events ({_short(exc)})") from None
    events.sort(key=lambda event: _start(event) or EXPAND_FROM)
    series_seen: set[str] = set()  # recurring series whose first occurrence has been read
    for event in events:
        yield from _event(event, label, me, moment, series_seen)


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


def _event(
    event: Event, label: str, me: Identity, now: datetime, series_seen: set[str]
) -> Iterator[Message | Skipped]:
    start = _start(event)
    uid = str(event.get("UID", "")).strip()
    if start is None or not uid:
        yield Skipped(SOURCE, "no start or UID")
        return
    if start > now:
        yield Skipped(SOURCE, "in the future")
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
    # A standing meeting is one tie: its first occurrence is the start, by whoever set the
    # series up; the later ones are live and need no reply (they tip nothing). A renewed series
    # (a new UID) starts again.
    standing = instance is not None and uid in series_seen
    if instance is not None:
        series_seen.add(uid)
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
            no_reply=standing,
        )

"""The calendar feed: open follow-ups and birthdays as iCalendar (RFC 5545) all-day events.

Each event's UID names what it is about, not when it falls: a contact has one open follow-up and
one birthday, so `follow-up-12@netkeep` and `birthday-12@netkeep` stay the same from one export to
the next. A calendar that imports or subscribes to the feed again updates those events (a
follow-up moved to another day moves) instead of adding copies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import IO, Any

from netkeep import __version__

UID_DOMAIN = "netkeep"


def write_feed(contacts: Iterable[dict[str, Any]], fh: IO[str], *, now: datetime) -> int:
    """Write the feed of netkeep.agenda_store's agenda rows (open follow-ups only); returns how
    many events it holds. Open `fh` with newline="" so the CRLFs are written as they are."""
    import icalendar

    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//netkeep//netkeep {__version__}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "netkeep")
    events = 0
    for contact in contacts:
        if contact.get("follow_up_on"):
            day = date.fromisoformat(contact["follow_up_on"])
            event = _event(f"follow-up-{contact['id']}", day, f"Follow up: {contact['name']}", now)
            if contact.get("follow_up_note"):
                event.add("description", contact["follow_up_note"])
            calendar.add_component(event)
            events += 1
        if contact.get("birthday"):
            calendar.add_component(_birthday(contact, now))
            events += 1
    fh.write(calendar.to_ical().decode("utf-8"))
    return events


def _event(key: str, day: date, summary: str, now: datetime) -> Any:
    import icalendar

    event = icalendar.Event()
    event.add("uid", f"{key}@{UID_DOMAIN}")
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")  # a reminder, not busy time
    return event


def _birthday(contact: dict[str, Any], now: datetime) -> Any:
    """A yearly event from the year of birth (or 2000, a leap year, when it is not known)."""
    birthday: str = contact["birthday"]
    year = int(birthday[:4]) if len(birthday) == 10 else 2000
    month, day = (int(part) for part in birthday[-5:].split("-"))
    event = _event(
        f"birthday-{contact['id']}", date(year, month, day), f"Birthday: {contact['name']}", now
    )
    rule: dict[str, Any] = {"freq": "yearly"}
    if (month, day) == (2, 29):
        rule.update(bymonth=2, bymonthday=-1)  # the 28th when there is no 29th
    event.add("rrule", rule)
    return event

"""What is due: follow-ups, birthdays and snoozes, as calendar days. Pure: no database, no clock.

Every date here is a day on the user's local calendar (`today` is the local date of "now", which
the caller passes in): a follow-up set for Friday is due on Friday wherever the clock's UTC date is.
Dates are stored as ISO text, `YYYY-MM-DD`; a birthday without its year as `MM-DD`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from netkeep.errors import BadInput

KINDS = ("follow-up", "birthday", "snooze-ends")
DUE_KEYS = ["kind", "contact_id", "name", "date", "note"]
CLEARING = ("none", "")
# A year that has a 29 February, for checking a birthday given without its year.
_LEAP_YEAR = 2000
_BIRTHDAY_FORMS = (
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$"),
    re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$"),  # vCard 3: 19850314
    re.compile(r"^(?:--)?(?P<month>\d{1,2})-?(?P<day>\d{2})$"),  # 03-14, vCard 4: --0314
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_IN = re.compile(r"^in\s+(.+)$")
_FUTURE_HINT = "try tomorrow, friday, 'in 3 days', 'next week', 2026-07-01 or 2w"


def local_today(now: datetime) -> date:
    """Today on the local calendar."""
    return now.astimezone().date()


# --- birthdays -----------------------------------------------------------------------------


def parse_birthday(text: str) -> str | None:
    """`MM-DD` or `YYYY-MM-DD` (vCard's `--MMDD` and `YYYYMMDD` too); None for `none`."""
    raw = (text or "").strip()
    if raw.lower() in CLEARING:
        return None
    raw = raw.split("T", 1)[0]  # a vCard BDAY may carry a time of day
    for form in _BIRTHDAY_FORMS:
        match = form.match(raw)
        if match is None:
            continue
        parts = match.groupdict()
        year = int(parts["year"]) if parts.get("year") else None
        try:
            born = date(year or _LEAP_YEAR, int(parts["month"]), int(parts["day"]))
        except ValueError:
            break
        if year is not None and not 1800 <= year <= 9999:
            break
        return born.isoformat() if year is not None else born.strftime("%m-%d")
    raise BadInput(f"invalid birthday {text!r} (use MM-DD or YYYY-MM-DD, or none)")


def next_birthday(birthday: str, on_or_after: date) -> date:
    """The first day on or after `on_or_after` that is the birthday; 29 February is kept on
    28 February in other years."""
    month, day = (int(part) for part in birthday[-5:].split("-"))
    for year in (on_or_after.year, on_or_after.year + 1):
        when = _birthday_in(year, month, day)
        if when >= on_or_after:
            return when
    raise AssertionError("a birthday comes within a year")  # pragma: no cover


def _birthday_in(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:  # 29 February outside a leap year
        return date(year, month, day - 1)


# --- future dates --------------------------------------------------------------------------


def parse_future_day(text: str, *, now: datetime) -> date:
    """A day from today on: `today`, `tomorrow`, a weekday (the next one, after today), `in 3 days`,
    `next week` (a week from today), `next month`, a date, or a DUR from today (`3d`, `2w`). A day
    before today is refused."""
    from netkeep.dates import parse_duration

    raw = " ".join((text or "").lower().split())
    today = local_today(now)
    if not raw:
        raise BadInput(f"invalid date '': empty ({_FUTURE_HINT})")
    named = {"today": 0, "tomorrow": 1, "next week": 7}
    if raw in named:
        return today + timedelta(days=named[raw])
    if raw in ("next month", "next year"):
        return parse_duration("1" + raw[5]).after(_midday(today)).date()
    number = _weekday(raw.removeprefix("next ").removeprefix("on "))
    if number is not None:
        return today + timedelta(days=(number - today.weekday() - 1) % 7 + 1)
    spelled = _IN.match(raw)
    duration_text = spelled.group(1) if spelled else raw.removesuffix(" from now")
    try:
        return parse_duration(duration_text).after(_midday(today)).date()
    except BadInput:
        if spelled:
            raise BadInput(f"invalid date {text!r} ({_FUTURE_HINT})") from None
    day = _calendar_day(raw, text, today)
    if day < today:
        raise BadInput(f"{text!r} is in the past (give a day from today on)")
    return day


def _weekday(word: str) -> int | None:
    """Monday = 0 … Sunday = 6, for a weekday's name or its first three letters."""
    for number, name in enumerate(_WEEKDAYS):
        if word in (name, name[:3]):
            return number
    return None


def _midday(day: date) -> datetime:
    """Noon of a day: calendar arithmetic on it stays on the calendar."""
    return datetime(day.year, day.month, day.day, 12)


def _calendar_day(raw: str, text: str, today: date) -> date:
    """A written date; one without a year is its next occurrence from today."""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    from dateutil import parser

    default = datetime(today.year, today.month, 1)
    try:
        reading = parser.parse(raw, default=default).date()
    except (ValueError, OverflowError):
        if _names_a_past_day(raw, today):
            raise BadInput(f"{text!r} is in the past (give a day from today on)") from None
        raise BadInput(f"invalid date {text!r} ({_FUTURE_HINT})") from None
    if not re.search(r"\d{4}", raw) and reading < today:
        reading = _birthday_in(reading.year + 1, reading.month, reading.day)
    return reading


def _names_a_past_day(raw: str, today: date) -> bool:
    """`yesterday`, `3 days ago`, `last friday`: words for a day before today."""
    from netkeep.dates import parse_when

    try:
        moment = parse_when(raw, now=datetime.combine(today, datetime.min.time()).astimezone())
    except BadInput:
        return False
    return local_today(moment) < today


def parse_day_text(stored: str | None) -> date | None:
    return None if stored is None else date.fromisoformat(stored)


# --- what is due ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    kind: str
    contact_id: int
    name: str
    date: date
    note: str | None

    def row(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "contact_id": self.contact_id,
            "name": self.name,
            "date": self.date.isoformat(),
            "note": self.note,
        }


def due_items(contacts: list[dict[str, Any]], *, today: date, days: int) -> list[DueItem]:
    """What is due by the end of `today + days`, overdue first, then by date, kind and name.

    `contacts` carries `id`, `name`, `birthday`, `follow_up_on` (open follow-ups only),
    `follow_up_note` and `snoozed_until`. Follow-ups due on or before the horizon count however
    old; birthdays and snoozes that end from today to the horizon."""
    horizon = today + timedelta(days=days)
    items: list[DueItem] = []
    for contact in contacts:
        follow_up = parse_day_text(contact.get("follow_up_on"))
        if follow_up is not None and follow_up <= horizon:
            items.append(
                DueItem(
                    "follow-up",
                    contact["id"],
                    contact["name"],
                    follow_up,
                    contact.get("follow_up_note"),
                )
            )
        if contact.get("birthday"):
            birthday = next_birthday(contact["birthday"], today)
            if birthday <= horizon:
                items.append(
                    DueItem(
                        "birthday",
                        contact["id"],
                        contact["name"],
                        birthday,
                        _age(contact, birthday),
                    )
                )
        snooze_end = parse_day_text(contact.get("snoozed_until"))
        if snooze_end is not None and today <= snooze_end <= horizon:
            items.append(DueItem("snooze-ends", contact["id"], contact["name"], snooze_end, None))
    order = {kind: index for index, kind in enumerate(KINDS)}
    items.sort(
        key=lambda item: (item.date, order[item.kind], item.name.casefold(), item.contact_id)
    )
    return items


def digest_due(contacts: list[dict[str, Any]], *, today: date) -> list[dict[str, Any]]:
    """The digest's `due`: follow-ups due today or overdue, birthdays today and tomorrow."""
    return [
        item.row()
        for item in due_items(contacts, today=today, days=1)
        if (item.kind == "follow-up" and item.date <= today) or item.kind == "birthday"
    ]


def _age(contact: dict[str, Any], birthday: date) -> str | None:
    """`turns 41` when the year of birth is known."""
    known = contact["birthday"]
    if len(known) != 10:
        return None
    return f"turns {birthday.year - int(known[:4])}"


def snoozed(snoozed_until: str | None, today: date) -> bool:
    """Whether a contact snoozed until that day is still out of the reach-out lists today."""
    return snoozed_until is not None and date.fromisoformat(snoozed_until) > today

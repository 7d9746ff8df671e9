"""What needs attention, in four sections. Pure: rows in, sections out (no database, no clock).

- reach out: stale contacts, most overdue first (stale rows);
- you owe: their outreach you have not followed up and their open asks, oldest first (owe rows);
- waiting on: your open asks, oldest first (ask rows);
- watch: fair-weather and unresponsive contacts, least reciprocal first (score rows);
- due: follow-ups due or overdue, birthdays today and tomorrow (netkeep.agenda's due rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from netkeep.dates import days_between
from netkeep.text import plural
from netkeep.vocab import Band

SECTIONS = ("reach_out", "you_owe", "waiting_on", "watch", "due")
TITLES = {
    "due": "Due",
    "reach_out": "Reach out",
    "you_owe": "You owe",
    "waiting_on": "Waiting on",
    "watch": "Watch",
}
WATCH_BANDS = (Band.fair_weather.value, Band.unresponsive.value)

Row = dict[str, Any]


@dataclass(frozen=True)
class Section:
    key: str
    rows: list[Row]  # what is shown (at most `limit`)
    total: int  # how many there are

    @property
    def title(self) -> str:
        return TITLES[self.key]

    @property
    def hidden(self) -> int:
        return self.total - len(self.rows)


@dataclass(frozen=True)
class Digest:
    sections: tuple[Section, ...]

    @property
    def quiet(self) -> bool:
        return all(section.total == 0 for section in self.sections)

    def as_dict(self) -> dict[str, list[Row]]:
        return {section.key: section.rows for section in self.sections}


def build_digest(
    *,
    stale: Iterable[Row],
    owe: Iterable[Row],
    my_open_asks: Iterable[Row],
    scores: Iterable[Row],
    now: datetime,
    limit: int | None = None,
    due: Iterable[Row] = (),
) -> Digest:
    """Assemble the sections. `stale` and `due` are already ranked; the others are ordered
    here."""
    you_owe = sorted(owe, key=lambda row: (row["occurred_at"], row["touchpoint_id"] or 0))
    for row in you_owe:
        row["days_waiting"] = max(0, days_between(row["occurred_at"], now))
    waiting_on = sorted(
        (row for row in my_open_asks if row["by"] == "me" and row["status"] in ("open", "working")),
        key=lambda row: (row["opened_at"], row["id"]),
    )
    for row in waiting_on:
        row["days_open"] = max(0, days_between(row["opened_at"], now))
    watch = sorted(
        (row for row in scores if row["band"] in WATCH_BANDS),
        key=lambda row: (row["score"] is None, row["score"] or 0, row["id"]),
    )
    found = {
        "reach_out": list(stale),
        "you_owe": you_owe,
        "waiting_on": waiting_on,
        "watch": watch,
        "due": list(due),
    }
    return Digest(
        tuple(
            Section(key, found[key][:limit] if limit else found[key], len(found[key]))
            for key in SECTIONS
        )
    )


def per_person(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Owe rows folded to one per contact (rows come oldest first): the oldest row, its channels
    joined, the first ask named, and the count."""
    people: dict[int, dict[str, Any]] = {}
    for row in rows:
        seen = people.get(row["contact_id"])
        if seen is None:
            people[row["contact_id"]] = {**row, "count": 1}
            continue
        seen["count"] += 1
        if row["channel"] and row["channel"] not in (seen["channel"] or "").split(", "):
            seen["channel"] = ", ".join(filter(None, (seen["channel"], row["channel"])))
        seen["ask"] = seen["ask"] or row["ask"]
    return list(people.values())


# --- lines for people ----------------------------------------------------------------------------


def _day(moment: datetime | None) -> str:
    from netkeep.dates import local_text

    return local_text(moment, with_time=False)


def describe(key: str, row: Row) -> tuple[str, str]:
    """(who, what) for one row of a section: the name, and why it is listed."""
    if key == "reach_out":
        parts = [
            f"{plural(row['days_overdue'], 'day')} overdue" if row["days_overdue"] else "due today",
            f"every {row['cadence']} ({row['tier']})",
            f"last touch {_day(row['last_touch'])}" if row["last_touch"] else "never in touch",
        ]
        if row.get("unanswered"):
            parts.append(f"{row['unanswered']} unanswered")
        return row["name"], ", ".join(parts)
    if key == "you_owe":
        via = f"their {row['channel']}" if row.get("channel") else "their ask"
        text = f"{via} of {_day(row['occurred_at'])}, waiting {plural(row['days_waiting'], 'day')}"
        if row.get("ask"):
            text += f"; they asked: {row['ask']}"
        return row["name"], text
    if key == "due":
        what = {"follow-up": "follow up", "birthday": "birthday", "snooze-ends": "snooze ends"}
        text = f"{what[row['kind']]} {row['date']}"
        if row.get("note"):
            text += f": {row['note']}"
        return row["name"], text
    if key == "waiting_on":
        return (
            row["name"],
            f"ask #{row['id']} {row['what']!r}, open {plural(row['days_open'], 'day')}",
        )
    score = "no score yet" if row["score"] is None else f"score {row['score']}"
    text = f"{row['band']}, {score}"
    if row.get("explanation"):
        text += f": {row['explanation']}"
    return row["name"], text


def text_lines(digest: Digest) -> list[str]:
    """Plain text for a terminal or a mail body; nothing at all when all is quiet."""
    lines: list[str] = []
    for section in digest.sections:
        if not section.total:
            continue
        if lines:
            lines.append("")
        lines.append(f"{section.title} ({section.total})")
        for row in section.rows:
            who, what = describe(section.key, row)
            lines.append(f"  {one_line(who)}: {one_line(what)}")
        if section.hidden:
            lines.append(f"  … and {section.hidden} more")
    return lines


# Inline markup only: the escaped text always follows "- **name**: ", never starts a line.
_MARKDOWN_SPECIAL = "\\`*_[]<>|~"


def markdown_escape(value: str) -> str:
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIAL else ch for ch in one_line(value))


def markdown_lines(digest: Digest, *, title: str) -> list[str]:
    """Markdown for a note or a chat message; nothing at all when all is quiet."""
    if digest.quiet:
        return []
    lines = [f"# {title}"]
    for section in digest.sections:
        if not section.total:
            continue
        lines += ["", f"## {section.title} ({section.total})", ""]
        for row in section.rows:
            who, what = describe(section.key, row)
            lines.append(f"- **{markdown_escape(who)}**: {markdown_escape(what)}")
        if section.hidden:
            lines.append(f"- … and {section.hidden} more")
    return lines


def one_line(value: Any) -> str:
    return " ".join(str(value).split())

"""Commands about next actions: follow-up, snooze, due."""

from __future__ import annotations

from typing import Annotated

import typer

from netkeep.cli.common import (
    LOOK,
    RECORD,
    ContactArg,
    FormatOpt,
    app,
    did,
    now,
    session,
)
from netkeep.errors import BadInput
from netkeep.vocab import OutputFormat

ClearOpt = Annotated[bool, typer.Option("--clear", help="Remove it.")]


@app.command(
    "follow-up",
    rich_help_panel=RECORD,
    epilog="Examples:\n  netkeep follow-up sam friday --note 'call back about the role'\n"
    "  netkeep follow-up sam 2w\n  netkeep follow-up sam --clear",
)
def follow_up(
    contact: ContactArg,
    when: Annotated[
        str | None,
        typer.Argument(
            metavar="[WHEN]",
            help="tomorrow, friday (the next one), 'in 3 days', 'next week', a date, or 3d, 2w.",
            show_default=False,
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="What to follow up on.", show_default=False)
    ] = None,
    clear: ClearOpt = False,
) -> None:
    """Set a follow-up with a contact: due on WHEN, closed by the next touchpoint you log."""
    from netkeep.agenda import parse_future_day
    from netkeep.render import note as say
    from netkeep.store import agenda as agenda_store
    from netkeep.store import contacts

    if clear == (when is not None):
        raise BadInput("give WHEN, or --clear" if not clear else "give WHEN or --clear, not both")
    if clear and note is not None:
        raise BadInput("--note goes with WHEN, not --clear")
    day = None if when is None else parse_future_day(when, now=now())
    with session(write=True) as db:
        found = contacts.find_contact(db, contact)
        label = f"#{found.id} {found.name}"
        if day is None:
            was_open = agenda_store.clear_follow_up(db, contact=found)
            did(db, f"follow-up {label} --clear")
        else:
            agenda_store.set_follow_up(db, contact=found, on=day, note=note)
            did(db, f"follow-up {label} {day.isoformat()}")
    if day is None:
        say(f"Cleared the follow-up with {label}." if was_open else f"No follow-up with {label}.")
    else:
        say(f"Follow up with {label} on {day.isoformat()} ({day:%A}).")


@app.command(
    rich_help_panel=RECORD,
    epilog="Examples:\n  netkeep snooze sam 1m\n  netkeep snooze sam 2026-09-01\n"
    "  netkeep snooze sam --clear",
)
def snooze(
    contact: ContactArg,
    until: Annotated[
        str | None,
        typer.Argument(
            metavar="[UNTIL]",
            help="The day they are back: a date, 'next month', 'in 3 weeks', or a DUR (1m).",
            show_default=False,
        ),
    ] = None,
    clear: ClearOpt = False,
) -> None:
    """Keep a contact out of stale and the digest's reach-out list until UNTIL."""
    from netkeep.agenda import local_today, parse_future_day
    from netkeep.render import note as say
    from netkeep.store import agenda as agenda_store
    from netkeep.store import contacts

    if clear == (until is not None):
        raise BadInput("give UNTIL, or --clear" if not clear else "give UNTIL or --clear, not both")
    moment = now()
    day = None if until is None else parse_future_day(until, now=moment)
    if day is not None and day <= local_today(moment):
        raise BadInput(f"{until!r} is today: snooze until a later day")
    with session(write=True) as db:
        found = contacts.find_contact(db, contact)
        label = f"#{found.id} {found.name}"
        agenda_store.set_snooze(db, contact=found, until=day)
        did(db, f"snooze {label} " + ("--clear" if day is None else day.isoformat()))
    if day is None:
        say(f"{label} is no longer snoozed.")
    else:
        say(f"Snoozed {label} until {day.isoformat()} ({day:%A}).")


@app.command(
    rich_help_panel=LOOK,
    epilog="Examples:\n  netkeep due\n  netkeep due --days 7\n"
    "  netkeep due --format json | jq '.[] | select(.kind == \"follow-up\")'",
)
def due(
    days: Annotated[
        int,
        typer.Option(
            "--days", min=0, max=3660, help="Look this many days past today.", show_default=True
        ),
    ] = 0,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """What is due by the end of today (+ --days): follow-ups, birthdays, snoozes ending.

    Overdue follow-ups come first, then everything by date.
    """
    from netkeep.agenda import DUE_KEYS, due_items, local_today
    from netkeep.render import Column, emit_rows
    from netkeep.store import agenda as agenda_store

    moment = now()
    with session(write=False) as db:
        rows = agenda_store.agenda_rows(db)
    today = local_today(moment)
    items = [item.row() for item in due_items(rows, today=today, days=days)]
    emit_rows(
        items,
        fmt=fmt.value,
        keys=DUE_KEYS,
        columns=[
            Column("date", "Date", cell=lambda value: _day_cell(value, today.isoformat())),
            Column("kind", "What"),
            Column("contact_id", "ID", justify="right"),
            Column("name", "Name"),
            Column("note", "Note"),
        ],
        empty="Nothing due." if days == 0 else f"Nothing due in the next {days} days.",
    )


def _day_cell(value: str, today: str) -> str:
    if value < today:
        return f"{value} (overdue)"
    return f"{value} (today)" if value == today else value

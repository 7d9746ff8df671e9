"""Commands about reciprocity: score, owe, asks, resolve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from netkeep.cli.common import (
    LOOK,
    RECORD,
    WHEN_HELP,
    AsOfOpt,
    FormatOpt,
    MineOpt,
    SingleFormatOpt,
    app,
    as_of_moment,
    complete_contact,
    date_order,
    did,
    now,
    session,
    settings,
)
from netkeep.errors import BadInput
from netkeep.fields import id_of
from netkeep.vocab import ASK_KEYS, OWE_KEYS, SCORE_KEYS, Band, OutputFormat, Side, SingleFormat

if TYPE_CHECKING:
    pass


def _rate(value: float | None) -> str:
    return "" if value is None else f"{round(value * 100)}%"


def score_order(row: dict[str, Any]) -> tuple[Any, ...]:
    """Least reciprocal first; `new` contacts (no score yet) last."""
    return (row["score"] is None, row["score"] if row["score"] is not None else 0, row["id"])


@app.command(
    rich_help_panel=LOOK,
    epilog="Examples:\n"
    "  netkeep score\n"
    "  netkeep score sam --explain\n"
    "  netkeep score --band fair-weather --format json\n"
    "  netkeep score --as-of 2026-03-31",
)
def score(
    contact: Annotated[
        str | None,
        typer.Argument(
            help="Only this contact (id, email or name).",
            show_default=False,
            autocompletion=complete_contact,
        ),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Say in words why each score is what it is.")
    ] = False,
    band: Annotated[
        Band | None,
        typer.Option(
            "--band", case_sensitive=False, help="Only contacts in this band.", show_default=False
        ),
    ] = None,
    member: Annotated[
        str | None,
        typer.Option(
            "--member",
            metavar="NAME",
            help="Score one member's history: the touchpoints NAME logged, and their asks and "
            "gives.",
            show_default=False,
        ),
    ] = None,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """How reciprocal each relationship is: a 0-100 score and a band."""
    from netkeep.network import Network
    from netkeep.render import Column, emit_rows, print_explanations, stdout_isatty
    from netkeep.store import contacts, touchpoints

    config = settings()
    then, moment = as_of_moment(as_of, now())
    with session(write=False, reporting="score") as db:
        contact_id = contacts.find_contact(db, contact).id if contact else None
        if member is not None:
            members = touchpoints.members_in_use(db)
            if member not in members:
                raise BadInput(
                    f"no touchpoints logged by {member!r} (members: {', '.join(members)})"
                    if members
                    else f"no touchpoints logged by {member!r} (none logged yet)"
                )
        network = Network(db, settings=config, now=moment, as_of=then)
        # A table shows explanations only with --explain: none are written for it otherwise.
        shown = explain or fmt != OutputFormat.table
        rows = network.scores(contact_id=contact_id, member=member, explain=shown)
    empty = "No contacts to score."
    if band is not None:
        bands: dict[str, int] = {}
        for row in rows:
            bands[row["band"]] = bands.get(row["band"], 0) + 1
        rows = [row for row in rows if row["band"] == band.value]
        if bands:
            now_in = ", ".join(f"{name} {count}" for name, count in sorted(bands.items()))
            empty = f"No contacts in band {band.value!r} (bands now: {now_in})."
    rows.sort(key=score_order)
    columns = [
        Column("id", "ID", justify="right"),
        Column("name", "Name"),
        Column("score", "Score", justify="right"),
        Column("band", "Band"),
        Column("touchpoints", "Touches", justify="right"),
        Column("initiative", "Theirs", justify="right", cell=_rate),
        Column("their_response_rate", "They answer", justify="right", cell=_rate),
        Column("my_response_rate", "You answer", justify="right", cell=_rate),
        Column("unanswered_streak", "Unanswered", justify="right", cell=lambda v: str(v or "")),
    ]
    readable = explain and fmt == OutputFormat.table and stdout_isatty()
    if explain and fmt == OutputFormat.table and not readable:
        columns.append(Column("explanation", "Why"))
    emit_rows(rows, fmt=fmt, keys=SCORE_KEYS, columns=columns, empty=empty)
    if readable and rows:
        # A paragraph per contact under the table: a table cell would crush it to a sliver.
        print_explanations(
            [(f"#{row['id']} {row['name']}", _headline(row), row["explanation"]) for row in rows]
        )


def _headline(row: dict[str, Any]) -> str:
    figure = "no score yet" if row["score"] is None else f"score {row['score']}"
    return f"{row['band']}, {figure}"


@app.command(
    rich_help_panel=LOOK,
    epilog="Examples:\n  netkeep owe\n  netkeep owe --format json | jq -r '.[].name'",
)
def owe(mine: MineOpt = False, fmt: FormatOpt = OutputFormat.table) -> None:
    """Whom you owe a reply: their unanswered outreach and open asks, one row per person.

    Listed: their missed call or voicemail (a call back is owed), their message that asks
    something (an ask, or a question mark in its note or subject), and their outreach you have
    not followed with anything. Not listed: a message that closes a thread (logged
    --no-reply-needed, or a reply to yours within the response window that asks nothing), and
    their messages while an ask of theirs is `working`. JSON and CSV keep one row per item.
    """
    from netkeep.network import Network
    from netkeep.render import Column, emit_rows

    config = settings()
    with session(write=False, reporting="owe") as db:
        rows = Network(db, settings=config, now=now(), mine=mine).owe()
    columns = [
        Column("contact_id", "ID", justify="right"),
        Column("name", "Name"),
        Column("occurred_at", "Since"),
        Column("channel", "Via"),
        Column("days_waiting", "Waiting (d)", justify="right"),
        Column("ask", "Their ask"),
    ]
    if fmt == OutputFormat.table:
        # One row per person: their oldest item, and how many wait in all.
        from netkeep.digest import per_person

        rows = per_person(rows)
        columns.insert(5, Column("count", "Items", justify="right"))
    emit_rows(rows, fmt=fmt, keys=OWE_KEYS, columns=columns, empty="You owe nobody a reply.")


@app.command(
    rich_help_panel=LOOK,
    epilog="Examples:\n  netkeep asks\n  netkeep asks sam --all\n  netkeep asks --by me",
)
def asks(
    contact: Annotated[
        str | None,
        typer.Argument(
            help="Only this contact's asks.",
            show_default=False,
            autocompletion=complete_contact,
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Resolved asks too.")] = False,
    by: Annotated[
        Side | None,
        typer.Option(
            "--by", case_sensitive=False, help="Asked by me or by them.", show_default=False
        ),
    ] = None,
    mine: MineOpt = False,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Open asks (all with --all): favours requested by you or by them."""
    from netkeep.network import Network
    from netkeep.render import Column, emit_rows
    from netkeep.store import contacts

    with session(write=False, reporting="asks") as db:
        contact_id = contacts.find_contact(db, contact).id if contact else None
        network = Network(db, settings=settings(), now=now(), mine=mine)
        rows = network.asks(
            contact_id=contact_id, include_resolved=all_, by=by.value if by else None
        )
    columns = [
        Column("id", "Ask", justify="right"),
        Column("name", "Name"),
        Column("by", "By"),
        Column("what", "What"),
        Column("opened_at", "Opened"),
        Column("days_open", "Days open", justify="right"),
    ]
    if all_ or any(row["status"] != "open" for row in rows):
        columns.insert(4, Column("status", "Status"))  # `working` asks show as such
    whose = {None: "", "me": " by you", "them": " by them"}[by.value if by else None]
    emit_rows(
        rows,
        fmt=fmt,
        keys=ASK_KEYS,
        columns=columns,
        empty=f"No {'' if all_ else 'open '}asks{whose}.",
    )


@app.command(
    rich_help_panel=RECORD,
    epilog="Examples:\n  netkeep resolve 3\n  netkeep resolve 7 --declined --when yesterday\n"
    "  netkeep resolve 9 --withdrawn\n  netkeep resolve 9 --working\n  netkeep resolve 9 --reopen",
)
def resolve(
    ask_id: Annotated[str, typer.Argument(metavar="ASK_ID", help="The ask's id (3 or #3).")],
    declined: Annotated[
        bool, typer.Option("--declined", help="Answered without the favour being done.")
    ] = False,
    withdrawn: Annotated[
        bool,
        typer.Option(
            "--withdrawn", help="Moot: the need went away (they found a job); nobody owes anything."
        ),
    ] = False,
    working: Annotated[
        bool,
        typer.Option(
            "--working",
            help="You are on it (intake done, meeting set): neither ignored nor done; it stops "
            "counting as waiting on you until resolved.",
        ),
    ] = False,
    reopen: Annotated[bool, typer.Option("--reopen", help="Open a resolved ask again.")] = False,
    when: Annotated[
        str, typer.Option("--when", metavar="WHEN", help=f"When it was resolved. {WHEN_HELP}")
    ] = "now",
    fmt: SingleFormatOpt = SingleFormat.table,
) -> None:
    """Close an ask as done (the favour was done), declined or withdrawn; mark it working; or
    reopen it."""
    from netkeep.dates import parse_past
    from netkeep.network import with_days_open
    from netkeep.render import note, write_json
    from netkeep.store import ledger

    moment = now()
    resolved_at = parse_past(when, now=moment, date_order=date_order)
    number = id_of(ask_id)
    if number is None:
        raise BadInput(
            f"invalid ask id {ask_id!r}: give a number like 3 or #3 (see 'netkeep asks')"
        )
    chosen = [
        flag
        for flag, on in (
            ("--declined", declined),
            ("--withdrawn", withdrawn),
            ("--working", working),
            ("--reopen", reopen),
        )
        if on
    ]
    if len(chosen) > 1:
        raise BadInput(f"{' and '.join(chosen)} cannot be used together")
    status = (
        "declined"
        if declined
        else "withdrawn"
        if withdrawn
        else "working"
        if working
        else "open"
        if reopen
        else "done"
    )
    with session(write=True) as db:
        ask = ledger.resolve_ask(db, ask_id=number, status=status, when=resolved_at)
        did(
            db,
            f"reopen ask #{ask.id} {ask.what!r}"
            if status == "open"
            else f"mark ask #{ask.id} {ask.what!r} working"
            if status == "working"
            else f"resolve ask #{ask.id} {ask.what!r} as {status}",
        )
        row = next(
            r
            for r in ledger.ask_rows(db, contact_id=ask.contact_id, include_resolved=True)
            if r["id"] == ask.id
        )
    with_days_open([row], moment)
    if fmt == SingleFormat.json:
        write_json({key: row.get(key) for key in ASK_KEYS})
        return
    doer = "you" if row["by"] == "them" else row["name"]
    outcome = {
        "done": f"marked done by {doer}",
        "declined": "marked declined",
        "withdrawn": "withdrawn (moot: nobody owes anything)",
        "open": "open again",
        "working": "marked working (being worked on: not waiting on anyone)",
    }[status]
    note(f"Ask #{row['id']} ({row['what']!r}, {row['name']}) {outcome}.")

"""Commands about touchpoints and time: log, touchpoint edit/rm, undo, stale."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netkeep.cli import common
from netkeep.cli.common import (
    LOOK,
    RECORD,
    AsOfOpt,
    ContactsArg,
    FormatOpt,
    InOutOpt,
    MineOpt,
    SingleFormatOpt,
    TagFilterOpt,
    TierFilterOpt,
    TwoWayOpt,
    ViaOpt,
    WhenOpt,
    app,
    as_of_moment,
    ask_number,
    complete_contact,
    date_order,
    did,
    filter_tier,
    interactive,
    nothing_matches,
    now,
    session,
    settings,
)
from netkeep.errors import BadInput, ContactNotFound, Declined, RuntimeFailure
from netkeep.vocab import (
    LIVE_CHANNELS,
    STALE_KEYS,
    TOUCHPOINT_KEYS,
    Channel,
    OutputFormat,
    SingleFormat,
)

MAX_DAYS = 36600  # a hundred years: keeps the date arithmetic in range

# The ledger options `log` and `touchpoint edit` share: on `log` they are the new touchpoint's,
# on `edit` they add to the touchpoint's asks and gives.
AskOpt = Annotated[
    str | None,
    typer.Option("--ask", help="A request made by whoever initiated.", show_default=False),
]
GiveOpt = Annotated[
    str | None, typer.Option("--give", help="Something the initiator gave.", show_default=False)
]
MyAskOpt = Annotated[
    str | None,
    typer.Option("--my-ask", help="A request you made, whoever initiated.", show_default=False),
]
MyGiveOpt = Annotated[
    str | None,
    typer.Option("--my-give", help="Something you gave, whoever initiated.", show_default=False),
]
TheirAskOpt = Annotated[
    str | None,
    typer.Option("--their-ask", help="A request they made, whoever initiated.", show_default=False),
]
TheirGiveOpt = Annotated[
    str | None,
    typer.Option(
        "--their-give", help="Something they gave, whoever initiated.", show_default=False
    ),
]
FulfilsOpt = Annotated[
    str | None,
    typer.Option(
        "--fulfils",
        metavar="ASK",
        help="The open ask a give in this touchpoint fulfils: resolves it done, one favour.",
        show_default=False,
    ),
]
CreateOpt = Annotated[bool, typer.Option("--create", help="Add the contact if no one matches.")]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="With --create: add the person even if a name is close to theirs."
    ),
]
FollowUpOpt = Annotated[
    str | None,
    typer.Option(
        "--follow-up",
        metavar="WHEN",
        help="Also set a follow-up: tomorrow, friday, 'in 3 days', 'next week', a date, 2w.",
        show_default=False,
    ),
]

if TYPE_CHECKING:
    from datetime import date, datetime

    from sqlmodel import Session

    from netkeep.models import Ask, Contact, Give


@app.command(
    rich_help_panel=RECORD,
    epilog="Examples:\n"
    "  netkeep log sam --no-answer\n"
    "  netkeep log ana --via email --in --ask 'intro to Acme' --when yesterday\n"
    "  netkeep log 'New Person' --create --via meeting --give 'referral to Bo'\n"
    "  netkeep log ana bo kim --via email --give 'the Acme role'\n"
    "  netkeep log dana --their-give 'a new req'\n"
    "  netkeep log sam --via email --give 'the recommendation' --fulfils 4\n"
    "  netkeep log ana --in --via email --no-reply-needed",
)
def log(
    contacts: ContactsArg,
    via: ViaOpt = Channel.call,
    incoming: InOutOpt = False,
    two_way: TwoWayOpt = None,
    ask: AskOpt = None,
    give: GiveOpt = None,
    my_ask: MyAskOpt = None,
    my_give: MyGiveOpt = None,
    their_ask: TheirAskOpt = None,
    their_give: TheirGiveOpt = None,
    fulfils: FulfilsOpt = None,
    no_reply: Annotated[
        bool,
        typer.Option(
            "--no-reply-needed",
            help="It needs no reply (an answer, a thank-you), yours or theirs: theirs is not "
            "listed by owe, yours is never unanswered outreach.",
        ),
    ] = False,
    when: WhenOpt = "now",
    note: Annotated[str | None, typer.Option("--note", show_default=False)] = None,
    create: CreateOpt = False,
    force: ForceOpt = False,
    follow_up: FollowUpOpt = None,
    fmt: SingleFormatOpt = SingleFormat.table,
) -> None:
    """Record a touchpoint (default: a call you made that connected).

    Several contacts get the same touchpoint each, in one go (JSON: an array, one object each).

    Flow: 1. read the options into one touchpoint to log (`_Logging`); 2. offer to link a give
    to the open ask it fulfils (on a terminal); 3. log it with each contact, in one transaction;
    4. confirm each, or print JSON.
    """
    from netkeep.dates import parse_past

    moment = now()
    direction = "in" if incoming else "out"
    side = "me" if direction == "out" else "them"
    what = _Logging(
        occurred_at=parse_past(when or "now", now=moment, date_order=date_order),
        channel=via.value,
        direction=direction,
        two_way=two_way if two_way is not None else via in LIVE_CHANNELS,
        note=note,
        asks=_ledger(side, initiator=ask, my=my_ask, their=their_ask, kind="ask"),
        gives=_ledger(side, initiator=give, my=my_give, their=their_give, kind="give"),
        fulfils=ask_number(fulfils) if fulfils is not None else None,
        no_reply=no_reply,
        follow_up_on=_follow_up_day(follow_up, moment),
    )
    if what.fulfils is not None and len(contacts) > 1:
        raise BadInput("--fulfils names one person's ask: log one contact with it")
    offer = what.fulfils is None and bool(what.gives)
    if offer and len(contacts) == 1 and common.interactive():
        what.fulfils = _offer_link(contacts[0], what.gives)
        offer = False  # asked already: no hint as well
    hints: list[str] = []
    with session(write=True) as db:
        logged = []
        for found, created in _resolve_all(db, contacts, moment, create=create, force=force):
            if offer and not created:
                hint = _link_hint(db, found, what.gives)
                if hint is not None:
                    hints.append(hint)
            logged.append(_log_one(db, found, created, what, hints))
        did(db, f"log {via.value} with {', '.join(entry.summary for entry in logged)}")
    if hints:
        from netkeep.render import note as say

        for hint in hints:
            say(hint)
    if fmt == SingleFormat.json:
        from netkeep.render import write_json

        objects = [{key: entry.data.get(key) for key in TOUCHPOINT_KEYS} for entry in logged]
        write_json(objects[0] if len(objects) == 1 else objects)
        return
    for entry in logged:
        _confirm_logged(entry)
    _confirm_follow_up(what.follow_up_on)


@dataclass
class _Logging:
    """The touchpoint `log` records, with each of its contacts."""

    occurred_at: datetime
    channel: str
    direction: str
    two_way: bool
    note: str | None
    asks: list[tuple[str, str]]
    gives: list[tuple[str, str]]
    fulfils: int | None
    no_reply: bool
    follow_up_on: date | None


@dataclass
class _Logged:
    """One contact's touchpoint as logged: what to confirm, and what `undo` will name."""

    data: dict[str, Any]
    label: str
    created: bool
    made: list[Ask]
    given: list[Give]
    streak: int
    summary: str


def _log_one(
    db: Session, found: Contact, created: bool, what: _Logging, hints: list[str]
) -> _Logged:
    from netkeep.models import saved_id
    from netkeep.store import touchpoints

    touchpoint, made, given = touchpoints.log_touchpoint(
        db,
        contact=found,
        occurred_at=what.occurred_at,
        channel=what.channel,
        direction=what.direction,
        two_way=what.two_way,
        note=what.note,
        asks=what.asks,
        gives=what.gives,
        fulfils=what.fulfils,
        no_reply=what.no_reply,
    )
    if common.interactive():
        hints.extend(_twin_hint(db, touchpoint, found.name))
    data = touchpoints.touchpoint_dict(touchpoint, asks=made, gives=given)
    data["answered"] = True if what.two_way else None
    streak = touchpoints.unanswered_streak(db, saved_id(found)) if what.direction == "out" else 0
    label = f"#{found.id} {found.name}"
    added = "new contact " if created else ""
    with_asks = "".join(f", ask #{a.id} {a.what!r}" for a in made)
    with_asks += "".join(
        f", give {g.what!r}" + (f" fulfilling ask #{g.fulfils}" if g.fulfils else "") for g in given
    )
    with_asks += _set_follow_up(db, found, what.follow_up_on)
    summary = f"{added}{label} (touchpoint #{touchpoint.id}{with_asks})"
    return _Logged(data, label, created, made, given, streak, summary)


def _set_follow_up(db: Session, found: Contact, day: date | None) -> str:
    """Set `log --follow-up`'s follow-up after the touchpoint (so this one does not close it);
    what `undo` will name."""
    if day is None:
        return ""
    from netkeep.store import agenda as agenda_store

    agenda_store.set_follow_up(db, contact=found, on=day, note=None)
    return f", follow-up {day.isoformat()}"


def _confirm_follow_up(day: date | None) -> None:
    if day is not None:
        from netkeep.render import note as say

        say(f"Follow up on {day.isoformat()} ({day:%A}).")


def _follow_up_day(when: str | None, moment: datetime) -> date | None:
    if when is None:
        return None
    from netkeep.agenda import parse_future_day

    return parse_future_day(when, now=moment)


def _twin_hint(db: Session, touchpoint: Any, name: str) -> list[str]:
    """A word when the same touchpoint was typed already (the same minute, channel and side)."""
    from netkeep.dates import from_db
    from netkeep.store.reconcile import typed_twin

    at = touchpoint.occurred_at
    twin = typed_twin(
        db.connection(),
        touchpoint_id=touchpoint.id,
        contact_id=touchpoint.contact_id,
        at=at if at.tzinfo is not None else from_db(at),
        channel=touchpoint.channel,
        direction=touchpoint.direction,
    )
    if twin is None:
        return []
    return [
        f"Warning: touchpoint #{twin} with {name} looks the same (channel, side and minute); "
        f"if this one is a slip, 'netkeep undo' takes it back ('netkeep doctor' lists all such)."
    ]


def _resolve_all(
    db: Session, refs: list[str], moment: datetime, *, create: bool, force: bool
) -> list[Any]:
    """(contact, created) for each reference, in order; each person at most once."""
    from netkeep.models import saved_id
    from netkeep.store import contacts

    people = []
    seen: dict[int, str] = {}
    for ref in refs:
        created = False
        try:
            found = contacts.find_contact(db, ref)
        except ContactNotFound as exc:
            if not create:
                raise
            _check_not_close(ref, exc.close, force=force)
            found = _create_contact(db, ref, moment)
            created = True
        if found.id in seen:
            raise BadInput(f"{ref!r} and {seen[found.id]!r} are both #{found.id} {found.name}")
        seen[saved_id(found)] = ref
        people.append((found, created))
    return people


def _check_not_close(name: str, close: list[Any], *, force: bool) -> None:
    """A new name close to an existing one is more often a typo than a new person: ask first (or,
    off a terminal, refuse unless --force)."""
    if force or not close:
        return
    listed = ", ".join(f"#{c.id} {c.name}" for c in close)
    if not common.interactive():
        raise BadInput(
            f"{name!r} is close to {listed}; use the id to log with them, "
            f"or --force to add {name!r} as a new contact"
        )
    if not typer.confirm(f"{name!r} is close to {listed}. Add {name!r} as a new contact?"):
        raise Declined(f"Nothing logged (to log with {listed}, use the id).")


def _ledger(
    side: str, *, initiator: str | None, my: str | None, their: str | None, kind: str
) -> list[tuple[str, str]]:
    """(by, what) pairs from `--ask`/`--give` (the initiator's) and `--my-…`/`--their-…`."""
    flags = (
        (side, initiator, f"--{kind}"),
        ("me", my, f"--my-{kind}"),
        ("them", their, f"--their-{kind}"),
    )
    return [(by, cleaned) for by, value, flag in flags if (cleaned := _text(value, flag))]


def _offer_link(contact: str, gives: list[tuple[str, str]]) -> int | None:
    """On a terminal: when a give comes from the side that was asked and the asker has exactly
    one open ask, ask whether the give fulfils it."""
    from netkeep.models import saved_id
    from netkeep.store import contacts

    with session(write=False) as db:
        try:
            found = contacts.find_contact(db, contact)
        except ContactNotFound:
            return None
        candidate = _candidate(db, saved_id(found), gives)
    if candidate is None:
        return None
    question = f"Does this fulfil ask #{candidate['id']} {candidate['what']!r}?"
    return candidate["id"] if typer.confirm(question, default=False, err=True) else None


def _candidate(db: Session, contact_id: int, gives: list[tuple[str, str]]) -> dict[str, Any] | None:
    from netkeep.store import ledger

    for by in dict.fromkeys(by for by, _ in gives):
        found = ledger.link_candidate(db, contact_id=contact_id, giver=by)
        if found is not None:
            return found
    return None


def _link_hint(db: Session, contact: Contact, gives: list[tuple[str, str]]) -> str | None:
    from netkeep.models import saved_id

    candidate = _candidate(db, saved_id(contact), gives)
    if candidate is None:
        return None
    return (
        f"Hint ({contact.name}): if this give is the favour ask #{candidate['id']} "
        f"{candidate['what']!r} asked for, 'netkeep undo' and log it again with "
        f"--fulfils {candidate['id']}: one favour, and the ask done."
    )


def _text(value: str | None, flag: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        raise BadInput(f"{flag} needs some text")
    return value


def _create_contact(db: Session, name: str, moment: datetime) -> Contact:
    from netkeep.fields import clean_name
    from netkeep.models import Contact
    from netkeep.store import contacts

    contact = Contact(
        name=clean_name(name), tier=settings().default_tier, created_at=moment, emails=[], tags=[]
    )
    if "@" in name:
        raise BadInput(f"no contact has the email {name!r}; add them with a name first")
    return contacts.add_contact(db, contact=contact, force=False)


def _confirm_logged(entry: _Logged) -> None:
    from netkeep.dates import local_text
    from netkeep.render import note

    data, label, streak = entry.data, entry.label, entry.streak
    who = "you" if data["direction"] == "out" else "they"
    outcome = "two-way" if data["two_way"] else "one-way"
    parts = [f"Logged #{data['id']}: {data['channel']} ({who} initiated, {outcome}) with {label}"]
    parts.append(f"on {local_text(data['occurred_at'])}")
    message = " ".join(parts) + "."
    if entry.created:
        message = f"Added {label}. " + message
    for ask in entry.made:
        whose = "Your" if ask.asked_by == "me" else "Their"
        message += f" {whose} ask #{ask.id} is open."
    for give in entry.given:
        if give.fulfils is not None:
            message += f" Ask #{give.fulfils} is done."
    if streak >= 2:
        message += f" That is {streak} unanswered in a row."
    note(message)


touchpoint_app = typer.Typer(
    name="touchpoint",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Fix a recorded touchpoint: edit or rm (both undoable).",
)
app.add_typer(touchpoint_app, rich_help_panel=RECORD)

TouchpointArg = Annotated[
    str,
    typer.Argument(
        metavar="ID",
        help="The touchpoint's id (12 or #12; see 'netkeep show').",
        show_default=False,
    ),
]


# What `touchpoint edit` adds to a touchpoint's ledger, as `log` records it.
@touchpoint_app.command(
    "edit",
    epilog="Examples:\n"
    "  netkeep touchpoint edit 57 --no-answer --note 'voicemail'\n"
    "  netkeep touchpoint edit 57 --via email --in --when yesterday\n"
    "  netkeep touchpoint edit 57 --contact 'Sam Lee'   # logged with the wrong person\n"
    "  netkeep touchpoint edit 57 --no-reply-needed   # a thank-you: expects no answer\n"
    "  netkeep touchpoint edit 57 --their-ask 'an intro to Acme'",
)
def touchpoint_edit(
    touchpoint_id: TouchpointArg,
    via: Annotated[
        Channel | None, typer.Option("--via", help="Channel.", show_default=False)
    ] = None,
    incoming: InOutOpt = None,
    two_way: TwoWayOpt = None,
    when: WhenOpt = None,
    note: Annotated[
        str | None, typer.Option("--note", help="New note ('' clears).", show_default=False)
    ] = None,
    give: Annotated[
        str | None,
        typer.Option("--give", help="What the initiator gave ('' clears).", show_default=False),
    ] = None,
    contact: Annotated[
        str | None,
        typer.Option(
            "--contact",
            help="Move it (and its asks) to another contact.",
            autocompletion=complete_contact,
            show_default=False,
        ),
    ] = None,
    no_reply: Annotated[
        bool | None,
        typer.Option(
            "--no-reply-needed/--reply-needed",
            help="It needs no reply (an answer, a thank-you), or it does after all.",
            show_default=False,
        ),
    ] = None,
    ask: AskOpt = None,
    my_ask: MyAskOpt = None,
    their_ask: TheirAskOpt = None,
    my_give: MyGiveOpt = None,
    their_give: TheirGiveOpt = None,
    fmt: SingleFormatOpt = SingleFormat.table,
) -> None:
    """Change a touchpoint's fields (only those given); the others, `no_reply` included, stay.

    --ask, --my-ask, --their-ask, --my-give and --their-give add to its asks and gives as on
    `log`."""
    from netkeep.dates import parse_past
    from netkeep.models import saved_id
    from netkeep.store import contacts, ledger, touchpoints

    occurred_at = parse_past(when, now=now(), date_order=date_order) if when is not None else None
    with session(write=True) as db:
        touchpoint = touchpoints.get_touchpoint(db, touchpoint_id)
        moved_to = contacts.find_contact(db, contact) if contact is not None else None
        changed = touchpoints.edit_touchpoint(
            db,
            touchpoint=touchpoint,
            contact=moved_to,
            occurred_at=occurred_at,
            channel=via.value if via is not None else None,
            direction=None if incoming is None else ("in" if incoming else "out"),
            two_way=two_way,
            note=note,
            give=give,
            no_reply=no_reply,
        )
        side = "me" if touchpoint.direction == "out" else "them"
        changed += touchpoints.add_to_ledger(
            db,
            touchpoint=touchpoint,
            asks=_ledger(side, initiator=ask, my=my_ask, their=their_ask, kind="ask"),
            gives=_ledger(side, initiator=None, my=my_give, their=their_give, kind="give"),
        )
        if not changed:
            raise BadInput("nothing to change (give at least one option with a new value)")
        owner = contacts.contact_by_id(db, touchpoint.contact_id)
        data = touchpoints.touchpoint_dict(
            touchpoint,
            asks=ledger.asks_of_touchpoint(db, saved_id(touchpoint)),
            gives=ledger.gives_of_touchpoint(db, saved_id(touchpoint)),
        )
        data["answered"] = True if touchpoint.two_way else None
        label = f"touchpoint #{touchpoint.id} with #{owner.id} {owner.name}"
        did(db, f"touchpoint edit {label} ({', '.join(changed)})")
    if fmt == SingleFormat.json:
        from netkeep.render import write_json

        write_json({key: data.get(key) for key in TOUCHPOINT_KEYS})
        return
    from netkeep.render import note as say

    say(f"Updated {label}: {', '.join(changed)}.")


@touchpoint_app.command(
    "rm", epilog="Examples:\n  netkeep touchpoint rm 57\n  netkeep touchpoint rm 57 --yes"
)
def touchpoint_rm(
    touchpoint_id: TouchpointArg,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask (needed off a terminal).")
    ] = False,
) -> None:
    """Delete a touchpoint and the asks and gives it carried."""
    from netkeep.dates import from_db, local_text
    from netkeep.models import saved_id
    from netkeep.render import note
    from netkeep.store import contacts, ledger, touchpoints

    with session(write=True) as db:
        touchpoint = touchpoints.get_touchpoint(db, touchpoint_id)
        owner = contacts.contact_by_id(db, touchpoint.contact_id)
        asks = ledger.asks_of_touchpoint(db, saved_id(touchpoint))
        gives = ledger.gives_of_touchpoint(db, saved_id(touchpoint))
        who = "you" if touchpoint.direction == "out" else "they"
        label = (
            f"touchpoint #{touchpoint.id}: {touchpoint.channel} ({who} initiated) with "
            f"#{owner.id} {owner.name} on {local_text(from_db(touchpoint.occurred_at))}"
        )
        if asks:
            label += " and its ask " + ", ".join(f"#{a.id} {a.what!r}" for a in asks)
        if gives:
            label += " and its give " + ", ".join(repr(g.what) for g in gives)
        if not yes:
            if not interactive():
                raise BadInput("touchpoint rm needs --yes when stdin is not a terminal")
            if not typer.confirm(f"Delete {label}?", default=False):
                note(f"Kept touchpoint #{touchpoint.id}.")
                return
        touchpoints.remove_touchpoint(db, touchpoint=touchpoint)
        did(db, f"touchpoint rm {label}")
    note(f"Deleted {label}.")


@app.command(
    rich_help_panel=RECORD,
    epilog="Examples:\n  netkeep undo\n  netkeep undo   # again: the command before that\n"
    "  netkeep undo --list\n  netkeep undo --skip   # past one that cannot be undone",
)
def undo(
    list_: Annotated[
        bool,
        typer.Option("--list", help="List the commands undo can reverse, newest first."),
    ] = False,
    skip: Annotated[
        bool,
        typer.Option(
            "--skip",
            help="Drop the latest entry without reversing it: the next undo reaches the one "
            "before.",
        ),
    ] = False,
) -> None:
    """Reverse the last command that changed something, saying what it was.

    On a team server: your own last command, never a colleague's.
    """
    from netkeep.dates import from_db, local_text
    from netkeep.render import note
    from netkeep.store import undo

    if list_ and skip:
        raise BadInput("undo takes --list or --skip, not both")
    if list_:
        with session(write=False) as db:
            entries = undo.undo_history(db)
        for entry_id, what, recorded_at in entries:
            typer.echo(f"{entry_id}\t{local_text(from_db(recorded_at))}\t{what}")
        if not entries:
            note("Nothing to undo.")
        return
    with session(write=True, journal=False) as db:
        summary = undo.skip_undo(db) if skip else undo.undo_last(db)
        if summary is None:
            raise RuntimeFailure(
                f"nothing to undo (netkeep keeps the last {undo.UNDO_DEPTH} changing commands)"
            )
    if skip:
        note(f"Skipped: {summary} (kept as it is; the next undo reaches the command before).")
        return
    note(f"Undid: {summary}.")


@app.command(
    rich_help_panel=LOOK,
    epilog="Examples:\n"
    "  netkeep stale\n"
    "  netkeep stale --days 30 --tag recruiter\n"
    "  netkeep stale --rhythm\n"
    "  netkeep stale --format json --exit-code || echo 'time to reach out'",
)
def stale(
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            help="Last touch at least N days ago (replaces every cadence; 0 lists everyone).",
            show_default=False,
        ),
    ] = None,
    tag: TagFilterOpt = None,
    tier: TierFilterOpt = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N rows.", show_default=False)
    ] = None,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when the list is not empty.")
    ] = False,
    rhythm: Annotated[
        bool,
        typer.Option(
            "--rhythm",
            help="Also list contacts who broke their own rhythm (silent for over 3x their usual "
            "interval) before their cadence is due.",
        ),
    ] = False,
    mine: MineOpt = False,
    as_of: AsOfOpt = None,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Contacts gone quiet past their cadence, most overdue first.

    Quiet means nobody on the team touched them; --mine keeps those you have logged with.
    """
    from netkeep.network import Network
    from netkeep.render import Column, emit_rows
    from netkeep.store import reads

    if days is not None and not 0 <= days <= MAX_DAYS:
        raise BadInput(
            "--days must be 0 or more (0 lists everyone)"
            if days < 0
            else f"--days must be at most {MAX_DAYS}"
        )
    config = settings()
    then, moment = as_of_moment(as_of, now())
    with session(write=False, reporting="stale") as db:
        tier_name = filter_tier(db, config, tier)
        network = Network(db, settings=config, now=moment, as_of=then, mine=mine)
        rows = network.stale(days=days, tag=tag, tier=tier_name, rhythm=rhythm)
        empty = None if rows else nothing_matches(db, tag=tag, tier=tier_name)
    keys = [*STALE_KEYS, "reason", "usual_interval_days"] if rhythm else STALE_KEYS
    if limit is not None:
        rows = rows[:limit]
    emit_rows(
        rows,
        fmt=fmt,
        keys=keys,
        columns=[
            Column("id", "ID", justify="right"),
            Column("name", "Name"),
            Column("tier", "Tier"),
            Column("cadence", "Every"),
            Column("last_touch", "Last touch", cell=lambda v: _last(v)),
            Column("days_overdue", "Overdue (d)", justify="right"),
            Column("overdue_ratio", "Ratio", justify="right"),
            Column("unanswered", "Unanswered", justify="right", cell=lambda v: str(v or "")),
            *(
                [Column("reason", "Why"), Column("usual_interval_days", "Usually (d)")]
                if rhythm
                else []
            ),
        ],
        empty=empty or _nobody_overdue(tag, tier_name),
    )
    from netkeep import pictures

    if rows and pictures.wanted(fmt):
        with session(write=False) as db:
            ids = [row["id"] for row in rows]
            weekly = reads.weekly_touches(db, ids, until=moment, weeks=pictures.SPARK_WEEKS)
        pictures.draw_stale(rows, weekly)
    if exit_code and rows:
        raise typer.Exit(1)


def _nobody_overdue(tag: str | None, tier: str | None) -> str:
    among = " and ".join(
        part
        for part in (f"tagged {tag!r}" if tag else "", f"in tier {tier!r}" if tier else "")
        if part
    )
    return f"Nobody {among} is overdue." if among else "Nobody is overdue."


def _last(value: datetime | None) -> str:
    from netkeep.render import plain

    return plain(value) if value is not None else "never"

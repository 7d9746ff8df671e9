"""Commands about people: add, edit, list, show, archive, unarchive, rm, merge, forget."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netkeep.cli.common import (
    DATA,
    LOOK,
    RECORD,
    AsOfOpt,
    ContactArg,
    FormatOpt,
    SingleFormatOpt,
    TagFilterOpt,
    TierFilterOpt,
    app,
    as_of_moment,
    complete_contact,
    complete_tier,
    database_target,
    did,
    filter_tier,
    interactive,
    nothing_matches,
    now,
    session,
    settings,
)
from netkeep.errors import BadInput, Declined
from netkeep.fields import clean_emails, clean_list, clean_name
from netkeep.vocab import (
    CONTACT_KEYS,
    OutputFormat,
    SingleFormat,
)

if TYPE_CHECKING:
    from datetime import datetime

    from netkeep.config import Settings

EmailOpt = Annotated[
    list[str] | None,
    typer.Option("--email", help="Email address (repeatable).", show_default=False),
]
PhoneOpt = Annotated[str | None, typer.Option("--phone", show_default=False)]
CompanyOpt = Annotated[str | None, typer.Option("--company", show_default=False)]
TitleOpt = Annotated[str | None, typer.Option("--title", show_default=False)]
TagOpt = Annotated[
    list[str] | None, typer.Option("--tag", help="Tag (repeatable).", show_default=False)
]
TierOpt = Annotated[
    str | None,
    typer.Option(
        "--tier",
        help="inner, close, network, acquaintance (or one from your config).",
        autocompletion=complete_tier,
        show_default=False,
    ),
]
EveryOpt = Annotated[
    str | None,
    typer.Option(
        "--every",
        metavar="DUR",
        help="Own cadence (overrides the tier's): 14d, 2w, 3m, 1y; m = months.",
        show_default=False,
    ),
]
NoteOpt = Annotated[str | None, typer.Option("--note", show_default=False)]
BirthdayOpt = Annotated[
    str | None,
    typer.Option(
        "--birthday",
        metavar="DATE",
        help="MM-DD, or YYYY-MM-DD when the year is known; 'none' clears.",
        show_default=False,
    ),
]


def _birthday(value: str) -> str | None:
    from netkeep.agenda import parse_birthday

    return parse_birthday(value)


def _cadence(value: str | None) -> str | None:
    if value is None:
        return None
    from netkeep.dates import parse_duration

    return str(parse_duration(value))


def _emit_contact(contact_dict: dict[str, Any], fmt: SingleFormat) -> None:
    from netkeep.render import write_json

    if fmt == SingleFormat.json:
        write_json({key: contact_dict.get(key) for key in CONTACT_KEYS})


@app.command(
    rich_help_panel=RECORD,
    epilog="Examples:\n  netkeep add 'Sam Lee' --email sam@example.com --company Acme --tier close\n"
    "  netkeep add 'Ana Ruiz' --tag recruiter --every 6w",
)
def add(
    name: Annotated[str, typer.Argument(help="Full name.", show_default=False)],
    email: EmailOpt = None,
    phone: PhoneOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    tag: TagOpt = None,
    tier: TierOpt = None,
    every: EveryOpt = None,
    note: NoteOpt = None,
    birthday: BirthdayOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Add even if the name exists.")] = False,
    fmt: SingleFormatOpt = SingleFormat.table,
) -> None:
    """Add a contact."""
    from netkeep.models import Contact
    from netkeep.render import note as say
    from netkeep.store import contacts

    config = settings()
    contact = Contact(
        name=clean_name(name),
        emails=clean_emails(email),
        phone=phone,
        company=company,
        title=title,
        tags=clean_list(tag),
        tier=config.check_tier(tier) if tier else config.default_tier,
        cadence=_cadence(every),
        note=note,
        created_at=now(),
        birthday=None if birthday is None else _birthday(birthday),
    )
    with session(write=True) as db:
        contacts.add_contact(db, contact=contact, force=force)
        data = contacts.contact_dict(contact)
        did(db, f"add #{data['id']} {data['name']}")
        doubles = contacts.likely_duplicates(
            db, name=contact.name, emails=contact.emails, exclude_id=contact.id
        )
    for other, why in doubles if fmt == SingleFormat.table else []:
        if not (force and why.startswith("same name")):
            say(f"Warning: #{other['id']} {other['name']} may be the same person ({why}).")
    _emit_contact(data, fmt)
    if fmt == SingleFormat.table:
        say(f"Added #{data['id']} {data['name']} ({data['tier']}).")


@app.command(
    rich_help_panel=RECORD,
    epilog="Examples:\n  netkeep edit sam --company 'New Co' --title CTO\n"
    "  netkeep edit 12 --tier inner --every none\n"
    "  netkeep edit sam --birthday 03-14",
)
def edit(
    contact: ContactArg,
    name: Annotated[
        str | None, typer.Option("--name", help="New name.", show_default=False)
    ] = None,
    email: Annotated[
        list[str] | None,
        typer.Option("--email", help="Replace the emails (repeatable).", show_default=False),
    ] = None,
    phone: PhoneOpt = None,
    company: CompanyOpt = None,
    title: TitleOpt = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", help="Replace the tags (repeatable; --tag '' clears).", show_default=False
        ),
    ] = None,
    tier: TierOpt = None,
    every: Annotated[
        str | None,
        typer.Option(
            "--every",
            metavar="DUR",
            help="Own cadence: 14d, 2w, 3m, 1y (m = months); 'none' goes back to the tier's.",
            show_default=False,
        ),
    ] = None,
    note: NoteOpt = None,
    birthday: BirthdayOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Rename even if the name exists.")] = False,
    fmt: SingleFormatOpt = SingleFormat.table,
) -> None:
    """Change a contact's fields (only those given)."""
    from netkeep.models import saved_id
    from netkeep.render import note as say
    from netkeep.store import contacts

    config = settings()
    with session(write=True) as db:
        found = contacts.find_contact(db, contact)
        changes: dict[str, Any] = {}
        if name is not None:
            new_name = clean_name(name)
            clash = contacts.names_taken(db, new_name, exclude_id=found.id)
            if clash and not force:
                raise BadInput(
                    f"a contact named {clash[0].name!r} already exists (#{clash[0].id}); "
                    "use --force to keep both"
                )
            changes["name"] = new_name
        if email is not None:
            changes["emails"] = clean_emails(email)
        if tag is not None:
            changes["tags"] = clean_list(tag)
        if tier is not None:
            changes["tier"] = config.check_tier(tier)
        if birthday is not None:
            changes["birthday"] = _birthday(birthday)
        if every is not None:
            changes["cadence"] = (
                None if every.strip().lower() in ("none", "tier", "") else (_cadence(every))
            )
        for field, value in (
            ("phone", phone),
            ("company", company),
            ("title", title),
            ("note", note),
        ):
            if value is not None:
                changes[field] = value or None
        if not changes:
            raise BadInput("nothing to change (give at least one option)")
        for field, value in changes.items():
            setattr(found, field, value)
        db.add(found)
        db.flush()
        data = contacts.contact_dict(found, last_touch=contacts.last_touch(db, saved_id(found)))
        did(db, f"edit #{found.id} {found.name} ({', '.join(changes)})")
    _emit_contact(data, fmt)
    if fmt == SingleFormat.table:
        say(f"Updated #{data['id']} {data['name']}: {', '.join(changes)}.")


@app.command(
    "list",
    rich_help_panel=LOOK,
    epilog="Examples:\n  netkeep list --tag recruiter\n  netkeep list --format csv > contacts.csv",
)
def list_(
    tag: TagFilterOpt = None,
    tier: TierFilterOpt = None,
    archived: Annotated[
        bool, typer.Option("--archived", help="Include archived contacts.")
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """List contacts with their last touch."""
    from netkeep.render import Column, emit_rows
    from netkeep.store import contacts

    config = settings()
    with session(write=False) as db:
        tier_name = filter_tier(db, config, tier)
        rows = contacts.list_contacts(db, tag=tag, tier=tier_name, include_archived=archived)
        empty = (
            None
            if rows
            else nothing_matches(db, tag=tag, tier=tier_name, include_archived=archived)
        )
    columns = [
        Column("id", "ID", justify="right"),
        Column("name", "Name"),
        Column("company", "Company"),
        Column("tier", "Tier"),
        Column("tags", "Tags"),
        Column("last_touch", "Last touch"),
    ]
    if archived:
        columns.append(Column("archived", "Archived"))
    emit_rows(rows, fmt=fmt, keys=CONTACT_KEYS, columns=columns, empty=empty or "No contacts yet.")


RECENT_TOUCHPOINTS = 10  # what `show` lists without --all


@app.command(
    rich_help_panel=LOOK,
    epilog="Examples:\n  netkeep show sam\n  netkeep show sam --all --history\n"
    "  netkeep show sam --as-of 2026-03-31\n"
    "  netkeep show '#12' --format json | jq .touchpoints",
)
def show(
    contact: ContactArg,
    all_: Annotated[bool, typer.Option("--all", help="Every touchpoint, not only recent ones.")] = (
        False
    ),
    history: Annotated[
        bool,
        typer.Option("--history", help="The score and band at each month end over the last year."),
    ] = False,
    as_of: AsOfOpt = None,
    fmt: SingleFormatOpt = SingleFormat.table,
) -> None:
    """Show a contact: profile, score and rhythm, recent touchpoints, asks and gives."""
    from netkeep.network import Network
    from netkeep.render import Column, note, pairs, print_table, write_json
    from netkeep.store import contacts

    config = settings()
    then, moment = as_of_moment(as_of, now())
    with session(write=False) as db:
        found = contacts.find_contact(db, contact)
        network = Network(db, settings=config, now=moment, as_of=then)
        data = network.profile(found, history=history)
    if fmt == SingleFormat.json:
        write_json(data)
        return
    from netkeep.dates import local_text

    fields = _profile_fields(data, config, then)
    pairs([(label, value) for label, value in fields if value])
    from netkeep import pictures

    if pictures.wanted(fmt):
        pictures.draw_show(data, now=moment)
    if data["touchpoints"]:
        shown = data["touchpoints"] if all_ else data["touchpoints"][:RECENT_TOUCHPOINTS]
        # Who logged each: worth a column once more than one member has logged with them.
        members = {t["logged_by"] for t in data["touchpoints"]}
        print_table(
            shown,
            [
                Column("id", "ID", justify="right"),
                Column("occurred_at", "When", cell=lambda v: local_text(v)),
                Column("direction", "Who", cell=lambda v: "you" if v == "out" else "them"),
                Column("channel", "Via"),
                Column("answered", "Answered", cell=_answered_cell),
                Column("note", "Note"),
                Column("asks", "Asks", cell=_ledger_cell),
                Column("gives", "Gives", cell=_ledger_cell),
                *([Column("logged_by", "Logged by")] if len(members) > 1 else []),
            ],
            title=f"Touchpoints ({len(shown)} of {len(data['touchpoints'])}, newest first)",
        )
    else:
        note("No touchpoints yet.")
    if data["asks"]:
        print_table(
            data["asks"],
            [
                Column("id", "Ask", justify="right"),
                Column("by", "By"),
                Column("what", "What"),
                Column("status", "Status"),
                Column("opened_at", "Opened"),
            ],
            title="Asks",
        )
    if history:
        print_table(
            data["history"],
            [
                Column("as_of", "As of", cell=lambda v: local_text(v, with_time=False)),
                Column(
                    "score", "Score", justify="right", cell=lambda v: "" if v is None else str(v)
                ),
                Column("band", "Band"),
            ],
            title="Score over the last year",
        )


def _profile_fields(
    data: dict[str, Any], config: Settings, then: datetime | None
) -> list[tuple[str, str]]:
    """The `show` table's label and value pairs, empty values included."""
    from netkeep.dates import local_text
    from netkeep.staleness import cadence_of

    score = data["score"]
    figure = "no score yet" if score["score"] is None else str(score["score"])
    return [
        ("Name", f"{data['name']} (#{data['id']})" + ("  [archived]" if data["archived"] else "")),
        ("As of", local_text(then) if then is not None else ""),
        ("Emails", ", ".join(data["emails"])),
        ("Phone", data["phone"] or ""),
        ("Company", data["company"] or ""),
        ("Title", data["title"] or ""),
        ("Tags", ", ".join(data["tags"])),
        (
            "Tier",
            f"{data['tier']}, every {cadence_of(data, config)}"
            + (" (own cadence)" if data["cadence"] else ""),
        ),
        ("Last touch", local_text(data["last_touch"])),
        ("Score", f"{figure}, {score['band']}"),
        ("Why", score["explanation"] or ""),
        ("Rhythm", data["rhythm"]["text"]),
        *_agenda_fields(data),
        ("Note", data["note"] or ""),
    ]


def _agenda_fields(data: dict[str, Any]) -> list[tuple[str, str]]:
    """`show`'s lines for the birthday, the open follow-up, the snooze and what is due."""
    return [
        ("Birthday", data["birthday"] or ""),
        ("Follow up", _follow_up_text(data["follow_up"])),
        ("Snoozed", f"until {data['snoozed_until']}" if data["snoozed_until"] else ""),
        ("Due", "; ".join(f"{d['kind']} {d['date']}" for d in data["due"])),
    ]


def _follow_up_text(follow_up: dict[str, Any] | None) -> str:
    if follow_up is None:
        return ""
    note = f": {follow_up['note']}" if follow_up["note"] else ""
    return f"{follow_up['date']}{note}"


def _ledger_cell(entries: Iterable[dict[str, Any]] | None) -> str:
    """`you: intro to Bo (fulfils #3)`, one per ask or give, `; `-separated."""
    parts = []
    for entry in entries or ():
        text = f"{'you' if entry['by'] == 'me' else 'them'}: {entry['what']}"
        if entry.get("fulfils"):
            text += f" (fulfils #{entry['fulfils']})"
        if entry.get("status") and entry["status"] != "open":
            text += f" ({entry['status']})"
        parts.append(text)
    return "; ".join(parts)


def _answered_cell(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "pending"}[value]


def _set_archived(contact: str, archived: bool) -> None:
    from netkeep.render import note
    from netkeep.store import contacts

    with session(write=True) as db:
        found = contacts.find_contact(db, contact)
        found.archived = archived
        db.add(found)
        label = f"#{found.id} {found.name}"
        did(db, f"{'archive' if archived else 'unarchive'} {label}")
    note(f"{'Archived' if archived else 'Unarchived'} {label}.")


@app.command(rich_help_panel=DATA, epilog="Example:\n  netkeep archive 'Old Boss'")
def archive(contact: ContactArg) -> None:
    """Hide a contact from stale, score, owe and digest (history kept)."""
    _set_archived(contact, True)


@app.command(rich_help_panel=DATA, epilog="Example:\n  netkeep unarchive 'Old Boss'")
def unarchive(contact: ContactArg) -> None:
    """Bring an archived contact back."""
    _set_archived(contact, False)


@app.command(
    rich_help_panel=DATA, epilog="Examples:\n  netkeep rm 'Spam Person'\n  netkeep rm 42 --yes"
)
def rm(
    contact: ContactArg,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask (needed off a terminal).")
    ] = False,
) -> None:
    """Delete a contact with its whole history."""
    from netkeep.render import note
    from netkeep.store import contacts

    with session(write=True) as db:
        found = contacts.find_contact(db, contact)
        label = f"#{found.id} {found.name}"
        if not yes:
            if not interactive():
                raise BadInput("rm needs --yes when stdin is not a terminal")
            if not typer.confirm(f"Delete {label} and all their history?", default=False):
                raise Declined("Nothing removed.")
        counts = contacts.delete_contact(db, contact=found)
        did(db, f"rm {label} ({counts['touchpoints']} touchpoints, {counts['asks']} asks)")
    note(f"Deleted {label} ({counts['touchpoints']} touchpoints, {counts['asks']} asks).")


@app.command(
    rich_help_panel=DATA,
    epilog="Examples:\n  netkeep forget 'Mia Chen'\n  netkeep forget 42 --yes",
)
def forget(
    contact: ContactArg,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Do not ask (needed off a terminal).")
    ] = False,
) -> None:
    """Erase a person for good: contact, touchpoints, asks, gives, and undo's copies.

    The one command undo cannot reverse.
    """
    from netkeep.db import busy_seconds
    from netkeep.models import saved_id
    from netkeep.render import note
    from netkeep.store import contacts
    from netkeep.store import forget as forgetting
    from netkeep.text import plural

    target = database_target()
    with session(write=True, journal=False) as db:
        found = contacts.find_contact(db, contact)
        label = f"#{found.id} {found.name}"
        before = forgetting.counts(db, saved_id(found))
        what = (
            f"{label} with {plural(before.touchpoints, 'touchpoint')}, "
            f"{plural(before.asks, 'ask')} and {plural(before.gives, 'give')}, "
            "and every copy netkeep keeps of them"
        )
        if not yes:
            if not interactive():
                raise BadInput("forget needs --yes when stdin is not a terminal")
            note(f"This erases {what}. It cannot be undone: undo cannot bring them back.")
            if not typer.confirm(f"Forget {label}?", default=False):
                raise Declined("Nothing erased.")
        forgetting.erase(db, saved_id(found))
    local = target if isinstance(target, Path) else None
    if local is not None:
        forgetting.scrub_file(local, busy_seconds=busy_seconds())
    note(f"Forgot {what} (the undo journal's included; this cannot be undone).")
    note("Copies netkeep cannot reach may still hold them:")
    for place in forgetting.unreachable_copies(local):
        note(f"  - {place}")


@app.command(
    rich_help_panel=DATA,
    epilog="Examples:\n"
    "  netkeep merge 'Sam Lee' 'Samuel Lee'   # Samuel's history goes to Sam; Samuel is removed\n"
    "  netkeep merge 12 31 --format json",
)
def merge(
    contact: Annotated[
        str,
        typer.Argument(
            metavar="INTO",
            help="The contact that stays (id, email or name).",
            autocompletion=complete_contact,
            show_default=False,
        ),
    ],
    other: Annotated[
        str,
        typer.Argument(
            metavar="OTHER",
            help="The duplicate folded into it and removed.",
            autocompletion=complete_contact,
            show_default=False,
        ),
    ],
    fmt: SingleFormatOpt = SingleFormat.table,
) -> None:
    """Fold OTHER into INTO: its whole history moves over, its details fill the gaps."""
    from netkeep.models import saved_id
    from netkeep.render import note as say
    from netkeep.store import contacts

    with session(write=True) as db:
        into = contacts.find_contact(db, contact)
        folded = contacts.find_contact(db, other)
        folded_label = f"#{folded.id} {folded.name}"
        result = contacts.merge_contacts(db, into=into, other=folded)
        data = contacts.contact_dict(into, last_touch=contacts.last_touch(db, saved_id(into)))
        label = f"#{data['id']} {data['name']}"
        did(db, f"merge {folded_label} into {label}")
    _emit_contact(data, fmt)
    if fmt == SingleFormat.table:
        filled = f"; from it: {', '.join(result['filled'])}" if result["filled"] else ""
        say(
            f"Merged {folded_label} into {label}: {result['touchpoints']} touchpoints and "
            f"{result['asks']} asks moved{filled}; {folded_label} removed."
        )

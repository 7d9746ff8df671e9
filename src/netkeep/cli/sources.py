"""Commands about synced sources: source add/list/rm, and sync."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from netkeep.cli.common import (
    DATA,
    FormatOpt,
    SingleFormatOpt,
    app,
    database_target,
    did,
    now,
    session,
    settings,
)
from netkeep.errors import BadInput
from netkeep.vocab import OutputFormat, SingleFormat


class SourceFormat(StrEnum):
    auto = "auto"
    maildir = "maildir"
    vdir = "vdir"
    files = "files"


source_app = typer.Typer(
    name="source",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The folders and files sync reads: add, list, rm.",
)
app.add_typer(source_app, rich_help_panel=DATA)

NameArg = Annotated[
    str, typer.Argument(metavar="NAME", help="What to call the source.", show_default=False)
]


@source_app.command(
    "add",
    epilog="Examples:\n  netkeep source add mail ~/Mail/work\n"
    "  netkeep source add contacts ~/.contacts/work\n"
    "  netkeep source add calendar ~/.calendars/work\n"
    "  netkeep source add calls ~/Backups/calls --format files",
)
def source_add(
    name: NameArg,
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH",
            help="A Maildir (or a folder of them), a vdir address book (a folder of .vcf files), "
            "a folder of .ics files, or any file or folder of files import reads.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        SourceFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="auto (judged from the folder), maildir, vdir (a folder of .vcf files) or files.",
        ),
    ] = SourceFormat.auto,
) -> None:
    """Register a folder or file for sync to read."""
    from netkeep.render import note
    from netkeep.store import sources as sources_store
    from netkeep.sync import detect_kind

    clean = name.strip()
    if not clean or clean.startswith("-"):
        raise BadInput(f"invalid source name {name!r}")
    if not path.exists():
        raise BadInput(f"{path}: no such file or folder")
    full = path.expanduser().resolve()
    kind = detect_kind(full, fmt.value)
    with session(write=True) as db:
        sources_store.add_source(db, name=clean, path=str(full), fmt=kind, now=now())
        did(db, f"source add {clean} ({kind}, {full})")
    note(f"Added source {clean}: {kind} at {full}. Run `netkeep sync` to read it.")


@source_app.command(
    "list", epilog="Examples:\n  netkeep source list\n  netkeep source list -f json"
)
def source_list(fmt: FormatOpt = OutputFormat.table) -> None:
    """List the sources with when each was last synced."""
    from netkeep.dates import local_text
    from netkeep.render import Column, emit_rows
    from netkeep.store import sources as sources_store

    with session(write=False) as db:
        rows = sources_store.list_sources(db)
    emit_rows(
        rows,
        fmt=fmt.value,
        keys=sources_store.SOURCE_KEYS,
        columns=[
            Column("name", "Name"),
            Column("format", "Format"),
            Column("path", "Path"),
            Column("last_sync", "Last sync", cell=lambda value: local_text(value)),
            Column("items", "Items read", justify="right"),
        ],
        empty="No sources yet (netkeep source add NAME PATH).",
    )


@source_app.command("rm", epilog="Example:\n  netkeep source rm mail")
def source_rm(name: NameArg) -> None:
    """Forget a source; what it brought in stays."""
    from netkeep.render import note
    from netkeep.store import sources as sources_store

    with session(write=True) as db:
        items = sources_store.remove_source(db, name=name)
        did(db, f"source rm {name}")
    note(f"Removed source {name} ({items:,} items read); what it brought in stays.")


class _DryRun(Exception):
    """Raised inside the sync's transaction so that it rolls back."""


@app.command(
    rich_help_panel=DATA,
    epilog="Examples:\n  netkeep sync\n  netkeep sync mail --create\n  netkeep sync --dry-run\n"
    "  netkeep sync && netkeep digest   # nightly, from cron",
)
def sync(
    names: Annotated[
        list[str] | None,
        typer.Argument(metavar="NAME", help="Sources to sync (all when none).", show_default=False),
    ] = None,
    create: Annotated[
        bool,
        typer.Option("--create", help="Add correspondents no contact matches (else only counted)."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and count, write nothing.")
    ] = False,
    fmt: SingleFormatOpt = SingleFormat.table,
) -> None:
    """Bring in what is new or changed in every source since its last sync; one undoable command.

    One line per source goes to stderr. A source whose path is gone fails the whole sync (exit 1)
    with nothing written.
    """
    from netkeep.db import has_store
    from netkeep.io.capture import Identity
    from netkeep.store import sources as sources_store
    from netkeep.sync import Syncer

    config = settings()
    moment = now()
    me = Identity.of(config)
    results = []
    if not has_store(database_target()):
        _quiet_empty(fmt)
        return
    try:
        with session(write=True) as db:
            sources = _chosen(sources_store.list_sources(db), names or [])
            syncer = Syncer(db, settings=config, me=me, now=moment, create=create)
            for source in sources:
                syncer.check(source)
            results = [syncer.run(source) for source in sources]
            did(db, "sync " + ", ".join(source["name"] for source in sources))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    if not results:
        sys.stderr.write("No sources yet (netkeep source add NAME PATH).\n")
    for result in results:
        sys.stderr.write(result.line(dry_run=dry_run) + "\n")
    if fmt == SingleFormat.json:
        from netkeep.render import write_json

        write_json([result.as_dict() for result in results])


def _quiet_empty(fmt: SingleFormat) -> None:
    sys.stderr.write("No sources yet (netkeep source add NAME PATH).\n")
    if fmt == SingleFormat.json:
        sys.stdout.write("[]\n")


def _chosen(sources: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    """The sources to sync: address books first, so that the mail and meetings of the others
    find the people they bring; then by name."""
    if names:
        by_name = {source["name"]: source for source in sources}
        unknown = [name for name in names if name not in by_name]
        if unknown:
            raise BadInput(f"no source named {unknown[0]!r} (netkeep source list)")
        sources = [by_name[name] for name in dict.fromkeys(names)]
    return sorted(sources, key=lambda source: (source["format"] != "vdir", source["name"]))

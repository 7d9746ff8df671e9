"""Commands that move data in and out: import, export, backup."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

from netkeep.cli.common import DATA, app, database_target, did, now, session, settings
from netkeep.errors import BadInput, RuntimeFailure

if TYPE_CHECKING:
    from datetime import datetime

    from sqlmodel import Session

    from netkeep.config import Settings
    from netkeep.io.capture import Identity, Skipped
    from netkeep.io.capture import Touchpoint as CapturedTouchpoint

# Below this many records an import or export finishes before a progress bar would be worth it.
PROGRESS_MIN_RECORDS = 5_000
PROGRESS_MIN_BYTES = 1_000_000  # a streamed JSON file's size, when its record count is unknown


class ImportFormat(StrEnum):
    auto = "auto"
    json = "json"
    vcf = "vcf"
    csv = "csv"
    linkedin = "linkedin"
    mbox = "mbox"
    maildir = "maildir"
    ics = "ics"
    android = "android"
    whatsapp = "whatsapp"
    telegram = "telegram"


class DateOrder(StrEnum):
    dmy = "dmy"
    mdy = "mdy"


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    vcf = "vcf"
    ics = "ics"


class _DryRun(Exception):
    """Raised inside the import's transaction so that it rolls back."""


# --- progress -----------------------------------------------------------------------------------


class _Progress:
    """A Rich progress bar on stderr (records done, rate, time left), only on a terminal.

    Piped or in cron this does nothing, and Rich is never imported.
    """

    def __init__(self, description: str, *, total: float | None, shown: bool) -> None:
        self.bar = None
        if not shown:
            return
        from rich.progress import (
            BarColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeRemainingColumn,
        )

        from netkeep.render import console

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[records]:,} records"),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=console(stderr=True),
            transient=True,
        )
        self.task = self.bar.add_task(description, total=total, records=0, rate="")
        self.started = time.monotonic()
        self.bar.start()

    def update(self, records: int, completed: float | None = None) -> None:
        if self.bar is None:
            return
        elapsed = time.monotonic() - self.started
        rate = f"{records / elapsed:,.0f}/s" if elapsed > 0.5 else ""
        self.bar.update(
            self.task,
            completed=records if completed is None else completed,
            records=records,
            rate=rate,
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _progress_wanted(*, to_stdout: bool = False) -> bool:
    """A bar only where a person watches stderr, and never over data going to the same terminal."""
    if not sys.stderr.isatty():
        return False
    return not (to_stdout and sys.stdout.isatty())


# --- import -------------------------------------------------------------------------------------


# Who you are in the files captured, beside the config's [me] (for this command only).
MeEmailOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--me-email", help="Your address (adds to config [me] emails).", show_default=False
    ),
]
MePhoneOpt = Annotated[
    list[str] | None,
    typer.Option("--me-phone", help="Your number (adds to [me] phones).", show_default=False),
]
MeNameOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--me-name", help="Your name in chat exports (adds to [me] names).", show_default=False
    ),
]
MeLinkedinOpt = Annotated[
    str | None,
    typer.Option(
        "--me-linkedin", help="Your LinkedIn profile URL ([me] linkedin).", show_default=False
    ),
]
RegionOpt = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="Phone region for national numbers, e.g. US ([me] region).",
        show_default=False,
    ),
]
DateOrderOpt = Annotated[
    DateOrder | None,
    typer.Option(
        "--date-order",
        help="dmy or mdy, for chat exports with ambiguous dates.",
        show_default=False,
    ),
]


def _with_me(
    config: Settings,
    *,
    emails: list[str],
    phones: list[str],
    names: list[str],
    linkedin: str | None,
    region: str | None,
    date_order: DateOrder | None,
) -> Settings:
    """The config with the command's flags: lists add to its [me], single values override it."""
    return dataclasses.replace(
        config,
        me=dataclasses.replace(
            config.me,
            emails=(*config.me.emails, *emails),
            phones=(*config.me.phones, *phones),
            names=(*config.me.names, *names),
            linkedin=linkedin or config.me.linkedin,
            region=region or config.me.region,
        ),
        date_order=date_order.value if date_order else config.date_order,
    )


@app.command(
    "import",
    rich_help_panel=DATA,
    epilog="Examples:\n"
    "  netkeep import contacts.vcf\n"
    "  netkeep import Connections.csv --dry-run\n"
    "  netkeep import google.csv --format csv\n"
    "  netkeep import Basic_LinkedInDataExport.zip mail.mbox calendar.ics --create\n"
    "  netkeep import calls-2024.xml sms-2024.xml --me-phone +15551234567\n"
    "  netkeep --db restored.db import netkeep-export.json",
)
def import_(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="vCard, CSV, LinkedIn Connections.csv, netkeep JSON, or history to capture: "
            "a LinkedIn export, mbox, Maildir, .ics, Android calls/sms XML, WhatsApp, Telegram.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        ImportFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="The files' format (auto: judged from the content).",
        ),
    ] = ImportFormat.auto,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count, write nothing.")
    ] = False,
    create: Annotated[
        bool,
        typer.Option("--create", help="Add correspondents no contact matches (else only listed)."),
    ] = False,
    me_email: MeEmailOpt = None,
    me_phone: MePhoneOpt = None,
    me_name: MeNameOpt = None,
    me_linkedin: MeLinkedinOpt = None,
    region: RegionOpt = None,
    date_order: DateOrderOpt = None,
    max_people: Annotated[
        int,
        typer.Option(
            "--max-people", min=1, help="Skip meetings and mails with more people than this."
        ),
    ] = 10,
) -> None:
    """Import contacts, or capture history from mail, chats, calls and calendars; all or nothing."""
    moment = now()
    config = _with_me(
        settings(),
        emails=me_email or [],
        phones=me_phone or [],
        names=me_name or [],
        linkedin=me_linkedin,
        region=region,
        date_order=date_order,
    )
    from netkeep.io.capture import Identity

    me = Identity.of(config, meeting_cap=max_people, now=moment)
    # A dry run on a missing database works on an empty one in memory and creates nothing.
    write = not dry_run or _has_store()
    lines: list[str] = []
    done: list[str] = []  # what each file added, in the words `undo` repeats
    try:
        with session(write=write) as db:
            for file in files:
                kind = _capture_kind(file, fmt.value)
                if kind is None:
                    line, what = _import_contacts(db, file, fmt.value, config, moment, dry_run)
                    lines.append(line)
                else:
                    more, what = _capture(
                        db, file, kind, me, config, moment, create=create, dry_run=dry_run
                    )
                    lines.extend(more)
                done.append(what)
            if dry_run:
                raise _DryRun
            did(db, "import " + "; ".join(done))
    except _DryRun:
        pass
    sys.stderr.write("\n".join(lines) + "\n")


def _has_store() -> bool:
    from netkeep.db import has_store

    return has_store(database_target())


def _capture_kind(file: Path, fmt: str) -> str | None:
    if fmt in ("json", "vcf", "csv"):
        return None
    from netkeep.io.sources import capture_format

    return capture_format(file, fmt)


def _import_contacts(
    db: Session, file: Path, fmt: str, config: Settings, moment: datetime, dry_run: bool
) -> tuple[str, str]:
    """Import one contacts file: its summary line, and what it added for `undo` to name."""
    from netkeep.io import open_import
    from netkeep.store import importing

    with open_import(file, fmt) as source:
        big = (
            source.count > PROGRESS_MIN_RECORDS
            if source.count is not None
            else source.size > PROGRESS_MIN_BYTES
        )
        bar = _Progress(
            f"Importing {file.name}",
            total=source.count if source.count is not None else source.size,
            shown=big and _progress_wanted(),
        )

        def progress(records: int) -> None:
            bar.update(records, None if source.count is not None else source.bytes_read())

        try:
            counts = importing.import_records(
                db,
                records=source.records,
                label=str(file),
                settings=config,
                now=moment,
                lossless=source.format == "json",
                progress=progress,
            )
        finally:
            bar.close()
    what = (
        f"{file.name} ({counts.created:,} contacts created, {counts.updated:,} updated, "
        f"{counts.touchpoints_added:,} touchpoints and {counts.asks_added:,} asks added)"
    )
    warnings = [f"Warning: {line}" for line in _warnings(file, counts, config)]
    return "\n".join([*warnings, _summary(file, counts, dry_run=dry_run)]), what


# Likely duplicates named one per line, up to this many; the rest are counted.
WARN_AT_MOST = 10


def _warnings(file: Path, counts: Any, config: Any) -> list[str]:
    from netkeep.render import printable

    lines = []
    for tier, contacts in sorted(counts.unknown_tiers.items()):
        fallback = f"{config.default_tier}, {config.cadence[config.default_tier]}"
        lines.append(
            f"tier {tier!r} ({contacts:,} contact{'' if contacts == 1 else 's'}) is not in your config: it is kept, and "
            f"its contacts use the default cadence ({fallback}) until you add it under [cadence]"
        )
    doubles = counts.likely_duplicates
    for source, name, other_id, other_name in doubles[:WARN_AT_MOST]:
        where = f"{file}: {source}" if source else str(file)
        lines.append(
            f"{where}: {name!r} may be #{other_id} {other_name} (same name ignoring case and "
            "accents); added as a new contact"
        )
    if len(doubles) > WARN_AT_MOST:
        lines.append(f"{file}: {len(doubles) - WARN_AT_MOST:,} more contacts like these")
    return [printable(line) for line in lines]


def _capture(
    db: Session,
    file: Path,
    kind: str,
    me: Identity,
    config: Settings,
    moment: datetime,
    *,
    create: bool,
    dry_run: bool,
) -> tuple[list[str], str]:
    """Capture one file's history: its summary lines, and what it added for `undo` to name.

    Its contacts (a LinkedIn zip's connections) go in first so that its messages find them."""
    from netkeep.io.capture import reduce_exchanges
    from netkeep.io.sources import open_capture
    from netkeep.store import capture, importing

    source = open_capture(file, kind, me)
    lines: list[str] = []
    if source.contacts:
        counts = importing.import_records(
            db,
            records=(("contact", contact) for contact in source.contacts),
            label=f"{file}!Connections.csv",
            settings=config,
            now=moment,
            lossless=False,
        )
        connections = Path(f"{file}!Connections.csv")
        lines.extend(f"Warning: {line}" for line in _warnings(connections, counts, config))
        lines.append(_summary(connections, counts, dry_run=dry_run))
    big = file.is_dir() or file.stat().st_size > PROGRESS_MIN_BYTES
    bar = _Progress(f"Reading {file.name}", total=None, shown=big and _progress_wanted())
    tally = capture.SourceCounts(format=kind)
    capturer = capture.Capturer(db, settings=config, now=moment, create=create)

    def ticking(
        records: Iterable[CapturedTouchpoint | Skipped],
    ) -> Iterator[CapturedTouchpoint | Skipped]:
        for done, record in enumerate(records, start=1):
            yield record
            if done % 1000 == 0:
                bar.update(done)

    try:
        capturer.add(ticking(reduce_exchanges(source.records())), tally)
        capturer.finish()
    finally:
        bar.close()
    lines.extend(_capture_summary(file, tally, dry_run=dry_run))
    matched = f", {len(tally.matched):,} matched to typed ones" if tally.matched else ""
    what = (
        f"{file.name} ({tally.added:,} touchpoints captured{matched}, "
        f"{len(tally.created):,} contacts created)"
    )
    return lines, what


def _capture_summary(file: Path, counts: Any, *, dry_run: bool) -> list[str]:
    """Per file: touchpoints read, added, already there, skipped by reason, new correspondents."""
    added = "would be added" if dry_run else "added"
    folded = counts.messages - counts.read
    line = (
        f"{file}: {counts.format}: {counts.read:,} touchpoints read"
        + (f" (from {counts.messages:,} messages)" if folded > 0 else "")
        + f", {counts.added:,} {added}, {counts.present:,} already there"
        + (f", {len(counts.matched):,} matched touchpoints you typed" if counts.matched else "")
    )
    if counts.skipped:
        reasons = ", ".join(
            f"{n:,} {reason}" for reason, n in sorted(counts.skipped.items(), key=lambda x: -x[1])
        )
        line += f"; skipped: {reasons}"
    lines = [line + (" (dry run: nothing written)." if dry_run else ".")]
    if counts.created:
        verb = "would be created" if dry_run else "created"
        lines.append(
            f"  {len(counts.created):,} new contacts {verb}: " + _listed(counts.created.values())
        )
    if counts.unknown:
        unknown = sorted(counts.unknown.values(), key=lambda entry: (-entry[1], entry[0]))
        lines.append(
            f"  {len(unknown):,} new correspondents not imported (use --create): "
            + _listed(f"{label} ({n})" for label, n in unknown)
        )
    if counts.per_contact:
        ranked = sorted(counts.per_contact.items(), key=lambda item: (-item[1], item[0]))
        lines.append("  per contact: " + _listed(f"{name} {n}" for name, n in ranked))
    if counts.matched:
        from netkeep.dates import local_text

        verb = "would match" if dry_run else "matched"
        lines.append(
            f"  {verb} {len(counts.matched):,} touchpoints you typed: "
            + _listed(
                f"#{m.touchpoint_id} {m.name} {m.channel} {local_text(m.occurred_at)}"
                for m in counts.matched
            )
        )
    return lines


def _listed(items: Iterable[str], limit: int = 10) -> str:
    from netkeep.render import printable

    items = list(items)
    shown = ", ".join(printable(item) for item in items[:limit])
    return shown + (f" and {len(items) - limit:,} more" if len(items) > limit else "")


def _summary(file: Path, counts: Any, *, dry_run: bool) -> str:
    """One line: `people.csv: 3 created, 1 updated, 0 unchanged.`"""
    verb = "would be " if dry_run else ""
    parts = [
        f"{counts.created:,} {verb}created",
        f"{counts.updated:,} {verb}updated",
        f"{counts.unchanged:,} unchanged",
    ]
    line = f"{file}: contacts: {', '.join(parts)}"
    tp_total = counts.touchpoints_added + counts.touchpoints_present
    ask_total = counts.asks_added + counts.asks_present
    if tp_total or ask_total:
        added = "would be added" if dry_run else "added"
        line += (
            f"; touchpoints: {counts.touchpoints_added:,} {added}, "
            f"{counts.touchpoints_present:,} already there"
            f"; asks: {counts.asks_added:,} {added}, {counts.asks_present:,} already there"
        )
    if counts.gives_added or counts.gives_present:
        added = "would be added" if dry_run else "added"
        line += f"; gives: {counts.gives_added:,} {added}, {counts.gives_present:,} already there"
    if counts.kept_ids:
        line += "; ids kept"
    return line + (" (dry run: nothing written)." if dry_run else ".")


# --- export -------------------------------------------------------------------------------------


@app.command(
    rich_help_panel=DATA,
    epilog="Examples:\n"
    "  netkeep export > netkeep.json\n"
    "  netkeep export --output netkeep.json\n"
    "  netkeep export --format csv --output contacts.csv\n"
    "  netkeep export --format vcf > contacts.vcf\n"
    "  netkeep export --format ics --output ~/calendars/netkeep.ics   # follow-ups, birthdays",
)
def export(
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="json (everything, lossless), csv or vcf (contacts only), ics (open "
            "follow-ups and birthdays as calendar events).",
        ),
    ] = ExportFormat.json,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write to FILE (mode 0600, replaced whole) instead of stdout.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Export the database: json to re-import anywhere, contacts as csv or vcf, or a calendar."""
    from netkeep import io
    from netkeep.store import export, importing

    if fmt == ExportFormat.ics:
        _export_feed(output)
        return
    with session(write=False) as db:
        totals = export.export_counts(db)
        total = totals["contacts"]
        if fmt == ExportFormat.json:
            total += totals["touchpoints"] + totals["asks"] + totals["gives"]
        bar = _Progress(
            "Exporting",
            total=total,
            shown=total > PROGRESS_MIN_RECORDS and _progress_wanted(to_stdout=output is None),
        )
        done = [0]

        def counted(rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
            if bar.bar is None:
                return rows
            return _ticking(rows)

        def _ticking(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
            for row in rows:
                yield row
                done[0] += 1
                if done[0] % importing.PROGRESS_EVERY == 0:
                    bar.update(done[0])

        try:
            with _destination(output) as fh:
                if fmt == ExportFormat.json:
                    write_export(db, fh, counted)
                elif fmt == ExportFormat.csv:
                    io.write_csv(counted(export.export_contacts(db)), fh)
                else:
                    io.write_vcf(counted(export.export_contacts(db)), fh)
        finally:
            bar.close()


def _export_feed(output: Path | None) -> None:
    from netkeep.io.feed import write_feed
    from netkeep.store import agenda as agenda_store

    with session(write=False) as db:
        rows = agenda_store.agenda_rows(db)
    with _destination(output) as fh:
        write_feed(rows, fh, now=now())


def write_export(
    db: Session,
    fh: IO[str],
    counted: Callable[[Iterable[dict[str, Any]]], Iterable[dict[str, Any]]] = lambda rows: rows,
) -> None:
    """The lossless JSON export of everything `db` sees (one transaction: one snapshot)."""
    from netkeep import io
    from netkeep.store import export

    io.write_json(
        {
            "contacts": counted(export.export_contacts(db)),
            "touchpoints": counted(export.export_touchpoints(db)),
            "asks": counted(export.export_asks(db)),
            "gives": counted(export.export_gives(db)),
        },
        fh,
    )


@contextlib.contextmanager
def _destination(output: Path | None) -> Iterator[IO[str]]:
    """stdout, or a private file written beside FILE and renamed over it only when complete."""
    if output is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    _writable_folder(output)
    temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise BadInput(f"cannot write {output}: {exc.strerror}") from None
    try:
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(temporary, output)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _writable_folder(path: Path) -> None:
    if path.is_dir():
        raise BadInput(f"{path} is a directory; give a file name")
    if not path.parent.is_dir():
        raise BadInput(f"{path}: no such folder {path.parent}")


# --- backup -------------------------------------------------------------------------------------


@app.command(
    rich_help_panel=DATA,
    epilog="Examples:\n"
    "  netkeep backup ~/backups/netkeep-$(date +%F).db\n"
    "  netkeep backup /mnt/usb/netkeep.db --force",
)
def backup(
    dest: Annotated[
        Path, typer.Argument(help="The copy to write (mode 0600).", show_default=False)
    ],
    force: Annotated[bool, typer.Option("--force", help="Replace DEST if it exists.")] = False,
) -> None:
    """Copy the database consistently, even while it is in use (SQLite's online backup).

    On a PostgreSQL server DEST gets the lossless JSON export of one snapshot (restore it with
    `netkeep import`); backing up the server itself is pg_dump's job.
    """
    from netkeep.db import copy_database, describe_failure
    from netkeep.dialect import SQLITE_ERRORS

    source = database_target()
    if not isinstance(source, Path):
        _export_server(dest, force=force)
        return
    if not source.is_file():
        raise RuntimeFailure(f"no database at {source}: nothing to back up")
    _writable_folder(dest)
    if dest.exists() or dest.is_symlink():
        if not force:
            raise BadInput(f"{dest} exists; use --force to replace it")
        if dest.resolve() == source.resolve():
            raise BadInput(f"{dest} is the database itself")
    # Written beside DEST and renamed over it when complete: DEST is never half a copy.
    temporary = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        copy_database(source, temporary)
        _check_copy(temporary)
        if not force and dest.exists():
            raise BadInput(f"{dest} exists; use --force to replace it")
        os.replace(temporary, dest)
    except PermissionError:
        raise BadInput(f"cannot write {dest}: permission denied") from None
    except SQLITE_ERRORS as exc:
        raise describe_failure(exc, source) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    if sys.stderr.isatty():  # silent in cron: mail only when something failed
        sys.stderr.write(f"Backed up {source} to {dest}.\n")


def _export_server(dest: Path, *, force: bool) -> None:
    from netkeep.db import has_store
    from netkeep.db_path import describe_target

    source = database_target()
    if not has_store(source):
        raise RuntimeFailure(f"no netkeep data at {describe_target(source)}: nothing to back up")
    _writable_folder(dest)
    if (dest.exists() or dest.is_symlink()) and not force:
        raise BadInput(f"{dest} exists; use --force to replace it")
    with session(write=False) as db, _destination(dest) as fh:
        write_export(db, fh)
    sys.stderr.write(
        f"Wrote a JSON export of {describe_target(source)} to {dest} (restore it with "
        "'netkeep import'); the server itself is backed up with pg_dump.\n"
    )


def _check_copy(path: Path) -> None:
    """The copy must pass SQLite's check: a damaged source is reported, not silently copied."""
    from netkeep.dialect import sqlite_file_check

    result = sqlite_file_check(path)
    if result != "ok":
        raise RuntimeFailure(f"the copy of the database failed its check: {result}")

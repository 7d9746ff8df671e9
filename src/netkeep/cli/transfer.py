"""Commands that move data in and out: import, export, backup."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from netkeep.cli.common import DATA, app, database_path, did, now, session, settings
from netkeep.errors import BadInput, RuntimeFailure

# Below this many records an import or export finishes before a progress bar would be worth it.
PROGRESS_MIN_RECORDS = 5_000
PROGRESS_MIN_BYTES = 1_000_000  # a streamed JSON file's size, when its record count is unknown


class ImportFormat(StrEnum):
    auto = "auto"
    json = "json"
    vcf = "vcf"
    csv = "csv"
    linkedin = "linkedin"


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    vcf = "vcf"


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


@app.command(
    "import",
    rich_help_panel=DATA,
    epilog="Examples:\n"
    "  netkeep import contacts.vcf\n"
    "  netkeep import Connections.csv --dry-run\n"
    "  netkeep import google.csv --format csv\n"
    "  netkeep --db restored.db import netkeep-export.json",
)
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="vCard, CSV, LinkedIn Connections.csv or a netkeep JSON export.",
            show_default=False,
        ),
    ],
    fmt: Annotated[
        ImportFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="The file's format (auto: judged from its content).",
        ),
    ] = ImportFormat.auto,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count, write nothing.")
    ] = False,
) -> None:
    """Import contacts (and, from netkeep JSON, touchpoints and asks); all or nothing."""
    from netkeep import store
    from netkeep.io import open_import

    config = settings()
    moment = now()
    # A dry run on a missing database works on an empty one in memory and creates nothing.
    write = not dry_run or database_path().exists()
    counts = None
    with open_import(file, fmt.value) as source:
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
            with session(write=write) as db:
                counts = store.import_records(
                    db,
                    records=source.records,
                    label=str(file),
                    settings=config,
                    now=moment,
                    lossless=source.format == "json",
                    progress=progress,
                )
                if dry_run:
                    raise _DryRun
                did(
                    db,
                    f"import {file.name} ({counts.created:,} contacts created, "
                    f"{counts.updated:,} updated, {counts.touchpoints_added:,} touchpoints and "
                    f"{counts.asks_added:,} asks added)",
                )
        except _DryRun:
            pass
        finally:
            bar.close()
    for line in _warnings(file, counts, config):
        sys.stderr.write(f"Warning: {line}\n")
    sys.stderr.write(_summary(file, counts, dry_run=dry_run) + "\n")


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
    "  netkeep export --format vcf > contacts.vcf",
)
def export(
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="json (everything, lossless), csv or vcf (contacts only).",
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
    """Export the database: json to re-import anywhere, or contacts as csv or vcf."""
    from netkeep import io, store

    with session(write=False) as db:
        totals = store.export_counts(db)
        total = totals["contacts"]
        if fmt == ExportFormat.json:
            total += totals["touchpoints"] + totals["asks"]
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
                if done[0] % store.PROGRESS_EVERY == 0:
                    bar.update(done[0])

        try:
            with _destination(output) as fh:
                if fmt == ExportFormat.json:
                    io.write_json(
                        {
                            "contacts": counted(store.export_contacts(db)),
                            "touchpoints": counted(store.export_touchpoints(db)),
                            "asks": counted(store.export_asks(db)),
                        },
                        fh,
                    )
                elif fmt == ExportFormat.csv:
                    io.write_csv(counted(store.export_contacts(db)), fh)
                else:
                    io.write_vcf(counted(store.export_contacts(db)), fh)
        finally:
            bar.close()


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
    """Copy the database consistently, even while it is in use (SQLite's online backup)."""
    import sqlite3

    from netkeep.db import copy_database, describe_failure

    source = database_path()
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
    except sqlite3.Error as exc:
        raise describe_failure(exc, source) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    if sys.stderr.isatty():  # silent in cron: mail only when something failed
        sys.stderr.write(f"Backed up {source} to {dest}.\n")


def _check_copy(path: Path) -> None:
    """The copy must pass SQLite's check: a damaged source is reported, not silently copied."""
    import sqlite3

    from netkeep.db_path import sqlite_uri

    # Read-write although it only reads: the last read-write connection to close removes the
    # -wal and -shm files that opening a WAL copy creates; a read-only one leaves them behind.
    connection = sqlite3.connect(sqlite_uri(path, mode="rw"), uri=True)
    try:
        result = connection.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        connection.close()
    if result != "ok":
        raise RuntimeFailure(f"the copy of the database failed its check: {result}")

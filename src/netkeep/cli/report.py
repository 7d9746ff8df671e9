"""The report command: the network's health in pictures, in the terminal or as an HTML page."""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netkeep.cli.common import LOOK, SingleFormatOpt, app, now, session, settings
from netkeep.errors import BadInput
from netkeep.vocab import SingleFormat

if TYPE_CHECKING:
    from datetime import datetime

    from sqlmodel import Session

    from netkeep.config import Settings


@app.command(
    rich_help_panel=LOOK,
    epilog="Examples:\n"
    "  netkeep report\n"
    "  netkeep report --since '4 weeks ago'\n"
    "  netkeep report --html network.html\n"
    "  netkeep report --format json | jq .bands",
)
def report(
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Start of the period (default: a week before --until).",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="End of the period (default: now).", show_default=False),
    ] = None,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Write a self-contained HTML page (inline SVG, no scripts) to FILE.",
            show_default=False,
        ),
    ] = None,
    ascii_: Annotated[
        bool, typer.Option("--ascii", help="Draw with ASCII only (no block glyphs).")
    ] = False,
    fmt: SingleFormatOpt = SingleFormat.table,
) -> None:
    """The network's health in pictures (terminal, HTML page or JSON)."""
    from netkeep.dates import parse_past

    moment = now()
    end = parse_past(until, now=moment) if until else moment
    start = parse_past(since, now=moment) if since else end - timedelta(days=7)
    if start >= end:
        raise BadInput("--since must be before --until")
    if html is not None and fmt == SingleFormat.json:
        raise BadInput("--html and --format json are alternatives; give one")
    if html is not None:
        _check_destination(html)
    figures = gather(since=start, until=end, moment=moment, full=html is not None or fmt == "json")
    if fmt == SingleFormat.json:
        from netkeep.render import write_json
        from netkeep.report import as_json

        write_json(as_json(figures))
    elif html is not None:
        from netkeep.render import note
        from netkeep.report_html import page

        _write(html, page(figures))
        note(f"Wrote the report to {html}.")
    else:
        from netkeep import pictures

        pictures.emit(
            pictures.report(figures, width=pictures.width(), ascii=pictures.ascii_only(ascii_))
        )


def gather(*, since: datetime, until: datetime, moment: datetime, full: bool) -> dict[str, Any]:
    """Read what the figures need, with the functions the listings use. `full` adds the figures
    only the page and JSON show (map, monthly band mix, busiest relationships)."""
    from netkeep import report, store
    from netkeep.staleness import stale_rows

    config = settings()
    calendar_from = min(since, until - timedelta(weeks=report.CALENDAR_WEEKS))
    extra: dict[str, Any] = {}
    with session(write=False) as db:
        scoring = store.start_score_rows(db, now=moment, settings=config)
        candidates = store.staleness_rows(db)
        asks = store.ask_changes(db, since=since, until=until)
        days = store.touch_days(db, since=calendar_from, until=until)
        period_days = store.touch_days(db, since=since, until=until)
        if full:
            heard = store.last_heard(db)
            year_ago = until - timedelta(days=365)
            extra["busiest"] = _busiest(db, since=year_ago, until=until, config=config)
            months = report.month_ends(until)
            tallies = store.band_history(
                db, moments=[end for _label, end in months], settings=config
            )
            extra["monthly_bands"] = report.monthly_mix([label for label, _ in months], tallies)
        scores = scoring()
    figures: dict[str, Any] = {
        "as_of": moment,
        "since": since,
        "until": until,
        "bands": report.band_mix(scores),
        "dormancy": report.dormancy(candidates, now=moment),
        "calendar": report.calendar(
            days,
            first=calendar_from.astimezone().date(),
            last=(until - timedelta(microseconds=1)).astimezone().date(),
        ),
        "calendar_levels": [],
        "changes": report.changes(
            period_days=period_days,
            stale=stale_rows(candidates, now=moment, settings=config),
            asks=asks,
            since=since,
            until=until,
        ),
    }
    figures["calendar_levels"] = report.heat_levels(figures["calendar"])
    if full:
        figures["map"] = report.reciprocity_map(scores, heard, now=moment)
        figures["monthly_bands"] = extra["monthly_bands"]
        figures["busiest"] = extra["busiest"]
    return figures


def _busiest(
    db: Session, *, since: datetime, until: datetime, config: Settings
) -> list[dict[str, Any]]:
    """The busiest relationships of the period, each with its touches marked answered or not by
    the function `show` uses."""
    from netkeep import report, store
    from netkeep.scoring import answered_flags

    result = []
    for contact_id, name, _count in store.busiest_contacts(db, since=since, limit=report.BUSIEST):
        asks = store.ask_rows(db, contact_id=contact_id, include_resolved=True)
        gives = store.give_rows(db, contact_id=contact_id)
        touches = [
            t
            for t in store.touchpoints_of(db, contact_id, asks=asks, gives=gives)
            if t["occurred_at"] < until
        ]
        records = store.touchpoint_records(touches)
        flags = answered_flags(records, now=until, window=config.response_window.timedelta)
        result.append(report.small_multiple(contact_id, name, touches, flags, until=until))
    return result


def _check_destination(path: Path) -> None:
    if path.is_dir():
        raise BadInput(f"{path} is a directory; give a file name")
    if not path.parent.is_dir():
        raise BadInput(f"{path}: no such folder {path.parent}")


def _write(path: Path, text: str) -> None:
    """Write beside FILE and rename over it when complete: a failure leaves nothing behind."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        # Created 0600 like exports and backups: the page names the people in your network.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(descriptor, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise BadInput(f"cannot write {path}: {exc.strerror}") from None

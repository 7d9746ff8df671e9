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
    """The report's figures (netkeep.network.Network.report)."""
    from netkeep.network import Network

    with session(write=False) as db:
        return Network(db, settings=settings(), now=moment).report(
            since=since, until=until, full=full
        )


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

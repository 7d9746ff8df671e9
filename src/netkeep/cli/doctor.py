"""`netkeep doctor`: find (and with --fix, fold) touchpoints that record one exchange twice."""

from __future__ import annotations

from typing import Annotated

import typer

from netkeep.cli.common import DATA, FormatOpt, app, did, session
from netkeep.vocab import OutputFormat

DUPLICATE_KEYS = (
    "keep",
    "drop",
    "contact_id",
    "name",
    "occurred_at",
    "channel",
    "direction",
    "reason",
)


@app.command(
    rich_help_panel=DATA,
    epilog="Examples:\n  netkeep doctor\n  netkeep doctor --fix\n  netkeep undo   # after --fix",
)
def doctor(
    fix: Annotated[
        bool,
        typer.Option(
            "--fix", help="Fold each pair into the touchpoint kept (one command for undo)."
        ),
    ] = False,
    fmt: FormatOpt = OutputFormat.table,
) -> None:
    """Touchpoints recorded twice: one typed and one captured, or typed twice.

    A typed touchpoint and a captured one with the same contact, kind of channel and direction,
    close in time (see docs/capture.md, "Typed and captured"), are one exchange: --fix keeps the
    typed one (your note, asks and gives) and gives it the capture's source, so re-imports find it.
    Two typed ones with the same contact, channel, direction and minute: the older is kept, and
    takes the other's asks and gives.
    """
    from netkeep.render import Column, emit_rows, note
    from netkeep.store import reconcile

    with session(write=fix) as db:
        connection = db.connection()
        pairs = reconcile.duplicate_pairs(connection)
        if fix and pairs:
            folded = reconcile.fold_duplicates(connection, pairs)
            did(db, f"doctor --fix (folded {folded} duplicate touchpoints)")
    rows = [
        {
            "keep": pair.keep,
            "drop": pair.drop,
            "contact_id": pair.contact_id,
            "name": pair.name,
            "occurred_at": pair.occurred_at,
            "channel": pair.channel,
            "direction": pair.direction,
            "reason": pair.reason,
        }
        for pair in pairs
    ]
    emit_rows(
        rows,
        fmt=fmt,
        keys=DUPLICATE_KEYS,
        columns=[
            Column("keep", "Keep", justify="right"),
            Column("drop", "Fold", justify="right"),
            Column("name", "Name"),
            Column("occurred_at", "When"),
            Column("channel", "Via"),
            Column("direction", "Dir"),
            Column("reason", "Why"),
        ],
        empty="No touchpoint is recorded twice.",
    )
    if rows and fmt == OutputFormat.table:
        if fix:
            note(f"Folded {len(rows)} duplicate touchpoints ('netkeep undo' takes them back).")
        else:
            note("Run 'netkeep doctor --fix' to fold them.")

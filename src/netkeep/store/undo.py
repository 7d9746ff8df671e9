"""Undo: the store's door to the journal (netkeep.journal), which records every write command."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from netkeep.journal import HISTORY_DEPTH

UNDO_DEPTH = HISTORY_DEPTH  # how many changing commands undo can reverse


def undo_last(session: Session) -> str | None:
    """Reverse the latest recorded write command; what it was, or None (see netkeep.journal)."""
    from netkeep.journal import undo_last as reverse

    session.flush()
    summary = reverse(session.connection())
    session.expire_all()
    return summary


def undo_history(session: Session) -> list[tuple[int, str, Any]]:
    """(entry id, summary, recorded_at) of your commands undo can reverse, newest first."""
    from netkeep.journal import history

    return history(session.connection())


def skip_undo(session: Session) -> str | None:
    """Drop your latest undo entry without reversing it; what it was, or None."""
    from netkeep.journal import skip_last

    return skip_last(session.connection())

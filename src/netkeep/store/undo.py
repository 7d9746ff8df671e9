"""Undo: the store's door to the journal (netkeep.journal), which records every write command."""

from __future__ import annotations

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

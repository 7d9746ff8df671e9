"""Contact names for shell completion.

Completion runs on every Tab press, so this reads SQLite directly (read-only) instead of loading
SQLModel, and never creates or migrates anything.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def contact_names(db_option: str | Path | None, incomplete: str) -> list[str]:
    from netkeep.db_path import database_path

    path = database_path(db_option)
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
        try:
            names = [row[0] for row in conn.execute("SELECT name FROM contact WHERE NOT archived")]
        finally:
            conn.close()
    except sqlite3.Error:
        return []
    folded = (incomplete or "").casefold()
    starts = sorted({n for n in names if n.casefold().startswith(folded)}, key=str.casefold)
    inside = sorted({n for n in names if folded in n.casefold()} - set(starts), key=str.casefold)
    return starts + inside

"""Where the database lives (cheap to import: used by shell completion)."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "NETKEEP_DB"


def database_path(option: str | Path | None = None) -> Path:
    """`--db`, else NETKEEP_DB, else the platformdirs user data dir."""
    if option:
        return Path(option).expanduser()
    explicit = os.environ.get(DB_ENV)
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("netkeep", appauthor=False)) / "netkeep.db"

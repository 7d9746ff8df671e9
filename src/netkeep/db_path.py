"""Where the database lives (cheap to import: used by shell completion)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

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


def sqlite_uri(path: str | Path, *, mode: str) -> str:
    """The `file:` URI that opens exactly `path` (mode `ro`, `rw` or `rwc`).

    Every connection netkeep opens goes through here: a path is never pasted into a URL or URI,
    where `?`, `#` and `%` would change which file is opened. `mode=rw` never creates a file, so
    SQLite cannot leave one with the default (world-readable) mode.
    """
    return f"{Path(path).absolute().as_uri()}?{urlencode({'mode': mode})}"


def engine_url(path: str | Path, *, mode: str) -> URL:
    """SQLAlchemy's URL for `path`: the same URI, handed over whole (no URL parsing of a path)."""
    from sqlalchemy.engine import URL

    return URL.create("sqlite", database=sqlite_uri(path, mode=mode), query={"uri": "true"})

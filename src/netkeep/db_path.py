"""Where the data lives: a SQLite file or a PostgreSQL server (cheap to import: shell completion
uses it, and SQLAlchemy is imported only when a server URL is in use).

Precedence: `--db-url` > `--db` > NETKEEP_DATABASE_URL > NETKEEP_DB > the user data dir's file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from netkeep.errors import BadInput

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy.engine import URL

    # What a command works on: a SQLite file, or a server database.
    Target: TypeAlias = Path | URL

DB_ENV = "NETKEEP_DB"
URL_ENV = "NETKEEP_DATABASE_URL"
SERVER_DRIVER = "postgresql+psycopg"
# The schemes a server URL may be written with; all mean SERVER_DRIVER.
SERVER_SCHEMES = (SERVER_DRIVER, "postgresql", "postgres")


def database_path(option: str | Path | None = None) -> Path:
    """`--db`, else NETKEEP_DB, else the platformdirs user data dir."""
    if option:
        return Path(option).expanduser()
    explicit = os.environ.get(DB_ENV)
    if explicit:
        return Path(explicit).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("netkeep", appauthor=False)) / "netkeep.db"


def selected_url_text(url_option: str | None = None) -> tuple[str, str] | None:
    """(the server URL as given, where it came from) when a server is selected, without parsing
    it; None for a SQLite file. Ignores `--db`: the caller checks it first."""
    if url_option:
        return url_option, "--db-url"
    explicit = os.environ.get(URL_ENV)
    if explicit:
        return explicit, URL_ENV
    return None


def database_target(db_option: str | Path | None = None, url_option: str | None = None) -> Target:
    """The store a command works on, by the precedence above. `--db` and `--db-url` together are
    refused: neither can quietly win."""
    if db_option and url_option:
        raise BadInput("--db and --db-url select different stores; give one of them")
    if db_option:
        return database_path(db_option)
    given = selected_url_text(url_option)
    if given is None:
        return database_path()
    return server_url(*given)


def server_url(text: str, source: str) -> URL:
    """A PostgreSQL URL (postgresql+psycopg://, postgresql:// or postgres://) as SQLAlchemy's URL;
    anything else is refused, naming where it came from (and never showing its password)."""
    scheme = text.split("://", 1)[0].strip().lower() if "://" in text else ""
    if scheme not in SERVER_SCHEMES:
        shown = f"{scheme}://" if scheme else "no scheme"
        raise BadInput(
            f"{source}: unsupported database URL ({shown}); use postgresql://user@host/database"
        )
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        url = make_url(text.strip())
    except (ArgumentError, ValueError):
        raise BadInput(f"{source}: malformed database URL ({shown_url(text)})") from None
    if "@" in (url.host or ""):
        raise BadInput(
            f"{source}: the URL's user part holds an unencoded @; write it as %40 "
            f"({shown_url(text)})"
        )
    if not url.database:
        raise BadInput(f"{source}: the URL names no database ({shown_url(url)})")
    return url.set(drivername=SERVER_DRIVER)


def is_server(target: Target) -> bool:
    return not isinstance(target, Path)


_SECRET_KEY = re.compile(r"pass", re.IGNORECASE)  # password, sslpassword, passfile
_SECRET_OPTION = re.compile(r"(password\s*=\s*)(\S+)", re.IGNORECASE)
_HIDDEN = "***"


def shown_url(url: URL | str) -> str:
    """A database URL as it may be shown to people (config, errors, logs): the one place that
    renders one. The password is masked wherever it is written: in the user part (everything after
    the user name, up to the last @, so an unencoded @ in a password shows none of it), in the query
    (`password`, `sslpassword`, `passfile`) and inside `options` (`-c password=...`). Text that does
    not parse as a URL is shown without its authority part (user, password, host and port)."""
    text = url if isinstance(url, str) else url.render_as_string(hide_password=False)
    text = text.strip()
    scheme, found, rest = text.partition("://")
    if not found:
        return "(not a URL)"
    authority, slash, tail = rest.partition("/")
    path, _, query = tail.partition("?")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return f"{scheme}://{_HIDDEN}{slash}{path}"
    userinfo, at, hostport = authority.rpartition("@")
    user, colon, _password = userinfo.partition(":")
    shown = f"{scheme}://{user}{':' + _HIDDEN if colon else ''}{at}{hostport}{slash}{path}"
    if not query:
        return shown
    pairs = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if _SECRET_KEY.search(key):
            value = _HIDDEN
        elif key.lower() == "options":
            value = _SECRET_OPTION.sub(lambda m: m.group(1) + _HIDDEN, value)
        pairs.append((key, value))
    return f"{shown}?{urlencode(pairs, safe='*')}"


def describe_target(target: Target) -> str:
    """The store for messages: the file's path, or the server URL without its password."""
    return str(target) if isinstance(target, Path) else shown_url(target)


def server_identity(text: str) -> str:
    """Who, where and which database a server URL names, without its scheme or password: the key
    of what netkeep keeps locally about that database (completion's names)."""
    parts = urlsplit(shown_url(text))
    user = unquote(parts.username or "")
    host = (parts.hostname or "").lower()
    port = parts.port or ""
    return f"{user}@{host}:{port}{unquote(parts.path)}?{parts.query}"


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

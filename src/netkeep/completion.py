"""Shell completion: contact names and tiers.

Completion runs on every Tab press, so this reads SQLite directly (read-only) instead of loading
SQLModel, and never creates or migrates anything. Failures complete nothing rather than print an
error into the user's command line.

It never opens a network connection: on a PostgreSQL server, names come from a private local cache
(a 0600 file in the user cache dir, one per server database, keyed without the password) that
every command which opens that database brings up to date: beside it, the fingerprint of the names
it holds, which the server computes, so that the names are read and written again only when they
changed. No cache yet: nothing is offered.

Typer keeps only the candidates that start with the typed text, exactly. Names match in any case and
without accents (`sa` finds `Sam Lee`, `jo` finds `José Álvarez`), so a candidate keeps the prefix as
typed (`sam Lee`, `jose Álvarez`): CONTACT arguments match the same way, so the completed word still
finds the contact.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

# Characters bash would split on or expand in an unquoted word ("Sam Lee", "O'Neil", "Bo (ACME)").
_BASH_SPECIAL = re.compile(r"([^\w@%+=:,./-])")


def names_cache(identity: str) -> Path:
    """The cache file of one server database's contact names (`identity`: db_path.server_identity)."""
    from platformdirs import user_cache_dir

    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]
    return Path(user_cache_dir("netkeep", appauthor=False)) / "names" / f"{digest}.json"


def _fingerprint_file(path: Path) -> Path:
    return path.with_suffix(".fingerprint")


def remembered_fingerprint(url_text: str) -> str | None:
    """The fingerprint of the names the cache of a server database holds (None: no cache)."""
    from netkeep.db_path import server_identity

    path = _fingerprint_file(names_cache(server_identity(url_text)))
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, ValueError):
        return None


def remember_names(url_text: str, names: list[str], *, fingerprint: str | None = None) -> None:
    """Keep the active contacts' names of a server database for completion, with their
    fingerprint (best effort: a cache that cannot be written only means nothing is offered)."""
    from netkeep.db_path import server_identity

    path = names_cache(server_identity(url_text))
    with contextlib.suppress(OSError):
        for folder in reversed([path.parent, *path.parent.parents]):
            if not folder.exists():
                folder.mkdir(mode=0o700)
        # The names first: a fingerprint never vouches for names that are not there.
        _fingerprint_file(path).unlink(missing_ok=True)
        _replace(path, json.dumps(sorted(set(names)), ensure_ascii=False))
        if fingerprint is not None:
            _replace(_fingerprint_file(path), fingerprint)


def _replace(path: Path, content: str) -> None:
    """Write a private (0600) file whole, or leave the one there."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _cached_names(url_text: str) -> list[str]:
    from netkeep.db_path import server_identity

    try:
        names = json.loads(names_cache(server_identity(url_text)).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def _file_names(path: Path) -> list[str]:
    from netkeep.db_path import sqlite_uri

    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(sqlite_uri(path, mode="ro"), uri=True, timeout=1)
        try:
            return [row[0] for row in conn.execute("SELECT name FROM contact WHERE NOT archived")]
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def contact_names(
    db_option: str | Path | None, incomplete: str, url_option: str | None = None
) -> list[str]:
    """Active contacts' names that `incomplete` finds as a CONTACT reference (netkeep.names: word
    prefixes, any case, no accents), those it starts first."""
    from netkeep.db_path import database_path, selected_url_text
    from netkeep.names import fold, name_matches

    server = None if db_option else selected_url_text(url_option)
    names = _cached_names(server[0]) if server else _file_names(database_path(db_option))
    folded = fold(incomplete or "")
    starts = sorted({n for n in names if fold(n).startswith(folded)}, key=fold)
    inside = sorted({n for n in names if name_matches(incomplete, n)} - set(starts), key=fold)
    return starts + inside


def keep_typed_prefix(candidates: list[str], incomplete: str) -> list[str]:
    """Candidates that start with `incomplete` in any case and without accents, spelled with the
    prefix as typed (`jose` → `jose Álvarez`, which still finds José Álvarez)."""
    from netkeep.names import fold

    incomplete = incomplete or ""
    folded = fold(incomplete)
    out: list[str] = []
    for candidate in candidates:
        head = candidate[: len(incomplete)]
        if fold(head) == folded:
            spelled = incomplete + candidate[len(incomplete) :]
            if spelled not in out:
                out.append(spelled)
    return out


def contact_completions(
    db_option: str | Path | None, incomplete: str, url_option: str | None = None
) -> list[str]:
    return keep_typed_prefix(contact_names(db_option, incomplete, url_option), incomplete)


def tier_completions(incomplete: str) -> list[str]:
    from netkeep.errors import NetkeepError

    try:
        from netkeep.config import load_settings

        tiers = load_settings().tiers
    except NetkeepError:
        from netkeep.vocab import DEFAULT_TIERS

        tiers = list(DEFAULT_TIERS)
    return keep_typed_prefix(tiers, incomplete)


def bash_word(value: str) -> str:
    r"""`Sam Lee` → `Sam\ Lee`: bash inserts completions as typed, so they must be escaped."""
    return _BASH_SPECIAL.sub(r"\\\1", value)


@contextmanager
def quoted_for_bash() -> Iterator[None]:
    """Escape each candidate Typer prints for bash, which inserts them as typed.

    Typer's bash script reads one candidate a line; zsh and fish quote on their own. Typer keeps
    only candidates that start with the typed word, unescaped (`Sam L`), so the escaping happens
    after its filtering: on what it prints.
    """
    printed = io.StringIO()
    try:
        with redirect_stdout(printed):
            yield
    finally:
        lines = printed.getvalue().splitlines()
        if lines:
            sys.stdout.write("\n".join(bash_word(line) for line in lines) + "\n")
            sys.stdout.flush()

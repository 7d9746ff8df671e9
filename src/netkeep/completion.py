"""Shell completion: contact names and tiers.

Completion runs on every Tab press, so this reads SQLite directly (read-only) instead of loading
SQLModel, and never creates or migrates anything. Failures complete nothing rather than print an
error into the user's command line.

Typer keeps only the candidates that start with the typed text, exactly. Names match in any case and
without accents (`sa` finds `Sam Lee`, `jo` finds `José Álvarez`), so a candidate keeps the prefix as
typed (`sam Lee`, `jose Álvarez`): CONTACT arguments match the same way, so the completed word still
finds the contact.
"""

from __future__ import annotations

import io
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

# Characters bash would split on or expand in an unquoted word ("Sam Lee", "O'Neil", "Bo (ACME)").
_BASH_SPECIAL = re.compile(r"([^\w@%+=:,./-])")


def contact_names(db_option: str | Path | None, incomplete: str) -> list[str]:
    """Active contacts' names that `incomplete` finds as a CONTACT reference (netkeep.names: word
    prefixes, any case, no accents), those it starts first."""
    from netkeep.db_path import database_path, sqlite_uri
    from netkeep.names import fold, name_matches

    path = database_path(db_option)
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(sqlite_uri(path, mode="ro"), uri=True, timeout=1)
        try:
            names = [row[0] for row in conn.execute("SELECT name FROM contact WHERE NOT archived")]
        finally:
            conn.close()
    except sqlite3.Error:
        return []
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


def contact_completions(db_option: str | Path | None, incomplete: str) -> list[str]:
    return keep_typed_prefix(contact_names(db_option, incomplete), incomplete)


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

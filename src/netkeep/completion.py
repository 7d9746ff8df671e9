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

import re
import sqlite3
from collections.abc import Callable
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


def prepare_typer() -> Callable[[], None]:
    """Adjust Typer for one completion request; returns what undoes it.

    Called only when the shell asks for completions (the `_NETKEEP_COMPLETE` variable is set).
    """
    _quote_for_bash()
    return _keep_values_as_typed()


def _quote_for_bash() -> None:
    """Make Typer's bash completion escape what it inserts (zsh and fish quote on their own)."""
    from typer._click.shell_completion import add_completion_class
    from typer._completion_classes import BashComplete

    class QuotingBashComplete(BashComplete):
        def format_completion(self, item) -> str:
            return bash_word(super().format_completion(item))

    add_completion_class(QuotingBashComplete, "bash")


def _keep_values_as_typed() -> Callable[[], None]:
    """Skip converting the words typed so far: completion only reads them (`--db PATH`).

    Typer 0.29 converts every parameter value through a pydantic TypeAdapter, and importing pydantic
    costs more than the rest of a Tab press together. When Typer's internals differ, nothing changes.
    """
    try:
        from typer import core
        from typer._coercion import RuntimeParam
    except ImportError:
        return lambda: None
    original = getattr(core, "build_runtime_param", None)
    if original is None:
        return lambda: None
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class AsTyped(RuntimeParam):
        def _coerce_value(self, value, param, ctx):
            return value

    def build(descriptor):
        try:
            return AsTyped(
                annotation=descriptor.annotation, parameter_info=descriptor.parameter_info
            )
        except (TypeError, AttributeError):
            return original(descriptor)

    core.build_runtime_param = build

    def restore() -> None:
        core.build_runtime_param = original

    return restore

"""Text conventions shared across netkeep: plurals, case-insensitive lists, spreadsheet-safe cells.

Imported by the CLI's renderer as well as the domain and the importers, so it imports nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

# Emails and tags in one CSV cell, in listings and exports alike.
LIST_SEPARATOR = "; "
# Cells a spreadsheet would run as a formula: prefix them with ' (OWASP's CSV injection advice).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) can reorder what
# follows them on screen ("Trojan Source"): shown as escapes in the HTML page, where a tooltip would
# otherwise reorder the figures beside a name. Tables keep names exactly as they were typed.
BIDI_ESCAPES = {code: f"\\u{code:04x}" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 day`, `3 days`; `nouns` for irregular plurals."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def unique(values: Iterable[str]) -> list[str]:
    """Stripped and non-empty; the first spelling wins among duplicates in any case."""
    seen: set[str] = set()
    kept: list[str] = []
    for value in values:
        value = value.strip()
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


def defuse(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula: `=SUM(A1)` → `'=SUM(A1)`."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def undefuse(cell: str) -> str:
    """Undo `defuse`: netkeep's own CSV prefixes formula-like cells with a quote."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell

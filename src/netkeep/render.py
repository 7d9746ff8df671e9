"""Table, JSON and CSV for every listing; messages for people.

stdout carries data only (tables, JSON, CSV); confirmations and warnings go to stderr. Rich is used
only when the stream is a terminal, and imported only then: piped output is plain text without ANSI
codes, and NO_COLOR is honoured. User text is never interpreted as Rich markup.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.console import Console

from netkeep.dates import iso, local_text
from netkeep.text import LIST_SEPARATOR, defuse


def stdout_isatty() -> bool:
    return sys.stdout.isatty()


def stderr_isatty() -> bool:
    return sys.stderr.isatty()


_CONTROL = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F)}
_CONTROL.update({0x0A: " ", 0x09: " "})


def printable(text: str) -> str:
    """User text made safe for a terminal: control characters (an ESC starting a colour code in a
    name, say) are shown as escapes, so nothing typed into netkeep can restyle your terminal."""
    # Most text has nothing to escape, and isprintable() says so in C: a listing of 10,000
    # contacts has tens of thousands of cells.
    return text if text.isprintable() else text.translate(_CONTROL)


def plain(value: Any) -> str:
    """A cell for people: local times, lists joined, empty for None, control characters escaped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return local_text(value, with_time=False)
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list | tuple):
        return printable(", ".join(str(v) for v in value))
    return printable(str(value))


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso(value) or ""
    if isinstance(value, list | tuple):
        return defuse(LIST_SEPARATOR.join(str(v) for v in value))
    if isinstance(value, int | float):
        return str(value)
    return defuse(str(value))


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    cell: Callable[[Any], str] = plain
    justify: Literal["left", "right"] = "left"


def _encode(value: Any) -> str:
    # The C encoder (no indent) with a hook for times: ~10x faster than json.dump(indent=2)
    # on listings of thousands of rows.
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json_lines(value: Any, indent: int, depth: int) -> str:
    """Objects and arrays open up to `depth` levels; below that one compact line per item."""
    pad = " " * indent
    inner = " " * (indent + 2)
    if depth > 0 and isinstance(value, list) and value:
        items = ",\n".join(inner + _json_lines(item, indent + 2, depth - 1) for item in value)
        return f"[\n{items}\n{pad}]"
    if depth > 0 and isinstance(value, dict) and value:
        items = ",\n".join(
            f"{inner}{_encode(key)}: {_json_lines(item, indent + 2, depth - 1)}"
            for key, item in value.items()
        )
        return f"{{\n{items}\n{pad}}}"
    return _encode(value)


def write_json(data: Any, stream: IO[str] | None = None) -> None:
    """Valid JSON, readable and greppable: a listing is one object per line inside its array."""
    depth = 2 if isinstance(data, dict) else 1
    (stream or sys.stdout).write(_json_lines(data, 0, depth) + "\n")


def write_csv(
    rows: Iterable[dict[str, Any]], keys: Sequence[str], stream: IO[str] | None = None
) -> None:
    writer = csv.writer(stream or sys.stdout, lineterminator="\n")
    writer.writerow(keys)
    for row in rows:
        writer.writerow([csv_cell(row.get(key)) for key in keys])


def emit_rows(
    rows: list[dict[str, Any]],
    *,
    fmt: str,
    keys: Sequence[str],
    columns: Sequence[Column],
    title: str | None = None,
    empty: str | None = None,
) -> None:
    """Print a listing: JSON array / CSV with exactly `keys`, or a table of `columns`."""
    if fmt == "json":
        write_json([{key: row.get(key) for key in keys} for row in rows])
    elif fmt == "csv":
        write_csv(rows, keys)
    elif not rows:
        if empty:
            note(empty)
    else:
        print_table(rows, columns, title=title)


def print_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, title: str | None = None
) -> None:
    cells = [[printable(column.cell(row.get(column.key))) for column in columns] for row in rows]
    if not stdout_isatty():
        if title:
            sys.stdout.write(f"\n{title}\n")
        _plain_table(cells, columns)
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, header_style="bold", title_justify="left", box=None, pad_edge=False)
    for column in columns:
        table.add_column(column.header, justify=column.justify, overflow="fold")
    for line in cells:
        table.add_row(*(Text(cell) for cell in line))
    console().print(table)


def _plain_table(cells: list[list[str]], columns: Sequence[Column]) -> None:
    headers = [column.header for column in columns]
    widths = [
        max(len(header), *(len(line[i]) for line in cells)) for i, header in enumerate(headers)
    ]

    def fit(line: list[str]) -> str:
        parts = []
        for i, cell in enumerate(line):
            cell = cell.replace("\n", " ")
            fill = cell.rjust if columns[i].justify == "right" else cell.ljust
            parts.append(fill(widths[i]))
        return "  ".join(parts).rstrip()

    out = sys.stdout
    out.write(fit(headers) + "\n")
    for line in cells:
        out.write(fit(line) + "\n")


def console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(
        stderr=stderr, highlight=False, no_color=bool(os.environ.get("NO_COLOR")) or None
    )


def note(message: str, *, style: str | None = None) -> None:
    """A message for people on stderr; coloured only on a terminal."""
    message = printable(message)
    if style and stderr_isatty() and not os.environ.get("NO_COLOR"):
        from rich.text import Text

        console(stderr=True).print(Text(message, style=style))
    else:
        sys.stderr.write(message + "\n")


def print_explanations(entries: Sequence[tuple[str, str, str]]) -> None:
    """`who — headline` then the explanation, wrapped to the terminal, one block per entry."""
    from rich.text import Text

    out = console()
    for who, headline, explanation in entries:
        out.print()
        line = Text(printable(who), style="bold")
        line.append(f"  {printable(headline)}")
        out.print(line)
        out.print(Text(printable(explanation or "")), style=None)


def pairs(fields: Sequence[tuple[str, str]]) -> None:
    """A profile: `label  value` lines on stdout; Rich on a terminal."""
    fields = [(label, printable(value)) for label, value in fields]
    width = max((len(label) for label, _ in fields), default=0)
    if not stdout_isatty():
        for label, value in fields:
            sys.stdout.write(f"{label.ljust(width)}  {value}".rstrip() + "\n")
        return
    from rich.text import Text

    out = console()
    for label, value in fields:
        line = Text(label.ljust(width) + "  ", style="bold")
        line.append(value)
        out.print(line)

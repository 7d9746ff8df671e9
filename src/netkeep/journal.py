"""The undo journal: every write command records how to reverse itself, whatever it wrote.

No command writes undo code of its own. While a write command's transaction is open, temporary
triggers (created on its connection only, from the live schema, so tables added later are covered
too) record the inverse of each change as it happens:

- an UPDATE records an UPDATE that puts the row's old values back;
- a DELETE (foreign-key cascades included) records an INSERT of the old row;
- an INSERT into a table with an AUTOINCREMENT counter records nothing per row: the command records
  each counter as it began ("marks"), and every row above a mark was inserted by this command,
  because ids are never given twice. A million-row import thus costs the journal one row, plus the
  old versions of the contacts it merged into. (A table without a counter records a DELETE per
  inserted row instead.)

The command's entry (`undo_command`) and its inverse statements (`undo_step`) commit with the
command, or vanish with it when it fails: a failed command leaves nothing to undo. A command that
changed nothing leaves no entry. `undo` replays the latest entry's statements newest first, deletes
the rows above its marks, and drops the entry, so the next `undo` goes one command further back.
The last HISTORY_DEPTH commands are kept. See docs/reliability.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

HISTORY_DEPTH = 100
COMMANDS_TABLE = "undo_command"
STEPS_TABLE = "undo_step"
# Bookkeeping that undo must not reverse.
_NOT_JOURNALED = {COMMANDS_TABLE, STEPS_TABLE, "netkeep_migrations", "sqlite_sequence"}
_TRIGGER_PREFIX = "netkeep_journal_"
SUMMARY_KEY = "netkeep_journal"


@dataclass
class Entry:
    """The journal entry of the command running on one connection."""

    id: int
    summary: str
    marks: dict[str, int] = field(default_factory=dict)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _tables(raw: Any) -> list[tuple[str, bool]]:
    """(name, has an AUTOINCREMENT counter) for every table a command may change."""
    rows = raw.execute(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [
        (name, "AUTOINCREMENT" in (sql or "").upper())
        for name, sql in rows
        if name not in _NOT_JOURNALED
    ]


def _counters(raw: Any) -> dict[str, int]:
    return dict(raw.execute("SELECT name, seq FROM main.sqlite_sequence").fetchall())


def start(raw: Any, *, summary: str, recorded_at: str) -> Entry:
    """Open the journal entry of the command about to run on `raw` (inside its transaction)."""
    tables = _tables(raw)
    counters = _counters(raw)
    marks = {name: counters.get(name, 0) for name, counted in tables if counted}
    entry_id = raw.execute(
        f"INSERT INTO {COMMANDS_TABLE} (summary, recorded_at, marks) VALUES (?, ?, ?)",
        (summary, recorded_at, json.dumps(marks)),
    ).lastrowid
    for name, counted in tables:
        for trigger in _triggers(raw, name, entry_id, counted=counted):
            raw.execute(trigger)
    return Entry(entry_id, summary, marks)


def _triggers(raw: Any, table: str, entry_id: int, *, counted: bool) -> list[str]:
    info = raw.execute(f"PRAGMA main.table_info({_ident(table)})").fetchall()
    columns = [row[1] for row in info]
    keys = [row for row in info if row[5]]
    # An INTEGER PRIMARY KEY is the rowid itself; other tables carry their rowid explicitly.
    rowid_alias = len(keys) == 1 and keys[0][2].upper() == "INTEGER"
    restored = columns if rowid_alias else ["rowid", *columns]
    quoted = _ident(table)
    record = f"INSERT INTO {STEPS_TABLE} (command_id, statement) VALUES ({entry_id}, "

    def values(row: str, names: list[str]) -> str:
        return " || ', ' || ".join(f"quote({row}.{_ident(name)})" for name in names)

    put_back = " || ', ' || ".join(
        f"{_literal(_ident(name) + ' = ')} || quote(OLD.{_ident(name)})" for name in columns
    )
    changed = " OR ".join(f"OLD.{_ident(name)} IS NOT NEW.{_ident(name)}" for name in columns)
    name = _TRIGGER_PREFIX + table
    insert_head = f"INSERT INTO {quoted} ({', '.join(map(_ident, restored))}) VALUES ("
    triggers = [
        f"CREATE TEMP TRIGGER {_ident(name + '_update')} AFTER UPDATE ON main.{quoted} "
        f"WHEN {changed} BEGIN {record}"
        f"{_literal(f'UPDATE {quoted} SET ')} || {put_back} || ' WHERE rowid = ' || NEW.rowid); "
        "END",
        f"CREATE TEMP TRIGGER {_ident(name + '_delete')} AFTER DELETE ON main.{quoted} "
        f"BEGIN {record}"
        f"{_literal(insert_head)} || "
        f"{values('OLD', restored)} || ')'); END",
    ]
    if not counted:
        triggers.append(
            f"CREATE TEMP TRIGGER {_ident(name + '_insert')} AFTER INSERT ON main.{quoted} "
            f"BEGIN {record}{_literal(f'DELETE FROM {quoted} WHERE rowid = ')} || NEW.rowid); END"
        )
    return triggers


def describe(info: dict[str, Any], summary: str) -> None:
    """Say what the running command did, in words `undo` repeats (`log call with Sam Lee (#57)`)."""
    entry = info.get(SUMMARY_KEY)
    if entry is not None:
        entry.summary = summary


def finish(raw: Any, entry: Entry) -> None:
    """Close the entry before the command commits: drop it when nothing changed, keep the last
    HISTORY_DEPTH entries."""
    for name in {row[0] for row in raw.execute("SELECT name FROM temp.sqlite_master")}:
        if name.startswith(_TRIGGER_PREFIX):
            raw.execute(f"DROP TRIGGER temp.{_ident(name)}")
    counters = _counters(raw)
    inserted = any(counters.get(name, 0) > mark for name, mark in entry.marks.items())
    changed = raw.execute(
        f"SELECT 1 FROM {STEPS_TABLE} WHERE command_id = ? LIMIT 1", (entry.id,)
    ).fetchone()
    if not inserted and changed is None:
        raw.execute(f"DELETE FROM {COMMANDS_TABLE} WHERE id = ?", (entry.id,))
        return
    raw.execute(f"UPDATE {COMMANDS_TABLE} SET summary = ? WHERE id = ?", (entry.summary, entry.id))
    oldest_kept = raw.execute(
        f"SELECT id FROM {COMMANDS_TABLE} ORDER BY id DESC LIMIT 1 OFFSET ?",
        (HISTORY_DEPTH - 1,),
    ).fetchone()
    if oldest_kept is not None:
        raw.execute(f"DELETE FROM {STEPS_TABLE} WHERE command_id < ?", oldest_kept)
        raw.execute(f"DELETE FROM {COMMANDS_TABLE} WHERE id < ?", oldest_kept)


def undo_last(raw: Any) -> str | None:
    """Reverse the latest journaled command (inside the caller's transaction); its summary, or
    None when there is nothing to undo."""
    latest = raw.execute(
        f"SELECT id, summary, marks FROM {COMMANDS_TABLE} ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if latest is None:
        return None
    entry_id, summary, marks = latest
    summary = str(summary)
    # Rows come back in the reverse order they went: a child may return before its parent.
    raw.execute("PRAGMA defer_foreign_keys = ON")
    steps = raw.execute(
        f"SELECT statement FROM {STEPS_TABLE} WHERE command_id = ? ORDER BY id DESC", (entry_id,)
    ).fetchall()
    for (statement,) in steps:
        raw.execute(statement)
    for table, mark in json.loads(marks).items():
        raw.execute(f"DELETE FROM main.{_ident(table)} WHERE rowid > ?", (mark,))
    raw.execute(f"DELETE FROM {STEPS_TABLE} WHERE command_id = ?", (entry_id,))
    raw.execute(f"DELETE FROM {COMMANDS_TABLE} WHERE id = ?", (entry_id,))
    return summary


def history(raw: Any) -> list[tuple[int, str, str]]:
    """(id, summary, recorded_at) of the commands undo can reverse, newest first."""
    rows: list[tuple[int, str, str]] = raw.execute(
        f"SELECT id, summary, recorded_at FROM {COMMANDS_TABLE} ORDER BY id DESC"
    ).fetchall()
    return rows

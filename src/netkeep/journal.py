"""The undo journal: every write command records how to reverse itself, whatever it wrote.

No command writes undo code of its own. While a write command's transaction is open, temporary
triggers (created on its connection only, from the live schema, so tables added later are covered
too) record, as data, the inverse of each change as it happens: a step holds the action, the
table, the row id and the old values (a JSON object), never SQL text.

- an UPDATE records an `update` step with the row's old values;
- a DELETE (foreign-key cascades included) records an `insert` step with the old row;
- an INSERT into a table with an AUTOINCREMENT counter records nothing per row: the command records
  each counter as it began ("marks"), and every row above a mark was inserted by this command,
  because ids are never given twice. A million-row import thus costs the journal one row, plus the
  old versions of the contacts it merged into. (A table without a counter records a `delete`
  step per inserted row instead.)

The command's entry (`undo_command`) and its steps (`undo_step`) commit with the command, or
vanish with it when it fails: a failed command leaves nothing to undo. A command that changed
nothing leaves no entry. `undo` replays the latest entry's steps newest first through fixed,
parameterised statements of its own (`_replay`: only table and column names found in the live
schema reach the SQL, every value is bound; a step naming anything else is refused), deletes
the rows above its marks, and drops the entry, so the next `undo` goes one command further back.
The last HISTORY_DEPTH commands are kept. See docs/reliability.md.

On a PostgreSQL server the same journal is kept by permanent triggers that the schema creates
(migration m004, and the step that adds a table): they record the same steps, the old row as
`to_jsonb(OLD)` (m009), but only while the transaction's
setting `netkeep.journal` holds the running command's entry id, which `start` sets. Marks there
are each table's highest id as the command began, and `ends` its highest id as it finished: the
command holds the write lock, so the ids between are exactly the rows it inserted.

Each entry names the member who ran the command (the database role; `me` in a file), and `undo`
reverses the running member's latest command only, whatever colleagues did since: it deletes the
ids between that command's marks and ends, never a colleague's later rows. It refuses when a
colleague's later command changed, deleted or depends on a row the undo would change (a touchpoint
logged on a contact the command created): replaying the undo with the triggers recording what it
touches, it compares those rows with the colleagues' later entries, and rolls back on a match.
On a server, row-level security (m009) lets a member write only their own entries and steps, so
nobody else's text reaches their journal; `undo --skip` (`skip_last`) drops an entry that cannot
be undone, so undo never stays stuck.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from netkeep.dialect import JOURNAL_SETTING, POSTGRESQL, JsonList, UtcDateTime, current_member
from netkeep.errors import RuntimeFailure

HISTORY_DEPTH = 100
COMMANDS_TABLE = "undo_command"
STEPS_TABLE = "undo_step"
# Bookkeeping that undo must not reverse.
_NOT_JOURNALED = {COMMANDS_TABLE, STEPS_TABLE, "netkeep_migrations", "sqlite_sequence"}
_TRIGGER_PREFIX = "netkeep_journal_"
SUMMARY_KEY = "netkeep_journal"
_REFUSED = "42501"  # SQLSTATE: the server refused a member the change
# Trigger definitions sent as written: no parameters, so `%` and `:` in them mean nothing.
_VERBATIM = {"no_parameters": True}


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


def _server(conn: Connection) -> bool:
    return conn.dialect.name == POSTGRESQL


def _tables(conn: Connection) -> list[tuple[str, bool]]:
    """(name, has an AUTOINCREMENT counter) for every table a command may change."""
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [
        (name, "AUTOINCREMENT" in (sql or "").upper())
        for name, sql in rows
        if name not in _NOT_JOURNALED
    ]


def _counters(conn: Connection) -> dict[str, int]:
    return {
        name: seq
        for name, seq in conn.exec_driver_sql("SELECT name, seq FROM main.sqlite_sequence")
    }


def _server_tables(conn: Connection) -> list[str]:
    """The tables whose rows the server's journal triggers record."""
    rows = conn.exec_driver_sql(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        f"WHERE t.tgname = '{_TRIGGER_PREFIX}delete' AND pg_table_is_visible(c.oid) "
        "ORDER BY c.relname"
    )
    return [str(row[0]) for row in rows]


def _highest_ids(conn: Connection, tables: list[str]) -> dict[str, int]:
    if not tables:
        return {}
    sql = " UNION ALL ".join(
        f"SELECT {_literal(name)}, coalesce(max(id), 0) FROM {_ident(name)}" for name in tables
    )
    return {str(name): int(top) for name, top in conn.exec_driver_sql(sql)}


def start(conn: Connection, *, summary: str, recorded_at: datetime) -> Entry:
    """Open the journal entry of the command about to run on `conn` (inside its transaction)."""
    if _server(conn):
        marks = _highest_ids(conn, _server_tables(conn))
        tables: list[tuple[str, bool]] = []
    else:
        tables = _tables(conn)
        counters = _counters(conn)
        marks = {name: counters.get(name, 0) for name, counted in tables if counted}
    entry_id = int(
        conn.execute(
            text(
                f"INSERT INTO {COMMANDS_TABLE} (summary, recorded_at, marks) "
                "VALUES (:summary, :recorded_at, :marks) RETURNING id"
            ).bindparams(
                bindparam("recorded_at", type_=UtcDateTime), bindparam("marks", type_=JsonList)
            ),
            {
                "summary": summary,
                "recorded_at": recorded_at.astimezone(UTC).replace(tzinfo=None),
                "marks": marks,
            },
        ).scalar_one()
    )
    if _server(conn):
        conn.execute(
            text("SELECT set_config(:setting, :entry, true)"),
            {"setting": JOURNAL_SETTING, "entry": str(entry_id)},
        )
    for name, counted in tables:
        for trigger in _triggers(conn, name, entry_id, counted=counted):
            conn.exec_driver_sql(trigger, execution_options=_VERBATIM)
    return Entry(entry_id, summary, marks)


def _triggers(conn: Connection, table: str, entry_id: int, *, counted: bool) -> list[str]:
    """The temporary triggers that record, as data, how to reverse each change to `table`."""
    info = conn.exec_driver_sql(f"PRAGMA main.table_info({_ident(table)})").fetchall()
    columns = [row[1] for row in info]
    keys = [row for row in info if row[5]]
    # An INTEGER PRIMARY KEY is the rowid itself; other tables carry their rowid explicitly.
    rowid_alias = len(keys) == 1 and keys[0][2].upper() == "INTEGER"
    restored = columns if rowid_alias else ["rowid", *columns]
    quoted = _ident(table)

    def record(action: str, row: str, old: str) -> str:
        return (
            f"INSERT INTO {STEPS_TABLE} (command_id, action, table_name, row_id, old) "
            f"VALUES ({entry_id}, '{action}', {_literal(table)}, {row}.rowid, {old}); "
        )

    def old_values(names: list[str]) -> str:
        pairs = ", ".join(f"{_literal(name)}, OLD.{_ident(name)}" for name in names)
        return f"json_object({pairs})"

    changed = " OR ".join(f"OLD.{_ident(name)} IS NOT NEW.{_ident(name)}" for name in columns)
    name = _TRIGGER_PREFIX + table
    triggers = [
        f"CREATE TEMP TRIGGER {_ident(name + '_update')} AFTER UPDATE ON main.{quoted} "
        f"WHEN {changed} BEGIN {record('update', 'NEW', old_values(columns))}END",
        f"CREATE TEMP TRIGGER {_ident(name + '_delete')} AFTER DELETE ON main.{quoted} "
        f"BEGIN {record('insert', 'OLD', old_values(restored))}END",
    ]
    if not counted:
        triggers.append(
            f"CREATE TEMP TRIGGER {_ident(name + '_insert')} AFTER INSERT ON main.{quoted} "
            f"BEGIN {record('delete', 'NEW', 'NULL')}END"
        )
    return triggers


def describe(info: dict[str, Any], summary: str) -> None:
    """Say what the running command did, in words `undo` repeats (`log call with Sam Lee (#57)`)."""
    entry = info.get(SUMMARY_KEY)
    if entry is not None:
        entry.summary = summary


def finish(conn: Connection, entry: Entry) -> None:
    """Close the entry before the command commits: drop it when nothing changed, keep the last
    HISTORY_DEPTH entries."""
    if _server(conn):
        conn.execute(text("SELECT set_config(:setting, '', true)"), {"setting": JOURNAL_SETTING})
        ends = _highest_ids(conn, list(entry.marks))
        inserted = any(ends.get(name, 0) > mark for name, mark in entry.marks.items())
    else:
        temporary = conn.exec_driver_sql("SELECT name FROM temp.sqlite_master")
        for name in {row[0] for row in temporary}:
            if name.startswith(_TRIGGER_PREFIX):
                conn.exec_driver_sql(f"DROP TRIGGER temp.{_ident(name)}")
        ends = {name: _counters(conn).get(name, 0) for name in entry.marks}
        inserted = any(ends[name] > mark for name, mark in entry.marks.items())
    changed = conn.execute(
        text(f"SELECT 1 FROM {STEPS_TABLE} WHERE command_id = :entry LIMIT 1"),
        {"entry": entry.id},
    ).first()
    if not inserted and changed is None:
        conn.execute(text(f"DELETE FROM {COMMANDS_TABLE} WHERE id = :entry"), {"entry": entry.id})
        return
    conn.execute(
        text(
            f"UPDATE {COMMANDS_TABLE} SET summary = :summary, ends = :ends WHERE id = :entry"
        ).bindparams(bindparam("ends", type_=JsonList)),
        {"summary": entry.summary, "ends": ends, "entry": entry.id},
    )
    oldest_kept = conn.execute(
        text(f"SELECT id FROM {COMMANDS_TABLE} ORDER BY id DESC LIMIT 1 OFFSET :keep"),
        {"keep": HISTORY_DEPTH - 1},
    ).scalar()
    if oldest_kept is not None:
        for table, column in ((STEPS_TABLE, "command_id"), (COMMANDS_TABLE, "id")):
            conn.execute(
                text(f"DELETE FROM {table} WHERE {column} < :oldest"), {"oldest": oldest_kept}
            )


def _decoded(value: Any) -> dict[str, int]:
    return dict(json.loads(value) if isinstance(value, str) else value or {})


def undo_last(conn: Connection) -> str | None:
    """Reverse the running member's latest journaled command (inside the caller's transaction);
    its summary, or None when there is nothing to undo. Raises RuntimeFailure, changing nothing,
    when a colleague changed the same rows since."""
    member = current_member(conn.dialect.name)
    latest = conn.execute(
        text(
            f"SELECT id, summary, marks, ends, {member} FROM {COMMANDS_TABLE} "
            f"WHERE member = {member} ORDER BY id DESC LIMIT 1"
        )
    ).first()
    if latest is None:
        return None
    entry_id, summary, marks, ends, me = latest
    server = _server(conn)
    probe = _probe(conn, entry_id, me) if server else None
    # Rows come back in the reverse order they went: a child may return before its parent.
    if server:
        conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
    else:
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    try:
        _reverse(conn, entry_id, str(summary), _decoded(marks), _decoded(ends))
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != _REFUSED:
            raise
        # The server's rule that members change only their own touchpoints: a colleague's
        # touchpoint now hangs on a row this undo would delete.
        raise RuntimeFailure(
            f"cannot undo {summary}: {str(exc.orig).splitlines()[0]}; `netkeep undo --skip` "
            "keeps it and lets undo reach your earlier commands"
        ) from exc
    if probe is not None:
        _refuse_if_colleagues_changed(conn, entry_id, probe, me, str(summary))
    conn.execute(text(f"DELETE FROM {STEPS_TABLE} WHERE command_id = :entry"), {"entry": entry_id})
    conn.execute(text(f"DELETE FROM {COMMANDS_TABLE} WHERE id = :entry"), {"entry": entry_id})
    return str(summary)


def _reverse(
    conn: Connection, entry_id: int, summary: str, marks: dict[str, int], ends: dict[str, int]
) -> None:
    """Replay the entry's steps, then delete the rows it inserted (between marks and ends)."""
    known = _known_tables(conn)
    _replay(conn, entry_id, known, summary)
    key = "id" if _server(conn) else "rowid"
    for table, mark in marks.items():
        if table not in known:
            raise _unknown(summary, f"the table {table!r}")
        # The command's own ids only: a colleague's later rows lie above them.
        end = ends.get(table)
        bound = "" if end is None else f" AND {key} <= :end"
        conn.execute(
            text(f"DELETE FROM {_ident(table)} WHERE {key} > :mark{bound}"),
            {"mark": mark, "end": end},
        )


def _known_tables(conn: Connection) -> dict[str, list[str]]:
    """The tables undo may write, each with its columns, read from the live schema."""
    if _server(conn):
        rows = conn.execute(
            text(
                "SELECT c.relname, a.attname FROM pg_class c "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
                "WHERE c.relname IN :tables AND pg_table_is_visible(c.oid) ORDER BY a.attnum"
            ).bindparams(bindparam("tables", expanding=True)),
            {"tables": _server_tables(conn) or [""]},
        )
        known: dict[str, list[str]] = {}
        for table, column in rows:
            known.setdefault(str(table), []).append(str(column))
        return known
    return {
        name: [
            "rowid",
            *(row[1] for row in conn.exec_driver_sql(f"PRAGMA main.table_info({_ident(name)})")),
        ]
        for name, _ in _tables(conn)
    }


def _unknown(summary: str, what: str) -> RuntimeFailure:
    return RuntimeFailure(
        f"cannot undo {summary}: its journal entry names {what}, which this database does not "
        "have; nothing was changed (`netkeep undo --skip` drops the entry)"
    )


def _replay(conn: Connection, entry_id: int, known: dict[str, list[str]], summary: str) -> None:
    """Put back what entry `entry_id` recorded, newest step first, through netkeep's own fixed
    statements: the journal holds a table name, a row id and old values, and only names found in
    the live schema reach the SQL (quoted), every value as a bound parameter."""
    server = _server(conn)
    key = "id" if server else "rowid"
    steps = conn.execute(
        text(
            f"SELECT action, table_name, row_id, old FROM {STEPS_TABLE} "
            "WHERE command_id = :entry ORDER BY id DESC"
        ),
        {"entry": entry_id},
    ).all()
    for action, table, row_id, old in steps:
        if table not in known:
            raise _unknown(summary, f"the table {table!r}")
        values: dict[str, Any] = dict(json.loads(old) if isinstance(old, str) else old or {})
        names = [name for name in known[table] if name in values]
        if len(names) != len(values) or not values and action != "delete":
            strays = sorted(set(values) - set(names)) or ["no column"]
            raise _unknown(summary, f"the column {strays[0]!r} of {table}")
        quoted, columns = _ident(table), ", ".join(map(_ident, names))
        params: dict[str, Any] = {"row": int(row_id)}
        if action == "delete":
            statement = f"DELETE FROM {quoted} WHERE {key} = :row"
        elif server:
            params["old"] = json.dumps(values)
            source = f"SELECT {columns} FROM jsonb_populate_record(CAST(NULL AS {quoted}), "
            source += "CAST(:old AS jsonb))"
            statement = (
                f"INSERT INTO {quoted} ({columns}) {source}"
                if action == "insert"
                else f"UPDATE {quoted} SET ({columns}) = ({source}) WHERE id = :row"
            )
        else:
            params.update({f"v{i}": values[name] for i, name in enumerate(names)})
            binds = [f":v{i}" for i in range(len(names))]
            statement = (
                f"INSERT INTO {quoted} ({columns}) VALUES ({', '.join(binds)})"
                if action == "insert"
                else f"UPDATE {quoted} SET "
                + ", ".join(f"{_ident(n)} = {b}" for n, b in zip(names, binds, strict=True))
                + " WHERE rowid = :row"
            )
        conn.execute(text(statement), params)


def _probe(conn: Connection, entry_id: int, member: str) -> int | None:
    """When colleagues ran commands after `entry_id`, an entry that records what the undo about
    to run touches (the triggers record it as for any command); None when nobody did."""
    later = conn.execute(
        text(f"SELECT 1 FROM {COMMANDS_TABLE} WHERE id > :entry AND member <> :me LIMIT 1"),
        {"entry": entry_id, "me": member},
    ).first()
    if later is None:
        return None
    probe = int(
        conn.execute(
            text(
                f"INSERT INTO {COMMANDS_TABLE} (summary, recorded_at) "
                "VALUES ('undo (checking)', now()) RETURNING id"
            )
        ).scalar_one()
    )
    conn.execute(
        text("SELECT set_config(:setting, :entry, true)"),
        {"setting": JOURNAL_SETTING, "entry": str(probe)},
    )
    return probe


def _refuse_if_colleagues_changed(
    conn: Connection, entry_id: int, probe: int, member: str, summary: str
) -> None:
    """Raise when a row the undo touched was changed or inserted by a colleague's later command;
    otherwise drop the probe entry."""
    conn.execute(text("SELECT set_config(:setting, '', true)"), {"setting": JOURNAL_SETTING})
    clash = conn.execute(
        text(
            f"""
            SELECT later.member FROM {STEPS_TABLE} touched
            JOIN {COMMANDS_TABLE} later ON later.id > :entry AND later.id <> :probe
                 AND later.member <> :me
            WHERE touched.command_id = :probe AND (
                EXISTS (SELECT 1 FROM {STEPS_TABLE} theirs
                        WHERE theirs.command_id = later.id
                          AND theirs.table_name = touched.table_name
                          AND theirs.row_id = touched.row_id)
                OR touched.row_id BETWEEN
                    COALESCE((later.marks ->> touched.table_name)::bigint, 0) + 1
                    AND COALESCE((later.ends ->> touched.table_name)::bigint, 0))
            ORDER BY later.id LIMIT 1
            """
        ),
        {"entry": entry_id, "probe": probe, "me": member},
    ).scalar()
    if clash is not None:
        raise RuntimeFailure(
            f"cannot undo {summary}: {clash} has since changed what it recorded "
            "(undo reverses your own commands only, and never a colleague's changes); "
            "`netkeep undo --skip` keeps it and lets undo reach your earlier commands"
        )
    conn.execute(text(f"DELETE FROM {STEPS_TABLE} WHERE command_id = :probe"), {"probe": probe})
    conn.execute(text(f"DELETE FROM {COMMANDS_TABLE} WHERE id = :probe"), {"probe": probe})


def history(conn: Connection) -> list[tuple[int, str, Any]]:
    """(id, summary, recorded_at) of the running member's commands undo can reverse, newest
    first."""
    member = current_member(conn.dialect.name)
    rows = conn.execute(
        text(
            f"SELECT id, summary, recorded_at FROM {COMMANDS_TABLE} "
            f"WHERE member = {member} ORDER BY id DESC"
        )
    )
    return [(int(row[0]), str(row[1]), row[2]) for row in rows]


def skip_last(conn: Connection) -> str | None:
    """Drop the running member's latest entry without reversing it, so that the next `undo`
    reaches the one before; its summary, or None when there is none."""
    own = history(conn)
    if not own:
        return None
    entry_id, summary, _ = own[0]
    conn.execute(text(f"DELETE FROM {STEPS_TABLE} WHERE command_id = :entry"), {"entry": entry_id})
    conn.execute(text(f"DELETE FROM {COMMANDS_TABLE} WHERE id = :entry"), {"entry": entry_id})
    return summary

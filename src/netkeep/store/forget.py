"""Forgetting a person: their contact, touchpoints, asks and gives, and every copy of them that
netkeep keeps, erased for good in one transaction (`netkeep forget`).

The copies: the undo journal (steps that would put their rows back, steps whose old values
mention their name, and the summaries that name them, in every member's entries), and shell
completion's cache of names (on a server the command rewrites it as every command does; in a file
completion reads the database itself). The erasure is not journaled: `undo` cannot bring them back.

In a SQLite file, deleted rows leave their bytes in free pages and in the write-ahead log until
those are reused: `secure_delete` zeroes what this transaction frees, then `VACUUM` rewrites the
file without any free space (older free pages included, left by earlier edits and deletes) and a
truncating checkpoint empties the write-ahead log, so the file no longer holds the name. On a
server, `netkeep_forget` (m009) does the same as the tables' owner, for any member; the server
keeps dead row versions until its vacuum reclaims them.

What netkeep cannot reach: the copies it made before a schema upgrade (`*.bak` beside the file,
listed), files written by `export` and `backup`, copies of the database made by other programs,
and on a server its dumps and other members' caches until their next command.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from netkeep.dialect import POSTGRESQL, SECURE_DELETE_SQL, sqlite_file_scrub

# What a journal entry that concerned them says instead of its summary.
FORGOTTEN = "a command about a forgotten contact"
# Their steps: their own rows, rows that pointed at them, and any old values naming them.
_STEPS = (
    "(table_name = 'contact' AND row_id = :id) "
    "OR (table_name <> 'contact' AND json_extract(old, '$.contact_id') = :id) "
    "OR instr(lower(old), lower(:name)) > 0"
)
_INSERTED = " OR ".join(
    f"EXISTS (SELECT 1 FROM {table} r WHERE r.{key} = :id "
    f"AND r.id > coalesce(json_extract(marks, '$.{table}'), r.id) "
    f"AND r.id <= coalesce(json_extract(ends, '$.{table}'), 0))"
    for table, key in (
        ("contact", "id"),
        ("touchpoint", "contact_id"),
        ("ask", "contact_id"),
        ("give", "contact_id"),
    )
)
# Entries whose summary names them, that inserted their rows, or whose steps go.
_SUMMARIES_SQL = (
    f"UPDATE undo_command SET summary = '{FORGOTTEN}' WHERE instr(lower(summary), lower(:name)) > 0 "
    f"OR {_INSERTED} OR id IN (SELECT command_id FROM undo_step WHERE {_STEPS})"
)


@dataclass(frozen=True)
class Erased:
    """What `forget` erased."""

    name: str
    touchpoints: int
    asks: int
    gives: int


def counts(session: Session, contact_id: int) -> Erased:
    """The contact's name and how many rows go with them (shown before asking)."""
    row = session.execute(
        text(
            "SELECT name, "
            "(SELECT count(*) FROM touchpoint WHERE contact_id = :id), "
            "(SELECT count(*) FROM ask WHERE contact_id = :id), "
            "(SELECT count(*) FROM give WHERE contact_id = :id) "
            "FROM contact WHERE id = :id"
        ),
        {"id": contact_id},
    ).one()
    return Erased(str(row[0]), int(row[1]), int(row[2]), int(row[3]))


def erase(session: Session, contact_id: int) -> Erased:
    """Delete the contact with everything of theirs, journal copies included, inside the
    command's transaction (not journaled)."""
    found = counts(session, contact_id)
    session.flush()
    conn = session.connection()
    if conn.dialect.name == POSTGRESQL:
        conn.execute(text("SELECT netkeep_forget(:id)"), {"id": contact_id})
    else:
        conn.exec_driver_sql(SECURE_DELETE_SQL)
        conn.execute(text(_SUMMARIES_SQL), {"id": contact_id, "name": found.name})
        conn.execute(
            text(f"DELETE FROM undo_step WHERE {_STEPS}"),
            {"id": contact_id, "name": found.name},
        )
        conn.execute(text("DELETE FROM contact WHERE id = :id"), {"id": contact_id})
    session.expire_all()
    return found


def scrub_file(path: Path, *, busy_seconds: float) -> None:
    """After the erasure committed: rewrite the SQLite file without free space and empty its
    write-ahead log, so no byte of the erased rows is left in either."""
    sqlite_file_scrub(path, busy_seconds=busy_seconds)


def unreachable_copies(path: Path | None) -> list[str]:
    """Where copies may remain that netkeep cannot erase, for the command to say."""
    if path is None:
        return [
            "the server's backups (pg_dump) and its dead row versions until it vacuums",
            "files written by `netkeep export` and `netkeep backup`",
            "other members' completion caches, until their next netkeep command",
        ]
    upgrades = sorted(str(bak) for bak in path.parent.glob(f"{path.name}.*.bak"))
    return [
        *(f"{bak} (copied before a schema upgrade)" for bak in upgrades),
        "files written by `netkeep export` and `netkeep backup`",
        "copies of the database file made by other programs (backups, sync folders)",
    ]

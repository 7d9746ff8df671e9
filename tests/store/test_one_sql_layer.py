"""Store code reaches the database one way (SQLAlchemy, named binds); whatever differs between
SQLite and PostgreSQL is chosen in netkeep/dialect.py, where a reader audits it in one place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "netkeep"
# The engine, its migrations and the undo journal set up connections and write DDL (their own
# engine-specific parts); completion reads the SQLite file directly to stay fast on every Tab.
NOT_STORE_CODE = {
    "dialect.py",
    "db.py",
    "db_path.py",
    "migrations.py",
    "journal.py",
    "completion.py",
}

# A line may reach below SQLAlchemy when it says why (the bulk read's cursor, the undo journal).
ALLOWED = "# below SQLAlchemy:"
ENGINE_SPECIFIC = {
    "raw sqlite3": re.compile(r"\bsqlite3\b"),
    "the DBAPI connection": re.compile(r"dbapi_connection|_dbapi\("),
    "JSON functions": re.compile(r"json_each|jsonb_array_elements"),
    "date functions": re.compile(r"julianday|EXTRACT\s*\(\s*EPOCH", re.IGNORECASE),
    "collations": re.compile(r"COLLATE"),
    "pragmas": re.compile(r"PRAGMA|sqlite_master|sqlite_sequence"),
    "OR IGNORE / ON CONFLICT": re.compile(r"OR IGNORE|ON CONFLICT"),
    "positional binds": re.compile(r"""["'][^"'\n]*(?:=|\bIN|\bVALUES|\bLIMIT|\bOFFSET)\s+\(?\?"""),
    "text as the earliest time": re.compile(r"COALESCE\([^)]*,\s*''\)"),
}


def store_code() -> list[Path]:
    return sorted(
        path for path in SOURCE.rglob("*.py") if path.relative_to(SOURCE).name not in NOT_STORE_CODE
    )


@pytest.mark.parametrize("kind", sorted(ENGINE_SPECIFIC))
def test_engine_specific_sql_lives_in_dialect(kind):
    pattern = ENGINE_SPECIFIC[kind]
    found = [
        f"{path.relative_to(SOURCE)}:{number}: {line.strip()}"
        for path in store_code()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and ALLOWED not in line
    ]
    assert found == [], f"{kind} outside netkeep/dialect.py"


def test_the_patterns_find_what_they_look_for():
    dialect = (SOURCE / "dialect.py").read_text(encoding="utf-8")
    for kind in ("JSON functions", "date functions", "collations", "pragmas"):
        assert ENGINE_SPECIFIC[kind].search(dialect), kind
    old_style = '"SELECT id FROM ask WHERE contact_id = ? AND asked_by = ?"'
    assert ENGINE_SPECIFIC["positional binds"].search(old_style)
    assert ENGINE_SPECIFIC["text as the earliest time"].search("COALESCE(r.occurred_at, '')")

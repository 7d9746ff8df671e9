"""Numbers the database computes for netkeep come out the same, to the last bit, on both engines:
scores are built from them, and a team moving to PostgreSQL must see the scores it saw."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy

from netkeep import dialect


def tricky_times() -> list[datetime]:
    """Times on and beside every rounding edge of SQLite's milliseconds, before and after 1970,
    and a spread of ordinary ones."""
    edges = [
        datetime(2026, 3, 4, 15, 30, 59, 999_500),
        datetime(2026, 3, 4, 15, 30, 59, 999_499),
        datetime(2026, 3, 4, 15, 30, 59, 999_999),
        datetime(2026, 3, 4, 15, 30, 0, 500),
        datetime(2026, 3, 4, 15, 30, 0, 499),
        datetime(2026, 3, 4, 15, 30, 0, 0),
        datetime(1969, 12, 31, 23, 59, 59, 999_999),
        datetime(1901, 5, 6, 7, 8, 9, 123_456),
        datetime(2099, 12, 31, 23, 59, 59, 999_750),
        datetime(2024, 2, 29, 12, 0, 30, 250_500),
    ]
    rng = random.Random(7)
    start = datetime(2015, 1, 1)
    spread = [start + timedelta(seconds=rng.uniform(0, 4e8)) for _ in range(300)]
    return [moment.replace(tzinfo=UTC) for moment in edges + spread]


def sqlite_reference(moments: list[datetime]) -> list[float]:
    """SQLite's own arithmetic on netkeep's stored form (naive UTC text)."""
    connection = sqlite3.connect(":memory:")
    try:
        return [
            connection.execute(
                "SELECT (julianday(?) - 2440587.5) * 86400.0",
                (dialect.time_param(dialect.SQLITE, moment),),
            ).fetchone()[0]
            for moment in moments
        ]
    finally:
        connection.close()


def test_epoch_seconds_are_sqlites_to_the_last_bit(engine, database, db_path):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    moments = tricky_times()
    expression = dialect.epoch_seconds(engine, ":moment")
    with database.engine.begin() as connection:
        if engine == dialect.POSTGRESQL:
            connection.exec_driver_sql("SET LOCAL TimeZone = 'UTC'")  # as netkeep's connections
        found = [
            connection.execute(
                sqlalchemy.text(f"SELECT {expression}"),
                {"moment": dialect.time_param(engine, moment)},
            ).scalar_one()
            for moment in moments
        ]
    expected = sqlite_reference(moments)
    assert [value.hex() for value in found] == [value.hex() for value in expected]


def test_a_snapshot_id_is_checked_before_it_reaches_sql():
    # SET TRANSACTION SNAPSHOT takes no bind parameters: only pg_export_snapshot's ids pass.
    assert dialect.import_snapshot_sql("00000003-0000001B-1") == (
        "SET TRANSACTION SNAPSHOT '00000003-0000001B-1'"
    )
    for bad in ("", "1", "00000003-0000001B-1'; DROP TABLE contact; --", "x-y"):
        with pytest.raises(ValueError):
            dialect.import_snapshot_sql(bad)

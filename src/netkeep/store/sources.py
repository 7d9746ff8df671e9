"""Reads and writes of registered sources and of what each sync read from them (`source`,
`source_item`). What a sync does with a folder is netkeep.sync's; these are its rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from netkeep.dates import from_db
from netkeep.errors import BadInput
from netkeep.store import _sql

SOURCE_KEYS = ["name", "path", "format", "last_sync", "items", "created_at"]


def add_source(session: Session, *, name: str, path: str, fmt: str, now: datetime) -> None:
    if get_source(session, name) is not None:
        raise BadInput(f"a source named {name!r} exists already (netkeep source list)")
    _sql.run(
        session,
        "INSERT INTO source (name, path, format, created_at) VALUES (:name, :path, :fmt, :now)",
        {"name": name, "path": path, "fmt": fmt, "now": now},
    )


def get_source(session: Session, name: str) -> dict[str, Any] | None:
    row = _sql.run(
        session,
        "SELECT id, name, path, format, last_sync, created_at FROM source WHERE name = :name",
        {"name": name},
    ).first()
    if row is None:
        return None
    data = dict(row._mapping)
    data["last_sync"] = from_db(data["last_sync"])
    data["created_at"] = from_db(data["created_at"])
    return data


def list_sources(session: Session) -> list[dict[str, Any]]:
    """Every source by name, with how many items its syncs have read."""
    sql = (
        "SELECT s.id, s.name, s.path, s.format, s.last_sync, s.created_at, "
        "(SELECT count(*) FROM source_item i WHERE i.source_id = s.id) FROM source s ORDER BY s.name"
    )
    keys = ("id", "name", "path", "format", "last_sync", "created_at", "items")
    rows = [dict(zip(keys, row, strict=True)) for row in _sql.fetch(session, sql)]
    for row in rows:
        row["last_sync"] = from_db(row["last_sync"])
        row["created_at"] = from_db(row["created_at"])
    return rows


def remove_source(session: Session, *, name: str) -> int:
    """Forget a source (what it brought stays); how many items it had read."""
    source = get_source(session, name)
    if source is None:
        raise BadInput(f"no source named {name!r} (netkeep source list)")
    items = int(
        _sql.run(
            session,
            "SELECT count(*) FROM source_item WHERE source_id = :sid",
            {"sid": source["id"]},
        ).scalar_one()
    )
    _sql.run(session, "DELETE FROM source_item WHERE source_id = :sid", {"sid": source["id"]})
    _sql.run(session, "DELETE FROM source WHERE id = :sid", {"sid": source["id"]})
    return items


def synced(session: Session, *, source_id: int, now: datetime) -> None:
    _sql.run(
        session,
        "UPDATE source SET last_sync = :now WHERE id = :sid",
        {"now": now, "sid": source_id},
    )


# --- items ---------------------------------------------------------------------------------


def item_keys(session: Session, *, source_id: int) -> set[str]:
    """The items already read from a source (a Maildir's message names)."""
    sql = "SELECT item FROM source_item WHERE source_id = :sid"
    return {str(row[0]) for row in _sql.fetch(session, sql, {"sid": source_id})}


def items(session: Session, *, source_id: int) -> dict[str, dict[str, Any]]:
    """item -> {path, stamp, contact_id} for a source of files or cards."""
    sql = "SELECT item, path, stamp, contact_id FROM source_item WHERE source_id = :sid"
    return {
        str(item): {"path": path, "stamp": stamp, "contact_id": contact_id}
        for item, path, stamp, contact_id in _sql.fetch(session, sql, {"sid": source_id})
    }


def add_items(
    session: Session, *, source_id: int, rows: Iterable[tuple[str, str | None, str | None]]
) -> None:
    """Record items read: (item, path, stamp) each, in one executemany per chunk."""
    chunk: list[dict[str, Any]] = []
    sql = (
        "INSERT INTO source_item (source_id, item, path, stamp) VALUES (:sid, :item, :path, :stamp)"
    )
    for item, path, stamp in rows:
        chunk.append({"sid": source_id, "item": item, "path": path, "stamp": stamp})
        if len(chunk) >= 10_000:
            _sql_many(session, sql, chunk)
            chunk = []
    if chunk:
        _sql_many(session, sql, chunk)


def _sql_many(session: Session, sql: str, rows: list[dict[str, Any]]) -> None:
    from sqlalchemy import text

    session.connection().execute(text(sql), rows)


def set_item(
    session: Session,
    *,
    source_id: int,
    item: str,
    path: str | None,
    stamp: str | None,
    contact_id: int | None,
) -> None:
    """Insert or update one item (a card with its contact)."""
    params = {
        "sid": source_id,
        "item": item,
        "path": path,
        "stamp": stamp,
        "cid": contact_id,
    }
    updated = _sql.run(
        session,
        "UPDATE source_item SET path = :path, stamp = :stamp, contact_id = :cid "
        "WHERE source_id = :sid AND item = :item",
        params,
    ).rowcount
    if not updated:
        _sql.run(
            session,
            "INSERT INTO source_item (source_id, item, path, stamp, contact_id) "
            "VALUES (:sid, :item, :path, :stamp, :cid)",
            params,
        )


def drop_items(session: Session, *, source_id: int, names: Iterable[str]) -> None:
    names = list(names)
    if names:
        _sql.run(
            session,
            "DELETE FROM source_item WHERE source_id = :sid AND item IN :names",
            {"sid": source_id, "names": names},
        )


def contact_matching(session: Session, *, emails: Iterable[str], name: str) -> int | None:
    """The contact an imported card became: by email (any case), else by exact name (any case),
    as the import's merge matched it."""
    from netkeep import dialect

    engine = _sql.engine_name(session)
    for email in emails:
        elements = dialect.json_elements(engine, "c.emails", "e")
        found = _sql.run(
            session,
            f"SELECT c.id FROM contact c WHERE EXISTS (SELECT 1 FROM {elements} "
            "WHERE lower(e.value) = lower(:email)) ORDER BY c.id LIMIT 1",
            {"email": email},
        ).first()
        if found is not None:
            return int(found[0])
    found = _sql.run(
        session,
        "SELECT id FROM contact WHERE lower(name) = lower(:name) ORDER BY id LIMIT 1",
        {"name": name},
    ).first()
    return None if found is None else int(found[0])

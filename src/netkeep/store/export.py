"""Export: every contact, touchpoint, ask and give streamed in id order, as dicts keyed as the JSON
export (docs/import-export.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import Session

from netkeep.dates import from_db
from netkeep.store import _sql
from netkeep.store.agenda import OPEN_FOLLOW_UP_SQL
from netkeep.store.contacts import decoded
from netkeep.vocab import CONTACT_FIELDS


def export_counts(session: Session) -> dict[str, int]:
    return {
        table + "s": _sql.run(session, f"SELECT count(*) FROM {table}").scalar_one()
        for table in ("contact", "touchpoint", "ask", "give")
    }


def _streamed(session: Session, sql: str) -> Iterator[tuple[Any, ...]]:
    return _sql.fetch(session, sql)


def export_contacts(session: Session) -> Iterator[dict[str, Any]]:
    """Every contact, archived too, by id: contact dicts (docs/reference.md) without `last_touch`,
    with what is due: the open `follow_up` ({date, note} or null) and `snoozed_until`."""
    columns = ", ".join(f"c.{field}" for field in CONTACT_FIELDS)
    sql = (
        f"SELECT {columns}, {OPEN_FOLLOW_UP_SQL}, c.follow_up_note, c.snoozed_until "
        "FROM contact c ORDER BY c.id"
    )
    width = len(CONTACT_FIELDS)
    for values in _streamed(session, sql):
        row = decoded(dict(zip(CONTACT_FIELDS, values[:width], strict=True)))
        row["created_at"] = from_db(row["created_at"])
        follow_up_on, follow_up_note, snoozed_until = values[width:]
        row["follow_up"] = (
            None if follow_up_on is None else {"date": follow_up_on, "note": follow_up_note}
        )
        row["snoozed_until"] = snoozed_until
        yield row


# The initiator's side of a touchpoint `t`, in SQL.
_INITIATOR_SQL = "CASE t.direction WHEN 'out' THEN 'me' ELSE 'them' END"


def export_touchpoints(session: Session) -> Iterator[dict[str, Any]]:
    """Every touchpoint by id: touchpoint dicts (docs/reference.md) without `answered`; `ask` and `give` are the
    initiator's (the asks and gives lists hold everyone's)."""
    sql = (
        "SELECT t.id, t.contact_id, t.occurred_at, t.channel, t.direction, t.two_way, t.note, "
        "(SELECT a.what FROM ask a WHERE a.touchpoint_id = t.id "
        f"AND a.asked_by = {_INITIATOR_SQL} ORDER BY a.id LIMIT 1), "
        "(SELECT g.what FROM give g WHERE g.touchpoint_id = t.id "
        f"AND g.given_by = {_INITIATOR_SQL} ORDER BY g.id LIMIT 1), t.no_reply, "
        "t.source, t.source_key, t.logged_by FROM touchpoint t ORDER BY t.id"
    )
    for row in _streamed(session, sql):
        (
            tid,
            cid,
            occurred_at,
            channel,
            direction,
            two_way,
            note,
            ask,
            give,
            no_reply,
            source,
            key,
            logged_by,
        ) = row
        yield {
            "id": tid,
            "contact_id": cid,
            "occurred_at": from_db(occurred_at),
            "channel": channel,
            "direction": direction,
            "two_way": bool(two_way),
            "note": note,
            "ask": ask,
            "give": give,
            "source": source,
            "source_key": key,
            "no_reply": bool(no_reply),
            "logged_by": logged_by,
        }


def export_asks(session: Session) -> Iterator[dict[str, Any]]:
    """Every ask by id: ask dicts (docs/reference.md) with `touchpoint_id`, without `days_open`."""
    sql = (
        "SELECT a.id, a.contact_id, a.touchpoint_id, c.name, a.asked_by, a.what, a.status, "
        "a.opened_at, a.resolved_at FROM ask a JOIN contact c ON c.id = a.contact_id ORDER BY a.id"
    )
    for aid, cid, tid, name, by, what, status, opened_at, resolved_at in _streamed(session, sql):
        yield {
            "id": aid,
            "contact_id": cid,
            "touchpoint_id": tid,
            "name": name,
            "by": by,
            "what": what,
            "status": status,
            "opened_at": from_db(opened_at),
            "resolved_at": from_db(resolved_at),
        }


def export_gives(session: Session) -> Iterator[dict[str, Any]]:
    """Every give by id (GIVE_KEYS)."""
    sql = (
        "SELECT g.id, g.contact_id, g.touchpoint_id, g.given_by, g.what, g.given_at, g.fulfils "
        "FROM give g ORDER BY g.id"
    )
    for gid, cid, tid, by, what, given_at, fulfils in _streamed(session, sql):
        yield {
            "id": gid,
            "contact_id": cid,
            "touchpoint_id": tid,
            "by": by,
            "what": what,
            "given_at": from_db(given_at),
            "fulfils": fulfils,
        }

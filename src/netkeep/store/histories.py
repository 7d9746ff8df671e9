"""What scoring reads: every contact's touchpoints, asks and gives as scoring's records, in one
streamed read."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection
from sqlmodel import Session

from netkeep import dialect
from netkeep.dates import from_db

if TYPE_CHECKING:
    from netkeep.scoring import AskRecord, GiveRecord, TouchpointRecord
from netkeep.store import _sql


def touchpoint_records(touchpoints: Iterable[dict[str, Any]]) -> list[TouchpointRecord]:
    """Scoring's records of `touchpoints_of` rows. The ledger's asks and gives go to scoring as
    records of their own, never on the touchpoint, so that nothing counts twice."""
    from netkeep.scoring import TouchpointRecord

    return [
        TouchpointRecord(
            id=t["id"],
            occurred_at=t["occurred_at"],
            direction=t["direction"],
            two_way=t["two_way"],
            channel=t["channel"],
            no_reply=t["no_reply"],
        )
        for t in touchpoints
    ]


def ledger_records(
    asks: Iterable[dict[str, Any]], gives: Iterable[dict[str, Any]]
) -> tuple[list[AskRecord], list[GiveRecord]]:
    """Scoring's records of `ask_rows` and `give_rows` rows, as `score` builds from its bulk read."""
    from netkeep.scoring import AskRecord, GiveRecord

    ask_records = [
        AskRecord(
            id=a["id"],
            by=a["by"],
            what=a["what"],
            status=a["status"],
            opened_at=a["opened_at"],
            resolved_at=a["resolved_at"],
            touchpoint_id=a["touchpoint_id"],
        )
        for a in asks
    ]
    give_records = [
        GiveRecord(
            id=g["id"],
            by=g["by"],
            what=g["what"],
            given_at=g["given_at"],
            touchpoint_id=g["touchpoint_id"],
            fulfils=g["fulfils"],
        )
        for g in gives
    ]
    return ask_records, give_records


def histories(
    raw: Any,
    *,
    contact_id: int | None = None,
    id_range: tuple[int, int] | None = None,
    as_of: datetime | None = None,
    member: str | None = None,
    scoring_origin: int | None = None,
) -> Iterable[tuple[int, str, list[Any], list[Any], list[Any]]]:
    """(contact id, name, touchpoints, AskRecords, GiveRecords) per contact, streamed from a
    connection: one contact (archived or not), or the active contacts (with ids in
    `id_range`), as they stood at `as_of` (None: everything).

    Touchpoints are `(id, epoch seconds, direction, two_way, channel, None, None, no_reply)`
    tuples, the plain-row form scoring accepts, read through the covering index without ORM
    objects; with `scoring_origin` (epoch milliseconds: `Timebase(now).origin`), the packed form
    `scoring.score_history(..., from_now=True)` takes (three numbers a touchpoint), one indexed
    query per contact (no tuple is rebuilt in Python), each time in seconds from that instant
    counted in whole milliseconds: what `Timebase.rows` makes of epoch seconds, computed by the
    database instead. The gives are all in the GiveRecords and the asks in the AskRecords (a
    touchpoint's `give` and `ask` are left empty, so nothing counts twice).

    With `member`, one member's history: the contacts they logged a touchpoint with, only the
    touchpoints they logged, and the asks and gives recorded on those.
    """
    from netkeep.scoring import AskRecord, GiveRecord

    params: dict[str, Any] = _sql.as_of_params(as_of)
    if contact_id is not None:
        where = "c.id = :cid"
        params["cid"] = contact_id
    else:
        low, high = id_range or (0, 2**63 - 1)
        where = "NOT c.archived AND c.id BETWEEN :low AND :high"
        params.update(low=low, high=high)
    if as_of is not None:
        where += f" AND {_sql.EXISTED_SQL}"
    # What one member logged: touchpoints (`t`), and asks and gives on them.
    logged_sql = "EXISTS (SELECT 1 FROM touchpoint m WHERE m.id = {} AND m.logged_by = :member)"
    touch_only = ask_only = give_only = ""
    if member is not None:
        params["member"] = member
        where += (
            " AND EXISTS (SELECT 1 FROM touchpoint m WHERE m.contact_id = c.id "
            "AND m.logged_by = :member)"
        )
        touch_only = " AND t.logged_by = :member"
        ask_only = " AND " + logged_sql.format("a.touchpoint_id")
        give_only = " AND " + logged_sql.format("g.touchpoint_id")
    contacts = list(
        _sql.fetch(raw, f"SELECT c.id, c.name FROM contact c WHERE {where} ORDER BY c.id", params)
    )
    asks: dict[int, list[Any]] = {}
    status, resolved = _sql.ask_status_sql(as_of)
    ask_sql = (
        f"SELECT a.contact_id, a.id, a.asked_by, a.what, {status}, a.opened_at, {resolved}, "
        f"a.touchpoint_id FROM ask a JOIN contact c ON c.id = a.contact_id WHERE {where}"
        f"{ask_only}{_sql.until('a.opened_at', as_of)} ORDER BY a.opened_at, a.id"
    )
    for cid, ask_id, by, what, ask_status, opened_at, resolved_at, tp_id in _sql.fetch(
        raw, ask_sql, params
    ):
        asks.setdefault(cid, []).append(
            AskRecord(ask_id, by, what, ask_status, from_db(opened_at), from_db(resolved_at), tp_id)
        )
    gives: dict[int, list[Any]] = {}
    give_sql = (
        "SELECT g.contact_id, g.id, g.given_by, g.what, g.given_at, g.touchpoint_id, g.fulfils "
        f"FROM give g JOIN contact c ON c.id = g.contact_id WHERE {where}"
        f"{give_only}{_sql.until('g.given_at', as_of)} ORDER BY g.given_at, g.id"
    )
    for cid, give_id, by, what, given_at, tp_id, fulfils in _sql.fetch(raw, give_sql, params):
        gives.setdefault(cid, []).append(
            GiveRecord(give_id, by, what, from_db(given_at), tp_id, fulfils)
        )
    # Epoch seconds computed by the database: scoring needs no datetime object per touchpoint.
    epoch = dialect.epoch_seconds(raw.dialect.name, "t.occurred_at")
    if scoring_origin is not None:
        until = touch_only + _sql.until("t.occurred_at", as_of)
        # Whole milliseconds, as Timebase rounds them; the difference is exact in a double.
        from_origin = f"({epoch_ms(raw.dialect.name)} - :origin_ms) / 1000.0"
        params["origin_ms"] = scoring_origin
        yield from _scoring_histories(raw, contacts, asks, gives, where, params, from_origin, until)
        return
    rows = _sql.fetch(
        raw,
        f"SELECT t.contact_id, t.id, {epoch}, t.direction, t.two_way, t.channel, NULL, NULL, "
        f"t.no_reply FROM touchpoint t JOIN contact c ON c.id = t.contact_id WHERE {where}"
        f"{touch_only}{_sql.until('t.occurred_at', as_of)} ORDER BY t.contact_id, t.occurred_at",
        params,
    )
    for cid, name, touchpoints in _per_contact(contacts, rows):
        yield cid, name, touchpoints, asks.get(cid, []), gives.get(cid, [])


def _per_contact(
    contacts: Iterable[tuple[Any, ...]], rows: Iterable[tuple[Any, ...]]
) -> Iterator[tuple[int, str, list[Any]]]:
    """Each contact with its rows (less the leading contact id), from two streams in contact id
    order: walked together, one contact in memory at a time."""
    groups = itertools.groupby(rows, key=operator.itemgetter(0))
    group = next(groups, None)
    for cid, name in contacts:
        touchpoints: list[Any] = []
        if group is not None and group[0] == cid:
            touchpoints = [row[1:] for row in group[1]]
            group = next(groups, None)
        yield cid, name, touchpoints


def _scoring_histories(
    raw: Connection,
    contacts: list[tuple[Any, ...]],
    asks: dict[int, list[Any]],
    gives: dict[int, list[Any]],
    where: str,
    params: dict[str, Any],
    epoch: str,
    until: str,
) -> Iterator[tuple[int, str, list[Any], list[Any], list[Any]]]:
    """`histories` in the packed form `scoring.score_history` takes: `(epoch, id, flags)` a
    touchpoint, the flags packing direction, two-way, no-reply and the channel's code; `until`
    narrows the touchpoints (`t`) further."""
    flags = packed_flags()
    if raw.dialect.name == dialect.SQLITE:
        # In-process SQLite answers one indexed query per contact faster than Python regroups
        # one big result: the rows arrive in the form scoring reads, nothing is rebuilt.
        touch_sql = contact_touch_sql(epoch, until)
        for cid, name in contacts:
            packed = list(_sql.fetch(raw, touch_sql, {**params, "cid": cid}, stream=False))
            yield cid, name, packed, asks.get(cid, []), gives.get(cid, [])
        return
    # A server pays a round trip per query: one streamed query, regrouped by contact.
    rows = _sql.fetch(
        raw,
        f"SELECT t.contact_id, {epoch}, t.id, {flags} FROM touchpoint t "
        f"JOIN contact c ON c.id = t.contact_id WHERE {where}{until} "
        "ORDER BY t.contact_id, t.occurred_at",
        params,
    )
    for cid, name, touches in _per_contact(contacts, rows):
        yield cid, name, touches, asks.get(cid, []), gives.get(cid, [])


def epoch_ms(name: str) -> str:
    """A touchpoint's (`t`) time in whole milliseconds since 1970, computed by the database (a
    double holding an integer)."""
    return f"round(({dialect.epoch_seconds(name, 't.occurred_at')}) * 1000.0)"


def packed_flags() -> str:
    """A touchpoint's (`t`) flags as `scoring.score_history` reads them: 1 for "in", 2 two-way,
    4 no reply, 8 x the channel's index in CHANNEL_CODES."""
    from netkeep.scoring import CHANNEL_CODES

    code = " ".join(f"WHEN '{channel}' THEN {i}" for i, channel in enumerate(CHANNEL_CODES))
    return (
        "CASE WHEN t.direction = 'in' THEN 1 ELSE 0 END + CASE WHEN t.two_way THEN 2 ELSE 0 END"
        " + CASE WHEN t.no_reply THEN 4 ELSE 0 END"
        f" + 8 * CASE t.channel {code} ELSE {CHANNEL_CODES.index('other')} END"
    )


def contact_touch_sql(epoch: str, until: str = "") -> str:
    """One contact's (`:cid`) touchpoints on SQLite, packed, oldest first. On SQLite, the
    history index holds `epoch_ms` and `packed_flags` as written here (migration m012), so they
    are read from the index, not computed for every row."""
    return (
        f"SELECT {epoch}, t.id, {packed_flags()} FROM touchpoint t "
        f"WHERE t.contact_id = :cid{until} ORDER BY t.occurred_at"
    )


def active_histories(
    session: Session, *, as_of: datetime | None = None
) -> Iterable[tuple[int, list[tuple[Any, ...]]]]:
    """(contact id, touchpoint tuples) for every active contact, as ``histories`` reads them."""
    for cid, _name, touchpoints, _asks, _gives in histories(session.connection(), as_of=as_of):
        yield cid, touchpoints

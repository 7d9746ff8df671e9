"""The favour ledger: asks and gives, resolving an ask, and what you owe (`owe`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from netkeep import dialect
from netkeep.dates import from_db
from netkeep.errors import BadInput
from netkeep.models import Ask, Contact, Give
from netkeep.store import _sql

SIDES = ("me", "them")


def initiator(direction: str) -> str:
    """The side that started a touchpoint: "me" for `out`, "them" for `in`."""
    return "me" if direction == "out" else "them"


def other_side(side: str) -> str:
    return "them" if side == "me" else "me"


def fulfillable_ask(session: Session, ask_id: int, *, contact: Contact, when: datetime) -> Ask:
    ask = session.get(Ask, ask_id)
    if ask is None or ask.contact_id != contact.id:
        raise BadInput(f"{contact.name} has no ask #{ask_id} (see 'netkeep asks {contact.id}')")
    if ask.status != "open":
        raise BadInput(f"ask #{ask.id} is already {ask.status}")
    if from_db(ask.opened_at) > when:
        raise BadInput(f"ask #{ask.id} was opened after this touchpoint")
    return ask


def link_candidate(session: Session, *, contact_id: int, giver: str) -> dict[str, Any] | None:
    """The other side's only open ask with this contact, which a give by `giver` may fulfil;
    None when they have none or several."""
    rows = _sql.run(
        session,
        "SELECT id, what FROM ask WHERE contact_id = :cid AND asked_by = :asker "
        "AND status = 'open' ORDER BY id LIMIT 2",
        {"cid": contact_id, "asker": other_side(giver)},
    ).all()
    return {"id": rows[0][0], "what": rows[0][1]} if len(rows) == 1 else None


def resolve_ask(session: Session, *, ask_id: int, status: str, when: datetime) -> Ask:
    """Close an open ask (done, declined, withdrawn) or reopen a closed one (status "open")."""
    ask = session.get(Ask, ask_id)
    if ask is None:
        raise BadInput(f"no ask with id #{ask_id} (see 'netkeep asks')")
    if status == "open":
        if ask.status == "open":
            raise BadInput(f"ask #{ask.id} is already open")
        ask.status, ask.resolved_at = "open", None
    else:
        if ask.status != "open":
            raise BadInput(f"ask #{ask.id} is already {ask.status} (--reopen it first)")
        if when < from_db(ask.opened_at):
            from netkeep.dates import local_text

            raise BadInput(
                f"ask #{ask.id} was opened later, on {local_text(from_db(ask.opened_at))}"
            )
        ask.status, ask.resolved_at = status, when
    session.add(ask)
    session.flush()
    return ask


def asks_of_touchpoint(session: Session, touchpoint_id: int) -> list[Ask]:
    return list(
        session.exec(
            select(Ask).where(Ask.touchpoint_id == touchpoint_id).order_by(col(Ask.id))
        ).all()
    )


def gives_of_touchpoint(session: Session, touchpoint_id: int) -> list[Give]:
    return list(session.exec(select(Give).where(Give.touchpoint_id == touchpoint_id)).all())


def give_rows(
    session: Session, *, contact_id: int, as_of: datetime | None = None
) -> list[dict[str, Any]]:
    """A contact's gives, oldest first (GIVE_KEYS); a link to an ask resolved after `as_of` is
    not shown as of then."""
    fulfils = (
        "g.fulfils"
        if as_of is None
        else (
            "CASE WHEN (SELECT a.resolved_at FROM ask a WHERE a.id = g.fulfils) > :as_of "
            "THEN NULL ELSE g.fulfils END"
        )
    )
    sql = (
        "SELECT g.id, g.contact_id, g.touchpoint_id, g.given_by AS by, g.what, g.given_at, "
        f"{fulfils} AS fulfils FROM give g WHERE g.contact_id = :cid"
        f"{_sql.until('g.given_at', as_of)} ORDER BY g.given_at, g.id"
    )
    rows = []
    for row in _sql.run(session, sql, {"cid": contact_id, **_sql.as_of_params(as_of)}):
        data = dict(row._mapping)
        data["given_at"] = from_db(data["given_at"])
        rows.append(data)
    return rows


def ask_rows(
    session: Session,
    *,
    contact_id: int | None = None,
    include_resolved: bool = False,
    by: str | None = None,
    as_of: datetime | None = None,
    mine: bool = False,
) -> list[dict[str, Any]]:
    """Asks, oldest first; `mine`: only those made in touchpoints the running member logged."""
    clauses: list[str] = []
    params: dict[str, Any] = _sql.as_of_params(as_of)
    if mine:
        clauses.append(_sql.on_my_touchpoint_sql(_sql.engine_name(session), "a.touchpoint_id"))
    if contact_id is not None:
        clauses.append("a.contact_id = :cid")
        params["cid"] = contact_id
    else:
        clauses.append("NOT c.archived")
    if as_of is not None:
        clauses.append(f"a.opened_at <= :as_of AND {_sql.EXISTED_SQL}")
    if not include_resolved:
        clauses.append(
            "a.status = 'open'"
            if as_of is None
            else "(a.status = 'open' OR a.resolved_at > :as_of)"
        )
    if by:
        clauses.append("a.asked_by = :by")
        params["by"] = by
    sql = f"{_sql.ask_sql(as_of)} WHERE {' AND '.join(clauses)} ORDER BY a.opened_at, a.id"
    return [_sql.ask_dict(row) for row in _sql.run(session, sql, params)]


def get_ask(session: Session, ask_id: int) -> Ask | None:
    return session.get(Ask, ask_id)


def owe_rows(
    session: Session, *, window: Any, as_of: datetime | None = None, mine: bool = False
) -> list[dict[str, Any]]:
    """Their one-way outreach not yet followed by anything of yours (or a live exchange), and their
    open asks, oldest first. Archived contacts are left out.

    A message of theirs that closes a thread is not owed: one marked as needing no reply, and a
    reply to your outreach (the touchpoint just before it is yours, at most the response `window`
    earlier) that carries no ask of theirs.

    `mine` keeps their outreach that the running member logged, and their asks made in it."""
    # Per contact, the latest touchpoint of yours or live exchange (one backward index seek);
    # their one-way messages at or after it are waiting on you.
    engine = _sql.engine_name(session)
    status, _resolved = _sql.ask_status_sql(as_of)
    params = {"window_days": window.total_seconds() / 86400, **_sql.as_of_params(as_of)}
    last_mine = (
        "(SELECT m.occurred_at FROM touchpoint m WHERE m.contact_id = c.id "
        f"AND (m.direction = 'out' OR m.two_way){_sql.until('m.occurred_at', as_of)} "
        "ORDER BY m.occurred_at DESC LIMIT 1)"
    )
    gap = dialect.days_between(engine, "t.occurred_at", "q.occurred_at")
    logged = dialect.logged_by_me(engine, "t.logged_by") if mine else "1 = 1"
    ask_logged = _sql.on_my_touchpoint_sql(engine, "a.touchpoint_id") if mine else "1 = 1"
    # Their open asks. The ask of one touchpoint is looked up in the ask table itself (by its
    # touchpoint index), not in the `open_ask` list: PostgreSQL keeps a list used twice as a
    # table without indexes, and scanned all of it for every touchpoint.
    open_ask_where = f"a.asked_by = 'them' AND {status} = 'open'{_sql.until('a.opened_at', as_of)}"
    sql = f"""
        WITH settled AS (
            SELECT c.id AS contact_id, c.name,
                   {dialect.time_or_earliest(engine, last_mine)} AS until
            FROM contact c WHERE NOT c.archived{"" if as_of is None else " AND " + _sql.EXISTED_SQL}
        ),
        open_ask AS (
            SELECT a.* FROM ask a WHERE {open_ask_where}
        )
        SELECT t.contact_id, s.name, t.id AS touchpoint_id, t.occurred_at, t.channel,
               (SELECT a.what FROM ask a WHERE a.touchpoint_id = t.id AND {open_ask_where}
                ORDER BY a.id LIMIT 1) AS ask
        FROM settled s JOIN touchpoint t
             ON t.contact_id = s.contact_id AND t.occurred_at >= s.until
        WHERE t.direction = 'in' AND NOT t.two_way AND NOT t.no_reply AND {logged}
          {_sql.until("t.occurred_at", as_of)}
          AND NOT (
            NOT EXISTS (SELECT 1 FROM ask x WHERE x.touchpoint_id = t.id AND x.asked_by = 'them')
            AND (
                -- the touchpoint just before it (from the history index alone) was yours
                SELECT q.direction = 'out' AND {gap} <= :window_days FROM touchpoint q
                WHERE q.contact_id = t.contact_id
                AND (q.occurred_at < t.occurred_at
                     OR (q.occurred_at = t.occurred_at AND q.id < t.id))
                ORDER BY q.occurred_at DESC, q.id DESC LIMIT 1) IS TRUE
          )
        UNION ALL
        SELECT a.contact_id, s.name, a.touchpoint_id, COALESCE(t.occurred_at, a.opened_at),
               t.channel, a.what
        FROM open_ask a JOIN settled s ON s.contact_id = a.contact_id
        LEFT JOIN touchpoint t ON t.id = a.touchpoint_id
        WHERE (t.id IS NULL OR t.two_way OR t.direction = 'out' OR t.occurred_at < s.until
           OR t.no_reply) AND {ask_logged}
        ORDER BY 4, 3
    """
    rows = []
    for row in _sql.run(session, sql, params):
        data = dict(row._mapping)
        data["occurred_at"] = from_db(data["occurred_at"])
        rows.append(data)
    return rows

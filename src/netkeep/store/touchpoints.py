"""Touchpoints: logging one (with its ask, give or fulfilled ask), editing and removing it, and
reading a contact's history as dicts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlmodel import Session

from netkeep import dialect
from netkeep.dates import from_db, to_db
from netkeep.errors import BadInput
from netkeep.fields import id_of
from netkeep.models import Ask, Contact, Give, Touchpoint, saved_id
from netkeep.store import _sql
from netkeep.store.ledger import (
    asks_of_touchpoint,
    fulfillable_ask,
    gives_of_touchpoint,
    initiator,
    other_side,
)


def log_touchpoint(
    session: Session,
    *,
    contact: Contact,
    occurred_at: datetime,
    channel: str,
    direction: str,
    two_way: bool,
    note: str | None = None,
    asks: Iterable[tuple[str, str]] = (),
    gives: Iterable[tuple[str, str]] = (),
    fulfils: int | None = None,
    no_reply: bool = False,
) -> tuple[Touchpoint, list[Ask], list[Give]]:
    """Record a touchpoint with the asks and gives made in it, each `(by, what)` by either side.

    `fulfils` names an open ask of this contact that a give of the asked side in this touchpoint
    did (the ask's own text when that side gave nothing else): the give is linked to it and the
    ask resolved done, one favour. Raises BadInput when the ask cannot be fulfilled here.
    """
    if no_reply and direction != "in":
        raise BadInput("--no-reply-needed is for their touchpoints (--in): yours expect an answer")
    fulfilled = None
    if fulfils is not None:
        fulfilled = fulfillable_ask(session, fulfils, contact=contact, when=occurred_at)
    touchpoint = Touchpoint(
        contact_id=saved_id(contact),
        occurred_at=occurred_at,
        channel=channel,
        direction=direction,
        two_way=two_way,
        note=note,
        no_reply=no_reply,
    )
    session.add(touchpoint)
    session.flush()
    made = [
        Ask(
            contact_id=saved_id(contact),
            touchpoint_id=touchpoint.id,
            asked_by=by,
            what=what,
            status="open",
            opened_at=touchpoint.occurred_at,
        )
        for by, what in asks
    ]
    given = [
        Give(
            contact_id=saved_id(contact),
            touchpoint_id=touchpoint.id,
            given_by=by,
            what=what,
            given_at=touchpoint.occurred_at,
        )
        for by, what in gives
    ]
    if fulfilled is not None:
        doer = other_side(fulfilled.asked_by)
        linked = next((give for give in given if give.given_by == doer), None)
        if linked is None:
            linked = Give(
                contact_id=saved_id(contact),
                touchpoint_id=touchpoint.id,
                given_by=doer,
                what=fulfilled.what,
                given_at=touchpoint.occurred_at,
            )
            given.append(linked)
        linked.fulfils = fulfilled.id
        fulfilled.status = "done"
        fulfilled.resolved_at = touchpoint.occurred_at
        session.add(fulfilled)
    session.add_all([*made, *given])
    session.flush()
    return touchpoint, made, given


def unanswered_streak(session: Session, contact_id: int) -> int:
    """Your one-way outreach since they last reached you or you last actually talked."""
    last_reply = dialect.time_or_earliest(_sql.engine_name(session), _sql.LAST_REPLY_SQL)
    sql = (
        "SELECT count(*) FROM touchpoint u JOIN contact c ON c.id = u.contact_id "
        f"WHERE c.id = :cid AND u.occurred_at > {last_reply}"
    )
    count: int = _sql.run(session, sql, {"cid": contact_id}).scalar() or 0
    return count


def get_touchpoint(session: Session, ref: str) -> Touchpoint:
    """A touchpoint by id (`12` or `#12`)."""
    touchpoint_id = id_of(ref or "")
    found = session.get(Touchpoint, touchpoint_id) if touchpoint_id is not None else None
    if found is None:
        raise BadInput(f"no touchpoint with id {ref!r} (see 'netkeep show CONTACT')")
    return found


def edit_touchpoint(
    session: Session,
    *,
    touchpoint: Touchpoint,
    contact: Contact | None = None,
    occurred_at: datetime | None = None,
    channel: str | None = None,
    direction: str | None = None,
    two_way: bool | None = None,
    note: str | None = None,
    give: str | None = None,
) -> list[str]:
    """Change the given fields (an empty note or give clears it; `give` is the initiator's give);
    returns the fields changed.

    The touchpoint's asks and gives follow it: to another contact, to its new time, and to the
    other side when its direction is corrected (what was yours was theirs, and the reverse).
    """
    changed = []
    asks = asks_of_touchpoint(session, saved_id(touchpoint))
    gives = gives_of_touchpoint(session, saved_id(touchpoint))
    if contact is not None and contact.id != touchpoint.contact_id:
        touchpoint.contact_id = saved_id(contact)
        changed.append("contact")
    if occurred_at is not None and to_db(occurred_at) != to_db(from_db(touchpoint.occurred_at)):
        for ask in asks:
            if ask.resolved_at is not None and from_db(ask.resolved_at) < occurred_at:
                raise BadInput(
                    f"its ask #{ask.id} was resolved earlier, on {from_db(ask.resolved_at):%Y-%m-%d}"
                )
        touchpoint.occurred_at = occurred_at
        changed.append("when")
    for field, value in (("channel", channel), ("direction", direction), ("two_way", two_way)):
        if value is not None and value != getattr(touchpoint, field):
            setattr(touchpoint, field, value)
            changed.append(field)
    if note is not None and (note or None) != touchpoint.note:
        touchpoint.note = note or None
        changed.append("note")
    if "direction" in changed and touchpoint.direction == "out":
        touchpoint.no_reply = False  # only their messages can need no reply
    for ask in asks:
        if "contact" in changed:
            ask.contact_id = touchpoint.contact_id
        if "when" in changed:
            ask.opened_at = touchpoint.occurred_at
        if "direction" in changed:
            ask.asked_by = other_side(ask.asked_by)
        session.add(ask)
    for entry in gives:
        if "contact" in changed:
            entry.contact_id = touchpoint.contact_id
        if "when" in changed:
            entry.given_at = touchpoint.occurred_at
        if "direction" in changed:
            entry.given_by = other_side(entry.given_by)
        session.add(entry)
    if give is not None:
        side = initiator(touchpoint.direction)
        mine = next((entry for entry in gives if entry.given_by == side), None)
        if mine is not None and not give:
            session.delete(mine)
            changed.append("give")
        elif mine is not None and give != mine.what:
            mine.what = give
            session.add(mine)
            changed.append("give")
        elif mine is None and give:
            session.add(
                Give(
                    contact_id=touchpoint.contact_id,
                    touchpoint_id=touchpoint.id,
                    given_by=side,
                    what=give,
                    given_at=touchpoint.occurred_at,
                )
            )
            changed.append("give")
    session.add(touchpoint)
    session.flush()
    return changed


def remove_touchpoint(session: Session, *, touchpoint: Touchpoint) -> list[Ask]:
    """Delete a touchpoint with its asks and gives; an ask that one of its gives resolved done is
    open again. Returns the asks reopened."""
    reopened = []
    for give in gives_of_touchpoint(session, saved_id(touchpoint)):
        if give.fulfils is not None:
            ask = session.get(Ask, give.fulfils)
            if ask is not None and ask.status == "done" and ask.touchpoint_id != touchpoint.id:
                ask.status, ask.resolved_at = "open", None
                session.add(ask)
                reopened.append(ask)
        session.delete(give)
    for ask in asks_of_touchpoint(session, saved_id(touchpoint)):
        session.delete(ask)
    session.delete(touchpoint)
    session.flush()
    return reopened


def touchpoints_of(
    session: Session,
    contact_id: int,
    *,
    asks: list[dict[str, Any]],
    gives: list[dict[str, Any]],
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """A contact's touchpoints, oldest first, with the asks and gives made in each (from the
    contact's `asks` and `gives` rows): `ask` and `give` are the initiator's, `asks` and `gives`
    everyone's."""
    sql = (
        "SELECT t.id, t.contact_id, t.occurred_at, t.channel, t.direction, t.two_way, t.note, "
        "t.source, t.source_key, t.no_reply, t.logged_by FROM touchpoint t "
        f"WHERE t.contact_id = :cid"
        f"{_sql.until('t.occurred_at', as_of)} ORDER BY t.occurred_at, t.id"
    )
    asks_in: dict[int, list[dict[str, Any]]] = {}
    for ask in asks:
        if ask["touchpoint_id"] is not None:
            asks_in.setdefault(ask["touchpoint_id"], []).append(ask)
    gives_in: dict[int, list[dict[str, Any]]] = {}
    for give in gives:
        if give["touchpoint_id"] is not None:
            gives_in.setdefault(give["touchpoint_id"], []).append(give)
    rows = []
    params = {"cid": contact_id, **_sql.as_of_params(as_of)}
    for row in _sql.run(session, sql, params):
        data = dict(row._mapping)
        data["occurred_at"] = from_db(data["occurred_at"])
        data["two_way"] = bool(data["two_way"])
        data["no_reply"] = bool(data["no_reply"])
        with_ledger(data, asks_in.get(data["id"], []), gives_in.get(data["id"], []))
        rows.append(data)
    return rows


def with_ledger(
    data: dict[str, Any], asks: Iterable[dict[str, Any]], gives: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    """Add a touchpoint's `ask`/`give` (its initiator's text) and `asks`/`gives` (everyone's)."""
    side = initiator(data["direction"])
    data["asks"] = [
        {"id": a["id"], "by": a["by"], "what": a["what"], "status": a["status"]} for a in asks
    ]
    data["gives"] = [
        {"id": g["id"], "by": g["by"], "what": g["what"], "fulfils": g["fulfils"]} for g in gives
    ]
    data["ask"] = next((a["what"] for a in data["asks"] if a["by"] == side), None)
    data["give"] = next((g["what"] for g in data["gives"] if g["by"] == side), None)
    return data


def touchpoint_dict(
    touchpoint: Touchpoint, *, asks: Iterable[Ask] = (), gives: Iterable[Give] = ()
) -> dict[str, Any]:
    data = {
        "id": touchpoint.id,
        "contact_id": touchpoint.contact_id,
        "occurred_at": from_db(touchpoint.occurred_at),
        "channel": touchpoint.channel,
        "direction": touchpoint.direction,
        "two_way": touchpoint.two_way,
        "note": touchpoint.note,
        "source": touchpoint.source,
        "source_key": touchpoint.source_key,
        "no_reply": touchpoint.no_reply,
        "logged_by": touchpoint.logged_by,
    }
    return with_ledger(
        data,
        (
            {"id": a.id, "by": a.asked_by, "what": a.what, "status": a.status}
            for a in sorted(asks, key=saved_id)
        ),
        (
            {"id": g.id, "by": g.given_by, "what": g.what, "fulfils": g.fulfils}
            for g in sorted(gives, key=saved_id)
        ),
    )


def members_in_use(session: Session) -> list[str]:
    """The names touchpoints were logged by, sorted."""
    return [
        str(name)
        for name in _sql.run(
            session, "SELECT DISTINCT logged_by FROM touchpoint ORDER BY logged_by"
        ).scalars()
    ]

"""Reads for `report`: touches per day and week, ask changes, the busiest relationships and the
bands month by month."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from netkeep import dialect
from netkeep.dates import from_db
from netkeep.store import _sql
from netkeep.store.histories import histories
from netkeep.store.scores import contact_shares, reading

# Aggregates the pictures need beyond the listings: counted in SQL, active contacts only.


def touch_days(session: Session, *, since: datetime, until: datetime) -> list[tuple[Any, ...]]:
    """Touchpoints per local day in [since, until): (YYYY-MM-DD, yours, theirs, heard), where
    `heard` counts what came from them: their touchpoints and the live exchanges you started."""
    bucket, day = dialect.local_quarter_hours(_sql.engine_name(session), "t.occurred_at")
    sql = f"""
        SELECT {day} AS day, sum(mine), sum(theirs), sum(heard)
        FROM (SELECT {bucket} AS q,
                     {_count_where("t.direction = 'out'")} AS mine,
                     {_count_where("t.direction = 'in'")} AS theirs,
                     {_count_where("t.direction = 'in' OR t.two_way")} AS heard
              FROM touchpoint t JOIN contact c ON c.id = t.contact_id
              WHERE NOT c.archived AND t.occurred_at >= :since AND t.occurred_at < :until
              GROUP BY q) per_quarter
        GROUP BY day ORDER BY day
    """
    days: dict[str, list[int]] = {}
    for when, mine, theirs, heard in _sql.run(session, sql, {"since": since, "until": until}):
        tally = days.setdefault(dialect.local_day(when), [0, 0, 0])
        for index, count in enumerate((mine, theirs, heard)):
            tally[index] += int(count)
    return [(day, *tally) for day, tally in sorted(days.items())]


def _count_where(condition: str) -> str:
    """SQL counting the rows where `condition` holds (a portable `count(*) FILTER`)."""
    return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def ask_changes(session: Session, *, since: datetime, until: datetime) -> tuple[int, int]:
    """How many asks of active contacts were opened, and how many resolved, in [since, until)."""
    sql = (
        f"SELECT {_count_where('a.opened_at >= :since AND a.opened_at < :until')}, "
        f"{_count_where('a.resolved_at >= :since AND a.resolved_at < :until')} "
        "FROM ask a JOIN contact c ON c.id = a.contact_id WHERE NOT c.archived "
        "AND ((a.opened_at >= :since AND a.opened_at < :until) "
        "OR (a.resolved_at >= :since AND a.resolved_at < :until))"
    )
    opened, closed = _sql.run(session, sql, {"since": since, "until": until}).one()
    return int(opened or 0), int(closed or 0)


def weekly_touches(
    session: Session, contact_ids: Iterable[int], *, until: datetime, weeks: int
) -> dict[int, list[int]]:
    """Touchpoints per contact in each of the `weeks` weeks before `until`, oldest week first."""
    ids = list(contact_ids)
    counts = {cid: [0] * weeks for cid in ids}
    if not ids:
        return counts
    engine = _sql.engine_name(session)
    weeks_ago_sql = dialect.whole_weeks_between(engine, ":until", "t.occurred_at")
    sql = (
        f"SELECT t.contact_id, {weeks_ago_sql}, count(*) FROM touchpoint t "
        "WHERE t.contact_id IN :ids AND t.occurred_at >= :since AND t.occurred_at < :until "
        "GROUP BY 1, 2"
    )
    since = until - timedelta(weeks=weeks)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        params = {"ids": chunk, "since": since, "until": until}
        for cid, weeks_ago, count in _sql.run(session, sql, params):
            if 0 <= weeks_ago < weeks:
                counts[cid][weeks - 1 - weeks_ago] += count
    return counts


def last_heard(session: Session) -> dict[int, datetime | None]:
    """Per active contact, the latest time they reached you or you talked live (None: never)."""
    sql = f"SELECT c.id, {_sql.LAST_REPLY_SQL} FROM contact c WHERE NOT c.archived"
    return {cid: from_db(last) for cid, last in _sql.fetch(session, sql)}


def busiest_contacts(session: Session, *, since: datetime, limit: int) -> list[tuple[Any, ...]]:
    """(id, name, touchpoints) of the active contacts with the most touchpoints since `since`."""
    sql = (
        "SELECT t.contact_id, c.name, count(*) AS n FROM touchpoint t "
        "JOIN contact c ON c.id = t.contact_id WHERE NOT c.archived AND t.occurred_at >= :since "
        "GROUP BY t.contact_id, c.name ORDER BY n DESC, t.contact_id LIMIT :limit"
    )
    return list(_sql.fetch(session, sql, {"since": since, "limit": limit}))


def _bands_at(
    raw: Any, moments: list[datetime], scoring: Any, **which: Any
) -> list[dict[str, int]]:
    """Band counts at each moment: every contact's history up to it, scored as of then."""
    import bisect
    from dataclasses import replace

    from netkeep.scoring import score_contact

    tallies: list[dict[str, int]] = [{} for _ in moments]
    stamps = [moment.timestamp() for moment in moments]
    which = {key: value for key, value in which.items() if value is not None}
    for _cid, _name, touchpoints, asks, gives in histories(raw, **which):
        times = [row[1] for row in touchpoints]
        for index, moment in enumerate(moments):
            known = bisect.bisect_right(times, stamps[index])
            if not known:
                continue
            then_asks = [
                replace(ask, status="open", resolved_at=None)
                if ask.resolved_at is not None and ask.resolved_at > moment
                else ask
                for ask in asks
                if ask.opened_at <= moment
            ]
            then_gives = [give for give in gives if give.given_at <= moment]
            band = score_contact(
                touchpoints[:known], then_asks, now=moment, settings=scoring, gives=then_gives
            )
            tallies[index][band["band"]] = tallies[index].get(band["band"], 0) + 1
    return tallies


def _bands_in_range(
    path: str,
    snapshot: str | None,
    moments: list[datetime],
    scoring: Any,
    id_range: tuple[int, int],
) -> list[dict[str, int]]:
    """One share of the monthly band mix in a forked helper process, reading like `score`'s."""
    with reading(path, snapshot) as raw:
        return _bands_at(raw, moments, scoring, id_range=id_range)


def band_history(
    session: Session, *, moments: list[datetime], settings: Any
) -> list[dict[str, int]]:
    """How many active contacts were in each band at each moment (contacts with at least one
    touchpoint by then), scored by the same function as `score`, split over cores like it."""
    scoring = settings.scoring
    raw = session.connection()
    shares = contact_shares(raw)
    if len(shares) < 2:
        return _bands_at(raw, moments, scoring)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    path = str(dialect.store_location(raw))  # there is one: `shares` split the work
    snapshot = dialect.export_snapshot(raw)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=len(shares), mp_context=context) as pool:
        count = len(shares)
        parts = list(
            pool.map(
                _bands_in_range,
                [path] * count,
                [snapshot] * count,
                [moments] * count,
                [scoring] * count,
                shares,
            )
        )
    tallies: list[dict[str, int]] = [{} for _ in moments]
    for part in parts:
        for index, counts in enumerate(part):
            for band, count in counts.items():
                tallies[index][band] = tallies[index].get(band, 0) + count
    return tallies

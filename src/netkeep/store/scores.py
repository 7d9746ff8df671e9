"""Score rows for a whole network, split over the machine's cores when it is large.

Each helper process opens the same store as the command (the SQLite file, or the server, reading in
the command's snapshot) and scores a share of the contacts; see docs/store.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlmodel import Session

from netkeep import dialect
from netkeep.store import _sql
from netkeep.store.histories import histories

# Below this many touchpoints one process scores everyone faster than starting helpers would.
PARALLEL_MIN_TOUCHPOINTS = 200_000
PARALLEL_CORES: int | None = None  # None: the machine's cores, at most 8


def _scored(
    raw: Any,
    now: datetime,
    scoring: Any,
    as_of: datetime | None = None,
    bands: Collection[str] | None = None,
    explain: bool = True,
    **which: Any,
) -> list[dict[str, Any]]:
    from netkeep.scoring import Timebase, score_history

    rows = []
    which = {key: value for key, value in which.items() if value is not None}
    # The database puts the times on scoring's time base, sparing a pass over every touchpoint.
    origin = Timebase(now).origin
    for cid, name, touchpoints, asks, gives in histories(
        raw, as_of=as_of, scoring_origin=origin, **which
    ):
        scored = score_history(
            touchpoints,
            asks,
            now=now,
            settings=scoring,
            gives=gives,
            bands=bands,
            from_now=True,
            explain=explain,
        )
        if scored is not None:
            rows.append({"id": cid, "name": name, **scored})
    return rows


def _scored_range(
    path: str,
    snapshot: str | None,
    now: datetime,
    scoring: Any,
    as_of: datetime | None,
    bands: Collection[str] | None,
    id_range: tuple[int, int],
    member: str | None = None,
    explain: bool = True,
) -> list[Any]:
    """One share of `score` in a forked helper process, on its own reading connection to the
    parent's store (`path`: see `dialect.store_location`) and in its `snapshot`, if any."""
    with reading(path, snapshot) as raw:
        return _scored(raw, now, scoring, as_of, bands, explain, id_range=id_range, member=member)


@contextlib.contextmanager
def reading(location: str, snapshot: str | None) -> Iterator[Connection]:
    """A reading connection of a helper process to the store at `location`, opened by netkeep.db
    like any command's; on a server, in the command's `snapshot` (`dialect.export_snapshot`)."""
    from pathlib import Path

    from netkeep.db import open_session
    from netkeep.db_path import server_url

    # An absolute file path or a server URL: see dialect.store_location.
    opened = (
        open_session(Path(location), write=False)
        if location.startswith("/")
        else open_session(server_url(location, "store"), write=False, snapshot=snapshot)
    )
    with opened as session:
        yield session.connection()


def score_rows(
    session: Session,
    *,
    now: datetime,
    settings: Any,
    contact_id: int | None = None,
    as_of: datetime | None = None,
    member: str | None = None,
    explain: bool = True,
) -> list[dict[str, Any]]:
    """Score rows (keys as in docs/reference.md) for every active contact, or for one contact
    (archived or not); with `member`, from that member's history only (see `histories`); without
    `explain`, each row's explanation is None."""
    return start_score_rows(
        session,
        now=now,
        settings=settings,
        contact_id=contact_id,
        as_of=as_of,
        member=member,
        explain=explain,
    )()


def start_score_rows(
    session: Session,
    *,
    now: datetime,
    settings: Any,
    contact_id: int | None = None,
    as_of: datetime | None = None,
    bands: Collection[str] | None = None,
    member: str | None = None,
    explain: bool = True,
) -> Callable[[], list[dict[str, Any]]]:
    """Start scoring; the returned function waits for the rows.

    With `as_of`, the history as it stood then is scored at that moment (`now` is then `as_of`).
    With `bands`, only the rows of contacts in those bands (`digest` watches two).
    Scoring is CPU-bound Python over every touchpoint, so a large network is split by contact id
    over the machine's cores, each share read on its own connection in a forked process; the
    caller can run its other queries meanwhile (`digest` does).
    """
    scoring = settings.scoring
    if as_of is not None:
        now = as_of
    raw = session.connection()
    shares = [] if contact_id is not None else contact_shares(raw)
    if len(shares) < 2:
        rows = _scored(
            raw, now, scoring, as_of, bands, explain, contact_id=contact_id, member=member
        )
        return lambda: rows
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    path = str(dialect.store_location(raw))  # there is one: `shares` split the work
    snapshot = dialect.export_snapshot(raw)
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(max_workers=len(shares), mp_context=context)
    futures = [
        pool.submit(
            _scored_range, path, snapshot, now, scoring, as_of, bands, share, member, explain
        )
        for share in shares
    ]

    def wait() -> list[dict[str, Any]]:
        try:
            return [row for future in futures for row in future.result()]
        finally:
            pool.shutdown(cancel_futures=True)

    return wait


def contact_shares(raw: Connection) -> list[tuple[int, int]]:
    """Contact id ranges holding about equal numbers of touchpoints, one per core; [] when one
    process will do (a small network, one core, or an in-memory database)."""
    import os

    cores = PARALLEL_CORES or min(os.cpu_count() or 1, 8)
    path = dialect.store_location(raw)
    if cores < 2 or not path or not hasattr(os, "fork"):
        return []
    total = _sql.run(raw, "SELECT count(*) FROM touchpoint").scalar_one()
    if total < PARALLEL_MIN_TOUCHPOINTS:
        return []
    # Quantiles of the touchpoints' contact ids, read from the index, split the work evenly.
    cuts = [
        _sql.run(
            raw,
            "SELECT contact_id FROM touchpoint ORDER BY contact_id LIMIT 1 OFFSET :skip",
            {"skip": total * share // cores},
        ).scalar_one()
        for share in range(1, cores)
    ]
    bounds = [0, *cuts, 2**63 - 1]
    return [(bounds[i] + (i > 0), bounds[i + 1]) for i in range(cores)]

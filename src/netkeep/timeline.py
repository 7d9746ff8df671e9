"""A contact's history as it stood at a past moment, the path of its score, and its rhythm in words.

Pure functions over scoring's records: no database, no clock. `show --history` and `show --as-of`
use them on the one history `show` reads; the store narrows its queries the same way for every
other command (see store's "as of a date").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from netkeep.scoring import (
    AskRecord,
    GiveRecord,
    Rhythm,
    ScoringSettings,
    TouchpointRecord,
    score_contact,
)


def as_of(
    touchpoints: Sequence[TouchpointRecord],
    asks: Sequence[AskRecord],
    gives: Sequence[GiveRecord],
    when: datetime,
) -> tuple[list[TouchpointRecord], list[AskRecord], list[GiveRecord]]:
    """What had happened by `when`, each ask in the status it had then (one resolved later was
    still open, and a give's link to it not yet made)."""
    then_asks = []
    for ask in asks:
        if ask.opened_at > when:
            continue
        if ask.resolved_at is not None and ask.resolved_at > when:
            ask = replace(ask, status="open", resolved_at=None)
        then_asks.append(ask)
    still_open = {ask.id for ask in then_asks if ask.status == "open"}
    then_gives = [
        give if give.fulfils not in still_open else replace(give, fulfils=None)
        for give in gives
        if give.given_at <= when
    ]
    return [tp for tp in touchpoints if tp.occurred_at <= when], then_asks, then_gives


def month_ends(now: datetime, months: int = 12) -> list[datetime]:
    """The last moment (UTC) of each of the `months` months before the one `now` is in, oldest
    first."""
    now = now.astimezone(UTC)
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    ends = []
    for _ in range(months):
        ends.append(first - timedelta(microseconds=1))
        first = (first - timedelta(days=1)).replace(day=1)
    return ends[::-1]


def score_path(
    touchpoints: Sequence[TouchpointRecord],
    asks: Sequence[AskRecord],
    gives: Sequence[GiveRecord],
    *,
    now: datetime,
    settings: ScoringSettings,
    months: int = 12,
) -> list[dict[str, Any]]:
    """The score and band at each month end over the last `months` months, then now: each one
    computed from the history as it stood on that date."""
    path = []
    for moment in [*month_ends(now, months), now]:
        then = as_of(touchpoints, asks, gives, moment)
        row = score_contact(then[0], then[1], now=moment, settings=settings, gives=then[2])
        path.append({"as_of": moment, "score": row["score"], "band": row["band"]})
    return path


def about(span: timedelta) -> str:
    """A duration as people say it: ~5 hours, ~4 days, ~3 weeks, ~2 months."""
    days = span.total_seconds() / 86400
    if days < 1:
        count, unit = max(1, round(days * 24)), "hour"
    elif days < 14:
        count, unit = round(days), "day"
    elif days < 60:
        count, unit = round(days / 7), "week"
    else:
        count, unit = round(days / 30.44), "month"
    return f"~{count} {unit}" + ("" if count == 1 else "s")


def rhythm_text(pace: Rhythm) -> str:
    """`you usually talk every ~3 weeks; they usually reply within ~4 days` (what is known)."""
    parts = []
    if pace.usual_interval is not None:
        parts.append(f"you usually talk every {about(pace.usual_interval)}")
    if pace.their_reply is not None:
        parts.append(f"they usually reply within {about(pace.their_reply)}")
    if pace.my_reply is not None:
        parts.append(f"you usually reply within {about(pace.my_reply)}")
    return "; ".join(parts) if parts else "too little history to tell"


def rhythm_dict(pace: Rhythm) -> dict[str, float | None]:
    """The rhythm for JSON: days, one decimal (null: too little history)."""

    def days(span: timedelta | None) -> float | None:
        return None if span is None else round(span.total_seconds() / 86400, 1)

    return {
        "usual_interval_days": days(pace.usual_interval),
        "their_reply_days": days(pace.their_reply),
        "my_reply_days": days(pace.my_reply),
    }

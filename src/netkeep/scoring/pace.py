"""Each contact's own pace: usual interval between touches, each side's reply latency, and the
answer and reply windows that follow from them."""

from __future__ import annotations

import bisect
import itertools
import statistics
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from netkeep.scoring.constants import (
    _ME,
    _THEM,
    CONVERSATION_GAP,
    EVENTS_PER_HALF_LIFE,
    HORIZON_HALF_LIVES,
    REPLY_FACTOR,
    REPLY_MIN,
    RHYTHM_MIN_SAMPLES,
    WINDOW_FACTOR,
    WINDOW_MAX_FACTOR,
)
from netkeep.scoring.records import Rhythm, ScoringSettings, TouchpointRecord
from netkeep.scoring.rows import _AWAITS_NOTHING, _SIDE, Timebase, _packed_rows, _touch_rows


def _intervals(
    rows: list[tuple[Any, ...]], cap: float, step: float, horizon: float, *, gaps_too: bool = True
) -> tuple[list[float], list[list[float]]]:
    """Gaps between consecutive touches, and each side's reply latencies: a touchpoint that
    follows the other side's one-way outreach within ``cap``. A reply awaits no reply itself.
    Touches past the horizon (see ``score_contact``'s weights) teach nothing."""
    gaps: list[float] = []
    replies: list[list[float]] = [[], []]
    n = len(rows)
    if n < 2:
        return gaps, replies
    latest = rows[-1][0]
    # The first row inside the horizon, by count of newer rows or by time.
    first = min(
        max(0, n - 1 - int(horizon // step)),
        bisect.bisect_left(rows, (latest - horizon,)),
    )
    prev_ts, _id, prev_flags = rows[first]
    prev_reply = False
    for ts, _id, flags in itertools.islice(rows, first + 1, None):
        gap = ts - prev_ts
        if gaps_too:
            gaps.append(gap)
        if (flags ^ prev_flags) & _SIDE and (
            gap <= CONVERSATION_GAP  # in a conversation, every turn answers the one before
            or (not (prev_flags & _AWAITS_NOTHING or prev_reply) and gap <= cap)
        ):
            replies[flags & _SIDE].append(gap)
            prev_reply = True
        else:
            prev_reply = False
        prev_ts, prev_flags = ts, flags
    return gaps, replies


def _usual(samples: list[float]) -> float | None:
    return statistics.median(samples) if len(samples) >= RHYTHM_MIN_SAMPLES else None


def _reply_window(usual: float | None, base: float) -> float:
    """How soon after the other side's message one's own still answers it rather than starts
    anew: REPLY_FACTOR x one's usual latency (``_usual``), from REPLY_MIN up to the configured
    window (a slower answer still answers the outreach, but it is a new start)."""
    longest = max(base, REPLY_MIN)
    if usual is None:
        return longest
    return min(max(REPLY_MIN, REPLY_FACTOR * usual), longest)


def _window(usual: float | None, base: float) -> float:
    """How long a reply may take: the configured window, stretched to WINDOW_FACTOR x this side's
    usual latency (``_usual``), at most WINDOW_MAX_FACTOR x the configured window."""
    if usual is None:
        return base
    return min(max(base, WINDOW_FACTOR * usual), WINDOW_MAX_FACTOR * base)


def rhythm(
    touchpoints: Iterable[TouchpointRecord | tuple[Any, ...]],
    *,
    now: datetime,
    settings: ScoringSettings = ScoringSettings(),
) -> Rhythm:
    """The contact's usual interval between touches and each side's usual reply latency (medians).

    A reply is a touchpoint started by one side after the other side's one-way outreach, within
    WINDOW_MAX_FACTOR x the response window; a reply awaits no reply itself. Fewer than
    RHYTHM_MIN_SAMPLES intervals or replies tell nothing: None.
    """
    packed = Timebase(now).rows(_packed_rows(_touch_rows(touchpoints))[0])
    rows = [row for row in packed if row[0] <= 0.0]
    half_life = settings.half_life.total_seconds()
    gaps, replies = _intervals(
        rows,
        WINDOW_MAX_FACTOR * settings.response_window.total_seconds(),
        half_life / EVENTS_PER_HALF_LIFE,
        HORIZON_HALF_LIVES * half_life,
    )

    def usual(seconds: list[float]) -> timedelta | None:
        value = _usual(seconds)
        return None if value is None else timedelta(seconds=value)

    return Rhythm(usual(gaps), usual(replies[_THEM]), usual(replies[_ME]))

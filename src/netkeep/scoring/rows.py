"""Touchpoints as the rows scoring walks: sorted tuples, then packed as (ts, id, flags)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from netkeep.scoring.constants import _ME, _THEM
from netkeep.scoring.records import TouchpointRecord


def _ts(value: datetime | float | int) -> float:
    """Seconds since the epoch; naive datetimes are taken as UTC (netkeep stores UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    return float(value)


class Timebase:
    """Times as seconds from ``now``, counted in whole milliseconds (what the database keeps).

    Every time scoring compares goes through one of these, so a history and ``now`` shifted
    together by the same amount (a fraction of a second, a day) give the same figures to the
    last bit: epoch seconds read back from the database carry rounding noise of a few
    microseconds, and a raw float difference could land on either side of a threshold.
    """

    __slots__ = ("origin",)

    def __init__(self, now: datetime | float) -> None:
        self.origin = round(_ts(now) * 1000.0)

    def at(self, value: datetime | float | int) -> float:
        if type(value) is datetime and value.tzinfo is not None:
            return (round(value.timestamp() * 1000.0) - self.origin) / 1000.0  # the common case
        return (round(_ts(value) * 1000.0) - self.origin) / 1000.0

    def rows(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Packed rows (see ``_packed_rows``) on this time base, in the same order."""
        origin = self.origin
        return [((round(ts * 1000.0) - origin) / 1000.0, i, flags) for ts, i, flags in rows]


# Row layout after normalising: (ts, id, position, side, two_way, channel, give, ask, no_reply).
# Sorting by (ts, id, position) orders a history and its mirror identically and never compares
# the fields after position.
def _touch_rows(touchpoints: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Touchpoints as sorted rows.

    Accepts TouchpointRecord or plain tuples in the same field order
    (id, occurred_at, direction, two_way, channel[, give[, ask[, no_reply]]]), where occurred_at
    may be a datetime or epoch seconds. Records and plain SQL rows take a fast path: that is what
    ``netkeep score`` feeds in bulk.
    """
    items = touchpoints if isinstance(touchpoints, list | tuple) else list(touchpoints)
    if not items:
        return []
    first = items[0]
    rows = None
    try:
        if type(first) is TouchpointRecord and first.occurred_at.tzinfo is not None:
            rows = [
                (
                    tp.occurred_at.timestamp(),
                    tp.id,
                    position,
                    0 if tp.direction == "out" else 1,
                    tp.two_way,
                    tp.channel,
                    tp.give,
                    tp.ask,
                    tp.no_reply,
                )
                for position, tp in enumerate(items)
            ]
        elif type(first) is tuple and len(first) == 6 and not isinstance(first[1], datetime):
            rows = [
                (
                    float(when),
                    tp_id,
                    pos,
                    0 if direction == "out" else 1,
                    two_way,
                    channel,
                    give,
                    None,
                    False,
                )
                for pos, (tp_id, when, direction, two_way, channel, give) in enumerate(items)
            ]
        elif type(first) is tuple and len(first) in (7, 8) and not isinstance(first[1], datetime):
            # (..., give, ask[, no_reply]): what the store reads once it keeps those.
            rows = [
                (
                    float(tp[1]),
                    tp[0],
                    pos,
                    0 if tp[2] == "out" else 1,
                    tp[3],
                    tp[4],
                    tp[5],
                    tp[6],
                    bool(tp[7]) if len(tp) == 8 else False,
                )
                for pos, tp in enumerate(items)
            ]
    except (AttributeError, TypeError, ValueError):
        rows = None  # mixed input: take the careful path
    if rows is None:
        rows = []
        for position, tp in enumerate(items):
            if isinstance(tp, TouchpointRecord):
                fields = (
                    tp.id,
                    tp.occurred_at,
                    tp.direction,
                    tp.two_way,
                    tp.channel,
                    tp.give,
                    tp.ask,
                    tp.no_reply,
                )
            else:
                fields = tuple(tp) + (None,) * (8 - len(tp))
            tp_id, when, direction, two_way, channel, give, ask, no_reply = fields
            side = _ME if direction == "out" else _THEM
            rows.append(
                (
                    _ts(when),
                    tp_id,
                    position,
                    side,
                    bool(two_way),
                    channel,
                    give,
                    ask,
                    bool(no_reply),
                )
            )
    rows.sort()
    return rows


# The rows scoring walks: (ts, id, flags), sorted. ``flags`` packs the side (1: "in"), two_way (2),
# no_reply (4) and the channel's index in CHANNEL_CODES (times 8), so ``netkeep score`` can read a
# touchpoint as three numbers. Only the nouns of channels reach the output, so a channel outside
# CHANNEL_CODES reads as "other".
CHANNEL_CODES = ("call", "email", "text", "meeting", "social", "letter", "other")
_CHANNEL_CODE = {channel: code for code, channel in enumerate(CHANNEL_CODES)}
_OTHER_CODE = _CHANNEL_CODE["other"]
_SIDE, _TWO_WAY, _NO_REPLY, _AWAITS_NOTHING = 1, 2, 4, 6
_CODE_SHIFT = 3


def _packed_rows(
    wide: list[tuple[Any, ...]],
) -> tuple[list[tuple[Any, ...]], dict[int, tuple[Any, Any]]]:
    """``_touch_rows``' rows as (ts, id, flags), and the give and ask texts by row index."""
    code = _CHANNEL_CODE.get
    rows = [
        (
            row[0],
            row[1],
            row[3]
            | (_TWO_WAY if row[4] else 0)
            | (_NO_REPLY if row[8] else 0)
            | code(row[5], _OTHER_CODE) << _CODE_SHIFT,
        )
        for row in wide
    ]
    extras = {i: (row[6], row[7]) for i, row in enumerate(wide) if row[6] or row[7]}
    return rows, extras


def _flag(ts: float, two_way: bool, next_reply: float, now_ts: float, window: float) -> bool | None:
    """Answered, as docs/scoring.md defines it: two-way, or the other side started a touchpoint
    within the window after it (``next_reply`` is when they next did); else pending while a reply
    could still come."""
    if two_way or next_reply - ts <= window:
        return True
    return None if now_ts - ts <= window else False


def answered_flags(
    touchpoints: Sequence[TouchpointRecord], *, now: datetime, window: timedelta
) -> list[bool | None]:
    """One flag per touchpoint, in the order given: True answered, False unanswered, None pending."""
    rows = _touch_rows(touchpoints)
    now_ts, seconds = _ts(now), window.total_seconds()
    result: list[bool | None] = [None] * len(rows)
    next_start = [math.inf, math.inf]  # when I / they next started a touchpoint
    for ts, _id, position, side, two_way, *_ in reversed(rows):
        result[position] = _flag(ts, two_way, next_start[1 - side], now_ts, seconds)
        next_start[side] = ts
    return result

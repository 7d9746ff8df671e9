"""Reciprocity scoring: a contact's history + ``now`` + settings -> a score row.

Pure functions. No database, no clock, no Typer or Rich: the caller passes ``now`` and the history, so
tests freeze time and ``netkeep score`` can run over every contact in one cheap pass. The formula, its
thresholds and the reasoning behind them are in docs/scoring.md.

In brief, every event weighs ``2 ** (-age / half_life)``, its age measured against newer evidence
rather than the calendar. Each side earns *contribution* for starting contact (starts that serve its
own asks excepted), for answering the other side, and for doing favours (a give and the ``done`` ask
it fulfils are one favour; a favour right before one's own ask is a sweetener and earns nothing).
Replies and quick exchanges are told apart from starts, and each side's reply window follows its own
learned pace (``rhythm``). The score multiplies how evenly contribution is split (``balance``) by how
well both sides answer each other's outreach and requests (``responsiveness``); a side that gave the
other nothing to answer has no rate, and missing evidence decides nothing. Everything is computed
the same way for both sides, so mirroring a history (``mirror``) leaves the score unchanged.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from netkeep.text import plural
from netkeep.vocab import Band

__all__ = [
    "CHANNEL_CODES",
    "AskRecord",
    "GiveRecord",
    "Rhythm",
    "ScoringSettings",
    "TouchpointRecord",
    "answered_flags",
    "mirror",
    "rhythm",
    "score_contact",
    "score_history",
]


@dataclass(frozen=True)
class TouchpointRecord:
    id: int
    occurred_at: datetime  # aware, UTC
    direction: str  # "out" (I initiated) | "in" (they did)
    two_way: bool
    channel: str  # call, email, text, meeting, social, letter, other
    give: str | None = None  # what the initiator gave, if anything
    ask: str | None = None  # text of the ask made in this touchpoint by its initiator, if any
    no_reply: bool = False  # needs no reply: it closes a thread (an answer, a thank-you)


@dataclass(frozen=True)
class AskRecord:
    id: int
    by: str  # "me" | "them"
    what: str
    status: str  # open | working | done | declined | withdrawn
    opened_at: datetime  # aware UTC
    resolved_at: datetime | None
    touchpoint_id: int | None = None


@dataclass(frozen=True)
class GiveRecord:
    """A favour done by either side, on any touchpoint or none.

    A give that names the ask it fulfils (``fulfils``) and that ask's ``done`` are one favour.
    """

    id: int
    by: str  # "me" | "them"
    what: str
    given_at: datetime  # aware UTC
    touchpoint_id: int | None = None
    fulfils: int | None = None  # id of the ask this give fulfils


@dataclass(frozen=True)
class Rhythm:
    """A contact's own pace, learned from their history (None: too little to tell)."""

    usual_interval: timedelta | None  # between touches of either side
    their_reply: timedelta | None  # how soon they usually answer your outreach
    my_reply: timedelta | None  # how soon you usually answer theirs


@dataclass(frozen=True)
class ScoringSettings:
    half_life: timedelta = timedelta(days=180)
    response_window: timedelta = timedelta(days=14)


# --- The constants of the formula (docs/scoring.md explains each) -------------------------------

MIN_TOUCHPOINTS = 3  # below this the band is "new" and the score is None
HORIZON_HALF_LIVES = 10  # events older than this weigh 0 instead of < 1/1000
# Decay is relative to newer evidence: an event ages with time only while newer touchpoints keep
# coming, each newer touchpoint ageing it by at most half_life / EVENTS_PER_HALF_LIFE.
EVENTS_PER_HALF_LIFE = 4

# Contribution credited to a side, per unit of recency weight.
INITIATE_CREDIT = 1.0  # starting a contact that is not an ask
ASK_INITIATE_CREDIT = 0.0  # reaching out only to ask invests nothing in the relationship
ANSWER_CREDIT = 0.5  # answering the other side: a reply, or taking part in a live exchange
GIVE_CREDIT = 2.0  # a favour: a give, or fulfilling the other side's ask

BALANCE_PRIOR = 0.5  # touchpoints of average weight added to both sides before comparing them
RESPONSE_PRIOR = 0.5  # verdicts of average weight assumed answered at RESPONSE_PRIOR_RATE
RESPONSE_PRIOR_RATE = 0.5  # no evidence either way: a coin flip
BALANCE_EXPONENT = 0.6  # score = 100 * balance**0.6 * responsiveness

# Messages this close to the one before are one conversation (see score_contact).
CONVERSATION_GAP = 3600.0  # seconds

# Rhythm and the adaptive response window.
RHYTHM_MIN_SAMPLES = 3  # fewer intervals or replies than this tell nothing
WINDOW_FACTOR = 1.5  # a side's answer window: 1.5 x its usual reply latency...
WINDOW_MAX_FACTOR = 4  # ...between the configured window and 4 x the configured window
REPLY_FACTOR = 3  # a reply rather than a new start: within 3 x one's usual latency
BROKEN_RHYTHM_FACTOR = 3  # `stale --rhythm`: silence longer than 3 x the usual interval

# Band thresholds.
LEAN_PRIOR = 3  # pseudo-starts added when weighing who reaches out
LEAN_THRESHOLD = 0.3  # |lean| below this (a 35/65 split or closer): neither side carries it
RESPONSE_GAP = 0.3  # ...unless one side answers this much worse than the other
MOSTLY = 0.5  # "mostly unanswered", "mostly asks"
SELDOM = 0.25  # "they seldom initiate": their share of initiations below this
ASK_LEAN_DISCOUNT = 0.5  # who reaches out: an initiation that serves one's own ask counts half
TAKER = 0.75  # a side whose initiations are at least this share asks, and who only receives favours
EXPLAIN_RECENT = timedelta(days=365)  # the horizon of "in a year" in explanations

_ME, _THEM = 0, 1
_BY = ("me", "them")
_TOOK_NOTHING = ("declined", "withdrawn")
_LN2 = math.log(2.0)
_NOUNS = {
    "call": "calls",
    "email": "emails",
    "text": "texts",
    "meeting": "meeting requests",
    "letter": "letters",
}


# --- Normalising input ---------------------------------------------------------------------------


def _ts(value: datetime | float | int) -> float:
    """Seconds since the epoch; naive datetimes are taken as UTC (netkeep stores UTC)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    return float(value)


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


def mirror(
    touchpoints: Iterable[TouchpointRecord],
    asks: Iterable[AskRecord],
    gives: Iterable[GiveRecord] | None = None,
) -> tuple[Any, ...]:
    """The same history seen from the other side: in <-> out and me <-> them.

    A touchpoint's give and ask belong to its initiator, so they follow the swapped direction.
    With ``gives``, returns (touchpoints, asks, gives), the gives' sides swapped too.
    """
    flip_direction = {"out": "in", "in": "out"}
    flip_side = {"me": "them", "them": "me"}
    mirrored = (
        [replace(tp, direction=flip_direction[tp.direction]) for tp in touchpoints],
        [replace(ask, by=flip_side[ask.by]) for ask in asks],
    )
    if gives is None:
        return mirrored
    return (*mirrored, [replace(give, by=flip_side[give.by]) for give in gives])


# --- Scoring ---------------------------------------------------------------------------------------


def _rate(answered: float, counted: float) -> float | None:
    return round(answered / counted, 2) if counted > 0 else None


def score_contact(
    touchpoints: Iterable[TouchpointRecord | tuple[Any, ...]],
    asks: Iterable[AskRecord] = (),
    *,
    now: datetime,
    settings: ScoringSettings = ScoringSettings(),
    gives: Iterable[GiveRecord] = (),
) -> dict[str, Any]:
    """The score row for one contact, without ``id`` and ``name`` (the caller adds those).

    Keys: score band touchpoints initiative their_response_rate my_response_rate their_asks
    their_gives my_asks my_gives open_asks_by_me open_asks_by_them unanswered_streak explanation.
    Rates and initiative are recency-weighted shares (0..1, 2 decimals, None when nothing counted);
    ask, give and open-ask figures are plain counts.
    """
    rows, extras = _packed_rows(_touch_rows(touchpoints))
    scored = _score_rows(rows, asks, gives, now=now, settings=settings, extras=extras)
    assert scored is not None  # without a choice of bands, every contact has a row
    return scored


def score_history(
    rows: list[tuple[Any, ...]],
    asks: Iterable[AskRecord] = (),
    *,
    now: datetime,
    settings: ScoringSettings = ScoringSettings(),
    gives: Iterable[GiveRecord] = (),
    bands: Container[str] | None = None,
) -> dict[str, Any] | None:
    """``score_contact`` for touchpoints already in scoring's row form, as ``netkeep score`` reads
    them in bulk: ``(epoch seconds, id, flags)``, flags being 1 for "in" (0 "out") + 2 if two-way
    + 4 if it needs no reply + 8 x the channel's index in CHANNEL_CODES; in any order (they are
    sorted here; ids must be unique). Their gives and asks are in ``gives`` and ``asks`` only.
    Same result as ``score_contact``; with ``bands``, None for a contact in another band (its
    explanation is not even written)."""
    rows.sort()
    return _score_rows(rows, asks, gives, now=now, settings=settings, extras={}, bands=bands)


def _score_rows(
    rows: list[tuple[Any, ...]],
    asks: Iterable[AskRecord],
    gives: Iterable[GiveRecord],
    *,
    now: datetime,
    settings: ScoringSettings,
    extras: dict[int, tuple[Any, Any]],
    bands: Container[str] | None = None,
) -> dict[str, Any] | None:
    """The score row from sorted rows (see ``_packed_rows``) and the give and ask texts typed on
    them (``extras``, by row index). None when ``bands`` is given and the band is not in it."""
    now_ts = _ts(now)
    base_window = settings.response_window.total_seconds()
    half_life = settings.half_life.total_seconds()
    decay = _LN2 / half_life
    horizon = HORIZON_HALF_LIVES * half_life
    step = half_life / EVENTS_PER_HALF_LIFE
    if rows and rows[-1][0] > now_ts:
        rows = [row for row in rows if row[0] <= now_ts]
    n = len(rows)
    if bands is not None and n < MIN_TOUCHPOINTS and Band.new.value not in bands:
        return None
    latest = rows[-1][0] if rows else now_ts

    # Each side's window for answering the other, from its own usual reply latency.
    _gaps, latencies = _intervals(
        rows, WINDOW_MAX_FACTOR * base_window, step, horizon, gaps_too=False
    )
    window = [_window(latencies[side], base_window) for side in (_ME, _THEM)]
    # How soon after the other side's message one's own still answers it rather than starts
    # anew: REPLY_FACTOR x one's usual latency, from CONVERSATION_GAP up to the answer window.
    reply_window = [_reply_window(latencies[side], window[side]) for side in (_ME, _THEM)]

    ask_list = list(asks)
    asked_in = {a.touchpoint_id: a.status for a in ask_list if a.touchpoint_id is not None}
    for i, (_give, typed_ask) in sorted(extras.items()):
        if i >= n or not typed_ask:
            continue  # no ask, or a touchpoint after now
        row = rows[i]
        if row[1] not in asked_in:
            # An ask typed on a touchpoint without an ask record of its own: still open.
            side = row[2] & _SIDE
            ask_list.append(AskRecord(-1, _BY[side], typed_ask, "open", row[0], None, row[1]))
            asked_in[row[1]] = "open"
    ask_opened: list[list[float]] = [[], []]  # asks that took or may take something
    for ask in ask_list:
        if ask.status not in _TOOK_NOTHING:
            ask_opened[_ME if ask.by == "me" else _THEM].append(_ts(ask.opened_at))

    def sweetener(when: float, side: int) -> bool:
        """A favour by ``side`` just before an ask of its own: the price of that ask."""
        return any(when <= opened <= when + base_window for opened in ask_opened[side])

    # Stretches in which a side's own initiations serve its own asks: while the other side works
    # an ask of theirs that ends done (not as a sweetener), and the approach to each ask.
    # A declined or withdrawn ask took nothing: its initiations count as plain reaching out.
    interest: list[list[tuple[float, float]]] = [[], []]
    for ask in ask_list:
        side = _ME if ask.by == "me" else _THEM
        opened = _ts(ask.opened_at)
        if ask.status == "withdrawn":
            # Moot in the end, but while it was open the asker's calls served it.
            resolved = _ts(ask.resolved_at) if ask.resolved_at is not None else opened
            interest[side].append((opened - base_window, resolved))
            continue
        if ask.status in _TOOK_NOTHING:
            continue
        interest[side].append((opened - base_window, opened))
        if ask.status == "done":
            resolved = _ts(ask.resolved_at) if ask.resolved_at is not None else opened
            if not sweetener(resolved, 1 - side):
                interest[side].append((opened, resolved))
            elif ask.touchpoint_id is not None:
                asked_in[ask.touchpoint_id] = "open"  # bought, not given: as good as ignored
    # Merged and sorted, for a bisect per initiation.
    interest_starts: list[list[float]] = [[], []]
    interest_ends: list[list[float]] = [[], []]
    for side in (_ME, _THEM):
        for start, end in sorted(interest[side]):
            if interest_ends[side] and start <= interest_ends[side][-1]:
                interest_ends[side][-1] = max(interest_ends[side][-1], end)
            else:
                interest_starts[side].append(start)
                interest_ends[side].append(end)

    t = _Tally()
    year_ago = now_ts - EXPLAIN_RECENT.total_seconds()
    favours: list[list[Any]] = []  # [ts, side, touchpoint id, fulfils ask id, weight]
    # Locals: this loop runs once per touchpoint of the whole network.
    initiated, initiated_ask, taking, answering = (
        t.initiated,
        t.initiated_ask,
        t.taking,
        t.answering,
    )
    starts, verdicts, counted, answered = (
        t.starts,
        t.verdicts,
        t.outreach_counted,
        t.outreach_answered,
    )
    exp = math.exp
    conversation_gap, took_nothing = CONVERSATION_GAP, _TOOK_NOTHING
    pointer = [len(interest_starts[_ME]) - 1, len(interest_starts[_THEM]) - 1]
    # One backward pass: "answered" needs the next touchpoint each side started.
    next_start = [math.inf, math.inf]
    weight_sum = 0.0
    year_started, latest_verdicts = t.year_started, t.latest
    verdict_room = [5, 5]  # how many more latest verdicts each side keeps for the explanation
    their_asks_in_year = 0
    neg_decay = -decay
    newer_age = -step
    # Each row with its index and the one before it (older), newest first.
    backward = reversed(rows)
    older = itertools.chain(itertools.islice(reversed(rows), 1, None), (None,))
    # Flags as literals (see _packed_rows): 1 side, 2 two-way, 4 no reply, 6 awaits no reply.
    for i, (ts, tp_id, flags), prev in zip(itertools.count(n - 1, -1), backward, older):
        side = flags & 1
        two_way = flags & 2
        other = 1 - side
        age = latest - ts
        newer_age += step
        if newer_age < age:
            age = newer_age
        weight = exp(neg_decay * age) if age <= horizon else 0.0
        weight_sum += weight
        if two_way:
            answering[other] += weight
        if extras and extras.get(i, (None,))[0]:
            favours.append([ts, side, tp_id, None, weight])
        if flags & _AWAITS_NOTHING == _AWAITS_NOTHING:
            # A live exchange that needs no reply: an occurrence of a standing meeting. It keeps
            # both sides in touch and tips nothing: the series' first occurrence was the start.
            answering[side] += weight
            next_start[0] = next_start[1] = ts
            continue
        # Replies: a touchpoint that answers the other side's one-way outreach within the
        # replier's reply window, and expects no answer itself. Messages close together are one
        # conversation: after its first, the other side's are replies and the same side's carry
        # on (neither starts anything).
        if prev is not None:
            gap = ts - prev[0]
            if gap <= conversation_gap:
                if (prev[2] ^ flags) & 1:
                    answering[side] += weight
                next_start[side] = ts
                continue
            if (prev[2] ^ flags) & 1 and not prev[2] & 6 and gap <= reply_window[side]:
                answering[side] += weight
                next_start[side] = ts
                continue
        initiated[side] += weight
        if weight:
            starts[side] += 1
        status = asked_in.get(tp_id) if asked_in else None
        if status is not None and status not in took_nothing:
            own_interest = True
        elif interest_starts[side]:
            # The loop walks back in time: move this side's pointer back to the last stretch
            # that starts at or before ts.
            starts_of = interest_starts[side]
            j = pointer[side]
            while j >= 0 and starts_of[j] > ts:
                j -= 1
            pointer[side] = j
            own_interest = j >= 0 and ts <= interest_ends[side][j]
        else:
            own_interest = False
        if own_interest:
            initiated_ask[side] += weight
            if status != "open" or now_ts - ts <= window[other]:
                taking[side] += weight  # an ask left open past the window took nothing
        if ts >= year_ago:
            year_started[side] += 1
            if side and status is not None:
                their_asks_in_year += 1
        if two_way:
            flag: bool | None = True
        elif flags & 4 or _closes(prev, flags, ts, base_window):
            flag = None
        elif next_start[other] - ts <= window[other]:
            flag = True
        else:
            flag = None if now_ts - ts <= window[other] else False
        if flag is not None:
            if weight:
                verdicts[side] += 1
            counted[side] += weight
            if flag:
                answered[side] += weight
            if verdict_room[side]:
                verdict_room[side] -= 1
                channel = CHANNEL_CODES[flags >> 3]
                latest_verdicts[side].append((channel, flag))
        next_start[side] = ts
    t.year_their_asks = their_asks_in_year

    times = [row[0] for row in rows]

    def weight_at(when: float) -> float:
        age = max(latest - when, 0.0)
        newer_age = (n - bisect.bisect_right(times, when)) * step
        age = min(age, newer_age)
        return math.exp(-decay * age) if age <= horizon else 0.0

    for give in gives:
        when = _ts(give.given_at)
        favours.append(
            [when, _ME if give.by == "me" else _THEM, give.touchpoint_id, give.fulfils, None]
        )
    _tally_asks_and_favours(t, ask_list, favours, weight_at, sweetener, window, base_window, now_ts)

    # Contribution, for the score: reaching out (an ask takes, it does not invest), answering,
    # and favours.
    contribution = [
        INITIATE_CREDIT * (t.initiated[side] - t.taking[side])
        + ASK_INITIATE_CREDIT * t.taking[side]
        + ANSWER_CREDIT * t.answering[side]
        + GIVE_CREDIT * t.gave[side]
        for side in (_ME, _THEM)
    ]
    total_initiated = t.initiated[_ME] + t.initiated[_THEM]

    score: int | None = None
    band = Band.new.value
    if n >= MIN_TOUCHPOINTS:
        low, high = sorted(contribution)
        # The prior is BALANCE_PRIOR touchpoints of average weight, so that fading (which scales
        # every weight down together) does not by itself move the balance.
        prior = BALANCE_PRIOR * weight_sum / n
        balance = (low + prior) / (high + prior) if high > 0 else 1.0
        they_answer, i_answer = t.answers(_ME), t.answers(_THEM)
        known = [rate for rate in (they_answer, i_answer) if rate is not None]
        # Missing evidence (no outreach of one side to answer) neither helps nor hurts.
        if len(known) == 2:
            responsiveness = math.sqrt(known[0] * known[1])
        else:
            responsiveness = known[0] if known else RESPONSE_PRIOR_RATE
        score = round(100 * balance**BALANCE_EXPONENT * responsiveness)
        band = _band(t, they_answer, i_answer, now_ts, window)
    if bands is not None and band not in bands:
        return None

    streak, streak_channels, pending = _unanswered_streak(rows, now_ts - window[_THEM], base_window)
    result: dict[str, Any] = {
        "score": score,
        "band": band,
        "touchpoints": n,
        "initiative": round(t.initiated[_THEM] / total_initiated, 2) if total_initiated else None,
        "their_response_rate": _rate(t.outreach_answered[_ME], t.outreach_counted[_ME]),
        "my_response_rate": _rate(t.outreach_answered[_THEM], t.outreach_counted[_THEM]),
        "their_asks": t.ask_count[_THEM],
        "their_gives": t.give_count[_THEM],
        "my_asks": t.ask_count[_ME],
        "my_gives": t.give_count[_ME],
        "open_asks_by_me": len(t.open_asks[_ME]),
        "open_asks_by_them": len(t.open_asks[_THEM]),
        "unanswered_streak": streak,
    }
    result["explanation"] = _explain(
        result, t, streak_channels=streak_channels, pending=pending, now_ts=now_ts, window=window
    )
    return result


class _Tally:
    """Per-side figures (index 0 me, 1 them), recency-weighted unless named *_count."""

    __slots__ = (
        "initiated",
        "initiated_ask",
        "taking",
        "answering",
        "outreach_counted",
        "outreach_answered",
        "requests_counted",
        "requests_answered",
        "verdicts",
        "starts",
        "asked",
        "gave",
        "ask_count",
        "give_count",
        "open_asks",
        "stalled_asks",
        "latest",
        "year_started",
        "year_their_asks",
    )

    def __init__(self) -> None:
        self.initiated = [0.0, 0.0]  # touchpoints started that were not replies
        self.initiated_ask = [0.0, 0.0]  # ...that served the starter's own asks
        self.taking = [0.0, 0.0]  # ...less those whose ask was left open, ignored
        self.answering = [0.0, 0.0]  # replies, and taking part in live exchanges
        self.outreach_counted = [0.0, 0.0]  # outreach with a verdict (not pending)
        self.outreach_answered = [0.0, 0.0]
        self.requests_counted = [0.0, 0.0]  # asks with a verdict
        self.requests_answered = [0.0, 0.0]
        self.verdicts = [0, 0]  # how many outreach and asks have a verdict (weight above 0)
        self.starts = [0, 0]  # how many initiations (weight above 0)
        self.asked = [0.0, 0.0]
        self.gave = [0.0, 0.0]
        self.ask_count = [0, 0]
        self.give_count = [0, 0]
        self.open_asks: list[list[tuple[float, str]]] = [[], []]  # (opened ts, what)
        self.stalled_asks = [0, 0]  # asks left open past the window (a sweetener's "done" too)
        # For the explanation: each side's latest verdicts (channel, answered), newest first,
        # and the past year's initiations.
        self.latest: list[list[tuple[str, bool]]] = [[], []]
        self.year_started = [0, 0]
        self.year_their_asks = 0

    def answers(self, side: int) -> float | None:
        """How well the other side answers ``side``'s outreach and asks (smoothed), or None
        when ``side`` gave them nothing to answer."""
        counted = self.outreach_counted[side] + self.requests_counted[side]
        if counted <= 0:
            return None
        answered = self.outreach_answered[side] + self.requests_answered[side]
        # The prior weighs like RESPONSE_PRIOR verdicts of average weight: how much evidence
        # there is, not how faded it is, decides how far it pulls.
        verdicts = self.verdicts[side]
        return (verdicts * answered / counted + RESPONSE_PRIOR * RESPONSE_PRIOR_RATE) / (
            verdicts + RESPONSE_PRIOR
        )


def _tally_asks_and_favours(
    t: _Tally,
    ask_list: list[AskRecord],
    favours: list[list[Any]],
    weight_at: Callable[[float], float],
    sweetener: Callable[[float, int], bool],
    window: list[float],
    base_window: float,
    now_ts: float,
) -> None:
    """Requests and favours. A give and a ``done`` ask are one favour when the give names the
    ask, or comes from the asked side within the response window of the ask's resolution. A
    favour done just before its doer's own new ask is a sweetener: no credit, and an ask it
    fulfils still counts as left unanswered."""
    linked = {fav[3] for fav in favours if fav[3] is not None}
    used: set[int] = set()
    for ask in ask_list:
        side = _ME if ask.by == "me" else _THEM
        doer = 1 - side
        opened = _ts(ask.opened_at)
        t.ask_count[side] += 1
        if ask.status == "withdrawn":
            continue  # moot: nobody owes anything
        weight = weight_at(opened)
        t.asked[side] += weight
        if ask.status == "working":
            continue  # being worked on: not waiting, not yet answered either
        if ask.status == "open":
            t.open_asks[side].append((opened, ask.what))
            if now_ts - opened > window[doer]:
                t.requests_counted[side] += weight
                t.verdicts[side] += weight > 0
                t.stalled_asks[side] += 1
            continue
        t.requests_counted[side] += weight
        t.verdicts[side] += weight > 0
        if ask.status != "done":
            continue  # declined: answered, but with nothing; it must not raise the score
        resolved = _ts(ask.resolved_at) if ask.resolved_at is not None else opened
        if ask.id not in linked:
            # The implied link: a give by the asked side around the resolution.
            for k, fav in enumerate(favours):
                if (
                    k not in used
                    and fav[3] is None
                    and fav[1] == doer
                    and abs(fav[0] - resolved) <= base_window
                ):
                    used.add(k)
                    break
        t.give_count[doer] += 1
        if sweetener(resolved, doer):
            # Done only to clear the way for an ask of their own: if it had been left waiting
            # longer than any reply window, it still counts as an ask they left open.
            if resolved - opened > WINDOW_MAX_FACTOR * base_window:
                t.stalled_asks[side] += 1
            continue
        t.requests_answered[side] += weight
        t.gave[doer] += weight_at(resolved)
    done = {a.id for a in ask_list if a.status == "done"}
    for k, (when, side, _tp, fulfils, weight) in enumerate(favours):
        if k in used or (fulfils is not None and fulfils in done):
            continue  # the same favour as an ask's "done", counted there
        t.give_count[side] += 1
        if not sweetener(when, side):
            t.gave[side] += weight_at(when) if weight is None else weight


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
        if (
            (flags ^ prev_flags) & _SIDE
            and not (prev_flags & _AWAITS_NOTHING or prev_reply)
            and gap <= cap
        ):
            replies[flags & _SIDE].append(gap)
            prev_reply = True
        else:
            prev_reply = False
        prev_ts, prev_flags = ts, flags
    return gaps, replies


def _usual(samples: list[float]) -> float | None:
    return statistics.median(samples) if len(samples) >= RHYTHM_MIN_SAMPLES else None


def _reply_window(latencies: list[float], window: float) -> float:
    usual = _usual(latencies)
    if usual is None:
        return window
    return min(max(CONVERSATION_GAP, REPLY_FACTOR * usual), window)


def _window(latencies: list[float], base: float) -> float:
    """How long a reply may take: the configured window, stretched to WINDOW_FACTOR x this side's
    usual latency, at most WINDOW_MAX_FACTOR x the configured window."""
    usual = _usual(latencies)
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
    now_ts = _ts(now)
    rows = [row for row in _packed_rows(_touch_rows(touchpoints))[0] if row[0] <= now_ts]
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


def _band(
    t: _Tally,
    they_answer: float | None,
    i_answer: float | None,
    now_ts: float,
    window: list[float],
) -> str:
    """Which side falls short, then how. Each test on one side is the exact mirror of the other's,
    so a mirrored history lands on the mirrored band (ties aside: see docs/scoring.md)."""
    initiated, initiated_ask, gave = t.initiated, t.initiated_ask, t.gave

    def fair_weather(side: int) -> bool:
        # They take more than they give, recently reach out mostly to ask, and your outreach goes
        # unanswered or your asks to them stay open. ``side`` is the one under suspicion.
        other = 1 - side
        takes_more = max(t.asked[side], gave[other]) > gave[side]
        asks_mostly = initiated[side] > 0 and initiated_ask[side] / initiated[side] >= MOSTLY
        counted = t.outreach_counted[other]
        ignores = counted > 0 and t.outreach_answered[other] / counted < MOSTLY
        return takes_more and asks_mostly and (ignores or t.stalled_asks[other] > 0)

    def taker(side: int) -> bool:
        # Reaches out (almost) only to ask and every favour flows their way.
        other = 1 - side
        return (
            initiated[side] > 0
            and initiated_ask[side] / initiated[side] >= TAKER
            and gave[other] > 0
            and gave[side] <= 0
        )

    they_are, i_am = fair_weather(_THEM), fair_weather(_ME)
    if they_are and not i_am:
        return Band.fair_weather.value
    if i_am and not they_are:
        return Band.they_carry.value
    they_take, i_take = taker(_THEM), taker(_ME)
    if they_take and not i_take:
        return Band.you_carry.value
    if i_take and not they_take:
        return Band.they_carry.value

    # Who keeps the tie alive: reaching out (replies are answers, not reaching out; reaching out
    # to ask counts half: it keeps in touch, but it takes).
    # The prior is LEAN_PRIOR starts of average weight: a carrying verdict needs several starts,
    # one conversation is not a pattern.
    plain = [initiated[side] - ASK_LEAN_DISCOUNT * initiated_ask[side] for side in (_ME, _THEM)]
    starts = t.starts[_ME] + t.starts[_THEM]
    prior = LEAN_PRIOR * (initiated[_ME] + initiated[_THEM]) / starts if starts else 1.0
    lean = (plain[_ME] - plain[_THEM]) / (plain[_ME] + plain[_THEM] + prior)
    balanced = abs(lean) < LEAN_THRESHOLD
    if balanced and they_answer is not None and i_answer is not None:
        if they_answer < MOSTLY and i_answer < MOSTLY:
            # Ignoring each other is not mutual: the side answering worse falls short.
            return Band.you_carry.value if they_answer < i_answer else Band.they_carry.value
        if i_answer <= they_answer - RESPONSE_GAP:
            return Band.they_carry.value
        if they_answer <= i_answer - RESPONSE_GAP:
            return Band.you_carry.value
    if lean <= -LEAN_THRESHOLD:
        return Band.they_carry.value
    if balanced:
        # Evidence on one side only is judged alone: one-way is not mutual.
        if i_answer is None and they_answer is not None and they_answer < MOSTLY:
            balanced = False
        elif they_answer is None and i_answer is not None and i_answer < MOSTLY:
            return Band.they_carry.value
        else:
            return Band.mutual.value
    # You carry it: do they at least answer?
    counted = t.outreach_counted[_ME]
    mostly_unanswered = counted > 0 and t.outreach_answered[_ME] / counted < MOSTLY
    if mostly_unanswered and initiated[_THEM] / (initiated[_ME] + initiated[_THEM]) < SELDOM:
        return Band.unresponsive.value
    return Band.you_carry.value


def _closes(prev: tuple[Any, ...] | None, flags: int, ts: float, response_window: float) -> bool:
    """A one-way message that closes a thread: it comes within the response window after the
    other side's one-way message that needed no reply (a referral answered with "thanks!"). It
    expects no answer, so it is never unanswered outreach."""
    if prev is None or not (prev[2] ^ flags) & _SIDE:
        return False
    return bool(prev[2] & 4) and not prev[2] & _TWO_WAY and ts - prev[0] <= response_window


def _unanswered_streak(
    rows: list[tuple[Any, ...]], pending_after: float, response_window: float = 0.0
) -> tuple[int, set[str], int]:
    """Your most recent consecutive one-way outreach with nothing from them after it: its length,
    channels, and how many of it are still pending (after ``pending_after``). Messages that need
    no reply (marked so, or closing a thread) are not outreach."""
    streak = pending = 0
    channels: set[str] = set()
    for index in range(len(rows) - 1, -1, -1):
        row = rows[index]
        flags = row[2]
        if flags & (_SIDE | _TWO_WAY):
            break  # theirs, or a live exchange
        previous = rows[index - 1] if index else None
        if flags & 4 or _closes(previous, flags, row[0], response_window):
            continue
        streak += 1
        pending += row[0] > pending_after
        channels.add(CHANNEL_CODES[flags >> _CODE_SHIFT])
    return streak, channels, pending


# --- Explanation -----------------------------------------------------------------------------------


def _outreach_noun(channels: Iterable[str]) -> str:
    nouns = sorted({_NOUNS.get(channel, "messages") for channel in channels})
    if len(nouns) == 1:
        return nouns[0]
    if len(nouns) == 2:
        return f"{nouns[0]} and {nouns[1]}"
    return "attempts to reach them"


def _explain(
    row: dict[str, Any],
    t: _Tally,
    *,
    streak_channels: set[str],
    pending: int,
    now_ts: float,
    window: list[float],
) -> str:
    """A short paragraph with the specific facts behind the band, most telling first."""
    n = row["touchpoints"]
    clauses: list[str] = []
    if n < MIN_TOUCHPOINTS:
        clauses.append(
            f"only {plural(n, 'touchpoint')} so far, too few to judge"
            if n
            else "no touchpoints yet"
        )

    # Your latest outreach and what came of it (pending outreach is not judged yet). A current
    # streak is told as the streak, so the count matches `unanswered_streak` everywhere.
    mine = t.latest[_ME]
    unanswered = sum(1 for _, answered in mine if not answered)
    streak = row["unanswered_streak"]
    if streak >= 2:
        noun = _outreach_noun(streak_channels)
        if not pending:
            clauses.append(f"your last {streak} {noun} went unanswered")
        elif pending == streak:
            clauses.append(f"your last {streak} {noun} have had no reply yet")
        else:
            clauses.append(
                f"your last {streak} {noun} have had no reply ({pending} still may get one)"
            )
    elif unanswered >= 2 or (unanswered and len(mine) == 1):
        noun = _outreach_noun(channel for channel, _ in mine)
        if len(mine) == 1:
            clauses.append(f"your last {noun.removesuffix('s')} went unanswered")
        else:
            clauses.append(f"{unanswered} of your last {len(mine)} {noun} went unanswered")

    # Their latest outreach that you left unanswered.
    theirs = t.latest[_THEM]
    ignored = sum(1 for _, answered in theirs if not answered)
    if ignored >= 2:
        noun = _outreach_noun(channel for channel, _ in theirs)
        clauses.append(f"you left {ignored} of their last {len(theirs)} {noun} unanswered")

    # Their initiations over the past year, and how many were asks.
    started = t.year_started[_THEM]
    asks = t.year_their_asks
    if n >= MIN_TOUCHPOINTS:
        if not started:
            clauses.append("they have not reached out once in a year")
        elif asks == started:
            clauses.append(
                "their only initiation in a year was an ask"
                if started == 1
                else f"their only {started} initiations in a year were asks"
            )
        elif asks:
            verb = "was an ask" if asks == 1 else "were asks"
            clauses.append(f"{asks} of their {started} initiations in a year {verb}")
        else:
            total = started + t.year_started[_ME]
            clauses.append(f"they started {started} of {total} contacts in the past year")

    # The oldest open ask on each side.
    if t.open_asks[_ME]:
        opened, what = min(t.open_asks[_ME])
        if now_ts - opened > window[_THEM]:
            days = int((now_ts - opened) // 86400)
            clauses.append(f"your ask '{what}' has been open {plural(days, 'day')}")
    if t.open_asks[_THEM]:
        opened, what = min(t.open_asks[_THEM])
        days = int((now_ts - opened) // 86400)
        clauses.append(f"their ask '{what}' has waited on you {plural(days, 'day')}")

    # Favours and answering, when there is something to say.
    if row["my_gives"] or row["their_gives"]:
        clauses.append(f"favours: {row['my_gives']} from you, {row['their_gives']} from them")
    if n >= MIN_TOUCHPOINTS and mine and not unanswered and row["unanswered_streak"] < 2:
        clauses.append("they answer when you reach out")

    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + "."

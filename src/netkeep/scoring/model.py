"""One score row, step by step: windows, asks and interest, the backward pass, favours, the
score and band, the row and its explanation (docs/scoring.md explains every rule)."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from netkeep.scoring.bands import SCORE_RANGES, Verdict, _band, _puts_in_less
from netkeep.scoring.constants import (
    _LN2,
    _ME,
    _THEM,
    _TOOK_NOTHING,
    ANSWER_CREDIT,
    ASK_INITIATE_CREDIT,
    BALANCE_EXPONENT,
    BALANCE_PRIOR,
    CONVERSATION_GAP,
    EVENTS_PER_HALF_LIFE,
    EXPLAIN_RECENT,
    GIVE_CREDIT,
    HORIZON_HALF_LIVES,
    INITIATE_CREDIT,
    MIN_TOUCHPOINTS,
    REPLY_MIN,
    RESPONSE_PRIOR_RATE,
    WINDOW_MAX_FACTOR,
)
from netkeep.scoring.explain import _explain, _unanswered_streak
from netkeep.scoring.interest import Interest, asks_with_typed
from netkeep.scoring.pace import _intervals, _reply_window, _usual, _window
from netkeep.scoring.records import AskRecord, GiveRecord, ScoringSettings, TouchpointRecord
from netkeep.scoring.rows import Timebase, _packed_rows, _touch_rows
from netkeep.scoring.tally import _Tally, _tally_asks_and_favours
from netkeep.vocab import Band


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
    from_now: bool = False,
    explain: bool = True,
) -> dict[str, Any] | None:
    """``score_contact`` for touchpoints already in scoring's row form, as ``netkeep score`` reads
    them in bulk: ``(epoch seconds, id, flags)``, flags being 1 for "in" (0 "out") + 2 if two-way
    + 4 if it needs no reply + 8 x the channel's index in CHANNEL_CODES; in any order (they are
    sorted here; ids must be unique). Their gives and asks are in ``gives`` and ``asks`` only.
    Same result as ``score_contact``; with ``bands``, None for a contact in another band (its
    explanation is not even written). With ``from_now``, the times are already seconds from
    ``now`` counted in whole milliseconds (``Timebase(now).rows``), as the store computes them.
    Without ``explain``, the row's ``explanation`` is None (a table that does not show it)."""
    rows.sort()
    return _score_rows(
        rows,
        asks,
        gives,
        now=now,
        settings=settings,
        extras={},
        bands=bands,
        from_now=from_now,
        explain=explain,
    )


@dataclass(frozen=True)
class _Clock:
    """The times one score row is computed against, in seconds."""

    now: float
    latest: float  # the latest touchpoint (``now`` when there is none)
    base_window: float  # the configured response window
    decay: float  # ln 2 / half-life
    horizon: float  # past this age an event weighs 0
    step: float  # how much each newer touchpoint ages an event, at most
    window: list[float]  # each side's answer window (its learned pace)
    reply_window: list[float]  # ...and how soon its next message still answers


def _clock(rows: list[tuple[Any, ...]], now_ts: float, settings: ScoringSettings) -> _Clock:
    """Each side's window for answering the other, from its own usual reply latency, and how soon
    after the other side's message one's own still answers it rather than starts anew."""
    base_window = settings.response_window.total_seconds()
    half_life = settings.half_life.total_seconds()
    horizon = HORIZON_HALF_LIVES * half_life
    step = half_life / EVENTS_PER_HALF_LIFE
    _gaps, latencies = _intervals(
        rows, WINDOW_MAX_FACTOR * base_window, step, horizon, gaps_too=False
    )
    usual = [_usual(latencies[side]) for side in (_ME, _THEM)]
    window = [_window(latency, base_window) for latency in usual]
    reply_window = [_reply_window(latency, base_window) for latency in usual]
    return _Clock(
        now=now_ts,
        latest=rows[-1][0] if rows else now_ts,
        base_window=base_window,
        decay=_LN2 / half_life,
        horizon=horizon,
        step=step,
        window=window,
        reply_window=reply_window,
    )


def _score_rows(
    rows: list[tuple[Any, ...]],
    asks: Iterable[AskRecord],
    gives: Iterable[GiveRecord],
    *,
    now: datetime,
    settings: ScoringSettings,
    extras: dict[int, tuple[Any, Any]],
    bands: Container[str] | None = None,
    from_now: bool = False,
    explain: bool = True,
) -> dict[str, Any] | None:
    """The score row from sorted rows (see ``_packed_rows``) and the give and ask texts typed on
    them (``extras``, by row index). None when ``bands`` is given and the band is not in it.

    Steps: put every time on one base (``Timebase``); drop touchpoints after ``now``; learn each side's windows (``_clock``); list the asks
    and when each side acts in its own interest (``Interest``); walk the touchpoints back in time
    into a per-side tally (``_walk_back``); add asks and favours; score and band; write the row.
    """
    base = Timebase(now)
    now_ts = 0.0
    typed_on = rows  # asks typed on rows (``extras``) take their epochs; none with ``from_now``
    if not from_now:
        rows = base.rows(rows)
    if rows and rows[-1][0] > now_ts:
        rows = [row for row in rows if row[0] <= now_ts]
    n = len(rows)
    ask_list, asked_in = asks_with_typed(typed_on, n, asks, extras)
    # One order whatever the input's: asks of one side can compete for the same implied favour.
    ask_list.sort(key=lambda ask: (base.at(ask.opened_at), ask.id, ask.touchpoint_id or 0))
    if bands is not None and n < MIN_TOUCHPOINTS and Band.new.value not in bands:
        return None
    clock = _clock(rows, now_ts, settings)
    interest = Interest(ask_list, asked_in, clock.base_window, base.at)
    t = _Tally()
    favours, average_weight, start_times = _walk_back(t, rows, clock, interest, asked_in, extras)
    for give in sorted(gives, key=lambda give: (base.at(give.given_at), give.id)):
        when = base.at(give.given_at)
        favours.append(
            [when, _ME if give.by == "me" else _THEM, give.touchpoint_id, give.fulfils, None]
        )
    _tally_asks_and_favours(
        t,
        ask_list,
        favours,
        _weight_at(start_times, clock),
        interest.sweetener,
        clock.window,
        clock.base_window,
        now_ts,
        base.at,
    )
    verdict = Verdict(Band.new.value, "new", None)
    score: int | None = None
    # Too early to judge: too few touchpoints, or no response window yet since the first.
    if n >= MIN_TOUCHPOINTS and now_ts - rows[0][0] >= clock.base_window:
        raw, short = _score(t, average_weight)
        verdict = _band(t, t.answers(_ME), t.answers(_THEM))
        low, high = SCORE_RANGES[verdict.reason]
        if raw < low:
            # Balanced starts and answers, but not what both put in: not mutual after all.
            verdict = _puts_in_less(t, short)
            low, high = SCORE_RANGES[verdict.reason]
        score = min(raw, high)
    if bands is not None and verdict.band not in bands:
        return None
    return _row(t, rows, clock, score, verdict, explain=explain)


# The rules of the backward pass: a reply answers the other side's one-way outreach within the
# replier's reply window and awaits no answer; within a conversation the other side's messages are
# replies and the same side's carry on; so does one's own one-way follow-up within a day (not
# another attempt). An ask that takes something is never a reply. Answering only in one's own
# interest answers nothing. A standing meeting's occurrence starts nothing, and a message that
# closes a thread (``explain._closes``, inlined) awaits no answer. Flags are literals here (see
# _packed_rows): 1 side, 2 two-way, 4 no reply, 6 awaits no reply.
def _walk_back(
    t: _Tally,
    rows: list[tuple[Any, ...]],
    clock: _Clock,
    interest: Interest,
    asked_in: dict[int, str],
    extras: dict[int, tuple[Any, Any]],
) -> tuple[list[list[Any]], float, list[float]]:
    """One backward pass ("answered" needs what each side did next): weights, replies and
    conversations, starts and their verdicts, into ``t``. Returns the favours typed on
    touchpoints ([ts, side, touchpoint id, None, weight]), the average weight of the starts that
    take nothing (the balance prior's scale), and the starts' times, oldest first."""
    favours: list[list[Any]] = []
    initiated, initiated_ask, taking = t.initiated, t.initiated_ask, t.taking
    answering, starts, unanswered = t.answering, t.starts, t.unanswered
    year_started, dark, judge = t.year_started, t.dark, t.judge
    exp, latest, horizon, now_ts = math.exp, clock.latest, clock.horizon, clock.now
    window, reply_window, step = clock.window, clock.reply_window, clock.step
    base, neg_decay = clock.base_window, -clock.decay
    conversation_gap, took_nothing, serves = CONVERSATION_GAP, _TOOK_NOTHING, interest.serves_back
    follow_up, year_ago = REPLY_MIN, now_ts - EXPLAIN_RECENT.total_seconds()
    any_interest = [bool(interest.starts[_ME]), bool(interest.starts[_THEM])]
    next_answer = [math.inf, math.inf]  # each side's next touch not in its own interest
    newer_age = 0.0  # an event ages by `step` per newer start, not per message
    plain_weights, plain_starts = 0.0, 0  # starts that take nothing: the scale of the prior
    start_times: list[float] = []
    their_asks_in_year = 0
    trailing = rows[-1][2] & 1 if rows else -1  # the side of the trailing one-way run
    older = itertools.chain(itertools.islice(reversed(rows), 1, None), (None,))
    for i, (ts, tp_id, flags), prev in zip(
        itertools.count(len(rows) - 1, -1), reversed(rows), older
    ):
        side, two_way = flags & 1, flags & 2
        other = 1 - side
        if trailing >= 0 and (side != trailing or two_way):
            trailing = -1
        age = latest - ts
        if newer_age < age:
            age = newer_age
        weight = exp(neg_decay * age) if age <= horizon else 0.0
        if two_way:
            answering[other] += weight
        if extras and extras.get(i, (None,))[0]:
            favours.append([ts, side, tp_id, None, weight])
        if flags & 6 == 6:  # a standing meeting's occurrence: in touch, nobody's start
            answering[side] += weight
            next_answer[0] = next_answer[1] = ts
            continue
        answers = False  # a start that answers the other side's outreach awaits no answer
        status = asked_in.get(tp_id) if asked_in else None
        if prev is not None:
            prev_flags = prev[2]
            gap = ts - prev[0]
            turn = (prev_flags ^ flags) & 1  # the other side's message came just before
            if status is None or status in took_nothing:
                answers = turn and not prev_flags & 6 and gap <= window[side]
                if (
                    gap <= conversation_gap
                    or (answers and gap <= reply_window[side])
                    or (not turn and not (prev_flags | flags) & 6 and gap <= follow_up)
                ):
                    if not (any_interest[side] and serves(side, ts)):
                        if turn:
                            answering[side] += weight
                        next_answer[side] = ts
                    continue
            answers = answers or (turn and prev_flags & 6 == 4 and gap <= base)
        initiated[side] += weight
        start_times.append(ts)
        newer_age += step
        if weight:
            starts[side] += 1
        if status is not None and status not in took_nothing:
            own_interest = True
        else:
            own_interest = any_interest[side] and serves(side, ts)
        if not own_interest:
            plain_weights += weight
            plain_starts += weight > 0  # past the horizon: no part of the average
        else:
            initiated_ask[side] += weight
            if status != "open" or now_ts - ts <= window[other]:
                taking[side] += weight  # an ask left open past the window took nothing
        if ts >= year_ago:
            year_started[side] += 1
            if side and status is not None:
                their_asks_in_year += 1
        if two_way or next_answer[other] - ts <= window[other] and not flags & 4 and not answers:
            judge(side, weight, True, flags)
        elif not (flags & 4 or answers or now_ts - ts <= window[other]):
            unanswered[side] += weight > 0
            if trailing >= 0:
                dark[side] += 1
            judge(side, weight, False, flags)
        if not own_interest:
            next_answer[side] = ts
    t.year_their_asks = their_asks_in_year
    start_times.reverse()
    average = plain_weights / plain_starts if plain_starts else 1.0
    return favours, average, start_times


def _weight_at(start_times: list[float], clock: _Clock) -> Callable[[float], float]:
    """The recency weight of an event at a time (an ask, a give), as the touchpoints' weights:
    aged by the latest touchpoint or by the newer starts, whichever ages it less."""
    n, latest, step, decay, horizon = (
        len(start_times),
        clock.latest,
        clock.step,
        clock.decay,
        clock.horizon,
    )

    def weight_at(when: float) -> float:
        age = max(latest - when, 0.0)
        newer_age = (n - bisect.bisect_right(start_times, when)) * step
        age = min(age, newer_age)
        return math.exp(-decay * age) if age <= horizon else 0.0

    return weight_at


def _score(t: _Tally, average_weight: float) -> tuple[int, int]:
    """100 x balance ** BALANCE_EXPONENT x responsiveness (docs/scoring.md, *The score*), and
    the side that puts in less (you on a tie, as in the bands)."""
    # Contribution: reaching out (an ask takes, it does not invest), answering, and favours.
    contribution = [
        INITIATE_CREDIT * (t.initiated[side] - t.taking[side])
        + ASK_INITIATE_CREDIT * t.taking[side]
        + ANSWER_CREDIT * t.answering[side]
        + GIVE_CREDIT * t.gave[side]
        for side in (_ME, _THEM)
    ]
    low, high = sorted(contribution)
    # The prior is BALANCE_PRIOR touchpoints of average weight, so that fading (which scales
    # every weight down together) does not by itself move the balance.
    prior = BALANCE_PRIOR * average_weight
    balance = (low + prior) / (high + prior) if high > 0 else 1.0
    known = [rate for rate in (t.answers(_ME), t.answers(_THEM)) if rate is not None]
    # Missing evidence (no outreach of one side to answer) neither helps nor hurts.
    if len(known) == 2:
        responsiveness = math.sqrt(known[0] * known[1])
    else:
        responsiveness = known[0] if known else RESPONSE_PRIOR_RATE
    score: int = round(100 * balance**BALANCE_EXPONENT * responsiveness)
    return score, _THEM if contribution[_THEM] < contribution[_ME] else _ME


def _row(
    t: _Tally,
    rows: list[tuple[Any, ...]],
    clock: _Clock,
    score: int | None,
    verdict: Verdict,
    *,
    explain: bool = True,
) -> dict[str, Any]:
    """The score row's keys, in order, and the explanation written from them (None without
    ``explain``)."""
    streak, streak_channels, pending = _unanswered_streak(
        rows, clock.now - clock.window[_THEM], clock.base_window
    )
    total_initiated = t.initiated[_ME] + t.initiated[_THEM]
    result: dict[str, Any] = {
        "score": score,
        "band": verdict.band,
        "touchpoints": len(rows),
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
    if not explain:
        result["explanation"] = None
        return result
    result["explanation"] = _explain(
        result,
        t,
        verdict,
        streak_channels=streak_channels,
        pending=pending,
        now_ts=clock.now,
        window=clock.window,
        first_ts=rows[0][0] if rows else clock.now,
    )
    return result

"""Invariants of the reciprocity score, checked on generated histories."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netkeep.scoring import (
    AskRecord,
    ScoringSettings,
    TouchpointRecord,
    answered_flags,
    mirror,
    score_contact,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BANDS = {"new", "mutual", "you-carry", "they-carry", "unresponsive", "fair-weather"}
THEY_FALL_SHORT = {"you-carry", "unresponsive", "fair-weather"}
CHANNELS = ["call", "email", "text", "meeting", "social", "letter", "other"]
MINUTES_IN_4_YEARS = 4 * 365 * 24 * 60

fast = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def histories(draw, min_size=0, max_size=25, max_minutes_ago=MINUTES_IN_4_YEARS, first_id=1):
    """Touchpoints (any order, minute resolution, ties allowed) and asks, some linked, some not."""
    n = draw(st.integers(min_size, max_size))
    touchpoints, asks = [], []
    for i in range(n):
        minutes_ago = draw(st.integers(0, max_minutes_ago))
        when = NOW - timedelta(minutes=minutes_ago)
        direction = draw(st.sampled_from(["out", "in"]))
        give = draw(st.sampled_from([None, None, None, "intro"]))
        ask = draw(st.sampled_from([None, None, None, "a favour"]))
        tp = TouchpointRecord(
            first_id + i,
            when,
            direction,
            draw(st.booleans()),
            draw(st.sampled_from(CHANNELS)),
            give,
            ask,
        )
        touchpoints.append(tp)
        if ask and draw(st.booleans()):
            status = draw(st.sampled_from(["open", "done", "declined"]))
            resolved = None
            if status != "open":
                resolved = when + timedelta(minutes=draw(st.integers(0, minutes_ago)))
            by = "me" if direction == "out" else "them"
            asks.append(AskRecord(first_id + i, by, ask, status, when, resolved, tp.id))
    return touchpoints, asks


def score(history, **kw):
    touchpoints, asks = history
    return score_contact(touchpoints, asks, now=NOW, **kw)


@fast
@given(histories())
def test_score_is_an_int_0_to_100_unless_fewer_than_3_touchpoints(history):
    row = score(history)
    n = len(history[0])
    assert row["touchpoints"] == n
    assert row["band"] in BANDS
    if n < 3:
        assert row["score"] is None and row["band"] == "new"
    else:
        assert isinstance(row["score"], int) and 0 <= row["score"] <= 100
        assert row["band"] != "new"
    assert (row["initiative"] is None) == (n == 0)
    for key in ("initiative", "their_response_rate", "my_response_rate"):
        assert row[key] is None or 0 <= row[key] <= 1
    assert row["unanswered_streak"] <= n
    assert isinstance(row["explanation"], str) and row["explanation"]


@fast
@given(histories(), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_input_order(history, rnd: random.Random):
    touchpoints, asks = history
    first = score(history)
    assert score(history) == first
    shuffled_tps, shuffled_asks = touchpoints[:], asks[:]
    rnd.shuffle(shuffled_tps)
    rnd.shuffle(shuffled_asks)
    assert score((shuffled_tps, shuffled_asks)) == first


@fast
@given(histories())
def test_mirroring_keeps_the_score_and_mirrors_the_band(history):
    row = score(history)
    mirrored = score(mirror(*history))
    assert mirrored["score"] == row["score"]
    assert (mirrored["my_asks"], mirrored["my_gives"]) == (row["their_asks"], row["their_gives"])
    assert mirrored["their_response_rate"] == row["my_response_rate"]
    if row["band"] in ("new", "mutual"):
        assert mirrored["band"] == row["band"]
    elif row["band"] in THEY_FALL_SHORT:
        assert mirrored["band"] == "they-carry"
    else:
        assert mirrored["band"] in THEY_FALL_SHORT
    assert score(mirror(*mirror(*history))) == row


@fast
@given(st.sampled_from([30, 90, 180, 365]), st.data())
def test_prepending_events_older_than_ten_half_lives_barely_moves_the_score(half_life_days, data):
    half_life = timedelta(days=half_life_days)
    config = ScoringSettings(half_life=half_life)
    # Existing history up to 12 half-lives old, so it may itself be nearly as faded as the ancient
    # events: the hard case, where only the priors keep a sliver of weight from mattering.
    span = 12 * half_life_days * 24 * 60
    touchpoints, asks = history = data.draw(
        histories(min_size=3, max_size=20, max_minutes_ago=span)
    )
    ancient = data.draw(histories(min_size=1, max_size=4, max_minutes_ago=span, first_id=1000))
    oldest = min([tp.occurred_at for tp in touchpoints] + [a.opened_at for a in asks] + [NOW])
    cutoff = min(oldest, NOW - 10 * half_life) - timedelta(minutes=1)
    # Shift the ancient history so that all of it, resolutions included, precedes the cutoff.
    shift = NOW - cutoff
    old_tps = [
        TouchpointRecord(
            tp.id, tp.occurred_at - shift, tp.direction, tp.two_way, tp.channel, tp.give, tp.ask
        )
        for tp in ancient[0]
    ]
    old_asks = [
        AskRecord(
            a.id,
            a.by,
            a.what,
            a.status,
            a.opened_at - shift,
            None if a.resolved_at is None else a.resolved_at - shift,
            a.touchpoint_id,
        )
        for a in ancient[1]
    ]
    before = score(history, settings=config)["score"]
    after = score((old_tps + touchpoints, old_asks + asks), settings=config)["score"]
    assert abs(after - before) <= 1


def reference_flags(touchpoints, now, window):
    """SPEC's definition, written the slow and obvious way."""
    order = sorted(
        range(len(touchpoints)), key=lambda i: (touchpoints[i].occurred_at, touchpoints[i].id)
    )
    rank = {i: r for r, i in enumerate(order)}
    flags = []
    for i, tp in enumerate(touchpoints):
        if tp.two_way:
            flags.append(True)
            continue
        replied = any(
            rank[j] > rank[i]
            and other.direction != tp.direction
            and other.occurred_at - tp.occurred_at <= window
            for j, other in enumerate(touchpoints)
        )
        if replied:
            flags.append(True)
        elif now - tp.occurred_at <= window:
            flags.append(None)
        else:
            flags.append(False)
    return flags


@fast
@given(histories(max_size=30, max_minutes_ago=120 * 24 * 60), st.sampled_from([1, 7, 14, 30]))
def test_answered_flags_match_the_definition(history, window_days):
    touchpoints, _ = history
    window = timedelta(days=window_days)
    flags = answered_flags(touchpoints, now=NOW, window=window)
    assert flags == reference_flags(touchpoints, NOW, window)


@fast
@given(histories(min_size=1))
def test_unanswered_streak_counts_trailing_one_way_outreach(history):
    touchpoints, _ = history
    ordered = sorted(touchpoints, key=lambda tp: (tp.occurred_at, tp.id))
    expected = 0
    for tp in reversed(ordered):
        if tp.direction != "out" or tp.two_way:
            break
        expected += 1
    assert score(history)["unanswered_streak"] == expected


@fast
@given(histories(min_size=3))
def test_an_answered_reply_never_lowers_their_response_rate(history):
    # Adding a reply from them right after your latest one-way outreach answers it.
    touchpoints, asks = history
    ordered = sorted(touchpoints, key=lambda tp: (tp.occurred_at, tp.id))
    last = ordered[-1]
    if last.direction != "out" or last.two_way or NOW - last.occurred_at <= timedelta(days=14):
        return
    reply = TouchpointRecord(9999, last.occurred_at + timedelta(hours=1), "in", False, "email")
    before = score(history)["their_response_rate"]
    after = score((touchpoints + [reply], asks))["their_response_rate"]
    assert after >= before


@fast
@given(histories(min_size=1, max_size=25, max_minutes_ago=3 * 365 * 24 * 60))
def test_their_response_rate_is_the_weighted_share_of_your_answered_outreach(history):
    # Recomputed from answered_flags: your touchpoints with a verdict that are not replies.
    touchpoints, asks = history
    window = timedelta(days=14)
    flags = answered_flags(touchpoints, now=NOW, window=window)
    ordered = sorted(
        zip(touchpoints, flags, strict=True), key=lambda p: (p[0].occurred_at, p[0].id)
    )
    answered = counted = 0.0
    for i, (tp, flag) in enumerate(ordered):
        previous = ordered[i - 1][0] if i else None
        is_reply = (
            previous is not None
            and previous.direction != tp.direction
            and tp.occurred_at - previous.occurred_at <= window
        )
        if tp.direction != "out" or flag is None or is_reply:
            continue
        weight = 0.5 ** ((NOW - tp.occurred_at) / timedelta(days=180))
        counted += weight
        answered += weight if flag else 0.0
    expected = round(answered / counted, 2) if counted else None
    actual = score(history)["their_response_rate"]
    if expected is None:
        assert actual is None
    else:
        assert abs(actual - expected) <= 0.01

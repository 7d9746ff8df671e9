"""Invariants of the reciprocity score, checked on generated histories."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from netkeep.scoring import (
    CHANNEL_CODES,
    CONVERSATION_GAP,
    EVENTS_PER_HALF_LIFE,
    HORIZON_HALF_LIVES,
    REPLY_FACTOR,
    REPLY_MIN,
    WINDOW_FACTOR,
    WINDOW_MAX_FACTOR,
    AskRecord,
    GiveRecord,
    ScoringSettings,
    Timebase,
    TouchpointRecord,
    answered_flags,
    mirror,
    rhythm,
    score_contact,
    score_history,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BANDS = {"new", "mutual", "you-carry", "they-carry", "unresponsive", "fair-weather"}
THEY_FALL_SHORT = {"you-carry", "unresponsive", "fair-weather"}
CHANNELS = ["call", "email", "text", "meeting", "social", "letter", "other"]
MINUTES_IN_4_YEARS = 4 * 365 * 24 * 60

CONVERSATION_GAP_TD = timedelta(seconds=CONVERSATION_GAP)
REPLY_MIN_TD = timedelta(seconds=REPLY_MIN)

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
            draw(st.sampled_from([False, False, False, True])),
        )
        touchpoints.append(tp)
        if ask and draw(st.booleans()):
            status = draw(st.sampled_from(["open", "done", "declined", "withdrawn", "working"]))
            resolved = None
            if status not in ("open", "working"):
                resolved = when + timedelta(minutes=draw(st.integers(0, minutes_ago)))
            by = "me" if direction == "out" else "them"
            asks.append(AskRecord(first_id + i, by, ask, status, when, resolved, tp.id))
    return touchpoints, asks


@st.composite
def gives_for(draw, history, max_size=3):
    """GiveRecords by either side, some naming one of the history's asks."""
    _touchpoints, asks = history
    gives = []
    for k in range(draw(st.integers(0, max_size))):
        minutes_ago = draw(st.integers(0, MINUTES_IN_4_YEARS))
        fulfils = draw(st.sampled_from([None] + [a.id for a in asks]))
        by = draw(st.sampled_from(["me", "them"]))
        gives.append(
            GiveRecord(
                5000 + k, by, "a favour", NOW - timedelta(minutes=minutes_ago), None, fulfils
            )
        )
    return gives


def score(history, **kw):
    touchpoints, asks, *gives = history
    return score_contact(touchpoints, asks, now=NOW, gives=gives[0] if gives else (), **kw)


@fast
@given(histories())
def test_score_is_an_int_0_to_100_unless_fewer_than_3_touchpoints(history):
    row = score(history)
    n = len(history[0])
    assert row["touchpoints"] == n
    assert row["band"] in BANDS
    # Too early to judge: fewer than 3 touchpoints, or the first less than a response window ago.
    first = min((tp.occurred_at for tp in history[0]), default=NOW)
    if n < 3 or NOW - first < ScoringSettings().response_window:
        assert row["score"] is None and row["band"] == "new"
    else:
        assert isinstance(row["score"], int) and 0 <= row["score"] <= 100
        assert row["band"] != "new"
    if n == 0:
        assert row["initiative"] is None
    elif row["initiative"] is None:
        # Nothing was started: a standing meeting's occurrences (and what followed them at once).
        assert any(tp.two_way and tp.no_reply for tp in history[0])
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
@given(st.data())
def test_mirroring_keeps_the_score_and_mirrors_the_band(data):
    history = data.draw(histories())
    history = (*history, data.draw(gives_for(history)))
    row = score(history)
    mirrored = score(mirror(*history))
    assert mirrored["score"] == row["score"]
    assert (mirrored["my_asks"], mirrored["my_gives"]) == (row["their_asks"], row["their_gives"])
    assert mirrored["their_response_rate"] == row["my_response_rate"]
    if row["band"] in ("new", "mutual"):
        assert mirrored["band"] == row["band"]
    elif row["band"] in THEY_FALL_SHORT:
        assert mirrored["band"] == "they-carry"
    elif mirrored["band"] == "they-carry":
        # The one tie: both ignore each other equally, and the tie falls on you both ways. The
        # band weighs the rates with their prior (docs/scoring.md), so a side whose outreach is
        # still pending (no rate shown) can tie with one that went unanswered.
        rates = [row["their_response_rate"], row["my_response_rate"]]
        assert all(rate is None or rate < 0.5 for rate in rates)
        if None not in rates:
            assert rates[0] == rates[1]
    else:
        assert mirrored["band"] in THEY_FALL_SHORT
    assert score(mirror(*mirror(*history))) == row


@fast
@given(st.sampled_from([30, 90, 180, 365]), st.data())
def test_old_evidence_fades_relative_to_newer_evidence(half_life_days, data):
    # Events with enough newer starts after them (and old enough) weigh nothing: prepending them
    # to a history barely moves its score. A run of your one-way calls, each a start (same side,
    # days apart), stands between them and the history; everything is more than the longest
    # answer window apart, so that no event of the history becomes a reply to them (a reply
    # changes what the newer event means, rightly).
    half_life = timedelta(days=half_life_days)
    config = ScoringSettings(half_life=half_life)
    enough = HORIZON_HALF_LIVES * EVENTS_PER_HALF_LIFE + 1
    span = 12 * half_life_days * 24 * 60
    touchpoints, asks = data.draw(histories(min_size=3, max_size=20, max_minutes_ago=span))
    ancient = data.draw(histories(min_size=1, max_size=4, max_minutes_ago=span, first_id=1000))
    oldest = min([tp.occurred_at for tp in touchpoints] + [a.opened_at for a in asks] + [NOW])
    longest_window = WINDOW_MAX_FACTOR * config.response_window
    spine = [
        TouchpointRecord(
            3000 + k, oldest - longest_window - k * timedelta(days=2), "out", False, "call"
        )
        for k in range(enough)
    ]
    spine_start = spine[-1].occurred_at
    # Older than ten half-lives by the calendar too, counted from the latest touchpoint.
    latest = max(tp.occurred_at for tp in touchpoints)
    cutoff = min(spine_start - longest_window, latest - 10 * half_life) - timedelta(minutes=1)
    shift = NOW - cutoff
    old_tps = [replace(tp, occurred_at=tp.occurred_at - shift) for tp in ancient[0]]
    old_asks = [
        replace(
            a,
            opened_at=a.opened_at - shift,
            resolved_at=None if a.resolved_at is None else a.resolved_at - shift,
        )
        for a in ancient[1]
    ]
    before = score((spine + touchpoints, asks), settings=config)["score"]
    after = score((old_tps + spine + touchpoints, old_asks + asks), settings=config)["score"]
    assert abs(after - before) <= 1


@fast
@given(st.integers(1, 8), st.sampled_from([30, 180, 720]))
def test_an_old_warm_history_outweighs_a_recent_snub_and_fades_with_more(snubs, gap_days):
    # Four warm two-way years, a quiet gap of any length, then one-way calls of yours that go
    # unanswered: the more of them, the lower the score, and one alone never sinks it.
    warm = []
    for month in range(48):
        when = NOW - timedelta(days=gap_days + 60 + (48 - month) * 30)
        warm.append(TouchpointRecord(month + 1, when, "out" if month % 2 else "in", True, "call"))

    def with_snubs(k):
        extra = [
            TouchpointRecord(100 + j, NOW - timedelta(days=60 - j * 5), "out", False, "call")
            for j in range(k)
        ]
        return score_contact(warm + extra, [], now=NOW)

    one, more = with_snubs(1), with_snubs(snubs)
    assert one["band"] == "mutual" and one["score"] >= 70
    assert more["score"] <= one["score"]


@fast
@given(st.data())
def test_a_sweetener_before_a_new_ask_never_raises_the_score(data):
    # Their new ask at the end; a favour of theirs just before it (a plain give, or doing your
    # open ask) must not make the relationship look better than the ask alone.
    touchpoints, asks = data.draw(histories(min_size=2, max_size=15))
    ask_at = NOW - timedelta(minutes=data.draw(st.integers(0, 3 * 24 * 60)))
    new_tp = TouchpointRecord(900, ask_at, "in", False, "email", None, "help again")
    new_ask = AskRecord(900, "them", "help again", "open", ask_at, None, 900)
    before_ask = ask_at - timedelta(minutes=data.draw(st.integers(1, 24 * 60)))
    mine = AskRecord(901, "me", "a recommendation", "open", NOW - timedelta(days=300), None, None)
    base = score_contact(touchpoints + [new_tp], asks + [new_ask, mine], now=NOW)
    plain_give = GiveRecord(950, "them", "a lead", before_ask)
    sweetened = score_contact(
        touchpoints + [new_tp], asks + [new_ask, mine], now=NOW, gives=[plain_give]
    )
    assume(base["score"] is not None)  # too early to judge: nothing to raise
    assert sweetened["score"] <= base["score"]
    done = replace(mine, status="done", resolved_at=before_ask)
    fulfilled = score_contact(
        touchpoints + [new_tp],
        asks + [new_ask, done],
        now=NOW,
        gives=[GiveRecord(951, "them", "the recommendation", before_ask, None, 901)],
    )
    assert fulfilled["score"] <= base["score"]


@fast
@given(histories(min_size=3))
def test_a_declined_ask_never_raises_the_score_above_not_asking(history):
    touchpoints, asks = history
    declined = [replace(a, status="declined", resolved_at=a.opened_at) for a in asks]
    asked_ids = {a.touchpoint_id for a in asks}
    unasked = [tp if tp.id not in asked_ids else replace(tp, ask=None) for tp in touchpoints]
    assume(score((unasked, []))["score"] is not None)  # too early to judge: nothing to compare
    assert score((touchpoints, declined))["score"] <= score((unasked, []))["score"]


def reference_flags(touchpoints, now, window):
    """The definition in docs/scoring.md, written the slow and obvious way."""
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
    for index in range(len(ordered) - 1, -1, -1):
        tp = ordered[index]
        if tp.direction != "out" or tp.two_way:
            break
        before = ordered[index - 1] if index else None
        closes = (
            before is not None
            and before.direction == "in"
            and before.no_reply
            and not before.two_way
            and tp.occurred_at - before.occurred_at <= timedelta(days=14)
        )
        if tp.no_reply or closes:
            continue  # needs no reply: a thank-you, or the close of their thread
        expected += 1
    assert score(history)["unanswered_streak"] == expected


@fast
@given(histories(min_size=3))
def test_an_answered_reply_never_lowers_their_response_rate(history):
    # Adding a reply from them right after your latest one-way outreach answers it, and as a
    # reply (not a start) it does not age your older outreach.
    touchpoints, asks = history
    ordered = sorted(touchpoints, key=lambda tp: (tp.occurred_at, tp.id))
    last = ordered[-1]
    if last.direction != "out" or last.two_way or NOW - last.occurred_at <= timedelta(days=14):
        return
    reply = TouchpointRecord(9999, last.occurred_at + timedelta(hours=1), "in", False, "email")
    before = score(history)["their_response_rate"]
    after = score((touchpoints + [reply], asks))["their_response_rate"]
    if before is not None:  # None: none of your outreach was a start they could answer
        assert after is not None and after >= before


@fast
@given(histories(min_size=1, max_size=25, max_minutes_ago=3 * 365 * 24 * 60))
def test_their_response_rate_is_the_weighted_share_of_your_answered_outreach(history):
    # Recomputed the slow way from docs/scoring.md: windows from rhythm(), replies chained,
    # weights relative to newer starts. Without asks, so that nobody acts in their own interest.
    touchpoints = [replace(tp, ask=None) for tp in history[0]]
    history = (touchpoints, [])
    base = timedelta(days=14)
    half_life = timedelta(days=180)
    learned = rhythm(touchpoints, now=NOW)

    def window_of(usual):
        if usual is None:
            return base
        return min(max(base, WINDOW_FACTOR * usual), WINDOW_MAX_FACTOR * base)

    window = {"out": window_of(learned.my_reply), "in": window_of(learned.their_reply)}

    def reply_window_of(usual):
        longest = max(base, REPLY_MIN_TD)
        if usual is None:
            return longest
        return min(max(REPLY_MIN_TD, REPLY_FACTOR * usual), longest)

    reply_window = {
        "out": reply_window_of(learned.my_reply),
        "in": reply_window_of(learned.their_reply),
    }
    ordered = sorted(touchpoints, key=lambda tp: (tp.occurred_at, tp.id))
    n = len(ordered)
    latest = ordered[-1].occurred_at
    replies = [False] * n
    answers = [False] * n  # follows their outreach within your answer window: awaits nothing
    for i in range(1, n):
        prev, tp = ordered[i - 1], ordered[i]
        gap = tp.occurred_at - prev.occurred_at
        answers[i] = (
            tp.direction != prev.direction
            and not (prev.two_way or prev.no_reply)
            and gap <= window[tp.direction]
        )
        follow_up = (
            tp.direction == prev.direction
            and not (prev.two_way or prev.no_reply or tp.two_way or tp.no_reply)
            and gap <= REPLY_MIN_TD
        )
        replies[i] = (
            gap <= CONVERSATION_GAP_TD
            or (answers[i] and gap <= reply_window[tp.direction])
            or follow_up
        )
    answered = counted = 0.0
    for i, tp in enumerate(ordered):
        if tp.direction != "out" or replies[i] or (tp.two_way and tp.no_reply):
            continue  # a reply, or a standing meeting's occurrence: neither starts anything
        before = ordered[i - 1] if i else None
        closes = (
            before is not None
            and before.direction == "in"
            and before.no_reply
            and not before.two_way
            and tp.occurred_at - before.occurred_at <= base
        )
        if tp.two_way:
            flag = True
        elif tp.no_reply or answers[i] or closes:
            continue  # needs no reply: no verdict
        else:
            flag = any(
                (later.direction == "in" or (later.two_way and later.no_reply))
                and later.occurred_at - tp.occurred_at <= window["in"]
                for later in ordered[i + 1 :]
            )
            if not flag and NOW - tp.occurred_at <= window["in"]:
                continue
        newer_starts = sum(
            1
            for j in range(i + 1, n)
            if not replies[j] and not (ordered[j].two_way and ordered[j].no_reply)
        )
        age = min(latest - tp.occurred_at, newer_starts * half_life / EVENTS_PER_HALF_LIFE)
        weight = 0.0 if age > HORIZON_HALF_LIVES * half_life else 0.5 ** (age / half_life)
        counted += weight
        answered += weight if flag else 0.0
    expected = round(answered / counted, 2) if counted else None
    actual = score(history)["their_response_rate"]
    if expected is None or counted < 1e-9:
        assert actual is None or expected is None or counted < 1e-9
    else:
        assert math.isclose(actual, expected, abs_tol=0.011)


def packed(tp):
    """A touchpoint in the form `netkeep score` reads in bulk (see `score_history`)."""
    flags = (tp.direction == "in") + 2 * tp.two_way + 4 * tp.no_reply
    return (tp.occurred_at.timestamp(), tp.id, flags + 8 * CHANNEL_CODES.index(tp.channel))


@fast
@given(histories(), st.data())
def test_the_bulk_form_scores_exactly_like_records(history, data):
    # As the store reads them: a touchpoint's give and ask live only in the gives and asks.
    touchpoints = [replace(tp, give=None, ask=None) for tp in history[0]]
    asks = history[1]
    gives = data.draw(gives_for(history))
    expected = score_contact(touchpoints, asks, now=NOW, gives=gives)
    rows = [packed(tp) for tp in touchpoints]
    data.draw(st.randoms()).shuffle(rows)
    assert score_history(rows, asks, now=NOW, gives=gives) == expected
    bands = data.draw(st.sets(st.sampled_from(sorted(BANDS))))
    only = score_history(
        [packed(tp) for tp in touchpoints], asks, now=NOW, gives=gives, bands=bands
    )
    assert only == (expected if expected["band"] in bands else None)
    # Times already on the base the store computes (seconds from now, whole milliseconds).
    on_base = Timebase(NOW).rows([packed(tp) for tp in touchpoints])
    assert score_history(on_base, asks, now=NOW, gives=gives, from_now=True) == expected
    # Without an explanation (a table that does not show it), every other figure is the same.
    unexplained = score_history(
        Timebase(NOW).rows([packed(tp) for tp in touchpoints]),
        asks,
        now=NOW,
        gives=gives,
        from_now=True,
        explain=False,
    )
    assert unexplained == {**expected, "explanation": None}

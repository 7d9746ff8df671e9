"""Calibration scenarios for the reciprocity score: realistic histories with a frozen ``now``.

Each scenario is a small story a person could tell about a contact; the assertions say what a
thoughtful person would conclude about it (band, rough score, and how it ranks against the others).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from netkeep.scoring import (
    AskRecord,
    GiveRecord,
    Rhythm,
    ScoringSettings,
    TouchpointRecord,
    answered_flags,
    mirror,
    rhythm,
    score_contact,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

SCORE_KEYS = (
    "score band touchpoints initiative their_response_rate my_response_rate their_asks their_gives "
    "my_asks my_gives open_asks_by_me open_asks_by_them unanswered_streak explanation"
).split()


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


class History:
    """A tiny builder so scenarios read like a diary."""

    def __init__(self) -> None:
        self.touchpoints: list[TouchpointRecord] = []
        self.asks: list[AskRecord] = []

    def _add(
        self, days, direction, channel, two_way, give=None, ask=None, status="open", resolved=None
    ):
        tp = TouchpointRecord(
            len(self.touchpoints) + 1, ago(days), direction, two_way, channel, give, ask
        )
        self.touchpoints.append(tp)
        if ask:
            self.asks.append(
                AskRecord(
                    len(self.asks) + 1,
                    "me" if direction == "out" else "them",
                    ask,
                    status,
                    tp.occurred_at,
                    None if resolved is None else ago(resolved),
                    tp.id,
                )
            )
        return self

    def out(self, days, channel="call", two_way=None, **kw):
        if two_way is None:
            two_way = channel in ("call", "meeting")
        return self._add(days, "out", channel, two_way, **kw)

    def in_(self, days, channel="call", two_way=None, **kw):
        if two_way is None:
            two_way = channel in ("call", "meeting")
        return self._add(days, "in", channel, two_way, **kw)

    def score(self, settings: ScoringSettings = ScoringSettings()) -> dict:
        return score_contact(self.touchpoints, self.asks, now=NOW, settings=settings)


# --- The scenarios -------------------------------------------------------------------------------


def story() -> History:
    """The job-search story of docs/scoring.md: he asked for help with a job search and got it; then three unreturned calls,
    an unanswered recommendation request, and an email titled "Unemployed"."""
    return (
        History()
        .in_(420, "email", ask="help with my job search", status="done", resolved=340)
        .out(418, "call")
        .out(390, "meeting")
        .out(300, "email", ask="LinkedIn recommendation")
        .out(200, "call", two_way=False)
        .out(120, "call", two_way=False)
        .out(45, "call", two_way=False)
        .in_(1, "email", ask="Unemployed")
    )


def long_mutual() -> History:
    """Three years of alternating monthly calls, emails answered, favours both ways."""
    h = History()
    for month in range(36, 0, -1):
        days = month * 30
        if month % 2:
            h.out(days, "call")
        else:
            h.in_(days, "call")
        if month % 6 == 0:
            h.in_(days - 3, "email").out(days - 2, "email")
    h.out(700, "email", give="intro to a hiring manager")
    h.in_(400, "email", give="referral")
    h.in_(200, "email", ask="feedback on my CV", status="done", resolved=195)
    h.out(90, "email", ask="intro to their CTO", status="done", resolved=80)
    return h


def you_carry() -> History:
    """You call every month for two years and they pick up; they called once."""
    h = History()
    for month in range(24, 0, -1):
        h.out(month * 30, "call")
    h.in_(250, "call")
    return h


def they_carry() -> History:
    """They write every few weeks; you rarely reply and almost never start anything."""
    h = History()
    for week in range(60, 0, -3):
        h.in_(week * 7, "email")
    h.out(380, "email")
    h.out(150, "email")
    return h


def unresponsive() -> History:
    """Your emails and voicemails over a year; one reply; they never write first."""
    return (
        History()
        .out(360, "email")
        .in_(355, "email")
        .out(280, "email")
        .out(200, "call", two_way=False)
        .out(140, "email")
        .out(90, "call", two_way=False)
        .out(40, "email")
    )


def generous_asker() -> History:
    """Asks often, but also answers, reaches out for no reason and gives back."""
    return (
        History()
        .in_(500, "email", ask="intro to your old team", status="done", resolved=495)
        .out(497, "call")
        .in_(420, "call", give="referral for your client")
        .in_(350, "email", ask="reference letter", status="done", resolved=340)
        .out(348, "email")
        .out(300, "email")
        .in_(298, "email")
        .in_(230, "call", ask="advice on an offer", status="done", resolved=230)
        .out(180, "call")
        .in_(150, "meeting", give="introduction to a VC")
        .in_(90, "email", ask="beta testers", status="done", resolved=85)
        .out(88, "email")
        .out(60, "email")
        .in_(58, "email")
        .in_(20, "call", ask="a job lead", status="declined", resolved=18)
    )


def reformed() -> History:
    """A rocky start three years ago (ignored calls, an ask), then a good recent year."""
    h = (
        History()
        .out(1100, "call", two_way=False)
        .out(1050, "call", two_way=False)
        .in_(1000, "email", ask="a favour", status="done", resolved=990)
        .out(950, "call", two_way=False)
    )
    for month in range(12, 0, -1):
        if month % 2:
            h.out(month * 30, "call")
        else:
            h.in_(month * 30, "call")
    h.in_(100, "email", give="a warm intro")
    return h


def soured() -> History:
    """Two good years, then the last eight months turned fair-weather."""
    h = History()
    for month in range(32, 8, -1):
        if month % 2:
            h.out(month * 30, "call")
        else:
            h.in_(month * 30, "call")
    h.out(400, "email", give="intro")
    h.in_(380, "email", give="referral")
    h.out(220, "email", ask="a testimonial")
    h.out(160, "call", two_way=False).out(100, "call", two_way=False)
    h.out(60, "call", two_way=False)
    h.in_(10, "email", ask="help with a reference", status="done", resolved=8)
    h.in_(3, "email", ask="an introduction")
    return h


def new_contact() -> History:
    return History().out(10, "meeting").in_(8, "email")


def quiet_mutual_with_pending() -> History:
    """Balanced, and your latest email was sent three days ago: not yet anyone's fault."""
    h = History()
    for month in range(10, 0, -1):
        if month % 2:
            h.out(month * 30, "call")
        else:
            h.in_(month * 30, "call")
    h.out(3, "email")
    return h


# --- Expectations ---------------------------------------------------------------------------------


def test_row_has_exactly_the_spec_keys():
    row = story().score()
    assert list(row) == SCORE_KEYS


def test_spec_story_is_fair_weather_and_at_most_30():
    row = story().score()
    assert row["band"] == "fair-weather"
    assert row["score"] <= 30
    assert row["their_asks"] == 2 and row["their_gives"] == 0
    assert row["my_gives"] == 1 and row["open_asks_by_me"] == 1
    assert row["their_response_rate"] < 0.5
    explanation = row["explanation"]
    assert "unanswered" in explanation
    assert "'LinkedIn recommendation' has been open 300 days" in explanation
    assert "their only initiation in a year was an ask" in explanation


def test_story_without_the_linking_ask_records_is_still_fair_weather():
    # Recorded carelessly: asks typed on touchpoints only, the first favour given as a plain give.
    h = story()
    tps = [
        tp
        if tp.id != 2
        else TouchpointRecord(2, tp.occurred_at, "out", True, "call", give="job search help")
        for tp in h.touchpoints
    ]
    row = score_contact(tps, [], now=NOW)
    assert row["band"] == "fair-weather"
    assert row["score"] <= 30


def test_long_balanced_history_is_mutual_and_at_least_70():
    row = long_mutual().score()
    assert row["band"] == "mutual"
    assert row["score"] >= 70
    assert 0.4 <= row["initiative"] <= 0.6
    assert row["their_gives"] >= 2 and row["my_gives"] >= 2


def test_you_carry():
    row = you_carry().score()
    assert row["band"] == "you-carry"
    assert 35 <= row["score"] <= 70
    assert row["initiative"] < 0.1
    assert row["their_response_rate"] == 1.0


def test_they_carry():
    row = they_carry().score()
    assert row["band"] == "they-carry"
    assert row["score"] <= 50
    assert row["initiative"] > 0.8
    assert row["my_response_rate"] < 0.5


def test_unresponsive():
    row = unresponsive().score()
    assert row["band"] == "unresponsive"
    assert row["score"] <= 35
    assert row["their_response_rate"] < 0.3
    assert "went unanswered" in row["explanation"]


def test_new_contact_has_no_score():
    row = new_contact().score()
    assert row["band"] == "new"
    assert row["score"] is None
    assert row["touchpoints"] == 2


def test_asking_often_while_giving_and_answering_is_not_fair_weather():
    row = generous_asker().score()
    assert row["their_asks"] >= 5
    assert row["band"] != "fair-weather"
    assert row["band"] == "mutual"
    # Four of their favours asked for and done, two given back: mutual, with a lopsided ledger.
    assert row["score"] >= 55


def test_recent_behaviour_outweighs_an_old_rocky_start():
    row = reformed().score()
    assert row["band"] == "mutual"
    assert row["score"] >= 70


def test_a_relationship_that_soured_recently_is_flagged():
    row = soured().score()
    assert row["band"] == "fair-weather"
    assert row["score"] < long_mutual().score()["score"] - 20


def test_pending_outreach_is_not_held_against_them():
    row = quiet_mutual_with_pending().score()
    assert row["band"] == "mutual"
    assert row["unanswered_streak"] == 1
    assert "unanswered" not in row["explanation"]
    # The same email long enough ago to have expired would count.
    h = quiet_mutual_with_pending()
    late = score_contact(h.touchpoints, h.asks, now=NOW + timedelta(days=30))
    assert late["their_response_rate"] < row["their_response_rate"]


def test_scores_rank_as_a_person_would():
    scores = {
        name: make().score()["score"]
        for name, make in [
            ("mutual", long_mutual),
            ("generous_asker", generous_asker),
            ("you_carry", you_carry),
            ("they_carry", they_carry),
            ("unresponsive", unresponsive),
            ("story", story),
        ]
    }
    assert scores["mutual"] > scores["generous_asker"]
    assert scores["mutual"] > scores["you_carry"] > scores["unresponsive"]
    assert scores["you_carry"] > scores["story"]
    assert scores["generous_asker"] > scores["story"] + 25


def test_mirrored_story_scores_the_same_and_lands_on_they_carry():
    h = story()
    row = h.score()
    tps, asks = mirror(h.touchpoints, h.asks)
    mirrored = score_contact(tps, asks, now=NOW)
    assert mirrored["score"] == row["score"]
    assert mirrored["band"] == "they-carry"
    assert mirrored["my_asks"] == row["their_asks"]
    assert mirrored["initiative"] == pytest.approx(1 - row["initiative"], abs=0.011)


def test_half_life_setting_changes_how_fast_the_past_fades():
    # The longer the memory, the more the answered exchanges of a year ago weigh against the recent
    # unreturned calls: their response rate and the score rise with the half-life, never fall.
    slow = story().score(ScoringSettings(half_life=timedelta(days=3650)))
    usual = story().score(ScoringSettings(half_life=timedelta(days=180)))
    fast = story().score(ScoringSettings(half_life=timedelta(days=30)))
    rates = [row["their_response_rate"] for row in (fast, usual, slow)]
    assert rates == sorted(rates) and rates[0] < rates[-1]
    scores = [row["score"] for row in (fast, usual, slow)]
    assert scores == sorted(scores) and scores[0] < scores[-1]


def test_response_window_setting_decides_answered():
    h = History().out(100, "email").in_(80, "email").out(50, "email").in_(45, "email")
    flags = answered_flags(h.touchpoints, now=NOW, window=timedelta(days=14))
    assert flags == [False, False, True, False]
    # A 30-day window also counts your email 30 days after their reply at day 80 as an answer.
    wide = answered_flags(h.touchpoints, now=NOW, window=timedelta(days=30))
    assert wide == [True, True, True, False]


def test_answered_flags_follow_input_order_and_mark_pending():
    h = History().out(40, "email").in_(35, "email").out(5, "text").in_(20, "call")
    shuffled = [h.touchpoints[3], h.touchpoints[0], h.touchpoints[2], h.touchpoints[1]]
    flags = answered_flags(shuffled, now=NOW, window=timedelta(days=14))
    # in(20) call is two-way; out(40) answered by in(35); out(5) still pending;
    # in(35) answered because it was followed by... nothing of yours within 14 days -> False.
    assert flags == [True, True, None, False]


def test_plain_tuples_are_accepted():
    h = long_mutual()
    as_tuples = [
        (tp.id, tp.occurred_at.timestamp(), tp.direction, tp.two_way, tp.channel, tp.give, tp.ask)
        for tp in h.touchpoints
    ]
    assert score_contact(as_tuples, h.asks, now=NOW) == h.score()
    # Six fields, the ask left to the ask records, as the store reads them.
    assert score_contact([t[:6] for t in as_tuples], h.asks, now=NOW) == h.score()
    # Datetimes in tuples, and a generator, take the careful path to the same result.
    as_datetimes = (
        (tp.id, tp.occurred_at, tp.direction, tp.two_way, tp.channel, tp.give)
        for tp in h.touchpoints
    )
    assert score_contact(as_datetimes, h.asks, now=NOW) == h.score()


def test_resolving_an_ask():
    # You did them two favours; then you ask for an introduction.
    def history(**ask):
        return (
            History()
            .out(200, "call", give="intro")
            .in_(150, "call")
            .out(120, "email", give="referral")
            .in_(118, "email")
            .out(40, "call", ask="intro to their CTO", **ask)
        )

    done = history(status="done", resolved=30).score()
    declined = history(status="declined", resolved=30).score()
    open_ = history().score()
    withdrawn = history(status="withdrawn", resolved=30).score()
    h = history()
    never_asked = score_contact(
        [tp if tp.id != 5 else replace(tp, ask=None) for tp in h.touchpoints], [], now=NOW
    )
    # Done: a give by the side that was asked, which evens out the favours.
    assert (done["their_gives"], declined["their_gives"], open_["their_gives"]) == (1, 0, 0)
    assert done["score"] > declined["score"]
    # Declined: an answer without a give. It never raises the score above not having asked,
    # and it is no worse than being left open past the window.
    assert open_["score"] <= declined["score"] <= never_asked["score"]
    assert "open" not in declined["explanation"]
    # Withdrawn: moot, nobody owes anything.
    assert withdrawn["open_asks_by_me"] == 0 and withdrawn["score"] >= declined["score"]
    assert (done["open_asks_by_me"], declined["open_asks_by_me"], open_["open_asks_by_me"]) == (
        0,
        0,
        1,
    )
    assert "'intro to their CTO' has been open 40 days" in open_["explanation"]


def test_a_reply_is_not_outreach_awaiting_an_answer():
    # They write, you reply the next day, the thread ends: nobody left anybody unanswered.
    h = History()
    for days in (300, 200, 100):
        h.in_(days, "email").out(days - 1, "email")
    row = h.score()
    assert row["my_response_rate"] == 1.0
    assert row["their_response_rate"] is None
    assert "unanswered" not in row["explanation"]
    # The per-touchpoint flag stays literal: your replies were not followed by anything.
    flags = answered_flags(h.touchpoints, now=NOW, window=timedelta(days=14))
    assert flags == [True, False] * 3


def test_a_dormant_history_keeps_its_score():
    # Three mutual years, ending four years (eight half-lives) ago: with nothing newer, nothing
    # fades. Decay is relative to newer evidence (docs/scoring.md): silence is staleness.
    h = long_mutual()
    shift = timedelta(days=4 * 365)
    tps = [replace(tp, occurred_at=tp.occurred_at - shift) for tp in h.touchpoints]
    asks = [
        replace(
            a, opened_at=a.opened_at - shift, resolved_at=a.resolved_at and a.resolved_at - shift
        )
        for a in h.asks
    ]
    row = score_contact(tps, asks, now=NOW)
    original = h.score()
    assert (row["band"], row["score"]) == (original["band"], original["score"])


# --- The favour ledger and rhythm ------------------------------------------------------------------


def balanced_calls() -> History:
    h = History()
    for month in range(12, 0, -1):
        if month % 2:
            h.out(month * 30, "call")
        else:
            h.in_(month * 30, "call")
    return h


def test_a_give_naming_the_ask_it_fulfils_and_that_asks_done_are_one_favour():
    h = balanced_calls().out(100, "email", ask="intro to their CFO", status="done", resolved=90)
    ask_id = h.asks[0].id
    linked = GiveRecord(1, "them", "the intro", ago(90), None, ask_id)
    unlinked_far = GiveRecord(2, "them", "a candidate", ago(200))
    one = score_contact(h.touchpoints, h.asks, now=NOW, gives=[linked])
    assert one["their_gives"] == 1
    assert one == score_contact(h.touchpoints, h.asks, now=NOW)
    two = score_contact(h.touchpoints, h.asks, now=NOW, gives=[unlinked_far])
    assert two["their_gives"] == 2


def test_a_give_by_the_asked_side_when_the_ask_was_resolved_is_that_favour():
    # Recorded both ways without a link: their give on their email, and your ask resolved done.
    h = balanced_calls().out(100, "email", ask="intro to their CFO", status="done", resolved=90)
    h.in_(90, "email", give="introduced me to their CFO")
    row = h.score()
    assert row["their_gives"] == 1
    # A give by the side that asked is no such link.
    mine = balanced_calls().out(100, "email", ask="intro", status="done", resolved=90)
    mine.out(90, "email", give="a thank-you gift")
    assert (mine.score()["their_gives"], mine.score()["my_gives"]) == (1, 1)


def test_gives_by_either_side_count_for_that_side_and_mirror():
    h = balanced_calls()
    gives = [
        GiveRecord(1, "them", "a new req", ago(50), h.touchpoints[-1].id),
        GiveRecord(2, "me", "a referral", ago(100)),
    ]
    row = score_contact(h.touchpoints, h.asks, now=NOW, gives=gives)
    assert (row["my_gives"], row["their_gives"]) == (1, 1)
    tps, asks, mirrored_gives = mirror(h.touchpoints, h.asks, gives)
    assert [g.by for g in mirrored_gives] == ["me", "them"]
    assert score_contact(tps, asks, now=NOW, gives=mirrored_gives)["score"] == row["score"]


def test_a_touchpoint_needing_no_reply_is_not_outreach_left_unanswered():
    # Their thank-you notes close threads: marked so, they are not held against you.
    h = balanced_calls()
    tps = list(h.touchpoints)
    for k, days in enumerate((250, 160, 70)):
        tps.append(TouchpointRecord(100 + k, ago(days), "in", False, "email", no_reply=True))
    marked = score_contact(tps, [], now=NOW)
    unmarked = score_contact([replace(tp, no_reply=False) for tp in tps], [], now=NOW)
    assert marked["my_response_rate"] == 1.0
    assert unmarked["my_response_rate"] < 1.0
    assert marked["score"] > unmarked["score"]
    assert "unanswered" not in marked["explanation"]


def test_a_withdrawn_ask_is_moot():
    h = balanced_calls().out(100, "email", ask="a reference", status="withdrawn", resolved=60)
    row = h.score()
    assert row["open_asks_by_me"] == 0 and row["my_asks"] == 1
    assert "a reference" not in row["explanation"]
    assert row["band"] == "mutual"


def test_rhythm_learns_the_usual_interval_and_reply_latency():
    h = History()
    for start in (300, 240, 180, 120, 60):
        h.out(start, "email").in_(start - 4, "email")
    learned = rhythm(h.touchpoints, now=NOW)
    assert learned.their_reply == timedelta(days=4)
    assert learned.my_reply is None  # you never answered anything of theirs
    assert timedelta(days=4) <= learned.usual_interval <= timedelta(days=56)
    assert rhythm(h.touchpoints[:2], now=NOW) == Rhythm(None, None, None)


def test_the_response_window_stretches_to_a_slow_repliers_pace_within_bounds():
    def answers_after(days: int) -> dict:
        h = History()
        for start in (400, 320, 240, 160, 80):
            h.out(start, "email").in_(start - days, "email")
        return h.score()

    assert answers_after(25)["their_response_rate"] == 1.0  # 25 days: slow, not absent
    assert answers_after(25)["band"] in ("you-carry", "mutual")
    # Beyond four times the configured window, a "reply" is a new thread: not an answer.
    assert answers_after(70)["their_response_rate"] == 0.0


def test_plain_tuples_may_carry_the_ask_and_no_reply():
    h = balanced_calls()
    tps = [*h.touchpoints, TouchpointRecord(99, ago(5), "in", False, "email", no_reply=True)]
    as_tuples = [
        (tp.id, tp.occurred_at.timestamp(), tp.direction, tp.two_way, tp.channel, tp.give, tp.ask)
        + (tp.no_reply,)
        for tp in tps
    ]
    assert score_contact(as_tuples, [], now=NOW) == score_contact(tps, [], now=NOW)
    assert score_contact([t[:7] for t in as_tuples], [], now=NOW) == score_contact(
        [replace(tp, no_reply=False) for tp in tps], [], now=NOW
    )


def test_two_people_ignoring_each_other_are_not_mutual():
    # One-way emails months apart, each ignored by the other.
    h = History()
    for k, days in enumerate((500, 400, 300, 200, 100, 10)):
        (h.out if k % 2 else h.in_)(days, "email")
    row = h.score()
    assert row["band"] == "they-carry" and row["score"] <= 20
    tps, asks = mirror(h.touchpoints, h.asks)
    assert score_contact(tps, asks, now=NOW)["band"] == "you-carry"


@pytest.mark.parametrize(
    ("search_start", "calls", "channel", "quiet_calls"),
    [(420, 6, "call", 3), (300, 4, "text", 2), (560, 9, "email", 4)],
)
def test_calls_made_while_ones_own_ask_was_open_serve_it_even_when_it_ends_withdrawn(
    search_start, calls, channel, quiet_calls
):
    """He asked for help, called and wrote while it was worked, found something himself (his ask
    withdrawn: moot), ignored your ask and your calls, then did your favour minutes before a new
    ask of his. His calls during the search were in his own interest: fair-weather, and the
    sweetener does not raise the score."""
    history = History().in_(search_start, channel, ask="help with my search", status="withdrawn")
    found = search_start - 10 * (calls + 1)
    history.asks[0] = replace(history.asks[0], resolved_at=ago(found))
    for k in range(calls):
        day = search_start - 10 * (k + 1)
        (history.in_ if k % 3 else history.out)(day, channel, two_way=channel == "call")
    history.in_(found, "email")
    history.out(found - 10, "email", ask="a recommendation")
    step = (found - 20) / (quiet_calls + 1)
    for k in range(quiet_calls):
        history.out(found - 20 - step * k, "call", two_way=False)
    mine = history.asks[1]
    history.in_(1, "email")
    history.in_(0.99, "email", ask="help with my search again")
    # His return without the favour: the baseline the sweetener must not improve on.
    before = history.score()
    history.asks[1] = replace(mine, status="done", resolved_at=ago(1))
    gives = [GiveRecord(1, "them", "the recommendation", ago(1), history.touchpoints[-2].id, 2)]
    after = score_contact(history.touchpoints, history.asks, now=NOW, gives=gives)
    assert after["band"] == "fair-weather" and after["score"] <= 30, after
    assert after["score"] <= before["score"], (before, after)
    tps, asks, mirrored_gives = mirror(history.touchpoints, history.asks, gives)
    mirrored = score_contact(tps, asks, now=NOW, gives=mirrored_gives)
    assert mirrored["score"] == after["score"] and mirrored["band"] == "they-carry"

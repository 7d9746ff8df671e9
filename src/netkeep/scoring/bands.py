"""The band: which side falls short, then how, and the reason in the band's own terms.

Each reason also bounds the score (``SCORE_RANGES``), so that the band, the score and the
explanation's first clause never contradict one another."""

from __future__ import annotations

from typing import NamedTuple

from netkeep.scoring.constants import (
    _ME,
    _THEM,
    ASK_LEAN_DISCOUNT,
    DARK_STREAK,
    LEAN_PRIOR,
    LEAN_THRESHOLD,
    MOSTLY,
    RESPONSE_GAP,
    SELDOM,
    TAKER,
)
from netkeep.scoring.tally import _Tally
from netkeep.vocab import Band


class Verdict(NamedTuple):
    """A band, why (``reason``: one of REASONS), and which side falls short (None: nobody)."""

    band: str
    reason: str
    short: int | None


# Score ranges by reason: the same for a history and its mirror. Mutual relationships score at
# least 50; a relationship one side carries at most 70; taking without giving back and silence
# at most 35.
SCORE_RANGES = {
    "mutual": (50, 100),
    "fair-weather": (0, 35),
    "dark": (0, 35),
    "unresponsive": (0, 35),
    "taker": (0, 70),
    "ignoring": (0, 70),
    "answers-worse": (0, 70),
    "one-way": (0, 70),
    "lean": (0, 70),
    "puts-in-less": (0, 70),
}


def _short(short: int, reason: str) -> Verdict:
    """``short`` falls short for ``reason``: their band, or they-carry when it is you."""
    if short == _ME:
        return Verdict(Band.they_carry.value, reason, _ME)
    band = {"fair-weather": Band.fair_weather, "dark": Band.unresponsive}.get(reason)
    if band is None:
        band = Band.unresponsive if reason == "unresponsive" else Band.you_carry
    return Verdict(band.value, reason, _THEM)


def _lean(t: _Tally) -> float:
    """Who keeps the tie alive, from -1 (they do) to 1 (you do): reaching out (replies are
    answers, not reaching out; reaching out to ask counts half: it keeps in touch, but it takes).
    The prior is LEAN_PRIOR starts of average weight: a carrying verdict needs several starts,
    one conversation is not a pattern."""
    initiated, initiated_ask = t.initiated, t.initiated_ask
    plain = [initiated[side] - ASK_LEAN_DISCOUNT * initiated_ask[side] for side in (_ME, _THEM)]
    starts = t.starts[_ME] + t.starts[_THEM]
    prior = LEAN_PRIOR * (initiated[_ME] + initiated[_THEM]) / starts if starts else 1.0
    return (plain[_ME] - plain[_THEM]) / (plain[_ME] + plain[_THEM] + prior)


def _puts_in_less(t: _Tally, short: int) -> Verdict:
    """A history the bands call mutual but that scores below mutual's floor: ``short``, the side
    that puts in less, falls short, unless it starts more of the contact. A carrying band follows
    who starts: then the side that starts less falls short, the other doing most of the reaching
    out (a few more chat replies do not make a side the one carrying it)."""
    lean = _lean(t)
    if lean > 0 if short == _ME else lean < 0:
        return _short(1 - short, "lean")
    return _short(short, "puts-in-less")


def _band(t: _Tally, they_answer: float | None, i_answer: float | None) -> Verdict:
    """Which side falls short, then how. Each test on one side is the exact mirror of the other's,
    so a mirrored history lands on the mirrored band and reason (ties aside: see
    docs/scoring.md)."""
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

    def seldom_answers(side: int) -> bool:
        # The other side's outreach mostly goes unanswered by ``side``, who seldom reaches out;
        # one unanswered start among answered ones is no pattern.
        other = 1 - side
        counted = t.outreach_counted[other]
        total = initiated[_ME] + initiated[_THEM]
        return (
            (t.unanswered[other] >= 2 or t.outreach_answered[other] <= 0)
            and counted > 0
            and t.outreach_answered[other] / counted < MOSTLY
            and initiated[side] / total < SELDOM
        )

    for test, reason in ((fair_weather, "fair-weather"), (taker, "taker")):
        they, me = test(_THEM), test(_ME)
        if they != me:
            return _short(_THEM if they else _ME, reason)
    # Gone quiet: the latest few starts of one side all went unanswered, nothing since.
    for side in (_ME, _THEM):
        if t.dark[side] >= DARK_STREAK:
            return _short(1 - side, "dark")

    lean = _lean(t)
    balanced = abs(lean) < LEAN_THRESHOLD
    if balanced and they_answer is not None and i_answer is not None:
        if they_answer < MOSTLY and i_answer < MOSTLY:
            # Ignoring each other is not mutual: the side answering worse falls short.
            return _short(_THEM if they_answer < i_answer else _ME, "ignoring")
        # A side answering clearly worse falls short, unless it also starts more of the
        # contact: then each side makes up for the other.
        if i_answer <= they_answer - RESPONSE_GAP and lean <= 0:
            return _short(_ME, "answers-worse")
        if they_answer <= i_answer - RESPONSE_GAP and lean >= 0:
            return _short(_THEM, "answers-worse")
    if balanced:
        # Evidence on one side only is judged alone: one-way is not mutual.
        if i_answer is None and they_answer is not None and they_answer < MOSTLY:
            short = _THEM
        elif they_answer is None and i_answer is not None and i_answer < MOSTLY:
            short = _ME
        else:
            return Verdict(Band.mutual.value, "mutual", None)
        return _short(short, "unresponsive" if seldom_answers(short) else "one-way")
    # One side carries it: does the other at least answer?
    carried_by = _ME if lean > 0 else _THEM
    return _short(1 - carried_by, "unresponsive" if seldom_answers(1 - carried_by) else "lean")

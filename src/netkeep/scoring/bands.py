"""The band: which side falls short, then how."""

from __future__ import annotations

from netkeep.scoring.constants import (
    _ME,
    _THEM,
    ASK_LEAN_DISCOUNT,
    LEAN_PRIOR,
    LEAN_THRESHOLD,
    MOSTLY,
    RESPONSE_GAP,
    SELDOM,
    TAKER,
)
from netkeep.scoring.tally import _Tally
from netkeep.vocab import Band


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

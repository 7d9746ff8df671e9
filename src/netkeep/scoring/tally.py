"""Per-side tallies: what each side started, answered, asked and gave, recency-weighted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netkeep.scoring.constants import (
    _ME,
    _THEM,
    RESPONSE_PRIOR,
    RESPONSE_PRIOR_RATE,
    WINDOW_MAX_FACTOR,
)
from netkeep.scoring.records import AskRecord
from netkeep.scoring.rows import _CODE_SHIFT, CHANNEL_CODES


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
        "dark",
        "unanswered",
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
        # Each side's latest starts that went unanswered with nothing from the other since.
        self.dark = [0, 0]
        self.unanswered = [0, 0]  # how many starts went unanswered (weight above 0)

    def judge(self, side: int, weight: float, answered: bool, flags: int) -> None:
        """A verdict on one of ``side``'s starts (``flags``: its packed row's flags)."""
        if weight:
            self.verdicts[side] += 1
        self.outreach_counted[side] += weight
        if answered:
            self.outreach_answered[side] += weight
        latest = self.latest[side]
        if len(latest) < 5:  # the explanation tells the latest five
            latest.append((CHANNEL_CODES[flags >> _CODE_SHIFT], answered))

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
    at: Callable[[Any], float],
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
        opened = at(ask.opened_at)
        t.ask_count[side] += 1
        if ask.status == "withdrawn":
            continue  # moot: nobody owes anything
        weight = weight_at(opened)
        if ask.status != "declined":
            t.asked[side] += weight  # a declined ask took nothing (as in netkeep.scoring.interest)
        if ask.status == "working":
            continue  # being worked on: not waiting, not yet answered either
        if ask.status == "open":
            t.open_asks[side].append((opened, ask.what))
            if now_ts - opened > window[doer]:
                t.requests_counted[side] += weight
                t.verdicts[side] += weight > 0
                t.stalled_asks[side] += weight > 0  # past the horizon: decides nothing
            continue
        t.requests_counted[side] += weight
        t.verdicts[side] += weight > 0
        if ask.status != "done":
            continue  # declined: answered, but with nothing; it must not raise the score
        resolved = at(ask.resolved_at) if ask.resolved_at is not None else opened
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
                t.stalled_asks[side] += weight > 0  # past the horizon: decides nothing
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

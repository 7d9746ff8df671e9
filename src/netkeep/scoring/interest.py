"""Asks, and the stretches of time in which a side's own starts serve its own asks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from netkeep.scoring.constants import _BY, _ME, _THEM, _TOOK_NOTHING
from netkeep.scoring.records import AskRecord
from netkeep.scoring.rows import _SIDE


def asks_with_typed(
    rows: list[tuple[Any, ...]],
    n: int,
    asks: Iterable[AskRecord],
    extras: dict[int, tuple[Any, Any]],
) -> tuple[list[AskRecord], dict[int, str]]:
    """The asks, plus an open one for each ask typed on one of the first ``n`` rows (``extras``,
    by row index) without an ask record of its own; and each asked-on touchpoint's ask status,
    by its id."""
    ask_list = list(asks)
    asked_in = {a.touchpoint_id: a.status for a in ask_list if a.touchpoint_id is not None}
    for i, (_give, typed_ask) in sorted(extras.items()):
        if i >= n or not typed_ask:
            continue  # no ask, or a touchpoint after now
        row = rows[i]
        if row[1] not in asked_in:
            side = row[2] & _SIDE
            ask_list.append(AskRecord(-1, _BY[side], typed_ask, "open", row[0], None, row[1]))
            asked_in[row[1]] = "open"
    return ask_list, asked_in


class Interest:
    """When each side acts in its own interest.

    A favour done just before one's own ask is a *sweetener*: the price of that ask. A side's
    initiations serve its own asks in the approach to each ask (the response window before it)
    and while the other side works an ask of theirs that ends done (not as a sweetener) or is
    withdrawn. A declined ask took nothing: its initiations count as plain reaching out. Building
    one also marks, in ``asked_in``, a touchpoint whose ask was bought with a sweetener as open
    (as good as ignored).
    """

    __slots__ = ("_opened", "_window", "starts", "ends", "_pointer")

    def __init__(
        self,
        ask_list: list[AskRecord],
        asked_in: dict[int, str],
        window: float,
        at: Callable[[Any], float],
    ) -> None:
        self._window = window
        self._opened: list[list[float]] = [[], []]  # asks that took or may take something
        for ask in ask_list:
            if ask.status not in _TOOK_NOTHING:
                self._opened[_ME if ask.by == "me" else _THEM].append(at(ask.opened_at))
        stretches: list[list[tuple[float, float]]] = [[], []]
        for ask in ask_list:
            side = _ME if ask.by == "me" else _THEM
            opened = at(ask.opened_at)
            resolved = at(ask.resolved_at) if ask.resolved_at is not None else opened
            if ask.status == "withdrawn":
                # Moot in the end, but while it was open the asker's calls served it.
                stretches[side].append((opened - window, resolved))
                continue
            if ask.status in _TOOK_NOTHING:
                continue
            stretches[side].append((opened - window, opened))
            if ask.status == "done":
                if not self.sweetener(resolved, 1 - side):
                    stretches[side].append((opened, resolved))
                elif ask.touchpoint_id is not None:
                    asked_in[ask.touchpoint_id] = "open"  # bought, not given: as good as ignored
        # Merged and sorted, for a walk back in time.
        self.starts: list[list[float]] = [[], []]
        self.ends: list[list[float]] = [[], []]
        for side in (_ME, _THEM):
            for start, end in sorted(stretches[side]):
                if self.ends[side] and start <= self.ends[side][-1]:
                    self.ends[side][-1] = max(self.ends[side][-1], end)
                else:
                    self.starts[side].append(start)
                    self.ends[side].append(end)
        self._pointer = [len(self.starts[_ME]) - 1, len(self.starts[_THEM]) - 1]

    def sweetener(self, when: float, side: int) -> bool:
        """A favour by ``side`` just before an ask of its own: the price of that ask."""
        return any(when <= opened <= when + self._window for opened in self._opened[side])

    def serves_back(self, side: int, ts: float) -> bool:
        """Whether a start by ``side`` at ``ts`` falls in one of its stretches; calls must come in
        decreasing ``ts`` per side (the backward pass): each side's pointer only moves back."""
        starts_of = self.starts[side]
        j = self._pointer[side]
        while j >= 0 and starts_of[j] > ts:
            j -= 1
        self._pointer[side] = j
        return j >= 0 and ts <= self.ends[side][j]

"""What scoring reads: touchpoint, ask and give records, the settings, and a history's mirror."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any


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

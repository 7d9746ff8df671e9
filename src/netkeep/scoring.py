"""Reciprocity scoring: a contact's history + ``now`` + settings -> a score row.

Pure functions. No database, no clock, no Typer or Rich: the caller passes ``now`` and the history, so
tests freeze time and ``netkeep score`` can run over every contact in one cheap pass. The formula, its
thresholds and the reasoning behind them are in docs/scoring.md.

In brief, every event weighs ``2 ** (-age / half_life)``. Each side earns *contribution* for starting
contact (asks excepted), for answering the other side live, and for doing favours. The score multiplies
how evenly contribution is split (``balance``) by how well both sides answer each other's outreach and
requests (``responsiveness``); both are smoothed with small priors so that a thin or very old history
stays near neutral instead of swinging on one event. Everything is computed the same way for both
sides, so mirroring a history (``mirror``) leaves the score unchanged.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from netkeep.vocab import Band

__all__ = [
    "AskRecord",
    "GiveRecord",
    "Rhythm",
    "ScoringSettings",
    "TouchpointRecord",
    "answered_flags",
    "mirror",
    "rhythm",
    "score_contact",
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
    status: str  # open | done | declined | withdrawn
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

# Contribution credited to a side, per unit of recency weight.
INITIATE_CREDIT = 1.0  # starting a contact that is not an ask
ASK_INITIATE_CREDIT = 0.0  # reaching out only to ask invests nothing in the relationship
ANSWER_CREDIT = 0.5  # taking part in a live exchange the other side started
GIVE_CREDIT = 2.0  # a favour: a touchpoint's give, or fulfilling the other side's ask

BALANCE_PRIOR = 0.5  # pseudo-contribution added to both sides before comparing them
RESPONSE_PRIOR = 0.5  # pseudo-weight of outreach assumed answered at RESPONSE_PRIOR_RATE
RESPONSE_PRIOR_RATE = 0.5  # no evidence either way: a coin flip
BALANCE_EXPONENT = 0.6  # score = 100 * balance**0.6 * responsiveness

# Band thresholds.
LEAN_THRESHOLD = 0.3  # |lean| below this (a 35/65 split or closer): neither side carries it
RESPONSE_GAP = 0.3  # ...unless one side answers this much worse than the other
MOSTLY = 0.5  # "mostly unanswered", "mostly asks"
SELDOM = 0.25  # "they seldom initiate": their share of initiations below this
EXPLAIN_RECENT = timedelta(days=365)  # the horizon of "in a year" in explanations

_ME, _THEM = 0, 1
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


# Row layout after normalising: (ts, id, position, side, two_way, channel, give, ask).
# Sorting by (ts, id, position) orders a history and its mirror identically and never compares
# the fields after position.
def _touch_rows(touchpoints: Iterable) -> list[tuple]:
    """Touchpoints as sorted rows.

    Accepts TouchpointRecord or plain tuples in the same field order
    (id, occurred_at, direction, two_way, channel[, give[, ask]]), where occurred_at may be a
    datetime or epoch seconds. Records take a fast path: that is what ``netkeep score`` feeds in
    bulk.
    """
    items = touchpoints if isinstance(touchpoints, list | tuple) else list(touchpoints)
    if not items:
        return []
    first = items[0]
    rows = None
    try:
        # Fast paths for what ``netkeep score`` feeds in bulk: records with aware datetimes, or
        # 6- or 7-tuples straight from SQL with epoch seconds (the ask may be left off).
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
                )
                for position, tp in enumerate(items)
            ]
        elif type(first) is tuple and len(first) == 7 and not isinstance(first[1], datetime):
            rows = [
                (
                    float(when),
                    tp_id,
                    pos,
                    0 if direction == "out" else 1,
                    two_way,
                    channel,
                    give,
                    ask,
                )
                for pos, (tp_id, when, direction, two_way, channel, give, ask) in enumerate(items)
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
                )
                for pos, (tp_id, when, direction, two_way, channel, give) in enumerate(items)
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
                )
            else:
                fields = tuple(tp) + (None,) * (7 - len(tp))
            tp_id, when, direction, two_way, channel, give, ask = fields
            side = _ME if direction == "out" else _THEM
            rows.append((_ts(when), tp_id, position, side, bool(two_way), channel, give, ask))
    rows.sort()
    return rows


def _flag(ts: float, two_way: bool, next_reply: float, now_ts: float, window: float) -> bool | None:
    """SPEC's "answered": two-way, or the other side started a touchpoint within the window after
    it (``next_reply`` is when they next did); else pending while a reply could still come."""
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
    touchpoints: Iterable[TouchpointRecord], asks: Iterable[AskRecord]
) -> tuple[list[TouchpointRecord], list[AskRecord]]:
    """The same history seen from the other side: in <-> out and me <-> them.

    A touchpoint's give and ask belong to its initiator, so they follow the swapped direction.
    """
    flip_direction = {"out": "in", "in": "out"}
    flip_side = {"me": "them", "them": "me"}
    return (
        [replace(tp, direction=flip_direction[tp.direction]) for tp in touchpoints],
        [replace(ask, by=flip_side[ask.by]) for ask in asks],
    )


# --- Scoring ---------------------------------------------------------------------------------------


def _weight(age: float, decay: float, horizon: float) -> float:
    """Recency weight of an event ``age`` seconds old: 2 ** (-age / half_life), 0 past the horizon."""
    if age <= 0:
        return 1.0
    return math.exp(-decay * age) if age <= horizon else 0.0


def _rate(answered: float, counted: float) -> float | None:
    return round(answered / counted, 2) if counted > 0 else None


def _smoothed(answered: float, counted: float) -> float:
    return (answered + RESPONSE_PRIOR * RESPONSE_PRIOR_RATE) / (counted + RESPONSE_PRIOR)


def score_contact(
    touchpoints: Iterable[TouchpointRecord],
    asks: Iterable[AskRecord] = (),
    *,
    now: datetime,
    settings: ScoringSettings = ScoringSettings(),
    gives: Iterable[GiveRecord] = (),
) -> dict:
    """The score row for one contact, without ``id`` and ``name`` (the caller adds those).

    Keys: score band touchpoints initiative their_response_rate my_response_rate their_asks
    their_gives my_asks my_gives open_asks_by_me open_asks_by_them unanswered_streak explanation.
    Rates and initiative are recency-weighted shares (0..1, 2 decimals, None when nothing counted);
    ask, give and open-ask figures are plain counts.
    """
    now_ts = _ts(now)
    window = settings.response_window.total_seconds()
    decay = _LN2 / settings.half_life.total_seconds()
    horizon = HORIZON_HALF_LIVES * settings.half_life.total_seconds()
    rows = _touch_rows(touchpoints)
    n = len(rows)

    # Per side (index 0 me, 1 them), recency-weighted unless named *_count.
    initiated = [0.0, 0.0]
    initiated_ask = [0.0, 0.0]  # initiations that carried an ask
    answering = [0.0, 0.0]  # taking part in live exchanges the other side started
    outreach_counted = [0.0, 0.0]  # this side's outreach with a verdict (not pending)
    outreach_answered = [0.0, 0.0]
    requests_counted = [0.0, 0.0]  # this side's asks with a verdict (resolved, or open too long)
    requests_answered = [0.0, 0.0]
    asked = [0.0, 0.0]
    gave = [0.0, 0.0]
    ask_count = [0, 0]
    give_count = [0, 0]
    open_asks: list[list[tuple[float, str]]] = [[], []]  # (opened ts, what)
    # For the explanation: each side's latest verdicts (channel, answered), newest first, and the
    # past year's initiations.
    latest: list[list[tuple[str, bool]]] = [[], []]
    year_ago = now_ts - EXPLAIN_RECENT.total_seconds()
    year_started = [0, 0]
    year_their_asks = 0

    ask_list = list(asks)
    asked_in = {a.touchpoint_id for a in ask_list if a.touchpoint_id is not None}

    # One backward pass: "answered" needs the next touchpoint each side started.
    next_start = [math.inf, math.inf]
    for i in range(n - 1, -1, -1):
        ts, tp_id, _pos, side, two_way, channel, give, ask = rows[i]
        other = 1 - side
        # _flag(), inlined: this loop runs once per touchpoint of the whole network.
        if two_way or next_start[other] - ts <= window:
            flag = True
        else:
            flag = None if now_ts - ts <= window else False
        next_start[side] = ts
        # Response rates count outreach, not replies: a touchpoint that follows one of the other
        # side's within the window answers it and expects no answer itself (a thread's last email).
        if flag is not None and i and rows[i - 1][3] == other and ts - rows[i - 1][0] <= window:
            flag = None
        age = now_ts - ts
        weight = 1.0 if age <= 0 else math.exp(-decay * age) if age <= horizon else 0.0
        initiated[side] += weight
        is_ask = bool(ask) or tp_id in asked_in
        if is_ask:
            initiated_ask[side] += weight
            if ask and tp_id not in asked_in:
                # An ask typed on a touchpoint without an ask record of its own: still open.
                ask_list.append(AskRecord(-1, ("me", "them")[side], ask, "open", ts, None, tp_id))
        if two_way:
            answering[other] += weight
        if flag is not None:
            outreach_counted[side] += weight
            if flag:
                outreach_answered[side] += weight
            if len(latest[side]) < 5:
                latest[side].append((channel, flag))
        if give:
            gave[side] += weight
            give_count[side] += 1
        if ts >= year_ago:
            year_started[side] += 1
            year_their_asks += side and is_ask

    for ask in ask_list:
        side = _ME if ask.by == "me" else _THEM
        opened = _ts(ask.opened_at)
        weight = _weight(now_ts - opened, decay, horizon)
        asked[side] += weight
        ask_count[side] += 1
        if ask.status == "open":
            open_asks[side].append((opened, ask.what))
            if now_ts - opened > window:
                requests_counted[side] += weight
        else:
            requests_counted[side] += weight
            requests_answered[side] += weight
            if ask.status == "done":
                resolved = _ts(ask.resolved_at) if ask.resolved_at is not None else opened
                gave[1 - side] += _weight(now_ts - resolved, decay, horizon)
                give_count[1 - side] += 1

    fulfilled = {a.id for a in ask_list if a.status == "done"}
    for give in gives:
        if give.fulfils is not None and give.fulfils in fulfilled:
            continue  # the same favour as that ask's "done", counted there
        side = _ME if give.by == "me" else _THEM
        gave[side] += _weight(now_ts - _ts(give.given_at), decay, horizon)
        give_count[side] += 1

    # Contribution, for the score: reaching out (an ask is worth less: it takes), answering live,
    # and favours.
    contribution = [
        INITIATE_CREDIT * (initiated[side] - initiated_ask[side])
        + ASK_INITIATE_CREDIT * initiated_ask[side]
        + ANSWER_CREDIT * answering[side]
        + GIVE_CREDIT * gave[side]
        for side in (_ME, _THEM)
    ]

    total_initiated = initiated[_ME] + initiated[_THEM]
    their_response = outreach_answered[_ME], outreach_counted[_ME]
    my_response = outreach_answered[_THEM], outreach_counted[_THEM]

    score: int | None = None
    band = Band.new.value
    if n >= MIN_TOUCHPOINTS:
        low, high = sorted(contribution)
        balance = (low + BALANCE_PRIOR) / (high + BALANCE_PRIOR)
        # Responsiveness: how each side answers the other's outreach *and* requests.
        they_answer = _smoothed(
            outreach_answered[_ME] + requests_answered[_ME],
            outreach_counted[_ME] + requests_counted[_ME],
        )
        i_answer = _smoothed(
            outreach_answered[_THEM] + requests_answered[_THEM],
            outreach_counted[_THEM] + requests_counted[_THEM],
        )
        responsiveness = math.sqrt(they_answer * i_answer)
        score = round(100 * balance**BALANCE_EXPONENT * responsiveness)
        band = _band(
            they_answer=they_answer,
            i_answer=i_answer,
            initiated=initiated,
            initiated_ask=initiated_ask,
            asked=asked,
            gave=gave,
            outreach_answered=outreach_answered,
            outreach_counted=outreach_counted,
            open_asks=open_asks,
            now_ts=now_ts,
            window=window,
        )

    streak, streak_channels = _unanswered_streak(rows)
    row = {
        "score": score,
        "band": band,
        "touchpoints": n,
        "initiative": round(initiated[_THEM] / total_initiated, 2) if total_initiated else None,
        "their_response_rate": _rate(*their_response),
        "my_response_rate": _rate(*my_response),
        "their_asks": ask_count[_THEM],
        "their_gives": give_count[_THEM],
        "my_asks": ask_count[_ME],
        "my_gives": give_count[_ME],
        "open_asks_by_me": len(open_asks[_ME]),
        "open_asks_by_them": len(open_asks[_THEM]),
        "unanswered_streak": streak,
    }
    row["explanation"] = _explain(
        row,
        latest=latest,
        year_started=year_started,
        year_their_asks=year_their_asks,
        open_asks=open_asks,
        streak_channels=streak_channels,
        now_ts=now_ts,
        window=window,
    )
    return row


def rhythm(touchpoints: Iterable[TouchpointRecord], *, now: datetime) -> Rhythm:
    """The contact's usual interval between touches and each side's usual reply latency (medians).

    A reply is a touchpoint started by one side after the other side's, before that side started
    another. Fewer than three intervals or replies tell nothing: None.
    """
    rows = [row for row in _touch_rows(touchpoints) if row[0] <= _ts(now)]
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(rows)]
    replies: list[list[float]] = [[], []]  # latency of side's replies
    for earlier, later in itertools.pairwise(rows):
        if later[3] != earlier[3] and not earlier[4]:
            replies[later[3]].append(later[0] - earlier[0])

    def usual(seconds: list[float]) -> timedelta | None:
        return timedelta(seconds=statistics.median(seconds)) if len(seconds) >= 3 else None

    return Rhythm(usual(gaps), usual(replies[_THEM]), usual(replies[_ME]))


def _band(
    *,
    they_answer: float,
    i_answer: float,
    initiated: list[float],
    initiated_ask: list[float],
    asked: list[float],
    gave: list[float],
    outreach_answered: list[float],
    outreach_counted: list[float],
    open_asks: list[list[tuple[float, str]]],
    now_ts: float,
    window: float,
) -> str:
    """Which side falls short, then how. Each test on one side is the exact mirror of the other's,
    so a mirrored history lands on the mirrored band."""

    def fair_weather(side: int) -> bool:
        # They take more than they give, recently reach out mostly to ask, and your outreach goes
        # unanswered or your asks to them stay open. ``side`` is the one under suspicion.
        other = 1 - side
        takes_more = max(asked[side], gave[other]) > gave[side]
        asks_mostly = initiated[side] > 0 and initiated_ask[side] / initiated[side] >= MOSTLY
        counted = outreach_counted[other]
        ignores = counted > 0 and outreach_answered[other] / counted < MOSTLY
        leaves_open = any(now_ts - opened > window for opened, _ in open_asks[other])
        return takes_more and asks_mostly and (ignores or leaves_open)

    they_are, i_am = fair_weather(_THEM), fair_weather(_ME)
    if they_are and not i_am:
        return Band.fair_weather.value
    if i_am and not they_are:
        return Band.they_carry.value

    # Who does the reaching out, asks included (favours are the score's business, not the band's).
    lean = (initiated[_ME] - initiated[_THEM]) / (initiated[_ME] + initiated[_THEM] + BALANCE_PRIOR)
    balanced = abs(lean) < LEAN_THRESHOLD
    if lean <= -LEAN_THRESHOLD or (balanced and i_answer <= they_answer - RESPONSE_GAP):
        return Band.they_carry.value
    if not (lean >= LEAN_THRESHOLD or (balanced and they_answer <= i_answer - RESPONSE_GAP)):
        return Band.mutual.value
    # You carry it: do they at least answer?
    counted = outreach_counted[_ME]
    mostly_unanswered = counted > 0 and outreach_answered[_ME] / counted < MOSTLY
    if mostly_unanswered and initiated[_THEM] / (initiated[_ME] + initiated[_THEM]) < SELDOM:
        return Band.unresponsive.value
    return Band.you_carry.value


def _unanswered_streak(rows: list[tuple]) -> tuple[int, set[str]]:
    """Your most recent consecutive one-way outreach with nothing from them after it."""
    streak = 0
    channels: set[str] = set()
    for row in reversed(rows):
        side, two_way, channel = row[3], row[4], row[5]
        if side != _ME or two_way:
            break
        streak += 1
        channels.add(channel)
    return streak, channels


# --- Explanation -----------------------------------------------------------------------------------


def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def _outreach_noun(channels: Iterable[str]) -> str:
    nouns = sorted({_NOUNS.get(channel, "messages") for channel in channels})
    if len(nouns) == 1:
        return nouns[0]
    if len(nouns) == 2:
        return f"{nouns[0]} and {nouns[1]}"
    return "attempts to reach them"


def _explain(
    row: dict,
    *,
    latest: list[list[tuple[str, bool]]],
    year_started: list[int],
    year_their_asks: int,
    open_asks: list[list[tuple[float, str]]],
    streak_channels: set[str],
    now_ts: float,
    window: float,
) -> str:
    """A short paragraph with the specific facts behind the band, most telling first."""
    n = row["touchpoints"]
    clauses: list[str] = []
    if n < MIN_TOUCHPOINTS:
        clauses.append(
            f"only {_plural(n, 'touchpoint')} so far, too few to judge"
            if n
            else "no touchpoints yet"
        )

    # Your latest outreach and what came of it (pending outreach is not judged yet).
    mine = latest[_ME]
    unanswered = sum(1 for _, answered in mine if not answered)
    if unanswered >= 2 or (unanswered and len(mine) == 1):
        noun = _outreach_noun(channel for channel, _ in mine)
        if len(mine) == 1:
            clauses.append(f"your last {noun.removesuffix('s')} went unanswered")
        else:
            clauses.append(f"{unanswered} of your last {len(mine)} {noun} went unanswered")
    elif row["unanswered_streak"] >= 2:
        noun = _outreach_noun(streak_channels)
        clauses.append(f"your last {row['unanswered_streak']} {noun} have had no reply yet")

    # Their latest outreach that you left unanswered.
    theirs = latest[_THEM]
    ignored = sum(1 for _, answered in theirs if not answered)
    if ignored >= 2:
        noun = _outreach_noun(channel for channel, _ in theirs)
        clauses.append(f"you left {ignored} of their last {len(theirs)} {noun} unanswered")

    # Their initiations over the past year, and how many were asks.
    started = year_started[_THEM]
    if n >= MIN_TOUCHPOINTS:
        if not started:
            clauses.append("they have not reached out once in a year")
        elif year_their_asks == started:
            clauses.append(
                "their only initiation in a year was an ask"
                if started == 1
                else f"their only {started} initiations in a year were asks"
            )
        elif year_their_asks:
            verb = "was an ask" if year_their_asks == 1 else "were asks"
            clauses.append(f"{year_their_asks} of their {started} initiations in a year {verb}")
        else:
            total = started + year_started[_ME]
            clauses.append(f"they started {started} of {total} contacts in the past year")

    # The oldest open ask on each side.
    if open_asks[_ME]:
        opened, what = min(open_asks[_ME])
        if now_ts - opened > window:
            days = int((now_ts - opened) // 86400)
            clauses.append(f"your ask '{what}' has been open {_plural(days, 'day')}")
    if open_asks[_THEM]:
        opened, what = min(open_asks[_THEM])
        days = int((now_ts - opened) // 86400)
        clauses.append(f"their ask '{what}' has waited on you {_plural(days, 'day')}")

    # Favours and answering, when there is something to say.
    if row["my_gives"] or row["their_gives"]:
        clauses.append(f"favours: {row['my_gives']} from you, {row['their_gives']} from them")
    if n >= MIN_TOUCHPOINTS and mine and not unanswered:
        clauses.append("they answer when you reach out")

    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + "."

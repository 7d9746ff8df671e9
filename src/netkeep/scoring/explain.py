"""The explanation: a short paragraph with the facts behind the band, most telling first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from netkeep.scoring.bands import Verdict
from netkeep.scoring.constants import _ME, _NOUNS, _THEM, MIN_TOUCHPOINTS
from netkeep.scoring.rows import _CODE_SHIFT, _SIDE, _TWO_WAY, CHANNEL_CODES
from netkeep.scoring.tally import _Tally
from netkeep.text import plural


def _closes(prev_flags: int, flags: int, gap: float, response_window: float) -> bool:
    """A one-way message that closes a thread: it comes within the response window after the
    other side's one-way message that needed no reply (a referral answered with "thanks!"). It
    expects no answer, so it is never unanswered outreach."""
    return bool((prev_flags ^ flags) & _SIDE) and prev_flags & 6 == 4 and gap <= response_window


def _unanswered_streak(
    rows: list[tuple[Any, ...]], pending_after: float, response_window: float = 0.0
) -> tuple[int, set[str], int]:
    """Your most recent consecutive one-way outreach with nothing from them after it: its length,
    channels, and how many of it are still pending (after ``pending_after``). Messages that need
    no reply (marked so, or closing a thread) are not outreach."""
    streak = pending = 0
    channels: set[str] = set()
    for index in range(len(rows) - 1, -1, -1):
        ts, _id, flags = rows[index]
        if flags & (_SIDE | _TWO_WAY):
            break  # theirs, or a live exchange
        previous = rows[index - 1] if index else None
        if flags & 4 or (
            previous is not None and _closes(previous[2], flags, ts - previous[0], response_window)
        ):
            continue
        streak += 1
        pending += ts > pending_after
        channels.add(CHANNEL_CODES[flags >> _CODE_SHIFT])
    return streak, channels, pending


def _outreach_noun(channels: Iterable[str]) -> str:
    nouns = sorted({_NOUNS.get(channel, "messages") for channel in channels})
    if len(nouns) == 1:
        return nouns[0]
    if len(nouns) == 2:
        return f"{nouns[0]} and {nouns[1]}"
    return "attempts to reach them"


# The reason for each band, first clause of every explanation: (they fall short, you do).
_REASONS = {
    "fair-weather": (
        "they reach out mostly to ask and take more than they give",
        "you reach out mostly to ask and take more than you give",
    ),
    "taker": (
        "they reach out only to ask and every favour goes their way",
        "you reach out only to ask and every favour goes your way",
    ),
    "dark": (
        "they have gone quiet: {dark} of your attempts in a row went unanswered",
        "you have gone quiet: {dark} of their attempts in a row went unanswered",
    ),
    "unresponsive": (
        "your outreach mostly goes unanswered and they seldom reach out",
        "their outreach mostly goes unanswered and you seldom reach out",
    ),
    "ignoring": (
        "neither of you answers the other much, they least",
        "neither of you answers the other much, you least",
    ),
    "answers-worse": (
        "they answer your outreach less than you answer theirs",
        "you answer their outreach less than they answer yours",
    ),
    "one-way": ("your outreach mostly goes unanswered", "their outreach mostly goes unanswered"),
    "lean": ("you do most of the reaching out", "they do most of the reaching out"),
    "puts-in-less": ("they put less into it than you do", "you put less into it than they do"),
}
# Reasons that say your outreach goes unanswered: "they answer when you reach out" would not do.
_UNANSWERED = {"fair-weather", "dark", "unresponsive", "ignoring", "answers-worse", "one-way"}


def _reason(verdict: Verdict, n: int, t: _Tally, days: int) -> str:
    """The band's actual reason, in the band's own terms (see bands.py)."""
    if verdict.reason == "new":
        if n < MIN_TOUCHPOINTS:
            return (
                f"only {plural(n, 'touchpoint')} so far, too few to judge"
                if n
                else ("no touchpoints yet")
            )
        return f"too early to judge: the first touchpoint was {plural(days, 'day')} ago"
    if verdict.reason == "mutual":
        return "both of you keep in touch and answer each other"
    short = verdict.short
    clause = _REASONS[verdict.reason][0 if short == _THEM else 1]
    if verdict.reason == "lean":
        carrier = _ME if short == _THEM else _THEM
        if t.initiated[carrier] <= t.initiated[1 - carrier]:
            # Their reaching out is mostly asks, which count half.
            clause += " that asks for nothing"
    return clause.format(dark=t.dark[1 - short] if short is not None else 0)


def _explain(
    row: dict[str, Any],
    t: _Tally,
    verdict: Verdict,
    *,
    streak_channels: set[str],
    pending: int,
    now_ts: float,
    window: list[float],
    first_ts: float,
) -> str:
    """A short paragraph: the band's reason, then the specific facts, most telling first."""
    n = row["touchpoints"]
    judged = verdict.band != "new"
    clauses = [_reason(verdict, n, t, int((now_ts - first_ts) // 86400))]

    # Your latest outreach and what came of it (pending outreach is not judged yet). A current
    # streak is told as the streak, so the count matches `unanswered_streak` everywhere.
    mine = t.latest[_ME]
    unanswered = sum(1 for _, answered in mine if not answered)
    streak = row["unanswered_streak"]
    if streak >= 2:
        noun = _outreach_noun(streak_channels)
        if not pending:
            clauses.append(f"your last {streak} {noun} went unanswered")
        elif pending == streak:
            clauses.append(f"your last {streak} {noun} have had no reply yet")
        else:
            clauses.append(
                f"your last {streak} {noun} have had no reply ({pending} still may get one)"
            )
    elif unanswered >= 2 or (unanswered and len(mine) == 1):
        noun = _outreach_noun(channel for channel, _ in mine)
        if len(mine) == 1:
            clauses.append(f"your last {noun.removesuffix('s')} went unanswered")
        else:
            clauses.append(f"{unanswered} of your last {len(mine)} {noun} went unanswered")

    # Their latest outreach that you left unanswered.
    theirs = t.latest[_THEM]
    ignored = sum(1 for _, answered in theirs if not answered)
    if ignored >= 2:
        noun = _outreach_noun(channel for channel, _ in theirs)
        clauses.append(f"you left {ignored} of their last {len(theirs)} {noun} unanswered")

    # Their initiations over the past year, and how many were asks.
    started = t.year_started[_THEM]
    asks = t.year_their_asks
    if judged:
        if not started:
            if verdict.short != _ME:  # else their reaching out is older, and already said
                clauses.append("they have not reached out once in a year")
        elif asks == started:
            clauses.append(
                "their only initiation in a year was an ask"
                if started == 1
                else f"their only {started} initiations in a year were asks"
            )
        elif asks:
            verb = "was an ask" if asks == 1 else "were asks"
            clauses.append(f"{asks} of their {started} initiations in a year {verb}")
        else:
            total = started + t.year_started[_ME]
            clauses.append(f"they started {started} of {total} contacts in the past year")

    # The oldest open ask on each side.
    if t.open_asks[_ME]:
        opened, what = min(t.open_asks[_ME])
        if now_ts - opened > window[_THEM]:
            days = int((now_ts - opened) // 86400)
            clauses.append(f"your ask '{what}' has been open {plural(days, 'day')}")
    if t.open_asks[_THEM]:
        opened, what = min(t.open_asks[_THEM])
        days = int((now_ts - opened) // 86400)
        clauses.append(f"their ask '{what}' has waited on you {plural(days, 'day')}")

    # Favours and answering, when there is something to say.
    if row["my_gives"] or row["their_gives"]:
        clauses.append(f"favours: {row['my_gives']} from you, {row['their_gives']} from them")
    if (
        judged
        and mine
        and not unanswered
        and row["unanswered_streak"] < 2
        and not (verdict.short == _THEM and verdict.reason in _UNANSWERED)
    ):
        clauses.append("they answer when you reach out")

    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + "."

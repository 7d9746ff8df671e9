"""Reciprocity scoring: a contact's history + ``now`` + settings -> a score row.

Pure functions. No database, no clock, no Typer or Rich: the caller passes ``now`` and the history, so
tests freeze time and ``netkeep score`` can run over every contact in one cheap pass. The formula, its
thresholds and the reasoning behind them are in docs/scoring.md.

In brief, every event weighs ``2 ** (-age / half_life)``, its age measured against newer evidence
rather than the calendar. Each side earns *contribution* for starting contact (starts that serve its
own asks excepted), for answering the other side, and for doing favours (a give and the ``done`` ask
it fulfils are one favour; a favour right before one's own ask is a sweetener and earns nothing).
Replies and quick exchanges are told apart from starts, and each side's reply window follows its own
learned pace (``rhythm``). The score multiplies how evenly contribution is split (``balance``) by how
well both sides answer each other's outreach and requests (``responsiveness``); a side that gave the
other nothing to answer has no rate, and missing evidence decides nothing. Everything is computed
the same way for both sides, so mirroring a history (``mirror``) leaves the score unchanged.

The package, in the order a history flows through it: ``records`` (what goes in), ``rows`` (touchpoints
as sorted, packed rows), ``pace`` (each side's learned rhythm and windows), ``interest`` (asks and the
stretches in which a side's starts serve its own asks), ``tally`` (the per-side figures), ``bands``,
``explain``, and ``model`` (the steps of one score row).
"""

from netkeep.scoring.constants import (
    BROKEN_RHYTHM_FACTOR,
    CONVERSATION_GAP,
    EVENTS_PER_HALF_LIFE,
    HORIZON_HALF_LIVES,
    MIN_TOUCHPOINTS,
    REPLY_FACTOR,
    REPLY_MIN,
    WINDOW_FACTOR,
    WINDOW_MAX_FACTOR,
)
from netkeep.scoring.model import score_contact, score_history
from netkeep.scoring.pace import rhythm
from netkeep.scoring.records import (
    AskRecord,
    GiveRecord,
    Rhythm,
    ScoringSettings,
    TouchpointRecord,
    mirror,
)
from netkeep.scoring.rows import CHANNEL_CODES, Timebase, answered_flags

__all__ = [
    "BROKEN_RHYTHM_FACTOR",
    "CHANNEL_CODES",
    "CONVERSATION_GAP",
    "EVENTS_PER_HALF_LIFE",
    "HORIZON_HALF_LIVES",
    "MIN_TOUCHPOINTS",
    "REPLY_FACTOR",
    "REPLY_MIN",
    "WINDOW_FACTOR",
    "WINDOW_MAX_FACTOR",
    "AskRecord",
    "GiveRecord",
    "Rhythm",
    "ScoringSettings",
    "Timebase",
    "TouchpointRecord",
    "answered_flags",
    "mirror",
    "rhythm",
    "score_contact",
    "score_history",
]

"""The constants of the formula; docs/scoring.md explains each."""

from __future__ import annotations

import math
from datetime import timedelta

MIN_TOUCHPOINTS = 3  # below this the band is "new" and the score is None
HORIZON_HALF_LIVES = 10  # events older than this weigh 0 instead of < 1/1000
# Decay is relative to newer evidence: an event ages with time only while newer touchpoints keep
# coming, each newer touchpoint ageing it by at most half_life / EVENTS_PER_HALF_LIFE.
EVENTS_PER_HALF_LIFE = 4

# Contribution credited to a side, per unit of recency weight.
INITIATE_CREDIT = 1.0  # starting a contact that is not an ask
ASK_INITIATE_CREDIT = 0.0  # reaching out only to ask invests nothing in the relationship
ANSWER_CREDIT = 0.5  # answering the other side: a reply, or taking part in a live exchange
GIVE_CREDIT = 2.0  # a favour: a give, or fulfilling the other side's ask

BALANCE_PRIOR = 0.5  # touchpoints of average weight added to both sides before comparing them
RESPONSE_PRIOR = 0.5  # verdicts of average weight assumed answered at RESPONSE_PRIOR_RATE
RESPONSE_PRIOR_RATE = 0.5  # no evidence either way: a coin flip
BALANCE_EXPONENT = 0.6  # score = 100 * balance**0.6 * responsiveness

# Messages this close to the one before are one conversation (see score_contact).
CONVERSATION_GAP = 3600.0  # seconds
# The other side's message this soon after one's own still answers it, whatever their usual pace:
# a conversation starts after a day's silence.
REPLY_MIN = 86400.0  # seconds

# Rhythm and the adaptive response window.
RHYTHM_MIN_SAMPLES = 3  # fewer intervals or replies than this tell nothing
WINDOW_FACTOR = 1.5  # a side's answer window: 1.5 x its usual reply latency...
WINDOW_MAX_FACTOR = 4  # ...between the configured window and 4 x the configured window
REPLY_FACTOR = 3  # a reply rather than a new start: within 3 x one's usual latency
BROKEN_RHYTHM_FACTOR = 3  # `stale --rhythm`: silence longer than 3 x the usual interval

# Band thresholds.
LEAN_PRIOR = 3  # pseudo-starts added when weighing who reaches out
LEAN_THRESHOLD = 0.3  # |lean| below this (a 35/65 split or closer): neither side carries it
RESPONSE_GAP = 0.3  # ...unless one side answers this much worse than the other
MOSTLY = 0.5  # "mostly unanswered", "mostly asks"
SELDOM = 0.25  # "they seldom initiate": their share of initiations below this
ASK_LEAN_DISCOUNT = 0.5  # who reaches out: an initiation that serves one's own ask counts half
DARK_STREAK = 3  # a side's latest starts, all unanswered, with nothing from the other since
TAKER = 0.75  # a side whose initiations are at least this share asks, and who only receives favours
EXPLAIN_RECENT = timedelta(days=365)  # the horizon of "in a year" in explanations

_ME, _THEM = 0, 1
_BY = ("me", "them")
_TOOK_NOTHING = ("declined", "withdrawn")
_LN2 = math.log(2.0)
_NOUNS = {
    "call": "calls",
    "email": "emails",
    "text": "texts",
    "meeting": "meeting requests",
    "letter": "letters",
}

"""The fixed words of netkeep's contract (docs/reference.md): channels, directions, statuses, bands, formats.

Plain enums, cheap to import: the CLI uses them for choices and completion without loading SQLModel.
"""

from enum import StrEnum


class Channel(StrEnum):
    call = "call"
    email = "email"
    text = "text"
    meeting = "meeting"
    social = "social"
    letter = "letter"
    other = "other"


# Other words people type for a channel (`--via phone`); documented in the README.
CHANNEL_SYNONYMS = {
    "phone": Channel.call,
    "tel": Channel.call,
    "voice": Channel.call,
    "mail": Channel.email,
    "e-mail": Channel.email,
    "sms": Channel.text,
    "message": Channel.text,
    "whatsapp": Channel.text,
    "meet": Channel.meeting,
    "video": Channel.meeting,
    "zoom": Channel.meeting,
    "coffee": Channel.meeting,
    "in-person": Channel.meeting,
    "linkedin": Channel.social,
    "dm": Channel.social,
    "post": Channel.letter,
    "card": Channel.letter,
}


def channel_named(word: str) -> Channel | None:
    """The channel a typed word means, in any case, synonyms included; None if none."""
    key = "-".join(word.casefold().split())
    if key in Channel._value2member_map_:
        return Channel(key)
    return CHANNEL_SYNONYMS.get(key)


# A call that connected or a meeting is a live exchange; the rest are one-way messages.
LIVE_CHANNELS = frozenset({Channel.call, Channel.meeting})


class Direction(StrEnum):
    out = "out"  # you initiated
    in_ = "in"  # they did


class Side(StrEnum):
    me = "me"
    them = "them"


class AskStatus(StrEnum):
    open = "open"
    done = "done"
    declined = "declined"
    withdrawn = "withdrawn"  # moot: the need went away, nobody owes anything
    working = "working"  # someone is on it: neither ignored nor done (not resolved)


class Band(StrEnum):
    new = "new"
    mutual = "mutual"
    you_carry = "you-carry"
    they_carry = "they-carry"
    unresponsive = "unresponsive"
    fair_weather = "fair-weather"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class SingleFormat(StrEnum):
    """For commands that print one thing (a line or a profile, or one JSON object): no CSV."""

    table = "table"
    json = "json"


DEFAULT_TIERS = {"inner": "2w", "close": "1m", "network": "3m", "acquaintance": "6m"}
DEFAULT_TIER = "network"
DEFAULT_HALF_LIFE = "180d"
DEFAULT_RESPONSE_WINDOW = "14d"


# The JSON keys of the contract, in order; every key is present even when null.
CONTACT_KEYS = [
    "id",
    "name",
    "emails",
    "phone",
    "company",
    "title",
    "tags",
    "tier",
    "cadence",
    "note",
    "created_at",
    "archived",
    "birthday",
    "last_touch",
]
TOUCHPOINT_KEYS = [
    "id",
    "contact_id",
    "occurred_at",
    "channel",
    "direction",
    "two_way",
    "answered",
    "note",
    "ask",
    "give",
    "source",
    "source_key",
    "no_reply",
    "logged_by",
    "asks",
    "gives",
]
STALE_KEYS = [
    "id",
    "name",
    "tier",
    "cadence",
    "last_touch",
    "days_since",
    "due",
    "days_overdue",
    "overdue_ratio",
    "unanswered",
    "tags",
]
SCORE_KEYS = [
    "id",
    "name",
    "score",
    "band",
    "touchpoints",
    "initiative",
    "their_response_rate",
    "my_response_rate",
    "their_asks",
    "their_gives",
    "my_asks",
    "my_gives",
    "open_asks_by_me",
    "open_asks_by_them",
    "unanswered_streak",
    "explanation",
]
ASK_KEYS = [
    "id",
    "contact_id",
    "name",
    "by",
    "what",
    "status",
    "opened_at",
    "resolved_at",
    "days_open",
]
GIVE_KEYS = ["id", "contact_id", "touchpoint_id", "by", "what", "given_at", "fulfils"]
OWE_KEYS = ["contact_id", "name", "touchpoint_id", "occurred_at", "channel", "days_waiting", "ask"]
# A contact as stored and exported: the contact keys less the derived `last_touch`.
CONTACT_FIELDS = tuple(key for key in CONTACT_KEYS if key != "last_touch")

"""The fixed words of netkeep's contract (SPEC): channels, directions, statuses, bands, formats.

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


DEFAULT_TIERS = {"inner": "2w", "close": "1m", "network": "3m", "acquaintance": "6m"}
DEFAULT_TIER = "network"
DEFAULT_HALF_LIFE = "180d"
DEFAULT_RESPONSE_WINDOW = "14d"

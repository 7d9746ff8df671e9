"""What the capture parsers produce, and how a stream of messages becomes touchpoints.

Parsers (one module per export, see docs/capture.md) are pure: a file in, `Message` and `Skipped`
records out, no database. `reduce_exchanges` then folds a side's run of one-way messages in one
exchange into a single touchpoint, so a chatty thread counts as the exchange it is. Matching people
and writing is the store's job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from netkeep.captured import Skipped as Skipped
from netkeep.captured import profile_url as profile_url
from netkeep.errors import BadInput

# Consecutive one-way messages of one side in one exchange, each within this long of the one before,
# are one touchpoint: five quick emails are one approach, a follow-up a week later is another.
RUN_GAP = timedelta(hours=24)

CAPTURE_FORMATS = ("linkedin", "mbox", "maildir", "ics", "android", "whatsapp", "telegram")

# The window a captured time must fall in, as for `log`'s WHEN: nothing from the future beyond a
# day of clock skew (a phone's local time read as UTC is up to 14 hours ahead), nothing before
# HISTORY_FLOOR. A record outside is skipped and counted under OUT_OF_RANGE, never stored.
CLOCK_SKEW = timedelta(days=1)
HISTORY_FLOOR = datetime(1970, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "date out of range"


@dataclass(frozen=True)
class Party:
    """The person on the other side, as the export names them. Any field may be missing."""

    name: str | None = None
    email: str | None = None  # lower case
    phone: str | None = None  # E.164 when it could be normalised
    profile: str | None = None  # a LinkedIn profile URL

    @property
    def key(self) -> str:
        """One identity string for grouping and for the summary of unknown correspondents."""
        return self.email or self.phone or self.profile or (self.name or "").casefold()

    @property
    def label(self) -> str:
        shown = self.email or self.phone or self.profile
        if self.name and shown:
            return f"{self.name} <{shown}>"
        return self.name or shown or "?"


@dataclass(frozen=True)
class Message:
    """One exchange with one person: a mail, a chat message, a call, a meeting."""

    source: str  # 'linkedin', 'mbox', ...; with `key`, unique in the database
    key: str
    at: datetime  # aware UTC
    channel: str
    direction: str  # "out": you started it; "in": they did
    two_way: bool  # live (a connected call, a meeting)
    party: Party
    thread: str | None = None  # the conversation; None for live exchanges
    note: str | None = None


@dataclass
class Touchpoint:
    """What the store writes: a reduced exchange, under its first message's key."""

    source: str
    key: str
    at: datetime
    channel: str
    direction: str
    two_way: bool
    party: Party
    note: str | None
    messages: int = 1
    last: datetime | None = None  # the run's latest message


def reduce_exchanges(records: Iterable[Message | Skipped]) -> Iterator[Touchpoint | Skipped]:
    """Fold each run of one side's one-way messages in one exchange into one touchpoint.

    Records come in the file's order (every supported export is chronological). A run is cut by
    the other side writing, by a live exchange, or by a gap longer than RUN_GAP. A run's touchpoint
    is yielded when it is cut, when the file has moved more than RUN_GAP past it, or at the end:
    only the open runs stay in memory, whatever the size of the file.
    """
    open_runs: dict[tuple[str, str, str], Touchpoint] = {}
    latest: datetime | None = None
    for count, record in enumerate(records, start=1):
        if isinstance(record, Skipped):
            yield record
            continue
        if latest is None or record.at > latest:
            latest = record.at
        if count % _SWEEP_EVERY == 0:
            yield from _closed_runs(open_runs, latest - RUN_GAP)
        if record.two_way or record.thread is None:
            yield _touchpoint(record)
            continue
        conversation = (record.source, record.thread, record.party.key)
        run = open_runs.get(conversation)
        if (
            run is not None
            and run.direction == record.direction
            and timedelta(0) <= record.at - run.at - _spread(run) <= RUN_GAP
        ):
            run.messages += 1
            run.last = record.at
            continue
        if run is not None:
            yield run
        open_runs[conversation] = _touchpoint(record)
    yield from open_runs.values()


_SWEEP_EVERY = 10_000  # records between sweeps of the open runs


def _closed_runs(
    open_runs: dict[tuple[str, str, str], Touchpoint], before: datetime
) -> Iterator[Touchpoint]:
    """Take out and yield the runs that ended before `before`: nothing later can extend them."""
    closed = [key for key, run in open_runs.items() if (run.last or run.at) < before]
    for key in closed:
        yield open_runs.pop(key)


def _spread(run: Touchpoint) -> timedelta:
    """How far the run reaches past its first message."""
    return (run.last or run.at) - run.at


def _touchpoint(message: Message) -> Touchpoint:
    party = message.party
    return Touchpoint(
        source=message.source,
        key=clean_text(message.key) or message.key,
        at=message.at,
        channel=message.channel,
        direction=message.direction,
        two_way=message.two_way,
        party=Party(
            name=clean_text(party.name),
            email=clean_text(party.email),
            phone=clean_text(party.phone),
            profile=clean_text(party.profile),
        ),
        note=clean_text(message.note),
    )


def clean_text(value: str | None) -> str | None:
    """A text field from a capture file without control characters: the one place they are
    stripped before anything reaches the database (PostgreSQL refuses NUL, SQLite would store it)."""
    if value is None or value.isprintable():
        return value
    from netkeep.io.records import without_controls

    return str(without_controls(value, one_line=True)).strip() or None


def captured_at(moment: datetime, me: Identity) -> datetime | None:
    """`moment` in UTC when it lies in the capture window (HISTORY_FLOOR to now plus CLOCK_SKEW),
    else None: every reader passes each record's time through here and skips the record on None.
    A naive time is taken as UTC; a time that cannot be expressed in UTC is out of range."""
    try:
        at = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    if at < HISTORY_FLOOR or at > me.clock() + CLOCK_SKEW:
        return None
    return at


def content_key(*parts: object) -> str:
    """A stable key for records that carry no id of their own."""
    joined = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def short_note(text: str | None, limit: int = 120) -> str | None:
    """A subject or a message's first line, bounded: a note, not an archive."""
    if not text:
        return None
    line = " ".join(text.split())
    if not line:
        return None
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass
class Identity:
    """Who "me" is while reading a file: from config `[me]` and the command's flags."""

    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()  # E.164
    linkedin: str | None = None  # normalised profile URL
    names: frozenset[str] = frozenset()  # casefolded
    region: str | None = None
    date_order: str | None = None
    create: bool = False
    meeting_cap: int = 10
    now: datetime | None = None  # the command's "now"; read from the clock when None

    def clock(self) -> datetime:
        if self.now is None:
            from netkeep.dates import now

            self.now = now()
        return self.now

    @classmethod
    def of(cls, settings: Any, *, meeting_cap: int = 10, now: datetime | None = None) -> Identity:
        """You as the settings' `[me]` section describes you, in the forms parsers compare."""
        from netkeep.phones import normalise

        me = settings.me
        return cls(
            emails=frozenset(e.strip().lower() for e in me.emails if e.strip()),
            phones=frozenset(filter(None, (normalise(p, me.region) for p in me.phones))),
            linkedin=profile_url(me.linkedin),
            names=frozenset(n.strip().casefold() for n in me.names if n.strip()),
            region=me.region,
            date_order=settings.date_order,
            meeting_cap=meeting_cap,
            now=now,
        )

    def need(self, what: str, setting: str, label: str) -> NoReturn:
        raise BadInput(
            f"{label}: cannot tell which side is you: set {setting} in the config's [me] "
            f"section or pass {what}"
        )


def check_size(path: Path, limit: int, label: str) -> None:
    """Refuse a file too large for a format that is read whole."""
    size = path.stat().st_size
    if size > limit:
        raise BadInput(f"{label}: {size:,} bytes is larger than this format allows ({limit:,})")

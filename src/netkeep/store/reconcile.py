"""Reconciliation: what you typed and what you captured are one history.

A captured touchpoint that is the same exchange as one you typed by hand is merged into the typed
one instead of being added beside it: the typed record keeps its note, asks and gives, and gains
the capture's `source` and `source_key`, so that a later re-import of the same file finds it there.

Two touchpoints are the same exchange when they are with the same contact, on the same kind of
channel, in the same direction, and close in time. How close depends on the channel (MATCH_WINDOW):
a call or a meeting is typed minutes after it happened; an email or a message is often logged
hours later. A typed touchpoint whose time is exactly local midnight was typed as a date alone
(`--when 2026-03-04`), and matches anything on that local day. Each typed touchpoint absorbs one
capture, the closest in time.

`duplicate_pairs` and `fold_duplicates` find and fold pairs already in a database (`netkeep
doctor`): a typed touchpoint and a captured one, or two typed ones, that are the same exchange.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from netkeep.dates import from_db
from netkeep.dialect import time_param

# How far apart a typed and a captured record of one exchange may be, per channel.
MATCH_WINDOW = {
    "call": timedelta(hours=1),
    "meeting": timedelta(hours=2),
    "email": timedelta(hours=12),
    "text": timedelta(hours=12),
    "social": timedelta(hours=12),
    "letter": timedelta(days=3),
    "other": timedelta(hours=12),
}
# Channels that are one kind of exchange: a chat message typed as `text` may come back from
# LinkedIn as `social`, and the reverse.
_KINDS = {"text": ("text", "social"), "social": ("text", "social")}


def same_kind(channel: str) -> tuple[str, ...]:
    """The channels a record on `channel` may match."""
    return _KINDS.get(channel, (channel,))


def typed_as_date(moment: datetime) -> bool:
    """The time is local midnight exactly: typed as a date without a time."""
    local = moment.astimezone()
    return (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)


def _close(typed: datetime, captured: datetime, channel: str) -> bool:
    if abs(typed - captured) <= MATCH_WINDOW.get(channel, timedelta(hours=12)):
        return True
    return typed_as_date(typed) and typed.astimezone().date() == captured.astimezone().date()


@dataclass
class Matched:
    """A captured record merged into the touchpoint you typed."""

    touchpoint_id: int
    name: str
    occurred_at: datetime
    channel: str


class Reconciler:
    """Finds, for a captured record about to be written, the typed touchpoint it duplicates.

    Only contacts with typed touchpoints are looked at (one query at the start), so a large capture
    into a database of captured history pays nothing; for the others, one indexed read per record.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.engine = connection.dialect.name
        self.typed_contacts = {
            int(row[0])
            for row in connection.execute(
                text("SELECT DISTINCT contact_id FROM touchpoint WHERE source IS NULL")
            )
        }
        self.candidates = text(
            "SELECT id, occurred_at FROM touchpoint WHERE contact_id = :cid AND source IS NULL "
            "AND direction = :direction AND channel IN :channels "
            "AND occurred_at >= :low AND occurred_at <= :high ORDER BY occurred_at, id"
        ).bindparams(bindparam("channels", expanding=True))
        self.adopt_sql = text(
            "UPDATE touchpoint SET source = :source, source_key = :key, "
            "no_reply = (no_reply OR :standing), note = COALESCE(note, :note) WHERE id = :id"
        )

    def typed_match(
        self, contact_id: int, *, at: datetime, channel: str, direction: str
    ) -> tuple[int, datetime] | None:
        """The typed touchpoint (id, time) that this captured record is, or None."""
        if contact_id not in self.typed_contacts:
            return None
        window = MATCH_WINDOW.get(channel, timedelta(hours=12))
        day_start = at.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        low = min(at - window, day_start)
        rows = self.connection.execute(
            self.candidates,
            {
                "cid": contact_id,
                "direction": direction,
                "channels": list(same_kind(channel)),
                "low": time_param(self.engine, low),
                "high": time_param(self.engine, at + window),
            },
        ).all()
        found = [
            (abs(from_db(when) - at), int(tp_id), from_db(when))
            for tp_id, when in rows
            if _close(from_db(when), at, channel)
        ]
        if not found:
            return None
        _gap, tp_id, when = min(found)
        return tp_id, when

    def adopt(
        self,
        touchpoint_id: int,
        *,
        source: str,
        key: str,
        typed_at: datetime,
        captured_at: datetime,
        note: str | None = None,
        standing: bool = False,
    ) -> None:
        """The typed touchpoint becomes the captured record too: a re-import finds it. It keeps
        its note (or gains the capture's subject when it had none). An occurrence of a standing
        meeting is marked as one (live, needing no reply). A touchpoint typed as a date alone
        takes the capture's time of day, with its asks and gives, unless one of its asks was
        resolved before that time."""
        values = {
            "source": source,
            "key": key,
            "id": touchpoint_id,
            "standing": standing,
            "note": note,
        }
        self.connection.execute(self.adopt_sql, values)
        if typed_as_date(typed_at) and captured_at != typed_at:
            self._take_time(touchpoint_id, typed_at, captured_at)

    def _take_time(self, touchpoint_id: int, typed_at: datetime, captured_at: datetime) -> None:
        old, new = time_param(self.engine, typed_at), time_param(self.engine, captured_at)
        resolved_before = self.connection.execute(
            text(
                "SELECT 1 FROM ask WHERE touchpoint_id = :id AND resolved_at IS NOT NULL "
                "AND resolved_at < :new"
            ),
            {"id": touchpoint_id, "new": new},
        ).first()
        if resolved_before is not None:
            return
        for sql in (
            "UPDATE touchpoint SET occurred_at = :new WHERE id = :id",
            "UPDATE ask SET opened_at = :new WHERE touchpoint_id = :id AND opened_at = :old",
            "UPDATE give SET given_at = :new WHERE touchpoint_id = :id AND given_at = :old",
        ):
            self.connection.execute(text(sql), {"id": touchpoint_id, "new": new, "old": old})


# --- duplicates already in a database ---------------------------------------------------------


@dataclass
class Duplicate:
    """Two touchpoints of one exchange: `keep` absorbs `drop`."""

    keep: int
    drop: int
    contact_id: int
    name: str
    occurred_at: datetime
    channel: str
    direction: str
    reason: str


def duplicate_pairs(connection: Connection) -> list[Duplicate]:
    """Pairs already stored that are one exchange: a typed touchpoint and a captured one within
    the channel's window (the typed one is kept and gains the capture's source), and two typed
    ones with the same contact, channel, direction and minute (the older id is kept).

    Each touchpoint is in one pair at most; pairs come oldest first."""
    rows = connection.execute(
        text(
            "SELECT t.id, t.contact_id, c.name, t.occurred_at, t.channel, t.direction, t.source "
            "FROM touchpoint t JOIN contact c ON c.id = t.contact_id "
            "WHERE t.contact_id IN (SELECT contact_id FROM touchpoint WHERE source IS NULL) "
            "ORDER BY t.contact_id, t.occurred_at, t.id"
        )
    ).all()
    pairs: list[Duplicate] = []
    used: set[int] = set()
    by_contact: dict[int, list[Any]] = {}
    for row in rows:
        by_contact.setdefault(int(row[1]), []).append(row)
    for history in by_contact.values():
        pairs.extend(_pairs_of(history, used))
    pairs.sort(key=lambda pair: (pair.occurred_at, pair.keep))
    return pairs


def _pairs_of(history: list[Any], used: set[int]) -> Iterable[Duplicate]:
    typed = [row for row in history if row[6] is None]
    captured = [row for row in history if row[6] is not None]
    for row in typed:
        if row[0] in used:
            continue
        when = from_db(row[3])
        twins = [
            other
            for other in typed
            if other[0] > row[0]
            and other[0] not in used
            and (other[4], other[5]) == (row[4], row[5])
            and from_db(other[3]).replace(second=0, microsecond=0)
            == when.replace(second=0, microsecond=0)
        ]
        if twins:
            used.update((row[0], twins[0][0]))
            yield Duplicate(
                row[0], twins[0][0], row[1], row[2], when, row[4], row[5], "typed twice"
            )
            continue
        matches = [
            (abs(from_db(other[3]) - when), other)
            for other in captured
            if other[0] not in used
            and other[5] == row[5]
            and other[4] in same_kind(row[4])
            and _close(when, from_db(other[3]), other[4])
        ]
        if matches:
            _gap, other = min(matches, key=lambda match: (match[0], match[1][0]))
            used.update((row[0], other[0]))
            yield Duplicate(
                row[0], other[0], row[1], row[2], when, row[4], row[5], f"captured ({other[6]})"
            )


def fold_duplicates(connection: Connection, pairs: Iterable[Duplicate]) -> int:
    """Fold each pair: the kept touchpoint takes the dropped one's source (when it had one), its
    asks and gives, and the dropped one is deleted. Returns the pairs folded."""
    folded = 0
    for pair in pairs:
        source = connection.execute(
            text("SELECT source, source_key FROM touchpoint WHERE id = :id"), {"id": pair.drop}
        ).first()
        for table in ("ask", "give"):
            connection.execute(
                text(f"UPDATE {table} SET touchpoint_id = :keep WHERE touchpoint_id = :drop"),
                {"keep": pair.keep, "drop": pair.drop},
            )
        connection.execute(text("DELETE FROM touchpoint WHERE id = :id"), {"id": pair.drop})
        if source is not None and source[0] is not None:
            connection.execute(
                text("UPDATE touchpoint SET source = :source, source_key = :key WHERE id = :id"),
                {"source": source[0], "key": source[1], "id": pair.keep},
            )
        folded += 1
    return folded


def typed_twin(
    connection: Connection,
    *,
    touchpoint_id: int,
    contact_id: int,
    at: datetime,
    channel: str,
    direction: str,
) -> int | None:
    """Another typed touchpoint with the same contact, channel, direction and minute: the id of the
    oldest, or None. `log` mentions it on a terminal (a command run twice by mistake)."""
    minute = at.replace(second=0, microsecond=0)
    engine = connection.dialect.name
    found = connection.execute(
        text(
            "SELECT id FROM touchpoint WHERE contact_id = :cid AND source IS NULL "
            "AND channel = :channel AND direction = :direction AND id <> :id "
            "AND occurred_at >= :low AND occurred_at < :high ORDER BY id LIMIT 1"
        ),
        {
            "cid": contact_id,
            "channel": channel,
            "direction": direction,
            "id": touchpoint_id,
            "low": time_param(engine, minute),
            "high": time_param(engine, minute + timedelta(minutes=1)),
        },
    ).scalar()
    return None if found is None else int(found)

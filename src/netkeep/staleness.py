"""Who has gone quiet: cadence, due date and overdue ratio. Pure: rows + now + settings in, rows out.

Last touch is the latest touchpoint of either direction and any outcome; a contact with none counts
from its creation. A contact is stale when now >= last touch + cadence, with calendar arithmetic
(1m after Jan 31 is the end of February). overdue_ratio = time since last touch / cadence length.
`stale --rhythm` adds contacts who broke their own rhythm before their cadence is due.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from netkeep.config import Settings
from netkeep.dates import Duration, days_between, parse_duration
from netkeep.scoring import BROKEN_RHYTHM_FACTOR


def cadence_of(contact: dict[str, Any], settings: Settings) -> Duration:
    """The contact's own cadence, else its tier's, else the default tier's."""
    if contact.get("cadence"):
        return parse_duration(contact["cadence"])
    return settings.cadence.get(contact["tier"]) or settings.cadence[settings.default_tier]


def since_of(contact: dict[str, Any]) -> datetime:
    """Where the quiet counts from: the last touch, or the contact's creation when never in touch."""
    since: datetime = contact.get("last_touch") or contact["created_at"]
    return since


def stale_rows(
    contacts: Iterable[dict[str, Any]],
    *,
    now: datetime,
    settings: Settings,
    days: int | None = None,
) -> list[dict[str, Any]]:
    """Stale rows (docs/scripting.md lists the keys), most overdue first, then longest quiet.

    `days` replaces every cadence; `days=0` lists everyone, with no overdue_ratio (a ratio to a
    zero-length cadence has no value)."""
    override = Duration(days, "days") if days is not None else None
    rows = []
    quiet: dict[Any, timedelta] = {}
    for contact in contacts:
        if contact.get("archived"):
            continue
        cadence = override or cadence_of(contact, settings)
        since = since_of(contact)
        due = cadence.after(since)
        if now < due:
            continue
        length = due - since
        ratio = round((now - since) / length, 2) if length > timedelta(0) else None
        rows.append(
            {
                "id": contact["id"],
                "name": contact["name"],
                "tier": contact["tier"],
                "cadence": str(cadence),
                "last_touch": contact.get("last_touch"),
                "days_since": days_between(since, now),
                "due": due,
                "days_overdue": days_between(due, now),
                "overdue_ratio": ratio,
                "unanswered": contact.get("unanswered") or 0,
                "tags": contact.get("tags", []),
            }
        )
        quiet[contact["id"]] = now - since
    rows.sort(key=lambda row: (-(row["overdue_ratio"] or 0), -quiet[row["id"]], row["id"]))
    return rows


def rhythm_rows(
    contacts: Iterable[dict[str, Any]],
    usual_intervals: dict[int, timedelta | None],
    *,
    now: datetime,
    settings: Settings,
    factor: int = BROKEN_RHYTHM_FACTOR,
) -> list[dict[str, Any]]:
    """Contacts that broke their own rhythm before their cadence is due, most overdue first.

    A contact broke its rhythm when its usual interval between touches is known (see
    ``scoring.rhythm``) and the silence since the last touch is longer than ``factor`` times that
    interval, and longer than the response window (a quiet fortnight is never a break). The row
    has the stale keys; ``due`` is when the silence became a break, ``overdue_ratio`` stays the
    time since the last touch over the cadence (below 1: the cadence is not due yet).
    """
    rows = []
    floor = settings.response_window.timedelta
    for contact in contacts:
        usual = usual_intervals.get(contact["id"])
        since = contact.get("last_touch")
        if contact.get("archived") or usual is None or since is None:
            continue
        cadence = cadence_of(contact, settings)
        cadence_due = cadence.after(since)
        allowed = max(factor * usual, floor)
        if now >= cadence_due or now - since <= allowed:
            continue
        due = since + allowed
        length = cadence_due - since
        rows.append(
            {
                "id": contact["id"],
                "name": contact["name"],
                "tier": contact["tier"],
                "cadence": str(cadence),
                "last_touch": since,
                "days_since": days_between(since, now),
                "due": due,
                "days_overdue": days_between(due, now),
                "overdue_ratio": round((now - since) / length, 2),
                "unanswered": contact.get("unanswered") or 0,
                "tags": contact.get("tags", []),
                "reason": "rhythm",
                "usual_interval_days": round(usual / timedelta(days=1), 1),
                "_broken": (now - since) / allowed,
            }
        )
    rows.sort(key=lambda row: (-row.pop("_broken"), -row["days_since"], row["id"]))
    return rows

"""The figures of `netkeep report`: plain data, drawn by pictures.py (terminal) and report_html.py.

Pure: rows that the listings already use (score rows, staleness rows, ask rows) and the store's
aggregates in, figures out. No database, no clock, no Rich. docs/pictures.md describes each figure.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from netkeep.dates import days_between, iso
from netkeep.staleness import since_of
from netkeep.vocab import Band

Row = dict[str, Any]

BANDS = [band.value for band in Band]
# Days since the last touch: (label, first day, last day or None for open-ended).
DORMANCY_BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
CALENDAR_WEEKS = 53  # the calendar covers at least this many weeks before `until`
MONTHS = 12  # the monthly band mix covers the last year
BUSIEST = 6  # small multiples in the HTML page
# Why a dot on the map needs attention, most pressing first: the digest's watch bands, then
# whom you owe a reply, what is due this week, and whom to reach out to (stale, not snoozed).
ATTENTION = ("fair-weather", "unresponsive", "you-owe", "due", "reach-out")


def band_mix(scores: Iterable[Row]) -> dict[str, int]:
    """How many relationships are in each band (every band present, in the contract's order)."""
    counts = dict.fromkeys(BANDS, 0)
    for row in scores:
        counts[row["band"]] += 1
    return counts


def dormancy(contacts: Iterable[Row], *, now: datetime) -> list[Row]:
    """Active contacts per bucket of days since their last touch (creation if never in touch),
    counted from where staleness counts."""
    counts = [0] * len(DORMANCY_BUCKETS)
    for contact in contacts:
        days = max(0, days_between(since_of(contact), now))
        counts[bucket_of(days)] += 1
    return [
        {"bucket": label, "min_days": low, "max_days": high, "count": count}
        for (label, low, high), count in zip(DORMANCY_BUCKETS, counts, strict=True)
    ]


def bucket_of(days: int) -> int:
    for index, (_label, low, high) in enumerate(DORMANCY_BUCKETS):
        if days >= low and (high is None or days <= high):
            return index
    return len(DORMANCY_BUCKETS) - 1


def calendar(days: Iterable[Sequence[Any]], *, first: date, last: date) -> list[Row]:
    """One entry per day from the Monday on or before `first` to `last`: your and their touches."""
    found = {day: (mine, theirs) for day, mine, theirs, _heard in days}
    start = first - timedelta(days=first.weekday())
    result = []
    day = start
    while day <= last:
        mine, theirs = found.get(day.isoformat(), (0, 0))
        result.append({"date": day.isoformat(), "mine": mine, "theirs": theirs})
        day += timedelta(days=1)
    return result


def heat_levels(days: Iterable[Row]) -> list[int]:
    """The smallest day total drawn at each of the calendar's four shades: 1, then the quartiles of
    the days with touches (so one busy day does not wash out the rest), each above the last."""
    totals = sorted(day["mine"] + day["theirs"] for day in days if day["mine"] + day["theirs"])
    if not totals:
        return []
    levels = [1] + [totals[len(totals) * quarter // 4] for quarter in (1, 2, 3)]
    for index in range(1, len(levels)):
        levels[index] = max(levels[index], levels[index - 1] + 1)
    return levels


def heat_level(total: int, levels: Sequence[int]) -> int:
    """0 for a day without touches, else the highest shade whose threshold the total reaches."""
    return max((index + 1 for index, low in enumerate(levels) if total >= low), default=0)


def changes(
    *,
    period_days: Iterable[Sequence[Any]],
    stale: Iterable[Row],
    asks: tuple[int, int],
    since: datetime,
    until: datetime,
) -> Row:
    """What happened in [since, until): replies received, relationships that became stale (and
    still are), asks opened and asks closed (`asks`: the two counts)."""
    newly = [row for row in stale if since <= row["due"] < until]
    newly.sort(key=lambda row: (row["due"], row["id"]))
    return {
        "replies_received": sum(heard for *_rest, heard in period_days),
        "newly_stale": [{"id": row["id"], "name": row["name"], "due": row["due"]} for row in newly],
        "asks_opened": asks[0],
        "asks_closed": asks[1],
    }


def reciprocity_map(
    scores: Iterable[Row], heard: dict[int, datetime | None], *, now: datetime
) -> list[Row]:
    """One point per scored relationship: days since you last heard from them (None: never) and
    the score with its band. Contacts without a score yet (band `new`) have no point."""
    points = []
    for row in scores:
        if row["score"] is None:
            continue
        last = heard.get(row["id"])
        points.append(
            {
                "id": row["id"],
                "name": row["name"],
                "score": row["score"],
                "band": row["band"],
                "days_since_heard": None if last is None else max(0, days_between(last, now)),
            }
        )
    return points


def attention(
    points: Iterable[Row],
    *,
    due: Sequence[Row],
    you_owe: Sequence[Row],
    reach_out: Sequence[Row],
) -> list[Row]:
    """The map's points, each with `attention`: the reasons its contact needs attention, in the
    order of ATTENTION (empty when none), and `attention_rank`: 0 for the most pressing, None when
    none. Ranks take the reasons in turn, each reason's next contact in its own list's order
    (the watch bands least reciprocal first, as the digest's watch list; owe, due and reach out
    as their lists), so the first few ranks name someone for every reason there is."""
    marked = [{**point, "attention": [], "attention_rank": None} for point in points]
    by_id = {point["id"]: point for point in marked}
    least_first = sorted(marked, key=lambda point: (point["score"], point["id"]))
    queues: dict[str, deque[int]] = {
        band: deque(point["id"] for point in least_first if point["band"] == band)
        for band in ATTENTION[:2]
    }
    for reason, rows, key in (
        ("you-owe", you_owe, "contact_id"),
        ("due", due, "contact_id"),
        ("reach-out", reach_out, "id"),
    ):
        queues[reason] = deque(dict.fromkeys(row[key] for row in rows if row[key] in by_id))
    for reason in ATTENTION:
        for contact_id in queues[reason]:
            by_id[contact_id]["attention"].append(reason)
    rank = 0
    while any(queues.values()):
        for reason in ATTENTION:
            if queues[reason]:
                point = by_id[queues[reason].popleft()]
                if point["attention_rank"] is None:
                    point["attention_rank"] = rank
                    rank += 1
    return marked


def month_ends(until: datetime, months: int = MONTHS) -> list[tuple[str, datetime]]:
    """(YYYY-MM, the moment that month's mix is taken) for the last `months` months up to
    `until`: the start of the next month (UTC), or `until` itself for the current month."""
    year, month = until.year, until.month
    result = []
    for _ in range(months):
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = until.replace(
            year=next_year, month=next_month, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        result.append((f"{year:04d}-{month:02d}", min(end, until)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(result))


def monthly_mix(labels: Sequence[str], tallies: Sequence[dict[str, int]]) -> list[Row]:
    return [
        {"month": label, **{band: counts.get(band, 0) for band in BANDS}}
        for label, counts in zip(labels, tallies, strict=True)
    ]


def small_multiple(
    contact_id: int,
    name: str,
    touchpoints: Sequence[Row],
    flags: Sequence[bool | None],
    *,
    until: datetime,
    weeks: int = 52,
) -> Row:
    """One relationship over the `weeks` weeks before `until`, for a small multiple: per week your
    touches (and how many went unanswered), theirs and the asks made (their text); the runs of your
    outreach left unanswered, from the first unanswered touch to the next touch that was not; and
    `data_from`, the start of the first week with a touch (where its chart begins)."""
    start = until - timedelta(weeks=weeks)
    bins = [
        {
            "week": start + timedelta(weeks=index),
            "mine": 0,
            "theirs": 0,
            "unanswered": 0,
            "asks": [],
        }
        for index in range(weeks)
    ]
    runs: list[Row] = []
    run_from = None
    total = 0
    for touch, answered in zip(touchpoints, flags, strict=True):
        moment = touch["occurred_at"]
        if not start <= moment < until:
            continue
        total += 1
        week = bins[min(weeks - 1, (moment - start) // timedelta(weeks=1))]
        mine = touch["direction"] == "out"
        week["mine" if mine else "theirs"] += 1
        if touch["ask"]:
            week["asks"].append(touch["ask"])
        if mine and answered is False:
            week["unanswered"] += 1
            run_from = run_from or moment
        elif run_from is not None:
            runs.append({"from": run_from, "to": moment})
            run_from = None
    if run_from is not None:
        runs.append({"from": run_from, "to": until})
    touched = [week["week"] for week in bins if week["mine"] or week["theirs"]]
    return {
        "id": contact_id,
        "name": name,
        "touches": total,
        "weeks": bins,
        "unanswered_runs": runs,
        "data_from": touched[0] if touched else None,
    }


def as_json(figures: Row) -> Row:
    """The figures with times as ISO text, ready for `write_json`."""

    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return iso(value)
        if isinstance(value, dict):
            return {key: convert(item) for key, item in value.items()}
        if isinstance(value, list):
            return [convert(item) for item in value]
        return value

    converted: Row = convert(figures)
    return converted

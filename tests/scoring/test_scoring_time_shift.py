"""Shifting a whole history, and "now" with it, by the same amount leaves its score row unchanged.

The amounts: a fraction of a second, some minutes, a day. Histories are laid out on a coarse grid
(whole hours and days), so gaps land exactly on the rules' thresholds (an hour's conversation, a
14-day window), and are read the way the store hands them over: epoch seconds computed from
SQLite's julianday(), with its rounding noise of a few microseconds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from calibration_cases import CASES, case_records
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FROZEN_NOW
from netkeep.scoring import (
    CHANNEL_CODES,
    AskRecord,
    GiveRecord,
    TouchpointRecord,
    mirror,
    score_history,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SHIFTS = st.one_of(
    st.integers(1, 999).map(lambda ms: timedelta(milliseconds=ms)),
    st.integers(1, 180).map(lambda minutes: timedelta(minutes=minutes)),
    st.just(timedelta(days=1)),
    st.just(timedelta(days=-1, milliseconds=250)),
)
fast = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def julian_epoch_seconds(when: datetime) -> float:
    """Epoch seconds as SQLite computes (julianday(t) - 2440587.5) * 86400.0 (milliseconds)."""
    ms = round((when - _EPOCH) / timedelta(milliseconds=1))
    julian_ms = ms + 210866760000000  # the Unix epoch on the Julian day count, in ms
    return (julian_ms / 86400000.0 - 2440587.5) * 86400.0


def packed(touchpoints: list[TouchpointRecord]) -> list[tuple[float, int, int]]:
    """The store's packed rows for these touchpoints (no give or ask typed on them)."""
    return [
        (
            julian_epoch_seconds(tp.occurred_at),
            tp.id,
            (tp.direction == "in")
            | 2 * tp.two_way
            | 4 * tp.no_reply
            | 8 * CHANNEL_CODES.index(tp.channel),
        )
        for tp in touchpoints
    ]


def shifted(history: tuple[list, list, list], by: timedelta) -> tuple[list, list, list]:
    touchpoints, asks, gives = history
    return (
        [replace(tp, occurred_at=tp.occurred_at + by) for tp in touchpoints],
        [
            replace(
                a,
                opened_at=a.opened_at + by,
                resolved_at=None if a.resolved_at is None else a.resolved_at + by,
            )
            for a in asks
        ],
        [replace(g, given_at=g.given_at + by) for g in gives],
    )


@st.composite
def grid_histories(draw):
    """Touchpoints on whole hours within 60 days, or whole days within two years; asks on them
    and gives by either side on the same grid."""
    unit = draw(st.sampled_from([timedelta(hours=1), timedelta(days=1)]))
    span = 60 * 24 if unit == timedelta(hours=1) else 730
    touchpoints, asks, gives = [], [], []
    for i in range(draw(st.integers(3, 18))):
        when = NOW - unit * draw(st.integers(0, span))
        direction = draw(st.sampled_from(["out", "in"]))
        touchpoints.append(
            TouchpointRecord(
                i + 1,
                when,
                direction,
                draw(st.booleans()),
                draw(st.sampled_from(["call", "email", "text"])),
                None,
                None,
                draw(st.sampled_from([False, False, False, True])),
            )
        )
        if draw(st.integers(0, 4)) == 0:
            status = draw(st.sampled_from(["open", "done", "declined", "withdrawn"]))
            resolved = None if status == "open" else when + unit * draw(st.integers(0, 30))
            by = "me" if direction == "out" else "them"
            asks.append(AskRecord(len(asks) + 1, by, "a favour", status, when, resolved, i + 1))
    for k in range(draw(st.integers(0, 2))):
        when = NOW - unit * draw(st.integers(0, span))
        fulfils = draw(st.sampled_from([None] + [a.id for a in asks]))
        gives.append(
            GiveRecord(k + 1, draw(st.sampled_from(["me", "them"])), "g", when, None, fulfils)
        )
    return touchpoints, asks, gives


def scored_as_stored(history, now: datetime) -> dict:
    touchpoints, asks, gives = history
    row = score_history(packed(touchpoints), asks, now=now, gives=gives)
    assert row is not None
    return row


@fast
@given(grid_histories(), SHIFTS)
def test_shifting_a_history_and_now_together_changes_nothing(history, by):
    assert scored_as_stored(shifted(history, by), NOW + by) == scored_as_stored(history, NOW)


@fast
@given(grid_histories(), SHIFTS)
def test_shifting_a_mirrored_history_changes_nothing_either(history, by):
    mirrored = mirror(*history)
    assert scored_as_stored(shifted(mirrored, by), NOW + by) == scored_as_stored(mirrored, NOW)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
@pytest.mark.parametrize(
    "by",
    [
        timedelta(milliseconds=250),
        timedelta(milliseconds=500),
        timedelta(minutes=7),
        timedelta(days=1),
    ],
    ids=["250ms", "500ms", "7min", "1day"],
)
def test_every_calibration_case_scores_the_same_shifted(case, by):
    history = case_records(case, NOW)
    expected = scored_as_stored(history, NOW)
    assert scored_as_stored(shifted(history, by), NOW + by) == expected
    assert scored_as_stored(case_records(case, NOW + by), NOW + by) == expected


def test_the_story_scores_the_same_a_fraction_of_a_second_later_through_the_cli(cli, tmp_path):
    """The story imported with whole-second timestamps, and again with every timestamp a quarter
    and a half second later, each scored at a "now" moved by as much: one score, one band, one
    explanation (the store hands scoring epoch seconds with rounding noise)."""
    from test_calibration import export_of

    [story] = [case for case in CASES if case["id"] == "story-reference"]
    offsets = [timedelta(0), timedelta(milliseconds=250), timedelta(milliseconds=500)]
    variants = [{**story, "id": f"story {i}"} for i in range(len(offsets))]
    export = export_of(variants)
    for record in export["touchpoints"] + export["asks"]:
        # Contacts come in pairs (each case and its mirror): contact 2k+1 and 2k+2 are variant k.
        offset = offsets[(record["contact_id"] - 1) // 2]
        for key in ("occurred_at", "opened_at", "resolved_at"):
            if record.get(key):
                record[key] = (datetime.fromisoformat(record[key]) + offset).isoformat()
    path = tmp_path / "stories.json"
    path.write_text(json.dumps(export))
    cli.ok("import", str(path))
    rows = []
    for i, offset in enumerate(offsets):
        now = (datetime.fromisoformat(FROZEN_NOW) + offset).isoformat()
        scored = {r["name"]: r for r in cli.json("score", env={"NETKEEP_NOW": now})}
        for name in (f"story {i}", f"story {i} (mirrored)"):
            rows.append({key: scored[name][key] for key in ("score", "band", "explanation")})
    assert rows[2] == rows[0] and rows[4] == rows[0], rows
    assert rows[3] == rows[1] and rows[5] == rows[1], rows

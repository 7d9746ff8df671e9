"""The calibration cases (tests/data/calibration) as scoring's records, for the property tests
that run over every case."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from netkeep.scoring import AskRecord, GiveRecord, TouchpointRecord

CALIBRATION = Path(__file__).parents[1] / "data" / "calibration"
CASES = [
    case
    for name in ("cases.json", "own_cases.json", "judged_cases.json")
    for case in json.loads((CALIBRATION / name).read_text(encoding="utf-8"))
]


def case_records(case: dict, now: datetime) -> tuple[list, list, list]:
    """A case laid out at `now` (timestamps = now - days_ago); a give typed on a touchpoint is
    the initiator's favour, as the import records it."""
    touchpoints = [
        TouchpointRecord(
            i + 1,
            now - timedelta(days=tp["days_ago"]),
            tp["direction"],
            tp["two_way"],
            tp["channel"],
            None,
            tp["ask"],
        )
        for i, tp in enumerate(case["touchpoints"])
    ]
    asks = [
        AskRecord(
            k + 1,
            ask["by"],
            ask["what"],
            ask["status"],
            now - timedelta(days=ask["opened_days_ago"]),
            None
            if ask["resolved_days_ago"] is None
            else now - timedelta(days=ask["resolved_days_ago"]),
            None if ask["touchpoint"] is None else ask["touchpoint"] + 1,
        )
        for k, ask in enumerate(case["asks"])
    ]
    gives = [
        GiveRecord(
            i + 1,
            "me" if tp["direction"] == "out" else "them",
            tp["give"],
            now - timedelta(days=tp["days_ago"]),
            i + 1,
        )
        for i, tp in enumerate(case["touchpoints"])
        if tp["give"]
    ]
    return touchpoints, asks, gives

"""Judged relationship histories, laid out through the CLI import and scored through the CLI.

The data is in tests/data/calibration (its README.md says where each file comes from and what its
fields mean): `cases.json`, a set labelled independently of the scoring code, and
`own_cases.json`, other histories of the same shapes for each rule in docs/scoring.md. Every case
must land in one of its expected bands and score range; its mirror must score within one point.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import FROZEN_NOW

DATA = Path(__file__).parents[1] / "data" / "calibration"
NOW = datetime.fromisoformat(FROZEN_NOW)
CASES = json.loads((DATA / "cases.json").read_text())
OWN_CASES = json.loads((DATA / "own_cases.json").read_text())
FLIP = {"in": "out", "out": "in", "me": "them", "them": "me"}


def when(days_ago: float | None) -> str | None:
    return None if days_ago is None else (NOW - timedelta(days=days_ago)).isoformat()


def export_of(cases: list[dict]) -> dict:
    """A netkeep JSON export holding each case as a contact named after it, and its mirror."""
    contacts, touchpoints, asks = [], [], []
    for case in cases:
        for mirrored in (False, True):
            contact_id = len(contacts) + 1
            contacts.append(
                {
                    "id": contact_id,
                    "name": case["id"] + (" (mirrored)" if mirrored else ""),
                    "emails": [],
                    "phone": None,
                    "company": None,
                    "title": None,
                    "tags": [],
                    "tier": "network",
                    "cadence": None,
                    "note": None,
                    "created_at": when(3000),
                    "archived": False,
                }
            )
            first = len(touchpoints) + 1
            for tp in case["touchpoints"]:
                touchpoints.append(
                    {
                        "id": len(touchpoints) + 1,
                        "contact_id": contact_id,
                        "occurred_at": when(tp["days_ago"]),
                        "channel": tp["channel"],
                        "direction": FLIP[tp["direction"]] if mirrored else tp["direction"],
                        "two_way": tp["two_way"],
                        "note": tp["note"],
                        "ask": tp["ask"],
                        "give": tp["give"],
                    }
                )
            for ask in case["asks"]:
                asks.append(
                    {
                        "id": len(asks) + 1,
                        "contact_id": contact_id,
                        "touchpoint_id": None
                        if ask["touchpoint"] is None
                        else first + ask["touchpoint"],
                        "by": FLIP[ask["by"]] if mirrored else ask["by"],
                        "what": ask["what"],
                        "status": ask["status"],
                        "opened_at": when(ask["opened_days_ago"]),
                        "resolved_at": when(ask["resolved_days_ago"]),
                    }
                )
    return {
        "format": "netkeep",
        "version": 1,
        "contacts": contacts,
        "touchpoints": touchpoints,
        "asks": asks,
    }


def scored(cli, tmp_path, cases: list[dict]) -> dict[str, dict]:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(export_of(cases)))
    cli.ok("import", str(path))
    return {row["name"]: row for row in cli.json("score")}


def check(case: dict, rows: dict[str, dict]) -> None:
    row, mirror = rows[case["id"]], rows[case["id"] + " (mirrored)"]
    expect = case["expect"]
    facts = (case["id"], row["band"], row["score"], row["explanation"])
    assert row["band"] in expect["bands"], facts
    if expect["score_min"] is not None:
        assert row["score"] >= expect["score_min"], facts
    if expect["score_max"] is not None:
        assert row["score"] <= expect["score_max"], facts
    if row["score"] is None:
        assert mirror["score"] is None
    else:
        assert abs(mirror["score"] - row["score"]) <= 1, (facts, mirror["score"])
    for key, value in expect.get("counts", {}).items():
        assert row[key] == value, (facts, key)
    if "score_not_above" in expect:
        assert row["score"] <= rows[expect["score_not_above"]]["score"], facts


def test_the_judged_cases_all_pass(cli, tmp_path):
    rows = scored(cli, tmp_path, CASES)
    assert len(CASES) == 27
    for case in CASES:
        check(case, rows)


@pytest.mark.parametrize("case", OWN_CASES, ids=[case["id"] for case in OWN_CASES])
def test_other_histories_of_the_same_shapes(cli, tmp_path, case):
    related = [other for other in OWN_CASES if other["id"] == case["expect"].get("score_not_above")]
    check(case, scored(cli, tmp_path, [case, *related]))


def test_the_story_entered_by_hand_is_on_the_digest_watch_list(cli, tmp_path):
    story = [case for case in OWN_CASES if case["id"] == "hand-story-sweetener-give-and-done"]
    scored(cli, tmp_path, story)
    watch = cli.json("digest")["watch"]
    assert "hand-story-sweetener-give-and-done" in [row["name"] for row in watch]

"""Real behaviour: correspondents from SNAP's CollegeMsg network, scored through the CLI.

tests/data/collegemsg/excerpt.txt (source and licence in its README.md) holds every message between
users 103 and 32 and their correspondents with three messages or more. Seen from each of them in
turn, the correspondents are imported as contacts (each message a one-way text) and scored, and
the bands must match what the raw reply pattern plainly shows. benchmarks/calibrate_collegemsg.py
prints the same table on the whole data set (docs/scoring.md).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import FROZEN_NOW

EXCERPT = Path(__file__).parents[1] / "data" / "collegemsg" / "excerpt.txt"
DATA_SET_END = 1098777142  # the last message of the whole data set: "now"
SHIFT = datetime.fromisoformat(FROZEN_NOW).timestamp() - DATA_SET_END


def messages() -> list[tuple[int, int, int]]:
    rows = []
    for line in EXCERPT.read_text().splitlines()[1:]:
        src, dst, ts = map(int, line.split())
        rows.append((src, dst, ts))
    return rows


def export_seen_from(user: int) -> tuple[dict, dict[str, str]]:
    """A netkeep export of the user's correspondents, and each one's group by raw messages."""
    per_contact: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for src, dst, ts in messages():
        if src == user:
            per_contact[dst].append((ts, "out"))
        elif dst == user:
            per_contact[src].append((ts, "in"))
    contacts, touchpoints, groups = [], [], {}
    for other, sent in sorted(per_contact.items()):
        name = f"user {other}"
        contacts.append(
            {
                "id": len(contacts) + 1,
                "name": name,
                "emails": [],
                "phone": None,
                "company": None,
                "title": None,
                "tags": [],
                "tier": "network",
                "cadence": None,
                "note": None,
                "created_at": datetime.fromtimestamp(sent[0][0] + SHIFT, UTC).isoformat(),
                "archived": False,
            }
        )
        for ts, direction in sent:
            touchpoints.append(
                {
                    "id": len(touchpoints) + 1,
                    "contact_id": len(contacts),
                    "occurred_at": datetime.fromtimestamp(ts + SHIFT, UTC).isoformat(),
                    "channel": "text",
                    "direction": direction,
                    "two_way": False,
                    "note": None,
                    "ask": None,
                    "give": None,
                }
            )
        outs = sum(1 for _, direction in sent if direction == "out")
        ins = len(sent) - outs
        if not ins:
            groups[name] = "one-way by you"
        elif not outs:
            groups[name] = "one-way by them"
        elif max(outs, ins) <= 2 * min(outs, ins):
            groups[name] = "back and forth"
        else:
            groups[name] = "lopsided"
    export = {
        "format": "netkeep",
        "version": 1,
        "contacts": contacts,
        "touchpoints": touchpoints,
        "asks": [],
    }
    return export, groups


@pytest.mark.parametrize("user", [103, 32])
def test_bands_follow_the_reply_pattern(cli, tmp_path, user):
    export, groups = export_seen_from(user)
    path = tmp_path / "collegemsg.json"
    path.write_text(json.dumps(export))
    cli.ok("import", str(path))
    bands: dict[str, Counter] = defaultdict(Counter)
    for row in cli.json("score"):
        bands[groups[row["name"]]][row["band"]] += 1

    def share(group: str, band: str) -> float:
        return bands[group][band] / sum(bands[group].values())

    # Both users have correspondents in each group (see the table in docs/scoring.md).
    assert share("one-way by you", "unresponsive") == 1.0
    assert share("one-way by them", "they-carry") == 1.0
    assert share("back and forth", "mutual") >= 0.6
    assert bands["back and forth"]["fair-weather"] == 0

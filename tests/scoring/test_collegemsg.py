"""Real behaviour: correspondents from SNAP's CollegeMsg network, scored through the CLI.

tests/data/collegemsg/excerpt.txt (source and licence in its README.md) holds every message between
each of the ten busiest users and their correspondents with three messages or more. Seen from each
of them in turn, the correspondents are imported as contacts (each message a one-way text) and
scored, and the bands must match what the raw messages plainly show (the same check as
benchmarks/calibrate_collegemsg.py, whose table is in docs/scoring.md):

- one-way by you (they never wrote): `unresponsive`; one-way by them: `they-carry`; at least 90 %.
- back and forth (each side 40-60 % of the messages, at least 5 each way): `mutual`, or carried by
  whoever started at least two thirds of their conversations (a conversation starts after a day's
  silence); at least 80 %, and never `unresponsive` or `fair-weather`.
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


def export_seen_from(user: int) -> tuple[dict, dict[str, list[tuple[int, str]]]]:
    """A netkeep export of the user's correspondents, and each one's messages (time, direction)."""
    per_contact: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for src, dst, ts in messages():
        if src == user:
            per_contact[dst].append((ts, "out"))
        elif dst == user:
            per_contact[src].append((ts, "in"))
    contacts, touchpoints, sent_by_name = [], [], {}
    for other, sent in sorted(per_contact.items()):
        if len(sent) < 3:
            continue
        name = f"user {other}"
        sent_by_name[name] = sent
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
    export = {
        "format": "netkeep",
        "version": 1,
        "contacts": contacts,
        "touchpoints": touchpoints,
        "asks": [],
    }
    return export, sent_by_name


def group_of(sent: list[tuple[int, str]]) -> str:
    outs = sum(1 for _, direction in sent if direction == "out")
    ins = len(sent) - outs
    if not ins:
        return "one-way by you"
    if not outs:
        return "one-way by them"
    if min(outs, ins) >= 5 and 0.4 <= outs / len(sent) <= 0.6:
        return "back and forth"
    return "other"


def my_share_of_starts(sent: list[tuple[int, str]]) -> float:
    ordered = sorted(sent)
    starts = [ordered[0][1]] + [
        direction
        for (before, _), (ts, direction) in zip(ordered, ordered[1:], strict=False)
        if ts - before > 86400
    ]
    return starts.count("out") / len(starts)


def fits(group: str, band: str, sent: list[tuple[int, str]]) -> bool:
    if group == "one-way by you":
        return band == "unresponsive"
    if group == "one-way by them":
        return band == "they-carry"
    mine = my_share_of_starts(sent)
    return (
        band == "mutual"
        or (band == "you-carry" and mine >= 2 / 3)
        or (band == "they-carry" and 1 - mine >= 2 / 3)
    )


BUSIEST = [103, 9, 105, 400, 32, 41, 3, 42, 249, 638]


@pytest.mark.parametrize("user", BUSIEST)
def test_bands_follow_the_reply_pattern(cli, tmp_path, user):
    export, sent_by_name = export_seen_from(user)
    path = tmp_path / "collegemsg.json"
    path.write_text(json.dumps(export))
    cli.ok("import", str(path))
    fit: dict[str, list[bool]] = defaultdict(list)
    bands: dict[str, Counter] = defaultdict(Counter)
    for row in cli.json("score"):
        sent = sent_by_name[row["name"]]
        group = group_of(sent)
        bands[group][row["band"]] += 1
        if group != "other":
            fit[group].append(fits(group, row["band"], sent))

    def share(group: str) -> float:
        return sum(fit[group]) / len(fit[group]) if fit[group] else 1.0

    assert share("one-way by you") >= 0.9, bands
    assert share("one-way by them") >= 0.9, bands
    assert share("back and forth") >= 0.8, bands
    assert bands["back and forth"]["unresponsive"] == 0, bands
    assert bands["back and forth"]["fair-weather"] == 0, bands

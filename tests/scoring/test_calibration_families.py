"""Six families of relationships, judged from their stories, through the CLI.

`tests/data/calibration/judged_cases.json` holds at least four histories per family, each labelled
from its story before it was ever scored (tests/data/calibration/README.md):

1. takers, silent except when they need something: `fair-weather`;
2. they opened the relationship, then went dark on you: `unresponsive`;
3. too early to judge, however warm: `new`;
4. seasonal ties (once a year, in turns): `mutual`;
5. one-sided relationships score at most 70;
6. messages recorded one per touchpoint (chat logs, email threads): replies are not initiative.

Every case is laid out through `netkeep import`, with its mirror, and scored with
`netkeep score --format json`, as in tests/test_calibration.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_calibration import check, scored

CASES = json.loads(
    (Path(__file__).parents[1] / "data" / "calibration" / "judged_cases.json").read_text()
)
FAMILIES = {
    1: "takers-are-fair-weather",
    2: "gone-dark-is-unresponsive",
    3: "too-early-is-new",
    4: "seasonal-ties-are-mutual",
    5: "one-sided-scores-at-most-70",
    6: "one-message-per-touchpoint",
}


def test_every_family_has_at_least_four_cases():
    for family in FAMILIES:
        assert sum(case["family"] == family for case in CASES) >= 4, family


@pytest.mark.parametrize("family", list(FAMILIES), ids=list(FAMILIES.values()))
def test_each_family_lands_where_its_stories_say(cli, tmp_path, family):
    cases = [case for case in CASES if case["family"] == family]
    rows = scored(cli, tmp_path, cases)
    for case in cases:
        check(case, rows)


def test_the_referral_hunter_is_fair_weather_and_says_why(cli, tmp_path):
    [case] = [case for case in CASES if case["id"] == "taker-referral-hunter"]
    row = scored(cli, tmp_path, [case])[case["id"]]
    assert row["band"] == "fair-weather" and row["score"] <= 35
    assert row["explanation"].startswith(
        "They reach out mostly to ask and take more than they give"
    )


def test_too_early_has_no_score_and_says_so(cli, tmp_path):
    [case] = [case for case in CASES if case["id"] == "early-intro-emails-first-call"]
    rows = scored(cli, tmp_path, [case])
    row = rows[case["id"]]
    assert row["band"] == "new" and row["score"] is None
    assert row["explanation"].startswith("Too early to judge: the first touchpoint was 8 days ago")

"""The band, the score and the explanation never contradict one another (docs/scoring.md, *The bands*).

Each band has a documented score range, and the explanation opens with the band's actual reason,
in the band's own terms; words about who reaches out agree with `initiative`. Checked over
generated histories (and their mirrors) and over every calibration case.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from calibration_cases import CASES, case_records
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_scoring_properties import NOW, gives_for, histories

from netkeep.scoring import TouchpointRecord, mirror, score_contact

# The documented range of each band's score.
RANGES = {
    "mutual": (50, 100),
    "you-carry": (0, 70),
    "they-carry": (0, 70),
    "unresponsive": (0, 35),
    "fair-weather": (0, 35),
}
# The band's reason, first clause of the explanation (with "you" falling short: they-carry).
THEY_SHORT = [
    "they reach out mostly to ask and take more than they give",
    "they reach out only to ask and every favour goes their way",
    r"they have gone quiet: \d+ of your attempts in a row went unanswered",
    "your outreach mostly goes unanswered and they seldom reach out",
    "neither of you answers the other much, they least",
    "they answer your outreach less than you answer theirs",
    "your outreach mostly goes unanswered",
    "you do most of the reaching out( that asks for nothing)?",
    "they put less into it than you do",
]
YOU_SHORT = [
    "you reach out mostly to ask and take more than you give",
    "you reach out only to ask and every favour goes your way",
    r"you have gone quiet: \d+ of their attempts in a row went unanswered",
    "their outreach mostly goes unanswered and you seldom reach out",
    "neither of you answers the other much, you least",
    "you answer their outreach less than they answer yours",
    "their outreach mostly goes unanswered",
    "they do most of the reaching out( that asks for nothing)?",
    "you put less into it than they do",
]
REASONS = {
    "new": [
        r"only \d+ touchpoints? so far, too few to judge",
        "no touchpoints yet",
        r"too early to judge: the first touchpoint was \d+ days? ago",
    ],
    "mutual": ["both of you keep in touch and answer each other"],
    "fair-weather": THEY_SHORT[:1],
    "unresponsive": [THEY_SHORT[2], THEY_SHORT[3]],
    "you-carry": [THEY_SHORT[1]] + THEY_SHORT[4:],
    "they-carry": YOU_SHORT,
}


def check_coherent(row: dict) -> None:
    band, score, text = row["band"], row["score"], row["explanation"]
    first = re.split(r"[;.]", text, maxsplit=1)[0]
    first = first[0].lower() + first[1:]
    assert any(re.fullmatch(reason, first) for reason in REASONS[band]), row
    if band == "new":
        assert score is None, row
        return
    low, high = RANGES[band]
    assert isinstance(score, int) and low <= score <= high, row
    initiative = row["initiative"]
    if first == "they do most of the reaching out":
        assert initiative is not None and initiative >= 0.5, row
    if first == "you do most of the reaching out":
        assert initiative is not None and initiative <= 0.5, row
    if "seldom reach out" in first and first.startswith("your"):
        assert row["their_response_rate"] is not None and row["their_response_rate"] <= 0.5, row
    if "your outreach mostly goes unanswered" in first or "they have gone quiet" in first:
        assert "they answer when you reach out" not in text, row
    if band == "they-carry" and first.startswith("they do most"):
        assert "they have not reached out once in a year" not in text, row


coherent = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@coherent
@given(st.data())
def test_band_score_and_explanation_agree_on_generated_histories(data):
    history = data.draw(histories())
    gives = data.draw(gives_for(history))
    touchpoints, asks = history
    check_coherent(score_contact(touchpoints, asks, now=NOW, gives=gives))
    mirrored = mirror(touchpoints, asks, gives)
    check_coherent(score_contact(mirrored[0], mirrored[1], now=NOW, gives=mirrored[2]))


@coherent
@given(
    st.lists(
        st.tuples(
            st.integers(0, 400 * 24),
            st.sampled_from(["out", "in"]),
            st.booleans(),
            st.sampled_from(["call", "email", "text"]),
        ),
        min_size=3,
        max_size=40,
    )
)
def test_band_score_and_explanation_agree_on_plain_conversations(events):
    # Hour-resolution touchpoints without asks or gives: the shapes chat logs and email have.
    touchpoints = [
        TouchpointRecord(i + 1, NOW - timedelta(hours=hours), direction, two_way, channel)
        for i, (hours, direction, two_way, channel) in enumerate(events)
    ]
    check_coherent(score_contact(touchpoints, [], now=NOW))


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_band_score_and_explanation_agree_on_every_calibration_case(case):
    now = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    touchpoints, asks, gives = case_records(case, now)
    check_coherent(score_contact(touchpoints, asks, now=now, gives=gives))
    mirrored = mirror(touchpoints, asks, gives)
    check_coherent(score_contact(mirrored[0], mirrored[1], now=now, gives=mirrored[2]))

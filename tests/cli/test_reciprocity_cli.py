"""score, owe, asks and resolve through the CLI, on histories recorded with `log` (now: 2026-06-15)."""

from __future__ import annotations

import pytest

SCORE_KEYS = {
    "id",
    "name",
    "score",
    "band",
    "touchpoints",
    "initiative",
    "their_response_rate",
    "my_response_rate",
    "their_asks",
    "their_gives",
    "my_asks",
    "my_gives",
    "open_asks_by_me",
    "open_asks_by_them",
    "unanswered_streak",
    "explanation",
}
ASK_KEYS = {
    "id",
    "contact_id",
    "name",
    "by",
    "what",
    "status",
    "opened_at",
    "resolved_at",
    "days_open",
}
OWE_KEYS = {"contact_id", "name", "touchpoint_id", "occurred_at", "channel", "days_waiting", "ask"}


def record_story(cli, name="Dan Candidate"):
    """The job-search story of docs/scoring.md: you helped him find work; he went quiet, then wrote "Unemployed"."""
    cli.ok("add", name, "--email", "dan@example.com")
    cli.ok("log", name, "--in", "--when", "2025-01-10", "--ask", "help with my job search")
    cli.ok("log", name, "--via", "meeting", "--when", "2025-01-20", "--give", "CV review")
    (ask,) = [a for a in cli.json("asks", name) if a["what"] == "help with my job search"]
    cli.ok("resolve", str(ask["id"]), "--when", "2025-02-15")
    cli.ok(
        "log", name, "--via", "email", "--when", "2025-08-01", "--ask", "LinkedIn recommendation"
    )
    for day in ("2025-09-01", "2025-11-01", "2026-01-15"):
        cli.ok("log", name, "--no-answer", "--when", day)
    cli.ok(
        "log",
        name,
        "--in",
        "--via",
        "email",
        "--when",
        "2026-06-10",
        "--note",
        "Unemployed",
        "--ask",
        "help finding a new job",
    )


def record_balanced(cli, name="Mia Mutual"):
    """Two years of calls both ways that connect, and favours both ways."""
    cli.ok("add", name, "--tier", "close")
    months = [f"{year}-{month:02d}-05" for year in (2024, 2025) for month in range(1, 13)]
    months += [f"2026-{month:02d}-05" for month in range(1, 6)]
    for i, day in enumerate(months):
        direction = "--in" if i % 2 else "--out"
        extra = []
        if i % 6 == 0:
            extra = ["--give", "an introduction"]
        cli.ok("log", name, direction, "--when", day, *extra)


def score_of(cli, name):
    (row,) = cli.json("score", name)
    return row


def test_the_spec_story_is_fair_weather(cli):
    record_story(cli)
    row = score_of(cli, "dan")
    assert set(row) == SCORE_KEYS
    assert row["band"] == "fair-weather"
    assert row["score"] <= 30
    assert row["unanswered_streak"] == 0  # his "Unemployed" email ended the streak
    # The meeting you started was two-way (answered); your email and three calls were not.
    assert row["their_response_rate"] < 0.2
    assert row["open_asks_by_me"] == 1
    assert "4 of your last 5 attempts to reach them went unanswered" in row["explanation"]
    assert "'LinkedIn recommendation' has been open 318 days" in row["explanation"]


def test_a_long_balanced_history_is_mutual(cli):
    record_balanced(cli)
    row = score_of(cli, "mia")
    assert row["band"] == "mutual"
    assert row["score"] >= 70


def test_you_carry_they_carry_unresponsive_new(cli):
    cli.ok("add", "Yuri Carry")  # you call, they pick up, they never call
    for day in ("2025-10-01", "2025-12-01", "2026-02-01", "2026-04-01", "2026-06-01"):
        cli.ok("log", "yuri", "--when", day)
    cli.ok("add", "Theo Carry")  # they keep calling, you never reach out
    for day in ("2025-10-01", "2025-12-01", "2026-02-01", "2026-04-01", "2026-06-01"):
        cli.ok("log", "theo", "--in", "--via", "email", "--when", day)
    cli.ok("add", "Una Silent")  # your messages go unanswered, they never write
    for day in ("2025-10-01", "2025-12-01", "2026-02-01", "2026-04-01"):
        cli.ok("log", "una", "--via", "email", "--when", day)
    cli.ok("add", "Nina New")
    cli.ok("log", "nina", "--when", "2026-06-01")
    bands = {row["name"]: row for row in cli.json("score")}
    assert bands["Yuri Carry"]["band"] == "you-carry"
    assert bands["Theo Carry"]["band"] == "they-carry"
    assert bands["Una Silent"]["band"] == "unresponsive"
    assert bands["Nina New"]["band"] == "new"
    assert bands["Nina New"]["score"] is None
    assert bands["Una Silent"]["score"] < bands["Yuri Carry"]["score"]


# A text chat you started, a longer one you started five days later (they send the last word),
# then one message of theirs, months on, that you have not answered: one message per touchpoint.
CHAT_THEN_ONE_UNANSWERED = [
    ("2026-01-10 20:00", "--out"),
    ("2026-01-10 20:06", "--in"),
    ("2026-01-15 19:00", "--out"),
    ("2026-01-15 19:10", "--in"),
    ("2026-01-15 19:12", "--out"),
    ("2026-01-15 19:20", "--in"),
    ("2026-01-15 19:24", "--out"),
    ("2026-01-15 19:30", "--in"),
    ("2026-01-15 19:55", "--out"),
    ("2026-01-15 21:25", "--in"),
    ("2026-04-05 10:00", "--in"),
]


@pytest.mark.parametrize("mirrored", [False, True], ids=["you-started-most", "they-started-most"])
def test_one_late_unanswered_message_leaves_the_chat_to_whoever_started_it(cli, mirrored):
    flip = {"--out": "--in", "--in": "--out"}
    cli.ok("add", "Cleo Chat")
    for when, direction in CHAT_THEN_ONE_UNANSWERED:
        direction = flip[direction] if mirrored else direction
        cli.ok("log", "cleo", direction, "--via", "text", "--when", when)
    row = score_of(cli, "cleo")
    # The late message left unanswered keeps the score under mutual's floor, and they sent a few
    # more of the chat's replies; but whoever started two of the three conversations is the one
    # doing the reaching out, not the one who falls short.
    band, reason = ("they-carry", "They") if mirrored else ("you-carry", "You")
    assert row["band"] == band, row
    assert row["explanation"].startswith(f"{reason} do most of the reaching out;"), row
    assert row["score"] <= 70
    # The message left unanswered is a reply owed: `owe` lists it (mirrored, they owe you).
    owed = [r["occurred_at"][:10] for r in cli.json("owe")]
    assert owed == ([] if mirrored else ["2026-04-05"])


def test_scores_are_ordered_as_a_person_would_order_them(cli):
    record_story(cli)
    record_balanced(cli)
    cli.ok("add", "Una Silent")
    for day in ("2025-10-01", "2025-12-01", "2026-02-01", "2026-04-01"):
        cli.ok("log", "una", "--via", "email", "--when", day)
    rows = cli.json("score")
    # Listed least reciprocal first.
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores)
    assert rows[-1]["name"] == "Mia Mutual"


def test_band_filter_and_explain(cli):
    record_story(cli)
    record_balanced(cli)
    rows = cli.json("score", "--band", "fair-weather")
    assert [row["name"] for row in rows] == ["Dan Candidate"]
    table = cli.ok("score", "--explain").stdout
    assert "LinkedIn recommendation" in table
    # The plain table has no explanations; JSON and CSV always carry them.
    plain = cli.ok("score").stdout
    assert "Dan Candidate" in plain and "LinkedIn recommendation" not in plain
    assert "LinkedIn recommendation" in cli.ok("score", "--format", "csv").stdout
    assert all(row["explanation"] for row in cli.json("score"))
    assert cli("score", "--band", "sunny").exit_code == 2


def test_archived_contacts_are_not_scored(cli):
    record_story(cli)
    cli.ok("archive", "dan")
    assert cli.json("score") == []
    assert score_of(cli, "dan")["band"] == "fair-weather"  # still there when asked by name


def test_owe_lists_their_unanswered_outreach_and_open_asks_oldest_first(cli):
    cli.ok("add", "Ann Asker")
    cli.ok("add", "Ben Writer")
    cli.ok("add", "Cy Answered")
    cli.ok("log", "ann", "--in", "--via", "email", "--when", "2026-05-01", "--ask", "an intro")
    cli.ok("log", "ann", "--when", "2026-05-03")  # you called back: the message is answered...
    cli.ok("log", "ben", "--in", "--via", "text", "--when", "2026-06-01")
    cli.ok("log", "cy", "--in", "--via", "email", "--when", "2026-04-01")
    cli.ok("log", "cy", "--via", "email", "--when", "2026-04-02")
    rows = cli.json("owe")
    assert all(set(row) == OWE_KEYS for row in rows)
    # ...but her ask is still open, so you still owe her; Cy got a reply.
    assert [(r["name"], r["ask"]) for r in rows] == [
        ("Ann Asker", "an intro"),
        ("Ben Writer", None),
    ]
    assert rows[1]["days_waiting"] == 14
    assert rows[1]["channel"] == "text"


def test_asks_and_resolve_round_trip(cli):
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam", "--ask", "a reference", "--when", "2026-01-01")
    cli.ok("log", "sam", "--in", "--via", "email", "--ask", "a job lead", "--when", "2026-02-01")
    asks = cli.json("asks")
    assert all(set(a) == ASK_KEYS for a in asks)
    assert [(a["by"], a["what"], a["days_open"]) for a in asks] == [
        ("me", "a reference", 165),
        ("them", "a job lead", 134),
    ]
    assert [a["what"] for a in cli.json("asks", "--by", "them")] == ["a job lead"]
    done = cli.json("resolve", f"#{asks[0]['id']}", "--when", "2026-03-01")
    assert (done["status"], done["days_open"]) == ("done", 59)
    cli.ok("resolve", str(asks[1]["id"]), "--declined")
    assert cli.json("asks") == []
    statuses = {a["what"]: a["status"] for a in cli.json("asks", "--all")}
    assert statuses == {"a reference": "done", "a job lead": "declined"}
    # A done ask of mine is a give by them.
    assert score_of(cli, "sam")["their_gives"] == 1


def test_resolve_refuses_bad_ids_twice_and_before_opening(cli):
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam", "--ask", "a reference", "--when", "2026-05-01")
    assert cli("resolve", "nope").exit_code == 2
    assert cli("resolve", "99").exit_code == 2
    assert cli("resolve", "1", "--when", "2026-04-01").exit_code == 2
    cli.ok("resolve", "1")
    again = cli("resolve", "1")
    assert again.exit_code == 2
    assert "already done" in again.stderr


def test_show_includes_the_score_row_and_asks(cli):
    record_story(cli)
    data = cli.json("show", "dan")
    assert set(data["score"]) == SCORE_KEYS
    assert data["score"]["band"] == "fair-weather"
    assert {a["what"] for a in data["asks"]} >= {"LinkedIn recommendation"}
    assert all(set(a) == ASK_KEYS for a in data["asks"])


@pytest.mark.sqlite_only
def test_scoring_split_over_processes_gives_the_same_rows(cli, monkeypatch, db_path):
    import netkeep.store.scores
    from netkeep.db import open_session

    record_story(cli)
    record_balanced(cli)
    cli.ok("add", "Nina New")
    cli.ok("log", "nina", "--when", "2026-06-01")
    serial = cli.json("score")
    monkeypatch.setattr(netkeep.store.scores, "PARALLEL_MIN_TOUCHPOINTS", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    with open_session(db_path, write=False) as session:
        assert (
            len(netkeep.store.scores.contact_shares(session.connection())) == 3
        )  # the split really happens
    assert cli.json("score") == serial
    assert cli.json("digest")["watch"] == [row for row in serial if row["band"] == "fair-weather"]


def test_show_and_score_agree(cli):
    record_story(cli)
    record_balanced(cli)
    for name in ("dan", "mia"):
        assert cli.json("show", name)["score"] == score_of(cli, name)

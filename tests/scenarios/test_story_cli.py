"""The fair-weather story (docs/scoring.md), entered by hand through `log` and `resolve` three ways.

A recruiter (you) worked a candidate's job search; he found a job; your request for a
recommendation and three voicemails went unanswered for five months; then the recommendation
arrived minutes before his "Unemployed" email asking for help again. However it is recorded, he
must land `fair-weather` with a score of at most 30, show in the digest's Watch list, and the
sweetener must not raise his score.
"""

from __future__ import annotations

import pytest

STORY_NOW = "2026-04-21T12:00:00+00:00"  # the day after he reappeared
BEFORE = "2026-04-20 09:59"  # minutes before the sweetener
AFTER = "2026-04-20 10:06"  # the sweetener and the new ask are in


def _his_search(cli, *, my_give: list[str]) -> None:
    """He asks for help with his search (his ask #1) and calls and writes while you work it."""
    cli.ok("add", "Chris Candidate", "--email", "chris@example.com")
    cli.ok("log", "chris", "--in", "--ask", "help finding a job", "--when", "2025-09-01 10:00")
    for when, how in [
        ("2025-09-08 10:00", ["--in"]),
        ("2025-09-10 10:00", ["--via", "email"]),
        ("2025-09-15 10:00", ["--in", "--via", "email"]),
        ("2025-09-22 10:00", ["--in"]),
        ("2025-09-29 10:00", []),
        ("2025-10-06 10:00", ["--in", "--via", "email"]),
        ("2025-10-20 10:00", ["--in"]),
    ]:
        cli.ok("log", "chris", *how, "--when", when)
    cli.ok("log", "chris", "--via", "email", *my_give, "--when", "2025-10-27 10:00")


def _silence(cli) -> None:
    """Your recommendation request (your ask #2) and three voicemails, all unanswered."""
    cli.ok(
        "log", "chris", "--via", "email", "--ask", "a recommendation", "--when", "2025-11-20 10:00"
    )
    for when in ("2025-12-15 10:00", "2026-02-01 10:00", "2026-03-20 10:00"):
        cli.ok("log", "chris", "--no-answer", "--note", "voicemail", "--when", when)


def _unemployed(cli) -> None:
    cli.ok(
        "log",
        "chris",
        "--in",
        "--via",
        "email",
        "--note",
        "Unemployed",
        "--ask",
        "help finding a job again",
        "--when",
        "2026-04-20 10:05",
    )


def fulfilled_with_links(cli) -> None:
    """(1) Each favour linked to the ask it did with --fulfils."""
    _his_search(cli, my_give=["--give", "the offer at Acme", "--fulfils", "1"])
    _silence(cli)
    cli.ok(
        "log",
        "chris",
        "--in",
        "--via",
        "email",
        "--give",
        "the recommendation",
        "--fulfils",
        "2",
        "--when",
        "2026-04-20 10:00",
    )
    _unemployed(cli)


def recorded_both_ways(cli) -> None:
    """(2) Each favour logged as a give, and its ask resolved done separately, without a link."""
    _his_search(cli, my_give=["--give", "the offer at Acme"])
    cli.ok("resolve", "1", "--when", "2025-10-27 10:00")
    _silence(cli)
    cli.ok(
        "log",
        "chris",
        "--in",
        "--via",
        "email",
        "--give",
        "the recommendation",
        "--when",
        "2026-04-20 10:00",
    )
    cli.ok("resolve", "2", "--when", "2026-04-20 10:00")
    _unemployed(cli)


def as_a_recruiter_lives_it(cli) -> None:
    """(3) He found the job himself: his ask is withdrawn, not your favour."""
    _his_search(cli, my_give=[])
    cli.ok(
        "log",
        "chris",
        "--in",
        "--via",
        "email",
        "--note",
        "found a job",
        "--when",
        "2025-11-10 10:00",
    )
    cli.ok("resolve", "1", "--withdrawn", "--when", "2025-11-10 10:00")
    _silence(cli)
    cli.ok(
        "log",
        "chris",
        "--in",
        "--via",
        "email",
        "--give",
        "the recommendation",
        "--fulfils",
        "2",
        "--when",
        "2026-04-20 10:00",
    )
    _unemployed(cli)


WAYS = [fulfilled_with_links, recorded_both_ways, as_a_recruiter_lives_it]


@pytest.fixture
def story_now(monkeypatch):
    monkeypatch.setenv("NETKEEP_NOW", STORY_NOW)


@pytest.mark.parametrize("record", WAYS, ids=lambda way: way.__name__)
def test_the_story_is_recorded_as_lived(cli, story_now, record):
    """The ledger itself, whatever the scoring model makes of it."""
    record(cli)
    asks = {ask["id"]: ask for ask in cli.json("asks", "--all")}
    assert asks[2]["status"] == "done" and asks[3]["status"] == "open"
    assert asks[1]["status"] == ("withdrawn" if record is as_a_recruiter_lives_it else "done")
    shown = cli.json("show", "chris")
    recommendation = next(g for g in shown["gives"] if g["what"] == "the recommendation")
    assert recommendation["by"] == "them"
    assert recommendation["fulfils"] == (None if record is recorded_both_ways else 2)


@pytest.mark.parametrize("record", WAYS, ids=lambda way: way.__name__)
def test_the_story_lands_fair_weather_and_in_the_watch_list(cli, story_now, record):
    record(cli)
    [row] = cli.json("score", "chris")
    assert row["band"] == "fair-weather" and row["score"] <= 30, row
    watch = cli.json("digest")["watch"]
    assert [entry["name"] for entry in watch] == ["Chris Candidate"]
    [before] = cli.json("score", "chris", "--as-of", BEFORE)
    [after] = cli.json("score", "chris", "--as-of", AFTER)
    assert after["score"] <= before["score"], (before, after)

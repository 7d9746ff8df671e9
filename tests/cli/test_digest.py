"""digest: four sections, silent when all is quiet, complete JSON (run as a real process, no TTY)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from netkeep.digest import SECTIONS, build_digest, markdown_lines, text_lines

ANSI = re.compile(r"\x1b\[")
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)

STALE_KEYS = (
    "id name tier cadence last_touch days_since due days_overdue overdue_ratio unanswered tags"
)
OWE_KEYS = "contact_id name touchpoint_id occurred_at channel days_waiting ask"
ASK_KEYS = "id contact_id name by what status opened_at resolved_at days_open"
SCORE_KEYS = (
    "id name score band touchpoints initiative their_response_rate my_response_rate their_asks "
    "their_gives my_asks my_gives open_asks_by_me open_asks_by_them unanswered_streak explanation"
)
KEYS = {
    "reach_out": STALE_KEYS.split(),
    "you_owe": OWE_KEYS.split(),
    "waiting_on": ASK_KEYS.split(),
    "watch": SCORE_KEYS.split(),
}


def populate(invoke) -> None:
    """A network where every digest section has something (the clock is frozen at 2026-06-15).

    `invoke(*args)` runs one netkeep command and must fail the test if it fails.
    """
    # Reach out: a close contact (1m) last touched in March.
    invoke("add", "Sam Lee", "--email", "sam@example.com", "--tier", "close", "--tag", "recruiter")
    invoke("log", "sam", "--when", "2026-03-01")
    # You owe: their email with an ask, not followed up.
    invoke("add", "Ana Ruiz", "--email", "ana@example.com")
    invoke("log", "ana", "--via", "email", "--in", "--ask", "intro to Acme", "--when", "2026-06-05")
    # Waiting on: your ask, still open.
    invoke("add", "Bo Chen")
    invoke("log", "bo", "--via", "meeting", "--ask", "recommendation", "--when", "2026-05-01")
    # Watch: four calls of yours, none returned.
    invoke("add", "Kim Park")
    for day in ("2026-04-01", "2026-04-20", "2026-05-10", "2026-06-01"):
        invoke("log", "kim", "--no-answer", "--when", day)


def test_quiet_digest_prints_nothing_at_all(run, cli):
    cli.ok("add", "Lu Quiet")
    cli.ok("log", "lu", "--via", "meeting", "--in", "--when", "2026-06-10")
    for fmt in ("text", "markdown"):
        result = run("digest", "--format", fmt)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.sqlite_only
def test_digest_without_a_database_says_where_it_looked(run, db_path, tmp_path):
    """A crontab line missing NETKEEP_DB must not look like a quiet week: one line on stderr (cron
    mails it), nothing on stdout, exit 0, and nothing created."""
    elsewhere = tmp_path / "elsewhere" / "netkeep.db"
    for fmt in ("text", "markdown"):
        result = run("digest", "--format", fmt, env={"NETKEEP_DB": str(elsewhere)})
        assert (result.returncode, result.stdout) == (0, ""), result.stderr
        assert result.stderr == f"netkeep digest: no database at {elsewhere}; nothing to report\n"
    assert not elsewhere.parent.exists()


def test_quiet_digest_json_still_has_four_empty_sections(run):
    result = run("digest", "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout) == {key: [] for key in SECTIONS}


def test_digest_text_has_every_section(run, cli):
    populate(cli.ok)
    result = run("digest")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert not ANSI.search(result.stdout)
    out = result.stdout
    headings = ["Reach out (1)", "You owe (1)", "Waiting on (1)", "Watch (1)"]
    positions = [out.index(heading) for heading in headings]
    assert positions == sorted(positions)
    assert "Sam Lee: 75 days overdue, every 1m (close), last touch 2026-03-01" in out
    assert "Ana Ruiz: their email of 2026-06-05, waiting 10 days; they asked: intro to Acme" in out
    assert "Bo Chen: ask #2 'recommendation', open 45 days" in out
    assert re.search(r"Kim Park: (unresponsive|fair-weather), score \d+", out)


def test_digest_json_sections_carry_the_spec_keys(run, cli):
    populate(cli.ok)
    result = run("digest", "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert list(data) == list(SECTIONS)
    for section, rows in data.items():
        assert rows, section
        for row in rows:
            assert list(row) == KEYS[section], section
    assert [row["name"] for row in data["reach_out"]] == ["Sam Lee"]
    assert data["you_owe"][0]["name"] == "Ana Ruiz" and data["you_owe"][0]["days_waiting"] == 10
    assert data["waiting_on"][0]["what"] == "recommendation" and data["waiting_on"][0]["by"] == "me"
    assert data["waiting_on"][0]["days_open"] == 45
    assert data["watch"][0]["name"] == "Kim Park"
    assert data["watch"][0]["band"] in ("unresponsive", "fair-weather")
    assert data["reach_out"][0]["last_touch"] == "2026-03-01T00:00:00+00:00"


def test_digest_markdown(run, cli):
    populate(cli.ok)
    cli.ok("add", "Jo *Star* [x]")
    cli.ok("log", "jo", "--when", "2025-01-01")
    result = run("digest", "--format", "markdown")
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "# netkeep digest, 2026-06-15"
    assert "## Reach out (2)" in lines and "## Watch (1)" in lines
    assert r"- **Jo \*Star\* \[x\]**: " in result.stdout


def test_limit_applies_per_section_and_says_how_many_more(cli):
    populate(cli.ok)
    cli.ok("add", "Old Friend")
    cli.ok("log", "old", "--when", "2025-01-01")
    cli.ok("log", "bo", "--via", "email", "--ask", "a second favour", "--when", "2026-06-01")
    text = cli.ok("digest", "--limit", "1").stdout
    assert "Reach out (2)\n  Old Friend:" in text and "  … and 1 more" in text
    assert "Waiting on (2)\n  Bo Chen: ask #2 'recommendation'" in text
    data = cli.json("digest", "--limit", "1")
    assert [len(rows) for rows in data.values()] == [1, 1, 1, 1]
    assert data["reach_out"][0]["name"] == "Old Friend"  # most overdue first


def test_archived_contacts_leave_the_digest(cli):
    populate(cli.ok)
    for name in ("sam", "ana", "bo", "kim"):
        cli.ok("archive", name)
    result = cli.ok("digest")
    assert (result.stdout, result.stderr) == ("", "")


def test_bad_limit_is_bad_input(cli):
    result = cli("digest", "--limit", "0")
    assert result.exit_code == 2 and result.stderr.startswith("Error:")
    assert result.stdout == ""


# --- the pure assembly -----------------------------------------------------------------------------


def _ask(ask_id, opened, *, by="me", status="open"):
    return {
        "id": ask_id,
        "contact_id": 1,
        "name": "A",
        "by": by,
        "what": "w",
        "status": status,
        "opened_at": opened,
        "resolved_at": None,
    }


def test_build_digest_orders_and_filters():
    jan, feb = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)
    result = build_digest(
        stale=[],
        owe=[
            {"name": "B", "occurred_at": feb, "touchpoint_id": 9, "channel": "call", "ask": None},
            {"name": "A", "occurred_at": jan, "touchpoint_id": None, "channel": None, "ask": "x"},
        ],
        my_open_asks=[
            _ask(2, feb),
            _ask(1, jan),
            _ask(3, jan, by="them"),
            _ask(4, jan, status="done"),
        ],
        scores=[
            {"id": 1, "name": "M", "band": "mutual", "score": 90},
            {"id": 2, "name": "U", "band": "unresponsive", "score": 20},
            {"id": 3, "name": "F", "band": "fair-weather", "score": 10},
        ],
        now=NOW,
    )
    data = result.as_dict()
    assert [row["name"] for row in data["you_owe"]] == ["A", "B"]
    assert data["you_owe"][0]["days_waiting"] == 165
    assert [row["id"] for row in data["waiting_on"]] == [1, 2]
    assert [row["name"] for row in data["watch"]] == ["F", "U"]
    assert not result.quiet
    assert text_lines(result)[0] == "You owe (2)"
    assert "  A: their ask of 2026-01-01, waiting 165 days; they asked: x" in text_lines(result)


def test_quiet_digest_has_no_lines():
    result = build_digest(stale=[], owe=[], my_open_asks=[], scores=[], now=NOW)
    assert result.quiet
    assert text_lines(result) == [] and markdown_lines(result, title="t") == []

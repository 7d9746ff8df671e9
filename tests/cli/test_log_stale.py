"""log, undo and stale through the CLI, with a frozen clock (2026-06-15 12:00 UTC)."""

from __future__ import annotations

import csv
import io

TOUCHPOINT_KEYS = {
    "id",
    "contact_id",
    "occurred_at",
    "channel",
    "direction",
    "two_way",
    "answered",
    "note",
    "ask",
    "give",
    "source",
    "source_key",
    "no_reply",
    "logged_by",
    "asks",
    "gives",
}
STALE_KEYS = [
    "id",
    "name",
    "tier",
    "cadence",
    "last_touch",
    "days_since",
    "due",
    "days_overdue",
    "overdue_ratio",
    "unanswered",
    "tags",
]


def test_log_defaults_to_an_outgoing_connected_call(cli):
    cli.ok("add", "Sam Lee")
    data = cli.json("log", "sam")
    assert set(data) == TOUCHPOINT_KEYS
    assert data["channel"] == "call"
    assert data["direction"] == "out"
    assert data["two_way"] is True
    assert data["occurred_at"] == "2026-06-15T12:00:00+00:00"


def test_two_way_defaults_by_channel_and_flags_override(cli):
    cli.ok("add", "Sam Lee")
    assert cli.json("log", "sam", "--via", "meeting")["two_way"] is True
    assert cli.json("log", "sam", "--via", "email")["two_way"] is False
    assert cli.json("log", "sam", "--no-answer")["two_way"] is False
    assert cli.json("log", "sam", "--via", "text", "--two-way")["two_way"] is True
    assert cli.json("log", "sam", "--in", "--via", "social")["direction"] == "in"


def test_log_records_ask_and_give(cli):
    cli.ok("add", "Ana Ruiz")
    data = cli.json("log", "ana", "--ask", "intro to Acme", "--give", "a referral")
    assert data["ask"] == "intro to Acme"
    assert data["give"] == "a referral"
    asks = cli.json("asks")
    assert [(a["by"], a["what"], a["status"]) for a in asks] == [("me", "intro to Acme", "open")]


def test_log_when_relative_and_absolute(cli):
    cli.ok("add", "Sam Lee")
    assert cli.json("log", "sam", "--when", "3d ago")["occurred_at"] == "2026-06-12T12:00:00+00:00"
    assert cli.json("log", "sam", "--when", "2026-03-04")["occurred_at"] == (
        "2026-03-04T00:00:00+00:00"
    )
    assert cli.json("log", "sam", "--when", "1 month ago")["occurred_at"] == (
        "2026-05-15T12:00:00+00:00"
    )


def test_log_refuses_the_future_and_junk_dates(cli, database):
    cli.ok("add", "Sam Lee")
    before = database.snapshot()
    for when in ("tomorrow-ish", "2027-01-01", "32 Marchember"):
        result = cli("log", "sam", "--when", when)
        assert result.exit_code == 2, when
        assert result.stderr.startswith("Error: ")
    assert database.snapshot() == before


def test_log_unknown_contact_fails_unless_create(cli):
    assert cli("log", "Nobody Here").exit_code == 2
    data = cli.json("log", "Nobody Here", "--create", "--via", "email")
    assert data["contact_id"] == 1
    assert cli.json("list")[0]["name"] == "Nobody Here"


def test_log_create_does_not_hide_an_ambiguous_name(cli):
    cli.ok("add", "Sam Lee")
    cli.ok("add", "Sam Stone")
    result = cli("log", "sam", "--create")
    assert result.exit_code == 2
    assert len(cli.json("list")) == 2


def test_unknown_channel_is_a_usage_error(cli):
    cli.ok("add", "Sam Lee")
    result = cli("log", "sam", "--via", "pigeon")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_undo_removes_the_touchpoint_logged_last_whatever_its_date(cli):
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam", "--when", "yesterday")
    cli.ok("log", "sam", "--when", "2026-01-01", "--ask", "a favour")
    result = cli.ok("undo")
    assert "#2" in result.stderr and "a favour" in result.stderr
    touchpoints = cli.json("show", "sam")["touchpoints"]
    assert [t["id"] for t in touchpoints] == [1]
    assert cli.json("asks", "--all") == []


def test_undo_with_nothing_recorded_fails(cli):
    result = cli("undo")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: nothing to undo")


def test_stale_ranks_by_overdue_ratio_and_never_touched_count_from_creation(cli, monkeypatch):
    monkeypatch.setenv("NETKEEP_NOW", "2026-01-01T12:00:00+00:00")
    cli.ok("add", "Inner Ivy", "--tier", "inner")  # 2w
    cli.ok("add", "Network Ned")  # 3m
    cli.ok("add", "Never Nora", "--tier", "close")  # 1m, never touched
    cli.ok("log", "ivy", "--when", "2025-12-01")
    cli.ok("log", "ned", "--when", "2025-12-01")
    monkeypatch.setenv("NETKEEP_NOW", "2026-03-01T12:00:00+00:00")
    rows = cli.json("stale")
    # Ivy: 90.5 days / 14 = 6.5; Nora: since creation 59 days / 31 = 1.9; Ned: just due (1.0)
    assert [r["name"] for r in rows] == ["Inner Ivy", "Never Nora", "Network Ned"]
    assert rows[2]["overdue_ratio"] == 1.01
    assert rows[0]["overdue_ratio"] > rows[1]["overdue_ratio"]
    assert rows[1]["last_touch"] is None
    assert rows[1]["days_since"] == 59
    assert list(rows[0]) == STALE_KEYS


def test_stale_month_end_arithmetic(cli, monkeypatch):
    monkeypatch.setenv("NETKEEP_NOW", "2026-01-31T10:00:00+00:00")
    cli.ok("add", "Monthly Mo", "--every", "1m")
    cli.ok("log", "mo", "--when", "2026-01-31 09:00")
    monkeypatch.setenv("NETKEEP_NOW", "2026-02-28T08:59:00+00:00")
    assert cli.json("stale") == []
    monkeypatch.setenv("NETKEEP_NOW", "2026-02-28T09:00:00+00:00")
    rows = cli.json("stale")
    assert [r["name"] for r in rows] == ["Monthly Mo"]
    assert rows[0]["due"] == "2026-02-28T09:00:00+00:00"
    assert rows[0]["overdue_ratio"] == 1.0


def test_stale_days_replaces_every_cadence(cli, monkeypatch):
    cli.ok("add", "Recent Rae", "--tier", "acquaintance")
    cli.ok("add", "Older Oli", "--tier", "acquaintance")
    cli.ok("log", "rae", "--when", "5 days ago")
    cli.ok("log", "oli", "--when", "40 days ago")
    assert cli.json("stale") == []
    rows = cli.json("stale", "--days", "30")
    assert [(r["name"], r["cadence"], r["days_since"]) for r in rows] == [("Older Oli", "30d", 40)]
    assert [r["name"] for r in cli.json("stale", "--days", "5")] == ["Older Oli", "Recent Rae"]


def test_stale_days_zero_lists_everyone_longest_quiet_first(cli):
    cli.ok("add", "Recent Rae", "--tier", "acquaintance")
    cli.ok("add", "Older Oli", "--tier", "acquaintance")
    cli.ok("add", "Never Ned", "--tier", "acquaintance")  # added now: counts from its creation
    cli.ok("add", "Gone Gil")
    cli.ok("log", "rae", "--when", "5 hours ago")
    cli.ok("log", "oli", "--when", "40 days ago")
    cli.ok("archive", "gil")
    rows = cli.json("stale", "--days", "0")
    assert [(r["name"], r["days_since"], r["cadence"]) for r in rows] == [
        ("Older Oli", 40, "0d"),
        ("Recent Rae", 0, "0d"),
        ("Never Ned", 0, "0d"),
    ]
    # Every row is due at its last touch; a ratio to a zero-length cadence has no value.
    assert all(r["overdue_ratio"] is None for r in rows)
    assert "Older Oli" in cli.ok("stale", "--days", "0", "--format", "csv").stdout
    result = cli("stale", "--days", "-1")
    assert result.exit_code == 2
    assert result.stderr == "Error: --days must be 0 or more (0 lists everyone)\n"


def test_stale_hides_archived_and_filters_tag_tier_limit(cli):
    for name, tier, tag in [("A", "inner", "x"), ("B", "inner", "y"), ("C", "close", "x")]:
        cli.ok("add", f"{name} Person", "--tier", tier, "--tag", tag)
        cli.ok("log", f"{name} Person", "--when", "2025-01-01")
    cli.ok("archive", "B Person")
    names = [r["name"] for r in cli.json("stale")]
    assert "B Person" not in names and len(names) == 2
    assert [r["name"] for r in cli.json("stale", "--tag", "x", "--tier", "close")] == ["C Person"]
    assert len(cli.json("stale", "--limit", "1")) == 1


def test_stale_counts_unanswered_outreach_since_the_last_reply(cli):
    cli.ok("add", "Ghost", "--tier", "inner")
    cli.ok("log", "ghost", "--when", "2026-01-01", "--in", "--via", "email")
    for day in ("2026-02-01", "2026-03-01", "2026-04-01"):
        cli.ok("log", "ghost", "--when", day, "--no-answer")
    assert cli.json("stale")[0]["unanswered"] == 3


def test_stale_exit_code(cli):
    assert cli("stale", "--exit-code").exit_code == 0
    cli.ok("add", "Quiet Quinn", "--tier", "inner")
    cli.ok("log", "quinn", "--when", "2026-01-01")
    result = cli("stale", "--exit-code", "--format", "json")
    assert result.exit_code == 1
    assert result.stderr == ""
    assert len(__import__("json").loads(result.stdout)) == 1


def test_stale_csv_header_and_plain_table(cli):
    cli.ok("add", "Quiet Quinn", "--tier", "inner", "--tag", "a", "--tag", "b")
    cli.ok("log", "quinn", "--when", "2026-01-01")
    reader = csv.reader(io.StringIO(cli.ok("stale", "--format", "csv").stdout))
    header, row = list(reader)
    assert header == STALE_KEYS
    assert row[1] == "Quiet Quinn"
    assert row[-1] == "a; b"
    table = cli.ok("stale").stdout
    assert "Quiet Quinn" in table and "\x1b[" not in table


def test_read_commands_on_a_missing_database_create_nothing(cli, database, db_path):
    for args in (["list"], ["stale"], ["score"], ["owe"], ["asks"]):
        result = cli(*args, "--format", "json")
        assert result.exit_code == 0, args
        assert result.stdout.strip() == "[]"
    assert not database.exists()
    assert not db_path.parent.exists()

"""`stale --rhythm`: contacts who broke their own rhythm before their cadence is due."""

from __future__ import annotations

STALE_KEYS = (
    "id name tier cadence last_touch days_since due days_overdue overdue_ratio unanswered tags"
).split()


def weekly_then_silent(cli, name: str, silent_days: int, tier: str = "acquaintance") -> None:
    """Touches every week for two months, then silence (now is 2026-06-15 12:00 UTC)."""
    cli.ok("add", name, "--tier", tier)
    for week in range(8, 0, -1):
        direction = "--out" if week % 2 else "--in"
        cli.ok("log", name, direction, "--when", f"{silent_days + week * 7} days ago")
    cli.ok("log", name, "--when", f"{silent_days} days ago")


def test_a_weekly_contact_silent_for_a_month_broke_its_rhythm(cli):
    weekly_then_silent(cli, "Weekly Wes", silent_days=30)
    weekly_then_silent(cli, "Steady Sue", silent_days=5)
    # Acquaintances are due every 6 months: plain `stale` has nobody.
    assert cli.json("stale") == []
    rows = cli.json("stale", "--rhythm")
    assert [row["name"] for row in rows] == ["Weekly Wes"]
    row = rows[0]
    assert list(row) == [*STALE_KEYS, "reason", "usual_interval_days"]
    assert row["reason"] == "rhythm" and row["usual_interval_days"] == 7.0
    # Broken after 3 x 7 = 21 days of silence: 9 days ago.
    assert row["days_since"] == 30 and row["days_overdue"] == 9
    assert row["overdue_ratio"] < 1


def test_cadence_rows_come_first_and_say_why(cli):
    weekly_then_silent(cli, "Weekly Wes", silent_days=30)
    weekly_then_silent(cli, "Inner Ida", silent_days=30, tier="inner")
    rows = cli.json("stale", "--rhythm")
    assert [(row["name"], row["reason"]) for row in rows] == [
        ("Inner Ida", "cadence"),
        ("Weekly Wes", "rhythm"),
    ]
    assert "Why" in cli.ok("stale", "--rhythm").stdout
    # Without --rhythm the rows keep exactly the stale keys.
    assert [list(row) for row in cli.json("stale")] == [STALE_KEYS]


def test_too_little_history_or_a_short_silence_is_no_break(cli):
    cli.ok("add", "Twice Tom", "--tier", "acquaintance")
    cli.ok("log", "Twice Tom", "--when", "60 days ago")
    cli.ok("log", "Twice Tom", "--when", "59 days ago")
    # Daily for a week, then ten days quiet: longer than 3 x 1 day, shorter than the window.
    cli.ok("add", "Daily Dan", "--tier", "acquaintance")
    for day in range(17, 10, -1):
        cli.ok("log", "Daily Dan", "--when", f"{day} days ago")
    assert cli.json("stale", "--rhythm") == []

"""Terminal pictures: exact snapshots at 40, 80 and 120 columns with NO_COLOR, widths, and when
pictures appear. Snapshots live in tests/cli/snapshots; regenerate with NETKEEP_UPDATE_SNAPSHOTS=1."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pictures_network import build
from rich.cells import cell_len

from netkeep import pictures

SNAPSHOTS = Path(__file__).parent / "snapshots"
WIDTHS = (40, 80, 120)
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
def network(cli):
    build(cli)
    return cli


def picture_env(columns: int, *words: str) -> dict[str, str]:
    return {
        "COLUMNS": str(columns),
        "NO_COLOR": "1",
        "NETKEEP_PICTURES": ",".join(("always", *words)),
    }


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("NETKEEP_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from {path}"


def block_after_blank(text: str, last_prefix: str | None = None) -> list[str]:
    """The picture block: from the first blank line to the end (or to the `last_prefix` line)."""
    lines = text.splitlines()
    start = lines.index("") + 1
    if last_prefix is None:
        return lines[start:]
    end = next(i for i in range(start, len(lines)) if lines[i].startswith(last_prefix))
    return lines[start : end + 1]


@pytest.mark.parametrize("columns", WIDTHS)
def test_report_snapshot(network, columns):
    text = network.ok("report", env=picture_env(columns)).stdout
    check_snapshot(f"report-{columns}", text)
    assert max(len(line) for line in text.splitlines()) <= columns
    assert "\x1b" not in text


@pytest.mark.parametrize("columns", WIDTHS)
def test_report_ascii_snapshot(network, columns):
    text = network.ok("report", "--ascii", env=picture_env(columns)).stdout
    check_snapshot(f"report-ascii-{columns}", text)
    assert text.isascii()
    assert max(len(line) for line in text.splitlines()) <= columns


@pytest.mark.parametrize("columns", WIDTHS)
def test_show_timeline_and_gauge_snapshot(network, columns):
    text = network.ok("show", "Sam Lee", env=picture_env(columns)).stdout
    check_snapshot(f"show-{columns}", text)
    block = block_after_blank(text, "Score")
    assert block[1].startswith("you ") and block[3].startswith("them")
    assert max(len(line) for line in block) <= columns


@pytest.mark.parametrize("columns", WIDTHS)
def test_stale_bars_and_sparklines_snapshot(network, columns):
    text = network.ok("stale", env=picture_env(columns)).stdout
    check_snapshot(f"stale-{columns}", text)
    block = text.split("\n\n")[-1].splitlines()
    assert "cadence" in block[0] or block[0].strip().startswith("quiet")
    assert max(len(line) for line in block) <= columns


def test_ascii_fallback_through_the_environment(network):
    text = network.ok("stale", env=picture_env(80, "ascii")).stdout
    assert text.isascii()
    assert "|" in text.split("\n\n")[-1]


def test_glyphs_carry_the_meaning(network):
    """Without colour the timeline still tells an unanswered call, an ask and a give apart."""
    block = block_after_blank(network.ok("show", "Sam Lee", env=picture_env(120)).stdout, "Score")
    you, them = block[1], block[3]
    assert "○" in you and "+" in you and "●" in you
    assert "?" in them
    [row] = network.json("score", "Sam Lee")
    gauge = block[-1]
    assert gauge.startswith("Score  [") and "█" in gauge
    assert gauge.endswith(f"] {row['score']}/100 {row['band']}")


def test_past_due_stands_out_and_the_cadence_mark_lines_up(network):
    block = network.ok("stale", env=picture_env(80)).stdout.split("\n\n")[-1].splitlines()[1:]
    marks = {line.index("│") for line in block}
    assert len(marks) == 1
    assert all("█" in line for line in block)


def test_a_row_before_its_cadence_stops_short_of_the_mark():
    """`stale --rhythm` lists contacts that broke their own pace before the cadence is due."""
    rows = [
        {"id": 1, "name": "Due", "overdue_ratio": 3.0, "days_overdue": 40},
        {"id": 2, "name": "Early", "overdue_ratio": 0.5, "days_overdue": 9},
    ]
    due, early = pictures.dormancy_bars(rows, {}, width=60, ascii=True)[1:]
    assert "|#" in pictures.text_of(due)
    bar = pictures.text_of(early)
    assert "#" not in bar and bar.index("|") > bar.rindex("-") + 1


def test_everyone_listed_without_a_cadence_still_gets_bars(network):
    """`stale --days 0` has no cadence to measure against (ratio null): the bars show days."""
    text = network.ok("stale", "--days", "0", env=picture_env(40)).stdout
    block = text.split("\n\n")[-1].splitlines()
    assert len(block) == 1 + len(network.json("stale", "--days", "0"))
    assert max(len(line) for line in block) <= 40


def test_no_pictures_when_piped_in_json_or_csv_or_when_turned_off(network):
    plain = network.ok("stale").stdout
    assert "│" not in plain and "cadence" not in plain
    for fmt in ("json", "csv"):
        out = network.ok("stale", "--format", fmt, env=picture_env(80)).stdout
        assert "│" not in out
    assert "●" not in network.ok("show", "Sam", "--format", "json", env=picture_env(80)).stdout
    off = network.ok("stale", env={"NETKEEP_PICTURES": "never", "COLUMNS": "80"}).stdout
    assert off == plain


def test_report_period_selects_the_changes(network):
    week = network.json("report")
    assert week["changes"]["asks_closed"] == 1
    assert week["changes"]["asks_opened"] == 0
    # Ana's email of 5 days ago and the call you had with her 3 days ago.
    assert week["changes"]["replies_received"] == 2
    month = network.json("report", "--since", "30 days ago")
    assert month["changes"]["asks_opened"] == 1
    # Plus Ana's live text; Sam's unanswered call is nothing heard.
    assert month["changes"]["replies_received"] == 3
    assert [row["name"] for row in month["changes"]["newly_stale"]] == ["Sam Lee"]
    assert month["since"] == "2026-05-16T12:00:00+00:00"


def test_report_refuses_an_empty_period(network):
    result = network("report", "--since", "yesterday", "--until", "3 days ago")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --since must be before --until")


def test_report_on_an_empty_database(cli):
    text = cli.ok("report", env=picture_env(40)).stdout
    assert "No contacts yet." in text
    assert max(len(line) for line in text.splitlines()) <= 40


# --- properties ------------------------------------------------------------------------------

touch = st.fixed_dictionaries(
    {
        "occurred_at": st.integers(0, 3000).map(lambda days: NOW - timedelta(days=days)),
        "direction": st.sampled_from(["out", "in"]),
        "answered": st.sampled_from([True, False, None]),
        "ask": st.one_of(st.none(), st.just("a favour")),
        "give": st.one_of(st.none(), st.just("a lead")),
    }
)
stale_row = st.fixed_dictionaries(
    {
        "id": st.integers(1, 50),
        "name": st.text(
            st.characters(blacklist_categories=("Cc", "Cs", "Mn", "Me", "Cf", "Zl", "Zp")),
            min_size=1,
            max_size=60,
        )
        | st.sampled_from(["王小明", "山田太郎さん", "Ｆｕｌｌ　Ｗｉｄｔｈ"]),
        "overdue_ratio": st.one_of(st.floats(0, 1e6), st.just(float("inf")), st.none()),
        "days_overdue": st.integers(0, 5000),
        "days_since": st.integers(0, 40000),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(touch, max_size=40), st.integers(20, 200), st.booleans())
def test_timeline_never_exceeds_the_width(touches, size, ascii):
    lines = pictures.timeline(touches, now=NOW, width=size, ascii=ascii)
    assert all(len(pictures.text_of(line)) <= size for line in lines)
    assert len(pictures.text_of(lines[1])) == size


@settings(max_examples=60, deadline=None)
@given(st.lists(stale_row, min_size=1, max_size=10), st.integers(20, 200), st.booleans())
def test_dormancy_bars_never_exceed_the_width(rows, size, ascii):
    lines = pictures.dormancy_bars(rows, {}, width=size, ascii=ascii)
    assert all(cell_len(pictures.text_of(line)) <= size for line in lines)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 100), st.sampled_from(["mutual", "new"]), st.integers(20, 200))
def test_gauge_never_exceeds_the_width(score, band, size):
    assert len(pictures.text_of(pictures.gauge(score, band, width=size, ascii=False))) <= size


@given(st.lists(st.integers(0, 1000), min_size=6, max_size=6).filter(any), st.integers(6, 300))
def test_stacked_bar_fills_its_width_exactly(counts, size):
    assert sum(pictures._shares(counts, size)) == size


def test_calendar_days_are_local_even_with_quarter_hour_offsets(cli, monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Kathmandu")  # UTC+5:45
    time.tzset()
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam", "--when", "2026-06-10T18:10:00+00:00")  # 23:55 on the 10th there
    cli.ok("log", "sam", "--when", "2026-06-10T18:20:00+00:00", "--in")  # 00:05 on the 11th
    days = {day["date"]: day for day in cli.json("report")["calendar"]}
    assert (days["2026-06-10"]["mine"], days["2026-06-10"]["theirs"]) == (1, 0)
    assert (days["2026-06-11"]["mine"], days["2026-06-11"]["theirs"]) == (0, 1)


def test_a_new_contact_gets_an_empty_timeline_and_no_score(cli):
    cli.ok("add", "Noa Berg")
    text = cli.ok("show", "Noa", env=picture_env(40)).stdout
    block = block_after_blank(text, "Score")
    assert block[1].strip() == "you" and block[3].strip() == "them"
    assert block[-1] == "Score  new: not scored yet"


def test_nobody_stale_means_no_bars(cli):
    cli.ok("add", "Noa Berg")
    result = cli.ok("stale", env=picture_env(80))
    assert result.stdout == ""
    assert "Nobody is overdue." in result.stderr


def test_on_a_terminal_pictures_appear_by_default_in_colour(network):
    from test_exit_codes import on_a_terminal

    _status, output = on_a_terminal(["stale"], env={"COLUMNS": "80"})
    assert "cadence" in output.decode() and b"\x1b[31m" in output  # past due in red
    _status, plain = on_a_terminal(["stale"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert "cadence" in plain.decode() and b"\x1b[31m" not in plain
    _status, off = on_a_terminal(["stale"], env={"COLUMNS": "80", "NETKEEP_PICTURES": "never"})
    assert "cadence" not in off.decode()

"""`--as-of WHEN` on score, stale, show and digest, and the export round trip, on ledger histories.
Now is 2026-06-15 12:00 UTC (conftest) unless a test moves it."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
VIEWS = (["score"], ["stale"], ["digest"], ["show", "#1"], ["show", "#2", "--history"])


def views(cli, *extra: str, db: str | None = None) -> list:
    prefix = ["--db", db] if db else []
    return [cli.json(*prefix, *view, *extra) for view in VIEWS]


def _yesterday(cli) -> None:
    cli.ok("add", "Dana Reyes", "--tier", "inner")
    cli.ok("add", "Chris", "--tier", "close")
    cli.ok("log", "dana", "--in", "--via", "email", "--ask", "an intro", "--when", "2026-05-01")
    cli.ok("log", "dana", "--their-give", "a req", "--when", "2026-05-10")
    cli.ok("log", "chris", "--ask", "a recommendation", "--no-answer", "--when", "2026-04-01")
    cli.ok("log", "chris", "--in", "--via", "email", "--when", "2026-04-02")
    cli.ok("log", "chris", "--no-answer", "--when", "2026-05-20")
    cli.ok("log", "chris", "--in", "--via", "text", "--ask", "a lead", "--when", "2026-06-01")


def test_as_of_yesterday_reproduces_yesterdays_figures(cli, monkeypatch):
    _yesterday(cli)
    before = views(cli)
    # A day later: more history, a new contact, asks resolved, a favour linked to its ask.
    monkeypatch.setenv("NETKEEP_NOW", (NOW + timedelta(days=1)).isoformat())
    cli.ok("add", "Newcomer")
    cli.ok("log", "newcomer", "--in")
    cli.ok("log", "dana", "--via", "email", "--give", "the intro", "--fulfils", "1")
    cli.ok("log", "chris", "--in", "--via", "email", "--give", "the recommendation")
    cli.ok("resolve", "2")
    cli.ok("resolve", "3", "--withdrawn")
    assert views(cli) != before
    assert views(cli, "--as-of", NOW.isoformat()) == before


def test_as_of_refuses_the_future_and_bad_dates(cli):
    for when, message in (("2026-07-01", "in the future"), ("not a date", "invalid date")):
        result = cli("score", "--as-of", when)
        assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_as_of_before_someone_existed_leaves_them_out(cli):
    _yesterday(cli)
    cli.ok("add", "Later Person")  # created now, no history
    names = [row["name"] for row in cli.json("score", "--as-of", "2026-04-15")]
    assert names == ["Chris"]  # Dana and Later Person came into it later
    assert "Later Person" not in json.dumps(cli.json("stale", "--as-of", "2026-04-15"))
    assert [row["name"] for row in cli.json("score")].count("Later Person") == 1


# --- properties over generated ledgers ------------------------------------------------------------

touch = st.fixed_dictionaries(
    {
        "minutes_ago": st.integers(min_value=60, max_value=400 * 24 * 60),
        "incoming": st.booleans(),
        "via": st.sampled_from(["call", "email", "text", "meeting"]),
        "two_way": st.sampled_from([None, True, False]),
        "my_ask": st.booleans(),
        "their_ask": st.booleans(),
        "my_give": st.booleans(),
        "their_give": st.booleans(),
        "no_reply": st.booleans(),
        "fulfil": st.booleans(),
        "resolve": st.sampled_from([None, "done", "declined", "withdrawn", "reopen"]),
    }
)
ledgers = st.lists(st.tuples(st.integers(1, 2), touch), min_size=1, max_size=8)


def _enter(cli, db: str, ledger) -> None:
    """Log a generated ledger in time order through the CLI, resolving asks along the way."""
    cli.ok("--db", db, "add", "Ana")
    cli.ok("--db", db, "add", "Bo")
    events = sorted(ledger, key=lambda event: -event[1]["minutes_ago"])
    for index, (who, event) in enumerate(events):
        # Oldest first; events in the same minute a second apart, in order.
        when = (
            NOW - timedelta(minutes=event["minutes_ago"]) + timedelta(seconds=index)
        ).isoformat()
        args = ["--db", db, "log", f"#{who}", "--via", event["via"], "--when", when]
        args.append("--in" if event["incoming"] else "--out")
        if event["two_way"] is not None:
            args.append("--two-way" if event["two_way"] else "--no-answer")
        for flag in ("my_ask", "their_ask", "my_give", "their_give"):
            if event[flag]:
                args += [f"--{flag.replace('_', '-')}", f"{flag} {index}"]
        if event["no_reply"] and event["incoming"]:
            args.append("--no-reply-needed")
        open_asks = cli.json("--db", db, "asks", f"#{who}")
        if event["fulfil"] and open_asks:
            args += ["--fulfils", str(open_asks[0]["id"])]
        cli.ok(*args)
        asks = cli.json("--db", db, "asks", f"#{who}", "--all")
        if event["resolve"] and asks:
            ask = asks[index % len(asks)]
            flag = {"done": [], "declined": ["--declined"], "withdrawn": ["--withdrawn"]}
            if event["resolve"] == "reopen":
                if ask["status"] != "open":
                    cli.ok("--db", db, "resolve", str(ask["id"]), "--reopen")
            elif ask["status"] == "open":
                cli.ok(
                    "--db", db, "resolve", str(ask["id"]), *flag[event["resolve"]], "--when", when
                )


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ledgers)
def test_as_of_after_every_event_is_the_same_as_now(cli, ledger):
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "n.db")
        _enter(cli, db, ledger)
        plain = [cli.json("--db", db, *view) for view in VIEWS]
        assert views(cli, "--as-of", NOW.isoformat(), db=db) == plain


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ledgers)
def test_export_import_export_is_identical_with_any_ledger(cli, ledger):
    with tempfile.TemporaryDirectory() as folder:
        db, restored = str(Path(folder) / "n.db"), str(Path(folder) / "r.db")
        _enter(cli, db, ledger)
        first = cli.ok("--db", db, "export").stdout
        path = Path(folder) / "export.json"
        path.write_text(first, encoding="utf-8")
        cli.ok("--db", restored, "import", str(path))
        assert cli.ok("--db", restored, "export").stdout == first
        for view in VIEWS[:3]:
            assert cli.json("--db", restored, *view) == cli.json("--db", db, *view)

"""undo reverses the last command that changed something, whatever it was, exactly, and says what
it reverses; undo again goes one command further back; a failed command leaves nothing to undo."""

from __future__ import annotations

import pytest

import netkeep.journal

TABLES = ("contact", "touchpoint", "ask")


def rows(database) -> dict[str, list[tuple]]:
    return {table: database.rows(table) for table in TABLES}


@pytest.fixture
def network(cli, tmp_path):
    """Two contacts with a history, an open ask of theirs and one of yours."""
    cli.ok("add", "Sam Lee", "--email", "sam@example.com", "--company", "Acme", "--tag", "sf")
    cli.ok("add", "Ana Ruiz", "--phone", "+1 555 0100", "--tier", "close")
    cli.ok("log", "sam", "--when", "2026-05-01", "--ask", "a recommendation")
    cli.ok("log", "sam", "--in", "--via", "email", "--when", "2026-05-03", "--ask", "an intro")
    cli.ok("log", "ana", "--via", "meeting", "--when", "2026-06-01", "--give", "advice")
    people = tmp_path / "people.csv"
    people.write_text(
        "name,email,company\nSam Lee,sam@example.com,Globex\nCy Dee,cy@example.com,Initech\n",
        encoding="utf-8",
    )
    return tmp_path


WRITES = {
    "add": ["add", "Bo Chen", "--email", "bo@example.com"],
    "edit": ["edit", "sam", "--company", "Globex", "--tag", "ny", "--every", "2w"],
    "log": ["log", "ana", "--ask", "a job lead", "--note", "it's 'quoted'"],
    "log --create": ["log", "New Person", "--create", "--via", "text"],
    "resolve": ["resolve", "2"],
    "resolve --declined": ["resolve", "1", "--declined", "--when", "2026-06-02"],
    "archive": ["archive", "ana"],
    "rm": ["rm", "sam", "--yes"],
    "import csv": ["import", "{tmp}/people.csv"],
    "touchpoint edit": ["touchpoint", "edit", "1", "--via", "email", "--no-answer", "--note", "x"],
    "touchpoint rm": ["touchpoint", "rm", "1", "--yes"],
    "merge": ["merge", "ana", "sam"],
}


@pytest.mark.parametrize("command", list(WRITES), ids=list(WRITES))
def test_undo_puts_back_exactly_what_the_last_command_changed(cli, database, network, command):
    args = [arg.replace("{tmp}", str(network)) for arg in WRITES[command]]
    before = rows(database)
    cli.ok(*args)
    assert rows(database) != before
    result = cli.ok("undo")
    assert result.stderr.startswith("Undid: ")
    assert rows(database) == before


def test_undo_says_what_it_reverses(cli, network):
    cli.ok("log", "sam", "--via", "call")
    assert cli.ok("undo").stderr == "Undid: log call with #1 Sam Lee (touchpoint #4).\n"
    cli.ok("resolve", "2")
    assert cli.ok("undo").stderr == "Undid: resolve ask #2 'an intro' as done.\n"


def test_undo_after_resolve_reopens_the_ask_and_keeps_every_touchpoint(cli, network):
    touchpoints = cli.json("show", "sam")["touchpoints"]
    cli.ok("resolve", "2")
    cli.ok("undo")
    assert cli.json("show", "sam")["touchpoints"] == touchpoints
    assert {a["id"]: a["status"] for a in cli.json("asks", "--all")} == {1: "open", 2: "open"}


def test_a_failed_command_leaves_nothing_to_undo(cli, database, network):
    cli.ok("add", "Bo Chen")
    after_add = rows(database)
    assert cli("log", "nobody at all").exit_code == 2
    assert cli("resolve", "99").exit_code == 2
    assert cli("edit", "sam", "--tier", "no-such-tier").exit_code == 2
    assert cli.ok("undo").stderr == "Undid: add #3 Bo Chen.\n"
    assert [c["name"] for c in cli.json("list")] == ["Ana Ruiz", "Sam Lee"]
    assert len(rows(database)["touchpoint"]) == len(after_add["touchpoint"])


def test_undo_again_goes_further_back(cli, database, network):
    states = [rows(database)]
    for args in (["edit", "ana", "--title", "CTO"], ["log", "ana"], ["rm", "sam", "--yes"]):
        cli.ok(*args)
        states.append(rows(database))
    for expected in reversed(states[:-1]):
        cli.ok("undo")
        assert rows(database) == expected


def test_a_command_that_changed_nothing_is_not_recorded(cli, database, network):
    cli.ok("import", str(network / "people.csv"))
    cli.ok("import", str(network / "people.csv"))  # the same file again: nothing new
    cli.ok("archive", "ana")
    cli.ok("archive", "ana")
    assert cli.ok("undo").stderr.startswith("Undid: archive #2 Ana Ruiz")
    assert cli.ok("undo").stderr.startswith("Undid: import people.csv")


def test_nothing_to_undo_is_exit_1(cli):
    result = cli("undo")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: nothing to undo")
    cli.ok("add", "Sam Lee")
    cli.ok("undo")
    assert cli("undo").exit_code == 1
    assert cli.json("list") == []


def test_undo_of_an_import_restores_merged_contacts_and_removes_new_rows(cli, database, network):
    cli.ok("export", "--output", str(network / "all.json"))
    cli.ok("rm", "ana", "--yes")
    before = rows(database)
    cli.ok("import", str(network / "all.json"))
    assert [(c["id"], c["name"]) for c in cli.json("list")] == [(3, "Ana Ruiz"), (1, "Sam Lee")]
    cli.ok("undo")
    assert rows(database) == before


def test_the_history_keeps_the_last_commands_only(cli, monkeypatch):
    monkeypatch.setattr(netkeep.journal, "HISTORY_DEPTH", 3)
    for name in ("Ana", "Bo", "Cy", "Di", "Ed"):
        cli.ok("add", name)
    for number, name in ((5, "Ed"), (4, "Di"), (3, "Cy")):
        assert cli.ok("undo").stderr == f"Undid: add #{number} {name}.\n"
    assert cli("undo").exit_code == 1
    assert [c["name"] for c in cli.json("list")] == ["Ana", "Bo"]


def test_a_dry_run_import_is_not_recorded(cli, network):
    cli.ok("add", "Bo Chen")
    cli.ok("import", str(network / "people.csv"), "--dry-run")
    assert cli.ok("undo").stderr == "Undid: add #3 Bo Chen.\n"


# --- property: any sequence of writes, undone one by one, walks back through every state ---------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

REF = st.sampled_from(["#1", "#2", "#3", "#4", "sam", "ana"])
STEPS = st.one_of(
    st.builds(lambda n: ["add", n, "--force"], st.sampled_from(["Sam Lee", "Bo", "Zoë"])),
    st.builds(lambda r, c: ["edit", r, "--company", c], REF, st.sampled_from(["Acme", "", "X'y"])),
    st.builds(
        lambda r, v, a: ["log", r, "--via", v, *(["--ask", a] if a else [])],
        REF,
        st.sampled_from(["call", "email"]),
        st.sampled_from([None, "an intro"]),
    ),
    st.builds(lambda r: ["archive", r], REF),
    st.builds(lambda r: ["rm", r, "--yes"], REF),
    st.builds(lambda a, b: ["merge", a, b], REF, REF),
    st.builds(lambda i: ["resolve", i], st.sampled_from(["1", "2", "3"])),
    st.builds(lambda i: ["touchpoint", "rm", i, "--yes"], st.sampled_from(["1", "2", "3"])),
    st.builds(
        lambda i, v: ["touchpoint", "edit", i, "--in", "--via", v],
        st.sampled_from(["1", "2", "3"]),
        st.sampled_from(["text", "meeting"]),
    ),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEPS, min_size=1, max_size=6))
def test_undoing_every_command_walks_back_through_every_state(cli, database, steps):
    database.reset()
    cli.ok("add", "Sam Lee", "--email", "sam@example.com")
    cli.ok("add", "Ana Ruiz")
    cli.ok("log", "ana", "--in", "--ask", "a job lead")
    states = [rows(database)]
    for args in steps:
        succeeded = cli(*args).exit_code == 0
        now = rows(database)
        if not succeeded:
            assert now == states[-1]  # a failed command changed nothing
        elif now != states[-1]:  # a command that changed nothing is not recorded
            states.append(now)
    for expected in reversed(states[:-1]):
        cli.ok("undo")
        assert rows(database) == expected

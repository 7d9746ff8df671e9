"""Fixing what was recorded: `touchpoint edit`, `touchpoint rm` and `merge`, all undoable."""

from __future__ import annotations

import pytest


@pytest.fixture
def sam(cli):
    cli.ok("add", "Sam Lee", "--email", "sam@example.com")
    cli.ok("log", "sam", "--when", "2026-05-01", "--ask", "a recommendation", "--note", "call")
    return 1


def test_touchpoint_edit_changes_only_what_is_given(cli, sam):
    before = cli.json("show", "sam")["touchpoints"][0]
    edited = cli.json(
        "touchpoint", "edit", "#1", "--via", "email", "--no-answer", "--when", "2026-05-02"
    )
    assert edited["channel"] == "email"
    assert edited["two_way"] is False
    assert edited["occurred_at"].startswith("2026-05-02")
    assert edited["note"] == before["note"] == "call"
    assert edited["direction"] == "out"
    [ask] = cli.json("asks", "sam")
    assert ask["opened_at"].startswith("2026-05-02")  # the ask was made in that touchpoint


def test_touchpoint_edit_turning_it_round_moves_its_ask_to_the_other_side(cli, sam):
    cli.ok("touchpoint", "edit", "1", "--in", "--note", "")
    shown = cli.json("show", "sam")
    assert shown["touchpoints"][0]["direction"] == "in"
    assert shown["touchpoints"][0]["note"] is None
    assert [a["by"] for a in shown["asks"]] == ["them"]


def test_touchpoint_edit_moves_it_to_another_contact(cli, sam):
    cli.ok("add", "Ana Ruiz")
    result = cli.ok("touchpoint", "edit", "1", "--contact", "ana")
    assert result.stderr == "Updated touchpoint #1 with #2 Ana Ruiz: contact.\n"
    assert cli.json("show", "sam")["touchpoints"] == []
    assert [t["id"] for t in cli.json("show", "ana")["touchpoints"]] == [1]
    assert [a["name"] for a in cli.json("asks")] == ["Ana Ruiz"]


@pytest.mark.parametrize(
    "args",
    [
        ["touchpoint", "edit", "99", "--note", "x"],
        ["touchpoint", "edit", "abc", "--note", "x"],
        ["touchpoint", "edit", "1"],
        ["touchpoint", "edit", "1", "--via", "call"],  # nothing new
        ["touchpoint", "edit", "1", "--when", "tomorrow"],
        ["touchpoint", "edit", "1", "--contact", "nobody"],
        ["touchpoint", "rm", "99", "--yes"],
        ["touchpoint", "rm", "1"],  # off a terminal without --yes
        ["merge", "sam", "sam@example.com"],
        ["merge", "sam", "nobody"],
    ],
)
def test_bad_input_is_refused_and_changes_nothing(cli, sam, args):
    before = cli.ok("export").stdout
    result = cli(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ")
    assert cli.ok("export").stdout == before


def test_touchpoint_edit_refuses_a_time_after_its_ask_was_resolved(cli, sam):
    cli.ok("resolve", "1", "--when", "2026-05-10")
    result = cli("touchpoint", "edit", "1", "--when", "2026-05-20")
    assert result.exit_code == 2
    assert "resolved earlier" in result.stderr


def test_touchpoint_rm_deletes_it_with_its_ask_and_undo_brings_both_back(cli, sam):
    result = cli.ok("touchpoint", "rm", "1", "--yes")
    assert result.stderr.startswith("Deleted touchpoint #1: call (you initiated) with #1 Sam Lee")
    assert "'a recommendation'" in result.stderr
    assert cli.json("show", "sam")["touchpoints"] == []
    assert cli.json("asks", "--all") == []
    assert cli.ok("undo").stderr.startswith("Undid: touchpoint rm touchpoint #1")
    assert [t["id"] for t in cli.json("show", "sam")["touchpoints"]] == [1]
    assert [a["id"] for a in cli.json("asks")] == [1]


def test_touchpoint_help_lists_its_commands(cli):
    result = cli.ok("touchpoint", "--help")
    assert "edit" in result.stdout and "rm" in result.stdout
    assert "touchpoint" in cli.ok("--help").stdout


def test_merge_folds_the_second_into_the_first_with_all_its_history(cli, sam):
    cli.ok(
        "add",
        "Samuel Lee",
        "--email",
        "samuel@work.example",
        "--phone",
        "+1 555 0100",
        "--company",
        "Acme",
        "--tag",
        "sf",
        "--force",
    )
    cli.ok("log", "samuel", "--in", "--via", "email", "--when", "2026-06-01", "--ask", "an intro")
    result = cli.ok("merge", "sam@example.com", "samuel")
    assert result.stderr == (
        "Merged #2 Samuel Lee into #1 Sam Lee: 1 touchpoints and 1 asks moved; "
        "from it: emails, tags, phone, company; #2 Samuel Lee removed.\n"
    )
    merged = cli.json("show", "#1")
    assert merged["emails"] == ["sam@example.com", "samuel@work.example"]
    assert merged["phone"] == "+1 555 0100"
    assert merged["company"] == "Acme"
    assert merged["tags"] == ["sf"]
    assert [t["id"] for t in merged["touchpoints"]] == [2, 1]
    assert sorted(a["id"] for a in merged["asks"]) == [1, 2]
    assert [c["id"] for c in cli.json("list")] == [1]


def test_merge_keeps_the_fields_the_first_already_has(cli):
    cli.ok("add", "Sam Lee", "--company", "Acme", "--tier", "close")
    cli.ok("add", "Sam L", "--company", "Globex", "--title", "CTO", "--tier", "inner")
    merged = cli.json("merge", "#1", "#2")
    assert (merged["company"], merged["title"], merged["tier"]) == ("Acme", "CTO", "close")


def test_undo_of_a_merge_restores_both_exactly_with_their_ids(cli, sam):
    cli.ok("add", "Samuel Lee", "--email", "samuel@work.example", "--force")
    cli.ok("log", "samuel", "--in", "--when", "2026-06-01")
    before = cli.ok("export").stdout
    cli.ok("merge", "1", "2")
    assert cli.ok("undo").stderr == "Undid: merge #2 Samuel Lee into #1 Sam Lee.\n"
    assert cli.ok("export").stdout == before
    assert cli.json("add", "Bo Chen")["id"] == 3


def test_touchpoint_rm_asks_on_a_terminal(cli, sam, monkeypatch):
    import netkeep.cli.touchpoints

    monkeypatch.setattr(netkeep.cli.touchpoints, "interactive", lambda: True)
    kept = cli.ok("touchpoint", "rm", "1", input="n\n")
    assert "Kept touchpoint #1." in kept.stderr and "Error" not in kept.stderr
    assert len(cli.json("show", "sam")["touchpoints"]) == 1
    cli.ok("touchpoint", "rm", "1", input="y\n")
    assert cli.json("show", "sam")["touchpoints"] == []


def test_show_lists_touchpoint_ids_for_fixing_them(cli, sam):
    lines = cli.ok("show", "sam").stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["ID", "When"])
    assert lines[header + 1].split()[0] == "1"

"""Contacts through the CLI: add, edit, list, show, archive, rm, and contact references."""

from __future__ import annotations

import json

CONTACT_KEYS = {
    "id",
    "name",
    "emails",
    "phone",
    "company",
    "title",
    "tags",
    "tier",
    "cadence",
    "note",
    "created_at",
    "archived",
    "last_touch",
}


def test_add_then_list_json_has_exactly_the_contract_keys(cli):
    cli.ok("add", "Sam Lee", "--email", "sam@example.com", "--company", "Acme", "--tag", "vc")
    rows = cli.json("list")
    assert len(rows) == 1
    assert set(rows[0]) == CONTACT_KEYS
    assert rows[0]["name"] == "Sam Lee"
    assert rows[0]["emails"] == ["sam@example.com"]
    assert rows[0]["tags"] == ["vc"]
    assert rows[0]["tier"] == "network"
    assert rows[0]["last_touch"] is None
    assert rows[0]["created_at"] == "2026-06-15T12:00:00+00:00"


def test_add_refuses_a_name_that_exists_in_any_case_unless_forced(cli):
    cli.ok("add", "Sam Lee")
    result = cli("add", "sam lee")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert "--force" in result.stderr
    cli.ok("add", "sam lee", "--force")
    assert len(cli.json("list")) == 2


def test_add_refuses_unicode_case_duplicates(cli):
    cli.ok("add", "Ölga Straße")
    assert cli("add", "ÖLGA STRASSE").exit_code == 2


def test_add_validates_tier_and_cadence(cli):
    assert cli("add", "A", "--tier", "bestie").exit_code == 2
    assert cli("add", "A", "--every", "soon").exit_code == 2
    data = cli.json("add", "A", "--tier", "inner", "--every", "10 days")
    assert data["tier"] == "inner"
    assert data["cadence"] == "10d"


def test_reference_by_id_hash_email_name_and_part(cli):
    cli.ok("add", "Sam Lee", "--email", "Sam@Example.com")
    cli.ok("add", "Ana Ruiz")
    for ref in ("1", "#1", "sam@example.com", "SAM LEE", "sam", "lee"):
        assert cli.json("show", ref)["name"] == "Sam Lee", ref
    assert cli.json("show", "ruiz")["id"] == 2


def test_ambiguous_reference_lists_candidates_with_ids(cli):
    cli.ok("add", "Sam Lee")
    cli.ok("add", "Sam Stone")
    result = cli("show", "sam")
    assert result.exit_code == 2
    assert "#1 Sam Lee" in result.stderr and "#2 Sam Stone" in result.stderr
    assert result.stderr.count("\n") == 1


def test_people_sharing_a_name_are_ambiguous_by_name_but_reachable_by_id(cli):
    cli.ok("add", "Alex Kim")
    cli.ok("add", "Alex Kim", "--force")
    assert cli("log", "alex kim").exit_code == 2
    cli.ok("log", "#2")
    assert cli.json("show", "2")["last_touch"] is not None
    assert cli.json("show", "1")["last_touch"] is None


def test_unknown_reference_suggests_close_matches(cli):
    cli.ok("add", "Jonathan Smith")
    result = cli("show", "Jonathon Smith")
    assert result.exit_code == 2
    assert "Jonathan Smith" in result.stderr
    assert result.stderr.startswith("Error: no contact matches")


def test_edit_changes_only_given_fields(cli):
    cli.ok("add", "Sam Lee", "--company", "Acme", "--email", "a@x.org")
    data = cli.json("edit", "sam", "--title", "CTO", "--tier", "close", "--every", "6w")
    assert data["title"] == "CTO"
    assert data["company"] == "Acme"
    assert data["emails"] == ["a@x.org"]
    assert data["cadence"] == "6w"
    data = cli.json("edit", "sam", "--every", "none", "--name", "Samuel Lee")
    assert data["cadence"] is None
    assert data["name"] == "Samuel Lee"


def test_edit_with_nothing_to_change_is_bad_input(cli):
    cli.ok("add", "Sam Lee")
    assert cli("edit", "sam").exit_code == 2


def test_list_filters_by_tag_tier_and_archived(cli):
    cli.ok("add", "A One", "--tag", "recruiter", "--tier", "close")
    cli.ok("add", "B Two", "--tag", "friend")
    cli.ok("add", "C Three", "--tag", "Recruiter")
    cli.ok("archive", "C Three")
    assert [r["name"] for r in cli.json("list", "--tag", "recruiter")] == ["A One"]
    assert [r["name"] for r in cli.json("list", "--tier", "close")] == ["A One"]
    names = [r["name"] for r in cli.json("list", "--tag", "recruiter", "--archived")]
    assert names == ["A One", "C Three"]


def test_archive_and_unarchive(cli):
    cli.ok("add", "Old Boss")
    cli.ok("archive", "old")
    assert cli.json("list") == []
    assert cli.json("show", "old")["archived"] is True
    cli.ok("unarchive", "old")
    assert [r["name"] for r in cli.json("list")] == ["Old Boss"]


def test_rm_needs_yes_off_a_terminal_and_deletes_history(cli):
    cli.ok("add", "Spam Person")
    cli.ok("log", "spam", "--ask", "buy my course", "--in", "--via", "email")
    result = cli("rm", "spam")
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert len(cli.json("list")) == 1
    cli.ok("rm", "spam", "--yes")
    assert cli.json("list") == []
    assert cli.json("asks", "--all") == []


def test_show_json_shape(cli):
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam", "--when", "3 days ago", "--no-answer")
    cli.ok("log", "sam", "--in", "--via", "email", "--when", "yesterday", "--ask", "intro")
    data = cli.json("show", "sam")
    assert set(data) == CONTACT_KEYS | {"touchpoints", "asks", "gives", "score", "rhythm"}
    assert {"touchpoints", "asks", "score"} <= set(data)
    first, second = data["touchpoints"]
    assert first["direction"] == "in"  # newest first
    assert first["ask"] == "intro"
    assert second["answered"] is True  # they wrote back within the window
    assert data["asks"][0]["by"] == "them"
    assert data["score"]["band"] == "new"


def test_show_table_escapes_markup_and_prints_names_as_typed(cli):
    name = "Jo [bold]x[/bold] O'Brien"
    cli.ok("add", name)
    result = cli.ok("show", "#1")
    assert name in result.stdout
    listing = cli.ok("list")
    assert name in listing.stdout


def test_json_output_keeps_long_text_whole_on_a_narrow_terminal(cli):
    """JSON is printed as is, never wrapped at the terminal width (which would split strings)."""
    name = "A " + "very " * 60 + "long name"
    note = "x" * 500
    cli.ok("add", name, "--note", note)
    narrow = {"COLUMNS": "40"}
    listing = json.loads(cli.ok("list", "--format", "json", env=narrow).stdout)
    assert [(row["name"], row["note"]) for row in listing] == [(name, note)]
    shown = json.loads(cli.ok("show", "#1", "--format", "json", env=narrow).stdout)
    assert (shown["name"], shown["note"]) == (name, note)

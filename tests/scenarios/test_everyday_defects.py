"""Small things a new user hits: empty filters that say why, choices in any case and common
synonyms, ids that are not numbers, declining a confirmation, a bare `netkeep`, and an export with
custom tiers imported where they are not configured."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def network(cli):
    cli.ok("add", "Sam Lee", "--tag", "vc", "--tier", "close")
    cli.ok("add", "Ana Ruiz", "--tag", "recruiter")


# --- a filter that matches nothing says so ---------------------------------------------------


def test_list_with_an_unused_tag_names_the_tags_in_use(cli, network):
    result = cli.ok("list", "--tag", "recruiters")
    assert result.stdout == ""
    assert result.stderr == "No contacts tagged 'recruiters' (tags in use: recruiter, vc).\n"


def test_list_and_stale_with_an_empty_tier_name_the_tiers_in_use(cli, network):
    message = "No contacts in tier 'inner' (tiers in use: close, network).\n"
    assert cli.ok("list", "--tier", "inner").stderr == message
    assert cli.ok("stale", "--tier", "inner").stderr == message
    assert cli.ok("list", "--tier", "close", "--tag", "recruiter").stderr == (
        "No contacts tagged 'recruiter' in tier 'close'.\n"
    )


def test_stale_with_an_unused_tag_says_so_and_with_a_used_one_says_nobody_is_overdue(cli, network):
    assert cli.ok("stale", "--tag", "recruiters").stderr.startswith(
        "No contacts tagged 'recruiters'"
    )
    assert cli.ok("stale", "--tag", "vc").stderr == "Nobody tagged 'vc' is overdue.\n"


def test_score_with_an_empty_band_names_the_bands_there_are(cli, network):
    result = cli.ok("score", "--band", "fair-weather")
    assert result.stderr == "No contacts in band 'fair-weather' (bands now: new 2).\n"


def test_no_contacts_yet_only_when_there_are_none(cli):
    assert cli.ok("list").stderr == "No contacts yet.\n"
    assert cli.ok("list", "--tag", "x").stderr == "No contacts tagged 'x' (tags in use: none).\n"


# --- choices ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "channel"),
    [
        ("Email", "email"),
        ("CALL", "call"),
        ("phone", "call"),
        ("mail", "email"),
        ("e-mail", "email"),
        ("SMS", "text"),
        ("meet", "meeting"),
        ("video", "meeting"),
        ("Zoom", "meeting"),
        ("linkedin", "social"),
    ],
)
def test_via_takes_any_case_and_common_synonyms(cli, network, typed, channel):
    assert cli.json("log", "sam", "--via", typed)["channel"] == channel


def test_other_choices_take_any_case(cli, network):
    assert cli.ok("list", "--format", "JSON").stdout.startswith("[")
    assert json.loads(cli.ok("list", "--tier", "Close", "--format", "Json").stdout)[0]["id"] == 1
    assert cli.ok("score", "--band", "Fair-Weather", "--format", "CSV").stdout.startswith("id,")
    assert cli.ok("asks", "--by", "Me").exit_code == 0
    assert json.loads(cli.ok("digest", "--format", "JSON").stdout)["reach_out"] == []
    assert cli.ok("add", "Bo", "--tier", "INNER", "--format", "JSON").stdout


def test_an_unknown_channel_names_the_canonical_ones(cli, network):
    result = cli("log", "sam", "--via", "pigeon")
    assert result.exit_code == 2
    assert "call, email, text, meeting, social, letter, other" in result.stderr


# --- ids that are not numbers ---------------------------------------------------------------


@pytest.mark.parametrize("bad", ["¹", "٣", "1e3", "１", "99999999999999999999", "3.0"])
def test_resolve_refuses_what_is_not_an_id_as_bad_input(cli, network, bad):
    result = cli("resolve", bad)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"Error: invalid ask id {bad!r}")
    assert "unexpected" not in result.stderr


@pytest.mark.parametrize("bad", ["¹", "٣", "#¹", "1e3", "-1", "99999999999999999999"])
def test_contact_references_that_look_like_ids_but_are_not(cli, network, bad):
    result = cli("show", "--", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no contact ")
    assert "unexpected" not in result.stderr


def test_contact_id_digits_are_ascii(cli, network):
    # `٢` is not #2: it is no name either.
    assert cli("show", "٢").exit_code == 2
    assert cli.json("show", "2")["name"] == "Ana Ruiz"


# --- declining, and a bare netkeep ------------------------------------------------------------


def test_rm_answered_no_is_not_an_error(cli, network, monkeypatch, database):
    import netkeep.cli.contacts

    monkeypatch.setattr(netkeep.cli.contacts, "interactive", lambda: True)
    before = database.snapshot()
    result = cli("rm", "sam", input="n\n")
    assert result.exit_code == 0
    assert result.stderr.endswith("Nothing removed.\n")
    assert "Error" not in result.stderr
    assert database.snapshot() == before
    assert cli("rm", "sam", input="y\n").exit_code == 0
    assert [row["name"] for row in cli.json("list")] == ["Ana Ruiz"]


def test_bare_netkeep_prints_the_help(run):
    result = run()
    assert result.returncode == 0
    assert result.stdout.startswith("Usage: netkeep")
    assert "Record" in result.stdout and "log" in result.stdout
    assert result.stderr == ""


# --- custom tiers in an export ----------------------------------------------------------------


def test_an_export_with_custom_tiers_imports_where_they_are_not_configured(
    cli, tmp_path, config_file, monkeypatch
):
    config_file.write_text('[cadence]\nrecruiter = "6w"\n')
    cli.ok("add", "Rita Hunt", "--tier", "recruiter")
    cli.ok("add", "Sam Lee")
    export = tmp_path / "netkeep.json"
    cli.ok("export", "--output", str(export))
    config_file.unlink()
    monkeypatch.setenv("NETKEEP_DB", str(tmp_path / "other" / "netkeep.db"))
    result = cli("import", str(export))
    assert result.exit_code == 0, result.stderr
    assert "Warning: tier 'recruiter' (1 contact) is not in your config" in result.stderr
    assert "default cadence (network, 3m)" in result.stderr
    rows = {row["name"]: row for row in cli.json("list")}
    assert rows["Rita Hunt"]["tier"] == "recruiter"
    assert cli.json("show", "rita")["tier"] == "recruiter"
    assert [row["name"] for row in cli.json("list", "--tier", "Recruiter")] == ["Rita Hunt"]
    assert cli("list", "--tier", "recruter").exit_code == 2  # a typo is still refused
    # Until it is configured, staleness uses the default tier's cadence.
    assert cli.json("stale") == []
    config_file.write_text('[cadence]\nrecruiter = "6w"\n')
    assert cli.ok("import", str(export)).stderr.count("Warning") == 0


def test_a_csv_with_an_unknown_tier_is_still_refused(cli, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("name,tier\nSam,gold\n")
    result = cli("import", str(csv_file))
    assert result.exit_code == 2
    assert "unknown tier 'gold'" in result.stderr


def test_via_completion_offers_only_the_canonical_channels(run):
    result = run(
        env={
            "_NETKEEP_COMPLETE": "complete_bash",
            "COMP_WORDS": "netkeep log sam --via ",
            "COMP_CWORD": "4",
        }
    )
    assert result.stdout.split() == [
        "call",
        "email",
        "text",
        "meeting",
        "social",
        "letter",
        "other",
    ]

"""What a script and a new user meet first: no-op commands leave nothing to undo, listings on a
missing database say so, and names read from mail are the names people have."""

from __future__ import annotations

import json

import pytest

ME = ("--me-email", "alex@me.example")


def mbox(tmp_path, *messages: tuple[str, str, str, str], name: str = "mail.mbox") -> str:
    """An mbox of (from, to, date, message-id) messages."""
    parts = []
    for sender, to, date, message_id in messages:
        parts.append(
            f"From x Mon Jan  5 10:00:00 2026\nFrom: {sender}\nTo: {to}\nDate: {date}\n"
            f"Message-ID: <{message_id}>\nSubject: hello\n\nBody\n\n"
        )
    path = tmp_path / name
    path.write_text("".join(parts))
    return str(path)


# --- undo and no-ops -------------------------------------------------------------------------


def test_a_reimport_that_adds_nothing_leaves_no_undo_entry_and_burns_no_id(cli, tmp_path):
    path = mbox(
        tmp_path,
        ("Sam Lee <sam@x.example>", "alex@me.example", "Mon, 05 Jan 2026 10:00:00 +0000", "a1@x"),
    )
    cli.ok("import", path, *ME, "--create")
    again = cli.ok("import", path, *ME, "--create")
    assert "0 added, 1 already there" in again.stderr
    # The undo list's latest entry is still the first import: undo takes it back whole.
    undone = cli.ok("undo")
    assert "1 touchpoints captured" in undone.stdout + undone.stderr
    assert cli.json("list") == []
    # No id was consumed by the re-import: the next touchpoint follows the first one's id.
    cli.ok("import", path, *ME, "--create")
    logged = cli.json("log", "sam", "--via", "email")
    first = cli.json("show", "sam")["touchpoints"][-1]["id"]
    assert logged["id"] == first + 1


# --- a missing database ----------------------------------------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize("command", ["stale", "owe", "asks", "score"])
def test_listings_on_a_missing_database_say_so(cli, tmp_path, command):
    missing = tmp_path / "typo" / "netkeep.db"
    result = cli(command, "--format", "json", env={"NETKEEP_DB": str(missing)})
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(missing) in lines[0] and "no database" in lines[0]
    assert not missing.exists() and not missing.parent.exists()


@pytest.mark.sqlite_only
def test_stale_exit_code_on_a_missing_database_still_warns(cli, tmp_path):
    missing = tmp_path / "nowhere.db"
    result = cli("stale", "--exit-code", env={"NETKEEP_DB": str(missing)})
    assert result.exit_code == 0
    assert f"no database at {missing}" in result.stderr


# --- names -------------------------------------------------------------------------------------


def test_last_first_mail_names_match_the_contact_you_have(cli, tmp_path):
    cli.ok("add", "Marcus O'Brien")
    path = mbox(
        tmp_path,
        (
            '"O\'Brien, Marcus" <marcus@x.example>',
            "alex@me.example",
            "Mon, 05 Jan 2026 10:00:00 +0000",
            "m1@x",
        ),
    )
    cli.ok("import", path, *ME, "--create")
    assert [row["name"] for row in cli.json("list")] == ["Marcus O'Brien"]
    assert cli.json("show", "marcus")["emails"] == ["marcus@x.example"]


def test_a_suffix_after_a_comma_is_not_a_first_name(cli, tmp_path):
    path = mbox(
        tmp_path,
        (
            '"Lee, Jr." <lee@x.example>',
            "alex@me.example",
            "Mon, 05 Jan 2026 10:00:00 +0000",
            "j1@x",
        ),
    )
    cli.ok("import", path, *ME, "--create")
    assert [row["name"] for row in cli.json("list")] == ["Lee, Jr."]


def test_a_contact_named_by_its_address_takes_a_later_display_name(cli, tmp_path):
    path = mbox(
        tmp_path,
        ("priya@x.example", "alex@me.example", "Mon, 05 Jan 2026 10:00:00 +0000", "p1@x"),
        (
            "Priya Raman <priya@x.example>",
            "alex@me.example",
            "Tue, 06 Jan 2026 10:00:00 +0000",
            "p2@x",
        ),
    )
    cli.ok("import", path, *ME, "--create")
    assert [row["name"] for row in cli.json("list")] == ["Priya Raman"]
    # A name you gave is never replaced.
    cli.ok("edit", "priya", "--name", "Priya R.")
    later = mbox(
        tmp_path,
        (
            "Priya Raman-Iyer <priya@x.example>",
            "alex@me.example",
            "Wed, 07 Jan 2026 10:00:00 +0000",
            "p3@x",
        ),
        name="later.mbox",
    )
    cli.ok("import", later, *ME)
    assert [row["name"] for row in cli.json("list")] == ["Priya R."]


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("Björn Ødegård", "bjorn odegard"),
        ("Łukasz Wróbel", "lukasz"),
        ("Anna Straße", "strasse"),
        ("Ægir Dæhlie", "aegir daehlie"),
        ("Đorđe Nikolić", "dorde"),
    ],
)
def test_names_match_without_letters_that_carry_their_mark(cli, name, typed):
    cli.ok("add", name)
    cli.ok("add", "Someone Else")
    assert cli.json("show", typed)["name"] == name


def test_a_single_saved_message_imports_as_mail(cli, tmp_path):
    eml = tmp_path / "offer.eml"
    eml.write_text(
        "Received: from mx.example\nFrom: Sam Lee <sam@x.example>\nTo: alex@me.example\n"
        "Date: Mon, 05 Jan 2026 10:00:00 +0000\nMessage-ID: <e1@x>\nSubject: an offer\n\nHi\n"
    )
    cli.ok("import", str(eml), *ME, "--create")
    [touch] = cli.json("show", "sam")["touchpoints"]
    assert (touch["channel"], touch["direction"], touch["note"]) == ("email", "in", "an offer")
    # The same message in an mbox later is already there.
    path = mbox(
        tmp_path,
        ("Sam Lee <sam@x.example>", "alex@me.example", "Mon, 05 Jan 2026 10:00:00 +0000", "e1@x"),
    )
    assert "0 added, 1 already there" in cli.ok("import", path, *ME).stderr


def test_an_unknown_format_lists_every_format(cli, tmp_path):
    odd = tmp_path / "notes.txt"
    odd.write_text("just some words\nand more words\n")
    result = cli("import", str(odd))
    assert result.exit_code == 2
    for fmt in (
        "json",
        "vcf",
        "csv",
        "linkedin",
        "mbox",
        "maildir",
        "ics",
        "android",
        "whatsapp",
        "telegram",
    ):
        assert fmt in result.stderr

"""`netkeep forget`: a person erased for good, with every copy netkeep keeps of them.

The contact, their touchpoints, asks and gives, the undo journal's copies (in every member's
entries on a server) and the names cache go in one transaction that `undo` cannot reverse. In a
SQLite file no byte of the name is left (free pages and the write-ahead log included).
"""

from __future__ import annotations

import pytest
from test_team import Member, one_line_error

import netkeep.cli.contacts

NAME = "Zora Quillfeather"
TRACE = b"quillfeather"


def history(cli) -> None:
    """Zora with a touchpoint, an ask, a give and edits (old versions of her rows in the
    journal and in free space), beside a contact who stays."""
    cli.ok("add", NAME, "--email", "zora@quill.example", "--note", "met at Quillfeather Labs")
    cli.ok("log", "zora", "--note", "Quillfeather call", "--ask", "an intro")
    cli.ok("log", "zora", "--in", "--give", "a Quillfeather referral")
    cli.ok("edit", "zora", "--company", "Quill Co", "--note", "Quillfeather again")
    cli.ok("edit", "zora", "--note", "third")
    cli.ok("add", "Kim Doe")
    cli.ok("log", "kim", "--note", "kept")
    cli.ok("add", "Temp Quillfeather")  # journaled, then undone: its rows are freed
    cli.ok("undo")


def no_trace_in_tables(database) -> None:
    for table in ("contact", "touchpoint", "ask", "give", "undo_step", "undo_command"):
        for row in database.rows(table):
            assert "quillfeather" not in repr(row).lower(), (table, row)


def test_forget_erases_the_person_and_the_journals_copies(cli, database):
    history(cli)
    result = cli.ok("forget", "zora", "--yes")
    assert "Forgot #1 Zora Quillfeather with 2 touchpoints, 1 ask and 1 give" in result.stderr
    assert "cannot be undone" in result.stderr
    assert "netkeep export" in result.stderr  # what it cannot reach
    no_trace_in_tables(database)
    assert [row.name for row in database.execute("SELECT name FROM contact")] == ["Kim Doe"]
    assert database.count("touchpoint") == 1
    # undo goes on with the other commands and never brings Zora back.
    while cli("undo").exit_code == 0:
        no_trace_in_tables(database)
    assert database.count("contact") == 0


def test_forget_says_it_cannot_be_undone_before_asking(cli, database, monkeypatch):
    cli.ok("add", NAME)
    before = database.snapshot()
    assert "needs --yes" in one_line_error(cli("forget", "zora"), 2)
    monkeypatch.setattr(netkeep.cli.contacts, "interactive", lambda: True)
    result = cli("forget", "zora", input="n\n")
    assert result.exit_code == 0 and "Nothing erased." in result.stderr
    assert "cannot be undone" in result.stderr and "Forget #1 Zora Quillfeather?" in result.stdout
    assert database.snapshot() == before
    cli.ok("forget", "zora", input="y\n")
    assert database.count("contact") == 0


@pytest.mark.sqlite_only
def test_forget_leaves_no_byte_of_the_name_in_the_file(cli, db_path):
    history(cli)
    upgrade_copy = db_path.with_name(f"{db_path.name}.m008_x.20260101T000000Z.bak")
    upgrade_copy.write_bytes(b"")
    assert any(TRACE in path.read_bytes().lower() for path in db_path.parent.glob("netkeep.db*"))
    result = cli.ok("forget", "zora", "--yes")
    assert str(upgrade_copy) in result.stderr  # netkeep's own copies it cannot reach
    files = [path for path in db_path.parent.glob("netkeep.db*") if path != upgrade_copy]
    assert files
    for path in files:
        assert TRACE not in path.read_bytes().lower(), path
    assert b"kept" in db_path.read_bytes()


@pytest.mark.postgresql_only
def test_a_member_forgets_a_person_the_team_logged_with(cli, members, database, tmp_path):
    sam = Member(cli, members.url_of("sam"))
    ana = Member(cli, members.url_of("ana"))
    history(sam)
    ana.ok("log", "zora", "--note", "Ana's Quillfeather chat")
    ana.ok("edit", "zora", "--tag", "quillfeather")
    result = ana.ok("forget", "zora", "--yes")
    assert "3 touchpoints" in result.stderr and "pg_dump" in result.stderr
    no_trace_in_tables(database)
    # The names caches kept for shell completion lose her too: the forgetting member's at once,
    # a colleague's at their next command.
    sam.ok("list")
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert TRACE not in path.read_bytes().lower(), path
    while sam("undo").exit_code == 0:
        no_trace_in_tables(database)

"""A team server no member can subvert, and a journal that holds data, never code.

On PostgreSQL the `members` fixture sets the server up as docs/team.md says: the database and
netkeep's tables belong to `netkeep_owner`, and Sam and Ana (no superusers) get what
`netkeep team grant` gives. Ana then attacks through her own connection, as she could in `psql`.
The journal's checks (unknown tables and columns refused, values bound as data) run on both
engines.
"""

from __future__ import annotations

import json

import psycopg
import pytest
import sqlalchemy
from test_team import Member, one_line_error

team = pytest.mark.postgresql_only
CANARY = "x'); CREATE TABLE pwned AS SELECT current_user; --"


@pytest.fixture
def sam(cli, members) -> Member:
    return Member(cli, members.url_of("sam"))


@pytest.fixture
def ana(cli, members) -> Member:
    return Member(cli, members.url_of("ana"))


def refused(members, who: str, statement: str, **params) -> str:
    """The SQLSTATE with which the server refuses `statement` run as member `who`."""
    engine = members.engine_of(who)
    try:
        with pytest.raises(sqlalchemy.exc.DBAPIError) as caught, engine.begin() as connection:
            connection.execute(sqlalchemy.text(statement), params)
    finally:
        engine.dispose()
    assert isinstance(caught.value.orig, psycopg.Error)
    return str(caught.value.orig.sqlstate)


def affected(members, who: str, statement: str, **params) -> int:
    """How many rows `statement`, run as member `who`, changed."""
    engine = members.engine_of(who)
    try:
        with engine.begin() as connection:
            return int(connection.execute(sqlalchemy.text(statement), params).rowcount)
    finally:
        engine.dispose()


def untouched(database) -> None:
    """Nothing Ana slipped in ran: no table of hers, and the logged_by triggers are on."""
    assert database.execute("SELECT to_regclass('pwned') IS NULL")[0][0]
    states = database.execute(
        "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname LIKE 'netkeep_logged_by%' "
        "OR tgname LIKE 'netkeep_own_touchpoint%'"
    )
    assert len(states) == 4 and {state for _, state in states} == {"O"}


# --- privileges: members are not owners -----------------------------------------------------


@team
def test_members_own_nothing_and_cannot_alter_the_schema_or_its_record(sam, ana, members, database):
    sam.ok("add", "Lee Park")
    owners = database.execute(
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
        "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S', 'i')"
    )
    assert [row[0] for row in owners] == ["netkeep_owner"]
    before = database.dump()
    for member in ("sam", "ana"):
        for statement in (
            "INSERT INTO netkeep_migrations (name, applied_at) VALUES ('m999_newer', 'now')",
            "UPDATE netkeep_migrations SET name = 'm999_newer'",
            "DELETE FROM netkeep_migrations",
            "ALTER TABLE touchpoint DISABLE TRIGGER netkeep_logged_by_change",
            "ALTER TABLE touchpoint DISABLE TRIGGER ALL",
            "ALTER TABLE undo_step DISABLE ROW LEVEL SECURITY",
            "DROP POLICY netkeep_own_insert ON undo_step",
            "CREATE TABLE pwned (x TEXT)",
            "CREATE FUNCTION pwned() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'",
            "CREATE OR REPLACE FUNCTION netkeep_journal() RETURNS trigger LANGUAGE plpgsql "
            "AS 'BEGIN RETURN NULL; END'",
        ):
            assert refused(members, member, statement) == "42501", (member, statement)
    assert database.dump() == before
    assert "Lee Park" in ana.ok("list").stdout  # every command still works for everyone
    untouched(database)


@team
def test_team_grant_runs_as_the_owner_on_a_server_only(cli, sam, members):
    url = members.url_of("netkeep_owner")
    # Neither a member nor even a superuser: the tables' owner, whose grants they are.
    assert "not as postgres" in one_line_error(cli("team", "grant", "sam"))
    message = one_line_error(sam("team", "grant", "ana"))
    assert "runs as the role that owns netkeep's tables (netkeep_owner)" in message
    assert "no role 'nobody'" in one_line_error(cli("--db-url", url, "team", "grant", "nobody"), 2)
    assert "owns netkeep's tables" in one_line_error(
        cli("--db-url", url, "team", "grant", "netkeep_owner"), 2
    )
    assert "Granted ana" in cli.ok("--db-url", url, "team", "grant", "ana").stderr


@pytest.mark.sqlite_only
def test_team_grant_needs_a_server(cli):
    assert "PostgreSQL server" in one_line_error(cli("team", "grant", "sam"), 2)


# --- the journal: a member writes only their own, and it is never executed ------------------


@team
def test_a_colleague_cannot_forge_or_change_your_journal(sam, ana, members, database):
    sam.ok("add", "Mia Chen")
    sam.ok("edit", "mia", "--company", "Acme")
    [(command,)] = database.execute(
        "SELECT id FROM undo_command WHERE member = 'sam' ORDER BY id DESC LIMIT 1"
    )
    journal = database.dump()
    forged = json.dumps({"id": 1, "logged_by": "sam", "note": CANARY})
    for statement, params in (
        (
            "INSERT INTO undo_step (command_id, action, table_name, row_id, old) "
            "VALUES (:c, 'insert', 'touchpoint', 99, CAST(:old AS jsonb))",
            {"c": command, "old": forged},
        ),
        (
            "INSERT INTO undo_command (summary, recorded_at, member) "
            "VALUES ('forged', now(), 'sam')",
            {},
        ),
    ):
        assert refused(members, "ana", statement, **params) == "42501"
    for statement in (  # another member's rows are out of her reach: nothing matches
        "UPDATE undo_step SET table_name = 'pg_authid', old = '{\"rolsuper\": true}'",
        "UPDATE undo_command SET marks = '{\"netkeep_migrations\": 0}', member = 'ana'",
        "DELETE FROM undo_step",
        "DELETE FROM undo_command",
    ):
        assert affected(members, "ana", statement) == 0, statement
    assert database.dump() == journal
    assert "Undid: edit #1 Mia Chen (company)" in sam.ok("undo").stderr
    assert database.execute("SELECT company FROM contact")[0][0] is None
    untouched(database)


@team
def test_text_a_colleague_writes_anywhere_is_never_run_by_your_commands(
    sam, ana, members, database
):
    sam.ok("add", "Mia Chen")
    sam.ok("log", "mia", "--via", "email", "--note", "first")
    ana.ok("add", CANARY, "--note", CANARY)
    ana.ok("log", "mia", "--note", CANARY, "--ask", CANARY)
    ana.ok("edit", "mia", "--note", CANARY)
    # Her own journal entries and steps are hers to write: she fills them with SQL.
    affected(
        members,
        "ana",
        "UPDATE undo_step SET old = jsonb_set(old, '{note}', to_jsonb(CAST(:t AS text)))",
        t=CANARY,
    )
    affected(members, "ana", "UPDATE undo_command SET summary = :t", t=CANARY)
    for command in (
        ["show", "mia"],
        ["score"],
        ["digest"],
        ["stale"],
        ["log", "mia", "--in"],
        ["undo"],
        ["undo"],
    ):
        sam.ok(*command)
    untouched(database)
    assert database.execute("SELECT count(*) FROM contact WHERE name = :n", n=CANARY)[0][0] == 1


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("table_name", 'contact" SET name = 1; DROP TABLE touchpoint; --'),
        ("table_name", "netkeep_migrations"),
        ("table_name", "sqlite_master"),
        ("old", {"name": "Mia", "name\" = 'x'; DROP TABLE touchpoint; --": 1}),
        ("old", {"nope": 1}),
    ],
)
def test_a_step_naming_an_unknown_table_or_column_is_refused_and_can_be_skipped(
    cli, database, column, value
):
    cli.ok("add", "Mia Chen")
    cli.ok("edit", "mia", "--company", "Acme")
    if column == "old":
        database.execute("UPDATE undo_step SET old = :v", v=json.dumps(value))
    else:
        database.execute("UPDATE undo_step SET table_name = :v", v=value)
    before = database.snapshot()
    message = one_line_error(cli("undo"))
    assert message.startswith(
        "Error: cannot undo edit #1 Mia Chen (company): its journal entry names"
    )
    assert "undo --skip" in message
    assert database.snapshot() == before
    assert "Skipped: edit #1 Mia Chen (company)" in cli.ok("undo", "--skip").stderr
    assert database.execute("SELECT company FROM contact")[0][0] == "Acme"  # kept as it is
    assert "Undid: add" in cli.ok("undo").stderr
    assert database.count("contact") == 0 and database.count("touchpoint") == 0


def test_values_that_look_like_sql_come_back_as_written(cli, database):
    cli.ok("add", CANARY, "--note", "it's 100% :bind")
    cli.ok("edit", "#1", "--name", "Plain", "--note", "plain")
    cli.ok("undo")
    assert [tuple(row) for row in database.execute("SELECT name, note FROM contact")] == [
        (CANARY, "it's 100% :bind")
    ]
    assert database.count("touchpoint") == 0  # the table is still there


# --- undo never gets stuck --------------------------------------------------------------------


def test_undo_lists_and_skips_your_commands(cli):
    assert "Nothing to undo" in cli.ok("undo", "--list").stderr
    cli.ok("add", "Mia Chen")
    cli.ok("log", "mia", "--note", "hello")
    listed = cli.ok("undo", "--list").stdout.splitlines()
    assert len(listed) == 2 and listed[0].split("\t")[2].startswith("log")
    assert listed[1].split("\t")[2] == "add #1 Mia Chen"
    assert "Skipped: log" in cli.ok("undo", "--skip").stderr
    assert cli.ok("undo", "--list").stdout.splitlines() == listed[1:]
    assert "Undid: add #1 Mia Chen" in cli.ok("undo").stderr
    assert "not both" in one_line_error(cli("undo", "--list", "--skip"), 2)
    assert "nothing to undo" in one_line_error(cli("undo", "--skip"))


@team
def test_undo_refused_by_a_colleagues_change_says_the_way_past_it(sam, ana, database):
    sam.ok("add", "Mia Chen")
    ana.ok("log", "mia")
    message = one_line_error(sam("undo"))
    assert "touchpoint that ana logged" in message and "undo --skip" in message
    assert sam.ok("undo", "--list").stdout.count("\n") == 1
    assert "Skipped: add #1 Mia Chen" in sam.ok("undo", "--skip").stderr
    assert "nothing to undo" in one_line_error(sam("undo"))
    assert database.count("contact") == 1 and database.count("touchpoint") == 1


# --- who may change whose touchpoints -------------------------------------------------------


@team
def test_members_change_and_delete_only_the_touchpoints_they_logged(sam, ana, members, database):
    sam.ok("add", "Mia Chen")
    sam.ok("log", "mia", "--note", "sam's")
    before = database.dump()
    for statement in (
        "UPDATE touchpoint SET note = 'ana was here'",
        "UPDATE touchpoint SET logged_by = 'ana'",
        "DELETE FROM touchpoint",
        "DELETE FROM contact",  # the cascade would delete Sam's touchpoint
    ):
        assert refused(members, "ana", statement) == "42501", statement
    assert database.dump() == before
    for command in (
        ["touchpoint", "edit", "1", "--note", "ana was here"],
        ["touchpoint", "rm", "1", "--yes"],
        ["rm", "mia", "--yes"],
    ):
        message = one_line_error(ana(*command))
        assert "may not change or delete a touchpoint that sam logged" in message
    assert database.dump() == before

    # Contacts and asks are shared; her own touchpoints are hers, and she can undo all of it.
    ana.ok("edit", "mia", "--company", "Acme")
    ana.ok("log", "mia", "--in", "--ask", "an intro")
    assert affected(members, "ana", "UPDATE touchpoint SET note = 'mine' WHERE id = 2") == 1
    ana.ok("touchpoint", "rm", "2", "--yes")
    ana.ok("undo")
    assert database.execute("SELECT note FROM touchpoint WHERE id = 2")[0][0] == "mine"
    ana.ok("undo")
    ana.ok("undo")
    sam.ok("add", "Kim Doe")
    ana.ok("log", "kim")
    ana.ok("rm", "kim", "--yes")  # only her touchpoints: hers to delete, and to put back
    assert "Undid: rm" in ana.ok("undo").stderr
    assert database.count("touchpoint") == 2


@team
def test_an_upgrade_by_the_owner_grants_new_tables_to_the_members(
    cli, sam, ana, members, database, monkeypatch
):
    from test_migrations import with_extra_step

    sam.ok("add", "Lee Park")
    with_extra_step(monkeypatch, "m999_extra", "CREATE TABLE extra (id BIGINT PRIMARY KEY);")
    message = one_line_error(ana("list"))  # a member cannot upgrade: nothing changes
    assert "lacks a privilege" in message
    cli.ok("--db-url", members.url_of("netkeep_owner"), "list")  # the owner's command upgrades
    assert affected(members, "ana", "INSERT INTO extra (id) VALUES (1)") == 1
    assert "Lee Park" in ana.ok("list").stdout
    assert refused(members, "sam", "INSERT INTO netkeep_migrations VALUES ('x', 'y')") == "42501"

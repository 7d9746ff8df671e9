"""Team members: who logged each touchpoint, `--mine`, `score --member`, and `undo` of one's own.

On PostgreSQL two members, Sam and Ana, each run netkeep with their own role (the `members`
fixture gives them the privileges docs/team.md grants). On SQLite everything is `me`'s.
"""

from __future__ import annotations

import json

import psycopg
import pytest
import sqlalchemy

team = pytest.mark.postgresql_only


class Member:
    """netkeep run as one member (`--db-url` with the member's role)."""

    def __init__(self, cli, url: str) -> None:
        self.cli, self.url = cli, url

    def __call__(self, *args: str):
        return self.cli("--db-url", self.url, *args)

    def ok(self, *args: str):
        return self.cli.ok("--db-url", self.url, *args)

    def json(self, *args: str):
        return self.cli.json("--db-url", self.url, *args)


@pytest.fixture
def sam(cli, members) -> Member:
    return Member(cli, members.url_of("sam"))


@pytest.fixture
def ana(cli, members) -> Member:
    return Member(cli, members.url_of("ana"))


def names(rows) -> list[str]:
    return sorted(row["name"] for row in rows)


def one_line_error(result, code: int = 1) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --- a file has one member ------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_in_a_file_everything_is_logged_by_me_and_mine_changes_nothing(cli):
    cli.ok("add", "Lee Park")
    cli.ok("add", "Kim Doe")
    cli.ok("add", "Never Met")  # no touchpoint at all
    cli.ok("log", "lee", "--when", "40 days ago")
    cli.ok("log", "kim", "--in", "--via", "email", "--ask", "an intro", "--when", "3 days ago")
    shown = cli.json("show", "lee")
    assert [t["logged_by"] for t in shown["touchpoints"]] == ["me"]
    assert "Logged by" not in cli.ok("show", "lee").stdout  # one member: no column
    for command in (["stale", "--days", "30"], ["owe"], ["asks"]):
        everything = cli.json(*command)
        assert everything and cli.json(*command, "--mine") == everything
    assert cli.json("digest", "--mine") == cli.json("digest")
    assert "Never Met" in names(cli.json("stale", "--days", "0", "--mine"))
    # score --member: the contacts that member logged with (not Never Met), scored as ever.
    logged_with = [row for row in cli.json("score") if row["name"] != "Never Met"]
    assert cli.json("score", "--member", "me") == logged_with
    result = cli("score", "--member", "ana")
    assert "members: me" in one_line_error(result, 2)


# --- several members on one server ----------------------------------------------------------


@team
def test_two_members_log_one_contact_and_show_names_who_logged_each(sam, ana, database):
    sam.ok("add", "Lee Park", "--email", "lee@example.com")
    sam.ok("log", "lee", "--no-answer", "--via", "email", "--when", "3 days ago")
    ana.ok("log", "lee", "--in", "--via", "call", "--when", "yesterday")

    for member in (sam, ana):  # both see the one history, each touchpoint with who logged it
        shown = member.json("show", "lee")
        assert [t["logged_by"] for t in shown["touchpoints"]] == ["ana", "sam"]  # newest first
        table = member.ok("show", "lee").stdout
        assert "Logged by" in table and "ana" in table and "sam" in table
    exported = json.loads(sam.ok("export").stdout)
    assert [t["logged_by"] for t in exported["touchpoints"]] == ["sam", "ana"]
    rows = database.execute("SELECT logged_by FROM touchpoint ORDER BY id")
    assert [row.logged_by for row in rows] == ["sam", "ana"]


@pytest.fixture
def network(sam, ana):
    """Lee: Sam 40 days ago, Ana 2 days ago. Kim: Sam 40 days ago, then Ana logged Kim's email
    with an ask. Max: Ana asked 40 days ago; Sam logged Max's late email. Bo: Sam only."""
    for name in ("Lee Park", "Kim Doe", "Max Roe", "Bo Ray"):
        sam.ok("add", name)
    sam.ok("log", "lee", "--when", "40 days ago")
    ana.ok("log", "lee", "--when", "2 days ago")
    sam.ok("log", "kim", "--when", "40 days ago")
    ana.ok("log", "kim", "--in", "--via", "email", "--when", "35 days ago", "--ask", "an intro")
    ana.ok("log", "max", "--when", "40 days ago", "--ask", "a reference")
    sam.ok("log", "max", "--in", "--via", "email", "--when", "20 days ago")
    sam.ok("log", "bo", "--when", "40 days ago")


@team
def test_stale_is_team_wide_and_mine_narrows_it(sam, ana, network):
    # Lee is stale for nobody: Ana touched Lee 2 days ago, whoever logged before.
    assert names(sam.json("stale", "--days", "15")) == ["Bo Ray", "Kim Doe", "Max Roe"]
    assert names(ana.json("stale", "--days", "15")) == ["Bo Ray", "Kim Doe", "Max Roe"]
    # --mine: the stale contacts you have logged at least one touchpoint with.
    assert names(sam.json("stale", "--days", "15", "--mine")) == ["Bo Ray", "Kim Doe", "Max Roe"]
    assert names(ana.json("stale", "--days", "15", "--mine")) == ["Kim Doe", "Max Roe"]
    assert names(ana.json("stale", "--days", "1", "--mine")) == ["Kim Doe", "Lee Park", "Max Roe"]


@team
def test_mine_narrows_owe_asks_and_digest_to_what_you_logged(sam, ana, network):
    everyone = sorted((row["name"], row["ask"]) for row in sam.json("owe"))
    assert everyone == [("Kim Doe", "an intro"), ("Max Roe", None)]
    assert [row["name"] for row in sam.json("owe", "--mine")] == ["Max Roe"]
    assert [(row["name"], row["ask"]) for row in ana.json("owe", "--mine")] == [
        ("Kim Doe", "an intro")
    ]
    assert sorted(row["what"] for row in sam.json("asks")) == ["a reference", "an intro"]
    assert sam.json("asks", "--mine") == []
    assert sorted(row["what"] for row in ana.json("asks", "--mine")) == ["a reference", "an intro"]

    digest = ana.json("digest", "--mine")
    assert [row["name"] for row in digest["you_owe"]] == ["Kim Doe"]
    assert [row["what"] for row in digest["waiting_on"]] == ["a reference"]
    assert [row["name"] for row in sam.json("digest", "--mine")["waiting_on"]] == []
    assert [row["name"] for row in sam.json("digest")["waiting_on"]] == ["Max Roe"]


@team
def test_score_member_scores_one_members_history(sam, ana, network):
    team_rows = {row["name"]: row for row in sam.json("score")}
    assert team_rows["Lee Park"]["touchpoints"] == 2
    anas = {row["name"]: row for row in sam.json("score", "--member", "ana")}
    assert {name: row["touchpoints"] for name, row in anas.items()} == {
        "Lee Park": 1,
        "Kim Doe": 1,
        "Max Roe": 1,
    }
    assert anas["Max Roe"]["my_asks"] == 1 and anas["Kim Doe"]["their_asks"] == 1
    sams = {row["name"]: row for row in ana.json("score", "--member", "sam")}
    assert {name: row["touchpoints"] for name, row in sams.items()} == {
        "Lee Park": 1,
        "Kim Doe": 1,
        "Max Roe": 1,
        "Bo Ray": 1,
    }
    assert sams["Max Roe"]["my_asks"] == 0 and sams["Kim Doe"]["their_asks"] == 0
    message = one_line_error(sam("score", "--member", "bo"), 2)
    assert "'bo'" in message and "members: ana, sam" in message


@team
def test_undo_removes_only_your_own_last_touchpoint(sam, ana, database):
    sam.ok("add", "Lee Park")
    sam.ok("log", "lee", "--note", "sam's call", "--ask", "an intro")
    ana.ok("log", "lee", "--in", "--note", "ana's call")
    # Sam's last command is older than Ana's: undo reverses it, and only it (an id range, not
    # "every id above Sam's mark", which would take Ana's touchpoint too).
    assert "touchpoint #1," in sam.ok("undo").stderr
    rows = database.execute("SELECT note, logged_by FROM touchpoint ORDER BY id")
    assert [(row.note, row.logged_by) for row in rows] == [("ana's call", "ana")]
    assert database.count("ask") == 0
    # Next, Sam's add; Ana's touchpoint is on that contact, so undo refuses and changes nothing.
    before = database.snapshot()
    message = one_line_error(sam("undo"))
    assert "ana" in message and "add" in message
    assert database.snapshot() == before
    assert "(touchpoint #2)" in ana.ok("undo").stderr  # Ana's own, untouched by Sam's undo
    assert database.count("touchpoint") == 0
    assert "Lee Park" in sam.ok("undo").stderr  # nothing of Ana's depends on it now
    assert database.count("contact") == 0


@team
def test_undo_refuses_when_a_colleague_changed_the_same_rows(sam, ana, database):
    sam.ok("add", "Lee Park")
    sam.ok("log", "lee", "--in", "--ask", "a job lead")
    ana.ok("resolve", "1", "--declined")
    before = database.snapshot()
    message = one_line_error(sam("undo"))
    assert message.startswith("Error: cannot undo log") and "ana" in message
    assert database.snapshot() == before
    ana.ok("undo")
    sam.ok("undo")
    assert database.count("touchpoint") == 0


@team
def test_a_member_cannot_log_as_another(sam, ana, members, database, tmp_path):
    sam.ok("add", "Lee Park")
    sam.ok("log", "lee")
    before = database.dump()
    engine = members.engine_of("sam")
    try:
        for statement in (
            "INSERT INTO touchpoint (contact_id, occurred_at, channel, direction, two_way, "
            "logged_by) VALUES (1, now(), 'call', 'out', true, 'ana')",
            "UPDATE touchpoint SET logged_by = 'ana'",
        ):
            with pytest.raises(sqlalchemy.exc.DBAPIError) as caught, engine.begin() as connection:
                connection.exec_driver_sql(statement)
            assert isinstance(caught.value.orig, psycopg.Error)
            assert caught.value.orig.sqlstate == "42501"
            assert "may not record touchpoints as ana" in str(caught.value.orig)
    finally:
        engine.dispose()
    assert database.dump() == before

    # Through netkeep: an export naming Ana, imported by Sam, is refused with one line.
    document = json.loads(sam.ok("export").stdout)
    document["touchpoints"][0]["logged_by"] = "ana"
    document["touchpoints"][0]["note"] = "claimed"
    path = tmp_path / "claimed.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    database.execute("DELETE FROM touchpoint")
    before = database.dump()
    message = one_line_error(sam("import", str(path)))
    assert "may not record touchpoints as ana" in message
    assert database.dump() == before


@team
def test_an_owner_restoring_an_export_keeps_everyones_names(sam, ana, cli, members, tmp_path):
    sam.ok("add", "Lee Park")
    sam.ok("log", "lee", "--when", "3 days ago")
    ana.ok("log", "lee", "--in")
    path = tmp_path / "team.json"
    path.write_text(sam.ok("export").stdout, encoding="utf-8")
    restored = tmp_path / "restored.db"  # a file keeps the names it is given
    cli.ok("--db", str(restored), "import", str(path))
    shown = cli.json("--db", str(restored), "show", "lee")
    assert [t["logged_by"] for t in shown["touchpoints"]] == ["ana", "sam"]
    # A version 3 file has no logged_by: the importing member logged everything in it.
    document = json.loads(path.read_text(encoding="utf-8"))
    document["version"] = 3
    for touchpoint in document["touchpoints"]:
        del touchpoint["logged_by"]
    old = tmp_path / "v3.json"
    old.write_text(json.dumps(document), encoding="utf-8")
    other = tmp_path / "other.db"
    cli.ok("--db", str(other), "import", str(old))
    shown = cli.json("--db", str(other), "show", "lee")
    assert [t["logged_by"] for t in shown["touchpoints"]] == ["me", "me"]


@team
def test_a_member_cannot_rm_a_contact_a_colleague_logged_with(sam, ana, database):
    """Whatever a member may delete, they can undo: a contact with a colleague's touchpoints
    would come back only in the colleague's name, so its rm is refused."""
    sam.ok("add", "Lee Park")
    ana.ok("log", "lee", "--note", "ana's call")
    before = database.snapshot()
    message = one_line_error(sam("rm", "lee", "--yes"))
    assert "may not change or delete a touchpoint that ana logged" in message
    assert database.snapshot() == before

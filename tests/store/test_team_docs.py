"""docs/team.md works as written: its SQL and shell blocks run in order against the test server.

The operator's SQL runs in `psql` as the server's superuser, starting in the `postgres` database;
a shell block runs where its first line says: `# on the server, as a superuser` with the operator's
connection in PG* variables (`# on the operator's machine` likewise, with netkeep on PATH),
`# on Sam's machine` in bash reading `~/.profile` first (as a new
terminal does) in a home of Sam's own, with netkeep on PATH and no NETKEEP_* or PG* variable but
the frozen clock. The only changes
to the text: the example server's address becomes the test server's, and `sslmode=verify-full`
becomes `sslmode=disable` (the test server has no certificate). It ends with netkeep commands by
two members on the one database. Collected only with NETKEEP_TEST_POSTGRES_URL (tests/conftest.py):
it creates the database `netkeep` and the roles `netkeep_owner`, `sam`, `ana` and `bo` on that
throwaway server. Then Ana, in `psql`, tries what the section "Security" says she cannot.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
import sqlalchemy

from conftest import POSTGRES_URL, netkeep_executable, one_team_at_a_time

pytestmark = pytest.mark.postgresql_only

DOC = Path(__file__).resolve().parents[2] / "docs" / "team.md"
BLOCK = re.compile(r"^```(sql|sh)\n(.*?)^```$", re.M | re.S)
WHERE = re.compile(r"# on (the server, as a superuser|(?:the )?(\w+)'s machine)\n")
ROLES = ("sam", "ana", "bo", "netkeep_owner")


def blocks() -> list[tuple[str, str, str]]:
    """(who runs it, language, text) for every block: "operator" for SQL and the server's shell,
    else the member's name."""
    found = []
    for language, text in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        if language == "sql":
            found.append(("operator", language, text))
            continue
        where = WHERE.match(text)
        assert where, f"a shell block must say where it runs on its first line:\n{text}"
        found.append(("operator" if where[2] is None else where[2].lower(), language, text))
    return found


def test_the_doc_has_every_step():
    """The structure the runner relies on (this part runs even without a server's answer)."""
    who = [runner for runner, _, _ in blocks()]
    assert who.count("operator") >= 4 and {"sam", "ana"} <= set(who)
    text = DOC.read_text(encoding="utf-8")
    for needed in (
        "CREATE ROLE sam LOGIN PASSWORD",
        "GRANT CONNECT",
        "CREATE DATABASE netkeep OWNER netkeep_owner",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        "team grant sam ana",
        "## Security",
        "sslmode=",
        "~/.pgpass",
        "chmod 0600",
        "NETKEEP_DATABASE_URL",
        "netkeep config",
        "pg_dump",
        "netkeep backup",
    ):
        assert needed in text, needed


class Team:
    """The operator's psql and each member's machine, on the test server."""

    def __init__(self, tmp_path: Path) -> None:
        self.admin = sqlalchemy.make_url(POSTGRES_URL)
        self.server = f"{self.admin.host or '127.0.0.1'}:{self.admin.port or 5432}"
        self.tmp_path = tmp_path
        self.operator_env = {
            **self.clean_env(),
            "PGHOST": self.admin.host or "127.0.0.1",
            "PGPORT": str(self.admin.port or 5432),
            "PGUSER": self.admin.username or "postgres",
            "PGDATABASE": "postgres",
        }
        if self.admin.password:
            self.operator_env["PGPASSWORD"] = self.admin.password

    @staticmethod
    def clean_env() -> dict[str, str]:
        """The test process's environment less what would point netkeep or libpq elsewhere."""
        return {
            name: value
            for name, value in os.environ.items()
            if not (name.startswith(("NETKEEP_", "PG")) and name != "NETKEEP_NOW")
        }

    def localise(self, text: str) -> str:
        text = text.replace("db.example.com:5432", self.server)
        return text.replace("sslmode=verify-full", "sslmode=disable")

    def home(self, member: str) -> Path:
        home = self.tmp_path / "home" / member
        home.mkdir(parents=True, exist_ok=True)
        return home

    def member_env(self, member: str) -> dict[str, str]:
        path = os.pathsep.join([os.path.dirname(netkeep_executable()[0]), os.environ["PATH"]])
        return {**self.clean_env(), "HOME": str(self.home(member)), "PATH": path}

    def run(self, runner: str, language: str, text: str) -> subprocess.CompletedProcess:
        text = self.localise(text)
        if language == "sql":
            argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"]
            env, cwd = self.operator_env, self.tmp_path
        elif runner == "operator":
            # The operator's machine has netkeep too (`team grant` as the owner).
            path = os.pathsep.join([os.path.dirname(netkeep_executable()[0]), os.environ["PATH"]])
            env = {**self.operator_env, "PATH": path}
            argv, cwd = ["bash", "-e", "-c", text], self.tmp_path
        else:
            # ~/.profile first, as a new terminal reads it (a login shell would also read
            # /etc/profile, which resets PATH for root).
            argv = ["bash", "-e", "-c", text]
            env, cwd = self.member_env(runner), self.home(runner)
            env["BASH_ENV"] = str(self.home(runner) / ".profile")
        return subprocess.run(
            argv,
            input=text if language == "sql" else None,
            stdin=None if language == "sql" else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=120,
        )

    def drop_everything(self) -> None:
        engine = sqlalchemy.create_engine(
            self.admin.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
        )
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("DROP DATABASE IF EXISTS netkeep WITH (FORCE)")
                for role in ROLES:
                    connection.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        finally:
            engine.dispose()


@pytest.fixture
def team(tmp_path):
    if shutil.which("psql") is None:
        pytest.skip("psql is not installed (Debian's postgresql-client package)")
    with one_team_at_a_time():
        team = Team(tmp_path)
        team.drop_everything()  # what an earlier, interrupted run left
        yield team
        team.drop_everything()


def test_the_team_set_up_runs_as_written(team):
    printed: dict[tuple[str, str], str] = {}  # (who, a command in the block) -> its stdout
    for runner, language, text in blocks():
        result = team.run(runner, language, text)
        assert result.returncode == 0, (runner, text, result.stdout, result.stderr)
        for line in text.splitlines()[1:]:
            printed[runner, line] = result.stdout

    for member in ("sam", "ana"):
        pgpass = team.home(member) / ".pgpass"
        assert stat.S_IMODE(pgpass.stat().st_mode) == 0o600
        assert f":netkeep:{member}:{member}-secret-change-me" in pgpass.read_text()
    # `netkeep config` names the PostgreSQL store in use, and no password.
    config = printed["sam", "netkeep config"]
    assert "postgresql" in config and "sam@" in config and "secret" not in config

    # Both members' touchpoints are in the one database, whoever looks.
    for member in ("sam", "ana"):
        exported = team.run(member, "sh", "netkeep export --format json")
        assert exported.returncode == 0, exported.stderr
        network = json.loads(exported.stdout)
        assert [contact["name"] for contact in network["contacts"]] == ["Lee Park"]
        assert sorted(t["direction"] for t in network["touchpoints"]) == ["in", "out"]
    assert "Lee Park" in printed["ana", "netkeep list"]  # Ana sees the contact Sam added
    backup = json.loads((team.home("ana") / "team-network.json").read_text())
    assert len(backup["touchpoints"]) == 2
    assert (team.tmp_path / "netkeep.dump").stat().st_size > 0


ATTACKS = (
    # One forged row in the record of schema steps would lock every member out.
    "INSERT INTO netkeep_migrations (name, applied_at) VALUES ('m999_newer', 'now')",
    "UPDATE netkeep_migrations SET applied_at = 'now'",
    "ALTER TABLE touchpoint DISABLE TRIGGER netkeep_logged_by_change",
    "ALTER TABLE undo_step DISABLE ROW LEVEL SECURITY",
    "CREATE TABLE mine AS SELECT current_user",
    # A step on Sam's journal entry.
    "INSERT INTO undo_step (command_id, action, table_name, row_id, old) "
    "SELECT id, 'delete', 'contact', 1, NULL FROM undo_command WHERE member = 'sam' LIMIT 1",
    # Sam logged the email: it is his to change.
    "UPDATE touchpoint SET note = 'mine' WHERE logged_by = 'sam'",
)


def test_a_member_cannot_subvert_the_server_the_doc_sets_up(team):
    for runner, language, text in blocks():
        assert team.run(runner, language, text).returncode == 0, text
    env = {**team.operator_env, "PGUSER": "ana", "PGDATABASE": "netkeep"}
    env.pop("PGPASSWORD", None)
    for statement in ATTACKS:
        result = subprocess.run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", statement],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode != 0, statement
        assert any(
            words in result.stderr
            for words in ("permission denied", "must be owner", "row-level security", "may not")
        ), (statement, result.stderr)
    # Sam's undo still reverses his own last command, and nothing of Ana's ran.
    undone = team.run("sam", "sh", "# on Sam's machine\nnetkeep undo")
    assert undone.returncode == 0 and "Undid: log" in undone.stderr, undone.stderr

"""Shell completion through Typer's protocol (the env vars a shell's completion script sets)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import netkeep_executable
from netkeep.completion import bash_word, keep_typed_prefix, tier_completions


def bash(words: str, run, **env) -> list[str]:
    """What `netkeep` answers bash for the command line `words` (the last word is being typed)."""
    parts = words.split(" ")
    result = run(
        env={
            "_NETKEEP_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
            **env,
        }
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [line for line in result.stdout.splitlines() if line]


@pytest.fixture
def people(cli):
    for name in ("Sam Lee", "Sandra Oh", "Jo O'Neil (ACME)", "Old Sal"):
        cli.ok("add", name)
    cli.ok("archive", "old sal")


def test_contact_names_complete_in_any_case(run, people):
    assert bash("netkeep log Sa", run) == [r"Sam\ Lee", r"Sandra\ Oh"]
    # What was typed is kept: the shell only offers words that extend it.
    assert bash("netkeep log sa", run) == [r"sam\ Lee", r"sandra\ Oh"]
    assert bash("netkeep show jo", run) == [r"jo\ O\'Neil\ \(ACME\)"]
    assert bash("netkeep score sam", run) == [r"sam\ Lee"]
    assert bash("netkeep log zz", run) == []


def test_every_contact_argument_completes(run, people):
    for command in ("log", "show", "edit", "archive", "rm", "score", "asks"):
        assert bash(f"netkeep {command} Sand", run) == [r"Sandra\ Oh"], command


def test_archived_contacts_are_not_offered(run, people):
    assert bash("netkeep log Old", run) == []


def test_real_bash_completion_function(people):
    """Source the script `--show-completion` prints and call it as bash would on Tab.

    `--show-completion` takes no shell name: Typer detects the shell netkeep runs in from its
    parent processes. So it runs from bash here, as it does for a user; run straight from the test
    process it would find whatever started the suite (no shell at all in a detached run, and then
    it prints nothing)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    exe = netkeep_executable()
    bin_dir = os.path.dirname(exe[0])
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    # `&& :` keeps bash as netkeep's parent (a lone command would be exec'd in bash's place).
    shown = subprocess.run(
        ["bash", "--norc", "-c", "netkeep --show-completion && :"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    script = shown.stdout
    assert shown.returncode == 0 and "_NETKEEP_COMPLETE=complete_bash" in script, (
        shown.returncode,
        shown.stderr,
        script[:200],
    )
    program = f"""
{script}
COMP_WORDS=(netkeep log "Sam\\ L"); COMP_CWORD=2
_netkeep_completion netkeep
printf '[%s]\\n' "${{COMPREPLY[@]}}"
COMP_WORDS=(netkeep log sam --via e); COMP_CWORD=4
_netkeep_completion netkeep
printf '[%s]\\n' "${{COMPREPLY[@]}}"
"""
    result = subprocess.run(
        ["bash", "--norc", "-c", program], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert result.stdout.splitlines() == [r"[Sam\ Lee]", "[email]"]


def test_zsh_and_fish(run, people):
    zsh = run(env={"_NETKEEP_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "netkeep log Sa"})
    assert zsh.returncode == 0
    assert zsh.stdout.startswith("_arguments") and '"Sam Lee"' in zsh.stdout
    assert '"Sandra Oh"' in zsh.stdout
    fish = run(
        env={
            "_NETKEEP_COMPLETE": "complete_fish",
            "_TYPER_COMPLETE_FISH_ACTION": "get-args",
            "_TYPER_COMPLETE_ARGS": "netkeep log Sa",
        }
    )
    assert fish.stdout.splitlines() == ["Sam Lee", "Sandra Oh"]


def test_choices_complete(run):
    assert bash("netkeep log sam --via m", run) == ["meeting"]
    assert bash("netkeep score --band f", run) == ["fair-weather"]
    assert bash("netkeep stale --format ", run) == ["table", "json", "csv"]
    assert bash("netkeep digest --format m", run) == ["markdown"]
    assert bash("netkeep config database_", run) == ["database_exists"]
    assert "digest" in bash("netkeep di", run)


def test_no_database_completes_nothing_and_creates_nothing(run, database):
    assert bash("netkeep log s", run) == []
    assert not database.exists()


@pytest.mark.sqlite_only
def test_a_broken_database_completes_nothing(run, db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"not a database" * 100)
    assert bash("netkeep log s", run) == []


def test_db_option_is_honoured(run, cli, tmp_path, people):
    other = tmp_path / "other.db"
    cli.ok("--db", str(other), "add", "Samira Other")
    assert bash(f"netkeep --db {other} log Sa", run) == [r"Samira\ Other"]


def test_tiers_come_from_the_config(config_file):
    assert tier_completions("") == ["inner", "close", "network", "acquaintance"]
    config_file.write_text('[cadence]\nmentors = "6w"\n')
    assert tier_completions("m") == ["mentors"]
    config_file.write_text("[cadence\n")  # unreadable config: the defaults, never an error
    assert tier_completions("in") == ["inner"]


def test_helpers():
    assert keep_typed_prefix(["Sam Lee", "sam lee", "Ana"], "SA") == ["SAm Lee", "SAm lee"]
    assert keep_typed_prefix(["Ana"], "") == ["Ana"]
    assert bash_word("Jo O'Neil $x") == r"Jo\ O\'Neil\ \$x"
    assert bash_word("ana@example.com") == "ana@example.com"
    assert bash_word("José") == "José"


def test_completion_does_not_load_sqlmodel(people):
    """Completion runs on every Tab: it must not pay for SQLModel, SQLAlchemy or Rich.

    (Typer 0.29 itself converts every parsed value through pydantic, with no public way around it.)
    """
    env = dict(
        os.environ,
        _NETKEEP_COMPLETE="complete_bash",
        COMP_WORDS="netkeep log sa",
        COMP_CWORD="2",
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "netkeep"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.stdout.splitlines() == [r"sam\ Lee", r"sandra\ Oh"]
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    heavy = {n for n in imported if n.split(".")[0] in ("sqlmodel", "sqlalchemy", "rich")}
    assert not heavy, sorted(heavy)
    assert "netkeep.completion" in imported


def test_in_process_completion_then_a_command(cli, people):
    """A completion request in-process changes nothing for the commands that follow it."""
    env = {"_NETKEEP_COMPLETE": "complete_bash", "COMP_WORDS": "netkeep log Sa", "COMP_CWORD": "2"}
    result = cli("log", env=env)
    assert result.stdout.splitlines() == [r"Sam\ Lee", r"Sandra\ Oh"]
    assert cli.json("stale", "--days", "1") == []  # an int option converted as usual

"""docs/scripting.md is executable: every `sh runnable` block and the crontab line run as written.

The blocks run with bash against a prepared network (the one test_digest builds, where every digest
section has something), with the installed `netkeep` first on PATH and a fake `mail` that records
what it was asked to send.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from test_digest import populate

from conftest import netkeep_executable

DOC = Path(__file__).resolve().parents[2] / "docs" / "scripting.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)

# What some blocks must print for the prepared network, keyed by a line of the block.
EXPECTED = {
    "if overdue=$(netkeep stale --exit-code --format json); then": [
        "Reach out to Sam Lee: 75 days overdue"
    ],
    "netkeep stale --format json |": ["Sam Lee"],
    "netkeep digest --format markdown --limit 5": ["## Reach out (1)", "## Watch (1)"],
    "netkeep stale --format json | jq -r '.[].name'": [
        '{"reach_out":1,"you_owe":1,"waiting_on":1,"watch":1}',
        "#2 Bo Chen: recommendation (45 days)",
        "Ana Ruiz via email, waiting 10 days",
        "ana@example.com",
        "logged touchpoint 8",
    ],
    "netkeep config database": ["cadence          inner 2w"],
}


def blocks(kind: str, marker: str = "") -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [
        body
        for lang, info, body in FENCE.findall(text)
        if lang == kind and (not marker or marker in info.split())
    ]


RUNNABLE = blocks("sh", "runnable")


def test_the_doc_has_runnable_examples():
    assert len(RUNNABLE) >= 5
    assert any("jq" not in block for block in RUNNABLE)  # never all skipped for want of jq
    assert all(any(key in block for block in RUNNABLE) for key in EXPECTED)
    assert len(blocks("crontab")) == 1


@pytest.fixture
def shell_env(cli, tmp_path) -> dict[str, str]:
    """The prepared network, netkeep on PATH, and a fake `mail` that records its arguments."""
    populate(cli.ok)
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    mail = fake_bin / "mail"
    mail.write_text(
        '#!/bin/sh\nprintf \'%s\\n\' "$@" > "$MAIL_LOG.args"\ncat > "$MAIL_LOG.body"\n',
        encoding="utf-8",
    )
    mail.chmod(mail.stat().st_mode | stat.S_IXUSR)
    netkeep_dir = os.path.dirname(netkeep_executable()[0])
    path = os.pathsep.join([str(fake_bin), netkeep_dir, os.environ.get("PATH", "")])
    return dict(os.environ, PATH=path, MAIL_LOG=str(tmp_path / "mail"), HOME=str(tmp_path))


def run_shell(shell: str, script: str, env: dict[str, str], cwd: Path):
    return subprocess.run(
        [shell, "-c", script], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.splitlines()[0][:40] for b in RUNNABLE])
def test_runnable_block(block, shell_env, tmp_path):
    if "jq " in block and shutil.which("jq", path=shell_env["PATH"]) is None:
        pytest.skip("jq is not installed (apt-get install jq); this block pipes into jq")
    result = run_shell("bash", "set -eo pipefail\n" + block, shell_env, tmp_path)
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stderr == ""
    assert result.stdout.strip()
    assert "\x1b[" not in result.stdout
    for key, fragments in EXPECTED.items():
        if key in block:
            for fragment in fragments:
                assert fragment in result.stdout, (fragment, result.stdout)


def crontab_command() -> str:
    """The command of the crontab line, as cron hands it to the shell (crontab(5): `\\%` is `%`)."""
    (block,) = blocks("crontab")
    (line,) = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
    fields = line.split(None, 5)
    assert len(fields) == 6 and fields[:5] == ["0", "8", "*", "*", "1"], line
    command = fields[5]
    assert not re.search(r"(?<!\\)%", command), "an unescaped % would cut the command short"
    return command.replace("\\%", "%")


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_the_crontab_line_mails_the_digest(shell, shell_env, tmp_path, run):
    result = run_shell(shell, crontab_command(), shell_env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")  # nothing left for cron to mail on its own
    args = (tmp_path / "mail.args").read_text().splitlines()
    assert args == ["-s", "netkeep digest", "you@example.com"]
    body = (tmp_path / "mail.body").read_text()
    assert body == run("digest").stdout
    for heading in ("Reach out (1)", "You owe (1)", "Waiting on (1)", "Watch (1)"):
        assert heading in body


def test_the_crontab_line_sends_nothing_when_all_is_quiet(shell_env, tmp_path, cli):
    for name in ("sam", "ana", "bo", "kim"):
        cli.ok("archive", name)
    result = run_shell("sh", crontab_command(), shell_env, tmp_path)
    assert (result.stdout, result.stderr) == ("", "")
    assert not (tmp_path / "mail.args").exists()

"""docs/sync.md is executable: its `sh runnable` blocks run in order, as a new user would type them,
against folders laid out as mbsync and vdirsyncer write them, and so does its crontab line (with
stand-ins for mbsync, vdirsyncer and mail that record what they were asked to do)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import netkeep_executable

DOC = Path(__file__).resolve().parents[2] / "docs" / "sync.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


def blocks(kind: str, marker: str = "") -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    return [
        body
        for lang, info, body in FENCE.findall(text)
        if lang == kind and (not marker or marker in info.split())
    ]


def _maildir(root: Path) -> Path:
    for part in ("cur", "new", "tmp"):
        (root / part).mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def home(tmp_path) -> Path:
    """A home folder after `mbsync -a` and `vdirsyncer sync`: mail from Sam and to Ana, their
    cards, and a meeting with Sam."""
    home = tmp_path / "home"
    inbox = _maildir(home / "Mail" / "acme" / "INBOX")
    sent = _maildir(home / "Mail" / "acme" / "Sent")
    _maildir(home / "Mail" / "acme" / "Trash")
    (inbox / "cur" / "1780000001.M1P1.host,U=1:2,S").write_text(
        "From: Sam Lee <sam@example.com>\nTo: you@example.com\nSubject: the role\n"
        "Date: Mon, 1 Jun 2026 09:00:00 +0000\nMessage-ID: <a1@example.com>\n\nInterested?\n"
    )
    (sent / "cur" / "1780000002.M2P1.host,U=1:2,S").write_text(
        "From: You <you@example.com>\nTo: Ana Ruiz <ana@example.com>\nSubject: coffee\n"
        "Date: Tue, 2 Jun 2026 10:00:00 +0000\nMessage-ID: <a2@example.com>\n\nCoffee soon?\n"
    )
    contacts = home / ".contacts" / "acme"
    contacts.mkdir(parents=True)
    for uid, name, email in (
        ("c1", "Sam Lee", "sam@example.com"),
        ("c2", "Ana Ruiz", "ana@example.com"),
    ):
        (contacts / f"{uid}.vcf").write_text(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nEMAIL:{email}\r\n"
            "END:VCARD\r\n"
        )
    calendar = home / ".calendars" / "acme"
    calendar.mkdir(parents=True)
    (calendar / "e1.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:e1\r\n"
        "SUMMARY:Intro\r\nDTSTART:20260603T150000Z\r\nDTEND:20260603T153000Z\r\n"
        "ORGANIZER;CN=Sam Lee:mailto:sam@example.com\r\nATTENDEE:mailto:you@example.com\r\n"
        "ATTENDEE:mailto:sam@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return home


@pytest.fixture
def shell_env(home, tmp_path) -> dict[str, str]:
    """netkeep on PATH, with stand-ins for mbsync, vdirsyncer and mail that log their calls."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    for tool in ("mbsync", "vdirsyncer"):
        script = fake_bin / tool
        script.write_text(f'#!/bin/sh\necho {tool} "$@" >> "$TOOL_LOG"\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    mail = fake_bin / "mail"
    mail.write_text(
        '#!/bin/sh\nprintf \'%s\\n\' "$@" > "$TOOL_LOG.mail"\ncat >> "$TOOL_LOG.mail"\n'
    )
    mail.chmod(mail.stat().st_mode | stat.S_IXUSR)
    netkeep_dir = os.path.dirname(netkeep_executable()[0])
    path = os.pathsep.join([str(fake_bin), netkeep_dir, os.environ.get("PATH", "")])
    return dict(os.environ, PATH=path, HOME=str(home), TOOL_LOG=str(tmp_path / "tools.log"))


def run_shell(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", "-c", script], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )


def test_the_walkthrough_runs_from_empty_folders_to_a_synced_network(shell_env, home, tmp_path):
    runnable = blocks("sh", "runnable")
    assert len(runnable) == 4
    outputs = []
    for block in runnable:
        result = run_shell("set -e\n" + block, shell_env, tmp_path)
        assert result.returncode == 0, (block, result.stdout, result.stderr)
        outputs.append(result)
    config, sources, synced, undone = outputs
    assert config.stdout.strip() == "you@example.com"
    assert [line.split()[:2] for line in sources.stdout.splitlines()[1:]] == [
        ["calendar", "files"],
        ["contacts", "vdir"],
        ["mail", "maildir"],
    ]
    assert "(dry run: nothing written)" in synced.stderr
    assert "mail: maildir: 2 new messages; 2 touchpoints added" in synced.stderr
    assert "contacts: vdir: 2 new or changed cards; contacts 2 created" in synced.stderr
    assert "calendar: files: 1 files read; 1 touchpoints added" in synced.stderr
    assert "Ana Ruiz" in synced.stdout and "Sam Lee" in synced.stdout
    assert "Undid: sync" in undone.stderr
    assert "mail: maildir: 2 new messages" in undone.stderr


def crontab_command() -> str:
    (block,) = blocks("crontab")
    (line,) = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
    fields = line.split(None, 5)
    assert len(fields) == 6, line
    command = fields[5]
    assert not re.search(r"(?<!\\)%", command), "an unescaped % would cut the command short"
    assert command.index("netkeep sync") < command.index("netkeep digest")
    return command.replace("\\%", "%")


def test_the_nightly_line_fetches_syncs_and_mails_only_failures_and_digests(
    shell_env, home, tmp_path, cli, config_file
):
    config_file.write_text('[me]\nemails = ["you@example.com"]\n')
    cli.ok("source", "add", "mail", str(home / "Mail" / "acme"))
    result = run_shell(crontab_command(), shell_env, tmp_path)
    assert (result.stdout, result.stderr) == ("", "")  # nothing for cron to mail by itself
    calls = (tmp_path / "tools.log").read_text().splitlines()
    assert [call.split()[0] for call in calls] == ["mbsync", "vdirsyncer"]
    assert len(cli.json("list")) == 2  # Sam and Ana, from the mail (--create)
    (home / "Mail" / "acme").rename(home / "Mail" / "old")
    failed = run_shell(crontab_command(), shell_env, tmp_path)
    assert failed.stdout.startswith("netkeep sync failed: Error: source 'mail': ")
    assert "is gone; nothing was synced" in failed.stdout

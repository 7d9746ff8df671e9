"""sync counts a long run on a terminal's stderr (as git does), and never anywhere else."""

from __future__ import annotations

import pytest
from test_sync import ME, deliver, maildir


@pytest.fixture(autouse=True)
def me(config_file):
    config_file.write_text(f'[me]\nemails = ["{ME}"]\n')


@pytest.fixture
def box(tmp_path, cli):
    cli.ok("add", "Sam Lee", "--email", "sam@example.com")
    inbox = maildir(tmp_path / "Mail" / "INBOX")
    for n in range(1, 6):
        deliver(inbox, n, day=n)
    cli.ok("source", "add", "mail", str(tmp_path / "Mail"))
    return inbox


def test_a_terminal_sees_the_count_then_the_summary_alone(cli, box, monkeypatch):
    monkeypatch.setattr("netkeep.render.stderr_isatty", lambda: True)
    monkeypatch.setattr("netkeep.progress.DELAY", 0.0)
    monkeypatch.setattr("netkeep.progress.EVERY", 0.0)
    stderr = cli.ok("sync").stderr
    assert "\rmail: 20% (1/5 messages)" in stderr
    assert "\rmail: 100% (5/5 messages)" in stderr
    count, erased, summary = stderr.rpartition("\r\x1b[K")
    assert count and erased
    assert summary.startswith("mail: maildir: 5 new messages; 5 touchpoints added")


def test_a_run_shorter_than_the_delay_stays_quiet_on_a_terminal(cli, box, monkeypatch):
    monkeypatch.setattr("netkeep.render.stderr_isatty", lambda: True)
    monkeypatch.setattr("netkeep.progress.DELAY", 3600.0)
    stderr = cli.ok("sync").stderr
    assert "\r" not in stderr and "messages)" not in stderr


def test_cron_and_pipes_never_see_it(cli, box, monkeypatch):
    monkeypatch.setattr("netkeep.progress.DELAY", 0.0)
    stderr = cli.ok("sync").stderr
    assert "\r" not in stderr and "%" not in stderr
    assert stderr.startswith("mail: maildir: 5 new messages")

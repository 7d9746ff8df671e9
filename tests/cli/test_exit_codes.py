"""Exit statuses 0, 1, 2 and 130, and what scripts see: no prompts, no ANSI codes, no tracebacks."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import netkeep_executable
from netkeep.errors import ExitStatus

ANSI = re.compile(r"\x1b\[")
SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def test_the_documented_statuses():
    assert [int(s) for s in ExitStatus] == [0, 1, 2, 130]


@pytest.fixture
def network(cli):
    cli.ok("add", "Sam Lee", "--tier", "close")
    cli.ok("log", "sam", "--when", "2026-03-01")


def test_stale_exit_code(run, cli):
    quiet = run("stale", "--exit-code", "--format", "json")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "[]\n", "")
    cli.ok("add", "Sam Lee", "--tier", "close")
    cli.ok("log", "sam", "--when", "2026-03-01")
    overdue = run("stale", "--exit-code", "--format", "json")
    assert overdue.returncode == 1 and overdue.stderr == ""
    assert '"name": "Sam Lee"' in overdue.stdout
    assert run("stale", "--format", "json").returncode == 0  # only with --exit-code


BAD_INPUT = [
    ("log", "nobody"),
    ("log", "sam", "--when", "someday"),
    ("log", "sam", "--when", "tomorrow 10:00"),
    ("log", "sam", "--via", "fax"),
    ("add", "Bo", "--every", "often"),
    ("stale", "--tier", "vip"),
    ("rm", "sam"),  # would ask, and stdin is not a terminal
    ("frobnicate",),
    ("log",),
]


@pytest.mark.parametrize("args", BAD_INPUT, ids=" ".join)
def test_bad_input_exits_2_with_one_line(cli, network, args):
    result = cli(*args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert not ANSI.search(result.stderr)


def test_rm_off_a_terminal_names_the_flag_and_keeps_the_contact(run, cli, network):
    result = run("rm", "sam")
    assert result.stderr == "Error: rm needs --yes when stdin is not a terminal\n"
    assert cli.json("list")[0]["name"] == "Sam Lee"


@pytest.mark.sqlite_only
def test_runtime_failure_exits_1(run, db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"this is not a database, " * 200)
    result = run("list")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr


def ctrl_c_as_on_a_terminal() -> None:
    """In the child before netkeep starts: Ctrl-C (SIGINT) does its default, as in a terminal.

    A shell that starts the suite in the background (`pytest &`, nohup) sets SIGINT to be ignored,
    and every process started below inherits that: netkeep would never see the Ctrl-C sent."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def locked(database, network):
    """Another process holds the write lock, as a long import or a cron job would."""
    with database.write_lock() as holder:
        yield holder


def test_a_lock_held_past_the_timeout_exits_1(run, locked):
    result = run("log", "sam", env={"NETKEEP_BUSY_TIMEOUT": "0.2"})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: database ") and "locked" in result.stderr


def test_ctrl_c_while_waiting_for_the_lock_exits_130_and_changes_nothing(
    cli, locked, database, engine
):
    # A busy timeout far longer than the test: the wait ends because of Ctrl-C.
    env = dict(os.environ, NETKEEP_BUSY_TIMEOUT="600")
    process = subprocess.Popen(
        [*netkeep_executable(), "log", "sam", "--note", "never saved"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=ctrl_c_as_on_a_terminal,
    )
    database.wait_for_a_waiting_writer(process)
    process.send_signal(signal.SIGINT)
    if engine == "sqlite":
        # SQLite's wait does not notice the signal; once the lock is free, its next retry returns
        # and the pending interrupt stops netkeep before it commits. On a server the wait ends at
        # once, the lock still held (psycopg cancels the waiting statement).
        locked.release()
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr == "Error: interrupted\n" and stdout == ""
    notes = [row["note"] for row in cli.json("show", "sam")["touchpoints"]]
    assert "never saved" not in notes and len(notes) == 1


# The read system call's number, as /proc/PID/syscall shows it.
_READ_SYSCALL = {"x86_64": "0", "aarch64": "63"}


def _reading_the_terminal(pid: int) -> bool:
    """Whether `pid` is blocked reading its standard input (so a signal interrupts that read).

    A signal that lands between printing the prompt and starting to read is noted by Python but
    does not stop the read that follows: the process would wait for a key forever.
    """
    number = _READ_SYSCALL.get(os.uname().machine)
    try:
        with open(f"/proc/{pid}/syscall") as f:
            fields = f.read().split()
    except OSError:
        pytest.skip("needs /proc/PID/syscall to see that the prompt is waiting")
    if number is None:
        pytest.skip("unknown read system call number on this machine")
    return len(fields) > 1 and fields[0] == number and int(fields[1], 16) == 0


def on_a_terminal(args, *, env=None, answer_after: bytes | None = None, interrupt=False):
    """Run netkeep on a pseudo-terminal; optionally wait for `answer_after` and press Ctrl-C."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [*netkeep_executable(), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=dict(os.environ, **(env or {})),
        start_new_session=True,
        preexec_fn=ctrl_c_as_on_a_terminal,
    )
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 60
    sent = False
    while time.monotonic() < deadline:
        if (
            interrupt
            and not sent
            and answer_after is not None
            and answer_after in output
            and _reading_the_terminal(process.pid)
        ):
            process.send_signal(signal.SIGINT)  # what Ctrl-C at the prompt delivers
            sent = True
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    status = process.wait(timeout=60)
    os.close(master)
    return status, output


def test_ctrl_c_at_a_prompt_exits_130_and_deletes_nothing(cli, network):
    status, output = on_a_terminal(["rm", "sam"], answer_after=b"[y/N]:", interrupt=True)
    assert status == 130, output
    assert b"Delete #1 Sam Lee and all their history? [y/N]:" in output
    assert b"Error: interrupted" in output
    assert cli.json("list")[0]["name"] == "Sam Lee"


def _colours(output: bytes) -> list[bytes]:
    """SGR sequences that set a colour (bold and reset are not colours)."""
    found = []
    for params in SGR.findall(output):
        for code in params.split(b";"):
            if code and (30 <= int(code) <= 49 or 90 <= int(code) <= 107):
                found.append(params)
    return found


def test_no_color_is_honoured_on_a_terminal(cli, network):
    _status, table = on_a_terminal(["stale"], env={"NO_COLOR": "1"})
    assert b"\x1b[1m" in table and b"Sam Lee" in table  # a Rich table on a terminal...
    for args in (["--help"], ["stale"], ["digest"], ["log", "nobody"]):
        _status, output = on_a_terminal(args, env={"NO_COLOR": "1"})
        assert not _colours(output), (args, output)  # ...but no colour with NO_COLOR


def test_coloured_messages_respect_no_color(monkeypatch, capsys):
    from netkeep import render

    monkeypatch.setattr(render, "stderr_isatty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    render.note("careful", style="red")
    assert capsys.readouterr().err == "careful\n"


PIPED = [
    ("list",),
    ("stale",),
    ("score",),
    ("digest",),
    ("show", "sam"),
    ("config",),
    ("--help",),
    ("stale", "--help"),
    ("log", "nobody"),
]


@pytest.mark.parametrize("args", PIPED, ids=" ".join)
def test_piped_output_has_no_ansi_codes(run, network, args):
    result = run(*args, env={"FORCE_COLOR": "", "TERM": "xterm-256color"})
    assert result.stdout or result.stderr
    assert not ANSI.search(result.stdout) and not ANSI.search(result.stderr)
    assert "Traceback" not in result.stderr

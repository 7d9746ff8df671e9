"""Shared fixtures: every test gets its own database, config and a frozen clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from netkeep.cli import app

FROZEN_NOW = "2026-06-15T12:00:00+00:00"


@dataclass
class Invocation:
    """What one in-process run of netkeep printed and returned."""

    stdout: str
    stderr: str
    exit_code: int
    exception: BaseException | None


class BuiltRunner:
    """Runs netkeep in-process like Typer's `CliRunner.invoke`, on a command built once.

    Typer rebuilds the click command on every `CliRunner.invoke` (a fifth of a second for netkeep's
    commands), which a real process does once. This builds it once with the public
    `typer.main.get_command` and runs it inside the runner's public `isolation()`.
    """

    def __init__(self) -> None:
        self.runner = CliRunner()
        self.command = typer.main.get_command(app)

    def invoke(
        self, args: list[str], input: str | None = None, env: dict | None = None
    ) -> Invocation:
        exit_code, exception = 0, None
        with self.runner.isolation(input=input, env=env) as streams:
            try:
                self.command.main(args=args, prog_name="netkeep")
            except SystemExit as exc:
                code = exc.code if exc.code is not None else 0
                exit_code = code if isinstance(code, int) else 1
                exception = exc if exit_code else None
            except Exception as exc:
                exit_code, exception = 1, exc
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                stdout, stderr = streams[0].getvalue(), streams[1].getvalue()
        return Invocation(_text(stdout), _text(stderr), exit_code, exception)


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture(scope="session")
def built_runner() -> BuiltRunner:
    return BuiltRunner()


@pytest.fixture(autouse=True)
def netkeep_env(tmp_path, monkeypatch):
    """Point netkeep at tmp_path, freeze "now", and make local time UTC for stable tables."""
    monkeypatch.setenv("NETKEEP_DB", str(tmp_path / "data" / "netkeep.db"))
    monkeypatch.setenv("NETKEEP_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("NETKEEP_NOW", FROZEN_NOW)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NETKEEP_DEBUG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    time.tzset()
    yield tmp_path
    time.tzset()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "data" / "netkeep.db"


@pytest.fixture
def config_file(tmp_path) -> Path:
    return tmp_path / "config.toml"


class Cli:
    """Runs netkeep in-process (stdout and stderr kept apart)."""

    def __init__(self, runner: BuiltRunner) -> None:
        self.runner = runner

    def __call__(self, *args: str, input: str | None = None, env: dict | None = None):
        return self.runner.invoke(list(args), input=input, env=env)

    def ok(self, *args: str, **kwargs):
        result = self(*args, **kwargs)
        assert result.exit_code == 0, (args, result.exit_code, result.stdout, result.stderr)
        return result

    def json(self, *args: str, **kwargs):
        result = self.ok(*args, "--format", "json", **kwargs)
        return json.loads(result.stdout)


@pytest.fixture
def cli(built_runner) -> Cli:
    return Cli(built_runner)


def netkeep_executable() -> list[str]:
    """The installed console script beside this interpreter (falls back to `python -m netkeep`)."""
    script = Path(sys.executable).with_name("netkeep")
    return [str(script)] if script.exists() else [sys.executable, "-m", "netkeep"]


@pytest.fixture
def run():
    """Runs the installed `netkeep` as a real process: stdin is not a terminal, output is piped."""

    def _run(*args: str, env: dict | None = None, timeout: float = 60, input: str | None = None):
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run(
            [*netkeep_executable(), *args],
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
        )

    return _run


def pytest_collection_finish(session):
    """An empty run is a broken run: fail loudly instead of pytest's quiet exit 5."""
    if not session.items and not session.config.option.collectonly:
        raise pytest.UsageError(
            "no tests collected: the suite is missing or everything was deselected"
        )

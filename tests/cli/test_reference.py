"""docs/reference.md and README's list of formats say what the command line does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _generator():
    spec = importlib.util.spec_from_file_location("netkeep_reference", DOCS / "reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_reference_and_readme_match_the_command_line():
    stale = _generator().stale_files()
    assert not stale, f"out of date: {', '.join(stale)}; run `python docs/reference.py`"


def test_reference_names_every_command_and_option():
    import typer.main

    from netkeep.cli import load_all

    text = (DOCS / "reference.md").read_text()
    root = typer.main.get_command(load_all())
    commands = {}
    for name, command in root.commands.items():
        for sub, subcommand in (getattr(command, "commands", None) or {"": command}).items():
            commands[f"{name} {sub}".strip()] = subcommand
    assert "touchpoint edit" in commands  # a command group's commands are listed one by one
    for name, command in commands.items():
        assert f"#### {name}\n" in text, name
        for param in command.params:
            for option in getattr(param, "opts", []):
                if option.startswith("-") and option not in ("-h", "--help"):
                    assert f"`{option}`" in text, (name, option)


def test_every_exit_status_is_explained():
    from netkeep.errors import ExitStatus

    text = (DOCS / "reference.md").read_text()
    for status in ExitStatus:
        assert f"| {int(status)} | `{status.name}` |" in text

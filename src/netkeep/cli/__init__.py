"""netkeep's command line. Commands live in modules grouped by what people do with them.

`netkeep log` runs after every call, so `main()` imports only the module of the command being run
(click's "lazy group" idea): Typer builds a click command for every registered function, and
building all of them costs as much as the rest of `log`'s own start-up. Anything else — help, an
unknown command, shell completion, `from netkeep.cli import app` — loads every command.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

# The module that defines each command; tests/cli/test_cli_layout.py checks it against the modules.
COMMAND_MODULES = {
    "add": "contacts",
    "edit": "contacts",
    "list": "contacts",
    "show": "contacts",
    "archive": "contacts",
    "unarchive": "contacts",
    "rm": "contacts",
    "merge": "contacts",
    "forget": "contacts",
    "log": "touchpoints",
    "touchpoint": "touchpoints",
    "undo": "touchpoints",
    "stale": "touchpoints",
    "score": "reciprocity",
    "owe": "reciprocity",
    "asks": "reciprocity",
    "resolve": "reciprocity",
    "digest": "scripting",
    "config": "scripting",
    "import": "transfer",
    "export": "transfer",
    "backup": "transfer",
    "report": "report",
    "team": "team",
}
_GLOBAL_OPTIONS_WITH_VALUE = ("--db", "--db-url")


def _register(modules: Iterable[str]) -> None:
    from netkeep.cli.common import app

    for module in modules:
        importlib.import_module(f"netkeep.cli.{module}")
    # Click rewraps help paragraphs; "\b" keeps each command's examples one per line.
    commands = [*app.registered_commands]
    for group in app.registered_groups:
        if group.typer_instance is not None:
            commands.extend(group.typer_instance.registered_commands)
    for info in commands:
        if info.epilog and not info.epilog.startswith("\b"):
            info.epilog = "\b\n" + info.epilog


def _keep_only(name: str) -> None:
    """Drop the other commands its module registered: Typer builds every registered one, and
    building the few that share `log`'s module costs it a tenth of its own start-up."""
    from netkeep.cli.common import app

    def get_command_name(function_name: str) -> str:
        # How Typer names a command after its function when no name is given.
        return function_name.lower().replace("_", "-")

    app.registered_commands = [
        info
        for info in app.registered_commands
        if (info.name or get_command_name(info.callback.__name__ if info.callback else "")) == name
    ]
    app.registered_groups = [
        group
        for group in app.registered_groups
        if name in (group.name, group.typer_instance and group.typer_instance.info.name)
    ]


def load_all() -> typer.Typer:
    """Register every command; returns the Typer app."""
    from netkeep.cli.common import app

    _register(sorted(set(COMMAND_MODULES.values())))
    return app


def command_name(argv: list[str]) -> str | None:
    """The command word in argv, skipping global options (`--db PATH`, `--db=PATH`, `--db-url URL`)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _GLOBAL_OPTIONS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def main() -> None:
    # No cyclic garbage collection while the command starts: netkeep.cli.common.loaded.
    gc.disable()
    from netkeep.cli.common import app

    name = command_name(sys.argv[1:])
    completing = any(key.startswith("_NETKEEP_COMPLETE") for key in os.environ)
    if name in COMMAND_MODULES and not completing:
        _register([COMMAND_MODULES[name]])
        _keep_only(name)
    else:
        load_all()
    app()


def __getattr__(attribute: str) -> typer.Typer:
    if attribute == "app":
        return load_all()
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")

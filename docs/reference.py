"""Write docs/reference.md from the command line itself: commands, options, JSON keys, exit statuses.

    python docs/reference.py           # rewrite docs/reference.md
    python docs/reference.py --check   # exit 1 if docs/reference.md is out of date

The options come from the Click command Typer builds (`typer.main.get_command`), their value types
from the commands' own annotations, the JSON keys from `netkeep.vocab`, the exit statuses from
`netkeep.errors.ExitStatus`. tests/cli/test_reference.py runs the check.
"""

from __future__ import annotations

import enum
import sys
import types
import typing
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).with_name("reference.md")
README = Path(__file__).parent.parent / "README.md"
FORMATS_START = "<!-- formats: written by `python docs/reference.py` -->"
FORMATS_END = "<!-- /formats -->"
REGENERATE = "python docs/reference.py"

# What each exit status means; every member of ExitStatus must be described here.
EXIT_MEANINGS = {
    "OK": "Success. `stale --exit-code` also exits 0 when nobody is overdue.",
    "ERROR": (
        "Runtime failure: unreadable or foreign database, lock held past the busy timeout, "
        "unwritable file. Also `stale --exit-code` when the list is not empty."
    ),
    "BAD_INPUT": (
        "Bad input: unknown or ambiguous contact, bad date or duration, bad option value, bad "
        "file or config. Nothing was changed."
    ),
    "INTERRUPTED": "Interrupted (Ctrl-C). Nothing was changed.",
}

# The JSON each command prints with `--format json` (arrays hold one object per row).
JSON_OUTPUT = {
    "list": "an array of contact objects",
    "add": "a contact object",
    "edit": "a contact object",
    "show": "a contact object with `touchpoints`, `asks` and `score` added",
    "log": "a touchpoint object",
    "stale": "an array of stale rows",
    "score": "an array of score rows",
    "owe": "an array of owe rows",
    "asks": "an array of ask objects",
    "digest": "an object of arrays: `reach_out` (stale rows), `you_owe` (owe rows), "
    "`waiting_on` (ask objects), `watch` (score rows)",
    "resolve": "an ask object",
    "merge": "a contact object",
    "touchpoint edit": "a touchpoint object",
    "config": "a config object",
    "report": "an object of figures: `as_of`, `since`, `until`, `bands`, `dormancy`, `calendar`, "
    "`calendar_levels`, `changes`, `map`, `monthly_bands`, `busiest` (docs/pictures.md)",
}
# Commands whose --format names a file's format rather than what they print.
FILE_FORMATS = {"import", "export"}


def _objects() -> dict[str, list[str]]:
    from netkeep.cli.scripting import CONFIG_KEYS
    from netkeep.vocab import (
        ASK_KEYS,
        CONTACT_KEYS,
        OWE_KEYS,
        SCORE_KEYS,
        STALE_KEYS,
        TOUCHPOINT_KEYS,
    )

    return {
        "contact": CONTACT_KEYS,
        "touchpoint": TOUCHPOINT_KEYS,
        "ask": ASK_KEYS,
        "stale row": STALE_KEYS,
        "score row": SCORE_KEYS,
        "owe row": OWE_KEYS,
        "config": CONFIG_KEYS,
    }


def _environment() -> list[tuple[str, str]]:
    from netkeep.cli.common import DEBUG_ENV
    from netkeep.config import CONFIG_ENV
    from netkeep.dates import NOW_ENV
    from netkeep.db import BUSY_ENV
    from netkeep.db_path import DB_ENV, URL_ENV

    return [
        (DB_ENV, "The database file, unless `--db` or a server URL is given."),
        (
            URL_ENV,
            "A PostgreSQL database shared by a team (`postgresql://user@host/db`); `--db-url` "
            "overrides it, and so does `--db`. See docs/postgresql.md.",
        ),
        (CONFIG_ENV, "The config file (TOML)."),
        (
            BUSY_ENV,
            "Seconds to wait for another writer's lock before giving up (exit 1); on a server, "
            "the `lock_timeout`.",
        ),
        (DEBUG_ENV, "`1` shows the full traceback instead of the one-line `Error:` message."),
        (NOW_ENV, 'A fixed "now" (ISO 8601 with offset), for tests and reproducible output.'),
        ("NO_COLOR", "Any value turns colour off, on a terminal too."),
    ]


def _strip(annotation: Any) -> Any:
    """The plain type inside `Annotated[...]` and `X | None`."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = inner[0] if len(inner) == 1 else annotation
    return annotation


def _parameter_info(annotation: Any) -> Any:
    if typing.get_origin(annotation) is typing.Annotated:
        for extra in typing.get_args(annotation)[1:]:
            if hasattr(extra, "param_decls"):
                return extra
    return None


def _value(annotation: Any, flag: bool) -> str:
    if flag:
        return "flag"
    plain = _strip(annotation)
    info = _parameter_info(annotation)
    if typing.get_origin(plain) is list:
        return _value(typing.get_args(plain)[0], False) + ", repeatable"
    if isinstance(plain, type) and issubclass(plain, enum.Enum):
        return " \\| ".join(f"`{member.value}`" for member in plain)
    name = {str: "text", int: "integer", float: "number", Path: "path"}.get(plain, str(plain))
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if low is not None and high is not None:
        return f"{name} {low}–{high}"
    if low is not None:
        return f"{name} ≥ {low}"
    return name


def _default(param: Any, flag: bool) -> str:
    if param.required:
        return "required"
    default = param.default
    if flag and param.secondary_opts and isinstance(default, bool):
        return f"`{(param.opts if default else param.secondary_opts)[0]}`"
    if flag or default is None or default == () or callable(default):
        return ""
    if isinstance(default, enum.Enum):
        default = default.value
    return f"`{default}`"


def _cell(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def _hints(callback: Any) -> dict[str, Any]:
    return typing.get_type_hints(callback, include_extras=True) if callback else {}


def _parameters(command: Any, callback: Any) -> list[str]:
    hints = _hints(callback)
    if not [p for p in command.params if p.name != "help"]:
        return []
    lines = ["| Argument or option | Value | Default | Meaning |", "| --- | --- | --- | --- |"]
    for param in command.params:
        if getattr(param, "hidden", False) or param.name == "help":
            continue
        flag = bool(getattr(param, "is_flag", False))
        if param.param_type_name == "argument":
            names = f"`{param.name.upper()}`"
        else:
            names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
        value = _value(hints.get(param.name), flag)
        default = _default(param, flag)
        lines.append(f"| {names} | {value} | {default} | {_cell(getattr(param, 'help', ''))} |")
    return lines


def _usage(name: str, command: Any) -> str:
    words = [f"netkeep {name}"]
    for param in command.params:
        if param.param_type_name == "argument":
            metavar = param.name.upper() + ("..." if param.nargs == -1 else "")
            words.append(metavar if param.required else f"[{metavar}]")
    if any(p.param_type_name == "option" and p.name != "help" for p in command.params):
        words.append("[OPTIONS]")
    return " ".join(words)


def _epilog(text: str | None) -> list[str]:
    lines = [line for line in (text or "").replace("\b", "").splitlines() if line.strip()]
    if not lines:
        return []
    head = lines[0].strip()
    return [f"{head}", "", "```sh", *(line.strip() for line in lines[1:]), "```", ""]


def _named(infos: Any, prefix: str = "") -> dict[str, Any]:
    return {
        prefix + (info.name or info.callback.__name__.replace("_", "-")): info.callback
        for info in infos
        if info.callback is not None
    }


class _Cli:
    """The Click group Typer builds, its app's own callback, and every command (`touchpoint edit`
    too) with its panel and function, in the order they were registered."""

    def __init__(self) -> None:
        import typer.main

        from netkeep.cli import load_all

        app = load_all()
        self.root = typer.main.get_command(app)
        self.root_callback = app.registered_callback.callback if app.registered_callback else None
        self.callbacks = _named(app.registered_commands)
        for group in app.registered_groups:
            if group.typer_instance is not None:
                name = group.name or group.typer_instance.info.name
                self.callbacks |= _named(group.typer_instance.registered_commands, f"{name} ")
        self.commands: dict[str, Any] = {}
        self.panels: dict[str, str] = {}
        for name, command in self.root.commands.items():
            panel = getattr(command, "rich_help_panel", None) or "Commands"
            for sub, subcommand in (getattr(command, "commands", None) or {"": command}).items():
                full = f"{name} {sub}".strip()
                self.commands[full] = subcommand
                self.panels[full] = panel

    def format_type(self, name: str) -> Any:
        """The annotation of a command's `--format` option; None when it has none."""
        fmt = next((p for p in self.commands[name].params if "--format" in p.opts), None)
        return None if fmt is None else _hints(self.callbacks[name]).get(fmt.name)


def generate() -> str:
    from netkeep.cli.common import DATA, LOOK, RECORD, SCRIPTS
    from netkeep.errors import ExitStatus

    cli = _Cli()
    root, root_callback, callbacks = cli.root, cli.root_callback, cli.callbacks

    out = [
        "# Command reference",
        "",
        f"<!-- Generated from the command line by `{REGENERATE}`: edit the commands (or that",
        "script), not this file. tests/cli/test_reference.py fails when the two differ. -->",
        "",
        "Every command, option, JSON key and exit status of `netkeep`. How to use them together:",
        "[README.md](../README.md), [scripting.md](scripting.md), "
        "[import-export.md](import-export.md), [scoring.md](scoring.md).",
        "",
        "## Global options",
        "",
        "Given before the command: `netkeep --db work.db stale`.",
        "",
        *_parameters(root, root_callback),
        "",
        "## Environment",
        "",
        "| Variable | Meaning |",
        "| --- | --- |",
        *(f"| `{name}` | {meaning} |" for name, meaning in _environment()),
        "",
        "## Exit statuses",
        "",
        "A failed command prints one line, `Error: …`, on stderr and writes nothing.",
        "",
        "| Status | Name | Meaning |",
        "| --- | --- | --- |",
        *(f"| {int(s)} | `{s.name}` | {EXIT_MEANINGS[s.name]} |" for s in ExitStatus),
        "",
        "## Output formats",
        "",
        "| Command | `--format` values | JSON printed |",
        "| --- | --- | --- |",
    ]
    for name in sorted(cli.commands):
        annotation = cli.format_type(name)
        if annotation is None:
            continue
        values = _value(annotation, False)
        if name in FILE_FORMATS:
            printed = "(the file's format)"
        else:
            assert "json" in values, name
            printed = JSON_OUTPUT[name]  # describe each new command's JSON above
        out.append(f"| `{name}` | {values} | {printed} |")
    out += [
        "",
        "Tables appear only on a terminal; piped output is plain text. JSON arrays hold one object",
        "per line. Times are ISO 8601 in UTC with an offset; durations are like `14d`, `2w`, `3m`.",
        "",
        "## JSON objects",
        "",
        "| Object | Keys, in order |",
        "| --- | --- |",
        *(
            f"| {kind} | {', '.join(f'`{key}`' for key in keys)} |"
            for kind, keys in _objects().items()
        ),
        "",
        "## Commands",
        "",
    ]
    panels = [RECORD, LOOK, SCRIPTS, DATA]
    by_panel: dict[str, list[str]] = {}
    for name, panel in cli.panels.items():
        by_panel.setdefault(panel, []).append(name)
    for panel in sorted(by_panel, key=lambda p: panels.index(p) if p in panels else len(panels)):
        out += [f"### {panel}", ""]
        for name in by_panel[panel]:
            command = cli.commands[name]
            out += [
                f"#### {name}",
                "",
                f"`{_usage(name, command)}`",
                "",
                _cell(command.help),
                "",
                *_parameters(command, callbacks[name]),
                "",
                *_epilog(command.epilog),
            ]
    return "\n".join(out).rstrip("\n") + "\n"


def formats_summary() -> str:
    """README's sentence on which commands take which `--format` values."""
    cli = _Cli()
    groups: dict[str, list[str]] = {}
    for name in cli.commands:
        annotation = cli.format_type(name)
        if annotation is not None and name not in FILE_FORMATS:
            plain = _strip(annotation)
            values = "|".join(str(member.value) for member in plain)
            groups.setdefault(values, []).append(name)
    parts = [
        f"{', '.join(f'`{n}`' for n in names)} {'takes' if len(names) == 1 else 'take'} "
        f"`--format {values}`"
        for values, names in sorted(groups.items(), key=lambda item: -len(item[1]))
    ]
    return "; ".join(parts) + "."


def expected_files() -> dict[Path, str]:
    """Each generated file with the text it should have."""
    readme = README.read_text()
    start, end = readme.index(FORMATS_START), readme.index(FORMATS_END)
    block = f"{FORMATS_START}\n{formats_summary()}\n"
    return {REFERENCE: generate(), README: readme[:start] + block + readme[end:]}


def stale_files() -> list[str]:
    return [
        path.name
        for path, text in expected_files().items()
        if not path.exists() or path.read_text() != text
    ]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_files()
        if stale:
            print(f"out of date: {', '.join(stale)}; run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    for path, text in expected_files().items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

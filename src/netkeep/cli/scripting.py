"""Commands for scripts and cron: digest, config."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netkeep.cli.common import (
    SCRIPTS,
    AsOfOpt,
    MineOpt,
    app,
    as_of_moment,
    database_target,
    now,
    session,
    settings,
)
from netkeep.errors import BadInput

if TYPE_CHECKING:
    from datetime import datetime

    from netkeep.digest import Digest


class DigestFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class TextFormat(StrEnum):
    text = "text"
    json = "json"


@app.command(
    rich_help_panel=SCRIPTS,
    epilog="Examples:\n"
    "  netkeep digest\n"
    "  netkeep digest --limit 5 --format markdown\n"
    "  netkeep digest --format json | jq '.reach_out[].name'\n"
    '  out=$(netkeep digest) && [ -n "$out" ] && printf \'%s\\n\' "$out" | mail -s digest me@example.com',
)
def digest(
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, help="At most N rows per section.", show_default=False),
    ] = None,
    fmt: Annotated[
        DigestFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            help="text, markdown (both silent when all is quiet) or json.",
        ),
    ] = DigestFormat.text,
    mine: MineOpt = False,
    as_of: AsOfOpt = None,
) -> None:
    """What needs attention: reach out, you owe, waiting on, watch, due. Silent when all is quiet."""
    from netkeep.agenda import DUE_KEYS
    from netkeep.network import Network
    from netkeep.vocab import ASK_KEYS, OWE_KEYS, SCORE_KEYS, STALE_KEYS

    config = settings()
    then, moment = as_of_moment(as_of, now())
    # Silence would look like "all is quiet": a crontab missing NETKEEP_DB is told once a run.
    reporting = None if fmt == DigestFormat.json else "digest"
    with session(write=False, reporting=reporting) as db:
        network = Network(db, settings=config, now=moment, as_of=then, mine=mine)
        result = network.digest(limit=limit)
    if fmt == DigestFormat.json:
        from netkeep.render import write_json

        keys = {"reach_out": STALE_KEYS, "you_owe": OWE_KEYS, "waiting_on": ASK_KEYS}
        keys["watch"] = SCORE_KEYS
        keys["due"] = DUE_KEYS
        write_json(
            {
                section: [{key: row.get(key) for key in keys[section]} for row in rows]
                for section, rows in result.as_dict().items()
            }
        )
        return
    _print_digest(result, markdown=fmt == DigestFormat.markdown, moment=moment)


def _print_digest(result: Digest, *, markdown: bool, moment: datetime) -> None:
    import sys

    from netkeep.dates import local_text
    from netkeep.digest import markdown_lines, text_lines
    from netkeep.render import printable, stdout_isatty

    # Nothing at all when all is quiet, not even a newline: cron mails only non-empty output.
    if result.quiet:
        return
    if markdown:
        title = f"netkeep digest, {local_text(moment, with_time=False)}"
        lines = [printable(line) for line in markdown_lines(result, title=title)]
        sys.stdout.write("\n".join(lines) + "\n")
        return
    lines = [printable(line) for line in text_lines(result)]
    if not stdout_isatty():
        sys.stdout.write("\n".join(lines) + "\n")
        return
    from rich.text import Text

    from netkeep.render import console

    out = console()
    for line in lines:
        # Section headings are the lines that are not indented.
        heading = bool(line) and not line.startswith(" ")
        out.print(Text(line, style="bold" if heading else ""), soft_wrap=True)


CONFIG_KEYS = [
    "version",
    "store",
    "database",
    "database_exists",
    "config",
    "config_exists",
    "cadence",
    "default_tier",
    "date_order",
    "half_life",
    "response_window",
    "me",
]
# Keys whose values are tables, read one item at a time as `cadence.close` or `me.emails`.
SECTIONS = ("cadence", "me")


def _complete_config_key(incomplete: str) -> list[str]:
    return [key for key in CONFIG_KEYS if key.startswith(incomplete)]


@app.command(
    "config",
    rich_help_panel=SCRIPTS,
    epilog="Examples:\n"
    "  netkeep config\n"
    "  netkeep config database\n"
    "  netkeep config --format json | jq .cadence",
)
def config_command(
    key: Annotated[
        str | None,
        typer.Argument(
            help=f"Print only this value ({', '.join(CONFIG_KEYS)}, cadence.TIER or me.KEY).",
            show_default=False,
            autocompletion=_complete_config_key,
        ),
    ] = None,
    fmt: Annotated[
        TextFormat,
        typer.Option("--format", "-f", case_sensitive=False, help="text (for people) or json."),
    ] = TextFormat.text,
) -> None:
    """Where the database and config live, and the settings in effect.

    Also checks the config file: an invalid value fails (exit 2), naming the key.
    """
    from netkeep.config import config_path
    from netkeep.db_path import describe_target
    from netkeep.render import write_json

    config = settings()
    path = config_path()
    database = database_target()
    on_file = isinstance(database, Path)
    data: dict[str, Any] = {
        "version": _version(),
        "store": "sqlite" if on_file else "postgresql",
        "database": describe_target(database),
        # A server is not contacted just to say where it is: unknown there.
        "database_exists": database.is_file() if isinstance(database, Path) else None,
        "config": str(path),
        "config_exists": path.is_file(),
        "cadence": {tier: str(duration) for tier, duration in config.cadence.items()},
        "default_tier": config.default_tier,
        "date_order": config.date_order,
        "half_life": str(config.half_life),
        "response_window": str(config.response_window),
        "me": {
            "emails": list(config.me.emails),
            "phones": list(config.me.phones),
            "linkedin": config.me.linkedin,
            "names": list(config.me.names),
            "region": config.me.region,
        },
    }
    if key is not None:
        value = _lookup(data, key)
        if fmt == TextFormat.json:
            write_json(value)
        elif isinstance(value, dict):
            for name, item in value.items():
                typer.echo(f"{name} {_text(item)}".rstrip())
        elif isinstance(value, list):
            for item in value:
                typer.echo(item)
        else:
            typer.echo(_text(value))
        return
    if fmt == TextFormat.json:
        write_json(data)
        return
    from netkeep.render import pairs

    stored = {True: "", False: "  (not created yet)", None: "  (PostgreSQL server)"}[
        data["database_exists"]
    ]
    read = "" if data["config_exists"] else "  (no file: defaults)"
    pairs(
        [
            ("store", data["store"]),
            ("database", data["database"] + stored),
            ("config", data["config"] + read),
            ("cadence", ", ".join(f"{t} {d}" for t, d in data["cadence"].items())),
            ("default tier", data["default_tier"]),
            ("date order", data["date_order"] or "unset (dates like 3/11/2026 are refused)"),
            ("half-life", data["half_life"]),
            ("response window", data["response_window"]),
            ("me", _me_text(data["me"])),
            ("version", data["version"]),
        ]
    )


def _lookup(data: dict[str, Any], key: str) -> Any:
    name = key.strip().lower().replace("-", "_")
    section, _, item = name.partition(".")
    if item and section in SECTIONS:
        if item not in data[section]:
            what = "tier" if section == "cadence" else f"{section} key"
            choices = ", ".join(data[section])
            raise BadInput(f"unknown {what} {item!r} (choose from: {choices})")
        return data[section][item]
    if name not in data:
        raise BadInput(f"unknown key {key!r} (choose from: {', '.join(CONFIG_KEYS)})")
    return data[name]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def _me_text(me: dict[str, Any]) -> str:
    """`[me]` on one line: `emails sam@example.com, sam@work.com; region US`."""
    parts = [f"{name} {_text(value)}" for name, value in me.items() if value]
    return "; ".join(parts) or "unset (who you are in captured mail, chats and calls)"


def _version() -> str:
    from netkeep import __version__

    return __version__

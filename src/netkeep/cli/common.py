"""The Typer app, its single exit point, and what every command shares.

Importing this module must stay cheap: `netkeep --version`, `--help` and shell completion go through
it. SQLModel, SQLAlchemy and Rich tables are imported inside the functions that need them.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from netkeep import __version__
from netkeep.errors import BadInput, Declined, ExitStatus, NetkeepError
from netkeep.vocab import Channel, OutputFormat, SingleFormat

if TYPE_CHECKING:
    from datetime import datetime

    from sqlmodel import Session

    from netkeep.config import Settings
    from netkeep.db_path import Target

DEBUG_ENV = "NETKEEP_DEBUG"
COMPLETE_ENV = "_NETKEEP_COMPLETE"  # set by the shell's completion script on every Tab

RECORD = "Record"
LOOK = "Look around"
SCRIPTS = "Scripts"
DATA = "Data"


class NetkeepGroup(TyperGroup):
    """Maps every failure to one `Error: …` line on stderr and an exit status (the one exit point).

    Help is click's plain formatter with commands grouped by what people do: Rich's help renderer
    would triple the start-up time of `netkeep --help`.
    """

    # click's Context and HelpFormatter: recent Typer versions bundle click and do not export them.
    def format_commands(self, ctx: Any, formatter: Any) -> None:
        panels: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            panel = getattr(command, "rich_help_panel", None) or "Commands"
            panels.setdefault(panel, []).append((name, command.get_short_help_str(limit=70)))
        order = [RECORD, LOOK, SCRIPTS, DATA]
        for panel in sorted(panels, key=lambda p: order.index(p) if p in order else len(order)):
            with formatter.section(panel):
                formatter.write_dl(panels[panel])

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # A bare `netkeep` is asking what there is: the help on stdout and exit 0, not a usage error.
        if not args and not ctx.resilient_parsing:
            typer.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> NoReturn:
        state.argv = list(sys.argv[1:] if args is None else args)
        if os.environ.get(COMPLETE_ENV, "").endswith("bash"):
            from netkeep.completion import quoted_for_bash

            with quoted_for_bash():
                self._main(args, prog_name, complete_var, windows_expand_args, extra)
        self._main(args, prog_name, complete_var, windows_expand_args, extra)

    def _main(
        self,
        args: Sequence[str] | None,
        prog_name: str | None,
        complete_var: str | None,
        windows_expand_args: bool,
        extra: dict[str, Any],
    ) -> NoReturn:
        try:
            _check_arguments(state.argv)
            status = super().main(
                args=args,
                prog_name=prog_name or "netkeep",
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
            if status == ExitStatus.INTERRUPTED:
                # Typer (0.26 and later) turns Ctrl-C during a command into a quiet exit 130.
                status = _fail("interrupted", ExitStatus.INTERRUPTED, KeyboardInterrupt())
        except Declined as exc:
            sys.stderr.write(f"{exc}\n")
            status = exc.exit_code
        except NetkeepError as exc:
            status = _fail(str(exc), exc.exit_code, exc)
        except (typer.Abort, KeyboardInterrupt) as exc:
            status = _fail("interrupted", ExitStatus.INTERRUPTED, exc)
        except BrokenPipeError:
            # The reader went away (`netkeep list | head`): not an error worth a message.
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115
            status = ExitStatus.ERROR
        except Exception as exc:
            status = _fail(*_describe(exc), exc)
        sys.exit(status if isinstance(status, int) else ExitStatus.OK)


def _check_arguments(argv: list[str]) -> None:
    """Refuse an argument that is not UTF-8 text (a file name written in Latin-1, a stray byte):
    it could be neither stored nor printed, so it is bad input, shown with the byte escaped."""
    for arg in argv:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            raise BadInput(
                f"argument '{shown}' is not UTF-8 text (rename the file, or retype the text)"
            ) from None


def _describe(exc: Exception) -> tuple[str, int]:
    """The message and exit status for an exception that is not netkeep's own.

    Click's errors (no such option, missing argument, bad value, `typer.BadParameter`) carry
    `format_message()` and an integer `exit_code`. Typer exports only some of their classes
    (recent versions bundle click privately), so they are recognised by that documented interface.
    """
    format_message = getattr(exc, "format_message", None)
    exit_code = getattr(exc, "exit_code", None)
    if callable(format_message) and isinstance(exit_code, int):
        message = str(format_message())
        context = getattr(exc, "ctx", None)
        if exit_code == ExitStatus.BAD_INPUT and context is not None:
            message = f"{message} (see '{context.command_path} --help')"
        return message, exit_code
    return f"unexpected failure: {type(exc).__name__}: {exc}", ExitStatus.ERROR


def _fail(message: str, status: int, exc: BaseException) -> int:
    if os.environ.get(DEBUG_ENV) == "1":
        raise exc
    first_line = " ".join(str(message).split("\n")[0].split()) or type(exc).__name__
    sys.stderr.write(f"Error: {first_line}\n")
    return status


app = typer.Typer(
    cls=NetkeepGroup,
    name="netkeep",
    no_args_is_help=True,
    rich_markup_mode=None,
    # A debug traceback shows no local variables: they may hold a server URL with its password.
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Track the health of your network: who went quiet, whom you owe, who reciprocates.",
    epilog=(
        "\b\nExamples:\n"
        "  netkeep add 'Sam Lee' --email sam@example.com --tier close\n"
        "  netkeep log sam --no-answer\n"
        "  netkeep stale\n"
        "  netkeep stale --format json --exit-code"
    ),
)


@dataclass
class State:
    db_option: Path | None = None
    db_url_option: str | None = None
    argv: list[str] = field(default_factory=list)


state = State()


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"netkeep {__version__}\n")
        raise typer.Exit()


@app.callback()
def _global_options(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="Database file (default: $NETKEEP_DB, else the user data dir).",
            show_default=False,
        ),
    ] = None,
    db_url: Annotated[
        str | None,
        typer.Option(
            "--db-url",
            metavar="URL",
            help="A PostgreSQL database shared by a team: postgresql://user@host/db "
            "(default: $NETKEEP_DATABASE_URL). Not with --db.",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Show the version and exit.", is_eager=True, callback=_show_version
        ),
    ] = False,
) -> None:
    state.db_option = db
    state.db_url_option = db_url


# --- what commands share ----------------------------------------------------------------------

FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format", "-f", case_sensitive=False, help="table on a terminal, or json/csv for scripts."
    ),
]


def database_target() -> Target:
    """The store this command works on: a SQLite file's path, or a server's URL (netkeep.db_path
    has the precedence of --db-url, --db and the environment)."""
    from netkeep.db_path import database_target as resolve

    return resolve(state.db_option, state.db_url_option)


@contextmanager
def session(
    *, write: bool, journal: bool = True, reporting: str | None = None
) -> Iterator[Session]:
    """The command's one transaction. Writes are recorded for `undo` (unless `journal=False`),
    summarised as the command line was typed until the command says better with `did`.

    A listing a script relies on names itself in `reporting`: on a database file that does not
    exist it says so on stderr (an empty list would read as "all is well" forever to a cron job
    with a mistyped NETKEEP_DB), then lists an empty network, creating nothing."""
    from netkeep.db import NamesCache, open_session

    target = database_target()
    if reporting is not None and isinstance(target, Path) and not target.exists():
        sys.stderr.write(f"netkeep {reporting}: no database at {target}; nothing to report\n")
    summary = command_line() if write and journal else None
    names: NamesCache | None = None
    if not isinstance(target, Path):  # shell completion's cache of a server's names
        from netkeep import completion

        names = completion
    with open_session(target, write=write, journal=summary, names=names) as db_session:
        loaded()
        yield db_session


def loaded() -> None:
    """The command's libraries are in: garbage collection resumes, without them.

    `main()` turns the cyclic garbage collector off while a command starts. Importing SQLAlchemy,
    SQLModel, psycopg and netkeep leaves some 80,000 objects that live until exit, and the
    collector walked them over and over while they were created, then once more at exit: a
    quarter of `log`'s time on PostgreSQL (docs/postgresql.md, "Speed"). Here, with the database
    open, they move to the permanent generation (`gc.freeze()`), which no collection visits, the
    one at exit included, and the command's own work is collected as usual. Nothing to do when
    the collector is on (commands run in-process, as tests do).
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def did(db_session: Session, summary: str) -> None:
    """What the command did, in the words `undo` will repeat: `log call with Sam Lee (#57)`."""
    from netkeep.journal import describe

    describe(db_session.info, summary)


def command_line() -> str:
    """The command as typed, without the global options (`log sam --no-answer`)."""
    import shlex

    words = list(state.argv)
    while words and words[0].startswith("-"):
        option = words.pop(0)
        if option in ("--db", "--db-url") and words:
            words.pop(0)
    return shlex.join(words) or "netkeep"


def settings() -> Settings:
    from netkeep.config import load_settings

    return load_settings()


def date_order() -> str | None:
    """The configured order of numeric dates; WHEN parsing asks for it only when a date needs it."""
    return settings().date_order


WHEN_HELP = (
    "Local time: now, today 15:00, yesterday 9am, 5pm yesterday, this morning, noon, "
    "yesterday evening, 2h ago, 30 min ago, 3d ago, a week ago, last month, last friday, "
    "2026-03-04 15:30, 'March 4'. '30m ago' is refused (min or mo?); 3/11/2026 needs "
    "[defaults] date_order in the config. No future times."
)


def now() -> datetime:
    from netkeep.dates import now as clock

    return clock()


def interactive() -> bool:
    return sys.stdin.isatty()


def complete_contact(ctx: typer.Context, incomplete: str) -> list[str]:
    """Contact names for shell completion, straight from SQLite or the server's local name cache
    (no SQLModel, no network on every Tab)."""
    from netkeep.completion import contact_completions

    db = db_url = None
    root = ctx.find_root() if ctx is not None else None
    if root is not None:
        db, db_url = root.params.get("db"), root.params.get("db_url")
    return contact_completions(db, incomplete, db_url)


def complete_tier(incomplete: str) -> list[str]:
    """Tier names from the config (the defaults when it cannot be read), for `--tier`."""
    from netkeep.completion import tier_completions

    return tier_completions(incomplete)


ContactArg = Annotated[
    str,
    typer.Argument(
        help="Id (12 or #12), email, name, or words starting the name (ana, jose alv).",
        autocompletion=complete_contact,
        show_default=False,
    ),
]


ContactsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="CONTACT",
        help="One or more: id (12 or #12), email, name, or words starting the name.",
        autocompletion=complete_contact,
        show_default=False,
    ),
]


def _channel(value: Any) -> Channel:
    from netkeep.vocab import channel_named

    if isinstance(value, Channel):
        return value
    found = channel_named(str(value))
    if found is None:
        choices = ", ".join(channel.value for channel in Channel)
        raise typer.BadParameter(f"{value!r} is not a channel (choose from: {choices})")
    return found


def complete_channel(incomplete: str) -> list[str]:
    """The canonical channels only: synonyms are accepted but not offered."""
    return [channel.value for channel in Channel if channel.value.startswith(incomplete.lower())]


ViaOpt = Annotated[
    Channel,
    typer.Option(
        "--via",
        parser=_channel,
        metavar="[call|email|text|meeting|social|letter|other]",
        help="Channel, in any case; phone, mail, sms, zoom, linkedin… mean the closest one.",
        autocompletion=complete_channel,
    ),
]


def one_line(value: Any) -> str:
    return " ".join(str(value).split())


TagFilterOpt = Annotated[
    str | None, typer.Option("--tag", help="Only with this tag.", show_default=False)
]
TierFilterOpt = Annotated[
    str | None,
    typer.Option(
        "--tier", help="Only in this tier.", show_default=False, autocompletion=complete_tier
    ),
]
# Commands that print one thing: a line or a profile for people, or one JSON object.
SingleFormatOpt = Annotated[
    SingleFormat,
    typer.Option("--format", "-f", case_sensitive=False, help="table (for people) or json."),
]


def filter_tier(db: Session, config: Settings, tier: str | None) -> str | None:
    """A `--tier` filter: a configured tier, or one contacts carry (from another database's
    export); anything else is refused like a typo, naming the configured tiers."""
    if not tier:
        return None
    name = tier.strip().lower()
    if name in config.cadence:
        return name
    from netkeep.store import contacts

    if name in contacts.tiers_in_use(db, include_archived=True):
        return name
    return config.check_tier(tier)


def nothing_matches(
    db: Session, *, tag: str | None, tier: str | None, include_archived: bool = False
) -> str | None:
    """Why a listing filtered by tag and tier is empty, when the filter is the reason: it matches
    no contact (`No contacts tagged 'recruiters' (tags in use: …)`). None when contacts match."""
    from netkeep.store import contacts

    scope = include_archived
    if tag and not contacts.count_contacts(db, tag=tag, include_archived=scope):
        used = ", ".join(contacts.tags_in_use(db, include_archived=scope)) or "none"
        return f"No contacts tagged {tag!r} (tags in use: {used})."
    if tier and not contacts.count_contacts(db, tier=tier, include_archived=scope):
        used = ", ".join(contacts.tiers_in_use(db, include_archived=scope)) or "none"
        return f"No contacts in tier {tier!r} (tiers in use: {used})."
    if tag and tier and not contacts.count_contacts(db, tag=tag, tier=tier, include_archived=scope):
        return f"No contacts tagged {tag!r} in tier {tier!r}."
    return None


MineOpt = Annotated[
    bool,
    typer.Option(
        "--mine",
        help="Only what you logged: on a team server, touchpoints your database role logged "
        "(a file has one user: everything).",
    ),
]

AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="WHEN",
        help="See the network as it stood then: 'yesterday', '2026-03-31' (WHEN as for --when).",
        show_default=False,
    ),
]


def as_of_moment(when: str | None, moment: datetime) -> tuple[datetime | None, datetime]:
    """(`--as-of` as a time or None, the moment to compute at: that time, else now)."""
    if when is None:
        return None, moment
    from netkeep.dates import parse_past

    then = parse_past(when, now=moment, date_order=date_order)
    return then, then


def ask_number(value: str) -> int:
    """An ask id as typed (3 or #3)."""
    number = value.strip().lstrip("#")
    if not number.isdigit() or len(number) > 18:
        raise BadInput(f"invalid ask id {value!r} (see 'netkeep asks')")
    return int(number)


# Options several commands share: a touchpoint's side, outcome and time.
InOutOpt = Annotated[
    bool | None,
    typer.Option(
        "--in/--out", help="They reached out (--in) or you did (--out).", show_default=False
    ),
]
TwoWayOpt = Annotated[
    bool | None,
    typer.Option(
        "--two-way/--no-answer",
        help="A live exchange took place, or a one-way message (voicemail, unanswered). "
        "Default on log: two-way for call and meeting, one-way otherwise.",
        show_default=False,
    ),
]
WhenOpt = Annotated[
    str | None,
    typer.Option(
        "--when", metavar="WHEN", help=f"When it happened. {WHEN_HELP}", show_default=False
    ),
]

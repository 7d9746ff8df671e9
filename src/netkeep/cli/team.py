"""Commands for a team server's operator: `team grant`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netkeep.cli.common import DATA, app, database_target, session
from netkeep.errors import BadInput

team_app = typer.Typer(
    name="team",
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Set up a team's PostgreSQL server: grant members their privileges.",
)
app.add_typer(team_app, rich_help_panel=DATA)


@team_app.command(
    "grant",
    epilog="Examples:\n"
    "  netkeep --db-url 'postgresql+psycopg://netkeep_owner@db.example.com/netkeep' "
    "team grant sam ana",
)
def grant(
    roles: Annotated[
        list[str],
        typer.Argument(metavar="ROLE...", help="Members' database roles.", show_default=False),
    ],
) -> None:
    """Give each ROLE a member's privileges, and no more (run as the tables' owner).

    Creates or upgrades netkeep's tables first. See docs/team.md.
    """
    from netkeep.render import note
    from netkeep.store.team import grant as grant_roles

    if isinstance(database_target(), Path):
        raise BadInput(
            "team grant is for a PostgreSQL server (--db-url or NETKEEP_DATABASE_URL); "
            "a SQLite file has one user"
        )
    with session(write=True, journal=False) as db:
        owner = grant_roles(db.connection(), roles)
    note(f"Granted {', '.join(roles)} a member's privileges (the tables' owner is {owner}).")

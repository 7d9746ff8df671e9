"""netkeep's command line. Commands live in modules grouped by what people do with them."""

from netkeep.cli import (  # noqa: F401  (registers the commands)
    contacts,
    reciprocity,
    scripting,
    touchpoints,
    transfer,
)
from netkeep.cli.common import app

# Click rewraps help paragraphs; "\b" keeps each command's examples one per line.
for _info in app.registered_commands:
    if _info.epilog and not _info.epilog.startswith("\b"):
        _info.epilog = "\b\n" + _info.epilog


def main() -> None:
    app()

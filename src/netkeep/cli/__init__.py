"""netkeep's command line. Commands live in modules grouped by what people do with them."""

from netkeep.cli import (  # noqa: F401  (registers the commands)
    contacts,
    reciprocity,
    scripting,
    touchpoints,
)
from netkeep.cli.common import app


def main() -> None:
    app()

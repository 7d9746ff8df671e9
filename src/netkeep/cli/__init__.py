"""netkeep's command line. Commands live in modules grouped by what people do with them."""

from netkeep.cli import contacts, reciprocity, touchpoints  # noqa: F401  (registers the commands)
from netkeep.cli.common import app


def main() -> None:
    app()

"""The rules of the house, as a test: each module sits in one layer and imports only what its layer
may (imports inside functions and under TYPE_CHECKING count too).

- foundation (errors, dates, names, …) imports nothing of netkeep above it;
- the domain (scoring, staleness, digest, report figures, config) is pure: no SQLAlchemy, SQLModel,
  Typer, Rich, store or database;
- io/ reads and writes files: no store, no database, no command line;
- storage (the store, the database, its migrations and journal) knows no command line, no renderer,
  no file format and no shell completion;
- the network (netkeep.network) puts storage and the domain together, for commands and scripts;
- presentation (render, pictures, the HTML page) never reads the database;
- the command line may use everything, but a command module imports only `cli.common` of the
  other command modules.

docs/store.md and the README's layout paragraph describe the same rooms.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src" / "netkeep"

FOUNDATION = {
    "netkeep",
    "netkeep.errors",
    "netkeep.text",
    "netkeep.fields",
    "netkeep.vocab",
    "netkeep.names",
    "netkeep.dates",
    "netkeep.phones",
    "netkeep.captured",
}
DOMAIN = {
    "netkeep.scoring",
    "netkeep.staleness",
    "netkeep.timeline",
    "netkeep.digest",
    "netkeep.report",
    "netkeep.config",
    "netkeep.agenda",
}
STORAGE_MODULES = {
    "netkeep.db_path",
    "netkeep.dialect",
    "netkeep.models",
    "netkeep.migrations",
    "netkeep.journal",
    "netkeep.db",
}
APPLICATION = {"netkeep.network"}
PRESENTATION = {
    "netkeep.render",
    "netkeep.pictures",
    "netkeep.report_html",
    "netkeep.progress",
}
# Entry points and the shell's completion (which reads the SQLite file itself to stay fast on
# every Tab) belong with the command line.
# Sync's engine reads sources with the import's file readers and writes with its store code, as
# the `import` command does: it sits with the commands.
COMMAND_LINE_MODULES = {"netkeep.__main__", "netkeep.completion", "netkeep.sync"}

THIRD_PARTY_STORAGE = {"sqlalchemy", "sqlmodel", "psycopg"}
THIRD_PARTY_TERMINAL = {"typer", "rich", "click"}


def layer_of(module: str) -> str:
    if module in FOUNDATION:
        return "foundation"
    if module in DOMAIN or module.startswith("netkeep.scoring."):
        return "domain"
    if (
        module in STORAGE_MODULES
        or module == "netkeep.store"
        or module.startswith("netkeep.store.")
    ):
        return "storage"
    if module == "netkeep.io" or module.startswith("netkeep.io."):
        return "io"
    if module in APPLICATION:
        return "application"
    if module in PRESENTATION:
        return "presentation"
    if (
        module in COMMAND_LINE_MODULES
        or module == "netkeep.cli"
        or module.startswith("netkeep.cli.")
    ):
        return "command line"
    raise AssertionError(f"{module} is in no layer: add it to one in tests/test_layers.py")


# What each layer may import, of netkeep's layers and of the libraries that bind a layer.
MAY_IMPORT = {
    "foundation": {"foundation"},
    "domain": {"foundation", "domain"},
    "io": {"foundation", "domain", "io"},
    "storage": {"foundation", "domain", "storage", "library:storage"},
    "application": {"foundation", "domain", "storage", "application", "library:storage"},
    "presentation": {"foundation", "domain", "presentation", "library:terminal"},
    "command line": {
        "foundation",
        "domain",
        "io",
        "storage",
        "application",
        "presentation",
        "command line",
        "library:storage",
        "library:terminal",
    },
}


def module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}


def imports_of(path: Path) -> set[str]:
    """Every module an import statement in the file names, wherever the statement is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from netkeep import store`, `from netkeep.store import contacts`: submodules too.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def kinds_imported(path: Path) -> dict[str, set[str]]:
    """What the file imports, by the layer (or library kind) it belongs to."""
    known = modules()
    kinds: dict[str, set[str]] = {}
    for name in imports_of(path):
        top = name.split(".")[0]
        if top in THIRD_PARTY_STORAGE:
            kind = "library:storage"
        elif top in THIRD_PARTY_TERMINAL:
            kind = "library:terminal"
        elif top == "netkeep" and name in known:
            kind = layer_of(name)
        else:
            continue
        kinds.setdefault(kind, set()).add(name)
    return kinds


@pytest.mark.parametrize("module", sorted(modules()))
def test_a_module_imports_only_what_its_layer_may(module):
    path = modules()[module]
    allowed = MAY_IMPORT[layer_of(module)]
    crossings = {
        kind: sorted(names) for kind, names in kinds_imported(path).items() if kind not in allowed
    }
    assert crossings == {}, f"{module} ({layer_of(module)}) reaches above its layer"


COMMAND_MODULES = sorted(
    name for name in modules() if name.startswith("netkeep.cli.") and name != "netkeep.cli.common"
)


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_command_modules_share_only_cli_common(module):
    others = {
        name
        for name in imports_of(modules()[module])
        if name.startswith("netkeep.cli.") and name in modules()
    }
    assert others <= {"netkeep.cli.common"}, module


def test_the_rules_catch_a_crossing(tmp_path):
    """The walk finds imports inside functions and under TYPE_CHECKING, and submodules named in
    `from … import …`: each of these would be a crossing."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from sqlmodel import Session\n"
        "def f():\n"
        "    from netkeep import store\n"
        "    from netkeep.cli import reciprocity\n"
        "    import rich.console\n",
        encoding="utf-8",
    )
    names = imports_of(sample)
    assert {"sqlmodel", "netkeep.store", "netkeep.cli.reciprocity", "rich.console"} <= names
    kinds = kinds_imported(sample)
    assert {"library:storage", "storage", "command line", "library:terminal"} <= set(kinds)
    for forbidden_in_domain in ("library:storage", "storage", "library:terminal"):
        assert forbidden_in_domain not in MAY_IMPORT["domain"]
    assert "io" not in MAY_IMPORT["storage"] and "command line" not in MAY_IMPORT["storage"]
    assert "storage" not in MAY_IMPORT["presentation"]

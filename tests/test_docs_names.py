"""The docs name only code that exists: every `module.name`, `file.py` and private or class name
written in backticks in README.md and docs/*.md is found in src/netkeep, so a rename or a move
cannot leave a reader looking for a function that is gone. docs/api.md's example runs as written."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import netkeep

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "netkeep"
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]

DOTTED = re.compile(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(\))?`")
# A class (`MergePolicy`) or a private name (`_IdMap`, `_fetch`), alone in backticks.
BARE = re.compile(r"`(_\w+|[A-Z][a-z]+[A-Z]\w*)(?:\(\))?`")
# A file of the repository, by its path (`tests/store/test_undo.py`, `src/netkeep/network.py`).
PATH = re.compile(r"`((?:src|tests|docs|benchmarks)/[\w./-]+?)(?:::\w+)?`")


def _modules_by_last_name() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(netkeep.__path__, "netkeep."):
        found.setdefault(info.name.rsplit(".", 1)[-1], []).append(info.name)
    return found


MODULES = _modules_by_last_name()


def _defined_names() -> set[str]:
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def resolves(token: str) -> bool | None:
    """True/False for a dotted name that starts with a netkeep module; None for anything else
    (`session.info`, a host name)."""
    first, *rest = token.split(".")
    if first == "netkeep":
        bases = ["netkeep"]
    elif first in MODULES:
        bases = MODULES[first]
    else:
        return None
    for base in bases:
        obj: object = importlib.import_module(base)
        for part in rest:
            if hasattr(obj, part):
                obj = getattr(obj, part)
                continue
            try:
                obj = importlib.import_module(f"{getattr(obj, '__name__', '')}.{part}")
            except ImportError:
                break
        else:
            return True
    return False


def names_in_docs() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        found += [(doc.name, token) for token in DOTTED.findall(text)]
        found += [(doc.name, token) for token in BARE.findall(text)]
    return found


def test_every_name_the_docs_give_exists():
    files = {path.name for path in SOURCE.rglob("*.py")}
    defined = _defined_names()
    missing = []
    for doc, token in names_in_docs():
        if token.endswith(".py"):
            # A file of netkeep's (`store/ledger.py`, `scoring.py`); docs/*.py and tests'
            # files are named with their folder.
            ok = token in files or any(
                (ROOT / folder / token).exists() for folder in ("", "docs", "benchmarks", "tests")
            )
        elif token.endswith((".com", ".org", ".net")):
            continue  # a host name (db.example.com)
        elif "." in token:
            ok = resolves(token) is not False
        else:
            ok = token in defined
        if not ok:
            missing.append(f"{doc}: {token}")
    assert missing == []


def test_every_path_the_docs_give_exists():
    missing = [
        f"{doc.name}: {path}"
        for doc in DOCS
        for path in PATH.findall(doc.read_text(encoding="utf-8"))
        if "*" not in path and "<" not in path and not (ROOT / path).exists()
    ]
    assert missing == []


def test_the_check_finds_a_missing_name():
    assert resolves("store.importing.import_records") is True
    assert resolves("network.Network.stale") is True
    assert resolves("store._fetch") is False  # moved to store._sql.fetch
    assert resolves("session.info") is None
    assert "MergePolicy" in _defined_names() and "_MergePolicy" not in _defined_names()


API_EXAMPLE = re.compile(r"```python\n(.*?)```", re.DOTALL)


@pytest.mark.sqlite_only
def test_the_api_example_runs(cli, db_path, capsys):
    """docs/api.md's example, on a network with one stale contact."""
    cli.ok("add", "Sam Lee", "--tier", "inner")
    cli.ok("log", "sam", "--when", "2026-03-01")
    example = API_EXAMPLE.findall((ROOT / "docs" / "api.md").read_text(encoding="utf-8"))[0]
    exec(compile(example, "docs/api.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "Sam Lee: " in printed and "days overdue" in printed

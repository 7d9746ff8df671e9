"""The dependency floors pyproject.toml declares are the versions .ci/run tests (constraints-min.txt)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_TESTED_ON_FLOORS = {"ruff", "mypy", "types-python-dateutil", "types-vobject"}
# An extra that brings in a distribution released in lockstep with its parent: the floors run pins
# that distribution at the parent's floor too (psycopg[binary] is psycopg plus psycopg-binary).
LOCKSTEP_EXTRAS = {("psycopg", "binary"): "psycopg-binary"}


def _floors() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    floors = {}
    for requirement in requirements:
        match = re.fullmatch(
            r"([A-Za-z0-9_.-]+)(?:\[([A-Za-z0-9_.,-]+)\])?>=([0-9][^,;\s]*)", requirement
        )
        assert match, f"{requirement!r}: give every dependency a floor (NAME>=VERSION) and no cap"
        name, extras, floor = match[1].lower(), match[2], match[3]
        floors[name] = floor
        for extra in extras.split(",") if extras else []:
            lockstep = LOCKSTEP_EXTRAS.get((name, extra.strip()))
            assert lockstep, f"{requirement!r}: say which distribution [{extra}] brings and pin it"
            floors[lockstep] = floor
    return floors


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints-min.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_constraints_min_pins_exactly_the_declared_floors():
    tested = {name: v for name, v in _floors().items() if name not in NOT_TESTED_ON_FLOORS}
    assert _pins() == tested


def test_every_third_party_import_is_a_declared_dependency():
    """netkeep imports SQLAlchemy itself, so it declares it rather than relying on SQLModel's."""
    distribution = {"dateutil": "python-dateutil", "recurring_ical_events": "recurring-ical-events"}
    imported = set()
    for path in (ROOT / "src" / "netkeep").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"netkeep", "__future__"}
    assert third_party, "found no imports: the pattern above is wrong"
    declared = set(_floors())
    assert {distribution.get(name, name).lower() for name in third_party} <= declared


def test_benchmarks_name_no_path_of_one_machine():
    """Benchmarks run from any checkout: folders come from arguments or the running Python."""
    machine_path = re.compile(r"(?<![\w.~$])/(?:work|tmp|root|opt|home|Users)/")
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted((ROOT / "benchmarks").glob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if machine_path.search(line)
    ]
    assert not found, found

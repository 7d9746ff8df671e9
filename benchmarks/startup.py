"""Start-up time of everyday commands, beside Python baselines measured in the same run.

    python benchmarks/startup.py [--runs 15] [--python VENV/bin/python]

Benchmark a virtualenv with a regular (non-editable) install and bytecode enabled, e.g.:

    env -u PYTHONDONTWRITEBYTECODE python3 -m venv .bench-venv && \
      env -u PYTHONDONTWRITEBYTECODE .bench-venv/bin/pip install . && \
      env -u PYTHONDONTWRITEBYTECODE .bench-venv/bin/python benchmarks/startup.py

Each command runs `--runs` times after a warm-up, interleaved with the baselines so a drifting
machine affects all alike; the script prints medians and the ratio of each median to its baseline:
`--version`/`--help` against `python -c "import sqlite3"` (targets 8x and 10x), `log`/`stale` on a
small database against `python -c "import sqlmodel"` (target 1.25x). It also checks that
`--version` and `--help` do not import SQLModel or SQLAlchemy.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import imports_of, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()

    python = args.python
    netkeep = str(Path(python).with_name("netkeep"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    workdir = Path(tempfile.mkdtemp(prefix="netkeep-startup-"))
    env["NETKEEP_DB"] = str(workdir / "small.db")
    env["NETKEEP_CONFIG"] = str(workdir / "none.toml")

    # A small network: 10 contacts with a few touchpoints each.
    for i in range(10):
        subprocess.run([netkeep, "add", f"Person {i}"], env=env, capture_output=True, check=True)
        for months in (1, 4, 9):
            subprocess.run(
                [netkeep, "log", f"Person {i}", "--when", f"{months + i} months ago"],
                env=env,
                capture_output=True,
                check=True,
            )

    cases = {
        "python -c 'import sqlite3'": [python, "-c", "import sqlite3"],
        "python -c 'import sqlmodel'": [python, "-c", "import sqlmodel"],
        "netkeep --version": [netkeep, "--version"],
        "netkeep --help": [netkeep, "--help"],
        "netkeep log 'Person 3'": [netkeep, "log", "Person 3", "--no-answer"],
        "netkeep stale": [netkeep, "stale"],
    }
    for cmd in cases.values():  # warm-up: page cache, .pyc files
        timed(cmd, env)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, cmd in cases.items():
            samples[name].append(timed(cmd, env))

    median = {name: statistics.median(values) for name, values in samples.items()}
    sqlite_base = median["python -c 'import sqlite3'"]
    sqlmodel_base = median["python -c 'import sqlmodel'"]
    targets = {
        "netkeep --version": (sqlite_base, "import sqlite3", 8.0),
        "netkeep --help": (sqlite_base, "import sqlite3", 10.0),
        "netkeep log 'Person 3'": (sqlmodel_base, "import sqlmodel", 1.25),
        "netkeep stale": (sqlmodel_base, "import sqlmodel", 1.25),
    }
    print(f"{'command':32} {'median ms':>10} {'ratio':>8}  baseline (target)")
    for name in cases:
        line = f"{name:32} {median[name] * 1000:10.1f}"
        if name in targets:
            base, label, target = targets[name]
            ratio = median[name] / base
            verdict = "ok" if ratio <= target else "OVER"
            line += f" {ratio:7.2f}x  {label} ({target}x) {verdict}"
        print(line)

    heavy = ("sqlmodel", "sqlalchemy", "vobject")
    for name in ("netkeep --version", "netkeep --help"):
        loaded = imports_of(cases[name], env)
        bad = sorted(m for m in loaded if m.split(".")[0] in heavy)
        print(f"{name}: imports {'none of ' + ', '.join(heavy) if not bad else ', '.join(bad)}")


if __name__ == "__main__":
    main()

"""Start-up time of everyday commands, beside Python baselines measured in the same run.

    python benchmarks/startup.py [--runs 15] [--python VENV/bin/python]
    python benchmarks/startup.py --engine postgresql --url ADMIN_URL [...]

Benchmark a virtualenv with a regular (non-editable) install and bytecode enabled, e.g.:

    env -u PYTHONDONTWRITEBYTECODE python3 -m venv .bench-venv && \
      env -u PYTHONDONTWRITEBYTECODE .bench-venv/bin/pip install . && \
      env -u PYTHONDONTWRITEBYTECODE .bench-venv/bin/python benchmarks/startup.py

Each command runs `--runs` times after a warm-up, interleaved with the baselines so a drifting
machine affects all alike; the script prints medians and the ratio of each median to its baseline:
`--version`/`--help` against `python -c "import sqlite3"` (targets 8x and 10x), `log`/`stale` on a
small database against `python -c "import sqlmodel"` (target 1.25x). It also checks that
`--version` and `--help` do not import SQLModel or SQLAlchemy, and that `log` on SQLite does not
import psycopg.

`--engine postgresql --url ADMIN_URL` (a superuser's URL, e.g. the one `.ci/postgres` prints) also
builds the same small network in a fresh database `netkeep_startup_bench` on that server and times
`log` and `stale` there against `python -c "import sqlmodel"`, psycopg's import and the connection
included (target 1.4x).
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

from harness import imports_of, postgres_database, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="with --engine postgresql: a superuser's URL of the server")
    args = parser.parse_args()
    if args.engine == "postgresql" and not args.url:
        parser.error("--engine postgresql needs --url ADMIN_URL")

    python = args.python
    netkeep = str(Path(python).with_name("netkeep"))
    unwanted = ("PYTHONDONTWRITEBYTECODE", "NETKEEP_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    workdir = Path(tempfile.mkdtemp(prefix="netkeep-startup-"))
    env["NETKEEP_DB"] = str(workdir / "small.db")
    env["NETKEEP_CONFIG"] = str(workdir / "none.toml")
    env["XDG_CACHE_HOME"] = str(workdir / "cache")  # a server's names cache: here, not the user's
    small_network(netkeep, env)
    on_postgres = None
    if args.engine == "postgresql":
        url, _ = postgres_database(python, args.url, "netkeep_startup_bench", "fresh")
        on_postgres = {**env, "NETKEEP_DATABASE_URL": url}
        small_network(netkeep, on_postgres)

    cases = {
        "python -c 'import sqlite3'": [python, "-c", "import sqlite3"],
        "python -c 'import sqlmodel'": [python, "-c", "import sqlmodel"],
        "netkeep --version": [netkeep, "--version"],
        "netkeep --help": [netkeep, "--help"],
        "netkeep log 'Person 3'": [netkeep, "log", "Person 3", "--no-answer"],
        "netkeep stale": [netkeep, "stale"],
    }
    case_env = dict.fromkeys(cases, env)
    if on_postgres is not None:
        for name, argv in (
            ("netkeep log 'Person 3' (postgresql)", [netkeep, "log", "Person 3", "--no-answer"]),
            ("netkeep stale (postgresql)", [netkeep, "stale"]),
        ):
            cases[name], case_env[name] = argv, on_postgres
    for name, cmd in cases.items():  # warm-up: page cache, .pyc files
        timed(cmd, case_env[name])
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, cmd in cases.items():
            samples[name].append(timed(cmd, case_env[name]))

    median = {name: statistics.median(values) for name, values in samples.items()}
    sqlite_base = median["python -c 'import sqlite3'"]
    sqlmodel_base = median["python -c 'import sqlmodel'"]
    targets = {
        "netkeep --version": (sqlite_base, "import sqlite3", 8.0),
        "netkeep --help": (sqlite_base, "import sqlite3", 10.0),
        "netkeep log 'Person 3'": (sqlmodel_base, "import sqlmodel", 1.25),
        "netkeep stale": (sqlmodel_base, "import sqlmodel", 1.25),
        "netkeep log 'Person 3' (postgresql)": (sqlmodel_base, "import sqlmodel", 1.4),
        "netkeep stale (postgresql)": (sqlmodel_base, "import sqlmodel", 1.4),
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
    if on_postgres is not None:
        postgres_database(python, args.url, "netkeep_startup_bench", "drop")
    loaded = imports_of(cases["netkeep log 'Person 3'"], env)
    drivers = sorted(m for m in loaded if m.split(".")[0] in ("psycopg", "psycopg_binary"))
    print(f"netkeep log on SQLite: imports {', '.join(drivers) if drivers else 'no psycopg'}")


def small_network(netkeep: str, env: dict[str, str]) -> None:
    """10 contacts with a few touchpoints each."""
    for i in range(10):
        steps = [["add", f"Person {i}"]]
        steps += [
            ["log", f"Person {i}", "--when", f"{months + i} months ago"] for months in (1, 4, 9)
        ]
        for step in steps:
            done = subprocess.run([netkeep, *step], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"netkeep {' '.join(step)} failed: {done.stderr.strip()}")


if __name__ == "__main__":
    main()

"""Shell completion latency: what every Tab press costs, beside `python -c "import sqlite3"`.

    python benchmarks/completion.py [--runs 21] [--python VENV/bin/python] [--contacts 10000]

Benchmark a virtualenv with a regular (non-editable) install and bytecode enabled: this
environment sets PYTHONDONTWRITEBYTECODE=1, which would leave no .pyc files and time the compiler
instead of netkeep. Unset it for the install and for the runs (the script unsets it for the
commands it times), e.g.:

    env -u PYTHONDONTWRITEBYTECODE python3 -m venv .bench-venv && \
      env -u PYTHONDONTWRITEBYTECODE .bench-venv/bin/pip install . && \
      env -u PYTHONDONTWRITEBYTECODE .bench-venv/bin/python benchmarks/completion.py

Each case runs `--runs` times after a warm-up, interleaved with the baseline so a drifting machine
affects all alike; the script prints medians and each median's ratio to the baseline's (target:
12x). Cases: contact names from a small network (20 contacts) and from a large one (`--contacts`),
and an option's choices (`--via`, no database). It also lists any heavy module a completion imports
(`python -X importtime`): SQLModel, SQLAlchemy, pydantic and Rich must stay out.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import imports_of, timed  # noqa: E402

TARGET = 12.0
HEAVY = ("sqlmodel", "sqlalchemy", "pydantic", "rich", "vobject", "dateutil")


def bash_completion(words: str, db: Path) -> dict[str, str]:
    """The environment bash's completion function sets for `words` (the last word is typed)."""
    return {
        "_NETKEEP_COMPLETE": "complete_bash",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split(" ")) - 1),
        "NETKEEP_DB": str(db),
    }


def make_network(netkeep: str, db: Path, contacts: int, env: dict[str, str]) -> None:
    """A netkeep database (schema by netkeep itself) with `contacts` people, bulk-inserted."""
    subprocess.run(
        [netkeep, "add", "Sam Lee"], env={**env, "NETKEEP_DB": str(db)}, capture_output=True
    )
    first = ["Sam", "Sandra", "Ana", "Bo", "Kim", "Jo", "Lu", "Mia", "Noor", "Omar", "Pia", "Raj"]
    last = ["Lee", "Oh", "Ruiz", "Chen", "Park", "Smith", "Novak", "Haddad", "Okafor", "Silva"]
    rows = [
        (
            f"{first[i % len(first)]} {last[(i // len(first)) % len(last)]} {i}",
            json.dumps([f"p{i}@example.com"]),
            json.dumps(["bench"]),
            "network",
            "2026-01-01 00:00:00",
            int(i % 17 == 0),
        )
        for i in range(contacts - 1)
    ]
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO contact (name, emails, tags, tier, created_at, archived) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--contacts", type=int, default=10_000)
    args = parser.parse_args()

    python = args.python
    netkeep = str(Path(python).with_name("netkeep"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    workdir = Path(tempfile.mkdtemp(prefix="netkeep-completion-"))
    env["NETKEEP_CONFIG"] = str(workdir / "none.toml")
    small, large = workdir / "small.db", workdir / "large.db"
    make_network(netkeep, small, 20, env)
    make_network(netkeep, large, args.contacts, env)

    baseline = "python -c 'import sqlite3'"
    cases = {
        baseline: ([python, "-c", "import sqlite3"], env),
        "complete 'log sa' (20 contacts)": (
            [netkeep],
            {**env, **bash_completion("netkeep log sa", small)},
        ),
        f"complete 'log sa' ({args.contacts} contacts)": (
            [netkeep],
            {**env, **bash_completion("netkeep log sa", large)},
        ),
        "complete 'log sam --via '": (
            [netkeep],
            {**env, **bash_completion("netkeep log sam --via ", small)},
        ),
    }
    for cmd, case_env in cases.values():  # warm-up: page cache, .pyc files
        timed(cmd, case_env)
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, (cmd, case_env) in cases.items():
            samples[name].append(timed(cmd, case_env))

    median = {name: statistics.median(values) for name, values in samples.items()}
    print(f"{args.runs} runs each, medians; target {TARGET:g}x {baseline}")
    print(f"{'case':40} {'median ms':>10} {'ratio':>8}")
    for name in cases:
        line = f"{name:40} {median[name] * 1000:10.1f}"
        if name != baseline:
            ratio = median[name] / median[baseline]
            line += f" {ratio:7.2f}x  {'ok' if ratio <= TARGET else 'OVER'}"
        print(line)

    cmd, case_env = cases["complete 'log sa' (20 contacts)"]
    loaded = imports_of([python, "-m", "netkeep"], case_env)
    bad = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    print(f"completion imports {'none of ' + ', '.join(HEAVY) if not bad else ', '.join(bad)}")


if __name__ == "__main__":
    main()

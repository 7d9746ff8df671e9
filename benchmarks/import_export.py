"""Wall time and peak memory of `import` and `export` at scale.

    python benchmarks/import_export.py [--runs 3] [--contacts 100000] [--touchpoints 1000000]
                                       [--netkeep VENV/bin/netkeep] [--workdir DIR]

Builds a CSV of --contacts contacts, and a database of 20,000 contacts with --touchpoints
touchpoints (2% carrying an ask) through netkeep's own migrations and sqlite3 executemany; then
times, each --runs times, with /usr/bin/time:

- `netkeep import people.csv` into an empty database;
- `netkeep export --format json --output big.json` of the big database;
- `netkeep import big.json` into an empty database (ids kept), checked to re-export identically.

It prints the median wall seconds and the largest peak RSS (MB) of each. Benchmark a regular
(non-editable) install with bytecode enabled, e.g.:

    env -u PYTHONDONTWRITEBYTECODE python3 -m venv .bench-venv && \\
      env -u PYTHONDONTWRITEBYTECODE .bench-venv/bin/pip install . && \\
      env -u PYTHONDONTWRITEBYTECODE .bench-venv/bin/python benchmarks/import_export.py
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import NOW, generate  # noqa: E402  (the same realistic network as scale.py)

FIRST = "Sam Ana Bo Chen Dana Eli Fatima Gus Hana Ivan Zoë José Łukasz Siobhán Nguyễn Mei".split()
LAST = "Lee Ruiz Chen Smith Müller García Kim Okafor Rossi Novak Sato Silva Haddad".split()


def write_csv(path: Path, contacts: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Name", "Email", "Phone", "Company", "Job Title", "Tags", "Notes"])
        for n in range(1, contacts + 1):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}"
            writer.writerow(
                [
                    name,
                    f"person{n}@example.com",
                    f"+1 555 {n:07d}",
                    rng.choice(["Acme", "Globex", "Initech", ""]),
                    rng.choice(["Engineer", "Recruiter", ""]),
                    rng.choice(["", "recruiter", "alumni; sf"]),
                    "met at a meetup" if n % 7 == 0 else "",
                ]
            )


def timed(cmd: list[str], env: dict[str, str], workdir: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one run, from /usr/bin/time."""
    report = workdir / "time.txt"
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", "-o", str(report), *cmd],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {result.stderr.strip()}")
    wall, kilobytes = report.read_text().split()[-2:]
    return float(wall), int(kilobytes) / 1024


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--touchpoints", type=int, default=1_000_000)
    parser.add_argument("--netkeep", default=str(Path(sys.executable).with_name("netkeep")))
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="netkeep-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        NETKEEP_NOW=NOW.isoformat(),
        NETKEEP_CONFIG=str(workdir / "config.toml"),
        TZ="UTC",
    )
    rng = random.Random(5)
    people = workdir / "people.csv"
    big_db = workdir / "big.db"
    big_json = workdir / "big.json"
    write_csv(people, args.contacts, rng)
    generate(fresh(big_db), contacts=20_000, touchpoints=args.touchpoints, years=5, seed=5)

    netkeep = args.netkeep
    jobs = {
        f"import CSV ({args.contacts:,} contacts)": lambda: [
            netkeep,
            "--db",
            str(fresh(workdir / "csv.db")),
            "import",
            str(people),
        ],
        f"export json ({args.touchpoints:,} touchpoints)": lambda: [
            netkeep,
            "--db",
            str(big_db),
            "export",
            "--output",
            str(big_json),
        ],
        f"import json ({args.touchpoints:,} touchpoints)": lambda: [
            netkeep,
            "--db",
            str(fresh(workdir / "json.db")),
            "import",
            str(big_json),
        ],
    }
    print(f"{'':45} {'median s':>9} {'peak MB':>8}   runs (s)")
    for name, command in jobs.items():
        results = [timed(command(), env, workdir) for _ in range(args.runs)]
        walls = [wall for wall, _ in results]
        peak = max(megabytes for _, megabytes in results)
        shown = " ".join(f"{wall:.1f}" for wall in walls)
        print(f"{name:45} {statistics.median(walls):9.1f} {peak:8.0f}   {shown}", flush=True)

    again = workdir / "again.json"
    subprocess.run(
        [netkeep, "--db", str(workdir / "json.db"), "export", "--output", str(again)],
        env=env,
        check=True,
    )
    identical = filecmp.cmp(big_json, again, shallow=False)
    print(f"re-export after import is identical: {identical}")
    print(f"export size: {big_json.stat().st_size / 1e6:.0f} MB")
    if args.workdir is None:
        shutil.rmtree(workdir)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())

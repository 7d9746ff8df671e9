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

    env -u PYTHONDONTWRITEBYTECODE python3 -m venv /tmp/nkbench5 && \\
      env -u PYTHONDONTWRITEBYTECODE /tmp/nkbench5/bin/pip install . && \\
      env -u PYTHONDONTWRITEBYTECODE /tmp/nkbench5/bin/python benchmarks/import_export.py
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 6, 15, 12, 0, 0, tzinfo=UTC)
FIRST = "Sam Ana Bo Chen Dana Eli Fatima Gus Hana Ivan Zoë José Łukasz Siobhán Nguyễn Mei".split()
LAST = "Lee Ruiz Chen Smith Müller García Kim Okafor Rossi Novak Sato Silva Haddad".split()
CHANNELS = ["call"] * 4 + ["email"] * 4 + ["text", "meeting"]


def stamp(moment: datetime) -> str:
    """netkeep's storage form: naive UTC text with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


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


def build_database(path: Path, contacts: int, touchpoints: int, rng: random.Random) -> None:
    from netkeep.db import open_session

    with open_session(path, write=True):  # the file (0600), WAL and every migration
        pass
    span = timedelta(days=5 * 365)
    contact_rows = [
        (
            n,
            f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            json.dumps([f"c{n}@example.com"]),
            None,
            rng.choice(["Acme", None]),
            None,
            json.dumps(["bench"] if n % 3 == 0 else []),
            rng.choice(["close", "network", "acquaintance"]),
            "6w" if n % 10 == 0 else None,
            None,
            stamp(NOW - span),
            int(n % 50 == 0),
        )
        for n in range(1, contacts + 1)
    ]
    times = sorted(NOW - span * rng.random() for _ in range(touchpoints))
    touchpoint_rows, ask_rows = [], []
    for n, when in enumerate(times, start=1):
        direction = "out" if rng.random() < 0.6 else "in"
        channel = rng.choice(CHANNELS)
        contact_id = rng.randint(1, contacts)
        touchpoint_rows.append(
            (n, contact_id, stamp(when), channel, direction, int(channel == "meeting"), None, None)
        )
        if rng.random() < 0.02:
            status = rng.choice(["open", "done", "declined"])
            ask_rows.append(
                (
                    len(ask_rows) + 1,
                    contact_id,
                    n,
                    "me" if direction == "out" else "them",
                    "an introduction",
                    status,
                    stamp(when),
                    None if status == "open" else stamp(when + timedelta(days=3)),
                )
            )
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN")
    con.executemany("INSERT INTO contact VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", contact_rows)
    con.executemany("INSERT INTO touchpoint VALUES (?,?,?,?,?,?,?,?)", touchpoint_rows)
    con.executemany("INSERT INTO ask VALUES (?,?,?,?,?,?,?,?)", ask_rows)
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


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
    build_database(fresh(big_db), 20_000, args.touchpoints, rng)

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

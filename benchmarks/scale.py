"""Time netkeep's commands on a large network, each beside the floor of the same work.

    python benchmarks/scale.py [--quick] [--bin .bench-venv/bin] [--runs 5]
    python benchmarks/scale.py --engine postgresql --url ADMIN_URL [--quick] ...

Full mode: 10,000 contacts and 1,000,000 touchpoints over 5 years (benchmarks/generate.py);
--quick: 1,000 and 100,000 with 3 runs, to check the script itself. Every command runs as a fresh
process under `/usr/bin/time -f '%e %M'`; the table shows the median wall time and the median peak
memory over the runs. Floors, measured in the same run:
- start-up: `python -c "import sqlmodel"` (netkeep's dependency stack, no work);
- stale: a process that imports sqlmodel and runs one raw sqlite3 query for every contact's last
  touch (`SELECT contact_id, max(occurred_at) FROM touchpoint GROUP BY contact_id`).
Targets (see docs/reliability.md): stale <= 1.5x its floor; score and digest <= 4x the stale floor
(printed both as the ratio of medians and paired round by round: the median of each round's ratio);
`report` <= 1.5x `digest`, and its HTML page under 2 MB; no command above 500 MB peak; `log` on
the big database within 10% of `log` on a tiny one. `--only digest report` times just the
commands whose labels start with those words (and the floors).

`--engine postgresql --url ADMIN_URL` (a superuser's URL, e.g. the one `.ci/postgres` prints) also
loads the same network into the database `netkeep_bench_<contacts>_<touchpoints>` on that server
(`netkeep export` of the SQLite file, then `netkeep import` into PostgreSQL, then VACUUM and ANALYZE;
kept for later runs, reloaded with --regenerate) and times `stale`, `score` and `digest` there,
beside the same commands on the SQLite file in the same rounds. Target: each within 2x its SQLite
time.

Use a regular (non-editable) install for timing, and leave PYTHONDONTWRITEBYTECODE unset:
    python3 -m venv .bench-venv && .bench-venv/bin/pip install .
Not run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import NOW, busiest_contact  # noqa: E402
from harness import postgres_database, postgres_run  # noqa: E402

STALE_FLOOR = (
    "import sys, sqlite3, sqlmodel\n"
    "con = sqlite3.connect(sys.argv[1])\n"
    "rows = con.execute('SELECT contact_id, max(occurred_at) FROM touchpoint "
    "GROUP BY contact_id').fetchall()\n"
)


def paired_ratio(runs: list[tuple[float, float]], floors: list[tuple[float, float]]) -> float:
    """The median over rounds of a command's wall time divided by its floor's in that round."""
    return statistics.median(run[0] / floor[0] for run, floor in zip(runs, floors, strict=True))


def generate(python: str, path: Path, *, contacts: int, touchpoints: int, years: int) -> None:
    """benchmarks/generate.py, run by the benchmarked virtualenv's Python (it builds the schema
    through that netkeep, which the Python running this script need not have)."""
    argv = [python, str(HERE / "generate.py"), str(path), "--contacts", str(contacts)]
    argv += ["--touchpoints", str(touchpoints), "--years", str(years), "--seed", "6"]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"generate.py failed: {done.stderr[-400:]}")
    print(json.dumps(json.loads(done.stdout)))


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak MB of one fresh process."""
    with tempfile.NamedTemporaryFile("r") as report:
        done = subprocess.run(
            ["/usr/bin/time", "-o", report.name, "-f", "%e %M", *argv],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        last = report.read().strip().splitlines()[-1]
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-400:]}")
    wall, peak_kb = last.split()
    return float(wall), int(peak_kb) / 1024


def summarise(samples: list[tuple[float, float]]) -> dict:
    walls = [wall for wall, _ in samples]
    return {
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "peak_mb": round(statistics.median(peak for _, peak in samples), 1),
        "runs": len(samples),
    }


def postgres_env(env: dict[str, str], url: str, big: Path) -> dict[str, str]:
    """netkeep on the PostgreSQL database; NETKEEP_DB points at a file that must stay unused."""
    unused = big.with_name("unused-by-postgresql.db")
    return {**env, "NETKEEP_DATABASE_URL": url, "NETKEEP_DB": str(unused)}


def load_postgres(
    python: str, netkeep: str, admin_url: str, big: Path, name: str, fresh: bool, env: dict
) -> str:
    """The generated network in a PostgreSQL database of its own; returns that database's URL.

    Loaded the way a team would move to PostgreSQL: `netkeep export` of the file, `netkeep import`
    of the JSON (every id kept), then VACUUM and ANALYZE so the planner knows the tables (and
    index-only scans find the pages all-visible)."""
    url, created = postgres_database(python, admin_url, name, "fresh" if fresh else "keep")
    if not created:
        print(f"reusing PostgreSQL database {name} (--regenerate reloads it)")
        return url
    exported = big.with_suffix(".export.json")
    for argv, target in (
        ([netkeep, "--db", str(big), "export", "--format", "json", "--output", str(exported)], env),
        ([netkeep, "import", str(exported)], postgres_env(env, url, big)),
    ):
        done = subprocess.run(argv, env=target, capture_output=True, text=True)
        if done.returncode != 0:
            postgres_database(python, admin_url, name, "drop")  # no half-loaded database kept
            raise SystemExit(f"{' '.join(argv[1:3])} failed: {done.stderr[-400:]}")
    # With synchronous_commit off (as .ci/postgres runs the server) VACUUM cannot mark a page
    # all-visible, which index-only scans need, while the commit of its rows may not be flushed:
    # CHECKPOINT flushes the import's, and ANALYZE comes after VACUUM because its own commits
    # would hold VACUUM back again. (Autovacuum gets there later on a server in use.)
    postgres_run(python, url, "CHECKPOINT", "VACUUM", "ANALYZE")
    print(json.dumps({"postgresql": name, "loaded_from": exported.name}))
    return url


def has_command(netkeep: str, name: str, env: dict[str, str]) -> bool:
    probe = [netkeep, name, "--help"]
    return subprocess.run(probe, env=env, capture_output=True).returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 contacts, 100,000 touchpoints")
    parser.add_argument(
        "--bin",
        default=str(Path(sys.executable).parent),
        help="the bin folder of a virtualenv with netkeep installed (default: this Python's)",
    )
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--work", type=Path, default=HERE / "out")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--only", nargs="*", default=None, help="labels starting with these")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url", help="with --engine postgresql: a superuser's URL of the server")
    args = parser.parse_args(argv)
    if args.engine == "postgresql" and not args.url:
        parser.error("--engine postgresql needs --url ADMIN_URL")

    contacts, touchpoints = (1_000, 100_000) if args.quick else (10_000, 1_000_000)
    runs = args.runs or (3 if args.quick else 5)
    python, netkeep = str(Path(args.bin) / "python"), str(Path(args.bin) / "netkeep")
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    big = work / f"network-{contacts}-{touchpoints}.db"
    small = work / "tiny.db"

    regenerated = args.regenerate or not big.exists()
    if regenerated:
        generate(python, big, contacts=contacts, touchpoints=touchpoints, years=5)
    generate(python, small, contacts=10, touchpoints=50, years=1)
    heavy_id, heavy_count = busiest_contact(big)

    unwanted = ("PYTHONDONTWRITEBYTECODE", "NO_COLOR", "NETKEEP_DB", "NETKEEP_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(
        NETKEEP_NOW=NOW.isoformat(),
        NETKEEP_CONFIG=str(work / "no-config.toml"),
        XDG_CACHE_HOME=str(work / "cache"),  # a server's names cache: here, not the user's
        NETKEEP_DEBUG="0",
        TZ="UTC",
    )
    on_big = {**env, "NETKEEP_DB": str(big)}
    on_small = {**env, "NETKEEP_DB": str(small)}
    on_postgres = None
    if args.engine == "postgresql":
        name = f"netkeep_bench_{contacts}_{touchpoints}"
        url = load_postgres(python, netkeep, args.url, big, name, fresh=regenerated, env=env)
        on_postgres = postgres_env(env, url, big)

    # Warm the page cache and the bytecode caches once, so every run sees the same conditions.
    for target in (on_big, on_small, *([on_postgres] if on_postgres else [])):
        subprocess.run([netkeep, "stale"], env=target, capture_output=True)
    subprocess.run([python, "-c", STALE_FLOOR, str(big)], env=env, capture_output=True)

    plan: list[tuple[str, list[str], dict[str, str], object]] = []

    def bench(label: str, argv: list[str], target: dict[str, str], before=None) -> None:
        plan.append((label, argv, target, before))

    bench("floor: import sqlmodel", [python, "-c", "import sqlmodel"], env)
    bench("floor: stale query", [python, "-c", STALE_FLOOR, str(big)], env)
    bench("netkeep --version", [netkeep, "--version"], env)
    bench("log (tiny db)", [netkeep, "log", "#1", "--via", "email"], on_small)
    bench("log (big db)", [netkeep, "log", "#1", "--via", "email"], on_big)
    bench(f"show (busiest, {heavy_count} tp)", [netkeep, "show", f"#{heavy_id}"], on_big)
    bench("show --format json (busiest)", [netkeep, "show", f"#{heavy_id}", "-f", "json"], on_big)
    bench("stale", [netkeep, "stale"], on_big)
    bench("stale --format json", [netkeep, "stale", "-f", "json"], on_big)
    bench("list", [netkeep, "list"], on_big)
    for name, label in (("score", "score (all contacts)"), ("owe", "owe"), ("digest", "digest")):
        if has_command(netkeep, name, env):
            bench(label, [netkeep, name], on_big)
    page = work / "report.html"
    if has_command(netkeep, "report", env):
        bench("report", [netkeep, "report"], on_big)
        bench("report --html", [netkeep, "report", "--html", str(page)], on_big)
        bench("report --format json", [netkeep, "report", "-f", "json"], on_big)
    exported = work / "export.json"
    if has_command(netkeep, "export", env):
        bench(
            "export --format json",
            [netkeep, "export", "--format", "json", "--output", str(exported)],
            on_big,
        )
    if has_command(netkeep, "import", env):
        target = work / "imported.db"

        def fresh_target() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)

        bench(
            "import (export of big db)",
            [netkeep, "--db", str(target), "import", str(exported)],
            env,
            fresh_target,
        )

    if on_postgres is not None:
        # The same commands on the same network, SQLite beside PostgreSQL, in the same rounds.
        engines = ("stale", "score", "digest")
        plan = [step for step in plan if step[0].startswith("floor")]
        for name in engines:
            bench(f"{name} (sqlite)", [netkeep, name], on_big)
            bench(f"{name} (postgresql)", [netkeep, name], on_postgres)
    if args.only:
        plan = [
            step
            for step in plan
            if step[0].startswith("floor") or step[0].startswith(tuple(args.only))
        ]
    # Round-robin: every command once per round, so a burst of load from elsewhere on the
    # machine hits the commands and their floors alike.
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label, *_ in plan}
    for round_number in range(1, runs + 1):
        for label, argv, target, before in plan:
            if before:
                before()
            samples[label].append(run_once(argv, target))
        print(f"round {round_number}/{runs} done", flush=True)
    results = {label: summarise(found) for label, found in samples.items()}
    print()
    print(f"{'':<32} {'median':>8} {'min':>8} {'peak':>9}")
    for label, row in results.items():
        print(
            f"{label:<32} {row['median_s']:>7.2f}s {row['min_s']:>7.2f}s {row['peak_mb']:>6.0f} MB"
        )

    floor_start = results["floor: import sqlmodel"]["median_s"]
    floor_stale = results["floor: stale query"]["median_s"]
    checks = {}
    if "stale" in results:
        checks["stale <= 1.5x stale floor"] = results["stale"]["median_s"] / floor_stale
    if "log (big db)" in results:
        checks["log big / log tiny"] = (
            results["log (big db)"]["median_s"] / results["log (tiny db)"]["median_s"]
        )
        checks["log / import sqlmodel"] = results["log (big db)"]["median_s"] / floor_start
    for label in ("score (all contacts)", "digest"):
        if label in results:
            checks[f"{label} <= 4x stale floor"] = results[label]["median_s"] / floor_stale
            # Paired: each round's time over the same round's floor, then the median of those.
            # The floor and the command run seconds apart, so a drift in the machine's speed
            # between rounds (other work on shared cores) divides out.
            checks[f"{label}, paired by round"] = paired_ratio(
                samples[label], samples["floor: stale query"]
            )
    for name in ("stale", "score", "digest"):
        if f"{name} (postgresql)" in results and f"{name} (sqlite)" in results:
            checks[f"{name}: postgresql / sqlite (<= 2x)"] = (
                results[f"{name} (postgresql)"]["median_s"]
                / results[f"{name} (sqlite)"]["median_s"]
            )
    if "report" in results and "digest" in results:
        for label in ("report", "report --html", "report --format json"):
            checks[f"{label} / digest (report <= 1.5x)"] = (
                results[label]["median_s"] / results["digest"]["median_s"]
            )
    print()
    for label, ratio in checks.items():
        print(f"{label:<40} {ratio:5.2f}x")
    heaviest = max(results.items(), key=lambda item: item[1]["peak_mb"])
    print(f"{'highest peak memory':<40} {heaviest[1]['peak_mb']:.0f} MB ({heaviest[0]})")

    if page.exists():
        print(f"{'report --html page size':<40} {page.stat().st_size / 1e6:.2f} MB (< 2 MB)")
    summary = {
        "mode": "quick" if args.quick else "full",
        "engine": args.engine,
        "contacts": contacts,
        "touchpoints": touchpoints,
        "busiest_contact": {"id": heavy_id, "touchpoints": heavy_count},
        "runs": runs,
        "results": results,
        "ratios": {label: round(ratio, 2) for label, ratio in checks.items()},
        "report_html_bytes": page.stat().st_size if page.exists() else None,
    }
    suffix = "" if args.engine == "sqlite" else f"-{args.engine}"
    out = work / f"results-{summary['mode']}{suffix}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

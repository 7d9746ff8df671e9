"""Hostile capture files of one size (10 MB by default), each imported by a fresh `netkeep import`
under a memory cap (`prlimit --as`), timed by `/usr/bin/time -v`.

Usage: python benchmarks/hostile.py [--size-mb 10] [--cap-mb 1024] [--only NAME]

The shapes are those of tests/io/hostile_shapes.py (folded headers, spaces, encoded words, continuation
lines, long attributes, recurrences, empty messages, repeated and inflating zip entries). The
target: each one refused or imported in under 10 s and 300 MB peak resident memory. Prints one row
per shape: exit status, wall seconds, peak RSS and the last line netkeep wrote to stderr.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "io"))

from hostile_shapes import ME, SHAPES, make  # noqa: E402


def netkeep() -> list[str]:
    script = Path(sys.executable).with_name("netkeep")
    return [str(script)] if script.exists() else [sys.executable, "-m", "netkeep"]


def measure(name: str, size: int, cap_mb: int, folder: Path) -> tuple[int, float, int, str]:
    file_name, data, args = make(name, size)
    path = folder / file_name
    path.write_bytes(data)
    database = folder / "netkeep.db"
    database.unlink(missing_ok=True)
    env = {
        **os.environ,
        "NETKEEP_DB": str(database),
        "NETKEEP_NOW": "2026-06-15T12:00:00+00:00",
        "NETKEEP_CONFIG": str(folder / "config.toml"),
    }
    env.pop("NETKEEP_DATABASE_URL", None)
    command = [
        "prlimit",
        f"--as={cap_mb << 20}",
        "/usr/bin/time",
        "-v",
        *netkeep(),
        "import",
        str(path),
        "--create",
        *ME,
        *args,
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", result.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    seconds = 0.0
    if wall:
        hours, minutes, secs = wall.groups()
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    said = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    said = said or [line for line in result.stdout.splitlines() if line.strip()][:1]
    status = re.search(r"Exit status: (\d+)", result.stderr)
    code = int(status.group(1)) if status else result.returncode
    path.unlink()
    return code, seconds, int(rss.group(1)) // 1024 if rss else 0, (said or [""])[0][:110]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=10)
    parser.add_argument("--cap-mb", type=int, default=1024, help="prlimit --as for each import")
    parser.add_argument("--only", action="append", help="a shape name (repeatable)")
    options = parser.parse_args()
    size = int(options.size_mb * (1 << 20))
    print(f"{'shape':28} {'exit':>4} {'seconds':>8} {'peak MB':>8}  what netkeep said")
    with tempfile.TemporaryDirectory() as folder:
        for name in options.only or SHAPES:
            code, seconds, peak, said = measure(name, size, options.cap_mb, Path(folder))
            print(f"{name:28} {code:>4} {seconds:>8.2f} {peak:>8}  {said}", flush=True)


if __name__ == "__main__":
    main()

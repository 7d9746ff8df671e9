"""Capture from a large mbox: time and peak memory against the standard library's own parser.

    python benchmarks/capture_mbox.py [--messages 200000] [--netkeep VENV/bin/netkeep]
                                      [--workdir DIR]

Writes an mbox of --messages mails (threads of one to six messages between you and 2,000
correspondents, replies and quick follow-ups, with 5% mailing-list and no-reply mail), then
measures with /usr/bin/time:

- the baseline: a fresh Python reading every message with `mailbox.mbox` and the standard
  library's parser alone (the default `mboxMessage`, compat32, whole messages; and
  `BytesParser(policy=default)` on each message's bytes), doing nothing with them;
- `netkeep import FILE --create` into an empty database;
- the same import again, which must add nothing.

The targets: the first import within 3x the faster baseline, under 300 MB peak, and the second
import adding nothing in no more time than the first. Benchmark a regular (non-editable) install
with bytecode enabled (see benchmarks/import_export.py).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_export import fresh  # noqa: E402

ME = "alex@me.example"
BODY = (
    "Hi,\n\nThanks for the note. Following up on what we discussed: could we find a time next "
    "week? I have attached the notes.\n\n>From the last call: the plan stands.\n\nBest,\nA\n"
)


def write_mbox(path: Path, messages: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime(2018, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 6, 1, tzinfo=UTC) - start).total_seconds()
    people = [(f"Person {n}", f"person{n}@example{n % 50}.org") for n in range(2000)]
    written = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        thread = 0
        while written < messages:
            thread += 1
            when = start + timedelta(seconds=rng.random() * span * (written / messages))
            if rng.random() < 0.05:
                sender = (
                    ("Newsletter", "news@lists.example")
                    if rng.random() < 0.5
                    else (
                        "Jobs",
                        "no-reply@jobs.example",
                    )
                )
                headers = [f"From: {sender[0]} <{sender[1]}>", f"To: {ME}"]
                if sender[1].startswith("news"):
                    headers.append("List-Id: <weekly.lists.example>")
                _write(fh, sender[1], when, f"<t{thread}.0@x>", headers, "Weekly", None)
                written += 1
                continue
            name, email = rng.choice(people)
            mine = rng.random() < 0.5
            root = f"<t{thread}.0@x>"
            previous = None
            for position in range(rng.randint(1, 6)):
                if written >= messages:
                    break
                if position and rng.random() < 0.7:
                    mine = not mine  # a reply; otherwise a follow-up by the same side
                when += timedelta(minutes=rng.randint(5, 60 * 72))
                message_id = f"<t{thread}.{position}@x>"
                frm, to = (f"Alex Me <{ME}>", f"{name} <{email}>")
                if not mine:
                    frm, to = to, frm
                headers = [f"From: {frm}", f"To: {to}"]
                if previous:
                    headers += [f"In-Reply-To: {previous}", f"References: {root} {previous}"]
                sender = ME if mine else email
                _write(fh, sender, when, message_id, headers, f"Thread {thread}", previous)
                previous = message_id
                written += 1


def _write(fh, sender, when, message_id, headers, subject, previous) -> None:
    fh.write(f"From {sender} {when.strftime('%a %b %d %H:%M:%S %Y')}\n")
    fh.write(f"Message-ID: {message_id}\n")
    for header in headers:
        fh.write(header + "\n")
    fh.write(f"Date: {format_datetime(when)}\n")
    fh.write(f"Subject: {'Re: ' if previous else ''}{subject}\n\n")
    fh.write(BODY.replace("\n>From", "\n>>From") + "\n")


def timed(cmd: list[str], env: dict[str, str], workdir: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one run, from /usr/bin/time.

    CPU time (user + system) is the fair comparison on a shared machine, where wall time
    depends on who else is running."""
    report = workdir / "time.txt"
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %U %S %M", "-o", str(report), *cmd],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {result.stderr.strip()}")
    wall, user, system, kilobytes = report.read_text().split()[-4:]
    return float(wall), float(user) + float(system), int(kilobytes) / 1024


def shown(figures: tuple[float, float, float]) -> str:
    wall, cpu, peak = figures
    return f"{wall:.1f} s wall, {cpu:.1f} s CPU, {peak:.0f} MB peak"


BASELINES = {
    "mailbox.mbox (compat32 mboxMessage)": (
        "import mailbox, sys\nfor message in mailbox.mbox(sys.argv[1], create=False):\n    pass\n"
    ),
    "BytesParser(policy=default) per message": (
        "import mailbox, sys\nfrom email.parser import BytesParser\n"
        "from email.policy import default\nparser = BytesParser(policy=default)\n"
        "box = mailbox.mbox(sys.argv[1], factory=None, create=False)\n"
        "for key in box.iterkeys():\n    parser.parsebytes(box.get_bytes(key))\n"
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--netkeep", default=shutil.which("netkeep") or "netkeep")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="nk-capture-"))
    workdir.mkdir(parents=True, exist_ok=True)
    mbox = workdir / "takeout.mbox"
    if not mbox.exists():
        write_mbox(mbox, args.messages)
    print(f"{mbox}: {args.messages:,} messages, {mbox.stat().st_size / 1e6:,.0f} MB")
    python = str(Path(args.netkeep).with_name("python"))
    env = dict(os.environ)
    env.update(
        NETKEEP_DB=str(workdir / "capture.db"),
        NETKEEP_CONFIG=str(workdir / "none.toml"),
        NETKEEP_NOW="2026-06-15T12:00:00+00:00",
    )
    baselines = {}
    for name, code in BASELINES.items():
        script = workdir / "baseline.py"
        script.write_text(code)
        baselines[name] = timed([python, str(script), str(mbox)], env, workdir)
        print(f"baseline {name}: {shown(baselines[name])}")
    fresh(workdir / "capture.db")
    command = [args.netkeep, "import", str(mbox), "--me-email", ME, "--create"]
    first = timed(command, env, workdir)
    print(f"netkeep import (empty database): {shown(first)}")
    second = timed(command, env, workdir)
    print(f"netkeep import again: {shown(second)}")
    report = subprocess.run(command + ["--dry-run"], env=env, capture_output=True, text=True)
    print(report.stderr.strip().splitlines()[0])
    for index, what in ((0, "wall"), (1, "CPU")):
        fastest = min(figures[index] for figures in baselines.values())
        print(
            f"{what}: import / faster baseline {first[index] / fastest:.2f}x (target <= 3x), "
            f"second / first import {second[index] / first[index]:.2f} (target <= 1)"
        )
    print(f"peak memory {max(first[2], second[2]):.0f} MB (target < 300)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

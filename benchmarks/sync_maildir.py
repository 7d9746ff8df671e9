"""Sync from a large Maildir: the first sync against the standard library's own read of the headers,
and a re-sync against `netkeep stale` on the same database.

    python benchmarks/sync_maildir.py [--messages 100000] [--resync-messages 20000]
                                      [--netkeep VENV/bin/netkeep] [--workdir DIR]

Writes a Maildir of --messages mails (the threads of benchmarks/capture_mbox.py: you and 2,000
correspondents, 5% mailing-list and no-reply mail), then measures with /usr/bin/time:

- the baseline: a fresh Python listing the Maildir with `mailbox.Maildir` and reading every
  message's headers with the standard library alone (`BytesHeaderParser(policy=default)` on each
  message's bytes; and `mailbox.Maildir`'s own compat32 messages), doing nothing with them;
- `netkeep sync --create` of that Maildir, registered with `source add`, into an empty database.

Targets: the first sync within 3x the faster baseline's CPU time, under 300 MB peak.

Then, on a second Maildir of --resync-messages mails synced once: `netkeep sync` with nothing new,
and with 10 new messages, each against `netkeep stale` on the same database (target: at most 2x).
Benchmark a regular (non-editable) install with bytecode enabled (see benchmarks/import_export.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from capture_mbox import ME, shown, timed, write_mbox  # noqa: E402
from import_export import fresh  # noqa: E402

BASELINES = {
    "BytesHeaderParser(policy=default) per message": (
        "import mailbox, sys\nfrom email.parser import BytesHeaderParser\n"
        "from email.policy import default\nparser = BytesHeaderParser(policy=default)\n"
        "box = mailbox.Maildir(sys.argv[1], factory=None, create=False)\n"
        "for key in box.iterkeys():\n    parser.parsebytes(box.get_bytes(key))\n"
    ),
    "mailbox.Maildir (compat32 MaildirMessage)": (
        "import mailbox, sys\nfor message in mailbox.Maildir(sys.argv[1], create=False):\n"
        "    message['from']\n"
    ),
}


def write_maildir(path: Path, messages: int, workdir: Path, seed: int = 7) -> None:
    """A Maildir of `messages` mails, half read (in cur/ with flag S), half new: the mails of
    capture_mbox's generator, split at their `From ` lines and written one file each."""
    source = workdir / f"source-{messages}.mbox"
    write_mbox(source, messages, seed=seed)
    for part in ("cur", "new", "tmp"):
        (path / part).mkdir(parents=True, exist_ok=True)
    index = 0
    current: list[bytes] = []

    def flush() -> None:
        if not current:
            return
        name = f"{1780000000 + index}.M{index}P{seed}.bench"
        target = path / "cur" / f"{name}:2,S" if index % 2 else path / "new" / name
        target.write_bytes(b"".join(current))

    with source.open("rb") as fh:
        for line in fh:
            if line.startswith(b"From "):
                flush()
                index += 1
                current = []
                continue
            current.append(line)
    flush()
    source.unlink()


def add_new(path: Path, count: int, workdir: Path) -> None:
    extra = workdir / "extra"
    shutil.rmtree(extra, ignore_errors=True)
    write_maildir(extra, count, workdir, seed=11)
    for name in os.listdir(extra / "new"):
        os.rename(extra / "new" / name, path / "new" / f"x{name}")


def setup(env: dict[str, str], netkeep: str, maildir: Path, database: Path) -> list[str]:
    fresh(database)
    subprocess.run([netkeep, "source", "add", "mail", str(maildir)], env=env, check=True)
    return [netkeep, "sync", "--create"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--resync-messages", type=int, default=20_000)
    parser.add_argument("--netkeep", default=shutil.which("netkeep") or "netkeep")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="nk-sync-"))
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "config.toml"
    config.write_text(f'[me]\nemails = ["{ME}"]\n')
    python = str(Path(args.netkeep).with_name("python"))
    env = dict(os.environ, NETKEEP_CONFIG=str(config), NETKEEP_NOW="2026-06-15T12:00:00+00:00")

    big = workdir / f"maildir-{args.messages}"
    if not big.exists():
        write_maildir(big, args.messages, workdir)
    print(f"{big}: {args.messages:,} messages")
    baselines = {}
    for name, code in BASELINES.items():
        script = workdir / "baseline.py"
        script.write_text(code)
        baselines[name] = timed([python, str(script), str(big)], env, workdir)
        print(f"baseline {name}: {shown(baselines[name])}")
    env["NETKEEP_DB"] = str(workdir / "first.db")
    first = timed(setup(env, args.netkeep, big, workdir / "first.db"), env, workdir)
    print(f"netkeep sync (first, empty database): {shown(first)}")
    fastest = min(figures[1] for figures in baselines.values())
    print(f"CPU: first sync / faster baseline {first[1] / fastest:.2f}x (target <= 3x)")
    print(f"peak memory {first[2]:.0f} MB (target < 300)")

    small = workdir / f"maildir-{args.resync_messages}"
    if not small.exists():
        write_maildir(small, args.resync_messages, workdir, seed=9)
    env["NETKEEP_DB"] = str(workdir / "resync.db")
    subprocess.run(setup(env, args.netkeep, small, workdir / "resync.db"), env=env, check=True)
    stale = timed([args.netkeep, "stale"], env, workdir)
    unchanged = timed([args.netkeep, "sync"], env, workdir)
    add_new(small, 10, workdir)
    ten_new = timed([args.netkeep, "sync"], env, workdir)
    print(f"netkeep stale: {shown(stale)}")
    print(f"netkeep sync, nothing new: {shown(unchanged)}")
    print(f"netkeep sync, 10 new messages: {shown(ten_new)}")
    for what, figures in (("nothing new", unchanged), ("10 new", ten_new)):
        print(
            f"re-sync ({what}) / stale: {figures[0] / stale[0]:.2f}x wall, "
            f"{figures[1] / stale[1]:.2f}x CPU (target <= 2x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

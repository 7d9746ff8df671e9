"""Generate a realistic netkeep network for benchmarks.

    python benchmarks/generate.py OUT.db [--contacts 10000] [--touchpoints 1000000] [--years 5]

The schema is netkeep's own (created and migrated through `netkeep.db`); the rows go in with
sqlite3 `executemany`. The shape is what a busy recruiter's network looks like: how often you are in
touch with someone is heavy-tailed (Pareto), so a few hundred people hold most of the touchpoints
and thousands have a handful; many relationships went dormant years ago; calls and emails dominate;
about 2% of touchpoints carry an ask and 3% a give. Deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import sqlite3
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 6, 15, 12, 0, 0, tzinfo=UTC)  # benchmarks run with NETKEEP_NOW set to this

FIRST = (
    "Sam Ana Bo Chen Dana Eli Fatima Gus Hana Ivan Jo Kai Lea Mo Nia Omar Pia Quinn Rosa Sven "
    "Tara Uma Vic Wen Xia Yara Zoë José Łukasz Siobhán Nguyễn Aarav Mei Noa Ines Kofi Amara"
).split()
LAST = (
    "Lee Ruiz Chen Smith Müller García Kim Okafor Rossi Novak Sato Silva Haddad Cohen Berg "
    "Dubois Ivanova Patel Brown Nakamura Kowalski O'Brien Andersen Moreau Costa Jensen"
).split()
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", None, None]
TAGS = ["recruiter", "candidate", "client", "mentor", "alumni", "investor", "friend", "sf", "nyc"]
TIERS = ["inner"] * 2 + ["close"] * 8 + ["network"] * 60 + ["acquaintance"] * 30
CADENCES = ["2w", "1m", "6w", "3m", "6m", "1y"]
CHANNELS = ["call"] * 40 + ["email"] * 35 + ["text"] * 10 + ["meeting"] * 10 + ["social"] * 3
CHANNELS += ["letter", "other"]
ASKS = ["a recommendation", "an introduction", "a job lead", "a reference", "feedback on a CV"]
GIVES = ["introduction", "referral", "recommendation", "advice", "job lead"]


def stamp(moment: datetime) -> str:
    """netkeep's storage form (naive UTC text with microseconds)."""
    from netkeep.dates import to_db

    return to_db(moment)


def generate(path: Path, *, contacts: int, touchpoints: int, years: float, seed: int) -> dict:
    from netkeep.db import open_session

    rng = random.Random(seed)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with open_session(path, write=True):  # creates the file (0600), WAL, every migration
        pass

    span = timedelta(days=365.25 * years)
    start = NOW - span
    people = []
    for contact_id in range(1, contacts + 1):
        created = start + span * rng.random() ** 1.5  # more contacts added early on
        dormant = rng.random() < 0.45
        active_until = created + (NOW - created) * rng.random() if dormant else NOW
        people.append(
            {
                "id": contact_id,
                "created": created,
                "until": active_until,
                # The 80/20 shape, capped: nobody is in touch more than a few times a day.
                "weight": min(rng.paretovariate(1.16), 150.0),
                "p_out": rng.betavariate(2, 2),
            }
        )

    contact_rows = []
    for person in people:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        slug = name.lower().replace(" ", ".").replace("'", "")
        contact_rows.append(
            (
                person["id"],
                name,
                json.dumps([f"{slug}.{person['id']}@example.com"]),
                f"+1 555 {person['id']:07d}" if rng.random() < 0.6 else None,
                rng.choice(COMPANIES),
                None,
                json.dumps(rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2]))),
                rng.choice(TIERS),
                rng.choice(CADENCES) if rng.random() < 0.1 else None,
                None,
                stamp(person["created"]),
                int(rng.random() < 0.02),
            )
        )

    cumulative = list(itertools.accumulate(p["weight"] for p in people))
    total = cumulative[-1]
    events = []
    for _ in range(touchpoints):
        person = people[bisect.bisect(cumulative, rng.random() * total)]
        window = (person["until"] - person["created"]).total_seconds()
        when = person["created"] + timedelta(seconds=window * rng.random())
        events.append((when, person))
    events.sort(key=lambda event: event[0])  # ids grow with time, as when logged day by day

    touchpoint_rows, ask_rows, give_rows = [], [], []
    for touchpoint_id, (when, person) in enumerate(events, start=1):
        channel = rng.choice(CHANNELS)
        direction = "out" if rng.random() < person["p_out"] else "in"
        two_way = channel == "meeting" or (channel == "call" and rng.random() < 0.55)
        # A thank-you or an answer marked as needing no reply: now and then.
        no_reply = direction == "in" and not two_way and rng.random() < 0.005
        touchpoint_rows.append(
            (
                touchpoint_id,
                person["id"],
                stamp(when),
                channel,
                direction,
                int(two_way),
                None,
                int(no_reply),
            )
        )
        if rng.random() < 0.03:
            by = "me" if direction == "out" else "them"
            give_rows.append(
                (
                    len(give_rows) + 1,
                    person["id"],
                    touchpoint_id,
                    by,
                    rng.choice(GIVES),
                    stamp(when),
                    None,
                )
            )
        if rng.random() < 0.02:
            status = rng.choices(["open", "done", "declined"], [30, 50, 20])[0]
            resolved = when + timedelta(days=rng.expovariate(1 / 20))
            if status != "open" and resolved > NOW:
                status = "open"
            ask_rows.append(
                (
                    len(ask_rows) + 1,
                    person["id"],
                    touchpoint_id,
                    "me" if direction == "out" else "them",
                    rng.choice(ASKS),
                    status,
                    stamp(when),
                    None if status == "open" else stamp(resolved),
                )
            )

    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -200000")
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO contact (id, name, emails, phone, company, title, tags, tier, cadence, note, "
        "created_at, archived) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        contact_rows,
    )
    con.executemany(
        "INSERT INTO touchpoint (id, contact_id, occurred_at, channel, direction, two_way, note, "
        "no_reply) VALUES (?,?,?,?,?,?,?,?)",
        touchpoint_rows,
    )
    con.executemany("INSERT INTO ask VALUES (?,?,?,?,?,?,?,?)", ask_rows)
    con.executemany("INSERT INTO give VALUES (?,?,?,?,?,?,?)", give_rows)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    per_contact = sorted(Counter(row[1] for row in touchpoint_rows).values(), reverse=True)
    return {
        "path": str(path),
        "contacts": contacts,
        "touchpoints": touchpoints,
        "asks": len(ask_rows),
        "busiest_contact_touchpoints": per_contact[0] if per_contact else 0,
        "contacts_with_touchpoints": len(per_contact),
        "top_1pct_share": round(
            sum(per_contact[: max(1, contacts // 100)]) / max(1, touchpoints), 3
        ),
        "seconds": round(time.perf_counter() - started, 1),
        "megabytes": round(path.stat().st_size / 1e6, 1),
    }


def busiest_contact(path: Path) -> tuple[int, int]:
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT contact_id, count(*) AS n FROM touchpoint GROUP BY contact_id "
            "ORDER BY n DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--touchpoints", type=int, default=1_000_000)
    parser.add_argument("--years", type=float, default=5)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    summary = generate(
        args.out,
        contacts=args.contacts,
        touchpoints=args.touchpoints,
        years=args.years,
        seed=args.seed,
    )
    json.dump(summary, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

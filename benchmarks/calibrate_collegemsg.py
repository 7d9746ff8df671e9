"""Calibrate the reciprocity bands on real behaviour: the SNAP CollegeMsg message network.

One user is "me"; each correspondent is a contact; each message is a one-way ``text`` touchpoint
(``out`` when "me" sent it, ``in`` otherwise). A message from the other side within the response
window answers it. Every correspondent is scored at now = the last timestamp in the data set, and the
band distribution is printed with a few examples.

    python benchmarks/calibrate_collegemsg.py [PATH] [--user 103] [--half-life-days 180]
        [--window-days 14]
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

from netkeep.scoring import ScoringSettings, score_contact

DEFAULT_PATH = Path("/work/shared/data/collegemsg/CollegeMsg.txt")


def load(path: Path) -> list[tuple[int, int, int]]:
    messages = []
    with path.open() as lines:
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and parts[0].isdigit():
                messages.append((int(parts[0]), int(parts[1]), int(parts[2])))
    return messages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--user", type=int, default=103)
    parser.add_argument("--half-life-days", type=float, default=180)
    parser.add_argument("--window-days", type=float, default=14)
    args = parser.parse_args()

    messages = load(args.path)
    last = max(ts for _, _, ts in messages)
    now = datetime.fromtimestamp(last, UTC)
    settings = ScoringSettings(
        half_life=timedelta(days=args.half_life_days),
        response_window=timedelta(days=args.window_days),
    )

    # (id, epoch seconds, direction, two_way, channel, give, ask): the scoring module's tuple form.
    histories: dict[int, list[tuple]] = defaultdict(list)
    for number, (src, dst, ts) in enumerate(messages, start=1):
        if src == args.user and dst != args.user:
            histories[dst].append((number, ts, "out", False, "text", None, None))
        elif dst == args.user and src != args.user:
            histories[src].append((number, ts, "in", False, "text", None, None))

    rows = {
        other: score_contact(tps, now=now, settings=settings) for other, tps in histories.items()
    }
    bands = Counter(row["band"] for row in rows.values())
    print(
        f"user {args.user}: {len(messages)} messages in the data set, {len(rows)} correspondents, "
        f"{sum(len(tps) for tps in histories.values())} touchpoints, now = {now:%Y-%m-%d}"
    )
    print("band distribution:")
    for band in ("new", "mutual", "you-carry", "they-carry", "unresponsive", "fair-weather"):
        print(f"  {band:<13} {bands.get(band, 0):>4}")
    scored = sorted(row["score"] for row in rows.values() if row["score"] is not None)
    if scored:
        quartiles = [scored[int(q * (len(scored) - 1))] for q in (0, 0.25, 0.5, 0.75, 1)]
        print("scores (min, q1, median, q3, max):", ", ".join(map(str, quartiles)))

    print("examples (the busiest correspondent of each band):")
    by_band: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for other, row in rows.items():
        by_band[row["band"]].append((other, row))
    for band, members in sorted(by_band.items()):
        other, row = max(members, key=lambda pair: pair[1]["touchpoints"])
        outs = sum(1 for tp in histories[other] if tp[2] == "out")
        print(
            f"  {band}: user {other}, {row['touchpoints']} messages ({outs} from me), "
            f"score {row['score']}, initiative {row['initiative']}, "
            f"their/my response {row['their_response_rate']}/{row['my_response_rate']}"
        )
        print(f"    {row['explanation']}")


if __name__ == "__main__":
    main()

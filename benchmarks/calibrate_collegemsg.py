"""Calibrate the reciprocity bands on real behaviour: SNAP's CollegeMsg message network.

Seen from each of the busiest users in turn ("me"), every correspondent is a contact and every
message a one-way ``text`` touchpoint (``out`` when "me" sent it, ``in`` otherwise), scored at
now = the last timestamp of the data set. Correspondents are grouped by what the raw messages
plainly show, and the script prints, per user and group, how many land in each band:

- one-way by you: "me" wrote, they never did (expected: ``unresponsive``);
- one-way by them: they wrote, "me" never did (expected: ``they-carry``);
- back and forth: both wrote, neither more than twice as often as the other (expected: mostly
  ``mutual``);
- lopsided: both wrote, one more than twice as often (no expectation, shown for context).

    python benchmarks/calibrate_collegemsg.py [PATH] [--users 5] [--markdown]

PATH defaults to ../shared/data/collegemsg/CollegeMsg.txt beside the repository (SNAP's format:
``SRC DST UNIXTS`` lines after a header). docs/scoring.md holds the table this prints.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from netkeep.scoring import ScoringSettings, score_contact

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO.parent / "shared" / "data" / "collegemsg" / "CollegeMsg.txt"
BANDS = ("new", "mutual", "you-carry", "they-carry", "unresponsive", "fair-weather")
GROUPS = ("one-way by you", "one-way by them", "back and forth", "lopsided")
EXPECTED = {
    "one-way by you": "unresponsive",
    "one-way by them": "they-carry",
    "back and forth": "mutual",
}


def load(path: Path) -> list[tuple[int, int, int]]:
    """(src, dst, unix time) per message; the header and blank lines are skipped."""
    messages = []
    with path.open() as lines:
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and parts[0].isdigit():
                messages.append((int(parts[0]), int(parts[1]), int(parts[2])))
    return messages


def busiest(messages: Iterable[tuple[int, int, int]], count: int) -> list[int]:
    """The users with the most distinct correspondents (ties: lower id)."""
    partners: dict[int, set[int]] = defaultdict(set)
    for src, dst, _ in messages:
        if src != dst:
            partners[src].add(dst)
            partners[dst].add(src)
    return sorted(partners, key=lambda user: (-len(partners[user]), user))[:count]


def histories(messages: Iterable[tuple[int, int, int]], user: int) -> dict[int, list[tuple]]:
    """Touchpoint tuples (id, epoch seconds, direction, two_way, channel, give) per correspondent."""
    result: dict[int, list[tuple]] = defaultdict(list)
    for number, (src, dst, ts) in enumerate(messages, start=1):
        if src == user and dst != user:
            result[dst].append((number, float(ts), "out", False, "text", None))
        elif dst == user and src != user:
            result[src].append((number, float(ts), "in", False, "text", None))
    return result


def group_of(touchpoints: list[tuple]) -> str:
    outs = sum(1 for tp in touchpoints if tp[2] == "out")
    ins = len(touchpoints) - outs
    if not ins:
        return "one-way by you"
    if not outs:
        return "one-way by them"
    return "back and forth" if max(outs, ins) <= 2 * min(outs, ins) else "lopsided"


def band_table(
    messages: list[tuple[int, int, int]], users: list[int], now: datetime
) -> dict[int, dict[str, Counter]]:
    """Per user, per group: a count of bands (contacts with fewer than 3 messages left out)."""
    settings = ScoringSettings()
    table: dict[int, dict[str, Counter]] = {}
    for user in users:
        groups: dict[str, Counter] = {group: Counter() for group in GROUPS}
        for touchpoints in histories(messages, user).values():
            if len(touchpoints) < 3:
                continue
            row = score_contact(touchpoints, now=now, settings=settings)
            groups[group_of(touchpoints)][row["band"]] += 1
        table[user] = groups
    return table


def share(counts: Counter, band: str) -> float | None:
    total = sum(counts.values())
    return counts[band] / total if total else None


def render(table: dict[int, dict[str, Counter]], markdown: bool) -> str:
    shown = [band for band in BANDS if band != "new"]
    lines = []
    if markdown:
        lines.append("| user | correspondents | n | " + " | ".join(shown) + " | expected band |")
        lines.append("| --- | --- | ---: | " + " | ".join("---:" for _ in shown) + " | ---: |")
    for user, groups in table.items():
        for group, counts in groups.items():
            total = sum(counts.values())
            if not total:
                continue
            expected = EXPECTED.get(group)
            hit = f"{share(counts, expected):.0%}" if expected else ""
            cells = [str(counts.get(band, 0)) for band in shown]
            if markdown:
                lines.append(f"| {user} | {group} | {total} | " + " | ".join(cells) + f" | {hit} |")
            else:
                lines.append(
                    f"user {user:>5}  {group:<16} n={total:<4} "
                    + "  ".join(f"{band}={count}" for band, count in zip(shown, cells, strict=True))
                    + (f"  -> {expected} {hit}" if expected else "")
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--users", type=int, default=5, help="How many of the busiest users.")
    parser.add_argument("--markdown", action="store_true", help="Print a Markdown table.")
    args = parser.parse_args()
    if not args.path.is_file():
        sys.exit(
            f"{args.path}: no such file. Download CollegeMsg.txt from SNAP "
            "(https://snap.stanford.edu/data/CollegeMsg.html) and pass its path."
        )
    messages = load(args.path)
    now = datetime.fromtimestamp(max(ts for _, _, ts in messages), UTC)
    users = busiest(messages, args.users)
    print(render(band_table(messages, users, now), args.markdown))


if __name__ == "__main__":
    main()

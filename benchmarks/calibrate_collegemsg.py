"""Calibrate the reciprocity bands on real behaviour: SNAP's CollegeMsg message network.

Seen from each of the busiest users in turn ("me"), every correspondent is a contact and every
message a one-way ``text`` touchpoint (``out`` when "me" sent it, ``in`` otherwise), scored at
now = the last timestamp of the data set. Correspondents with at least three messages are grouped
by what the raw messages plainly show, and checked:

- one-way by you: "me" wrote, they never did. Fits when ``unresponsive``.
- one-way by them: they wrote, "me" never did. Fits when ``they-carry``.
- back and forth: each side sent 40-60 % of the messages, at least 5 each way. Fits when
  ``mutual``, or carried by whoever started at least two thirds of their conversations (a
  conversation starts after a day's silence): ``you-carry`` when "me" did, ``they-carry`` when
  they did. Never ``unresponsive`` or ``fair-weather``.
- other: the rest (shown for context, no expectation).

The check passes when, for every user, at least 80 % of the back-and-forth pairs fit and none is
``unresponsive`` or ``fair-weather``, and at least 90 % of each one-way group fits.

    python benchmarks/calibrate_collegemsg.py [PATH] [--users 10] [--markdown]

PATH defaults to ../shared/data/collegemsg/CollegeMsg.txt beside the repository (SNAP's format:
``SRC DST UNIXTS`` lines after a header). docs/scoring.md holds the table this prints; the exit
status is 1 when the check fails.
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
GROUPS = ("one-way by you", "one-way by them", "back and forth", "other")
FIT_NEEDED = {"one-way by you": 0.9, "one-way by them": 0.9, "back and forth": 0.8}
NEVER = ("unresponsive", "fair-weather")  # for back-and-forth pairs
CONVERSATION_SILENCE = 86400  # seconds: a message after a day's silence starts a conversation


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
    if min(outs, ins) >= 5 and 0.4 <= outs / len(touchpoints) <= 0.6:
        return "back and forth"
    return "other"


def my_share_of_starts(touchpoints: list[tuple]) -> float:
    """The share of conversations "me" started, a conversation starting after a day's silence."""
    ordered = sorted(touchpoints, key=lambda tp: (tp[1], tp[0]))
    starts = [ordered[0][2]] + [
        tp[2]
        for prev, tp in zip(ordered, ordered[1:], strict=False)
        if tp[1] - prev[1] > CONVERSATION_SILENCE
    ]
    return starts.count("out") / len(starts)


def fits(group: str, band: str, touchpoints: list[tuple]) -> bool | None:
    """Whether the band fits what the raw messages show (None: no expectation)."""
    if group == "one-way by you":
        return band == "unresponsive"
    if group == "one-way by them":
        return band == "they-carry"
    if group == "back and forth":
        mine = my_share_of_starts(touchpoints)
        return (
            band == "mutual"
            or (band == "you-carry" and mine >= 2 / 3)
            or (band == "they-carry" and 1 - mine >= 2 / 3)
        )
    return None


class Cell:
    """One user's correspondents in one group: their bands, and how many fit."""

    def __init__(self) -> None:
        self.bands: Counter = Counter()
        self.fit = 0

    @property
    def total(self) -> int:
        return sum(self.bands.values())

    def share(self) -> float:
        return self.fit / self.total if self.total else 1.0


def band_table(
    messages: list[tuple[int, int, int]], users: list[int], now: datetime
) -> dict[int, dict[str, Cell]]:
    """Per user, per group: the bands and fits (contacts with fewer than 3 messages left out)."""
    settings = ScoringSettings()
    table: dict[int, dict[str, Cell]] = {}
    for user in users:
        groups = {group: Cell() for group in GROUPS}
        for touchpoints in histories(messages, user).values():
            if len(touchpoints) < 3:
                continue
            band = score_contact(touchpoints, now=now, settings=settings)["band"]
            group = group_of(touchpoints)
            groups[group].bands[band] += 1
            groups[group].fit += bool(fits(group, band, touchpoints))
        table[user] = groups
    return table


def failures(table: dict[int, dict[str, Cell]]) -> list[str]:
    """What misses the check, one line each (empty: it passes)."""
    missed = []
    for user, groups in table.items():
        for group, needed in FIT_NEEDED.items():
            cell = groups[group]
            if cell.total and cell.share() < needed:
                missed.append(f"user {user}: {group} {cell.share():.0%} < {needed:.0%}")
        wrong = sum(groups["back and forth"].bands[band] for band in NEVER)
        if wrong:
            missed.append(f"user {user}: {wrong} back-and-forth pairs unresponsive or fair-weather")
    return missed


def render(table: dict[int, dict[str, Cell]], markdown: bool) -> str:
    shown = [band for band in BANDS]
    lines = []
    if markdown:
        lines.append("| user | correspondents | n | " + " | ".join(shown) + " | fit |")
        lines.append("| --- | --- | ---: | " + " | ".join("---:" for _ in shown) + " | ---: |")
    for user, groups in table.items():
        for group, cell in groups.items():
            if not cell.total:
                continue
            hit = f"{cell.share():.0%}" if group in FIT_NEEDED else ""
            cells = [str(cell.bands.get(band, 0)) for band in shown]
            if markdown:
                lines.append(
                    f"| {user} | {group} | {cell.total} | " + " | ".join(cells) + f" | {hit} |"
                )
            else:
                lines.append(
                    f"user {user:>5}  {group:<16} n={cell.total:<4} "
                    + "  ".join(f"{band}={count}" for band, count in zip(shown, cells, strict=True))
                    + (f"  fit {hit}" if hit else "")
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--users", type=int, default=10, help="How many of the busiest users.")
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
    table = band_table(messages, users, now)
    print(render(table, args.markdown))
    missed = failures(table)
    for line in missed:
        print(f"check: {line}", file=sys.stderr)
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()

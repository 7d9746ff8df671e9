"""Pictures in the terminal: timelines, gauges, bars, sparklines and calendars made of glyphs.

Every picture is a list of lines, each a list of (text, style) pieces: the glyphs carry the meaning
on their own (so a picture reads with NO_COLOR and when piped) and the style only adds colour on a
terminal. Lines never exceed the width they are drawn for. `ascii=True` draws with ASCII only.
Rich is imported only to print on a colour terminal. docs/pictures.md shows each picture.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from netkeep.text import plural

Piece = tuple[str, str | None]
Line = list[Piece]

# NETKEEP_PICTURES: words separated by commas: `auto` (the default: pictures on a terminal, for
# table output), `always`, `never`, and `ascii` (draw with ASCII only), e.g. `always,ascii`.
PICTURES_ENV = "NETKEEP_PICTURES"

BAND_STYLE = {
    "mutual": "green",
    "you-carry": "yellow",
    "they-carry": "cyan",
    "unresponsive": "red",
    "fair-weather": "magenta",
    "new": "dim",
}
_GLYPHS: dict[bool, dict[str, str]] = {
    False: {
        "touch": "●",
        "unanswered": "○",
        "ask": "?",
        "give": "+",
        "axis": "─",
        "bar": "█",
        "empty": "░",
        "cadence": "│",
        "quiet": "─",
        "overdue": "█",
        "more": "»",
        "spark": "·▁▂▃▄▅▆▇█",
        "heat": "·░▒▓█",
        "dash": "–",
        "arrow": "→",
        "ellipsis": "…",
    },
    True: {
        "touch": "o",
        "unanswered": "x",
        "ask": "?",
        "give": "+",
        "axis": "-",
        "bar": "#",
        "empty": "-",
        "cadence": "|",
        "quiet": "-",
        "overdue": "#",
        "more": ">",
        "spark": "._-=+*#%@",
        "heat": ".-+*#",
        "dash": "-",
        "arrow": "->",
        "ellipsis": "~",
    },
}

# Each band its own glyph in the report's band bar.
_BAND_GLYPHS: dict[bool, dict[str, str]] = {
    False: {
        "mutual": "█",
        "you-carry": "▓",
        "they-carry": "▒",
        "unresponsive": "░",
        "fair-weather": "╳",
        "new": "·",
    },
    True: {
        "mutual": "=",
        "you-carry": ">",
        "they-carry": "<",
        "unresponsive": "x",
        "fair-weather": "!",
        "new": ".",
    },
}


# --- when and how ----------------------------------------------------------------------------


def _settings() -> set[str]:
    return {word.strip() for word in os.environ.get(PICTURES_ENV, "").lower().split(",")}


def wanted(fmt: str) -> bool:
    """Pictures go with table output: on a terminal by default, always or never when asked."""
    if fmt != "table" or "never" in _settings():
        return False
    return "always" in _settings() or sys.stdout.isatty()


def ascii_only(requested: bool = False) -> bool:
    """ASCII when asked (`--ascii`, NETKEEP_PICTURES=ascii) or when stdout cannot encode blocks."""
    if requested or "ascii" in _settings():
        return True
    try:
        "█●░".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return True
    return False


def width() -> int:
    """The terminal's width (COLUMNS wins; 80 when unknown), at least 20."""
    return max(20, shutil.get_terminal_size((80, 24)).columns)


def text_of(line: Line) -> str:
    return "".join(text for text, _style in line)


def emit(lines: Sequence[Line]) -> None:
    """Print on stdout: Rich colours on a colour terminal, plain text otherwise."""
    if not sys.stdout.isatty() or os.environ.get("NO_COLOR"):
        sys.stdout.write("".join(text_of(line).rstrip() + "\n" for line in lines))
        return
    from rich.text import Text

    from netkeep.render import console

    out = console()
    for line in lines:
        text = Text(no_wrap=True, overflow="crop")
        for piece, style in line:
            text.append(piece, style=style)
        out.print(text)


def cells(text: str) -> int:
    """Terminal columns `text` takes: wide East Asian characters take two, combining marks none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _fit(text: str, size: int, g: dict[str, str] | None = None) -> str:
    """`text` cut to `size` terminal columns (marked when cut) and padded to it."""
    if cells(text) > size:
        mark = (g or _GLYPHS[True])["ellipsis"][:1]
        while text and cells(text) > max(0, size - 1):
            text = text[:-1]
        text = text + mark if size > 0 else ""
    return text + " " * (size - cells(text))


def _first_fit(candidates: Sequence[str], size: int) -> str:
    """The first (most telling) text that fits in `size`, else the last one cut to it."""
    for text in candidates:
        if len(text) <= size:
            return text
    return _fit(candidates[-1], size).rstrip()


def _clean(text: Any) -> str:
    from netkeep.render import printable

    return printable(" ".join(str(text).split()))


# --- show: the timeline and the gauge ----------------------------------------------------------


def draw_show(profile: dict[str, Any], *, now: datetime, ascii: bool = False) -> None:
    """`show`'s pictures, under the profile: the timeline and the score gauge."""
    size, ascii = width(), ascii_only(ascii)
    lines: list[Line] = [[]] + timeline(profile["touchpoints"], now=now, width=size, ascii=ascii)
    lines.append(
        gauge(profile["score"]["score"], profile["score"]["band"], width=size, ascii=ascii)
    )
    emit(lines)


def draw_stale(
    rows: Sequence[dict[str, Any]], weekly: dict[int, list[int]], *, ascii: bool = False
) -> None:
    """`stale`'s pictures, under the table: a dormancy bar and a sparkline per row."""
    emit([[]] + dormancy_bars(rows, weekly, width=width(), ascii=ascii_only(ascii)))


def timeline(
    touchpoints: Sequence[dict[str, Any]], *, now: datetime, width: int, ascii: bool
) -> list[Line]:
    """A relationship in time: your touches above the axis, theirs below. Each column is a
    stretch of time; its glyph is the most telling touch in it (ask, give, unanswered, touch)."""
    g = _GLYPHS[ascii]
    label = 5
    columns = max(1, width - label)
    times = [t["occurred_at"] for t in touchpoints]
    start = min(times) if times else now - timedelta(days=30)
    if now - start < timedelta(days=columns):
        start = now - timedelta(days=columns)
    span = (now - start).total_seconds()
    rank = {"touch": 1, "unanswered": 2, "give": 3, "ask": 4}
    rows: dict[str, list[str | None]] = {"out": [None] * columns, "in": [None] * columns}
    for touch in touchpoints:
        at = (touch["occurred_at"] - start).total_seconds()
        column = min(columns - 1, max(0, int(at / span * columns)))
        kind = (
            "ask"
            if touch.get("ask")
            else "give"
            if touch.get("give")
            else "unanswered"
            if touch.get("answered") is False
            else "touch"
        )
        row = rows[touch["direction"]]
        held = row[column]
        if held is None or rank[kind] > rank[held]:
            row[column] = kind
    style: dict[str, str | None] = {
        "touch": None,
        "unanswered": "red",
        "ask": "yellow",
        "give": "green",
    }
    days = max(1, round(span / 86400 / columns))
    first = start.astimezone().date().isoformat()
    last = now.astimezone().date().isoformat()
    header = _first_fit(
        [
            f"{first} {g['arrow']} {last}, {plural(days, 'day')} a column",
            f"{first} {g['arrow']} {last}, {days}d a column",
            f"{first} {g['arrow']} {last}",
            f"since {first}",
        ],
        width,
    )
    lines: list[Line] = [[(header, "bold")]]
    for who, key in (("you", "out"), ("them", "in")):
        line: Line = [(who.ljust(label), "bold")]
        for shown in rows[key]:
            line.append((g[shown] if shown else " ", style[shown] if shown else None))
        lines.append(line)
        if key == "out":
            lines.append([(" " * label, None), (g["axis"] * columns, "dim")])
    legend = f"{g['touch']} touch  {g['unanswered']} unanswered  {g['ask']} ask  {g['give']} give"
    lines.append([(_fit(legend, width, g).rstrip(), "dim")])
    return lines


def gauge(score: int | None, band: str, *, width: int, ascii: bool) -> Line:
    """The score as a filled bar out of 100, with its band."""
    g = _GLYPHS[ascii]
    if score is None:
        return [(_fit(f"Score  {band}: not scored yet", width, g).rstrip(), BAND_STYLE.get(band))]
    suffix = f" {score}/100 {band}"
    bar = max(5, min(30, width - len("Score  []") - len(suffix)))
    filled = round(score / 100 * bar)
    line: Line = [
        ("Score  [", "bold"),
        (g["bar"] * filled, BAND_STYLE.get(band)),
        (g["empty"] * (bar - filled), "dim"),
        ("]", "bold"),
        (suffix, BAND_STYLE.get(band)),
    ]
    return _crop(line, width)


def _crop(line: Line, size: int) -> Line:
    result: Line = []
    room = size
    for text, style in line:
        if room <= 0:
            break
        result.append((text[:room], style))
        room -= len(text[:room])
    return result


# --- stale: dormancy bars and sparklines -------------------------------------------------------

SPARK_WEEKS = 12
_BAR_CAP = 100.0  # past a hundred cadences the bar stops growing and ends in an arrow


def dormancy_bars(
    rows: Sequence[dict[str, Any]], weekly: dict[int, list[int]], *, width: int, ascii: bool
) -> list[Line]:
    """Per stale row: the quiet since the last touch in cadences, on a log scale shared by all
    rows so the cadence mark lines up (past due drawn heavy), then touches per week over the
    last 12 weeks."""
    g = _GLYPHS[ascii]
    if not rows:
        return []
    name_size = max(4, min(20, width // 4, max(cells(_clean(row["name"])) for row in rows)))
    bar_size = max(4, width - name_size - SPARK_WEEKS - 2)
    scale = max(4.0, min(_BAR_CAP, max(_ratio(row) for row in rows)))

    def length_of(ratio: float) -> int:
        return round(math.log1p(min(ratio, scale)) / math.log1p(scale) * bar_size)

    mark = max(1, length_of(1.0)) - 1
    title = _first_fit(
        [
            f"quiet, log scale ({g['cadence']} = cadence)",
            f"quiet ({g['cadence']} = cadence)",
            "quiet",
        ],
        bar_size,
    )
    header = _fit("", name_size + 1) + _fit(title, bar_size)
    header += " " + _fit(f"{SPARK_WEEKS} weeks", SPARK_WEEKS, g)
    lines: list[Line] = [[(header.rstrip(), "bold")]]
    for row in rows:
        more = _ratio(row) > scale
        # A row listed before its cadence is due (`stale --rhythm`) stops short of the mark.
        past_cadence = _ratio(row) >= 1
        overdue = 1 if past_cadence and row["days_overdue"] > 0 else 0
        length = min(bar_size, max(overdue and mark + 2, length_of(_ratio(row))))
        quiet = min(length, mark)
        past_due = max(0, length - mark - 1 - more)
        line: Line = [
            (_fit(_clean(row["name"]), name_size, g) + " ", None),
            (g["quiet"] * quiet + " " * (mark - quiet), "dim"),
            (g["cadence"], "bold"),
            (g["overdue"] * past_due, "red"),
            (g["more"] if more else "", "red"),
            (" " * (bar_size - mark - 1 - past_due - more) + " ", None),
            (sparkline(weekly.get(row["id"], []), ascii=ascii), "cyan"),
        ]
        lines.append(_crop(line, width))
    return lines


def _ratio(row: dict[str, Any]) -> float:
    """The quiet in cadences; with no cadence (`stale --days 0`, ratio null) in days."""
    ratio = row["overdue_ratio"]
    return float(max(1, row.get("days_since") or 0)) if ratio is None else ratio


def sparkline(counts: Sequence[int], *, ascii: bool) -> str:
    """One glyph per count, height relative to the largest; nothing at all is the lowest glyph."""
    levels = _GLYPHS[ascii]["spark"]
    top = max(counts, default=0)
    if not top:
        return levels[0] * len(counts)
    return "".join(
        levels[0] if not count else levels[max(1, round(count / top * (len(levels) - 1)))]
        for count in counts
    )


# --- report --------------------------------------------------------------------------------------


def report(figures: dict[str, Any], *, width: int, ascii: bool) -> list[Line]:
    """The terminal report: band mix, what is due this week (when anything is), dormancy buckets,
    calendar of touches, the period's changes."""
    g = _GLYPHS[ascii]
    since, until = figures["since"], figures["until"]
    title = (
        f"netkeep report, {_day(since)} {g['arrow']} {_day(until)}"
        if width >= 40
        else f"report {_day(until)}"
    )
    lines: list[Line] = [[(_fit(title, width, g).rstrip(), "bold")], []]
    lines += band_bar(figures["bands"], width=width, ascii=ascii)
    lines.append([])
    if figures.get("due"):
        lines += due_lines(figures["due"], width=width, ascii=ascii)
        lines.append([])
    lines += dormancy_chart(figures["dormancy"], width=width, ascii=ascii)
    lines.append([])
    lines += heatmap(figures["calendar"], figures["calendar_levels"], width=width, ascii=ascii)
    lines.append([])
    lines += changes_lines(figures["changes"], width=width, ascii=ascii)
    return lines


def band_bar(bands: dict[str, int], *, width: int, ascii: bool) -> list[Line]:
    """The band mix as one stacked bar, each band its own glyph, with a legend of counts."""
    g = _GLYPHS[ascii]
    bands_g = _BAND_GLYPHS[ascii]
    total = sum(bands.values())
    lines: list[Line] = [
        [(_fit(f"Bands ({plural(total, 'relationship')})", width, g).rstrip(), "bold")]
    ]
    if not total:
        lines.append([("No contacts yet.", "dim")])
        return lines
    sizes = _shares(list(bands.values()), width)
    bar: Line = [
        (bands_g[band] * size, BAND_STYLE[band])
        for band, size in zip(bands, sizes, strict=True)
        if size
    ]
    lines.append(bar)
    legend = [f"{bands_g[band]} {band} {count}" for band, count in bands.items()]
    lines += [[(text, None)] for text in _wrap(legend, width)]
    return lines


def _shares(counts: list[int], size: int) -> list[int]:
    """Split `size` cells in proportion to `counts` (largest remainders); any nonzero count gets
    at least one cell when there is room."""
    total = sum(counts)
    exact = [count / total * size for count in counts]
    cells = [int(value) for value in exact]
    for index, count in enumerate(counts):
        if count and not cells[index]:
            cells[index] = 1
    while sum(cells) > size:
        index = max(range(len(cells)), key=lambda i: (cells[i] - exact[i], cells[i]))
        cells[index] -= 1
    order = sorted(range(len(counts)), key=lambda i: exact[i] - cells[i], reverse=True)
    for index in order:
        if sum(cells) >= size:
            break
        if counts[index]:
            cells[index] += 1
    return cells


def dormancy_chart(buckets: Sequence[dict[str, Any]], *, width: int, ascii: bool) -> list[Line]:
    g = _GLYPHS[ascii]
    lines: list[Line] = [[(_fit("Days since last touch", width, g).rstrip(), "bold")]]
    top = max((bucket["count"] for bucket in buckets), default=0)
    digits = max(len(str(bucket["count"])) for bucket in buckets)
    room = max(1, width - 7 - digits - 1)
    styles = (None, "yellow", "red", "red")
    for bucket, style in zip(buckets, styles, strict=True):
        label = bucket["bucket"].replace("-", g["dash"])
        size = round(bucket["count"] / top * room) if top else 0
        if bucket["count"] and not size:
            size = 1
        lines.append(
            [
                (label.ljust(7), None),
                (g["bar"] * size, style),
                (" " + str(bucket["count"]), None),
            ]
        )
    return lines


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def heatmap(
    days: Sequence[dict[str, Any]], thresholds: Sequence[int], *, width: int, ascii: bool
) -> list[Line]:
    """Touches per day: a column per week (the latest weeks that fit), a row per weekday, shaded
    by the report's quartile thresholds."""
    from netkeep.report import heat_level

    g = _GLYPHS[ascii]
    levels = g["heat"]
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    weeks = weeks[-max(1, width - 4) :]
    first = weeks[0][0]["date"] if weeks else ""
    header = f"Touches per day since {first}"
    lines: list[Line] = [[(_fit(header, width, g).rstrip(), "bold")]]
    styles = (None, "green", "green", "bold green", "bold green")
    for weekday in range(7):
        line: Line = [(_WEEKDAYS[weekday] + " ", None)]
        for week in weeks:
            if weekday >= len(week):
                line.append((" ", None))
                continue
            level = heat_level(week[weekday]["mine"] + week[weekday]["theirs"], thresholds)
            line.append((levels[level], styles[level]))
        lines.append(line)
    steps = [f"{levels[0]} none"]
    steps += [f"{levels[i + 1]} {low}+" for i, low in enumerate(thresholds)]
    lines += [[(text, "dim")] for text in _wrap(steps, width)]
    return lines


def due_lines(
    rows: Sequence[dict[str, Any]], *, width: int, ascii: bool, most: int = 10
) -> list[Line]:
    """What is due this week, overdue first, as the digest words it: a line each, the first `most`."""
    from netkeep.digest import describe

    g = _GLYPHS[ascii]
    lines: list[Line] = [[(_fit(f"Due this week ({len(rows)})", width, g).rstrip(), "bold")]]
    for row in rows[:most]:
        who, what = describe("due", row)
        lines.append([(_fit(f"  {_clean(who)}: {_clean(what)}", width, g).rstrip(), None)])
    if len(rows) > most:
        lines.append([(_fit(f"  and {len(rows) - most} more", width, g).rstrip(), "dim")])
    return lines


def changes_lines(changes: dict[str, Any], *, width: int, ascii: bool) -> list[Line]:
    g = _GLYPHS[ascii]
    newly = changes["newly_stale"]
    lines: list[Line] = [[(_fit("In this period", width, g).rstrip(), "bold")]]
    for label, value in (
        ("Replies received", changes["replies_received"]),
        ("Newly stale", len(newly)),
        ("Asks opened", changes["asks_opened"]),
        ("Asks closed", changes["asks_closed"]),
    ):
        lines.append([(_fit(f"  {label:<17} {value}", width, g).rstrip(), None)])
        if label == "Newly stale":
            lines += [[("    " + text, "yellow")] for text in _names(newly, width - 4)]
    return lines


def _names(rows: Sequence[dict[str, Any]], size: int, most: int = 10) -> list[str]:
    names = [_clean(row["name"]) for row in rows[:most]]
    if len(rows) > most:
        names.append(f"and {len(rows) - most} more")
    return _wrap([name + "," for name in names[:-1]] + names[-1:], size, sep=" ")


def _wrap(words: Sequence[str], size: int, *, sep: str = "  ") -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
        if cells(word) > size:
            word = _fit(word, size).rstrip()
        candidate = f"{current}{sep}{word}" if current else word
        if cells(candidate) > size and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _day(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone().date().isoformat()
    return moment.isoformat()

"""The report as one self-contained HTML page: inline SVG drawn here, CSS for light, dark and print.

No scripts and no external resources: the page opens offline and from a mail attachment alike.
Tooltips are SVG `<title>` elements. Every mark carries `data-*` attributes with the figure it
draws (the same values `report --format json` prints), and all user text is escaped.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from netkeep.dates import iso
from netkeep.digest import describe, per_person
from netkeep.report import BANDS, heat_level
from netkeep.text import BIDI_ESCAPES

Row = dict[str, Any]

BAND_LABELS = {
    "mutual": "mutual",
    "you-carry": "you carry it",
    "they-carry": "they carry it",
    "unresponsive": "unresponsive",
    "fair-weather": "fair-weather",
    "new": "new",
}
_WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "Sun")
MAP_LABELS = 12  # names written on the map, most pressing first: more would cover the dots
LABEL_CHARS = 22  # a longer name is cut with an ellipsis on the map (the lists have it whole)
LIST_MOST = 10  # rows in each list under the map; the rest are counted

CSS = """
:root { --bg: #ffffff; --fg: #1b1f24; --muted: #5b6470; --grid: #d8dde3; --panel: #f6f8fa;
  --mutual: #2a9d5b; --you-carry: #d89a00; --they-carry: #2f7fc1; --unresponsive: #c9372c;
  --fair-weather: #8e44ad; --new: #9aa3ad; --mine: #2f7fc1; --theirs: #e07a1f;
  --shade: rgba(201, 55, 44, 0.16); --h0: #ebedf0; --h1: #b7e4c7; --h2: #74c69d; --h3: #40916c;
  --h4: #1b4332; color-scheme: light dark; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1216; --fg: #e6e9ed; --muted: #9aa4af; --grid: #2b323a; --panel: #171b21;
    --mutual: #4cc38a; --you-carry: #f0b429; --they-carry: #5aa9e6; --unresponsive: #f2665a;
    --fair-weather: #c38ae6; --new: #6b7580; --mine: #5aa9e6; --theirs: #f29a4a;
    --shade: rgba(242, 102, 90, 0.22); --h0: #1f252c; --h1: #0e4429; --h2: #006d32;
    --h3: #26a641; --h4: #39d353; }
}
@media print {
  :root { --bg: #ffffff; --fg: #000000; --muted: #444444; --grid: #bbbbbb; --panel: #ffffff; }
  section { break-inside: avoid; }
  body { margin: 0; }
}
* { box-sizing: border-box; }
body { background: var(--bg); color: var(--fg); margin: 2rem auto; max-width: 60rem;
  padding: 0 1rem; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 1.75rem 0 .25rem; }
p.lead, p.note { color: var(--muted); margin: 0 0 .5rem; }
svg { display: block; width: 100%; height: auto; }
svg text { fill: var(--fg); font: 11px system-ui, sans-serif; }
svg .muted { fill: var(--muted); }
svg .grid { stroke: var(--grid); stroke-width: 1; }
svg .panel { fill: var(--panel); }
svg .mine { stroke: var(--mine); fill: var(--mine); }
svg .theirs { stroke: var(--theirs); fill: var(--theirs); }
svg .ask { fill: none; stroke: var(--fg); stroke-width: 1.2; }
svg .shade { fill: var(--shade); }
.b-mutual { fill: var(--mutual); } .b-you-carry { fill: var(--you-carry); }
.b-they-carry { fill: var(--they-carry); } .b-unresponsive { fill: var(--unresponsive); }
.b-fair-weather { fill: var(--fair-weather); } .b-new { fill: var(--new); }
.h0 { fill: var(--h0); } .h1 { fill: var(--h1); } .h2 { fill: var(--h2); }
.h3 { fill: var(--h3); } .h4 { fill: var(--h4); }
ul.legend { list-style: none; padding: 0; margin: .25rem 0; display: flex; flex-wrap: wrap;
  gap: .25rem 1.25rem; }
ul.legend li::before { content: ""; display: inline-block; width: .8em; height: .8em;
  margin-right: .35em; border-radius: 2px; background: var(--swatch); vertical-align: -1px; }
table.changes td { padding: .1rem 1.25rem .1rem 0; }
aside.todo { display: flex; flex-wrap: wrap; gap: 0 1.5rem; margin-top: .5rem; }
aside.todo > div { flex: 1 1 15rem; min-width: 0; }
aside h3 { font-size: 1rem; margin: .25rem 0 .15rem; }
aside ul { margin: 0 0 .5rem; padding-left: 1.1rem; }
aside li { margin: .1rem 0; }
aside li.more { list-style: none; color: var(--muted); }
svg text.label { font-size: 12px; font-weight: 600; paint-order: stroke; stroke: var(--bg);
  stroke-width: 3px; stroke-linejoin: round; }
svg .ring { fill: none; stroke: var(--fg); stroke-width: 1.2; }
table.changes td.n { text-align: right; font-variant-numeric: tabular-nums; }
"""


def esc(value: Any) -> str:
    """User text for the page: HTML-escaped, bidirectional overrides shown as escapes."""
    return html.escape(str(value).translate(BIDI_ESCAPES), quote=True)


def _n(value: float) -> str:
    """A coordinate: one decimal at most, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _day(moment: datetime) -> str:
    return moment.astimezone().date().isoformat()


def page(figures: Row) -> str:
    """The whole page."""
    since, until = figures["since"], figures["until"]
    total = sum(figures["bands"].values())
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>netkeep report, {esc(_day(until))}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<h1>Network health</h1>",
        f'<p class="lead">{total} relationships, as of {esc(_day(figures["as_of"]))}. '
        f"Period {esc(_day(since))} to {esc(_day(until))}.</p>",
        _band_legend(figures["bands"]),
        _section(
            "Reciprocity and quiet",
            "One dot per scored relationship: how long since you last heard from them, and its "
            "score. Named dots need attention (fair-weather or unresponsive, owed a reply, "
            "something due, time to reach out); hover any dot for its name, score and days.",
            reciprocity_map(figures["map"]) + "\n" + _todo(figures),
        ),
        _section(
            "Bands month by month",
            "How many relationships were in each band at the end of each month.",
            monthly_bands(figures["monthly_bands"]),
        ),
        _section(
            "Days since last touch",
            "Active contacts by how long it has been since any touch.",
            dormancy(figures["dormancy"]),
        ),
        _section(
            "Busiest relationships",
            "Touches per week over the last year, each chart from its first week with a touch: "
            "yours above the line, theirs below; shaded stretches are runs of your outreach left "
            "unanswered; rings mark weeks with asks.",
            small_multiples(figures["busiest"], until=until),
        ),
        _section(
            "Touches per day",
            "Yours and theirs together, a column per week.",
            calendar(figures["calendar"], figures["calendar_levels"]),
        ),
        _changes(figures["changes"]),
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _todo(figures: Row) -> str:
    """The lists under the map, side by side: what is due this week, whom you owe a reply (one line a person,
    as the `owe` table) and whom to reach out to (the digest's list), each in its command's order."""
    due, owe = figures.get("due", []), per_person(figures.get("you_owe", []))
    reach_out = figures.get("reach_out", [])
    lists = [
        _todo_list("due", "Due this week", due, [_due_item(row) for row in due[:LIST_MOST]]),
        _todo_list("you-owe", "You owe", owe, [_owe_item(row) for row in owe[:LIST_MOST]]),
        _todo_list(
            "reach-out",
            "Reach out",
            reach_out,
            [_item(row["id"], *describe("reach_out", row)) for row in reach_out[:LIST_MOST]],
        ),
    ]
    shown = "\n".join(part for part in lists if part)
    if not shown:
        shown = '<p class="note">Nothing due, no reply owed, nobody to reach out to.</p>'
    return f'<aside class="todo">\n{shown}\n</aside>'


def _todo_list(kind: str, title: str, rows: Sequence[Row], items: Sequence[str]) -> str:
    if not rows:
        return ""
    more = len(rows) - len(items)
    tail = f'<li class="more">… and {more} more</li>' if more > 0 else ""
    return (
        f'<div>\n<h3 data-list="{kind}">{esc(title)} ({len(rows)})</h3>\n'
        f'<ul class="{kind}">{"".join(items)}{tail}</ul>\n</div>'
    )


def _item(contact_id: int, name: str, detail: str, extra: str = "") -> str:
    return (
        f'<li data-contact="{contact_id}"{extra}><strong>{esc(name)}</strong>: {esc(detail)}</li>'
    )


def _due_item(row: Row) -> str:
    what = {"follow-up": "Follow up", "birthday": "Birthday", "snooze-ends": "Snooze ends"}
    return (
        f'<li data-kind="{esc(row["kind"])}" data-contact="{row["contact_id"]}">'
        f"<strong>{esc(row['date'])}</strong> {esc(what[row['kind']])}: {esc(row['name'])}"
        + (f" ({esc(row['note'])})" if row["note"] else "")
        + "</li>"
    )


def _owe_item(row: Row) -> str:
    name, detail = describe("you_owe", row)
    if row["count"] > 1:
        detail += f" ({row['count']} items)"
    return _item(row["contact_id"], name, detail)


def _section(title: str, note: str, svg: str) -> str:
    return f'<section>\n<h2>{esc(title)}</h2>\n<p class="note">{esc(note)}</p>\n{svg}\n</section>'


def _band_legend(bands: dict[str, int]) -> str:
    items = "".join(
        f'<li style="--swatch: var(--{band})" data-band="{band}" data-count="{count}">'
        f"{esc(BAND_LABELS[band])} <strong>{count}</strong></li>"
        for band, count in bands.items()
    )
    return f'<ul class="legend bands">{items}</ul>'


def _svg(kind: str, width: int, height: int, body: Sequence[str], label: str) -> str:
    return (
        f'<svg class="chart {kind}" role="img" '
        f'viewBox="0 0 {width} {height}" aria-label="{esc(label)}">\n'
        + "\n".join(body)
        + "\n</svg>"
    )


# --- the charts --------------------------------------------------------------------------------


def reciprocity_map(points: Sequence[Row]) -> str:
    """x: days since you last heard from them (never: the right-hand column); y: score."""
    width, height = 720, 380
    left, right, top, bottom = 40, 70, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [p["days_since_heard"] for p in points if p["days_since_heard"] is not None]
    x_max = max(30, min(730, max(known, default=30)))

    def x_of(days: int) -> float:
        # A square-root scale: the first weeks, where most relationships are, get room.
        x: float = left + plot_w * (min(days, x_max) / x_max) ** 0.5
        return x

    body = []
    for score in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - score / 100)
        body.append(
            f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{_n(y)}" y2="{_n(y)}"/>'
        )
        body.append(
            f'<text class="muted" x="{left - 6}" y="{_n(y + 4)}" text-anchor="end">{score}</text>'
        )
    for step in (0, 7, 30, 90, 180, 365, 730):
        if step > x_max:
            break
        x = x_of(step)
        body.append(
            f'<text class="muted" x="{_n(x)}" y="{height - 18}" text-anchor="middle">{step}</text>'
        )
    never_x = left + plot_w + right / 2
    body.append(
        f'<text class="muted" x="{_n(never_x)}" y="{height - 18}" text-anchor="middle">never</text>'
    )
    body.append(
        f'<text class="muted" x="{left + plot_w / 2}" y="{height - 3}" text-anchor="middle">'
        "days since you last heard from them</text>"
    )
    where: dict[int, tuple[int, int]] = {}
    for band in BANDS:
        marks = []
        for point in points:
            if point["band"] != band:
                continue
            days = point["days_since_heard"]
            x = never_x if days is None else x_of(days)
            y = top + plot_h * (1 - point["score"] / 100)
            where[point["id"]] = (round(x), round(y))
            # Whole units and a terse tooltip: ten thousand dots must stay well under 2 MB.
            heard = "never" if days is None else f"{days} d"
            marks.append(
                f'<circle cx="{round(x)}" cy="{round(y)}" r="3" data-id="{point["id"]}" '
                f'data-score="{point["score"]}" data-days="{"" if days is None else days}">'
                f"<title>{esc(point['name'])}: {point['score']}, {heard}</title></circle>"
            )
        if marks:
            body.append(f'<g class="b-{band}" data-band="{band}">' + "".join(marks) + "</g>")
    body += map_labels(points, where, bounds=(width, top + plot_h + 6))
    return _svg("map", width, height, body, "Score against days since you last heard from them")


Box = tuple[float, float, float, float]  # left, top, right, bottom


def map_labels(
    points: Sequence[Row], where: dict[int, tuple[int, int]], *, bounds: tuple[int, float]
) -> list[str]:
    """Names beside the dots that need attention, most pressing first, at most MAP_LABELS, each
    dot ringed. A name goes to the first of eight places around its dot (right, left, above,
    below, then the corners) that covers no name already written and no dot about to be named;
    where none is free it is left out (it stays in the lists and in its tooltip) and the next
    contact is tried. The first name is always written: with no free place, at the first place
    inside the plot."""
    wanted = sorted(
        (point for point in points if point.get("attention_rank") is not None),
        key=lambda point: point["attention_rank"],
    )
    # The dots meant to be named are kept clear; the rest of the crowd may sit under a name.
    rings = {point["id"]: _ring(*where[point["id"]]) for point in wanted[:MAP_LABELS]}
    taken: list[Box] = []
    marks: list[str] = []
    for point in wanted:
        if len(marks) == MAP_LABELS:
            break
        x, y = where[point["id"]]
        text, size = _short(point["name"])
        obstacles = taken + [ring for key, ring in rings.items() if key != point["id"]]
        spots = [spot for spot in _spots(x, y, size) if _fits(spot[3], bounds)]
        free = [spot for spot in spots if not any(_overlap(spot[3], it) for it in obstacles)]
        # The most pressing name is always written (right or left of any dot fits the plot).
        chosen = free[:1] or (spots[:1] if not marks else [])
        if not chosen:
            continue
        anchor, text_x, text_y, box = chosen[0]
        taken += [box, _ring(x, y)]
        rings.pop(point["id"], None)
        marks.append(
            f'<circle class="ring" cx="{x}" cy="{y}" r="5.5"/>'
            f'<text class="label" x="{_n(text_x)}" y="{_n(text_y)}" '
            f'text-anchor="{anchor}" data-id="{point["id"]}" '
            f'data-attention="{" ".join(point["attention"])}">{esc(text)}</text>'
        )
    return marks


def _spots(x: int, y: int, size: float) -> list[tuple[str, float, float, Box]]:
    """Where a name `size` pixels wide may go around the dot at (x, y): text anchor, baseline
    point and the box it covers, in the order tried."""
    spots: list[tuple[str, float, float, Box]] = [
        ("start", x + 8, y + 4, (x + 8, y - 8, x + 8 + size, y + 5)),
        ("end", x - 8, y + 4, (x - 8 - size, y - 8, x - 8, y + 5)),
        ("middle", x, y - 9, (x - size / 2, y - 20, x + size / 2, y - 7)),
        ("middle", x, y + 19, (x - size / 2, y + 7, x + size / 2, y + 20)),
    ]
    for dy in (-12, 12):
        spots.append(("start", x + 6, y + 4 + dy, (x + 6, y - 8 + dy, x + 6 + size, y + 5 + dy)))
        spots.append(("end", x - 6, y + 4 + dy, (x - 6 - size, y - 8 + dy, x - 6, y + 5 + dy)))
    return spots


def _ring(x: int, y: int) -> Box:
    return (x - 6, y - 6, x + 6, y + 6)


def _short(name: str) -> tuple[str, float]:
    """A name as the map writes it (bidirectional controls as escapes, cut at LABEL_CHARS) and
    its width in pixels, wide characters counting double."""
    shown = " ".join(str(name).translate(BIDI_ESCAPES).split())
    if len(shown) > LABEL_CHARS:
        shown = shown[: LABEL_CHARS - 1].rstrip() + "…"
    units = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in shown)
    return shown, units * 7.0


def _fits(box: Box, bounds: tuple[int, float]) -> bool:
    return box[0] >= 0 and box[1] >= 0 and box[2] <= bounds[0] and box[3] <= bounds[1]


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def monthly_bands(months: Sequence[Row]) -> str:
    width, height = 720, 260
    left, top, bottom = 40, 12, 26
    plot_h = height - top - bottom
    slot = (width - left) / max(1, len(months))
    tallest = max((sum(month[band] for band in BANDS) for month in months), default=0) or 1
    body = [
        f'<line class="grid" x1="{left}" x2="{width}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
    ]
    body.append(
        f'<text class="muted" x="{left - 6}" y="{top + 8}" text-anchor="end">{tallest}</text>'
    )
    for index, month in enumerate(months):
        x = left + index * slot + slot * 0.15
        y = top + plot_h
        for band in BANDS:
            count = month[band]
            h = plot_h * count / tallest
            y -= h
            body.append(
                f'<rect class="b-{band}" x="{_n(x)}" y="{_n(y)}" width="{_n(slot * 0.7)}" '
                f'height="{_n(h)}" data-month="{month["month"]}" data-band="{band}" '
                f'data-count="{count}"><title>{month["month"]}: {count} {BAND_LABELS[band]}'
                "</title></rect>"
            )
        body.append(
            f'<text class="muted" x="{_n(x + slot * 0.35)}" y="{height - 8}" '
            f'text-anchor="middle">{month["month"]}</text>'
        )
    return _svg("monthly", width, height, body, "Band mix at the end of each month")


def dormancy(buckets: Sequence[Row]) -> str:
    width, height = 720, 40 + 34 * len(buckets)
    left = 90
    top_count = max((bucket["count"] for bucket in buckets), default=0) or 1
    body = []
    for index, bucket in enumerate(buckets):
        y = 10 + index * 34
        w = (width - left - 60) * bucket["count"] / top_count
        label = f"{bucket['bucket']} days"
        body.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{esc(label)}</text>')
        body.append(
            f'<rect class="b-{("mutual", "you-carry", "unresponsive", "unresponsive")[index]}" '
            f'x="{left}" y="{y}" width="{_n(w)}" height="24" data-bucket="{bucket["bucket"]}" '
            f'data-count="{bucket["count"]}"><title>{bucket["count"]} contacts quiet for '
            f"{esc(label)}</title></rect>"
        )
        body.append(f'<text x="{_n(left + w + 6)}" y="{y + 17}">{bucket["count"]}</text>')
    return _svg("dormancy", width, height, body, "Contacts by days since last touch")


def small_multiples(contacts: Sequence[Row], *, until: datetime) -> str:
    """A panel per relationship over the last year, two panels a row."""
    width, panel_h, columns = 720, 110, 2
    panel_w = width / columns
    rows = max(1, -(-len(contacts) // columns))
    body = []
    if not contacts:
        body.append('<text class="muted" x="8" y="20">No touches in the last year.</text>')
    for index, contact in enumerate(contacts):
        x0 = (index % columns) * panel_w
        y0 = (index // columns) * panel_h
        body.append(_panel(contact, x0=x0, y0=y0, size=(panel_w, panel_h), until=until))
    return _svg("multiples", width, rows * panel_h, body, "The busiest relationships, by week")


def _panel(contact: Row, *, x0: float, y0: float, size: tuple[float, int], until: datetime) -> str:
    """One small multiple: weekly bars, yours above the axis and theirs below, unanswered runs
    shaded, rings over weeks with asks."""
    panel_w, panel_h = size
    # The axis runs from the first week with a touch to `until`: no empty year before it.
    first = contact.get("data_from")
    weeks = [week for week in contact["weeks"] if first is None or week["week"] >= first]
    left, inner_w, axis, reach = x0 + 8, panel_w - 16, y0 + 64, 28
    slot = inner_w / max(1, len(weeks))
    bar_w = min(max(1.0, slot - 1), 10.0)  # a few weeks of data draw bars, not slabs
    most = max((max(week["mine"], week["theirs"]) for week in weeks), default=0) or 1
    span = (until - weeks[0]["week"]).total_seconds() if weeks else 1.0
    marks = [
        f'<rect class="panel" x="{_n(x0 + 2)}" y="{_n(y0 + 2)}" width="{_n(panel_w - 4)}" '
        f'height="{panel_h - 4}" rx="4"/>',
        f'<text x="{_n(left)}" y="{_n(y0 + 18)}">{esc(contact["name"])} '
        f'<tspan class="muted">{contact["touches"]} touches</tspan></text>',
    ]
    if weeks:
        marks.append(
            f'<text class="muted range" x="{_n(left)}" y="{y0 + 104}" '
            f'data-from="{iso(weeks[0]["week"])}">{_day(weeks[0]["week"])}</text>'
            f'<text class="muted range" x="{_n(left + inner_w)}" y="{y0 + 104}" '
            f'text-anchor="end">{_day(until)}</text>'
        )
    for run in contact["unanswered_runs"]:
        start, end = run["from"], run["to"]
        x1 = left + inner_w * (1 - (until - start).total_seconds() / span)
        x2 = left + inner_w * (1 - (until - end).total_seconds() / span)
        marks.append(
            f'<rect class="shade" x="{_n(x1)}" y="{axis - reach - 2}" '
            f'width="{_n(max(1.0, x2 - x1))}" height="{reach + 2}"><title>your outreach '
            f"unanswered from {esc(_day(start))}</title></rect>"
        )
    marks.append(
        f'<line class="grid" x1="{_n(left)}" x2="{_n(left + inner_w)}" y1="{axis}" y2="{axis}"/>'
    )
    for index, week in enumerate(weeks):
        x = left + index * slot
        day, stamp = _day(week["week"]), iso(week["week"])
        for side, count in (("mine", week["mine"]), ("theirs", week["theirs"])):
            if not count:
                continue
            h = max(1.0, reach * count / most)
            y = axis - h if side == "mine" else axis + 1
            who = "yours" if side == "mine" else "theirs"
            note = (
                f", {week['unanswered']} unanswered"
                if side == "mine" and week["unanswered"]
                else ""
            )
            marks.append(
                f'<rect class="{side}" x="{_n(x)}" y="{_n(y)}" width="{_n(bar_w)}" '
                f'height="{_n(h)}" data-week="{stamp}" data-side="{side}" data-count="{count}">'
                f"<title>week of {day}: {count} {who}{note}</title></rect>"
            )
        if week["asks"]:
            asked = "; ".join(week["asks"][:3]) + ("; …" if len(week["asks"]) > 3 else "")
            marks.append(
                f'<circle class="ask" cx="{_n(x + bar_w / 2)}" cy="{axis - reach - 6}" r="2.5" '
                f'data-week="{stamp}" data-count="{len(week["asks"])}"><title>week of {day}, '
                f"asked: {esc(asked)}</title></circle>"
            )
    return (
        f'<g class="multiple" data-id="{contact["id"]}" data-touches="{contact["touches"]}">'
        + "".join(marks)
        + "</g>"
    )


def calendar(days: Sequence[Row], levels: Sequence[int]) -> str:
    cell, gap, left, top = 11, 2, 30, 18
    weeks = -(-len(days) // 7)
    width = left + weeks * (cell + gap)
    height = top + 7 * (cell + gap) + 4
    totals = [day["mine"] + day["theirs"] for day in days]
    body = []
    for weekday, label in enumerate(_WEEKDAYS):
        if label:
            y = top + weekday * (cell + gap) + cell - 1
            body.append(f'<text class="muted" x="0" y="{y}">{label}</text>')
    month = ""
    for index, (day, total) in enumerate(zip(days, totals, strict=True)):
        week, weekday = divmod(index, 7)
        x = left + week * (cell + gap)
        y = top + weekday * (cell + gap)
        if weekday == 0 and day["date"][:7] != month:
            month = day["date"][:7]
            body.append(f'<text class="muted" x="{x}" y="{top - 6}">{month[5:]}</text>')
        level = heat_level(total, levels)
        body.append(
            f'<rect class="h{level}" x="{x}" y="{y}" width="{cell}" height="{cell}" rx="2" '
            f'data-date="{day["date"]}" data-count="{total}" data-level="{level}"><title>{day["date"]}: {total} '
            f"(yours {day['mine']}, theirs {day['theirs']})</title></rect>"
        )
    return _svg("calendar", width, height, body, "Touches per day")


def _changes(changes: Row) -> str:
    names = ", ".join(esc(row["name"]) for row in changes["newly_stale"][:20])
    more = len(changes["newly_stale"]) - 20
    if more > 0:
        names += f" and {more} more"
    rows = [
        ("Replies received", changes["replies_received"], ""),
        ("Newly stale", len(changes["newly_stale"]), names),
        ("Asks opened", changes["asks_opened"], ""),
        ("Asks closed", changes["asks_closed"], ""),
    ]
    cells = "".join(
        f'<tr><td>{label}</td><td class="n">{count}</td><td>{detail}</td></tr>'
        for label, count, detail in rows
    )
    return f'<section>\n<h2>In this period</h2>\n<table class="changes">{cells}</table>\n</section>'

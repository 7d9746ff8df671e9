"""The report names what needs doing: who needs attention is written on the HTML map (not only in
tooltips), the lists under it hold what `due --days 7`, `owe` and the digest's reach-out list
hold, the busiest relationships' charts start where their data starts, and the terminal report
lists what is due.

The suite's clock is frozen at 2026-06-15 12:00 UTC (a Monday) with TZ=UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st
from pictures_network import build

from netkeep.report import ATTENTION, attention
from netkeep.report_html import MAP_LABELS, reciprocity_map

LABEL = re.compile(
    r'<text class="label" x="[\d.-]+" y="[\d.-]+" text-anchor="\w+" data-id="(\d+)" '
    r'data-attention="([\w -]*)">([^<]*)</text>'
)
NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


class Lists(HTMLParser):
    """The lists under the map: for each, the contact ids of its items and the `… more` line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lists: dict[str, list[int]] = {}
        self.more: dict[str, str] = {}
        self.current: str | None = None
        self.in_more = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "ul" and attributes.get("class") in ("due", "you-owe", "reach-out"):
            self.current = attributes["class"]
            self.lists[self.current] = []
        elif tag == "li" and self.current and "data-contact" in attributes:
            self.lists[self.current].append(int(attributes["data-contact"]))
        elif tag == "li" and self.current and attributes.get("class") == "more":
            self.in_more = True

    def handle_endtag(self, tag):
        if tag == "ul":
            self.current = None
        elif tag == "li":
            self.in_more = False

    def handle_data(self, data):
        if self.in_more and self.current:
            self.more[self.current] = self.more.get(self.current, "") + data


def page_of(cli, tmp_path) -> str:
    target = tmp_path / "report.html"
    cli.ok("report", "--html", str(target))
    return target.read_text(encoding="utf-8")


def map_svg(text: str) -> str:
    return re.search(r'<svg class="chart map".*?</svg>', text, re.DOTALL).group(0)


def labels(text: str) -> list[tuple[int, str, str]]:
    """(contact id, reasons, name as written) of every name written on the map."""
    return [(int(cid), reasons, name) for cid, reasons, name in LABEL.findall(map_svg(text))]


def lists_of(text: str) -> Lists:
    parser = Lists()
    parser.feed(text)
    parser.close()
    return parser


def test_the_map_names_the_fair_weather_and_unresponsive_dots(cli, tmp_path):
    build(cli)
    text = page_of(cli, tmp_path)
    points = {point["id"]: point for point in cli.json("report")["map"]}
    written = labels(text)
    assert {name for _cid, _reasons, name in written} == {"Sam Lee", "Bo Chen"}
    for cid, reasons, name in written:
        assert name == points[cid]["name"]
        assert reasons.split() == points[cid]["attention"]
    [sam] = [point for point in points.values() if point["name"] == "Sam Lee"]
    assert sam["band"] == "fair-weather" and sam["attention_rank"] == 0
    assert sam["attention"][0] == "fair-weather"
    # The mutual relationship that needs nothing keeps its tooltip and no name.
    [ana] = [point for point in points.values() if point["name"] == "Ana Ruiz"]
    assert ana["attention"] == [] and ana["attention_rank"] is None
    assert "Ana Ruiz" in map_svg(text) and "Ana Ruiz" not in [n for *_rest, n in written]


def test_a_hostile_name_is_written_on_the_map_as_text(cli, tmp_path):
    build(cli)
    hostile = "<script>alert(1)</script>\u202e evil"
    cli.ok("edit", "Sam Lee", "--name", hostile)
    text = page_of(cli, tmp_path)
    [(_cid, reasons, name)] = [label for label in labels(text) if "fair-weather" in label[1]]
    assert name.startswith("&lt;script&gt;alert(1)&lt;/scr")  # cut, escaped
    assert "<script>" not in text and "\u202e" not in text
    long_name = "&lt;script&gt;alert(1)&lt;/script&gt;\\u202e evil"
    assert long_name in text  # whole in the lists and the tooltip, bidi override as an escape


def test_the_lists_hold_what_due_owe_and_the_digest_hold(cli, tmp_path):
    build(cli)
    cli.ok("follow-up", "Bo Chen", "friday", "--note", "send the deck")
    cli.ok("add", "Ivy Moss", "--birthday", "06-17")
    cli.ok("add", "Eli Ross")
    cli.ok("log", "Eli Ross", "--in", "--via", "email", "--when", "9 days ago", "--ask", "a call?")
    cli.ok("log", "Dana Kim", "--in", "--via", "call", "--no-answer", "--when", "4 days ago")
    cli.ok("log", "Eli Ross", "--in", "--via", "text", "--when", "2 days ago")
    text = page_of(cli, tmp_path)
    found = lists_of(text)

    due = [row["contact_id"] for row in cli.json("due", "--days", "7")]
    owe = list(dict.fromkeys(row["contact_id"] for row in cli.json("owe")))
    reach_out = [row["id"] for row in cli.json("digest")["reach_out"]]
    assert found.lists == {"due": due, "you-owe": owe, "reach-out": reach_out}
    assert len(due) == 2 and len(owe) == 2 and len(reach_out) >= 2
    assert found.more == {}
    figures = cli.json("report")
    assert [row["contact_id"] for row in figures["you_owe"]] == [
        row["contact_id"] for row in cli.json("owe")
    ]
    assert [row["id"] for row in figures["reach_out"]] == reach_out
    assert '<h3 data-list="you-owe">You owe (2)</h3>' in text
    # Eli waits on two items: one line, as the owe table folds them.
    assert "(2 items)" in text


def test_a_network_with_nothing_to_do_says_so(cli, tmp_path):
    cli.ok("add", "Sam Lee")
    cli.ok("log", "Sam Lee", "--when", "yesterday")
    text = page_of(cli, tmp_path)
    assert lists_of(text).lists == {}
    assert "Nothing due, no reply owed, nobody to reach out to." in text
    assert labels(text) == []


def test_names_and_list_rows_are_capped_most_pressing_first(cli, tmp_path):
    for index in range(15):
        name = f"Quiet {index:02d}"
        cli.ok("add", name, "--tier", "close")
        for days in (300, 200 + index, 100 + index):
            cli.ok("log", name, "--via", "email", "--when", f"{days} days ago")
    text = page_of(cli, tmp_path)
    points = cli.json("report")["map"]
    ranked = sorted(
        (point for point in points if point["attention_rank"] is not None),
        key=lambda point: point["attention_rank"],
    )
    assert len(ranked) == 15
    written = labels(text)
    assert 1 <= len(written) <= MAP_LABELS
    assert written[0][0] == ranked[0]["id"]  # the most pressing is always named
    ids = [cid for cid, *_rest in written]
    rank = {point["id"]: point["attention_rank"] for point in points}
    assert ids == sorted(ids, key=rank.get)
    found = lists_of(text)
    reach_out = [row["id"] for row in cli.json("digest")["reach_out"]]
    assert len(reach_out) == 15
    assert found.lists["reach-out"] == reach_out[:10]
    assert found.more["reach-out"] == "… and 5 more"


def test_the_busiest_charts_start_at_their_first_week_with_data(cli, tmp_path):
    build(cli)
    cli.ok("add", "Kai Novak")
    for days in (60, 50, 40, 30, 20, 10, 9, 8):
        cli.ok("log", "Kai Novak", "--via", "call", "--when", f"{days} days ago")
    text = page_of(cli, tmp_path)
    figures = cli.json("report")
    panels = re.findall(r'<g class="multiple" data-id="(\d+)".*?</g>', text, re.DOTALL)
    chunks = dict(
        zip(panels, re.findall(r'<g class="multiple".*?</g>', text, re.DOTALL), strict=True)
    )
    assert len(chunks) == len(figures["busiest"]) >= 2
    for row in figures["busiest"]:
        chunk = chunks[str(row["id"])]
        touched = [week["week"] for week in row["weeks"] if week["mine"] or week["theirs"]]
        assert row["data_from"] == touched[0]
        bars = re.findall(
            r'<rect class="(?:mine|theirs)" x="([\d.]+)"[^>]*data-week="([^"]+)"', chunk
        )
        axis = re.search(r'<line class="grid" x1="([\d.]+)"', chunk).group(1)
        first_x, first_week = min(bars, key=lambda bar: float(bar[0]))
        assert (first_x, first_week) == (axis, row["data_from"])
        assert f'data-from="{row["data_from"]}"' in chunk
    [kai] = [row for row in figures["busiest"] if row["name"] == "Kai Novak"]
    first = datetime.fromisoformat(kai["data_from"])
    sixty_days_ago = NOW - timedelta(days=60)
    assert first <= sixty_days_ago < first + timedelta(weeks=1)


def test_the_terminal_report_lists_what_is_due(cli):
    build(cli)
    cli.ok("follow-up", "Bo Chen", "friday", "--note", "send the deck")
    cli.ok("add", "Ivy Moss", "--birthday", "06-17")
    env = {"COLUMNS": "80", "NO_COLOR": "1", "NETKEEP_PICTURES": "always"}
    lines = cli.ok("report", env=env).stdout.splitlines()
    start = lines.index("Due this week (2)")
    assert lines[start + 1 : start + 3] == [
        "  Ivy Moss: birthday 2026-06-17",
        "  Bo Chen: follow up 2026-06-19: send the deck",
    ]
    assert lines.index("Days since last touch") > start


# --- properties ------------------------------------------------------------------------------

point = st.fixed_dictionaries(
    {
        "score": st.integers(0, 100),
        "band": st.sampled_from(["mutual", "you-carry", "they-carry", *ATTENTION[:2]]),
        "days_since_heard": st.none() | st.integers(0, 3000),
        "name": st.text(min_size=1, max_size=40),
    }
)


@given(
    st.lists(point, max_size=60),
    st.lists(st.integers(0, 59), max_size=20),
    st.lists(st.integers(0, 59), max_size=20),
    st.lists(st.integers(0, 59), max_size=20),
)
def test_attention_ranks_every_reason_in_turn_and_the_map_names_the_first(points, due, owe, stale):
    points = [{**p, "id": index} for index, p in enumerate(points)]
    marked = attention(
        points,
        due=[{"contact_id": cid} for cid in due],
        you_owe=[{"contact_id": cid} for cid in owe],
        reach_out=[{"id": cid} for cid in stale],
    )
    needing = sorted((p for p in marked if p["attention"]), key=lambda p: p["attention_rank"])
    assert [p["attention_rank"] for p in needing] == list(range(len(needing)))
    assert all(p["attention_rank"] is None for p in marked if not p["attention"])
    for p in marked:
        assert p["attention"] == sorted(set(p["attention"]), key=ATTENTION.index)
    # Reasons take turns: each reason there is names someone within the first ranks.
    present = {reason for p in needing for reason in p["attention"]}
    for reason in present:
        assert any(reason in p["attention"] for p in needing[: len(present)])
    svg = reciprocity_map(marked)
    written = [int(cid) for cid, _reasons, _name in LABEL.findall(svg)]
    assert len(written) <= MAP_LABELS and len(set(written)) == len(written)
    assert all(marked[cid]["attention"] for cid in written)
    assert written[:1] == [p["id"] for p in needing[:1]]  # the most pressing is always named
    assert svg.count('class="ring"') == len(written)

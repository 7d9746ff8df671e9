"""`report --html FILE` and `report --format json`: a self-contained page whose marks carry the
JSON figures, with every piece of user text escaped."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from pictures_network import build

HOSTILE = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
CHARTS = ["map", "monthly", "dormancy", "multiples", "calendar"]
FIGURE_KEYS = {
    "as_of",
    "since",
    "until",
    "bands",
    "dormancy",
    "calendar",
    "calendar_levels",
    "changes",
    "map",
    "monthly_bands",
    "busiest",
    "due",
    "you_owe",
    "reach_out",
}


class Page(HTMLParser):
    """Every element with its attributes, the chart each sits in, and all text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], str | None]] = []
        self.svgs: list[str] = []
        self.chart: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = {key: value or "" for key, value in attrs}
        if tag == "svg":
            self.chart = attributes["class"].split()[-1]
            self.svgs.append(self.chart)
        self.elements.append((tag, attributes, self.chart))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None

    def handle_data(self, data):
        self.text.append(data)

    def marks(self, chart: str, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs, where in self.elements if where == chart and name == tag]


def map_dots(page: Page) -> list[dict[str, str]]:
    """The map's dots (the rings around named dots carry no figure)."""
    return [attrs for attrs in page.marks("map", "circle") if "data-score" in attrs]


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


@pytest.fixture
def network(cli, tmp_path):
    build(cli)
    for name in HOSTILE:
        cli.ok("add", name, "--force")
        for days in (40, 20):
            cli.ok("log", name, "--when", f"{days} days ago", "--via", "email", "--in")
        cli.ok("log", name, "--when", "8 days ago", "--via", "email", "--in", "--ask", name)
    return cli


def write_page(cli, tmp_path) -> tuple[str, dict]:
    target = tmp_path / "report.html"
    result = cli.ok("report", "--html", str(target))
    assert result.stdout == ""
    assert "Wrote the report" in result.stderr
    return target.read_text(encoding="utf-8"), cli.json("report")


def test_json_has_every_figure(network):
    figures = network.json("report")
    assert set(figures) == FIGURE_KEYS
    assert sum(figures["bands"].values()) == len(network.json("score"))
    assert [row["bucket"] for row in figures["dormancy"]] == ["0-30", "31-60", "61-90", "90+"]
    assert len(figures["monthly_bands"]) == 12
    assert figures["monthly_bands"][-1]["month"] == "2026-06"
    # From a Monday at least 53 weeks back to today.
    assert figures["calendar"][0]["date"] == "2025-06-09"
    assert figures["calendar"][-1]["date"] == "2026-06-15"


def test_bands_and_dormancy_are_the_tables_numbers(network):
    figures = network.json("report")
    scores = network.json("score")
    for band, count in figures["bands"].items():
        assert count == sum(1 for row in scores if row["band"] == band)
    # The last month of the monthly mix is now: the same bands as `score`.
    latest = figures["monthly_bands"][-1]
    touched = {row["id"] for row in scores if row["touchpoints"]}
    assert sum(latest[band] for band in figures["bands"]) == len(touched)
    for point in figures["map"]:
        [row] = [row for row in scores if row["id"] == point["id"]]
        assert (point["score"], point["band"]) == (row["score"], row["band"])
    stale = {row["id"]: row for row in network.json("stale", "--days", "1")}
    quiet_over_90 = sum(1 for row in stale.values() if row["days_since"] > 90)
    assert figures["dormancy"][-1]["count"] == quiet_over_90


def test_page_is_self_contained_and_parses(network, tmp_path):
    text, _ = write_page(network, tmp_path)
    page = parse(text)
    assert not re.search(r"https?://", text, re.IGNORECASE)
    tags = {tag for tag, _attrs, _chart in page.elements}
    assert not tags & {"script", "img", "iframe", "object", "embed", "link"}
    assert not any(key.startswith("on") for _tag, attrs, _chart in page.elements for key in attrs)
    assert sorted(page.svgs) == sorted(CHARTS)  # one <svg> per chart
    assert text.count("<svg") == len(CHARTS)
    assert "prefers-color-scheme: dark" in text and "@media print" in text
    assert len(page.marks("map", "title")) == len(map_dots(page))


def test_marks_carry_the_json_figures(network, tmp_path):
    text, figures = write_page(network, tmp_path)
    page = parse(text)
    dots = {
        int(attrs["data-id"]): (int(attrs["data-score"]), attrs["data-days"])
        for attrs in map_dots(page)
    }
    assert dots == {
        point["id"]: (
            point["score"],
            "" if point["days_since_heard"] is None else str(point["days_since_heard"]),
        )
        for point in figures["map"]
    }
    bars = {
        (attrs["data-month"], attrs["data-band"]): int(attrs["data-count"])
        for attrs in page.marks("monthly", "rect")
    }
    assert bars == {
        (month["month"], band): month[band]
        for month in figures["monthly_bands"]
        for band in figures["bands"]
    }
    buckets = [
        (attrs["data-bucket"], int(attrs["data-count"])) for attrs in page.marks("dormancy", "rect")
    ]
    assert buckets == [(row["bucket"], row["count"]) for row in figures["dormancy"]]
    days = [
        (attrs["data-date"], int(attrs["data-count"])) for attrs in page.marks("calendar", "rect")
    ]
    assert days == [(day["date"], day["mine"] + day["theirs"]) for day in figures["calendar"]]
    panels = [
        (int(attrs["data-id"]), int(attrs["data-touches"]))
        for attrs in page.marks("multiples", "g")
    ]
    assert panels == [(row["id"], row["touches"]) for row in figures["busiest"]]
    weekly, panel = {}, None
    for tag, attrs, chart in page.elements:
        if chart == "multiples" and tag == "g":
            panel = int(attrs["data-id"])
        elif chart == "multiples" and tag == "rect" and "data-side" in attrs:
            weekly[(panel, attrs["data-week"], attrs["data-side"])] = int(attrs["data-count"])
    assert weekly == {
        (row["id"], week["week"], side): week[side]
        for row in figures["busiest"]
        for week in row["weeks"]
        for side in ("mine", "theirs")
        if week[side]
    }
    legend = {
        attrs["data-band"]: int(attrs["data-count"])
        for tag, attrs, chart in page.elements
        if tag == "li" and chart is None and "data-band" in attrs
    }
    assert legend == figures["bands"]


def test_user_text_is_escaped(network, tmp_path):
    text, figures = write_page(network, tmp_path)
    page = parse(text)
    assert "<script>" not in text and "<img" not in text
    shown = "".join(page.text)
    for name in HOSTILE:
        assert name in shown  # rendered as text, exactly as typed
        assert f"asked: {name}" in shown
    names = {row["name"] for row in figures["busiest"]} | {p["name"] for p in figures["map"]}
    assert set(HOSTILE) <= names


def test_html_to_a_missing_folder_writes_nothing(network, tmp_path):
    target = tmp_path / "nowhere" / "report.html"
    result = network("report", "--html", str(target))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and "no such folder" in result.stderr
    assert not target.parent.exists()


def test_html_and_json_are_alternatives(network, tmp_path):
    result = network("report", "--html", str(tmp_path / "r.html"), "--format", "json")
    assert result.exit_code == 2
    assert not (tmp_path / "r.html").exists()


def test_report_json_is_valid_for_an_empty_database(cli):
    figures = cli.json("report")
    assert figures["map"] == [] and figures["busiest"] == []
    assert all(count == 0 for count in figures["bands"].values())
    json.dumps(figures)


@pytest.mark.sqlite_only
def test_monthly_mix_split_over_cores_matches_one_process(network, monkeypatch, db_path):
    import netkeep.store.scores
    from netkeep.db import open_session

    serial = network.json("report")
    monkeypatch.setattr(netkeep.store.scores, "PARALLEL_MIN_TOUCHPOINTS", 0)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    with open_session(db_path, write=False) as session:
        assert (
            len(netkeep.store.scores.contact_shares(session.connection())) == 3
        )  # the split really happens
    split = network.json("report")
    assert split["monthly_bands"] == serial["monthly_bands"]
    assert split["bands"] == serial["bands"]

"""report: what is due this week, in its JSON and as a list on the HTML page.

The suite's clock is frozen at 2026-06-15 12:00 UTC (a Monday) with TZ=UTC.
"""

from __future__ import annotations

import json


def test_report_json_and_page_list_what_is_due_this_week(cli, tmp_path):
    cli.ok("add", "Sam <b>Lee</b>")
    cli.ok("follow-up", "sam", "friday", "--note", "send the deck & notes")
    cli.ok("add", "Ana Ruiz", "--birthday", "06-16")
    cli.ok("add", "Bo Chen", "--birthday", "12-25")
    due = json.loads(cli.ok("report", "--format", "json").stdout)["due"]
    assert [(row["kind"], row["name"], row["date"]) for row in due] == [
        ("birthday", "Ana Ruiz", "2026-06-16"),
        ("follow-up", "Sam <b>Lee</b>", "2026-06-19"),
    ]
    page = tmp_path / "report.html"
    cli.ok("report", "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert '<h3 data-list="due">Due this week (2)</h3>' in html
    assert "Follow up: Sam &lt;b&gt;Lee&lt;/b&gt; (send the deck &amp; notes)" in html
    assert "Birthday: Ana Ruiz" in html
    assert "Bo Chen" not in html


def test_a_page_with_nothing_due_has_no_due_list(cli, tmp_path):
    cli.ok("add", "Sam Lee")
    page = tmp_path / "report.html"
    cli.ok("report", "--html", str(page))
    assert "Due this week" not in page.read_text(encoding="utf-8")

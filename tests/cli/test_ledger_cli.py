"""The favour ledger through the CLI: asks and gives by either side, --fulfils, withdrawn and
reopened asks, replies that need none, and what owe, score, show and export make of them.
Now is 2026-06-15 12:00 UTC (conftest)."""

from __future__ import annotations

import json

import pytest

import netkeep.render


@pytest.fixture
def dana(cli):
    cli.ok("add", "Dana Reyes", "--company", "Acme", "--title", "Recruiter")
    return "dana"


def test_the_other_side_can_give_on_your_call(cli, dana):
    logged = cli.json("log", dana, "--their-give", "a new req", "--when", "2026-06-01")
    assert logged["direction"] == "out"
    assert logged["give"] is None  # `give` stays the initiator's
    assert [(g["by"], g["what"]) for g in logged["gives"]] == [("them", "a new req")]
    cli.ok("log", dana, "--in", "--via", "email", "--my-ask", "a reference", "--when", "2026-06-02")
    asks = cli.json("asks", dana)
    assert [(a["by"], a["what"]) for a in asks] == [("me", "a reference")]
    shown = cli.json("show", dana)
    assert shown["touchpoints"][0]["ask"] is None  # asked on their touchpoint, by me
    assert shown["touchpoints"][0]["asks"][0]["by"] == "me"
    [row] = cli.json("score", dana)
    assert (row["their_gives"], row["my_gives"], row["my_asks"]) == (1, 0, 1)


def test_fulfils_links_the_give_and_resolves_the_ask_as_one_favour(cli, dana):
    cli.ok("log", dana, "--in", "--via", "email", "--ask", "an intro to Bo", "--when", "2026-06-01")
    logged = cli.json(
        "log",
        dana,
        "--via",
        "email",
        "--give",
        "intro to Bo",
        "--fulfils",
        "#1",
        "--when",
        "2026-06-03 09:00",
    )
    assert logged["gives"] == [{"id": 1, "by": "me", "what": "intro to Bo", "fulfils": 1}]
    [ask] = cli.json("asks", dana, "--all")
    assert (ask["status"], ask["resolved_at"]) == ("done", "2026-06-03T09:00:00+00:00")
    [row] = cli.json("score", dana)
    assert (row["my_gives"], row["their_gives"]) == (1, 0)  # one favour, not two


def test_fulfils_without_a_give_records_the_ask_itself_as_given(cli, dana):
    cli.ok("log", dana, "--my-ask", "a reference", "--when", "2026-06-01")
    logged = cli.json("log", dana, "--in", "--via", "email", "--fulfils", "1")
    assert logged["gives"] == [{"id": 1, "by": "them", "what": "a reference", "fulfils": 1}]
    assert logged["give"] == "a reference"  # they initiated, and it was their give


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fulfils", "9"], "has no ask #9"),
        (["--fulfils", "2"], "has no ask #2"),  # someone else's
        (["--fulfils", "x"], "invalid ask id"),
        (["--fulfils", "1", "--when", "2026-05-01"], "opened after this touchpoint"),
    ],
)
def test_fulfils_refuses_what_it_cannot_fulfil_and_writes_nothing(
    cli, dana, database, args, message
):
    cli.ok("log", dana, "--in", "--ask", "an intro", "--when", "2026-06-01")
    cli.ok("add", "Bo")
    cli.ok("log", "bo", "--in", "--ask", "advice", "--when", "2026-06-01")
    before = database.snapshot()
    result = cli("log", dana, "--give", "intro", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert database.snapshot() == before


def test_fulfils_refuses_an_ask_already_resolved(cli, dana):
    cli.ok("log", dana, "--in", "--ask", "an intro", "--when", "2026-06-01")
    cli.ok("resolve", "1", "--declined")
    result = cli("log", dana, "--give", "intro", "--fulfils", "1")
    assert result.exit_code == 2 and "already declined" in result.stderr


def test_log_hints_at_the_link_off_a_terminal(cli, dana):
    cli.ok("log", dana, "--in", "--ask", "an intro to Bo", "--when", "2026-06-01")
    result = cli.ok("log", dana, "--via", "email", "--give", "intro to Bo")
    assert "--fulfils 1" in result.stderr and "an intro to Bo" in result.stderr
    assert cli.json("asks", dana)[0]["status"] == "open"  # a hint, not a decision
    # No hint when the give comes from the side that asked, or when the asker has two open asks.
    assert "--fulfils" not in cli.ok("log", dana, "--in", "--give", "thanks").stderr
    cli.ok("log", dana, "--in", "--ask", "a second thing")
    assert "--fulfils" not in cli.ok("log", dana, "--my-give", "advice").stderr


def test_log_offers_the_link_on_a_terminal(cli, dana, monkeypatch):
    import netkeep.cli.common

    cli.ok("log", dana, "--in", "--ask", "an intro to Bo", "--when", "2026-06-01")
    monkeypatch.setattr(netkeep.cli.common, "interactive", lambda: True)
    result = cli("log", dana, "--via", "email", "--give", "intro to Bo", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "Does this fulfil ask #1 'an intro to Bo'?" in result.stderr
    [ask] = cli.json("asks", dana, "--all")
    assert ask["status"] == "done"
    assert cli.json("show", dana)["gives"][0]["fulfils"] == 1
    cli.ok("log", dana, "--in", "--ask", "advice", "--when", "2026-06-02")
    declined = cli.ok("log", dana, "--give", "advice", input="n\n")
    assert cli.json("asks", dana)[0]["status"] == "open"  # declined the offer: no link
    assert "--fulfils" not in declined.stderr  # and no hint on top of the question


def test_withdrawn_asks_are_shown_with_all_and_can_be_reopened(cli, dana):
    cli.ok("log", dana, "--in", "--ask", "help finding a job", "--when", "2026-05-01")
    resolved = cli.json("resolve", "1", "--withdrawn", "--when", "2026-06-01")
    assert (resolved["status"], resolved["resolved_at"]) == (
        "withdrawn",
        "2026-06-01T00:00:00+00:00",
    )
    assert cli.json("asks") == []
    assert [a["status"] for a in cli.json("asks", "--all")] == ["withdrawn"]
    assert "withdrawn" in cli.ok("asks", "--all").stdout
    assert cli.json("owe") == []  # moot: nobody owes anything
    reopened = cli.json("resolve", "1", "--reopen")
    assert (reopened["status"], reopened["resolved_at"]) == ("open", None)
    assert "withdrawn (moot" in cli.ok("resolve", "1", "--withdrawn").stderr
    assert "open again" in cli.ok("resolve", "1", "--reopen").stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--reopen"], "already open"),
        (["--withdrawn", "--declined"], "cannot be used together"),
        (["--reopen", "--withdrawn"], "cannot be used together"),
    ],
)
def test_resolve_refuses_contradictions(cli, dana, args, message):
    cli.ok("log", dana, "--in", "--ask", "an intro")
    result = cli("resolve", "1", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_undo_of_a_fulfilling_give_reopens_the_ask(cli, dana):
    cli.ok("log", dana, "--in", "--ask", "an intro", "--when", "2026-06-01")
    cli.ok("log", dana, "--give", "intro", "--fulfils", "1")
    result = cli.ok("undo")
    assert "give 'intro' fulfilling ask #1" in result.stderr
    [ask] = cli.json("asks", dana)
    assert ask["status"] == "open"
    assert cli.json("show", dana)["gives"] == []


def test_a_reply_that_needs_none_is_not_owed(cli, dana):
    cli.ok("log", dana, "--in", "--via", "email", "--no-reply-needed", "--when", "2026-06-10")
    assert cli.json("owe") == []
    shown = cli.json("show", dana)
    assert shown["touchpoints"][0]["no_reply"] is True
    # Your own message may need no reply too (a thank-you): it is taken, not refused.
    mine = cli.json("log", dana, "--via", "email", "--no-answer", "--no-reply-needed")
    assert mine["no_reply"] is True


def test_owe_leaves_out_replies_that_close_a_thread(cli, dana):
    cli.ok("log", dana, "--via", "email", "--when", "2026-06-01")
    cli.ok("log", dana, "--in", "--via", "email", "--note", "thanks!", "--when", "2026-06-02")
    assert cli.json("owe") == []  # her answer to your email closes the thread
    cli.ok("log", dana, "--in", "--via", "email", "--note", "and one more", "--when", "2026-06-03")
    assert [row["touchpoint_id"] for row in cli.json("owe")] == [3]  # a second message is not


def test_owe_still_lists_a_reply_that_asks_or_comes_after_the_window(cli, dana):
    cli.ok("add", "Bo")
    cli.ok("log", dana, "--via", "email", "--when", "2026-06-01")
    cli.ok("log", dana, "--in", "--via", "email", "--ask", "a lead", "--when", "2026-06-02")
    cli.ok("log", "bo", "--via", "email", "--when", "2026-05-01")
    cli.ok("log", "bo", "--in", "--via", "email", "--when", "2026-05-20")  # 19 days: not a reply
    owed = cli.json("owe")
    assert [(row["name"], row["ask"]) for row in owed] == [("Bo", None), ("Dana Reyes", "a lead")]


def test_score_show_and_parallel_workers_agree_on_a_ledger(cli, dana, monkeypatch):
    import netkeep.store.scores

    cli.ok("add", "Bo")
    for who in (dana, "bo"):
        cli.ok("log", who, "--in", "--via", "email", "--ask", "an intro", "--when", "2026-03-01")
        cli.ok("log", who, "--their-give", "a lead", "--when", "2026-03-05")
        cli.ok("log", who, "--in", "--via", "email", "--no-reply-needed", "--when", "2026-03-06")
        cli.ok("log", who, "--via", "email", "--give", "the intro", "--when", "2026-03-08")
    cli.ok("resolve", "2", "--withdrawn")
    rows = cli.json("score")
    for row in rows:
        assert cli.json("show", f"#{row['id']}")["score"] == row
    monkeypatch.setattr(netkeep.store.scores, "PARALLEL_MIN_TOUCHPOINTS", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert cli.json("score") == rows


# --- show -----------------------------------------------------------------------------------------


def test_show_prints_score_band_explanation_and_rhythm(cli, dana, monkeypatch):
    for day in (1, 8, 15, 22):
        cli.ok("log", dana, "--via", "email", "--when", f"2026-05-{day:02d} 09:00")
        cli.ok("log", dana, "--in", "--via", "email", "--when", f"2026-05-{day + 3:02d} 09:00")
    shown = cli.json("show", dana)
    assert shown["rhythm"]["text"].startswith("you usually talk every ~")
    assert "they usually reply within ~" in shown["rhythm"]["text"]
    monkeypatch.setattr(netkeep.render, "stdout_isatty", lambda: True)
    out = " ".join(cli.ok("show", dana, env={"COLUMNS": "200"}).stdout.split())
    score = shown["score"]
    assert f"Score {score['score']}, {score['band']}" in out
    assert " ".join(score["explanation"].split()) in out
    assert " ".join(shown["rhythm"]["text"].split()) in out
    assert "Company Acme" in out and "Title Recruiter" in out  # the company, not the title


def test_show_lists_recent_touchpoints_or_all(cli, dana):
    for day in range(1, 13):
        cli.ok("log", dana, "--via", "email", "--when", f"2026-05-{day:02d}")
    assert "Touchpoints (10 of 12" in cli.ok("show", dana).stdout
    everything = cli.ok("show", dana, "--all").stdout
    assert "Touchpoints (12 of 12" in everything and "2026-05-01" in everything


def test_show_history_scores_each_month_end_as_it_stood(cli, dana):
    cli.ok("log", dana, "--when", "2025-11-03")
    cli.ok("log", dana, "--in", "--when", "2025-12-03")
    cli.ok("log", dana, "--when", "2026-02-10")
    cli.ok("log", dana, "--in", "--via", "email", "--ask", "a lead", "--when", "2026-04-01")
    cli.ok("resolve", "1", "--when", "2026-05-01")
    history = cli.json("show", dana, "--history")["history"]
    assert [point["as_of"][:10] for point in history] == [
        "2025-06-30",
        "2025-07-31",
        "2025-08-31",
        "2025-09-30",
        "2025-10-31",
        "2025-11-30",
        "2025-12-31",
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
        "2026-06-15",
    ]
    assert [point["band"] for point in history[:8]] == ["new"] * 8
    for point in history:
        rows = cli.json("score", dana, "--as-of", point["as_of"])
        if not rows:  # she was not in the network yet
            assert (point["score"], point["band"]) == (None, "new")
            continue
        assert (rows[0]["score"], rows[0]["band"]) == (point["score"], point["band"])
    assert "Score over the last year" in cli.ok("show", dana, "--history").stdout


def test_score_explain_on_a_terminal_prints_each_explanation_whole(cli, dana, monkeypatch):
    cli.ok("log", dana, "--no-answer", "--when", "2026-04-01")
    cli.ok("log", dana, "--no-answer", "--when", "2026-05-01")
    cli.ok("log", dana, "--in", "--via", "email", "--ask", "a lead", "--when", "2026-06-01")
    [row] = cli.json("score", "--explain")
    monkeypatch.setattr(netkeep.render, "stdout_isatty", lambda: True)
    out = cli.ok("score", "--explain", env={"COLUMNS": "60"}).stdout
    assert "Why" not in out  # not crammed into a table cell
    assert " ".join(row["explanation"].split()) in " ".join(out.split())
    assert f"#{row['id']} Dana Reyes  {row['band']}" in out
    piped = cli.ok("score", "--explain").stdout  # scripts keep the one-line table
    monkeypatch.setattr(netkeep.render, "stdout_isatty", lambda: False)
    assert "Why" in cli.ok("score", "--explain").stdout and piped


# --- export and import ----------------------------------------------------------------------------


def _v1_document() -> dict:
    contact = {
        "id": 1,
        "name": "Ana Ruiz",
        "emails": ["ana@example.com"],
        "phone": None,
        "company": None,
        "title": None,
        "tags": [],
        "tier": "network",
        "cadence": None,
        "note": None,
        "created_at": "2025-01-01T00:00:00+00:00",
        "archived": False,
    }
    touchpoints = [
        (1, "2026-02-01T09:00:00+00:00", "in", "an intro to Acme", None),
        (2, "2026-02-03T09:00:00+00:00", "out", None, "intro to Acme"),
        (3, "2026-03-01T09:00:00+00:00", "in", None, "a referral"),
    ]
    return {
        "format": "netkeep",
        "version": 1,
        "contacts": [contact],
        "touchpoints": [
            {
                "id": tid,
                "contact_id": 1,
                "occurred_at": when,
                "channel": "email",
                "direction": direction,
                "two_way": False,
                "note": None,
                "ask": ask,
                "give": give,
            }
            for tid, when, direction, ask, give in touchpoints
        ],
        "asks": [
            {
                "id": 1,
                "contact_id": 1,
                "touchpoint_id": 1,
                "name": "Ana Ruiz",
                "by": "them",
                "what": "an intro to Acme",
                "status": "done",
                "opened_at": "2026-02-01T09:00:00+00:00",
                "resolved_at": "2026-02-03T09:00:00+00:00",
            }
        ],
    }


def test_a_version_1_export_still_imports_with_its_gives(cli, tmp_path):
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(_v1_document()), encoding="utf-8")
    result = cli.ok("import", str(path))
    assert "gives: 2 added" in result.stderr
    document = json.loads(cli.ok("export").stdout)
    assert document["version"] == 6
    assert [(g["by"], g["what"], g["touchpoint_id"], g["fulfils"]) for g in document["gives"]] == [
        ("me", "intro to Acme", 2, 1),  # the give that resolved her ask: one favour
        ("them", "a referral", 3, None),
    ]
    assert [t["give"] for t in document["touchpoints"]] == [None, "intro to Acme", "a referral"]
    assert not any(t["no_reply"] for t in document["touchpoints"])
    cli.ok("import", str(path))  # and a second import adds nothing
    assert json.loads(cli.ok("export").stdout) == document


def test_a_version_2_export_still_imports_with_its_gives_and_source_keys(cli, tmp_path):
    # Version 2: captured touchpoints carry source and source_key; gives are still on touchpoints.
    document = {**_v1_document(), "version": 2}
    for touchpoint in document["touchpoints"]:
        touchpoint.update(source=None, source_key=None)
    document["touchpoints"][2].update(source="mbox", source_key="<m3@example.com>")
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = cli.ok("import", str(path))
    assert "gives: 2 added" in result.stderr
    exported = json.loads(cli.ok("export").stdout)
    assert exported["version"] == 6
    assert [(g["by"], g["what"], g["touchpoint_id"], g["fulfils"]) for g in exported["gives"]] == [
        ("me", "intro to Acme", 2, 1),
        ("them", "a referral", 3, None),
    ]
    keyed = [(t["source"], t["source_key"], t["give"]) for t in exported["touchpoints"]]
    assert keyed == [
        (None, None, None),
        (None, None, "intro to Acme"),
        ("mbox", "<m3@example.com>", "a referral"),
    ]
    cli.ok("import", str(path))  # and a second import adds nothing
    assert json.loads(cli.ok("export").stdout) == exported


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d.update(gives=[{"id": 1}]),
            "give 1 (id 1): gives need format version 3",
        ),
        (
            lambda d: d["touchpoints"][0].update(no_reply=False),
            "touchpoint 1 (id 1): unknown key 'no_reply'",
        ),
    ],
)
def test_a_version_2_document_has_no_ledger_keys(cli, tmp_path, database, change, message):
    document = {**_v1_document(), "version": 2}
    change(document)
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = cli("import", str(path))
    assert result.exit_code == 2 and message in result.stderr
    assert not database.exists()


def test_a_version_3_document_refuses_a_give_pointing_nowhere(cli, tmp_path, db_path):
    cli.ok("add", "Ana")
    cli.ok("log", "ana", "--their-give", "advice")
    document = json.loads(cli.ok("export").stdout)
    document["gives"][0]["fulfils"] = 7
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = cli("--db", str(tmp_path / "other.db"), "import", str(path))
    assert result.exit_code == 2 and "fulfils refers to no ask" in result.stderr


def test_touchpoint_edit_keeps_the_ledger_with_the_touchpoint(cli, dana):
    cli.ok("add", "Bo")
    logged = cli.json("log", dana, "--their-give", "a req", "--my-ask", "a reference")
    cli.ok("touchpoint", "edit", str(logged["id"]), "--give", "coffee")  # the initiator's: mine
    edited = cli.json("touchpoint", "edit", str(logged["id"]), "--in", "--contact", "bo")
    # Corrected to their call: what was theirs was mine, and the reverse; all of it moves to Bo.
    assert {(g["by"], g["what"]) for g in edited["gives"]} == {("me", "a req"), ("them", "coffee")}
    assert [(a["by"], a["what"]) for a in edited["asks"]] == [("them", "a reference")]
    assert edited["give"] == "coffee"
    assert cli.json("show", "bo")["gives"] and not cli.json("show", dana)["gives"]
    cleared = cli.json("touchpoint", "edit", str(logged["id"]), "--give", "")
    assert [(g["by"], g["what"]) for g in cleared["gives"]] == [("me", "a req")]

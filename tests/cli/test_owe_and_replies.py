"""Replies, `owe` and asks being worked: what you owe is what a person would say you owe."""

from __future__ import annotations

import pytest


@pytest.fixture
def omar(cli) -> str:
    cli.ok("add", "Omar Haddad")
    return "omar"


def owed(cli) -> list[int]:
    return [row["touchpoint_id"] for row in cli.json("owe")]


# --- owe ---------------------------------------------------------------------------------------


def test_a_question_after_your_outreach_is_still_owed(cli, omar):
    cli.ok("log", omar, "--via", "email", "--when", "2026-06-01")
    cli.ok(
        "log", omar, "--in", "--via", "text", "--when", "2026-06-02",
        "--note", "can we move our meeting to Friday?",
    )  # fmt: skip
    assert owed(cli) == [2]


def test_their_missed_call_after_your_outreach_is_a_call_back_owed(cli, omar):
    cli.ok("log", omar, "--via", "email", "--when", "2026-06-01")
    cli.ok("log", omar, "--in", "--via", "call", "--no-answer", "--when", "2026-06-02")
    assert owed(cli) == [2]


def test_a_plain_answer_to_your_outreach_still_closes_the_thread(cli, omar):
    cli.ok("log", omar, "--via", "email", "--when", "2026-06-01")
    cli.ok(
        "log",
        omar,
        "--in",
        "--via",
        "email",
        "--note",
        "thanks, sounds good",
        "--when",
        "2026-06-02",
    )
    assert owed(cli) == []


def test_owe_on_a_table_is_one_row_per_person_with_the_count(cli, omar):
    cli.ok("add", "Ana Ruiz")
    cli.ok("log", omar, "--in", "--via", "text", "--when", "2026-06-01")
    cli.ok("log", "ana", "--in", "--via", "email", "--when", "2026-06-02")
    cli.ok("log", omar, "--in", "--via", "social", "--when", "2026-06-03")
    table = cli.ok("owe").stdout
    lines = [line for line in table.splitlines() if "Omar" in line or "Ana" in line]
    assert len(lines) == 2
    assert "Omar" in lines[0] and "Ana" in lines[1]  # oldest first
    assert "text, social" in lines[0] and lines[0].split()[-1] == "2"
    # JSON keeps one row per item and today's keys.
    rows = cli.json("owe")
    assert [row["touchpoint_id"] for row in rows] == [1, 2, 3]
    assert set(rows[0]) == {
        "contact_id", "name", "touchpoint_id", "occurred_at", "channel", "days_waiting", "ask"
    }  # fmt: skip


def test_an_invitation_you_accepted_is_answered(cli, tmp_path):
    connections = tmp_path / "Connections.csv"
    connections.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Sam,Lee,https://www.linkedin.com/in/sam-lee,,,,16 Jan 2026\n"
    )
    cli.ok("import", str(connections))
    invitations = tmp_path / "Invitations.csv"
    invitations.write_text(
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        'Sam Lee,Alex Me,"1/15/26, 9:30 AM",Hello!,INCOMING,'
        "https://www.linkedin.com/in/sam-lee,https://www.linkedin.com/in/alex-me\n"
        'Dana Hiring,Alex Me,"1/20/26, 9:30 AM",,INCOMING,'
        "https://www.linkedin.com/in/dana-hiring,https://www.linkedin.com/in/alex-me\n"
    )
    cli.ok(
        "import",
        str(invitations),
        "--me-linkedin",
        "https://www.linkedin.com/in/alex-me",
        "--create",
    )
    assert [row["name"] for row in cli.json("owe")] == ["Dana Hiring"]  # Sam's was accepted


# --- replies -----------------------------------------------------------------------------------


def test_your_thanks_after_their_referral_is_not_unanswered_outreach(cli, omar):
    cli.ok("log", omar, "--two-way", "--when", "2026-05-01")
    cli.ok("log", omar, "--in", "--two-way", "--via", "call", "--when", "2026-05-10")
    cli.ok(
        "log", omar, "--in", "--via", "email", "--give", "a referral", "--no-reply-needed",
        "--when", "2026-06-01 10:00",
    )  # fmt: skip
    cli.ok("log", omar, "--via", "email", "--note", "thanks!", "--when", "2026-06-01 12:00")
    [row] = cli.json("score")
    assert row["unanswered_streak"] == 0
    assert "unanswered" not in row["explanation"]


def test_no_reply_needed_on_your_own_message(cli, omar):
    cli.ok("log", omar, "--two-way", "--when", "2026-05-01")
    cli.ok("log", omar, "--in", "--two-way", "--when", "2026-05-10")
    mine = cli.json("log", omar, "--via", "email", "--no-reply-needed", "--when", "2026-05-20")
    assert mine["no_reply"] is True
    [row] = cli.json("score")
    assert row["unanswered_streak"] == 0


def test_touchpoint_edit_keeps_and_sets_no_reply(cli, omar):
    cli.ok("log", omar, "--in", "--via", "email", "--no-reply-needed", "--when", "2026-06-01")
    edited = cli.json("touchpoint", "edit", "1", "--note", "thanks for the intro")
    assert edited["no_reply"] is True
    edited = cli.json("touchpoint", "edit", "1", "--out")
    assert edited["no_reply"] is True  # kept through a change of side too
    edited = cli.json("touchpoint", "edit", "1", "--reply-needed")
    assert edited["no_reply"] is False
    edited = cli.json("touchpoint", "edit", "1", "--no-reply-needed")
    assert edited["no_reply"] is True
    assert cli("touchpoint", "edit", "1", "--no-reply-needed").exit_code == 2  # nothing to change


# --- asks being worked -------------------------------------------------------------------------


def test_a_working_ask_is_neither_owed_nor_waiting(cli, omar):
    cli.ok("log", omar, "--in", "--via", "email", "--ask", "find me a role", "--when", "2026-05-01")
    cli.ok("log", omar, "--two-way", "--when", "2026-05-03")
    cli.ok("log", omar, "--via", "meeting", "--when", "2026-05-10")
    assert [row["ask"] for row in cli.json("owe")] == ["find me a role"]
    assert "has waited on you" in cli.json("score")[0]["explanation"]
    result = cli.ok("resolve", "1", "--working")
    assert "working" in result.stderr
    # His follow-up about it is not owed while you work it.
    cli.ok("log", omar, "--in", "--via", "email", "--note", "any news", "--when", "2026-06-01")
    assert cli.json("owe") == []
    [score] = cli.json("score")
    assert "waited on you" not in score["explanation"]
    assert score["open_asks_by_them"] == 0
    digest = cli.json("digest")
    assert digest["you_owe"] == []
    # `asks` shows it, with its status.
    [ask] = cli.json("asks")
    assert ask["status"] == "working" and ask["resolved_at"] is None
    assert "working" in cli.ok("asks").stdout
    # It moves on as before.
    done = cli.json("resolve", "1")
    assert done["status"] == "done"
    assert cli("resolve", "1", "--working").exit_code == 2


def test_a_working_ask_can_be_reopened_and_is_kept_by_export(cli, omar, tmp_path):
    cli.ok("log", omar, "--in", "--ask", "an intro", "--when", "2026-05-01")
    cli.ok("resolve", "1", "--working")
    assert cli("resolve", "1", "--working").exit_code == 2
    out = tmp_path / "all.json"
    cli.ok("export", "--output", str(out))
    cli.ok("resolve", "1", "--reopen")
    assert cli.json("asks")[0]["status"] == "open"
    cli.ok("rm", omar, "--yes")
    cli.ok("import", str(out))
    assert cli.json("asks")[0]["status"] == "working"


def test_touchpoint_edit_takes_the_ledger_options_log_has(cli, omar):
    cli.ok("log", omar, "--in", "--via", "email", "--no-reply-needed", "--when", "2026-06-01")
    edited = cli.json("touchpoint", "edit", "1", "--their-ask", "an intro", "--my-give", "advice")
    assert edited["no_reply"] is True
    [ask] = cli.json("asks", omar)
    assert (ask["by"], ask["what"], ask["status"]) == ("them", "an intro", "open")
    assert [(g["by"], g["what"]) for g in cli.json("show", omar)["gives"]] == [("me", "advice")]
    cli.json("touchpoint", "edit", "1", "--ask", "a call")  # the initiator's: theirs here
    assert sorted(a["what"] for a in cli.json("asks", omar, "--by", "them")) == [
        "a call",
        "an intro",
    ]
    cli.ok("undo")
    assert [a["what"] for a in cli.json("asks", omar)] == ["an intro"]

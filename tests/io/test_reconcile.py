"""What you typed and what you captured are one history: a capture of an exchange you logged by
hand merges into your record, and duplicates already stored can be found and folded."""

from __future__ import annotations

import pytest

import netkeep.cli.common

ME = ("--me-email", "alex@me.example")


def mbox(tmp_path, *messages: tuple[str, str, str, str, str], name: str = "mail.mbox") -> str:
    """An mbox of (from, to, date, message-id, subject) messages."""
    parts = [
        f"From x Mon Jan  5 10:00:00 2026\nFrom: {sender}\nTo: {to}\nDate: {date}\n"
        f"Message-ID: <{message_id}>\nSubject: {subject}\n\nBody\n\n"
        for sender, to, date, message_id, subject in messages
    ]
    path = tmp_path / name
    path.write_text("".join(parts))
    return str(path)


@pytest.fixture
def sam(cli) -> str:
    cli.ok("add", "Sam Lee", "--email", "sam@x.example")
    return "sam"


def sent(tmp_path, when: str = "Mon, 01 Jun 2026 10:05:00 +0000") -> str:
    return mbox(
        tmp_path,
        ("Alex Me <alex@me.example>", "Sam Lee <sam@x.example>", when, "out1@me", "the role"),
        ("Sam Lee <sam@x.example>", "alex@me.example", "Tue, 02 Jun 2026 09:00:00 +0000", "in1@x", "re: the role"),
    )  # fmt: skip


def test_a_captured_email_merges_into_the_one_you_typed(cli, sam, tmp_path):
    typed = cli.json(
        "log", sam, "--via", "email", "--when", "2026-06-01 10:00", "--note", "sent the JD",
        "--ask", "a referral",
    )  # fmt: skip
    result = cli.ok("import", sent(tmp_path), *ME)
    assert "1 added, 0 already there, 1 matched touchpoints you typed" in result.stderr
    assert f"#{typed['id']} Sam Lee email" in result.stderr
    history = list(reversed(cli.json("show", sam)["touchpoints"]))
    assert len(history) == 2
    mine = history[0]
    assert mine["id"] == typed["id"] and mine["note"] == "sent the JD"
    assert mine["source"] == "mbox" and mine["source_key"]
    assert [ask["what"] for ask in cli.json("asks", sam)] == ["a referral"]
    # A later re-import finds it there.
    again = cli.ok("import", sent(tmp_path), *ME)
    assert "0 added, 2 already there" in again.stderr


def test_dry_run_shows_the_matches_and_writes_nothing(cli, sam, tmp_path, database):
    cli.ok("log", sam, "--via", "email", "--when", "2026-06-01 10:00")
    before = database.snapshot()
    result = cli.ok("import", sent(tmp_path), *ME, "--dry-run")
    assert "would match 1 touchpoints you typed" in result.stderr
    assert database.snapshot() == before


def test_a_date_typed_without_a_time_matches_that_day(cli, sam, tmp_path):
    cli.ok("log", sam, "--via", "email", "--when", "2026-06-01")
    cli.ok("import", sent(tmp_path, "Mon, 01 Jun 2026 17:45:00 +0000"), *ME)
    assert len(cli.json("show", sam)["touchpoints"]) == 2


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        (("--via", "email", "--in", "--when", "2026-06-01 10:00"), "the other side"),
        (("--via", "call", "--when", "2026-06-01 10:00"), "another channel"),
        (("--via", "email", "--when", "2026-05-30 10:00"), "days apart"),
    ],
)
def test_different_exchanges_are_not_merged(cli, sam, tmp_path, typed, why):
    cli.ok("log", sam, *typed)
    result = cli.ok("import", sent(tmp_path), *ME)
    assert "matched" not in result.stderr, why
    assert len(cli.json("show", sam)["touchpoints"]) == 3


def test_doctor_folds_duplicates_already_stored_and_undo_restores_them(cli, sam, tmp_path):
    cli.ok("import", sent(tmp_path), *ME)  # captured first, then typed: both stored
    cli.ok("log", sam, "--via", "email", "--when", "2026-06-01 10:00", "--note", "sent the JD")
    cli.ok("log", sam, "--via", "call", "--when", "2026-06-03 15:00")
    cli.ok("log", sam, "--via", "call", "--when", "2026-06-03 15:00", "--ask", "a call back")
    pairs = cli.json("doctor")
    assert [(p["keep"], p["drop"], p["reason"]) for p in pairs] == [
        (3, 1, "captured (mbox)"),
        (4, 5, "typed twice"),
    ]
    before = cli.json("show", sam)
    fixed = cli.ok("doctor", "--fix")
    assert "Folded 2" in fixed.stderr
    after = cli.json("show", sam)
    kept = {t["id"]: t for t in after["touchpoints"]}
    assert sorted(kept) == [2, 3, 4]
    assert kept[3]["note"] == "sent the JD" and kept[3]["source"] == "mbox"
    assert [ask["what"] for ask in after["asks"]] == ["a call back"]
    assert cli.json("doctor") == []
    assert "0 added, 2 already there" in cli.ok("import", sent(tmp_path), *ME).stderr
    cli.ok("undo")  # the import added nothing: undo takes back the fold
    assert cli.json("show", sam) == before


def test_log_warns_on_a_terminal_about_the_same_touchpoint_typed_twice(cli, sam, monkeypatch):
    cli.ok("log", sam, "--when", "2026-06-03 15:00")
    quiet = cli.ok("log", sam, "--when", "2026-06-03 15:00")
    assert "looks the same" not in quiet.stderr  # scripts are not told
    monkeypatch.setattr(netkeep.cli.common, "interactive", lambda: True)
    told = cli.ok("log", sam, "--when", "2026-06-03 15:00:30")
    assert "touchpoint #1 with Sam Lee looks the same" in told.stderr
    other = cli.ok("log", sam, "--in", "--when", "2026-06-03 15:00")
    assert "looks the same" not in other.stderr

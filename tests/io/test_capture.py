"""Capturing history from exported files: directions, liveness, dedup, identity and the summary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures" / "capture"
ME_LINKEDIN = ("--me-linkedin", "https://www.linkedin.com/in/alex-me/")
ME_EMAIL = ("--me-email", "alex@me.example")
ME_NAME = ("--me-name", "Alex Me")


def fixture(name: str) -> str:
    return str(FIXTURES / name)


def touchpoints(cli, who: str) -> list[dict]:
    """A contact's touchpoints, oldest first."""
    return list(reversed(cli.json("show", who)["touchpoints"]))


def summary(result) -> str:
    return result.stderr


def table_dump(database) -> list:
    if not database.exists():
        return [[], [], []]
    return [database.rows(table) for table in ("contact", "touchpoint", "ask")]


# --- LinkedIn ------------------------------------------------------------------------------------


def test_linkedin_messages_directions_and_runs(cli):
    cli.ok("add", "Robin Recruiter")
    result = cli.ok("import", fixture("messages.csv"), *ME_LINKEDIN)
    seen = touchpoints(cli, "robin")
    # Robin's two messages five minutes apart are one approach; Alex's reply answers it.
    assert [(t["direction"], t["channel"], t["two_way"]) for t in seen] == [
        ("in", "social", False),
        ("out", "social", False),
    ]
    assert seen[0]["answered"] is True
    assert seen[0]["source"] == "linkedin" and seen[0]["source_key"]
    assert "from 3 messages" not in summary(result)
    assert "skipped: 1 folder spam" in summary(result)
    assert "Dana Hiring <https://www.linkedin.com/in/dana-hiring> (1)" in summary(result)
    assert "use --create" in summary(result)


def test_linkedin_without_me_names_the_missing_setting(cli, database):
    result = cli("import", fixture("messages.csv"))
    assert result.exit_code == 2
    assert "linkedin" in result.stderr and "[me]" in result.stderr
    assert not database.exists() or table_dump(database)[1] == []


def test_linkedin_me_from_config(cli, config_file):
    config_file.write_text('[me]\nlinkedin = "https://linkedin.com/in/alex-me"\n')
    cli.ok("import", fixture("messages.csv"), "--create")
    assert [t["direction"] for t in touchpoints(cli, "dana")] == ["out"]


def test_linkedin_older_messages_without_urls_use_names(cli):
    cli.ok("add", "Robin Recruiter")
    cli.ok("import", fixture("messages-old.csv"), *ME_NAME)
    seen = touchpoints(cli, "robin")
    assert [t["direction"] for t in seen] == ["in", "out"]
    assert seen[0]["occurred_at"] == "2019-05-02T10:00:00+00:00"


def test_linkedin_older_messages_need_my_name(cli):
    result = cli("import", fixture("messages-old.csv"), *ME_LINKEDIN)
    assert result.exit_code == 2
    assert "names" in result.stderr and "--me-name" in result.stderr


def test_linkedin_invitations_carry_their_direction(cli):
    cli.ok("import", fixture("Invitations.csv"), "--create")
    assert [t["direction"] for t in touchpoints(cli, "sam lee")] == ["in"]
    dana = touchpoints(cli, "dana")
    assert [(t["direction"], t["occurred_at"]) for t in dana] == [
        ("out", "2026-04-09T15:04:00+00:00")
    ]


def test_linkedin_export_zip_brings_connections_then_their_messages(cli):
    result = cli.ok("import", fixture("Basic_LinkedInDataExport.zip"), *ME_LINKEDIN)
    assert "Connections.csv: contacts: 2 created" in summary(result)
    # Matched by the profile URL the connection import kept.
    assert [t["direction"] for t in touchpoints(cli, "robin")] == ["in", "out"]
    assert [t["direction"] for t in touchpoints(cli, "dana")] == ["out", "out"]
    assert "Sam Lee" in summary(result) and "not imported" in summary(result)
    again = cli.ok("import", fixture("Basic_LinkedInDataExport.zip"), *ME_LINKEDIN)
    assert "0 added, 4 already there" in summary(again)


# --- mail ----------------------------------------------------------------------------------------


def test_mbox_directions_threads_and_skips(cli):
    cli.ok("add", "Robin Recruiter", "--email", "robin@acme.example")
    result = cli.ok("import", fixture("mail.mbox"), *ME_EMAIL)
    robin = touchpoints(cli, "robin")
    # The reply and its follow-up twenty minutes later are one touchpoint.
    assert [(t["direction"], t["note"]) for t in robin] == [
        ("in", "Intro call?"),
        ("out", "Re: Intro call?"),
    ]
    assert robin[0]["answered"] is True
    text = summary(result)
    assert "1 mailing list" in text and "1 no-reply sender" in text
    assert "1 spam, trash or promotions" in text
    assert "Kim Ng <kim@beta.example> (2)" in text


def test_mbox_create_adds_correspondents_with_their_address(cli):
    cli.ok("import", fixture("mail.mbox"), *ME_EMAIL, "--create")
    kim = cli.json("show", "kim")
    assert kim["emails"] == ["kim@beta.example"]
    assert [t["note"] for t in reversed(kim["touchpoints"])] == [
        "Re: Intro call?",
        "Café next week?",
    ]


def test_reimport_and_overlap_add_nothing(cli, tmp_path):
    cli.ok("import", fixture("mail.mbox"), *ME_EMAIL, "--create")
    before = cli.json("list")
    again = cli.ok("import", fixture("mail.mbox"), *ME_EMAIL, "--create")
    assert "0 added, 4 already there" in summary(again)
    # An overlapping export: the same mails and one more, in another file.
    overlap = tmp_path / "takeout.mbox"
    extra = (
        "From kim@beta.example Thu Apr  2 12:00:00 2026\n"
        "Message-ID: <k2@beta.example>\nFrom: Kim Ng <kim@beta.example>\nTo: alex@me.example\n"
        "Date: Thu, 09 Apr 2026 12:00:00 +0000\nSubject: Another\n\nHi\n"
    )
    overlap.write_text((FIXTURES / "mail.mbox").read_text() + "\n" + extra)
    result = cli.ok("import", str(overlap), *ME_EMAIL, "--create")
    assert "1 added, 4 already there" in summary(result)
    assert len(cli.json("list")) == len(before)


def test_a_broken_encoded_subject_is_kept_as_written(cli, tmp_path):
    # An encoded word whose charset name holds a non-ASCII byte: email.header refuses it.
    mail = tmp_path / "broken.mbox"
    mail.write_bytes(
        b"From kim@beta.example Wed Apr  1 12:00:00 2026\n"
        b"Message-ID: <k1@beta.example>\nFrom: Kim Ng <kim@beta.example>\nTo: alex@me.example\n"
        b"Date: Wed, 01 Apr 2026 12:00:00 +0000\n"
        b"Subject: =?\x80utf-8?q?Caf=C3=A9?= and =?x-unknown?q?more?=\n\nCoffee?\n"
    )
    cli.ok("import", str(mail), *ME_EMAIL, "--create")
    [touch] = cli.json("show", "kim")["touchpoints"]
    assert touch["note"] == "=?\ufffdutf-8?q?Caf=C3=A9?= and =?x-unknown?q?more?="


def test_maildir_reads_folders_and_skips_trash(cli, tmp_path):
    maildir = tmp_path / "Mail"
    shutil.copytree(FIXTURES / "maildir", maildir)
    for folder in ("tmp", ".Trash/new", ".Trash/tmp"):
        (maildir / folder).mkdir(parents=True, exist_ok=True)
    cli.ok("add", "Kim Ng", "--email", "kim@beta.example")
    result = cli.ok("import", str(maildir), *ME_EMAIL)
    kim = touchpoints(cli, "kim")
    assert [(t["direction"], t["note"]) for t in kim] == [
        ("in", "Reference letter"),
        ("out", "Re: Reference letter"),
    ]
    assert "maildir: 2 touchpoints read" in summary(result)
    assert "1 trashed" in summary(result)


def test_mail_without_my_address_is_refused(cli):
    result = cli("import", fixture("mail.mbox"))
    assert result.exit_code == 2
    assert "emails" in result.stderr and "--me-email" in result.stderr


# --- calendars -----------------------------------------------------------------------------------


def test_outlook_ics_meetings_are_live_and_started_by_the_organizer(cli):
    cli.ok("add", "Robin Recruiter", "--email", "robin@acme.example")
    cli.ok("add", "Sam Lee", "--email", "sam@lee.example")
    result = cli.ok("import", fixture("outlook.ics"), *ME_EMAIL)
    robin = touchpoints(cli, "robin")
    assert [(t["channel"], t["direction"], t["two_way"]) for t in robin] == [
        ("meeting", "in", True)
    ]
    # 10:00 Central European (winter) time is 09:00 UTC.
    assert robin[0]["occurred_at"] == "2026-03-05T09:00:00+00:00"
    sam = touchpoints(cli, "sam")
    # Weekly from 4 May: the 11th was cancelled, and 15 June 15:00 is after "now" (12:00).
    assert [t["occurred_at"][:10] for t in sam] == [
        "2026-05-04",
        "2026-05-18",
        "2026-05-25",
        "2026-06-01",
        "2026-06-08",
    ]
    assert {(t["direction"], t["two_way"]) for t in sam} == {("out", True)}
    text = summary(result)
    assert "1 declined" in text and "1 cancelled" in text
    assert "room4" not in text  # a room is not a correspondent
    assert "ceo@acme.example" in text  # the all-hands is under the cap of 10


def test_large_meetings_are_capped(cli):
    result = cli.ok("import", fixture("outlook.ics"), *ME_EMAIL, "--max-people", "3")
    assert "1 too many attendees" in summary(result)
    assert "ceo@acme.example" not in summary(result)


# --- phone ---------------------------------------------------------------------------------------


def test_android_calls_liveness_and_number_matching(cli):
    cli.ok("add", "Sam Lee", "--phone", "(555) 010-2000")
    result = cli.ok(
        "import", fixture("calls-20260601.xml"), fixture("sms-20260601.xml"), "--region", "US"
    )
    sam = touchpoints(cli, "sam")
    assert [(t["channel"], t["direction"], t["two_way"], t["note"]) for t in sam] == [
        ("call", "out", True, None),  # connected, 300 s
        ("call", "in", False, "missed call"),
        ("call", "in", True, None),  # answered, 45 s
        ("text", "in", False, "Are we still on for Thursday? & bring the deck"),  # two texts
        ("text", "out", False, "Yes!"),
    ]
    text = summary(result)
    assert "1 hidden number" in text and "1 blocked or unknown call type" in text
    assert "1 draft, outbox or failed text" in text and "1 group text" in text
    assert "+15550109999" in text  # an unknown number is listed, not added


def test_android_skips_your_own_number(cli):
    result = cli.ok(
        "import", fixture("calls-20260601.xml"), "--region", "US", "--me-phone", "555 010 9999"
    )
    assert "1 your own number" in summary(result)
    assert "+15550109999" not in summary(result)


def test_android_phone_region_from_config(cli, config_file):
    config_file.write_text('[me]\nregion = "US"\n')
    cli.ok("add", "Sam Lee", "--phone", "555-010-2000")
    cli.ok("import", fixture("calls-20260601.xml"))
    assert len(touchpoints(cli, "sam")) == 3


# --- chats ---------------------------------------------------------------------------------------


def test_whatsapp_android_with_continuation_and_system_lines(cli):
    cli.ok("add", "Kim Ng")
    result = cli.ok("import", fixture("WhatsApp Chat with Kim Ng.txt"), *ME_NAME)
    kim = touchpoints(cli, "kim")
    assert [(t["channel"], t["direction"], t["occurred_at"]) for t in kim] == [
        ("text", "in", "2026-03-12T21:15:00+00:00"),
        ("text", "out", "2026-03-13T08:02:00+00:00"),
    ]
    assert "from 4 messages" in summary(result) and "1 system message" in summary(result)


def test_whatsapp_ios_ambiguous_dates_need_an_order(cli, database):
    cli.ok("add", "Kim Ng")
    before = table_dump(database)
    refused = cli("import", fixture("WhatsApp Chat - Kim Ng.zip"), *ME_NAME)
    assert refused.exit_code == 2
    assert "--date-order" in refused.stderr
    assert table_dump(database) == before
    cli.ok("import", fixture("WhatsApp Chat - Kim Ng.zip"), *ME_NAME, "--date-order", "mdy")
    kim = touchpoints(cli, "kim")
    # U+202F before PM, U+200E marks; the encryption notice is not a message.
    assert [(t["direction"], t["occurred_at"]) for t in kim] == [
        ("in", "2026-03-05T21:41:05+00:00"),
        ("out", "2026-03-05T21:45:10+00:00"),
    ]


def test_whatsapp_date_order_from_config(cli, config_file):
    config_file.write_text('[me]\nnames = ["Alex Me"]\n[defaults]\ndate_order = "dmy"\n')
    cli.ok("add", "Kim Ng")
    cli.ok("import", fixture("WhatsApp Chat - Kim Ng.zip"))
    assert touchpoints(cli, "kim")[0]["occurred_at"].startswith("2026-05-03")


def test_whatsapp_german_export(cli):
    result = cli.ok("import", fixture("WhatsApp Chat mit Jonas Becker.txt"), *ME_NAME, "--create")
    jonas = touchpoints(cli, "jonas")
    assert [(t["direction"], t["occurred_at"]) for t in jonas] == [
        ("in", "2026-04-20T19:05:00+00:00"),
        ("out", "2026-04-20T19:30:00+00:00"),
        ("in", "2026-04-21T07:00:00+00:00"),
    ]
    assert "1 new contacts created: Jonas Becker" in summary(result)


def test_telegram_personal_chats_only(cli):
    cli.ok("add", "Sam Lee")
    result = cli.ok("import", fixture("result.json"))
    sam = touchpoints(cli, "sam")
    assert [(t["direction"], t["occurred_at"]) for t in sam] == [
        ("in", "2026-05-20T09:01:00+00:00"),
        ("out", "2026-05-21T09:00:00+00:00"),
    ]
    assert "1 service message" in summary(result)
    assert "1 group, channel or bot" in summary(result)


# --- across sources ------------------------------------------------------------------------------


def test_dry_run_counts_and_writes_nothing(cli, database):
    cli.ok("add", "Kim Ng", "--email", "kim@beta.example")
    before = table_dump(database)
    result = cli.ok("import", fixture("mail.mbox"), *ME_EMAIL, "--create", "--dry-run")
    assert "would be added" in summary(result)
    assert "new contacts would be created: Robin Recruiter" in summary(result)
    assert "per contact: Kim Ng 2, Robin Recruiter 2" in summary(result)
    assert table_dump(database) == before


def test_dry_run_on_no_database_creates_nothing(cli, database):
    cli.ok("import", fixture("result.json"), "--dry-run", "--create")
    assert not database.exists()


def test_matched_contacts_gain_identifiers(cli):
    cli.ok("add", "Kim Ng")  # known by name only
    cli.ok("import", fixture("mail.mbox"), *ME_EMAIL)
    assert cli.json("show", "kim")["emails"] == ["kim@beta.example"]
    cli.ok("add", "Sam Lee")
    cli.ok("import", fixture("calls-20260601.xml"), "--region", "US")
    # The backup names the caller as the phone's address book does.
    assert cli.json("show", "sam")["phone"] == "+15550102000"
    cli.ok("import", fixture("Invitations.csv"))
    assert "https://www.linkedin.com/in/sam-lee" in cli.json("show", "sam")["note"]


def test_a_name_shared_by_two_contacts_matches_neither(cli):
    cli.ok("add", "Kim Ng")
    cli.ok("add", "Kim Ng", "--force")
    result = cli.ok("import", fixture("WhatsApp Chat with Kim Ng.txt"), *ME_NAME)
    assert "not imported" in summary(result)


def test_several_files_are_all_or_nothing(cli, database, tmp_path):
    cli.ok("add", "Kim Ng", "--email", "kim@beta.example")
    before = table_dump(database)
    broken = tmp_path / "calls-broken.xml"
    broken.write_text('<?xml version="1.0"?>\n<calls count="1">\n<call number="1" date="x"')
    result = cli("import", fixture("mail.mbox"), str(broken), *ME_EMAIL, "--region", "US")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {broken}")
    assert table_dump(database) == before


def test_json_export_keeps_source_and_reads_version_1(cli, tmp_path):
    cli.ok("add", "Sam Lee")
    cli.ok("log", "sam", "--via", "call")
    cli.ok("import", fixture("result.json"))
    exported = json.loads(cli.ok("export").stdout)
    keyed = {(t["source"], t["source_key"]) for t in exported["touchpoints"]}
    assert (None, None) in keyed and ("telegram", "2002:2") in keyed
    path = tmp_path / "export.json"
    path.write_text(json.dumps(exported))
    cli.ok("import", str(path))  # the same database: nothing new
    assert len(cli.json("show", "sam")["touchpoints"]) == 3
    restored = tmp_path / "restored.db"
    cli.ok("--db", str(restored), "import", str(path))
    again = json.loads(cli.ok("--db", str(restored), "export").stdout)
    assert again["touchpoints"] == exported["touchpoints"]
    old = {**exported, "version": 1}
    del old["gives"]
    for touchpoint in old["touchpoints"]:
        del touchpoint["source"], touchpoint["source_key"], touchpoint["no_reply"]
        del touchpoint["logged_by"]
    path.write_text(json.dumps(old))
    cli.ok("--db", str(tmp_path / "old.db"), "import", str(path))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("messages.csv", "linkedin"),
        ("Invitations.csv", "linkedin"),
        ("mail.mbox", "mbox"),
        ("outlook.ics", "ics"),
        ("calls-20260601.xml", "android"),
        ("sms-20260601.xml", "android"),
        ("WhatsApp Chat with Kim Ng.txt", "whatsapp"),
        ("result.json", "telegram"),
        ("Basic_LinkedInDataExport.zip", "linkedin"),
        ("WhatsApp Chat - Kim Ng.zip", "whatsapp"),
        ("Connections.csv", None),
    ],
)
def test_formats_are_told_by_content(tmp_path, name, expected):
    from netkeep.io.sources import capture_format

    renamed = tmp_path / "export.dat"  # the name plays no part
    shutil.copy(FIXTURES / name, renamed)
    assert capture_format(renamed, "auto") == expected


def test_format_option_overrides_and_checks(cli, tmp_path):
    result = cli("import", fixture("outlook.ics"), "--format", "mbox", *ME_EMAIL)
    assert result.exit_code == 2
    assert "not an mbox file" in result.stderr


# --- a person's first import, end to end ---------------------------------------------------------

EVERYTHING = [
    "Basic_LinkedInDataExport.zip",
    "mail.mbox",
    "outlook.ics",
    "calls-20260601.xml",
    "sms-20260601.xml",
    "WhatsApp Chat with Kim Ng.txt",
    "WhatsApp Chat - Kim Ng.zip",
    "WhatsApp Chat mit Jonas Becker.txt",
    "result.json",
]


def test_a_mixed_import_reads_right_in_score_stale_and_owe(cli, config_file):
    """Alex sets up who they are once, adds the two people they care most about, brings in
    everything they could download, and asks netkeep what it makes of it."""
    config_file.write_text(
        "[me]\n"
        'emails = ["alex@me.example"]\n'
        'names = ["Alex Me"]\n'
        'linkedin = "https://www.linkedin.com/in/alex-me"\n'
        'region = "US"\n'
        "[defaults]\n"
        'date_order = "mdy"\n'
    )
    cli.ok(
        "add",
        "Sam Lee",
        "--email",
        "sam@lee.example",
        "--phone",
        "(555) 010-2000",
        "--tier",
        "close",
    )
    cli.ok("add", "Kim Ng", "--email", "kim@beta.example", "--tier", "close")
    files = [fixture(name) for name in EVERYTHING]

    preview = cli.ok("import", *files, "--max-people", "3", "--dry-run")
    assert "Jonas Becker (3)" in summary(preview)  # a stranger is listed, not added
    assert len(cli.json("list")) == 2

    first = cli.ok("import", *files, "--max-people", "3")
    assert "Connections.csv: contacts: 2 created" in summary(first)
    assert {row["name"] for row in cli.json("list")} == {
        "Sam Lee",
        "Kim Ng",
        "Robin Recruiter",
        "Dana Hiring",
    }

    scores = {row["name"]: row for row in cli.json("score")}
    # Sam: weekly 1:1s, calls both ways, texts and Telegram answered: a two-way relationship.
    assert scores["Sam Lee"]["band"] == "mutual"
    assert scores["Sam Lee"]["touchpoints"] == 13
    # Robin reached out on LinkedIn and by mail, Alex answered both, then they met.
    assert scores["Robin Recruiter"]["band"] == "mutual"
    assert scores["Robin Recruiter"]["touchpoints"] == 5
    # Kim's mail about coffee is still waiting for Alex.
    assert scores["Kim Ng"]["band"] == "they-carry"
    # Dana got an invitation and a message, and has not answered yet.
    assert scores["Dana Hiring"]["unanswered_streak"] == 2

    stale = {row["name"]: row for row in cli.json("stale")}
    assert set(stale) == {"Kim Ng", "Robin Recruiter"}  # Sam was seen a week ago
    assert stale["Kim Ng"]["last_touch"] == "2026-04-01T12:00:00+00:00"

    owe = cli.json("owe")
    assert [(row["name"], row["channel"], row["days_waiting"]) for row in owe] == [
        ("Kim Ng", "email", 75)
    ]

    again = cli.ok("import", *files, "--max-people", "3")
    for line in summary(again).splitlines():
        if "touchpoints read" in line:
            assert ", 0 added," in line, line
    assert cli.json("score") == list(scores.values())


def test_json_with_a_captured_touchpoint_twice_is_refused(cli, tmp_path, database):
    cli.ok("add", "Sam Lee")
    cli.ok("import", fixture("result.json"))
    exported = json.loads(cli.ok("export").stdout)
    twin = {**exported["touchpoints"][-1], "id": 99}
    exported["touchpoints"].append(twin)
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(exported))
    result = cli("--db", str(tmp_path / "other.db"), "import", str(path))
    assert result.exit_code == 2
    assert "touchpoint 3 (id 99): repeats the source and source_key" in result.stderr


def test_runs_fold_one_sides_messages_and_memory_stays_bounded():
    from datetime import UTC, datetime, timedelta

    from netkeep.io import capture

    def message(n: int, thread: str, direction: str, at: datetime):
        return capture.Message(
            source="t",
            key=f"k{n}",
            at=at,
            channel="email",
            direction=direction,
            two_way=False,
            party=capture.Party(email=f"{thread}@x.example"),
            thread=thread,
        )

    start = datetime(2026, 1, 1, tzinfo=UTC)
    records = [
        message(1, "a", "out", start),
        message(2, "a", "out", start + timedelta(hours=2)),
        message(3, "a", "out", start + timedelta(hours=25)),  # 23 h after the last: same run
        message(4, "a", "in", start + timedelta(hours=26)),
        message(5, "a", "in", start + timedelta(days=5)),  # after a gap: a new approach
        message(6, "b", "out", start + timedelta(days=5)),
    ]
    folded = list(capture.reduce_exchanges(records))
    assert sorted((t.key, t.messages) for t in folded) == [
        ("k1", 3),
        ("k4", 1),
        ("k5", 1),
        ("k6", 1),
    ]
    # A long file: runs the file has left behind are let go as it goes, so the runs held open
    # (messages read, touchpoints not yet out) never grow with the file.
    consumed = [0]

    def many():
        for n in range(5 * 10_000):
            consumed[0] += 1
            yield message(n, f"t{n}", "out", start + timedelta(hours=n))

    held = 0
    for done, _ in enumerate(capture.reduce_exchanges(many()), start=1):
        held = max(held, consumed[0] - done)
    assert held <= 10_000 + 25


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("[me]\nemails = 3\n", "me.emails: expected a list of strings"),
        ('[me]\nlinkedin = ["a"]\n', "me.linkedin: expected a string"),
        ('[me]\nnickname = "x"\n', "unknown key me.nickname"),
        ('[defaults]\ndate_order = "ymd"\n', "defaults.date_order: 'ymd' is not a date order"),
    ],
)
def test_bad_me_settings_name_the_key(cli, config_file, toml, words):
    config_file.write_text(toml)
    result = cli("import", fixture("result.json"))
    assert result.exit_code == 2
    assert words in result.stderr


def test_mbox_header_quirks(cli, tmp_path):
    """Folded headers, CRLF lines, raw UTF-8 and encoded names, several recipients, a missing
    date and a message without a Message-ID."""
    mbox = tmp_path / "quirks.mbox"
    mbox.write_bytes(
        b"From x Mon Jan  5 10:00:00 2026\r\n"
        b"From: Alex Me <ALEX@me.example>\r\n"
        b'To: "Ng, Kim" <kim@beta.example>,\r\n'
        b"  =?iso-8859-1?q?Zo=EB_Durand?= <zoe@gamma.example>\r\n"
        b"Date: Mon, 05 Jan 2026 10:00:00 -0500\r\n"
        b"Subject: Hello\r\n"
        b"\r\n"
        b"Body\r\n"
        b"\r\n"
        b"From x Tue Jan  6 10:00:00 2026\r\n"
        b"From: Jos\xc3\xa9 Garc\xc3\xada <jose@delta.example>\r\n"
        b"To: alex@me.example\r\n"
        b"Date: Tue, 06 Jan 2026 10:00:00 +0000\r\n"
        b"Subject: Hola\r\n"
        b"\r\n"
        b"Hi\r\n"
        b"\r\n"
        b"From x Wed Jan  7 10:00:00 2026\r\n"
        b"From: Jos\xc3\xa9 Garc\xc3\xada <jose@delta.example>\r\n"
        b"To: alex@me.example\r\n"
        b"Subject: no date\r\n"
        b"\r\n"
        b"Hi\r\n"
    )
    result = cli.ok("import", str(mbox), *ME_EMAIL, "--create")
    assert "1 no readable date" in summary(result)
    names = {row["name"]: row for row in cli.json("list")}
    assert set(names) == {"Ng, Kim", "Zoë Durand", "José García"}
    kim = touchpoints(cli, "ng, kim")
    assert [(t["direction"], t["occurred_at"]) for t in kim] == [
        ("out", "2026-01-05T15:00:00+00:00")
    ]
    again = cli.ok("import", str(mbox), *ME_EMAIL, "--create")
    assert "0 added, 3 already there" in summary(again)  # keys without a Message-ID are stable


def test_undo_takes_a_whole_capture_back(cli, database):
    cli.ok("add", "Kim Ng")  # known by name only: the import teaches it an address
    before = table_dump(database)
    cli.ok("import", fixture("mail.mbox"), fixture("result.json"), *ME_EMAIL, "--create")
    assert cli.json("show", "kim")["emails"] == ["kim@beta.example"]
    undone = cli.ok("undo").stderr
    assert undone.startswith("Undid: import mail.mbox (4 touchpoints captured, 1 contacts created)")
    assert "result.json (2 touchpoints captured, 1 contacts created)" in undone
    assert table_dump(database) == before
    again = cli.ok("import", fixture("mail.mbox"), *ME_EMAIL, "--create")
    assert "4 added, 0 already there" in summary(again)  # the keys went with the rows

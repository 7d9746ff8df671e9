"""Sources and sync through the CLI: Maildirs read by message, vdir address books linked by vCard
UID, calendar folders and growing files; one undoable command; a vanished source fails whole.

The suite's clock is frozen at 2026-06-15 12:00 UTC (a Monday) with TZ=UTC.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ME = "me@example.com"


@pytest.fixture(autouse=True)
def me(config_file):
    config_file.write_text(f'[me]\nemails = ["{ME}"]\n')


def mail(n: int, sender: str = "Sam Lee <sam@example.com>", day: int = 1) -> bytes:
    return (
        f"From: {sender}\nTo: {ME}\nSubject: note {n}\n"
        f"Date: Mon, {day} Jun 2026 {n % 24:02d}:00:00 +0000\nMessage-ID: <m{n}@example.com>\n\n"
        "hello\n"
    ).encode()


def maildir(root: Path) -> Path:
    for part in ("cur", "new", "tmp"):
        (root / part).mkdir(parents=True, exist_ok=True)
    return root


def deliver(box: Path, n: int, **kwargs) -> Path:
    file = box / "new" / f"17000{n:05d}.M{n}P1.host"
    file.write_bytes(mail(n, **kwargs))
    return file


def card(folder: Path, uid: str, name: str, email: str, extra: str = "") -> Path:
    file = folder / f"{uid}.vcf"
    file.write_text(
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nEMAIL:{email}\r\n{extra}"
        "END:VCARD\r\n",
        encoding="utf-8",
    )
    return file


def touchpoint_count(cli) -> int:
    return sum(len(cli.json("show", f"#{row['id']}")["touchpoints"]) for row in contacts(cli))


def contacts(cli) -> list[dict]:
    return cli.json("list", "--archived")


@pytest.fixture
def inbox(tmp_path, cli):
    cli.ok("add", "Sam Lee", "--email", "sam@example.com")
    box = maildir(tmp_path / "Mail" / "INBOX")
    maildir(tmp_path / "Mail" / "Sent")
    for n in range(1, 4):
        deliver(box, n, day=n)
    cli.ok("source", "add", "mail", str(tmp_path / "Mail"))
    return box


# --- sources -------------------------------------------------------------------------------


def test_source_add_judges_the_folder_and_list_shows_it(cli, tmp_path, inbox):
    book = tmp_path / "contacts"
    book.mkdir()
    card(book, "u1", "Ana Ruiz", "ana@example.com")
    cli.ok("source", "add", "book", str(book))
    (tmp_path / "calls.xml").write_text("<calls/>")
    cli.ok("source", "add", "calls", str(tmp_path / "calls.xml"))
    rows = cli.json("source", "list")
    assert [(row["name"], row["format"]) for row in rows] == [
        ("book", "vdir"),
        ("calls", "files"),
        ("mail", "maildir"),
    ]
    assert list(rows[0]) == ["name", "path", "format", "last_sync", "items", "created_at"]
    assert rows[2]["path"] == str((tmp_path / "Mail").resolve())
    assert rows[2]["last_sync"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["source", "add", "mail", "{tmp}/Mail"], "Error: a source named 'mail' exists already"),
        (["source", "add", "x", "{tmp}/nowhere"], "Error: {tmp}/nowhere: no such file or folder"),
        (["source", "add", "x", "{tmp}/Mail", "--format", "pst"], "Error: "),
        (["source", "rm", "nope"], "Error: no source named 'nope'"),
        (["sync", "nope"], "Error: no source named 'nope'"),
    ],
)
def test_source_bad_input_exits_2_and_writes_nothing(cli, tmp_path, inbox, database, args, message):
    before = database.snapshot()
    result = cli(*(arg.format(tmp=tmp_path) for arg in args))
    assert result.exit_code == 2
    assert result.stderr.startswith(message.format(tmp=tmp_path))
    assert database.snapshot() == before


def test_source_rm_forgets_the_source_and_keeps_what_it_brought(cli, inbox):
    cli.ok("sync")
    result = cli.ok("source", "rm", "mail")
    assert "Removed source mail (3 items read)" in result.stderr
    assert cli.json("source", "list") == []
    assert touchpoint_count(cli) == 3


# --- Maildir -------------------------------------------------------------------------------


def test_a_maildir_is_read_once_and_then_only_new_messages(cli, inbox):
    result = cli.ok("sync")
    assert result.stdout == ""
    assert result.stderr == (
        "mail: maildir: 3 new messages; 3 touchpoints added, 0 already there.\n"
    )
    assert touchpoint_count(cli) == 3
    again = cli.ok("sync")
    assert "0 new messages; 0 touchpoints added" in again.stderr
    deliver(inbox, 4, day=10)
    assert "1 new messages; 1 touchpoints added" in cli.ok("sync").stderr
    assert touchpoint_count(cli) == 4
    assert cli.json("source", "list")[0]["items"] == 4
    assert cli.json("source", "list")[0]["last_sync"] == "2026-06-15T12:00:00+00:00"


def test_messages_renamed_by_a_flag_change_add_nothing(cli, inbox, database):
    cli.ok("sync")
    for file in sorted((inbox / "new").iterdir()):
        file.rename(inbox / "cur" / f"{file.name}:2,S")
    renamed = sorted((inbox / "cur").iterdir())[0]
    renamed.rename(renamed.with_name(renamed.name.replace(":2,S", ":2,FRS")))
    result = cli.ok("sync")
    assert "0 new messages; 0 touchpoints added, 0 already there" in result.stderr
    assert touchpoint_count(cli) == 3


def test_a_message_moved_to_another_folder_is_already_there(cli, tmp_path, inbox):
    cli.ok("sync")
    moved = sorted((inbox / "new").iterdir())[0]
    archive = maildir(tmp_path / "Mail" / "Archive")
    moved.rename(archive / "cur" / f"{moved.name}:2,S")
    assert "0 new messages" in cli.ok("sync").stderr
    assert touchpoint_count(cli) == 3


def test_unknown_correspondents_wait_for_create(cli, inbox):
    deliver(inbox, 5, sender="Kim Park <kim@example.com>")
    result = cli.ok("sync")
    assert "1 new correspondents not imported (use --create)" in result.stderr
    deliver(inbox, 6, sender="Kim Park <kim@example.com>", day=2)
    result = cli.ok("sync", "--create")
    assert "contacts 1 created" in result.stderr
    assert [row["name"] for row in contacts(cli)] == ["Kim Park", "Sam Lee"]


def test_sync_then_undo_takes_the_whole_sync_back(cli, inbox, database):
    cli.ok("sync")
    before = database.dump()
    deliver(inbox, 7, day=12)
    deliver(inbox, 8, sender="Kim Park <kim@example.com>", day=12)
    cli.ok("sync", "--create")
    assert touchpoint_count(cli) == 5
    result = cli.ok("undo")
    assert "Undid: sync mail" in result.stderr
    after = database.dump()
    for table in ("contact", "touchpoint", "source", "source_item"):
        assert after[table] == before[table], table
    # Read again next time, as if that sync had never happened.
    assert "2 new messages; 2 touchpoints added" in cli.ok("sync", "--create").stderr


def test_dry_run_counts_and_writes_nothing(cli, inbox, database):
    before = database.snapshot()
    result = cli.ok("sync", "--dry-run")
    assert result.stderr == (
        "mail: maildir: 3 new messages; 3 touchpoints added, 0 already there "
        "(dry run: nothing written).\n"
    )
    assert database.snapshot() == before


def test_a_vanished_source_fails_the_whole_sync_and_writes_nothing(cli, tmp_path, inbox, database):
    other = maildir(tmp_path / "Other")
    deliver(other, 9)
    cli.ok("source", "add", "other", str(other))
    (tmp_path / "Mail").rename(tmp_path / "Mail.old")
    before = database.snapshot()
    result = cli("sync")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: source 'mail': {(tmp_path / 'Mail').resolve()} is gone; nothing was synced "
        "(to forget it: netkeep source rm mail)\n"
    )
    assert database.snapshot() == before
    assert "1 new messages" in cli.ok("sync", "other").stderr  # the others still sync by name


def test_json_output_has_one_object_per_source(cli, inbox):
    data = cli.json("sync")
    assert [(row["name"], row["kind"], row["read"], row["touchpoints_added"]) for row in data] == [
        ("mail", "maildir", 3, 3)
    ]


def test_sync_with_no_database_or_no_sources_says_so(cli, database):
    result = cli.ok("sync")
    assert result.stderr == "No sources yet (netkeep source add NAME PATH).\n"
    assert not database.exists()


# --- vdir address books --------------------------------------------------------------------


@pytest.fixture
def book(cli, tmp_path):
    folder = tmp_path / "contacts" / "work"
    folder.mkdir(parents=True)
    card(folder, "uid-sam", "Sam Lee", "sam@example.com", "TITLE:Recruiter\r\nBDAY:1985-03-14\r\n")
    card(folder, "uid-ana", "Ana Ruiz", "ana@example.com")
    cli.ok("source", "add", "book", str(folder))
    return folder


def by_name(cli) -> dict[str, dict]:
    return {row["name"]: row for row in contacts(cli)}


def test_a_vdir_brings_its_contacts_in_once(cli, book):
    result = cli.ok("sync")
    assert result.stderr == (
        "book: vdir: 2 new or changed cards; contacts 2 created, 0 updated, 0 archived.\n"
    )
    people = by_name(cli)
    assert people["Sam Lee"]["title"] == "Recruiter"
    assert people["Sam Lee"]["birthday"] == "1985-03-14"
    assert "0 new or changed cards" in cli.ok("sync").stderr


def test_a_changed_card_updates_its_contact_and_keeps_what_you_typed(cli, book):
    cli.ok("sync")
    cli.ok("edit", "sam", "--tier", "close", "--tag", "vip", "--note", "met at PyCon")
    card(book, "uid-sam", "Samuel Lee", "samuel@example.com", "ORG:Acme\r\nTEL:+1 555 0100\r\n")
    result = cli.ok("sync")
    assert "1 new or changed cards; contacts 0 created, 1 updated, 0 archived" in result.stderr
    sam = by_name(cli)["Samuel Lee"]
    assert (sam["emails"], sam["company"], sam["phone"]) == (
        ["samuel@example.com"],
        "Acme",
        "+1 555 0100",
    )
    assert (sam["title"], sam["birthday"]) == (None, None)
    assert (sam["tier"], sam["tags"], sam["note"]) == ("close", ["vip"], "met at PyCon")


def test_a_renamed_card_file_keeps_its_link_by_uid(cli, book):
    cli.ok("sync")
    (book / "uid-ana.vcf").rename(book / "renamed.vcf")
    result = cli.ok("sync")
    assert "contacts 0 created, 0 updated, 0 archived" in result.stderr
    assert len(contacts(cli)) == 2


def test_a_removed_card_archives_its_contact_and_never_deletes_it(cli, book):
    cli.ok("sync")
    cli.ok("log", "ana")
    (book / "uid-ana.vcf").unlink()
    result = cli.ok("sync")
    assert "contacts 0 created, 0 updated, 1 archived" in result.stderr
    ana = by_name(cli)["Ana Ruiz"]
    assert ana["archived"] is True
    assert len(cli.json("show", "ana")["touchpoints"]) == 1
    # Back in the address book: back in the network.
    card(book, "uid-ana", "Ana Ruiz", "ana@example.com")
    cli.ok("sync")
    assert by_name(cli)["Ana Ruiz"]["archived"] is False


def test_a_card_links_to_the_contact_you_already_had(cli, book):
    cli.ok("add", "Ana Ruiz", "--email", "ANA@example.com", "--tier", "inner")
    result = cli.ok("sync")
    assert "contacts 1 created, 0 updated" in result.stderr  # the same person already
    assert len(contacts(cli)) == 2
    (book / "uid-ana.vcf").unlink()
    cli.ok("sync")
    assert by_name(cli)["Ana Ruiz"]["archived"] is True


# --- calendars and growing files -----------------------------------------------------------


def event(folder: Path, uid: str, day: int) -> None:
    (folder / f"{uid}.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nSUMMARY:Coffee\r\nDTSTART:202606{day:02d}T100000Z\r\n"
        f"DTEND:202606{day:02d}T110000Z\r\nORGANIZER;CN=Sam Lee:mailto:sam@example.com\r\n"
        f"ATTENDEE;CN=Me:mailto:{ME}\r\nATTENDEE;CN=Sam Lee:mailto:sam@example.com\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )


def test_a_calendar_folder_reads_new_event_files_only(cli, tmp_path):
    cli.ok("add", "Sam Lee", "--email", "sam@example.com")
    folder = tmp_path / "calendar"
    folder.mkdir()
    event(folder, "e1", 2)
    event(folder, "e2", 3)
    cli.ok("source", "add", "cal", str(folder))
    assert "2 files read; 2 touchpoints added" in cli.ok("sync").stderr
    event(folder, "e3", 4)
    result = cli.ok("sync")
    assert "1 files read; 1 touchpoints added, 0 already there" in result.stderr
    assert len(cli.json("show", "sam")["touchpoints"]) == 3


def test_an_mbox_that_grows_adds_only_its_new_messages(cli, tmp_path):
    cli.ok("add", "Sam Lee", "--email", "sam@example.com")
    box = tmp_path / "archive.mbox"
    box.write_bytes(b"From sam@example.com Mon Jun  1 10:00:00 2026\n" + mail(1) + b"\n")
    cli.ok("source", "add", "box", str(box))
    assert "1 touchpoints added" in cli.ok("sync").stderr
    assert "0 files read" in cli.ok("sync").stderr
    with box.open("ab") as fh:
        fh.write(b"From sam@example.com Mon Jun  3 10:00:00 2026\n" + mail(2, day=3) + b"\n")
    result = cli.ok("sync")
    assert "1 files read; 1 touchpoints added, 1 already there" in result.stderr


def test_a_folder_of_contact_files_imports_each_new_file(cli, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.csv").write_text("Name,Email\nAna Ruiz,ana@example.com\n", encoding="utf-8")
    cli.ok("source", "add", "exports", str(folder), "--format", "files")
    cli.ok("sync")
    (folder / "b.csv").write_text("Name,Email\nBo Chen,bo@example.com\n", encoding="utf-8")
    assert "1 files read" in cli.ok("sync").stderr
    assert [row["name"] for row in contacts(cli)] == ["Ana Ruiz", "Bo Chen"]
    assert json.loads(cli.ok("source", "list", "--format", "json").stdout)[0]["items"] == 2


def test_an_unreadable_card_is_skipped_and_keeps_its_contact(cli, book):
    cli.ok("sync")
    (book / "uid-ana.vcf").write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\n", encoding="utf-8")
    card(book, "uid-bo", "Bo Chen", "bo@example.com")
    result = cli.ok("sync")
    assert "contacts 1 created, 0 updated, 0 archived; skipped: 1 unreadable card" in result.stderr
    assert by_name(cli)["Ana Ruiz"]["archived"] is False
    card(book, "uid-ana", "Ana Ruiz", "ana@example.com", "TITLE:CTO\r\n")
    assert "contacts 0 created, 1 updated" in cli.ok("sync").stderr
    assert by_name(cli)["Ana Ruiz"]["title"] == "CTO"


def test_a_file_in_no_import_format_is_counted_and_skipped(cli, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "README.txt").write_text("what these files are\n", encoding="utf-8")
    (folder / "a.csv").write_text("Name,Email\nAna Ruiz,ana@example.com\n", encoding="utf-8")
    cli.ok("source", "add", "exports", str(folder))
    result = cli.ok("sync")
    assert "exports: files: 1 files read" in result.stderr
    assert "skipped: 1 not an import format" in result.stderr
    assert "skipped" not in cli.ok("sync").stderr  # unchanged since: not looked at again

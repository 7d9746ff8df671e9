"""Files that cannot hang, exhaust or break netkeep: recurrences within caps, captured times within a
window, listings that survive extreme stored dates, bad input as exit 2, passwords never shown."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import netkeep_executable

ME = ("--me-email", "alex@me.example", "--me-name", "Alex Me", "--create")
FAR = "9999-12-31 23:59:59.000000"


def dump(database) -> list:
    return [database.rows(table) for table in ("contact", "touchpoint")]


def prepared(cli, database) -> list:
    """A database holding one contact, dumped: what a refused import must leave as it was."""
    cli.ok("add", "Sam Lee")
    return dump(database)


def ics(rule: str, start: str = "19900101T100000Z") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:series-1\r\n"
        f"DTSTART:{start}\r\nDTEND:{start[:9]}110000Z\r\nRRULE:{rule}\r\nSUMMARY:Sync\r\n"
        "ORGANIZER:mailto:kim@x.example\r\nATTENDEE:mailto:alex@me.example\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def mbox(date: str, sender: str = "Kim <kim@x.example>") -> str:
    return (
        f"From kim@x.example Mon Jan  5 10:00:00 2026\nFrom: {sender}\nTo: alex@me.example\n"
        f"Date: {date}\nSubject: hello\nMessage-ID: <m1@x>\n\nbody\n"
    )


def telegram(date: object, name: str = "Kim") -> str:
    message = {"id": 1, "type": "message", "date_unixtime": date, "from": "Kim"}
    return json.dumps({"name": name, "type": "personal_chat", "id": 7, "messages": [message]})


def android(date: str, encoding: str = "UTF-8", name: str = "Kim") -> bytes:
    return (
        f"<?xml version='1.0' encoding='{encoding}'?>\n<smses count='1'>"
        f"<sms address='+15550102000' date='{date}' type='1' body='hi' contact_name='{name}'/>"
        "</smses>\n"
    ).encode("ascii")


def write(tmp_path: Path, name: str, data: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return str(path)


# --- recurrences -----------------------------------------------------------------------------------


def test_a_zero_interval_is_bad_input_naming_the_event(cli, database, tmp_path):
    before = prepared(cli, database)
    result = cli("import", write(tmp_path, "zero.ics", ics("FREQ=DAILY;INTERVAL=0")), *ME)
    assert result.exit_code == 2, result.stderr
    assert "zero.ics: event series-1: RRULE INTERVAL" in result.stderr
    assert dump(database) == before


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=BOGUS",
        "FREQ=DAILY;INTERVAL=-3",
        "FREQ=DAILY;INTERVAL=x",
        "FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30",  # never: searched for until the year 9999
    ],
)
def test_unreadable_rules_are_bad_input(cli, database, tmp_path, rule):
    result = cli("import", write(tmp_path, "bad.ics", ics(rule)), *ME)
    assert result.exit_code == 2, result.stderr
    assert "bad.ics: event series-1" in result.stderr


@pytest.mark.parametrize("rule", ["FREQ=HOURLY", "FREQ=SECONDLY", "FREQ=MINUTELY;INTERVAL=5"])
def test_series_past_the_cap_are_skipped_and_counted(cli, database, tmp_path, rule):
    result = cli.ok("import", write(tmp_path, "often.ics", ics(rule, "20240101T100000Z")), *ME)
    assert "skipped: 1 series recurring over 10,000 times or more than hourly" in result.stderr
    assert database.count("touchpoint") == 0


def test_series_are_expanded_from_their_start_to_now_only(cli, database, tmp_path):
    cli.ok("import", write(tmp_path, "weekly.ics", ics("FREQ=WEEKLY", "20260504T100000Z")), *ME)
    # 4 May to the frozen now (15 June 2026): 7 Mondays.
    assert database.count("touchpoint") == 7


def test_a_file_whose_series_recur_past_the_file_cap_is_refused(
    cli, database, tmp_path, monkeypatch
):
    import netkeep.io.calendar as calendar

    monkeypatch.setattr(calendar, "FILE_CAP", 5)
    before = prepared(cli, database)
    path = write(tmp_path, "many.ics", ics("FREQ=WEEKLY", "20260504T100000Z"))
    result = cli("import", path, *ME)
    assert result.exit_code == 2
    assert "recur more than 5 times" in result.stderr
    assert dump(database) == before


# --- captured times ------------------------------------------------------------------------------


def far_files(tmp_path: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {
        "mbox": (write(tmp_path, "far.mbox", mbox("Fri, 31 Dec 9999 10:00:00 +0000")), ()),
        "overflow": (write(tmp_path, "over.mbox", mbox("31 Dec 9999 23:59:59 -1200")), ()),
        "ancient": (write(tmp_path, "old.mbox", mbox("Mon, 1 Jan 1900 10:00:00 +0000")), ()),
        "telegram": (
            write(tmp_path, "result.json", telegram("253402300799")),
            ("--format", "telegram"),
        ),
        "android": (write(tmp_path, "sms.xml", android("253402300799000")), ()),
        "whatsapp": (
            write(tmp_path, "WhatsApp Chat with Kim.txt", "31/12/9999, 10:00 - Kim: hi\n"),
            (),
        ),
    }


@pytest.mark.parametrize("kind", ["mbox", "overflow", "ancient", "telegram", "android", "whatsapp"])
def test_times_outside_the_window_are_skipped_and_counted(cli, database, tmp_path, kind):
    path, args = far_files(tmp_path)[kind]
    result = cli.ok("import", path, *ME, "--region", "US", *args)
    assert "skipped: 1 date out of range" in result.stderr
    assert database.count("touchpoint") == 0
    for command in (["stale"], ["digest"], ["report"]):
        cli.ok(*command)


def test_listings_survive_extreme_stored_dates(cli, database, tmp_path):
    """A database written before captured times were checked may hold year 9999 (or year 1)."""
    cli.ok("add", "Ann")
    cli.ok("log", "Ann")
    cli.ok("add", "Bob")
    cli.ok("log", "Bob")
    database.execute(f"UPDATE touchpoint SET occurred_at = '{FAR}' WHERE contact_id = 1")
    database.execute(
        "UPDATE touchpoint SET occurred_at = '0001-01-02 00:00:00' WHERE contact_id = 2"
    )
    for command in (["stale"], ["digest"], ["report"], ["score"], ["stale", "--format", "json"]):
        cli.ok(*command)
    cli.ok("report", "--html", str(tmp_path / "page.html"))


# --- bad input: exit 2, one line -----------------------------------------------------------------


def test_a_telegram_date_of_the_wrong_type_is_bad_input(cli, database, tmp_path):
    path = write(tmp_path, "result.json", telegram([1, 2]))
    result = cli("import", path, *ME, "--format", "telegram")
    assert result.exit_code == 2, result.stderr
    assert "result.json: chat 1 message 1: has no readable date" in result.stderr


@pytest.mark.parametrize("encoding", ["shift_jis", "big5", "utf-32", "euc-kr"])
def test_android_multibyte_encodings_are_bad_input(cli, database, tmp_path, encoding):
    path = write(tmp_path, "sms.xml", android("1767607200000", encoding))
    result = cli("import", path, *ME)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("Error: ") and "sms.xml" in result.stderr


@pytest.mark.parametrize("argument", ["caf\udce9.mbox", "Bad\udcff"])
def test_arguments_that_are_not_utf8_are_bad_input(cli, argument):
    result = cli("add", argument)
    assert result.exit_code == 2
    assert "is not UTF-8 text" in result.stderr and "\\x" in result.stderr


def test_a_file_name_that_is_not_utf8_is_bad_input_in_a_real_process(tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9.mbox"
    Path(os.fsdecode(name)).write_text(mbox("Mon, 5 Jan 2026 10:00:00 +0000"))
    result = subprocess.run(
        [*netkeep_executable(), "import", os.fsdecode(name), *ME],
        capture_output=True,
        env={**os.environ, "NETKEEP_DB": str(tmp_path / "x.db")},
    )
    assert result.returncode == 2
    assert b"caf\\xe9.mbox" in result.stderr and b"Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:secretpw@h:notaport/db",
        "postgresql://u:secretpw@[::1/db",
        "postgresql://u:sec@retpw@h/db",
    ],
)
def test_malformed_server_urls_are_bad_input_without_the_password(cli, url):
    result = cli("--db-url", url, "config")
    assert result.exit_code == 2, result.stderr
    assert "secretpw" not in result.stderr and "retpw" not in result.stderr
    assert result.stderr.startswith("Error: --db-url: ")


def test_control_characters_in_captured_names_are_stripped(cli, database, tmp_path):
    path = write(tmp_path, "result.json", telegram("1767607200", name="K\u0000i\u001bm"))
    cli.ok("import", path, *ME, "--format", "telegram")
    assert [row[0] for row in database.execute("SELECT name FROM contact")] == ["Kim"]
    assert database.count("touchpoint") == 1


def test_control_characters_in_imported_contacts_are_stripped(cli, database, tmp_path):
    cli.ok("add", "Ann", "--note", "line one\nline two")
    exported = json.loads(cli.ok("export").stdout)
    exported["contacts"][0]["name"] = "A\u0000nn\u0007"
    exported["contacts"][0]["id"] = 5
    path = write(tmp_path, "moved.json", json.dumps(exported))
    cli.ok("import", path)
    names = sorted(row[0] for row in database.execute("SELECT name FROM contact"))
    assert "Ann" in names and not any("\x00" in name for name in names)
    notes = [row[0] for row in database.execute("SELECT note FROM contact")]
    assert "line one\nline two" in notes


# --- XML -----------------------------------------------------------------------------------------

ENTITY = (
    b"<?xml version='1.0'?>\n<?pi <calls ?>\n"
    b'<!DOCTYPE smses [<!ENTITY n "Injected">]>\n'
    b"<smses count='1'><sms address='+15550102000' date='1767607200000' type='1' "
    b"body='hi' contact_name='&n;'/></smses>\n"
)


def test_a_doctype_behind_a_processing_instruction_is_refused(cli, database, tmp_path):
    before = prepared(cli, database)
    result = cli("import", write(tmp_path, "sms.xml", ENTITY), *ME, "--region", "US")
    assert result.exit_code == 2, result.stderr
    assert "document type declaration" in result.stderr
    assert dump(database) == before


def test_a_record_past_the_limit_is_refused(cli, database, tmp_path):
    body = b"x" * (1024 * 1024 + 10)
    data = android("1767607200000").replace(b"body='hi'", b"body='" + body + b"'")
    result = cli("import", write(tmp_path, "sms.xml", data), *ME, "--region", "US")
    assert result.exit_code == 2
    assert "a record longer than 1,048,576 bytes" in result.stderr


# --- archives ------------------------------------------------------------------------------------


def test_a_zip_naming_one_member_twice_is_refused(cli, database, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning, match="Duplicate"):
        for _ in range(2):
            archive.writestr("messages.csv", "FROM,TO,DATE,SUBJECT,CONTENT,CONVERSATION ID\n")
    result = cli("import", write(tmp_path, "export.zip", buffer.getvalue()), *ME)
    assert result.exit_code == 2
    assert "more than once" in result.stderr


def test_the_inflated_budget_is_shared_by_all_members(cli, database, tmp_path, monkeypatch):
    import netkeep.io.linkedin_capture as linkedin

    monkeypatch.setattr(linkedin, "MEMBER_LIMIT", 3 << 20)
    buffer = io.BytesIO()
    header = "FROM,TO,DATE,SUBJECT,CONTENT,CONVERSATION ID\n"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in ("a", "b", "c"):  # each under the budget, together over it
            archive.writestr(f"{folder}/x.csv", "0" * (2 << 20))
        archive.writestr("messages.csv", header + "\n" * (2 << 20))
        archive.writestr("Invitations.csv", "From,To,Direction,Sent At\n" + "\n" * (2 << 20))
    result = cli("import", write(tmp_path, "export.zip", buffer.getvalue()), *ME)
    assert result.exit_code == 2
    assert "too large" in result.stderr


# --- secrets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u:secretpw@h/db",
        "postgresql://u@h/db?password=secretpw",
        "postgresql://u@h/db?sslpassword=secretpw&sslmode=require",
        "postgresql://u@h/db?options=-c%20password%3Dsecretpw",
        "postgresql://u@h/db?options=-c password=secretpw",
    ],
)
def test_config_never_prints_a_password(cli, url):
    result = cli("--db-url", url, "config", "--format", "json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)["database"]
    assert "secretpw" not in shown and "***" in shown and "h/db" in shown


def test_shown_urls_never_hold_a_password():
    from netkeep.db_path import shown_url

    assert shown_url("postgresql://u:p@ss@h/db") == "postgresql://u:***@h/db"
    assert shown_url("postgresql://u:secretpw@[::1/db") == "postgresql://***/db"
    assert "secretpw" not in shown_url("postgresql://u@h/db?PassWord=secretpw")
    assert shown_url("not a url") == "(not a URL)"


# --- the HTML page -------------------------------------------------------------------------------


def test_the_html_report_is_private_and_escapes_bidi_overrides(cli, tmp_path):
    cli.ok("add", "Eve\u202eevil\u2066")
    cli.ok("log", "Eve")
    page = tmp_path / "report.html"
    cli.ok("report", "--html", str(page))
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    text = page.read_text(encoding="utf-8")
    assert "\u202e" not in text and "\u2066" not in text
    assert "\\u202e" in text


# --- under a memory cap --------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_hostile_imports_finish_by_design_under_a_memory_cap(tmp_path):
    """A real process limited to 1 GiB of address space: each import ends with its own answer
    (a refusal, or a summary with the skipped records), never a MemoryError."""
    files = [
        (write(tmp_path, "zero.ics", ics("FREQ=DAILY;INTERVAL=0")), 2),
        (write(tmp_path, "secondly.ics", ics("FREQ=SECONDLY", "20240101T000000Z")), 0),
        (write(tmp_path, "hourly.ics", ics("FREQ=HOURLY")), 0),
        (write(tmp_path, "far.mbox", mbox("Fri, 31 Dec 9999 10:00:00 +0000")), 0),
    ]
    env = {**os.environ, "NETKEEP_DB": str(tmp_path / "capped.db")}
    env.pop("NETKEEP_DATABASE_URL", None)
    for path, status in files:
        result = subprocess.run(
            ["prlimit", f"--as={1 << 30}", *netkeep_executable(), "import", path, *ME],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert result.returncode == status, result.stderr
        assert "MemoryError" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.sqlite_only
def test_a_debug_traceback_shows_no_password(tmp_path):
    url = "postgresql://u:secretpw@127.0.0.1:1/db?sslpassword=secretpw2&options=-c%20password%3Dpw3"
    env = {**os.environ, "NETKEEP_DEBUG": "1", "NETKEEP_DB": ""}
    env.pop("NETKEEP_DATABASE_URL", None)
    result = subprocess.run(
        [*netkeep_executable(), "--db-url", url, "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" in result.stderr or "Error" in result.stderr
    assert "secretpw" not in result.stderr and "pw3" not in result.stderr

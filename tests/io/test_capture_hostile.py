"""Hostile capture files: a clear one-line error, exit 2, nothing changed; and fuzzed parsers that
only ever yield records or refuse with BadInput."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netkeep.errors import BadInput
from netkeep.io.capture import Identity, Message, Skipped

FIXTURES = Path(__file__).parents[1] / "fixtures" / "capture"
ME = (
    "--me-email",
    "alex@me.example",
    "--me-name",
    "Alex Me",
    "--me-linkedin",
    "linkedin.com/in/me",
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
IDENTITY = Identity(
    emails=frozenset({"alex@me.example"}),
    names=frozenset({"alex me"}),
    linkedin="https://www.linkedin.com/in/alex-me",
    region="US",
    date_order="dmy",
)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<smses count="1"><sms address="+15550102000" date="1778576400000" type="1" body="&lol4;"/></smses>
"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE smses [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<smses count="1"><sms address="+15550102000" date="1778576400000" type="1" body="&x;"/></smses>
"""


def dump(database) -> list:
    return [database.rows(table) for table in ("contact", "touchpoint")]


def zip_bomb(path: Path, member: str, size: int) -> None:
    block = b"0" * (1 << 20)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w", force_zip64=True) as fh,
    ):
        for _ in range(size >> 20):
            fh.write(block)


def broken_first_member(data: bytes) -> bytes:
    """A zip whose first member's compressed data starts with zeros: a deflate stream zlib
    refuses ("invalid stored block lengths"), behind a directory that reads fine."""
    start = 30 + int.from_bytes(data[26:28], "little") + int.from_bytes(data[28:30], "little")
    return data[:start] + bytes(9) + data[start + 9 :]


def hostile_files(tmp_path: Path) -> dict[str, tuple[Path, tuple[str, ...], str]]:
    """name -> (file, extra arguments, words the error must contain)."""
    files: dict[str, tuple[Path, tuple[str, ...], str]] = {}

    def put(name: str, data: bytes | str, args: tuple[str, ...] = (), words: str = "") -> None:
        path = tmp_path / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        files[name] = (path, args, words)

    xml = (FIXTURES / "sms-20260601.xml").read_bytes()
    put("sms-truncated.xml", xml[: len(xml) // 2], (), "not well-formed XML")
    put(
        "sms-unknown-encoding.xml",
        xml.replace(b"encoding='UTF-8'", b"encoding='AUTF-8'", 1),
        (),
        "unknown encoding: AUTF-8",
    )
    put("sms-laughs.xml", BILLION_LAUGHS, (), "document type declaration")
    put("sms-external.xml", EXTERNAL_ENTITY, (), "document type declaration")
    put("binary.mbox", bytes(range(256)) * 40, ("--format", "mbox"), "not an mbox")
    put("binary.ics", b"BEGIN:VCALENDAR\r\n" + bytes(range(256)) * 4, (), "UTF-8")
    put("truncated.ics", (FIXTURES / "outlook.ics").read_bytes()[:900], (), "iCalendar")
    put(
        "latin1-messages.csv",
        (FIXTURES / "messages.csv").read_text().replace("Alex", "Zoë").encode("latin-1"),
        (),
        "UTF-8",
    )
    put(
        "huge-field-messages.csv",
        'FROM,TO,DATE,SUBJECT,CONTENT\nA,B,2026-01-01 00:00:00,s,"' + "x" * 200_000 + '"\n',
        (),
        "not valid CSV",
    )
    put(
        "huge-line-chat.txt", "01/02/2026, 10:00 - Kim: hi\n" + "y" * 1_100_000 + "\n", (), "longer"
    )
    put(
        "truncated-result.json",
        (FIXTURES / "result.json").read_text()[:400],
        ("--format", "telegram"),
        "not valid JSON",
    )
    put(
        "deep-result.json",
        '{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}",
        ("--format", "telegram"),
        "JSON",
    )
    put(
        "truncated.zip",
        (FIXTURES / "Basic_LinkedInDataExport.zip").read_bytes()[:300],
        ("--format", "linkedin"),
        "zip",
    )
    put(
        "corrupt-deflate.zip",
        broken_first_member((FIXTURES / "Basic_LinkedInDataExport.zip").read_bytes()),
        ("--format", "linkedin"),
        "cannot read the zip",
    )
    chat = tmp_path / "deflated-chat.zip"
    with zipfile.ZipFile(chat, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(FIXTURES / "WhatsApp Chat with Kim Ng.txt", "_chat.txt")
    put(
        "corrupt-WhatsApp Chat - Kim Ng.zip",
        broken_first_member(chat.read_bytes()),
        ("--format", "whatsapp"),
        "not a readable zip",
    )
    bad_date = (
        (FIXTURES / "Invitations.csv").read_text().replace('"1/15/26, 9:30 AM"', "yesterday-ish")
    )
    put("bad-date-Invitations.csv", bad_date, (), "line 3")
    return files


CASES = [
    "sms-truncated.xml",
    "sms-unknown-encoding.xml",
    "sms-laughs.xml",
    "sms-external.xml",
    "binary.mbox",
    "binary.ics",
    "truncated.ics",
    "latin1-messages.csv",
    "huge-field-messages.csv",
    "huge-line-chat.txt",
    "truncated-result.json",
    "deep-result.json",
    "truncated.zip",
    "corrupt-deflate.zip",
    "corrupt-WhatsApp Chat - Kim Ng.zip",
    "bad-date-Invitations.csv",
]


@pytest.mark.parametrize("name", CASES)
def test_hostile_files_exit_2_and_change_nothing(cli, database, tmp_path, name):
    cli.ok("add", "Sam Lee", "--phone", "+15550102000", "--email", "robin@acme.example")
    before = dump(database)
    path, args, words = hostile_files(tmp_path)[name]
    result = cli("import", str(path), *args, *ME)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    line = result.stderr.strip()
    assert line.startswith("Error: ") and "\n" not in line and "Traceback" not in line
    assert str(path) in line and words in line
    assert dump(database) == before


def test_zip_bombs_are_refused_while_reading(cli, database, tmp_path, monkeypatch):
    import netkeep.io.linkedin_capture as linkedin
    import netkeep.io.whatsapp as whatsapp

    monkeypatch.setattr(linkedin, "MEMBER_LIMIT", 4 << 20)
    monkeypatch.setattr(whatsapp, "SIZE_LIMIT", 4 << 20)
    cli.ok("add", "Sam Lee")
    before = dump(database)
    for name, member in (("bomb.zip", "messages.csv"), ("chat.zip", "_chat.txt")):
        path = tmp_path / name
        zip_bomb(path, member, 8 << 20)
        assert path.stat().st_size < 100_000  # 8 MB of zeros squeezed small
        result = cli("import", str(path), *ME)
        assert result.exit_code == 2, result.stderr
        assert "too large" in result.stderr
    assert dump(database) == before


# --- fuzzing: each parser yields records or raises BadInput, nothing else ----------------------


def drain(records) -> None:
    for record in records:
        assert isinstance(record, Message | Skipped)


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """A real export cut, spliced and sprinkled with arbitrary bytes."""
    return st.tuples(
        st.integers(0, len(seed)), st.integers(0, len(seed)), st.binary(max_size=64)
    ).map(lambda t: seed[: min(t[0], t[1])] + t[2] + seed[max(t[0], t[1]) :])


def either_text_or_mutation(seed_name: str) -> st.SearchStrategy[bytes]:
    seed = (FIXTURES / seed_name).read_bytes()
    return st.one_of(mutated(seed), st.text(max_size=300).map(str.encode), st.binary(max_size=300))


def parse_file(tmp_path: Path, name: str, data: bytes, reader) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    try:
        drain(reader(path, str(path), IDENTITY))
    except BadInput as exc:
        assert str(exc).startswith(str(path))


@FUZZ
@given(data=either_text_or_mutation("messages.csv"))
def test_fuzz_linkedin(tmp_path, data):
    from netkeep.io.linkedin_capture import read_csv

    def reader(path, label, me):
        from netkeep.io.detect import read_text

        return read_csv(read_text(path), label, me)

    parse_file(tmp_path, "messages.csv", data, reader)


@FUZZ
@given(data=either_text_or_mutation("mail.mbox"))
def test_fuzz_mbox(tmp_path, data):
    from netkeep.io.mail import read_mbox

    parse_file(tmp_path, "mail.mbox", b"From x\n" + data, read_mbox)


@FUZZ
@given(data=either_text_or_mutation("outlook.ics"))
def test_fuzz_ics(tmp_path, data):
    from datetime import UTC, datetime

    from netkeep.io.calendar import read_ics

    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    parse_file(tmp_path, "cal.ics", data, lambda p, label, me: read_ics(p, label, me, now=now))


@FUZZ
@given(data=either_text_or_mutation("sms-20260601.xml"))
def test_fuzz_android(tmp_path, data):
    from netkeep.io.android import read_android

    parse_file(tmp_path, "sms.xml", data, read_android)


@FUZZ
@given(data=either_text_or_mutation("WhatsApp Chat with Kim Ng.txt"))
def test_fuzz_whatsapp(tmp_path, data):
    from netkeep.io.whatsapp import read_whatsapp

    parse_file(tmp_path, "WhatsApp Chat with Kim Ng.txt", data, read_whatsapp)


@FUZZ
@given(data=either_text_or_mutation("result.json"))
def test_fuzz_telegram(tmp_path, data):
    from netkeep.io.telegram import read_telegram

    parse_file(tmp_path, "result.json", data, read_telegram)


@FUZZ
@given(data=either_text_or_mutation("Basic_LinkedInDataExport.zip"))
def test_fuzz_linkedin_zip(tmp_path, data):
    from netkeep.io.linkedin_capture import zip_members

    path = tmp_path / "export.zip"
    path.write_bytes(data)
    try:
        zip_members(path, str(path))
    except BadInput as exc:
        assert str(exc).startswith(str(path))


@FUZZ
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),  # conversation
            st.sampled_from(["in", "out"]),
            st.booleans(),  # live
            st.integers(-3, 40),  # hours since the previous record (file order, not time order)
        ),
        max_size=60,
    )
)
def test_reducing_keeps_every_message_once(steps):
    """Whatever the order, every message ends up in exactly one touchpoint, under a key of its
    own conversation, and the same input gives the same touchpoints."""
    from datetime import UTC, datetime, timedelta

    from netkeep.io.capture import Party, reduce_exchanges

    at = datetime(2026, 1, 1, tzinfo=UTC)
    records = []
    for n, (thread, direction, live, hours) in enumerate(steps):
        at += timedelta(hours=hours)
        records.append(
            Message(
                source="t",
                key=f"{thread}{n}",
                at=at,
                channel="call" if live else "text",
                direction=direction,
                two_way=live,
                party=Party(name=thread),
                thread=None if live else thread,
            )
        )
    touchpoints = list(reduce_exchanges(records))
    assert sum(t.messages for t in touchpoints) == len(records)
    assert len({t.key for t in touchpoints}) == len(touchpoints)
    assert all(t.key[0] == t.party.name for t in touchpoints)
    assert all(t.messages == 1 for t in touchpoints if t.two_way)
    again = list(reduce_exchanges(records))
    assert [(t.key, t.messages) for t in again] == [(t.key, t.messages) for t in touchpoints]

"""The file-format layer: parsing every import format and writing every export format (no database)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netkeep.errors import BadInput
from netkeep.io import ContactIn, read_file, write_csv, write_json, write_vcf
from netkeep.io.detect import detect_format

FIXTURES = Path(__file__).parents[1] / "fixtures"


def by_name(batch) -> dict[str, ContactIn]:
    return {contact.name: contact for contact in batch.contacts}


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def refused(path: Path, fmt: str = "auto") -> str:
    with pytest.raises(BadInput) as caught:
        read_file(path, fmt)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


def contact(**fields) -> dict:
    """A contact dict as the store hands it to the writers."""
    base = {
        "id": 1,
        "name": "Sam Lee",
        "emails": [],
        "phone": None,
        "company": None,
        "title": None,
        "tags": [],
        "tier": "network",
        "cadence": None,
        "note": None,
        "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "archived": False,
        "birthday": None,
    }
    base.update(fields)
    return base


def expected(record: dict, *, with_id: bool = False) -> ContactIn:
    return ContactIn(
        name=record["name"],
        emails=tuple(record["emails"]),
        phone=record["phone"],
        company=record["company"],
        title=record["title"],
        tags=tuple(record["tags"]),
        tier=record["tier"],
        note=record["note"],
        created_at=record["created_at"],
        cadence=record["cadence"],
        archived=record["archived"],
        id=record["id"] if with_id else None,
    )


# --- vCard fixtures ------------------------------------------------------------------------------


def test_apple_ios_vcard():
    batch = read_file(FIXTURES / "vcards" / "apple-ios.vcf")
    assert batch.format == "vcf"
    people = by_name(batch)
    assert list(people) == ["Marisol Rivera", "Dr. Kwame Mensah"]

    marisol = people["Marisol Rivera"]
    # grouped item1./item2. EMAILs, the TYPE=pref one first
    assert marisol.emails == ("marisol@brightline.example", "mari.rivera@mail.example")
    assert marisol.phone == "(415) 555-0142"
    assert marisol.company == "Brightline Talent, Recruiting"  # ORG with a unit
    assert marisol.title == "Senior Recruiter"
    # folded NOTE joined, \, unescaped; the base64 PHOTO left no trace
    assert marisol.note == (
        "Met at the SF talent meetup. Prefers texts over calls, mornings only. "
        "Wants intros to fintech founders."
    )
    assert marisol.source == "card 1"

    kwame = people["Dr. Kwame Mensah"]  # empty N: the name comes from FN
    assert kwame.emails == ("k.mensah@ahp.example",)
    assert kwame.company == "Accra Health Partners"
    assert kwame.tags == ("mentors", "healthcare")
    assert kwame.source == "card 2"


def test_google_vcard_with_chinese_name_and_empty_fn():
    people = by_name(read_file(FIXTURES / "vcards" / "google-contacts.vcf"))
    anneliese = people["Anneliese Bauer"]
    assert anneliese.emails == ("anni.bauer@example.de", "a.bauer@kanzlei.example.de")
    assert anneliese.phone == "+49 151 23456789"
    assert anneliese.company == "Kanzlei Bauer & Partner"
    assert anneliese.title == "Partnerin"
    assert anneliese.tags == ("Lawyers",)  # Google's system group myContacts dropped
    assert anneliese.note is None  # NICKNAME, ADR and BDAY are not kept

    assert people["李娜"].emails == ("li.na@example.cn",)
    assert people["李娜"].tags == ()

    # empty FN and N: filed under the email address
    nameless = people["no.name.only.email@example.com"]
    assert nameless.emails == ("no.name.only.email@example.com",)


def test_android_21_quoted_printable_with_soft_line_break():
    people = by_name(read_file(FIXTURES / "vcards" / "android-2.1.vcf"))
    ayse = people["Ayşe Öztürk"]
    assert ayse.emails == ()
    assert ayse.phone == "+905321234567"  # TEL;CELL;PREF first
    assert ayse.note == "İstanbul'da tanıştık. Yazılım ekibi lideri.\nOther phones: +902121234567"
    emeka = people["Emeka Okonkwo"]
    assert emeka.emails == ("emeka@example.ng",)
    assert emeka.phone == "08031234567"


def test_rfc6350_v4_vcard():
    people = by_name(read_file(FIXTURES / "vcards" / "rfc6350-v4.vcf"))
    siobhan = people["Siobhán Ní Bhriain"]
    assert siobhan.emails == ("siobhan@example.ie",)
    assert siobhan.phone == "+353-87-555-0199"  # TEL;VALUE=uri: the tel: scheme removed
    assert siobhan.company == "Dublin Venture Studio"
    assert siobhan.title == "Principal"
    assert siobhan.note == "Intro'd by Priya; interested in climate deals"
    acme = people["ACME Robotics"]  # KIND:org
    assert acme.emails == ("hello@acme-robotics.example",)
    assert acme.company == "ACME Robotics"


def test_truncated_vcard_refuses_the_whole_file():
    path = FIXTURES / "vcards" / "truncated.vcf"
    assert refused(path) == f"{path}: card 1: no END:VCARD (file truncated?)"


def test_card_missing_end_before_the_next_card_is_named(tmp_path):
    path = write(
        tmp_path,
        "two.vcf",
        "BEGIN:VCARD\nVERSION:3.0\nFN:One\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Two\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Three\nEND:VCARD\n",
    )
    message = refused(path)
    assert "card 2: no END:VCARD before the next BEGIN:VCARD on line 8" in message


def test_malformed_photo_and_x_properties_are_ignored(tmp_path):
    path = write(
        tmp_path,
        "photo.vcf",
        "BEGIN:VCARD\r\n"
        "VERSION:3.0\r\n"
        "FN:Photo Person\r\n"
        "PHOTO;ENCODING=b;TYPE=JPEG:!!!not base64 at all\r\n"
        "ZZZZ-unindented-garbage-from-a-broken-fold\r\n"
        "=====\r\n"
        "X-SOCIALPROFILE;type=twitter;;;broken:::\r\n"
        "X-ABLabel:_$!<Other>!$_\r\n"
        "LOGO;VALUE=uri:\r\n"
        "EMAIL:photo@example.org\r\n"
        "END:VCARD\r\n",
    )
    [person] = read_file(path).contacts
    assert person.name == "Photo Person"
    assert person.emails == ("photo@example.org",)
    assert person.note is None


def test_damage_in_a_kept_property_refuses_naming_card_and_line(tmp_path):
    path = write(
        tmp_path,
        "broken.vcf",
        "BEGIN:VCARD\nVERSION:3.0\nFN:Fine\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:Broken\nthis line is not a property\nEND:VCARD\n",
    )
    message = refused(path)
    assert "card 2: line 8: not a vCard property" in message


def test_grouped_properties_and_multiple_emails_in_v4(tmp_path):
    path = write(
        tmp_path,
        "grouped.vcf",
        "BEGIN:VCARD\nVERSION:4.0\nFN:Grouped\n"
        "work.EMAIL;PREF=2:second@example.org\n"
        "home.EMAIL:third@example.org\n"
        "EMAIL;PREF=1:first@example.org\n"
        "EMAIL:First@Example.org\n"
        "END:VCARD\n",
    )
    [person] = read_file(path).contacts
    # PREF order, then file order; a case-insensitive duplicate kept once
    assert person.emails == ("first@example.org", "second@example.org", "third@example.org")


def test_quoted_printable_in_latin1_and_multi_line(tmp_path):
    path = write(
        tmp_path,
        "latin1.vcf",
        "BEGIN:VCARD\r\nVERSION:2.1\r\n"
        "N;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=F6rg;;;\r\n"
        "NOTE;QUOTED-PRINTABLE:first line=0D=0Asecond=\r\n line, still=\r\n second\r\n"
        "END:VCARD\r\n",
    )
    [person] = read_file(path).contacts
    assert person.name == "Jörg Müller"  # from N, as FN is missing
    assert person.note == "first line\nsecond line, still second"


def test_unescaped_commas_are_kept(tmp_path):
    path = write(
        tmp_path,
        "commas.vcf",
        "BEGIN:VCARD\nVERSION:2.1\nFN:Doe, Jane\nTITLE:VP, Sales\nNOTE:one, two \\\\, three\n"
        "ORG:Herrera, Lopez & Co\nEND:VCARD\n",
    )
    [jane] = read_file(path).contacts
    assert (jane.name, jane.title, jane.company) == (
        "Doe, Jane",
        "VP, Sales",
        "Herrera, Lopez & Co",
    )
    assert jane.note == "one, two \\, three"


def test_card_with_nothing_to_name_it_is_refused(tmp_path):
    path = write(tmp_path, "empty.vcf", "BEGIN:VCARD\nVERSION:3.0\nFN:\nN:;;;;\nEND:VCARD\n")
    assert "card 1: no name" in refused(path)


def test_card_falls_back_to_org_when_fn_and_n_are_empty(tmp_path):
    path = write(
        tmp_path,
        "org.vcf",
        "BEGIN:VCARD\nVERSION:3.0\nFN:\nN:;;;;\nORG:Acme;\nEMAIL:info@acme.example\nEND:VCARD\n",
    )
    [person] = read_file(path).contacts
    assert person.name == "Acme"


def test_text_outside_a_card_is_refused(tmp_path):
    path = write(tmp_path, "junk.vcf", "BEGIN:VCARD\nFN:A\nEND:VCARD\ngarbage\n")
    assert refused(path, "vcf") == f"{path}: line 4: text outside a vCard (expected BEGIN:VCARD)"


def test_bad_email_in_a_card_is_refused(tmp_path):
    path = write(tmp_path, "bad.vcf", "BEGIN:VCARD\nFN:A\nEMAIL:not an address\nEND:VCARD\n")
    assert "card 1: 'not an address' is not an email address" in refused(path)


# --- CSV fixtures --------------------------------------------------------------------------------


def test_linkedin_connections_with_preamble():
    batch = read_file(FIXTURES / "csv" / "linkedin-Connections.csv")
    assert batch.format == "linkedin"
    people = by_name(batch)
    assert list(people) == ["Marisol Rivera", "Tomás Herrera", "Grace O'Neill"]

    marisol = people["Marisol Rivera"]
    assert marisol.emails == ("marisol@brightline.example",)
    assert marisol.company == "Brightline Talent"
    assert marisol.title == "Senior Recruiter"
    assert marisol.tags == ("linkedin",)
    assert marisol.created_at == datetime(2023, 2, 3, tzinfo=UTC)  # TZ=UTC in tests
    assert marisol.note == (
        "LinkedIn: https://www.linkedin.com/in/marisol-rivera-example (connected 2023-02-03)"
    )
    assert marisol.source == "line 5"

    tomas = people["Tomás Herrera"]
    assert tomas.emails == ()  # missing email is fine
    assert tomas.company == "Herrera, Lopez & Co"  # quoted comma
    grace = people["Grace O'Neill"]
    assert grace.title == "Consultant, Talent Strategy"
    assert grace.created_at == datetime(2024, 8, 28, tzinfo=UTC)


def test_linkedin_connected_on_is_a_local_date(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        people = by_name(read_file(FIXTURES / "csv" / "linkedin-Connections.csv"))
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
    marisol = people["Marisol Rivera"]
    assert marisol.created_at == datetime(2023, 2, 2, 11, tzinfo=UTC)  # local midnight, NZDT
    assert marisol.note.endswith("(connected 2023-02-03)")


def test_linkedin_without_preamble_is_detected(tmp_path):
    original = (FIXTURES / "csv" / "linkedin-Connections.csv").read_text(encoding="utf-8")
    path = write(tmp_path, "c.csv", original[original.index("First Name") :])
    batch = read_file(path)
    assert batch.format == "linkedin"
    assert by_name(batch)["Marisol Rivera"].source == "line 2"


def test_google_contacts_csv():
    batch = read_file(FIXTURES / "csv" / "google-contacts.csv")
    assert batch.format == "csv"
    people = by_name(batch)
    anneliese = people["Anneliese Bauer"]
    assert anneliese.emails == ("anni.bauer@example.de", "a.bauer@kanzlei.example.de")
    assert anneliese.phone == "+49 151 23456789"
    assert anneliese.company == "Kanzlei Bauer & Partner"
    assert anneliese.title == "Partnerin"
    assert anneliese.tags == ("Lawyers",)  # "* myContacts ::: Lawyers"
    kwame = people["Dr. Kwame Mensah"]  # Name Prefix kept in the name
    assert kwame.emails == ("k.mensah@ahp.example",)
    assert kwame.tags == ("mentors",)
    assert kwame.note == "Mentor; met at the 2022 health summit"
    assert kwame.phone is None


def test_generic_csv_header_aliases(tmp_path):
    path = write(
        tmp_path,
        "people.csv",
        "FULL NAME,E-Mail,Work Email,Mobile,Organization,Job Title,Labels,Tier,Notes,Created,Shoe Size\n"
        'Ana Lima,ana@example.org,"ana@work.example; ana2@work.example",+55 11 5555,Acme,CTO,'
        '"vip, founders",inner,Met in Lisbon,2024-05-06T07:08:09+02:00,42\n'
        "\n"
        ",only@example.org,,,,,,,,,\n",
    )
    first, second = read_file(path).contacts
    assert first == ContactIn(
        name="Ana Lima",
        emails=("ana@example.org", "ana@work.example", "ana2@work.example"),
        phone="+55 11 5555",
        company="Acme",
        title="CTO",
        tags=("vip", "founders"),
        tier="inner",
        note="Met in Lisbon",
        created_at=datetime(2024, 5, 6, 5, 8, 9, tzinfo=UTC),
    )
    assert second.name == "only@example.org"
    assert second.source == "line 4"


def test_outlook_title_is_a_name_prefix_beside_job_title(tmp_path):
    path = write(
        tmp_path,
        "outlook.csv",
        "Title,First Name,Last Name,Company,Department,Job Title,E-mail Address,E-mail 2 Address\n"
        "Dr.,Jane,Doe,Contoso,Research,Director,jane@contoso.example,\n",
    )
    [jane] = read_file(path).contacts
    assert jane.name == "Dr. Jane Doe"
    assert jane.title == "Director"
    assert jane.company == "Contoso, Research"


def test_semicolon_separated_csv(tmp_path):
    path = write(
        tmp_path, "eu.csv", "Name;Email;Company\nJürgen Roth;j@example.de;Roth, Kern GmbH\n"
    )
    [jurgen] = read_file(path).contacts
    assert (jurgen.name, jurgen.emails, jurgen.company) == (
        "Jürgen Roth",
        ("j@example.de",),
        "Roth, Kern GmbH",
    )


def test_malformed_csv_row_is_refused_naming_the_line(tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        "name,email,company\nA,a@example.org,Acme\nB,b@example.org,Herrera, Lopez & Co\n",
    )
    assert refused(path) == (f"{path}: line 3: 4 cells where the header has 3 (an unquoted comma?)")


def test_unclosed_quote_is_refused_naming_the_line(tmp_path):
    path = write(tmp_path, "bad.csv", 'name,email\nA,a@example.org\n"B,b@example.org\nC,c@x.org\n')
    message = refused(path)
    assert message.startswith(f"{path}: line 3: malformed CSV")


def test_csv_row_without_name_or_email_is_refused(tmp_path):
    path = write(tmp_path, "x.csv", "name,email,note\nA,a@example.org,\n,,just a note\n")
    assert "line 3: no name" in refused(path)


def test_csv_without_a_usable_header_is_refused(tmp_path):
    path = write(tmp_path, "x.csv", "foo,bar\n1,2\n")
    assert "line 1: no name or email column" in refused(path)


def test_csv_bad_values_are_refused(tmp_path):
    path = write(tmp_path, "x.csv", "name,email\nA,call me maybe\n")
    assert "line 2: 'call' is not an email address" in refused(path)
    path = write(tmp_path, "y.csv", "name,created_at\nA,someday soon\n")
    assert "line 2: not a date: 'someday soon'" in refused(path)
    path = write(tmp_path, "z.csv", "name,archived\nA,perhaps\n")
    assert "line 2: archived must be true or false" in refused(path)


# --- files and detection -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "fmt"),
    [
        ("vcards/apple-ios.vcf", "vcf"),
        ("vcards/android-2.1.vcf", "vcf"),
        ("csv/linkedin-Connections.csv", "linkedin"),
        ("csv/google-contacts.csv", "csv"),
    ],
)
def test_format_is_detected_from_content(fixture, fmt, tmp_path):
    # the extension plays no part
    path = write(tmp_path, "export.txt", (FIXTURES / fixture).read_bytes())
    assert read_file(path).format == fmt


def test_undetectable_content_is_refused(tmp_path):
    path = write(tmp_path, "notes.txt", "just some words\n")
    assert "cannot tell the format" in refused(path)
    assert detect_format('  {"format": "netkeep"}', "x") == "json"


def test_missing_file_directory_and_bad_bytes(tmp_path):
    assert refused(tmp_path / "nope.vcf") == f"{tmp_path / 'nope.vcf'}: no such file"
    assert refused(tmp_path) == f"{tmp_path}: is a directory, not a file"
    latin1 = write(tmp_path, "latin1.csv", "name,email\nJos\xe9,j@example.org\n".encode("latin-1"))
    assert "line 2: not UTF-8 text" in refused(latin1)
    empty = write(tmp_path, "empty.csv", "")
    assert refused(empty) == f"{empty}: the file is empty"


def test_utf8_bom_and_utf16_are_read(tmp_path):
    text = "name,email\nJosé,j@example.org\n"
    for name, data in [
        ("bom.csv", b"\xef\xbb\xbf" + text.encode()),
        ("u16.csv", text.encode("utf-16")),
    ]:
        [jose] = read_file(write(tmp_path, name, data)).contacts
        assert jose.name == "José"


def test_unknown_format_name_is_refused(tmp_path):
    with pytest.raises(BadInput, match="unknown import format 'xml'"):
        read_file(tmp_path / "x", "xml")


def test_reading_csv_does_not_import_vobject():
    code = (
        "import sys; from pathlib import Path; from netkeep.io import read_file; "
        f"read_file(Path({str(FIXTURES / 'csv' / 'google-contacts.csv')!r})); "
        "print('vobject' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- writers -------------------------------------------------------------------------------------


def test_csv_export_defuses_formula_cells_and_reads_back(tmp_path):
    records = [
        contact(
            id=7,
            name='=HYPERLINK("http://evil.example")',
            emails=["-sales@example.org"],
            phone="+1 555 0100",
            company="-Minus Corp",
            title="\tTabbed",
            note="@home\nsecond line",
            tags=["=cmd", "ok"],
        ),
        contact(id=8, name="Plain", archived=True, cadence="3m"),
    ]
    buffer = io.StringIO(newline="")
    write_csv(records, buffer)
    text = buffer.getvalue()
    lines = text.splitlines()
    assert (
        lines[0]
        == "id,name,emails,phone,company,title,tags,tier,cadence,note,created_at,archived,birthday"
    )
    assert lines[1].startswith(
        '7,"\'=HYPERLINK(""http://evil.example"")",\'-sales@example.org,\'+1 555'
    )
    assert ",'-Minus Corp,'\tTabbed,'=cmd; ok," in lines[1]
    assert '"\'@home\nsecond line"' in text
    assert lines[-1] == "8,Plain,,,,,,network,3m,,2026-01-02T03:04:05+00:00,true,"

    path = write(tmp_path, "export.csv", text)
    batch = read_file(path)
    assert batch.format == "csv"
    records[0]["title"] = "Tabbed"  # importers strip surrounding whitespace
    assert batch.contacts == [expected(record) for record in records]


def test_vcard_export_reads_back(tmp_path):
    records = [
        contact(
            name="Siobhán Ní Bhriain",
            emails=["siobhan@example.ie", "s.nb@home.example"],
            phone="+353 87 555 0199",
            company="Herrera, Lopez; & Co",
            title="Principal",
            tags=["investors", "dublin"],
            tier="inner",
            cadence="2w",
            note="Line one; with, punctuation\\\nLine two " + "é" * 80,
            created_at=datetime(2025, 12, 31, 23, 59, 58, 123456, tzinfo=UTC),
            archived=True,
        ),
        contact(id=2, name="李娜", tier=None, created_at=None),
    ]
    buffer = io.StringIO(newline="")
    write_vcf(records, buffer)
    text = buffer.getvalue()
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "EMAIL;PREF=1:siobhan@example.ie" in text
    assert "TEL;VALUE=text:+353 87 555 0199" in text

    path = write(tmp_path, "export.vcf", text)
    batch = read_file(path)
    assert batch.format == "vcf"
    assert batch.contacts == [expected(record) for record in records]


def json_export() -> dict:
    return {
        "contacts": [
            {**contact(id=3, name="Sam", emails=["sam@example.org"]), "last_touch": None},
            contact(id=5, name="Kim", archived=True, cadence="1m", created_at=datetime(2025, 1, 1)),
        ],
        "touchpoints": [
            {
                "id": 10,
                "contact_id": 3,
                "occurred_at": datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=UTC),
                "channel": "call",
                "direction": "out",
                "two_way": False,
                "answered": False,
                "note": "voicemail",
                "ask": "a recommendation",
                "give": None,
                "source": None,
                "source_key": None,
                "no_reply": False,
                "logged_by": "ana",
            }
        ],
        "asks": [
            {
                "id": 4,
                "contact_id": 3,
                "touchpoint_id": 10,
                "name": "Sam",
                "by": "me",
                "what": "a recommendation",
                "status": "open",
                "opened_at": datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=UTC),
                "resolved_at": None,
                "days_open": 12,
            }
        ],
    }


def test_json_export_is_lossless(tmp_path):
    buffer = io.StringIO()
    write_json(json_export(), buffer)
    document = json.loads(buffer.getvalue())
    assert (document["format"], document["version"]) == ("netkeep", 6)
    assert "last_touch" not in document["contacts"][0]
    assert "answered" not in document["touchpoints"][0]
    assert "days_open" not in document["asks"][0]
    assert document["contacts"][1]["created_at"] == "2025-01-01T00:00:00+00:00"  # naive = UTC
    assert document["touchpoints"][0]["occurred_at"] == "2026-02-03T04:05:06.000789+00:00"

    batch = read_file(write(tmp_path, "backup.json", buffer.getvalue()))
    assert batch.format == "json"
    sam, kim = batch.contacts
    assert sam == expected(contact(id=3, name="Sam", emails=["sam@example.org"]), with_id=True)
    assert (kim.id, kim.archived, kim.cadence) == (5, True, "1m")
    assert kim.source == "contact 2 (id 5)"
    [touchpoint] = batch.touchpoints
    assert touchpoint["occurred_at"] == datetime(2026, 2, 3, 4, 5, 6, 789, tzinfo=UTC)
    assert touchpoint["id"] == 10 and "answered" not in touchpoint
    [ask] = batch.asks
    assert ask["touchpoint_id"] == 10 and ask["by"] == "me" and "name" not in ask

    # exported again, it is byte for byte the same
    again = io.StringIO()
    write_json(
        {
            "contacts": [
                {**c.__dict__, "emails": list(c.emails), "tags": list(c.tags)}
                for c in batch.contacts
            ],
            "touchpoints": batch.touchpoints,
            "asks": [{**a, "name": "Sam"} for a in batch.asks],
        },
        again,
    )
    reexported = json.loads(again.getvalue())
    for item in reexported["contacts"]:
        for key in ("source", "follow_up_on", "follow_up_note", "snoozed_until"):
            item.pop(key)  # the record's own fields (the export's `follow_up` is one object)
    assert reexported["contacts"] == [
        {k: v for k, v in c.items() if k != "last_touch"} for c in document["contacts"]
    ]
    assert reexported["touchpoints"] == document["touchpoints"]


def mutate(change) -> str:
    buffer = io.StringIO()
    write_json(json_export(), buffer)
    document = json.loads(buffer.getvalue())
    change(document)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), "not a netkeep export"),
        (lambda d: d.update(version=7), "written by a newer netkeep (format version 7)"),
        (lambda d: d.update(version=0), "unknown format version 0"),
        (lambda d: d.update(version="1"), '"version" must be an integer'),
        (lambda d: d.update(contacts={}), "'contacts' must be a list"),
        (lambda d: d.update(extra=1), "unknown key 'extra'"),
        (lambda d: d["contacts"][1].pop("tier"), "contact 2 (id 5): missing key 'tier'"),
        (lambda d: d["contacts"][0].update(colour="red"), "contact 1 (id 3): unknown key 'colour'"),
        (
            lambda d: d["contacts"][0].update(emails="sam@x.org"),
            "'emails' must be a list of strings",
        ),
        (lambda d: d["contacts"][0].update(name=" "), "'name' must be a non-empty string"),
        (lambda d: d["contacts"][0].update(id=True), "contact 1: 'id' must be a positive integer"),
        (lambda d: d["contacts"][1].update(id=3), "contact 2 (id 3): duplicate id"),
        (lambda d: d["contacts"][0].update(archived="no"), "'archived' must be true or false"),
        (
            lambda d: d["contacts"][0].update(created_at="2026-01-02T03:04:05"),
            "'created_at' needs a UTC offset",
        ),
        (lambda d: d["contacts"][0].update(created_at="yesterday"), "is not an ISO 8601 time"),
        (
            lambda d: d["touchpoints"][0].update(channel="fax"),
            "touchpoint 1 (id 10): 'channel' must be one of call, email",
        ),
        (lambda d: d["touchpoints"][0].update(direction="up"), "'direction' must be one of"),
        (
            lambda d: d["touchpoints"][0].update(contact_id=99),
            "touchpoint 1 (id 10): contact_id refers to no contact in the file",
        ),
        (
            lambda d: d["asks"][0].update(touchpoint_id=99),
            "ask 1 (id 4): touchpoint_id refers to no touchpoint",
        ),
        (lambda d: d["asks"][0].update(status="maybe"), "'status' must be one of open, done"),
        (
            lambda d: d["asks"][0].update(status="done"),
            "resolved_at must be null exactly when status is open",
        ),
        (lambda d: d["asks"].append("an ask"), "ask 2: must be an object"),
    ],
)
def test_json_validation(tmp_path, change, message):
    path = write(tmp_path, "backup.json", mutate(change))
    assert message in refused(path)


def test_invalid_json_names_the_line(tmp_path):
    path = write(tmp_path, "backup.json", '{"format": "netkeep",\n  "version": 1,\n  oops}\n')
    assert refused(path).startswith(f"{path}: line 3 column 3: invalid JSON")


def test_json_that_is_not_an_export_is_refused(tmp_path):
    path = write(tmp_path, "list.json", '[{"name": "Sam"}]')
    assert "not a netkeep export" in refused(path)


# --- round-trip properties -----------------------------------------------------------------------

# Text a contact field can hold and get back: no control characters (a vCard turns CR into LF, a
# CSV reader refuses NUL), no surrounding whitespace (importers strip it), and no leading quote
# before a formula character (that is what the CSV defusing adds, so the reader removes it).
_TEXT = st.characters(blacklist_categories=("Cs", "Cc"))
_ATOM = st.characters(blacklist_categories=("Cs", "Cc", "Z"), blacklist_characters="@,;<>:'\"\\")


def _field(alphabet, *, min_size=1, max_size=40):
    return (
        st.text(alphabet, min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(lambda s: bool(s) and not s.startswith("'"))
    )


_names = _field(_TEXT)
_notes = _field(st.one_of(_TEXT, st.just("\n")), max_size=200)
_emails = st.builds(
    lambda local, domain: f"{local}@{domain}",
    _field(_ATOM, max_size=20),
    _field(_ATOM, max_size=20),
)
_tags = _field(_ATOM, max_size=15).filter(lambda t: t.casefold() != "mycontacts")
_contacts = st.builds(
    contact,
    id=st.integers(1, 10_000),
    name=_names,
    emails=st.lists(_emails, max_size=3, unique_by=str.casefold),
    phone=st.none() | st.from_regex(r"\+?[0-9][0-9 ()-]{2,18}[0-9]", fullmatch=True),
    company=st.none() | _names,
    title=st.none() | _names,
    tags=st.lists(_tags, max_size=4, unique_by=str.casefold),
    tier=st.none() | st.sampled_from(["inner", "close", "network", "acquaintance"]),
    cadence=st.none() | st.sampled_from(["2w", "3m"]),
    note=st.none() | _notes,
    created_at=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    archived=st.booleans(),
)

_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_settings
@given(records=st.lists(_contacts, min_size=1, max_size=4))
def test_property_vcard_round_trip(tmp_path, records):
    buffer = io.StringIO(newline="")
    write_vcf(records, buffer)
    path = write(tmp_path, "round.vcf", buffer.getvalue())
    assert read_file(path).contacts == [expected(record) for record in records]


@_settings
@given(records=st.lists(_contacts, min_size=1, max_size=4))
def test_property_csv_round_trip(tmp_path, records):
    buffer = io.StringIO(newline="")
    write_csv(records, buffer)
    path = write(tmp_path, "round.csv", buffer.getvalue())
    assert read_file(path, "csv").contacts == [expected(record) for record in records]

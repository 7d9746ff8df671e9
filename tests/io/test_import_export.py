"""import and export through the CLI: merging, all-or-nothing, dry runs and lossless round trips."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"
GOOD_FIXTURES = [
    FIXTURES / "vcards" / "android-2.1.vcf",
    FIXTURES / "vcards" / "apple-ios.vcf",
    FIXTURES / "vcards" / "google-contacts.vcf",
    FIXTURES / "vcards" / "rfc6350-v4.vcf",
    FIXTURES / "csv" / "google-contacts.csv",
    FIXTURES / "csv" / "linkedin-Connections.csv",
]


def contacts(cli, *extra: str, db: Path | None = None) -> list[dict]:
    where = ("--db", str(db)) if db else ()
    return cli.json(*where, "list", "--archived", *extra)


def without_ids(rows: list[dict]) -> list[dict]:
    return sorted(
        ({k: v for k, v in row.items() if k not in ("id", "last_touch")} for row in rows),
        key=lambda row: row["name"],
    )


def refused(cli, *args: str) -> str:
    result = cli("import", *args)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert result.stdout == ""
    return result.stderr


def full_history(cli) -> None:
    """A database with every kind of record: asks open/done/declined by me and by them, gives,
    an archived contact, an own cadence, unicode names, one-way and two-way touchpoints."""
    cli.ok(
        "add", "Zoë Ünicode-Ørsted", "--email", "zoe@example.org", "--tag", "été", "--every", "3w"
    )
    cli.ok("add", "李小龙", "--tier", "inner", "--note", "line one\nline two")
    cli.ok("add", "Sam Lee", "--email", "sam@example.com", "--email", "s.lee@work.example")
    cli.ok("add", "Old Friend", "--company", "=cmd|' /C calc'!A0", "--phone", "+1 555 0100")
    cli.ok("log", "zoë", "--ask", "a recommendation", "--when", "2026-01-02 10:11:12")
    cli.ok("log", "zoë", "--in", "--via", "email", "--give", "an intro", "--when", "2026-01-09")
    cli.ok("log", "李小龙", "--in", "--via", "text", "--ask", "a job lead", "--when", "2026-02-01")
    cli.ok("log", "sam", "--via", "meeting", "--ask", "advice", "--when", "2026-03-01")
    cli.ok("log", "sam", "--in", "--no-answer", "--ask", "a reference", "--when", "2026-03-05")
    cli.ok("log", "old friend", "--via", "letter", "--note", "postcard", "--when", "2025-12-24")
    cli.ok("resolve", "1")
    cli.ok("resolve", "2", "--declined")
    cli.ok("resolve", "3")
    cli.ok("archive", "old friend")
    # The ledger: a give by the side that did not initiate, a give that fulfils an ask, a reply
    # that needs none, an ask by the side that did not initiate, withdrawn.
    cli.ok("log", "sam", "--their-give", "a new req", "--when", "2026-03-10")
    cli.ok(
        "log",
        "sam",
        "--via",
        "email",
        "--give",
        "the reference",
        "--fulfils",
        "4",
        "--when",
        "2026-03-12",
    )
    cli.ok("log", "李小龙", "--via", "text", "--their-ask", "coffee?", "--when", "2026-03-14")
    cli.ok("log", "李小龙", "--in", "--via", "text", "--no-reply-needed", "--when", "2026-03-15")
    cli.ok("resolve", "5", "--withdrawn", "--when", "2026-03-15")


# --- each file format ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", GOOD_FIXTURES, ids=lambda p: p.name)
def test_fixture_imports_and_a_second_import_changes_nothing(cli, path, database):
    first = cli.ok("import", str(path))
    assert first.stdout == ""
    assert "created" in first.stderr and first.stderr.count("\n") == 1
    before = contacts(cli)
    assert before and ", 0 updated" in first.stderr

    second = cli.ok("import", str(path))
    assert "0 created, 0 updated" in second.stderr
    assert contacts(cli) == before


def test_fixture_contents_land_in_the_database(cli):
    cli.ok("import", str(FIXTURES / "csv" / "linkedin-Connections.csv"))
    people = contacts(cli, "--tag", "linkedin")
    assert len(people) == 3
    assert all("LinkedIn: " in (person["note"] or "") for person in people)


def test_truncated_vcard_is_refused_whole_and_creates_no_database(cli, database):
    message = refused(cli, str(FIXTURES / "vcards" / "truncated.vcf"))
    assert "truncated.vcf: card" in message
    assert not database.exists()


def test_explicit_format_and_unknown_format(cli):
    cli.ok("import", str(FIXTURES / "csv" / "google-contacts.csv"), "--format", "csv")
    result = cli("import", str(FIXTURES / "csv" / "google-contacts.csv"), "--format", "xml")
    assert result.exit_code == 2 and result.stderr.startswith("Error:")


def test_missing_file_is_bad_input(cli, tmp_path, database):
    assert "no such file" in refused(cli, str(tmp_path / "nothing.vcf"))
    assert not database.exists()


# --- merging ------------------------------------------------------------------------------------


def test_merge_by_email_any_case_then_by_name(cli, tmp_path):
    cli.ok("add", "Samuel Lee", "--email", "Sam@Example.com", "--tag", "friend", "--note", "mine")
    cli.ok("add", "Ana Ruiz", "--company", "Acme")
    path = tmp_path / "people.csv"
    path.write_text(
        "name,email,company,tags,note\n"
        "Sam L.,sam@example.COM,Initech,work,from the file\n"
        "ana ruiz,ana@ruiz.example,,,\n"
        "New Person,new@example.org,,,\n",
        encoding="utf-8",
    )
    result = cli.ok("import", str(path))
    assert "1 created, 2 updated, 0 unchanged" in result.stderr
    people = {person["name"]: person for person in contacts(cli)}
    assert set(people) == {"Samuel Lee", "Ana Ruiz", "New Person"}  # names are never changed
    sam = people["Samuel Lee"]
    assert sam["emails"] == ["Sam@Example.com"]
    assert sam["tags"] == ["friend", "work"]
    assert sam["company"] == "Initech"
    assert sam["note"] == "mine\nfrom the file"
    ana = people["Ana Ruiz"]
    assert ana["emails"] == ["ana@ruiz.example"] and ana["company"] == "Acme"  # empty = left alone

    again = cli.ok("import", str(path))
    assert "0 created, 0 updated, 3 unchanged" in again.stderr


def test_duplicates_inside_one_file_merge(cli, tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text("name,email\nKim,kim@a.example\nKIM,\nKim,kim@b.example\n", encoding="utf-8")
    cli.ok("import", str(path))
    [kim] = contacts(cli)
    assert kim["emails"] == ["kim@a.example", "kim@b.example"]
    assert "0 created, 0 updated, 3 unchanged" in cli.ok("import", str(path)).stderr


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Sam,gold,", "people.csv: line 3: unknown tier 'gold'"),
        ("Sam,close,3 fortnights", "people.csv: line 3: invalid duration '3 fortnights'"),
    ],
)
def test_bad_tier_or_cadence_refuses_the_file(cli, tmp_path, database, row, message):
    cli.ok("add", "Kept")
    before = database.snapshot()
    path = tmp_path / "people.csv"
    path.write_text(f"name,tier,cadence\nAna,inner,2w\n{row}\n", encoding="utf-8")
    assert message in refused(cli, str(path))
    assert database.snapshot() == before


def test_tiers_from_the_config_are_accepted(cli, tmp_path, config_file):
    config_file.write_text('[cadence]\nvip = "1w"\n', encoding="utf-8")
    path = tmp_path / "people.csv"
    path.write_text("name,tier,cadence\nAna,VIP,10 days\n", encoding="utf-8")
    cli.ok("import", str(path))
    [ana] = contacts(cli)
    assert (ana["tier"], ana["cadence"]) == ("vip", "10d")


# --- dry run and all-or-nothing -----------------------------------------------------------------


def test_dry_run_reports_and_writes_nothing(cli, database):
    cli.ok("add", "Marisol Rivera", "--email", "marisol@brightline.example")
    before = database.snapshot()
    path = str(FIXTURES / "vcards" / "apple-ios.vcf")
    result = cli.ok("import", path, "--dry-run")
    assert "would be" in result.stderr and "dry run" in result.stderr
    assert result.stdout == ""
    assert database.snapshot() == before
    real = cli.ok("import", path)
    assert real.stderr.replace("would be ", "").replace(" (dry run: nothing written)", "") == (
        result.stderr.replace("would be ", "").replace(" (dry run: nothing written)", "")
    )


def test_dry_run_on_a_missing_database_creates_nothing(cli, database):
    cli.ok("import", str(FIXTURES / "csv" / "google-contacts.csv"), "--dry-run")
    assert not database.exists() and not database.path.parent.exists()


def test_truncated_json_export_is_refused_whole(cli, tmp_path, database):
    full_history(cli)
    exported = cli.ok("export").stdout
    cli.ok("add", "Another")
    other = tmp_path / "other.db"
    cut = tmp_path / "cut.json"
    cut.write_text(exported[: len(exported) * 3 // 4], encoding="utf-8")
    result = cli("--db", str(other), "import", str(cut))
    assert result.exit_code == 2
    assert "cut.json: line" in result.stderr and "truncated?" in result.stderr
    assert not other.exists()
    before = database.snapshot()
    assert refused(cli, str(cut))
    assert database.snapshot() == before


def test_a_bad_record_after_many_good_ones_writes_nothing(cli, tmp_path, database):
    document = {
        "format": "netkeep",
        "version": 1,
        "contacts": [
            {
                "id": 1,
                "name": "Sam",
                "emails": [],
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
        ],
        "touchpoints": [
            {
                "id": n,
                "contact_id": 1,
                "occurred_at": f"2025-06-01T00:00:{n % 60:02d}.{n:06d}+00:00",
                "channel": "email",
                "direction": "out",
                "two_way": False,
                "note": None,
                "ask": None,
                "give": None,
            }
            for n in range(1, 25_001)
        ],
        "asks": [],
    }
    document["touchpoints"][-1]["channel"] = "fax"
    path = tmp_path / "big.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    message = refused(cli, str(path))
    assert "big.json: touchpoint 25000 (id 25000): 'channel' must be one of" in message
    assert not database.exists()


# --- netkeep JSON round trips -------------------------------------------------------------------


def test_export_has_the_spec_shape(cli):
    full_history(cli)
    document = json.loads(cli.ok("export").stdout)
    assert list(document) == ["format", "version", "contacts", "touchpoints", "asks", "gives"]
    assert (document["format"], document["version"]) == ("netkeep", 6)
    contact_keys = (
        "id name emails phone company title tags tier cadence note created_at archived birthday "
        "follow_up snoozed_until"
    )
    assert list(document["contacts"][0]) == contact_keys.split()
    touchpoint_keys = (
        "id contact_id occurred_at channel direction two_way note ask give source source_key "
        "no_reply logged_by"
    )
    assert list(document["touchpoints"][0]) == touchpoint_keys.split()
    assert all(isinstance(t["logged_by"], str) for t in document["touchpoints"])
    ask_keys = "id contact_id touchpoint_id name by what status opened_at resolved_at"
    assert list(document["asks"][0]) == ask_keys.split()
    give_keys = "id contact_id touchpoint_id by what given_at fulfils"
    assert list(document["gives"][0]) == give_keys.split()
    assert {ask["status"] for ask in document["asks"]} == {"done", "declined", "withdrawn"}
    assert {give["by"] for give in document["gives"]} == {"me", "them"}
    assert [give["fulfils"] for give in document["gives"]] == [None, None, 4]
    assert any(t["no_reply"] for t in document["touchpoints"])
    assert {ask["by"] for ask in document["asks"]} == {"me", "them"}
    assert any(c["archived"] for c in document["contacts"])
    assert any(t["give"] for t in document["touchpoints"])
    assert document["touchpoints"][0]["occurred_at"] == "2026-01-02T10:11:12+00:00"


def test_export_import_into_empty_exports_identically(cli, tmp_path):
    full_history(cli)
    first = cli.ok("export").stdout
    path = tmp_path / "export.json"
    path.write_text(first, encoding="utf-8")
    restored = tmp_path / "restored.db"
    result = cli.ok("--db", str(restored), "import", str(path))
    assert (
        "4 created" in result.stderr and "10 added" in result.stderr and "ids kept" in result.stderr
    )
    assert cli.ok("--db", str(restored), "export").stdout == first
    # the derived views agree too
    for command in (["score"], ["asks", "--all"], ["owe"], ["list", "--archived"]):
        assert cli.json(*command) == cli.json("--db", str(restored), *command)

    again = cli.ok("--db", str(restored), "import", str(path))
    assert "0 created, 0 updated, 4 unchanged" in again.stderr
    assert (
        "touchpoints: 0 added, 10 already there; asks: 0 added, 5 already there; "
        "gives: 0 added, 3 already there" in again.stderr
    )
    assert cli.ok("--db", str(restored), "export").stdout == first


def test_ids_kept_by_an_import_are_never_given_again(cli, tmp_path, database):
    """An export imported into an empty database keeps its ids; the next `add` and `log` get ids
    above them (on a server the identity sequences are advanced past the imported ids)."""
    full_history(cli)
    document = json.loads(cli.ok("export").stdout)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    database.reset()
    assert "ids kept" in cli.ok("import", str(path)).stderr
    cli.ok("add", "New Person")
    cli.ok("log", "new person", "--my-ask", "a coffee", "--their-give", "advice")
    for table, key in (
        ("contact", "contacts"),
        ("touchpoint", "touchpoints"),
        ("ask", "asks"),
        ("give", "gives"),
    ):
        highest = max(record["id"] for record in document[key])
        assert database.execute(f"SELECT max(id) FROM {table}")[0][0] == highest + 1, table


def test_json_into_a_non_empty_database_merges_and_renumbers(cli, tmp_path):
    full_history(cli)
    path = tmp_path / "export.json"
    path.write_text(cli.ok("export").stdout, encoding="utf-8")
    other = tmp_path / "other.db"
    cli.ok("--db", str(other), "add", "Sam Lee", "--email", "SAM@example.com", "--phone", "123")
    cli.ok("--db", str(other), "add", "Someone Else")
    cli.ok("--db", str(other), "log", "someone", "--when", "2026-01-01")
    result = cli.ok("--db", str(other), "import", str(path))
    assert "3 created, 1 updated, 0 unchanged" in result.stderr
    assert "ids kept" not in result.stderr
    merged = json.loads(cli.ok("--db", str(other), "export").stdout)
    names = [c["name"] for c in merged["contacts"]]
    assert names.count("Sam Lee") == 1 and len(names) == 5
    sam = next(c for c in merged["contacts"] if c["name"] == "Sam Lee")
    assert sam["id"] == 1 and sam["emails"] == ["SAM@example.com", "s.lee@work.example"]
    sam_touchpoints = [t for t in merged["touchpoints"] if t["contact_id"] == 1]
    assert len(sam_touchpoints) == 4 and len(merged["touchpoints"]) == 11
    by_touchpoint = {t["id"]: t for t in merged["touchpoints"]}
    for ask in merged["asks"]:  # asks still point at their own touchpoints, renumbered
        touchpoint = by_touchpoint[ask["touchpoint_id"]]
        assert touchpoint["contact_id"] == ask["contact_id"]
        initiated = ask["by"] == ("me" if touchpoint["direction"] == "out" else "them")
        assert (touchpoint["ask"] == ask["what"]) == initiated
    asks = {ask["id"]: ask for ask in merged["asks"]}
    for give in merged["gives"]:  # and gives at theirs, with the ask they fulfil renumbered
        assert by_touchpoint[give["touchpoint_id"]]["contact_id"] == give["contact_id"]
        if give["fulfils"] is not None:
            assert asks[give["fulfils"]]["contact_id"] == give["contact_id"]
            assert asks[give["fulfils"]]["what"] == "a reference"

    again = cli.ok("--db", str(other), "import", str(path))
    assert "0 created, 0 updated, 4 unchanged" in again.stderr
    assert "touchpoints: 0 added, 10 already there" in again.stderr
    assert "gives: 0 added, 3 already there" in again.stderr


def test_keys_in_any_order_still_import(cli, tmp_path):
    full_history(cli)
    document = json.loads(cli.ok("export").stdout)
    path = tmp_path / "sorted.json"
    path.write_text(json.dumps(document, sort_keys=True), encoding="utf-8")  # asks come first
    restored = tmp_path / "restored.db"
    cli.ok("--db", str(restored), "import", str(path))
    assert json.loads(cli.ok("--db", str(restored), "export").stdout) == document


def test_export_of_a_missing_database_is_empty_and_creates_nothing(cli, database):
    document = json.loads(cli.ok("export").stdout)
    assert document == {
        "format": "netkeep",
        "version": 6,
        "contacts": [],
        "touchpoints": [],
        "asks": [],
        "gives": [],
    }
    assert not database.exists()


# --- CSV and vCard exports ----------------------------------------------------------------------


def test_csv_export_defuses_formulas_and_reads_back(cli, tmp_path):
    full_history(cli)
    text = cli.ok("export", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    friend = next(row for row in rows if row["name"] == "Old Friend")
    assert friend["company"] == "'=cmd|' /C calc'!A0"
    assert friend["phone"] == "'+1 555 0100"
    assert friend["archived"] == "true"
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    restored = tmp_path / "restored.db"
    cli.ok("--db", str(restored), "import", str(path))
    assert without_ids(contacts(cli, db=restored)) == without_ids(contacts(cli))


def test_vcard_export_reimports_cleanly(cli, tmp_path):
    full_history(cli)
    path = tmp_path / "contacts.vcf"
    cli.ok("export", "--format", "vcf", "--output", str(path))
    assert path.read_bytes().count(b"BEGIN:VCARD\r\n") == 4
    restored = tmp_path / "restored.db"
    result = cli.ok("--db", str(restored), "import", str(path))
    assert "4 created" in result.stderr
    assert without_ids(contacts(cli, db=restored)) == without_ids(contacts(cli))
    assert "0 created, 0 updated" in cli.ok("--db", str(restored), "import", str(path)).stderr


def test_output_file_is_private_and_replaced_whole(cli, tmp_path):
    cli.ok("add", "Sam")
    path = tmp_path / "export.json"
    path.write_text("old content that is longer than the export " * 100, encoding="utf-8")
    path.chmod(0o644)
    result = cli.ok("export", "--output", str(path))
    assert result.stdout == ""
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text(encoding="utf-8"))["contacts"][0]["name"] == "Sam"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_into_a_missing_folder_is_bad_input(cli, tmp_path):
    result = cli("export", "--output", str(tmp_path / "nope" / "x.json"))
    assert result.exit_code == 2 and result.stderr.startswith("Error:")


def test_export_reads_a_consistent_snapshot_without_writing(cli, database):
    full_history(cli)
    before = database.snapshot()
    cli.ok("export")
    assert database.snapshot() == before
    assert database.count("touchpoint") == 10

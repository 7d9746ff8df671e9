"""Birthdays on contacts: add/edit --birthday, --birthday none, and through vCard, CSV and JSON.

The suite's clock is frozen at 2026-06-15 12:00 UTC (a Monday) with TZ=UTC.
"""

from __future__ import annotations

import json

import pytest


def contact(cli, ref: str) -> dict:
    return cli.json("show", ref)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("03-14", "03-14"),
        ("3-14", "03-14"),
        ("--0314", "03-14"),
        ("1985-03-14", "1985-03-14"),
        ("19850314", "1985-03-14"),
        ("02-29", "02-29"),
        ("2000-02-29", "2000-02-29"),
    ],
)
def test_add_keeps_a_birthday_with_or_without_its_year(cli, typed, stored):
    cli.ok("add", "Sam Lee", "--birthday", typed)
    assert contact(cli, "sam")["birthday"] == stored
    assert cli.json("list")[0]["birthday"] == stored


@pytest.mark.parametrize("typed", ["13-01", "02-30", "1999-02-29", "March", "14/03", "0000-01-01"])
def test_a_birthday_that_is_not_a_day_is_refused_and_nothing_is_written(cli, database, typed):
    result = cli("add", "Sam Lee", "--birthday", typed)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: invalid birthday")
    assert not database.exists()


def test_edit_sets_changes_and_clears_the_birthday(cli):
    cli.ok("add", "Sam Lee")
    assert contact(cli, "sam")["birthday"] is None
    cli.ok("edit", "sam", "--birthday", "1985-03-14")
    assert contact(cli, "sam")["birthday"] == "1985-03-14"
    cli.ok("edit", "sam", "--birthday", "07-01")
    assert contact(cli, "sam")["birthday"] == "07-01"
    cli.ok("edit", "sam", "--birthday", "none")
    assert contact(cli, "sam")["birthday"] is None
    cli.ok("undo")
    assert contact(cli, "sam")["birthday"] == "07-01"


def test_show_prints_the_birthday(cli):
    cli.ok("add", "Sam Lee", "--birthday", "1985-03-14")
    assert "1985-03-14" in cli.ok("show", "sam").stdout


def test_vcard_bday_comes_in_and_goes_out(cli, tmp_path):
    cards = tmp_path / "cards.vcf"
    cards.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sam Lee\r\nBDAY:1985-03-14\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ana Ruiz\r\nBDAY:--0229\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bo Chen\r\nBDAY;VALUE=text:circa 1800\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    cli.ok("import", str(cards))
    birthdays = {row["name"]: row["birthday"] for row in cli.json("list")}
    assert birthdays == {"Sam Lee": "1985-03-14", "Ana Ruiz": "02-29", "Bo Chen": None}
    exported = cli.ok("export", "--format", "vcf").stdout
    assert "BDAY:19850314" in exported
    assert "BDAY:--0229" in exported
    assert exported.count("BDAY") == 2


def test_a_vcard_export_imported_elsewhere_keeps_birthdays(cli, tmp_path, database):
    cli.ok("add", "Sam Lee", "--birthday", "1985-03-14")
    cli.ok("add", "Ana Ruiz", "--birthday", "12-25")
    out = tmp_path / "out.vcf"
    cli.ok("export", "--format", "vcf", "--output", str(out))
    database.reset()
    cli.ok("import", str(out))
    birthdays = {row["name"]: row["birthday"] for row in cli.json("list")}
    assert birthdays == {"Sam Lee": "1985-03-14", "Ana Ruiz": "12-25"}


def test_json_export_keeps_birthdays_through_an_import(cli, tmp_path, database):
    cli.ok("add", "Sam Lee", "--birthday", "1985-03-14")
    cli.ok("add", "Ana Ruiz")
    first = cli.ok("export").stdout
    assert json.loads(first)["contacts"][0]["birthday"] == "1985-03-14"
    path = tmp_path / "export.json"
    path.write_text(first, encoding="utf-8")
    database.reset()
    cli.ok("import", str(path))
    assert cli.ok("export").stdout == first


def test_an_older_export_without_birthdays_still_imports(cli, tmp_path):
    path = tmp_path / "old.json"
    old = {
        "format": "netkeep",
        "version": 4,
        "contacts": [
            {
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
                "created_at": "2026-01-01T00:00:00+00:00",
                "archived": False,
            }
        ],
        "touchpoints": [],
        "asks": [],
        "gives": [],
    }
    path.write_text(json.dumps(old), encoding="utf-8")
    cli.ok("import", str(path))
    assert contact(cli, "sam")["birthday"] is None


def test_a_json_birthday_that_is_not_a_day_is_refused(cli, tmp_path, database):
    cli.ok("add", "Sam Lee", "--birthday", "01-02")
    data = json.loads(cli.ok("export").stdout)
    data["contacts"][0]["birthday"] = "02-30"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = database.snapshot()
    result = cli("import", str(path))
    assert result.exit_code == 2
    assert "'birthday' must be MM-DD or YYYY-MM-DD" in result.stderr
    assert database.snapshot() == before


def test_csv_carries_a_birthday_column_both_ways(cli, tmp_path, database):
    cli.ok("add", "Sam Lee", "--birthday", "1985-03-14")
    exported = cli.ok("export", "--format", "csv").stdout
    assert exported.splitlines()[0].endswith(",birthday")
    path = tmp_path / "people.csv"
    path.write_text("Name,Birthday\nAna Ruiz,12-25\n", encoding="utf-8")
    cli.ok("import", str(path))
    assert contact(cli, "ana")["birthday"] == "12-25"


def test_a_newer_import_fills_a_birthday_but_an_empty_one_keeps_it(cli, tmp_path):
    cli.ok("add", "Sam Lee", "--email", "sam@example.com", "--birthday", "03-14")
    path = tmp_path / "cards.vcf"
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sam Lee\r\nEMAIL:sam@example.com\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    cli.ok("import", str(path))
    assert contact(cli, "sam")["birthday"] == "03-14"
    path.write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Sam Lee\r\nEMAIL:sam@example.com\r\n"
        "BDAY:1985-03-14\r\nEND:VCARD\r\n",
        encoding="utf-8",
    )
    cli.ok("import", str(path))
    assert contact(cli, "sam")["birthday"] == "1985-03-14"

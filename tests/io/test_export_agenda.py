"""The JSON export keeps what is due with each contact (an open follow-up, a snooze), and an import
brings it back: a restore from an export loses nothing you planned.

The suite's clock is frozen at 2026-06-15 12:00 UTC (a Monday) with TZ=UTC.
"""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def planned(cli):
    """Sam: a follow-up on Friday with a note, logged before it; Ana: snoozed until the 29th;
    Bo: a follow-up that a later touchpoint closed."""
    cli.ok("add", "Sam Lee", "--email", "sam@example.com")
    cli.ok("log", "sam", "--when", "2026-06-01")
    cli.ok("follow-up", "sam", "friday", "--note", "send the deck")
    cli.ok("add", "Ana Ruiz")
    cli.ok("snooze", "ana", "2026-06-29")
    cli.ok("add", "Bo Chen")
    cli.ok("follow-up", "bo", "tomorrow")
    cli.ok("log", "bo")


def exported(cli, *db: str) -> dict:
    return json.loads(cli.ok(*db, "export").stdout)


def test_the_export_carries_open_follow_ups_and_snoozes(cli, planned):
    contacts = {c["name"]: c for c in exported(cli)["contacts"]}
    assert contacts["Sam Lee"]["follow_up"] == {"date": "2026-06-19", "note": "send the deck"}
    assert contacts["Sam Lee"]["snoozed_until"] is None
    assert contacts["Ana Ruiz"]["follow_up"] is None
    assert contacts["Ana Ruiz"]["snoozed_until"] == "2026-06-29"
    assert contacts["Bo Chen"]["follow_up"] is None  # closed by the touchpoint after it


def test_a_restore_has_the_same_due_list_and_export(cli, planned, tmp_path):
    path = tmp_path / "network.json"
    cli.ok("export", "--output", str(path))
    restored = ("--db", str(tmp_path / "restored.db"))
    cli.ok(*restored, "import", str(path))
    assert exported(cli, *restored) == exported(cli)
    due = ["due", "--days", "30"]
    assert cli.json(*restored, *due) == cli.json(*due)
    stale = [row["name"] for row in cli.json(*restored, "stale")]
    assert stale == [row["name"] for row in cli.json("stale")] and "Ana Ruiz" not in stale
    later = {"NETKEEP_NOW": "2027-06-30T12:00:00+00:00"}  # her snooze is long over
    assert "Ana Ruiz" in [row["name"] for row in cli.json(*restored, "stale", env=later)]
    # The follow-up stays open after the import, and the next touchpoint closes it as before.
    cli.ok(*restored, "log", "sam")
    assert [row["kind"] for row in cli.json(*restored, *due)] == ["snooze-ends"]


def test_an_import_beside_other_history_keeps_the_follow_up_open(cli, planned, tmp_path):
    path = tmp_path / "network.json"
    cli.ok("export", "--output", str(path))
    other = ("--db", str(tmp_path / "other.db"))
    cli.ok(*other, "add", "Di Moss")
    for _ in range(3):  # touchpoint ids above the file's
        cli.ok(*other, "log", "di")
    cli.ok(*other, "import", str(path))
    due = cli.json(*other, "due", "--days", "30")
    assert [(row["kind"], row["name"], row["note"]) for row in due] == [
        ("follow-up", "Sam Lee", "send the deck"),
        ("snooze-ends", "Ana Ruiz", None),
    ]


def test_a_contact_merged_by_the_import_keeps_its_own_plans(cli, planned, tmp_path):
    path = tmp_path / "network.json"
    cli.ok("export", "--output", str(path))
    cli.ok("follow-up", "sam", "2026-07-01", "--note", "mine")
    cli.ok("import", str(path))  # into the same database: every contact merges
    sam = next(c for c in exported(cli)["contacts"] if c["name"] == "Sam Lee")
    assert sam["follow_up"] == {"date": "2026-07-01", "note": "mine"}


def test_a_version_5_file_imports_without_them(cli, planned, tmp_path):
    document = exported(cli)
    document["version"] = 5
    for contact in document["contacts"]:
        del contact["follow_up"], contact["snoozed_until"]
    path = tmp_path / "v5.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    restored = ("--db", str(tmp_path / "restored.db"))
    cli.ok(*restored, "import", str(path))
    contacts = exported(cli, *restored)["contacts"]
    assert all(c["follow_up"] is None and c["snoozed_until"] is None for c in contacts)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("follow_up", {"date": "2026-02-30", "note": None}, "'follow_up' must be"),
        ("follow_up", {"date": "2026-06-19"}, "'follow_up' must be"),
        ("follow_up", "2026-06-19", "'follow_up' must be"),
        ("snoozed_until", "next week", "'snoozed_until' must be a YYYY-MM-DD date"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_contact(cli, planned, tmp_path, key, value, message):
    document = exported(cli)
    document["contacts"][0][key] = value
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    restored = tmp_path / "restored.db"
    result = cli("--db", str(restored), "import", str(path))
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and "contact 1" in result.stderr
    assert not restored.exists() or cli.json("--db", str(restored), "list") == []

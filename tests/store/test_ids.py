"""Ids are never given twice: a script that remembers #46 never reaches a different record."""

from __future__ import annotations

import json


def test_a_removed_contacts_id_is_not_given_again(cli):
    cli.ok("add", "Ana Ruiz")
    cli.ok("add", "Bo Chen")
    cli.ok("rm", "#2", "--yes")
    assert cli.json("add", "Cy Dee")["id"] == 3


def test_an_undone_touchpoints_id_is_not_given_again(cli):
    cli.ok("add", "Ana Ruiz")
    assert cli.json("log", "ana", "--ask", "an intro")["id"] == 1
    cli.ok("undo")
    logged = cli.json("log", "ana", "--ask", "a reference")
    assert logged["id"] == 2
    [ask] = cli.json("asks")
    assert ask["id"] == 2
    assert ask["what"] == "a reference"


def test_ids_of_a_removed_contacts_history_are_not_given_again(cli):
    cli.ok("add", "Ana Ruiz")
    cli.ok("add", "Bo Chen")
    cli.ok("log", "ana")
    cli.ok("log", "bo", "--ask", "an intro")
    cli.ok("rm", "bo", "--yes")
    assert cli.json("log", "ana", "--ask", "a job lead")["id"] == 3
    assert [ask["id"] for ask in cli.json("asks")] == [2]


def test_an_import_does_not_reuse_ids(cli, tmp_path):
    cli.ok("add", "Ana Ruiz")
    cli.ok("add", "Bo Chen")
    cli.ok("rm", "bo", "--yes")
    people = tmp_path / "people.csv"
    people.write_text("name,email\nCy Dee,cy@example.com\n", encoding="utf-8")
    cli.ok("import", str(people))
    assert [(c["id"], c["name"]) for c in cli.json("list")] == [(1, "Ana Ruiz"), (3, "Cy Dee")]


def test_an_export_keeps_its_ids_only_where_no_id_was_ever_given(cli, tmp_path):
    cli.ok("add", "Ana Ruiz")
    cli.ok("log", "ana")
    export = tmp_path / "export.json"
    cli.ok("export", "--output", str(export))
    cli.ok("rm", "ana", "--yes")
    cli.ok("import", str(export))
    contacts = json.loads(cli.ok("export").stdout)["contacts"]
    assert [(c["id"], c["name"]) for c in contacts] == [(2, "Ana Ruiz")]

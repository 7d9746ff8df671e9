"""One true history: a realistic month typed by hand and then captured from the exports reads
exactly like the captured history alone (tests/fixtures/month, written by its build.py)."""

from __future__ import annotations

import json
from pathlib import Path

MONTH = Path(__file__).parents[1] / "fixtures" / "month"
EXPORTS = [
    str(MONTH / name) for name in ("month.mbox", "month.ics", "calls-month.xml", "sms-month.xml")
]


def configure(config_file) -> None:
    config_file.write_text(
        '[me]\nemails = ["alex@me.example"]\nphones = ["+15550109999"]\nregion = "US"\n'
    )


def add_people(cli) -> None:
    for person in json.loads((MONTH / "people.json").read_text()):
        cli.ok("add", person["name"], "--email", person["email"], "--phone", person["phone"])


def readings(cli) -> tuple[dict, list, int]:
    scores = {row["name"]: row for row in cli.json("score")}
    owe = sorted((row["name"], row["channel"], row["occurred_at"][:10]) for row in cli.json("owe"))
    touchpoints = sum(len(cli.json("show", name)["touchpoints"]) for name in scores)
    return scores, owe, touchpoints


def test_typed_then_captured_reads_like_captured_alone(cli, config_file, database):
    configure(config_file)
    add_people(cli)
    cli.ok("import", *EXPORTS)
    captured, captured_owe, captured_count = readings(cli)
    assert len(captured) >= 10

    database.reset()
    add_people(cli)
    typed = json.loads((MONTH / "typed.json").read_text())
    for command in typed:
        cli.ok(*command)
    result = cli.ok("import", *EXPORTS)
    matched = sum(
        int(line.split(" matched touchpoints you typed")[0].rsplit(", ", 1)[-1])
        for line in result.stderr.splitlines()
        if " matched touchpoints you typed" in line and not line.startswith("  ")
    )
    assert matched == len(typed)  # every typed touchpoint found its captured copy
    both, both_owe, both_count = readings(cli)

    assert both_count == captured_count == len(typed)
    assert both_owe == captured_owe
    assert set(both) == set(captured)
    for name, row in captured.items():
        assert both[name]["band"] == row["band"], name
        if row["score"] is None:
            assert both[name]["score"] is None, name
        else:
            assert abs(both[name]["score"] - row["score"]) <= 1, name
    # A re-import adds nothing and matches nothing more.
    again = cli.ok("import", *EXPORTS)
    assert "matched" not in again.stderr
    assert readings(cli)[2] == captured_count


def test_the_month_reads_as_a_person_would_say(cli, config_file):
    configure(config_file)
    add_people(cli)
    cli.ok("import", *EXPORTS)
    scores = {row["name"]: row for row in cli.json("score")}
    # Her weekly sync is one tie she set up, not weekly initiative.
    assert scores["Nia Patel"]["band"] != "they-carry"
    owed = {row["name"] for row in cli.json("owe")}
    # His missed call, a question by mail or text: owed. Her question before your next weekly
    # sync was answered there; answered mail and calls owe nothing.
    assert {"Omar Haddad", "Diego Santos", "Priya Raman"} <= owed
    assert not {"Nia Patel", "Sam Lee", "Robin Hart", "Ana Ruiz"} & owed

"""Configuration: defaults, overrides that change behaviour, errors that name the key, `netkeep config`."""

from __future__ import annotations

import json

import pytest

from netkeep.config import load_settings
from netkeep.dates import Duration


def test_missing_file_means_defaults(config_file):
    settings = load_settings(config_file)
    assert {tier: str(d) for tier, d in settings.cadence.items()} == {
        "inner": "2w",
        "close": "1m",
        "network": "3m",
        "acquaintance": "6m",
    }
    assert settings.default_tier == "network"
    assert settings.half_life == Duration(180, "days")
    assert settings.response_window == Duration(14, "days")
    assert settings.source is None


def test_every_key_is_read(config_file):
    config_file.write_text(
        '[cadence]\ninner = "10 days"\nMentors = "6w"\n'
        '[defaults]\ntier = "mentors"\ndate_order = "mdy"\n'
        '[scoring]\nhalf_life = "1y"\nresponse_window = "1w"\n'
    )
    settings = load_settings(config_file)
    assert settings.cadence["inner"] == Duration(10, "days")
    assert settings.cadence["close"] == Duration(1, "months")  # untouched tiers keep defaults
    assert settings.cadence["mentors"] == Duration(6, "weeks")
    assert settings.default_tier == "mentors"
    assert settings.date_order == "mdy"
    assert settings.half_life == Duration(1, "years")
    assert settings.response_window == Duration(1, "weeks")
    assert settings.source == config_file


@pytest.mark.sqlite_only
def test_config_command_json(run, config_file, db_path):
    config_file.write_text('[cadence]\nnetwork = "2m"\n')
    result = run("config", "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert list(data) == [
        "version",
        "store",
        "database",
        "database_exists",
        "config",
        "config_exists",
        "cadence",
        "default_tier",
        "date_order",
        "half_life",
        "response_window",
        "me",
    ]
    assert data["me"] == {
        "emails": [],
        "phones": [],
        "linkedin": None,
        "names": [],
        "region": None,
    }
    assert data["store"] == "sqlite"
    assert data["database"] == str(db_path) and data["database_exists"] is False
    assert data["config"] == str(config_file) and data["config_exists"] is True
    assert data["cadence"] == {"inner": "2w", "close": "1m", "network": "2m", "acquaintance": "6m"}
    assert (data["default_tier"], data["half_life"], data["response_window"]) == (
        "network",
        "180d",
        "14d",
    )
    assert not db_path.exists()  # looking creates nothing


@pytest.mark.sqlite_only
def test_config_command_text_and_single_values(cli, config_file, db_path, tmp_path):
    text = cli.ok("config").stdout
    assert f"database         {db_path}  (not created yet)" in text
    assert f"config           {config_file}  (no file: defaults)" in text
    assert "cadence          inner 2w, close 1m, network 3m, acquaintance 6m" in text
    assert cli.ok("config", "database").stdout == f"{db_path}\n"
    assert cli.ok("config", "cadence.close").stdout == "1m\n"
    assert cli.ok("config", "config_exists").stdout == "false\n"
    assert cli.ok("config", "cadence").stdout.splitlines()[0] == "inner 2w"
    other = tmp_path / "other.db"
    assert cli.ok("--db", str(other), "config", "database").stdout == f"{other}\n"
    result = cli("config", "colour")
    assert result.exit_code == 2 and "unknown key 'colour'" in result.stderr


def test_config_shows_who_you_are(cli, config_file):
    assert "me               unset" in cli.ok("config").stdout
    config_file.write_text(
        '[me]\nemails = ["sam@example.com", "sam@work.example"]\nnames = ["Sam"]\nregion = "US"\n'
    )
    text = cli.ok("config").stdout
    assert "me               emails sam@example.com, sam@work.example; names Sam; region US" in text
    assert cli.json("config")["me"]["emails"] == ["sam@example.com", "sam@work.example"]
    assert cli.ok("config", "me.emails").stdout == "sam@example.com\nsam@work.example\n"
    assert cli.ok("config", "me.region").stdout == "US\n"
    assert cli.ok("config", "me.linkedin").stdout == "\n"
    assert cli.ok("config", "me").stdout.splitlines()[:2] == [
        "emails sam@example.com, sam@work.example",
        "phones",
    ]
    result = cli("config", "me.phone")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: unknown me key 'phone' (choose from: emails, phones, linkedin, names, region)\n"
    )


def test_cadence_override_changes_stale(run, cli, config_file):
    cli.ok("add", "Sam Lee")  # network tier: 3m by default
    cli.ok("log", "sam", "--when", "40 days ago")
    assert json.loads(run("stale", "--format", "json").stdout) == []
    config_file.write_text('[cadence]\nnetwork = "1m"\n')
    result = run("stale", "--format", "json")
    assert result.returncode == 0 and result.stderr == ""
    rows = json.loads(result.stdout)
    assert [(row["name"], row["cadence"], row["days_overdue"]) for row in rows] == [
        ("Sam Lee", "1m", 9)
    ]


def test_default_tier_applies_to_new_contacts(cli, config_file):
    config_file.write_text('[cadence]\nmentors = "6w"\n[defaults]\ntier = "Mentors"\n')
    assert cli.json("add", "Ana Ruiz")["tier"] == "mentors"
    assert cli.json("add", "Bo Chen", "--tier", "inner")["tier"] == "inner"


def test_response_window_changes_what_counts_as_answered(cli, config_file):
    cli.ok("add", "Kim Park")
    cli.ok("log", "kim", "--via", "email", "--when", "2026-05-01")
    cli.ok("log", "kim", "--via", "email", "--in", "--when", "2026-05-11")  # 10 days later
    cli.ok("log", "kim", "--via", "email", "--when", "2026-06-01")
    answered = cli.json("score", "kim")[0]["their_response_rate"]
    config_file.write_text('[scoring]\nresponse_window = "1w"\n')
    assert cli.json("score", "kim")[0]["their_response_rate"] < answered


BAD = [
    ('[cadence]\ninner = "fortnightly"\n', "cadence.inner"),
    ("[cadence]\nclose = 30\n", "cadence.close"),
    ('[cadence]\nnetwork = "0d"\n', "cadence.network"),
    ('[cadence]\n"two words" = "1m"\n', "cadence.two words"),
    ('[defaults]\ntier = "vip"\n', "defaults.tier"),
    ('[defaults]\ncolour = "red"\n', "defaults.colour"),
    ('[defaults]\ndate_order = "ymd"\n', "defaults.date_order"),
    ("[defaults]\ndate_order = 1\n", "defaults.date_order"),
    ('[scoring]\nhalf_life = "soon"\n', "scoring.half_life"),
    ('[scoring]\nresponse_window = ""\n', "scoring.response_window"),
    ('[scoring]\nhalflife = "90d"\n', "scoring.halflife"),
    ("[display]\ncolor = true\n", "[display]"),
    ('cadence = "3m"\n', "cadence"),
    ("[cadence\n", "invalid TOML"),
]


@pytest.mark.parametrize(("content", "key"), BAD, ids=[key for _, key in BAD])
def test_bad_config_fails_naming_the_key(cli, config_file, database, content, key):
    config_file.write_text(content)
    for args in (("config",), ("stale",), ("add", "Sam Lee")):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert result.stderr.startswith("Error: config ") and key in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert result.stdout == ""
    assert not database.exists()  # nothing changed


def test_bad_config_as_a_real_process(run, config_file):
    config_file.write_text('[cadence]\nclose = "monthly"\n')
    result = run("stale")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        f"Error: config {config_file}: cadence.close: invalid duration 'monthly' "
        "(use e.g. 14d, 2w, 3m, 1y, '10 days')\n"
    )


def test_unreadable_config_is_bad_input(cli, config_file):
    config_file.mkdir()
    result = cli("stale")
    assert result.exit_code == 2 and result.stderr.startswith("Error: cannot read config file")

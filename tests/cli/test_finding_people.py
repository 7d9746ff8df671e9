"""Finding people: CONTACT references by words and word prefixes, typo suggestions, `log --create`
next to a close name, likely duplicates on add and import, and one touchpoint for several people."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netkeep import names


@pytest.fixture
def people(cli):
    for name in ("José Álvarez", "Ana Ruiz", "Dana Scully", "Ken Tanaka", "Sam Lee"):
        cli.ok("add", name)


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("jose", "José Álvarez"),
        ("JOSÉ", "José Álvarez"),
        ("alvarez", "José Álvarez"),
        ("jose alv", "José Álvarez"),
        ("alv jo", "José Álvarez"),
        ("jose alvarez", "José Álvarez"),
        ("ana", "Ana Ruiz"),
        ("ANA R", "Ana Ruiz"),
        ("tan", "Ken Tanaka"),
        ("sam lee", "Sam Lee"),
        ("4", "Ken Tanaka"),
        ("#5", "Sam Lee"),
    ],
)
def test_words_and_word_prefixes_find_a_person(cli, people, ref, name):
    assert cli.json("show", ref)["name"] == name


def test_ana_is_not_part_of_dana_or_tanaka(cli, people):
    # The README's own example: `ana` is Ana Ruiz, not every name with "ana" inside.
    assert cli.json("log", "ana")["contact_id"] == 2
    result = cli("show", "ruz")
    assert result.exit_code == 2
    assert cli("show", "ez").exit_code == 2  # inside a word is not a match


def test_ambiguous_words_list_the_candidates_with_ids(cli, people):
    cli.ok("add", "Anabel Ortiz")
    result = cli("show", "an")
    assert result.exit_code == 2
    assert "#2 Ana Ruiz" in result.stderr and "#6 Anabel Ortiz" in result.stderr
    assert "Dana" not in result.stderr
    # The whole word still wins over a longer one it starts.
    assert cli.json("show", "ana ruiz")["id"] == 2


def test_same_name_without_accents_is_one_person(cli):
    cli.ok("add", "Zoë Müller")
    assert cli.json("show", "zoe muller")["name"] == "Zoë Müller"
    assert cli.json("show", "ZOE")["name"] == "Zoë Müller"


@pytest.mark.parametrize(("typo", "meant"), [("samm", "#5 Sam Lee"), ("rutz", "#2 Ana Ruiz")])
def test_a_single_word_typo_gets_a_suggestion(cli, people, typo, meant):
    result = cli("show", typo)
    assert result.exit_code == 2
    assert result.stderr == f"Error: no contact matches {typo!r}; did you mean {meant}?\n"


def test_an_unknown_name_gets_no_wild_suggestion(cli, people):
    result = cli("show", "Xavier")
    assert result.stderr == "Error: no contact matches 'Xavier'\n"


def test_completion_offers_what_the_reference_finds(people):
    from netkeep.completion import contact_completions

    assert contact_completions(None, "jose") == ["jose Álvarez"]
    assert contact_completions(None, "an") == ["an" + "a Ruiz"]


# --- log --create next to a close name ------------------------------------------------------


def test_create_refuses_a_name_close_to_one_there_off_a_terminal(cli, people, database):
    before = database.snapshot()
    result = cli("log", "Sam Leigh", "--create")
    assert result.exit_code == 2
    assert "#5 Sam Lee" in result.stderr and "--force" in result.stderr
    assert database.snapshot() == before
    data = cli.json("log", "Sam Leigh", "--create", "--force")
    assert data["contact_id"] == 6
    assert cli.json("show", "6")["name"] == "Sam Leigh"


def test_create_asks_on_a_terminal(cli, people, monkeypatch):
    import netkeep.cli.common

    monkeypatch.setattr(netkeep.cli.common, "interactive", lambda: True)
    declined = cli("log", "Sam Leigh", "--create", input="n\n")
    assert declined.exit_code == 0
    assert "Nothing logged" in declined.stderr and "Error" not in declined.stderr
    assert len(cli.json("list")) == 5
    accepted = cli("log", "Sam Leigh", "--create", input="y\n")
    assert accepted.exit_code == 0, accepted.stderr
    assert "Added #6 Sam Leigh" in accepted.stderr


def test_create_without_a_close_name_just_adds(cli, people):
    assert cli.json("log", "Priya Natarajan", "--create")["contact_id"] == 6


# --- likely duplicates ----------------------------------------------------------------------


def test_add_warns_about_the_same_email_or_the_same_name_without_accents(cli):
    cli.ok("add", "José Álvarez", "--email", "jose@example.com")
    same_name = cli("add", "Jose Alvarez")
    assert same_name.exit_code == 0
    assert "Warning: #1 José Álvarez may be the same person" in same_name.stderr
    same_email = cli("add", "Pepe", "--email", "JOSE@example.com")
    assert same_email.exit_code == 0
    assert "Warning: #1 José Álvarez may be the same person (same email" in same_email.stderr
    assert "Warning" not in cli("add", "Somebody Else").stderr
    assert len(cli.json("list")) == 4


def test_import_warns_about_names_like_ones_already_there(cli, tmp_path):
    cli.ok("add", "José Álvarez")
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("name,email\nJose Alvarez,j@example.com\nNew Person,n@example.com\n")
    result = cli("import", str(csv_file))
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning")]
    assert len(warnings) == 1
    assert "'Jose Alvarez' may be #1 José Álvarez" in warnings[0]
    assert "line 2" in warnings[0]


# --- one touchpoint, several people -----------------------------------------------------------


def test_log_several_contacts_at_once(cli, people):
    result = cli("log", "ana", "sam", "jose", "--via", "email", "--give", "the Acme role")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("Logged #") == 3
    data = cli.json("log", "ana", "sam", "--via", "email", "--ask", "a reference")
    assert isinstance(data, list) and [row["contact_id"] for row in data] == [2, 5]
    assert len({row["id"] for row in data}) == 2
    assert all(row["ask"] == "a reference" for row in data)
    assert len(cli.json("asks")) == 2
    # One contact: one object, as before.
    assert isinstance(cli.json("log", "ana"), dict)


def test_log_several_is_all_or_nothing(cli, people, database):
    before = database.snapshot()
    result = cli("log", "ana", "sam", "nobody-at-all")
    assert result.exit_code == 2
    assert database.snapshot() == before
    twice = cli("log", "ana", "2")
    assert twice.exit_code == 2 and "#2 Ana Ruiz" in twice.stderr
    assert database.snapshot() == before


def test_log_several_with_create(cli, people):
    data = cli.json("log", "ana", "Priya Natarajan", "--create")
    assert [row["contact_id"] for row in data] == [2, 6]


# --- the matching rule itself -------------------------------------------------------------------

WORD = st.text(st.characters(categories=["Lu", "Ll"]), min_size=1, max_size=8)


@given(st.lists(WORD, min_size=1, max_size=4), st.data())
def test_any_word_prefixes_of_a_name_match_it(name_words, data):
    name = " ".join(name_words)
    chosen = data.draw(st.sets(st.sampled_from(range(len(name_words))), min_size=1))
    typed = []
    for index in sorted(chosen):
        folded = names.words(name_words[index])
        if not folded:
            return
        typed.append(folded[0][: data.draw(st.integers(1, len(folded[0])))])
    assert names.name_matches(" ".join(typed), name)
    shouted = " ".join(typed).upper()
    if names.fold(shouted) == " ".join(typed):  # not for 'ı', whose capital is 'I'
        assert names.name_matches(shouted, name)


@given(WORD)
def test_a_word_never_matches_from_the_middle(word):
    folded = names.fold(word)
    if len(folded) < 2 or names.words(folded[1:]) != [folded[1:]]:
        return
    tail = folded[1:]
    if folded.startswith(tail):
        return
    assert not names.name_matches(tail, word)


def test_json_is_an_array_only_for_several(cli, people):
    one = cli.ok("log", "sam", "--format", "json").stdout
    assert json.loads(one)["contact_id"] == 5


@given(st.text(max_size=20))
def test_folding_twice_changes_nothing(text):
    assert names.fold(names.fold(text)) == names.fold(text)

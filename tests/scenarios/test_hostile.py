"""Hostile input: arbitrary text in every argument, option and file never crashes netkeep.

Every run exits 0, 1 or 2 with no traceback, and a run that fails leaves the database as it was.
Names built to trip up SQL, Rich markup, bidirectional text and Unicode normalisation come back
exactly as typed through every output form.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import typer.main
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import netkeep.render
from netkeep.cli import app

COMMANDS = set(typer.main.get_command(app).commands)

HOSTILE_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that reach deep code paths, mixed with arbitrary text.
INTERESTING = [
    "",
    " ",
    "-",
    "--",
    "#",
    "#0",
    "#1",
    "#2",
    "1",
    "2",
    "0",
    "-1",
    "99999999999999999999",
    "sam",
    "Sam Lee",
    "SAM LEE",
    "ana",
    "sam@example.com",
    "@",
    "a@b",
    "now",
    "today",
    "yesterday",
    "3d ago",
    "2 weeks ago",
    "0 days ago",
    "999999 years ago",
    "2026-02-30",
    "2026-06-15",
    "2026-06-15 12:00:01",
    "9999-12-31",
    "0001-01-01",
    "March 4",
    "1e308",
    "nan",
    "inf",
    "14d",
    "0d",
    "2w",
    "3m",
    "1y",
    "100y",
    "101y",
    "3 months",
    "10 days",
    "none",
    "json",
    "csv",
    "table",
    "text",
    "markdown",
    "vcf",
    "linkedin",
    "auto",
    "me",
    "them",
    "inner",
    "close",
    "network",
    "acquaintance",
    "call",
    "email",
    "meeting",
    "mutual",
    "fair-weather",
    "'; DROP TABLE contact;--",
    "Robert'); DELETE FROM touchpoint;--",
    "[bold]x[/bold]",
    "[/]",
    "[link=file:///etc/passwd]x[/link]",
    "\u202egnp.exe",
    "\u200f",
    "😀",
    "e\u0301",
    "%s%n",
    "{0}",
    "\\",
    "\n",
    "a\nb",
    "\t",
    "\x1b[31mred",
    "=cmd|' /C calc'!A0",
    "+1",
    "cadence.inner",
    "scoring.half_life",
]

TEXT = st.one_of(
    st.sampled_from(INTERESTING),
    # Real argv cannot hold NUL; lone surrogates cannot come from a terminal either.
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=40),
)


# How each argument is drawn: mostly plausible values (so runs get past parsing into the
# database code), always mixed with arbitrary text.
def mostly(*values: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(values), st.sampled_from(values), TEXT)


FLAG = None
FORMATS = mostly("json", "csv", "table")
CONTACT = mostly("sam@example.com", "ana", "Ana Ruiz", "#1", "#2", "3", "sam", "SAM LEE")
WHEN = mostly(
    "now",
    "yesterday",
    "3d ago",
    "2026-01-01",
    "2026-06-15 11:59",
    "March 4",
    "1y ago",
    "yesterday 9am",
    "30m ago",
    "3/11/2026",
    "last friday",
    "2026",
)
DUR = mostly("14d", "2w", "3m", "1y", "10 days", "none")
TIER = mostly("inner", "close", "network", "acquaintance")
COUNT = st.one_of(st.integers(-5, 10**6).map(str), TEXT)

CONTACT_OPTS = {
    "--email": mostly("x@example.com", "sam@example.com"),
    "--phone": TEXT,
    "--company": TEXT,
    "--title": TEXT,
    "--tag": mostly("recruiter", "friend"),
    "--tier": TIER,
    "--every": DUR,
    "--note": TEXT,
    "--force": FLAG,
    "--format": FORMATS,
}
SHAPES: dict[str, tuple[list, dict]] = {
    "add": ([TEXT], CONTACT_OPTS),
    "edit": ([CONTACT], {**CONTACT_OPTS, "--name": TEXT}),
    "list": ([], {"--tag": TEXT, "--tier": TIER, "--archived": FLAG, "--format": FORMATS}),
    "show": ([CONTACT], {"--format": FORMATS}),
    "log": (
        [CONTACT],
        {
            "--via": mostly("call", "email", "text", "meeting", "social", "letter", "other"),
            "--in": FLAG,
            "--out": FLAG,
            "--two-way": FLAG,
            "--no-answer": FLAG,
            "--ask": TEXT,
            "--give": TEXT,
            "--when": WHEN,
            "--note": TEXT,
            "--create": FLAG,
            "--format": FORMATS,
        },
    ),
    "undo": ([], {}),
    "touchpoint": (
        [mostly("edit", "rm"), mostly("1", "#2", "3", "#4")],
        {
            "--via": mostly("call", "email", "meeting"),
            "--in": FLAG,
            "--out": FLAG,
            "--two-way": FLAG,
            "--no-answer": FLAG,
            "--when": WHEN,
            "--note": TEXT,
            "--give": TEXT,
            "--contact": CONTACT,
            "--yes": FLAG,
            "--format": FORMATS,
        },
    ),
    "merge": ([CONTACT, CONTACT], {"--format": FORMATS}),
    "stale": (
        [],
        {
            "--days": COUNT,
            "--tag": TEXT,
            "--tier": TIER,
            "--limit": COUNT,
            "--exit-code": FLAG,
            "--format": FORMATS,
        },
    ),
    "score": (
        [st.none() | CONTACT],
        {
            "--explain": FLAG,
            "--band": mostly("new", "mutual", "you-carry", "fair-weather"),
            "--format": FORMATS,
        },
    ),
    "owe": ([], {"--format": FORMATS}),
    "asks": (
        [st.none() | CONTACT],
        {"--all": FLAG, "--by": mostly("me", "them"), "--format": FORMATS},
    ),
    "resolve": (
        [mostly("1", "2", "#1", "3")],
        {"--declined": FLAG, "--when": WHEN, "--format": FORMATS},
    ),
    "digest": ([], {"--limit": COUNT, "--format": mostly("text", "markdown", "json")}),
    "config": (
        [st.none() | mostly("cadence.inner", "scoring.half_life", "db")],
        {"--format": FORMATS},
    ),
    "archive": ([CONTACT], {}),
    "unarchive": ([CONTACT], {}),
    "rm": ([CONTACT], {"--yes": FLAG}),
    "import": (
        ["file"],
        {"--format": mostly("auto", "json", "csv", "vcf", "linkedin"), "--dry-run": FLAG},
    ),
    "export": ([], {"--format": mostly("json", "csv", "vcf"), "--output": "path"}),
    "backup": (["path"], {}),
}


@pytest.fixture
def fast(monkeypatch, tmp_path, built_runner):
    """netkeep in-process on a command built once (as a real process does), in a scratch folder."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)

    def invoke(*args: str, **kwargs):
        return built_runner.invoke(list(args), **kwargs)

    return invoke


def seed(fast) -> None:
    for args in (
        ["add", "Sam Lee", "--email", "sam@example.com", "--tag", "recruiter", "--tier", "close"],
        ["add", "Ana Ruiz", "--email", "ana@example.com", "--every", "6w"],
        ["add", "Sam Lee", "--force"],
        ["log", "sam@example.com", "--no-answer", "--when", "2026-01-05", "--ask", "a reference"],
        ["log", "ana", "--in", "--via", "email", "--ask", "an intro", "--when", "3 weeks ago"],
        ["log", "ana", "--via", "meeting", "--give", "intro to Bo", "--when", "2 weeks ago"],
    ):
        result = fast(*args)
        assert result.exit_code == 0, (args, result.stderr)


def assert_well_behaved(result, argv: list[str], before: dict, database) -> None:
    output = result.stdout + result.stderr
    context = (argv, result.exit_code, result.stdout[-500:], result.stderr[-500:])
    assert result.exit_code in (0, 1, 2), context
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        context,
        repr(result.exception),
    )
    assert "Traceback" not in output, context
    assert "unexpected failure" not in result.stderr, context
    if result.exit_code == 2:
        assert result.stderr.startswith("Error: "), context
    if result.exit_code != 0:
        assert database.dump() == before, context
    formats = [a for b, a in zip(argv, argv[1:], strict=False) if b in ("--format", "-f")]
    wants_json = bool(formats) and formats[-1] == "json"  # the last one given wins
    if result.exit_code == 0 and wants_json and "--help" not in argv and result.stdout.strip():
        json.loads(result.stdout)


@st.composite
def command_lines(draw, file_dir: Path) -> list[str]:
    available = sorted(name for name in SHAPES if name in COMMANDS)
    name = draw(st.sampled_from(available))
    positionals, options = SHAPES[name]
    argv = [name]
    for positional in positionals:
        if positional == "file":
            argv.append(str(draw_file(draw, file_dir)))
        elif positional == "path":
            argv.append(draw(DESTINATIONS))
        else:
            value = draw(positional)
            if value is not None:
                argv.append(value)
    chosen = draw(st.lists(st.sampled_from(sorted(options)), max_size=4)) if options else []
    for option in chosen:
        kind = options[option]
        if kind is FLAG:
            argv.append(option)
        elif kind == "path":
            # Never let arbitrary text pick where a file is written.
            argv += [option, draw(DESTINATIONS)]
        else:
            argv += [option, draw(kind)]
    return argv


# Where files may be written: never a path from arbitrary text, only places in the scratch folder.
DESTINATIONS = st.sampled_from(["out.json", "missing/dir/out.json", ".", "copy.db", ""])


def draw_file(draw, file_dir: Path) -> Path:
    kind = draw(st.sampled_from(["text", "bytes", "json", "missing", "folder"]))
    path = file_dir / f"input-{draw(st.integers(0, 3))}"
    if kind == "missing":
        return file_dir / "does-not-exist.json"
    if kind == "folder":
        return file_dir
    path.unlink(missing_ok=True)
    if kind == "bytes":
        path.write_bytes(draw(st.binary(max_size=300)))
    elif kind == "json":
        path.write_text(json.dumps(draw(JSONISH)), encoding="utf-8")
    else:
        path.write_text(draw(TEXT), encoding="utf-8", errors="surrogatepass")
    return path


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["format", "version", "contacts", "touchpoints", "asks", "id", "name", "contact_id"]
            )
            | TEXT,
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
).map(lambda value: {"format": "netkeep", "version": 1, "contacts": value})


def test_arbitrary_command_lines_never_crash_or_half_write(fast, database, tmp_path):
    seed(fast)
    file_dir = tmp_path / "files"
    file_dir.mkdir()

    @HOSTILE_SETTINGS
    @given(st.data())
    def run_one(data):
        argv = data.draw(command_lines(file_dir))
        before = database.dump()
        result = fast(*argv)
        event(f"{argv[0]} exit {result.exit_code}")
        assert_well_behaved(result, argv, before, database)

    run_one()


@HOSTILE_SETTINGS
@given(text=TEXT)
def test_arbitrary_config_files_fail_cleanly(fast, database, config_file, text):
    config_file.write_text(text, encoding="utf-8")
    for argv in (["stale"], ["config"], ["add", "Config Test", "--force"], ["digest"]):
        if argv[0] not in COMMANDS:
            continue
        before = database.dump()
        assert_well_behaved(fast(*argv), argv, before, database)


TOML_VALUES = st.one_of(TEXT.map(json.dumps), st.integers().map(str), st.just("[1, 2]"))


@HOSTILE_SETTINGS
@given(
    section=st.sampled_from(["cadence", "defaults", "scoring", "other"]),
    key=st.sampled_from(["inner", "close", "network", "acquaintance", "tier", "half_life", "x"]),
    value=TOML_VALUES,
)
def test_arbitrary_config_values_fail_cleanly(fast, database, config_file, section, key, value):
    config_file.write_text(f"[{section}]\n{key} = {value}\n", encoding="utf-8")
    for argv in (["stale"], ["add", "Config Test", "--force"], ["score"]):
        if argv[0] not in COMMANDS:
            continue
        before = database.dump()
        assert_well_behaved(fast(*argv), argv, before, database)


# --- names that must come back exactly --------------------------------------------------------

TRICKY_NAMES = [
    'Jo "Quotes" O\'Brien',
    "Robert'); DROP TABLE contact;--",
    "Jo [bold]x[/bold]",
    "[red]Red[/red] [/] [link=https://example.com]link[/link]",
    "\u200fסלמה אל-עלי\u200f",
    "Zoë Ünal 😀",
    "Ame\u0301lie Poulain",  # combining acute accent, not NFC-normalised
    "🧑🏽‍💻 Dev Person",
    "Z̷̢a̴l̸g̶o̵ Name",
    "李小龍",
    "%s %d {0} \\ back\\slash",
    "Ünïcödé \u202eevil",
    "a" * 200,
]


def valid_name(text: str) -> bool:
    name = " ".join(text.split())
    return (
        name == text
        and bool(name)
        and not name.startswith("#")
        and not name.isdigit()
        and name.isprintable()
    )


def through_every_view(fast, name: str, contact_id: int, monkeypatch) -> None:
    listed = json.loads(fast("list", "--format", "json").stdout)
    assert name in [row["name"] for row in listed]
    shown = json.loads(fast("show", f"#{contact_id}", "--format", "json").stdout)
    assert shown["name"] == name
    rows = list(csv.DictReader(io.StringIO(fast("list", "--format", "csv").stdout)))
    defused = "'" + name if name.startswith(("=", "+", "-", "@")) else name
    assert defused in [row["name"] for row in rows]
    assert name in fast("list").stdout  # a plain table, as piped
    assert name in fast("show", f"#{contact_id}").stdout
    # As on a terminal: Rich renders the table, and must not read the name as markup.
    monkeypatch.setattr(netkeep.render, "stdout_isatty", lambda: True)
    try:
        wide = fast("list", env={"COLUMNS": "400", "NO_COLOR": "1"})
        assert name in wide.stdout, wide.stdout
    finally:
        monkeypatch.setattr(netkeep.render, "stdout_isatty", lambda: False)


@pytest.mark.parametrize("name", TRICKY_NAMES, ids=range(len(TRICKY_NAMES)))
def test_tricky_names_round_trip_exactly(fast, monkeypatch, name):
    added = json.loads(fast("add", name, "--format", "json").stdout)
    assert added["name"] == name
    fast("log", f"#{added['id']}", "--note", name, "--ask", name)
    through_every_view(fast, name, added["id"], monkeypatch)
    shown = json.loads(fast("show", f"#{added['id']}", "--format", "json").stdout)
    assert shown["touchpoints"][0]["note"] == name
    assert shown["asks"][0]["what"] == name


NAMES = st.text(
    st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=30
).filter(valid_name)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=NAMES)
def test_any_printable_name_round_trips(fast, name):
    result = fast("add", "--force", "--format", "json", "--", name)
    assert result.exit_code == 0, result.stderr
    added = json.loads(result.stdout)
    assert added["name"] == name
    shown = json.loads(fast("show", f"#{added['id']}", "--format", "json").stdout)
    assert shown["name"] == name
    assert name in fast("show", f"#{added['id']}").stdout


def test_tricky_names_survive_export_and_import(fast, tmp_path):
    for name in TRICKY_NAMES:
        added = json.loads(fast("add", name, "--force", "--format", "json").stdout)
        fast("log", f"#{added['id']}", "--note", name, "--ask", name, "--give", name)
    first = fast("export", "--format", "json")
    assert first.exit_code == 0, first.stderr
    exported = tmp_path / "export.json"
    exported.write_text(first.stdout, encoding="utf-8")
    other = tmp_path / "other.db"
    imported = fast("--db", str(other), "import", str(exported))
    assert imported.exit_code == 0, imported.stderr
    second = fast("--db", str(other), "export", "--format", "json")
    assert json.loads(second.stdout) == json.loads(first.stdout)
    names = [row["name"] for row in json.loads(second.stdout)["contacts"]]
    assert names == [*TRICKY_NAMES]

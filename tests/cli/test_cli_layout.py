"""The command line's structure: the lazy command map, and what start-up imports."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

from netkeep.cli import COMMAND_MODULES, command_name, load_all


def test_every_command_is_in_the_lazy_map_with_its_module():
    app = load_all()
    registered = {
        (info.name or info.callback.__name__.replace("_", "-")): info.callback.__module__
        for info in app.registered_commands
    }
    for group in app.registered_groups:
        [module] = {info.callback.__module__ for info in group.typer_instance.registered_commands}
        registered[group.typer_instance.info.name] = module
    expected = {name: f"netkeep.cli.{module}" for name, module in COMMAND_MODULES.items()}
    assert registered == expected


def test_command_name_skips_global_options():
    assert command_name(["log", "sam"]) == "log"
    assert command_name(["--db", "x.db", "stale", "--days", "3"]) == "stale"
    assert command_name(["--db=x.db", "score"]) == "score"
    assert command_name(["--version"]) is None
    assert command_name([]) is None


def _after_main(report: str, *args: str, before: str = "") -> str:
    """Output of a fresh interpreter that runs `main()` on `args` (after the code `before`), then
    the code `report`."""
    code = (
        "import sys; sys.argv = ['netkeep', *sys.argv[1:]]\n"
        "from netkeep.cli import main\n"
        f"{before}"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"{report}\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return result.stdout


def _imported_modules(*args: str) -> set[str]:
    return set(_after_main("print('\\n'.join(sorted(sys.modules)))", *args).split())


def test_log_loads_only_its_own_command_module(db_path):
    modules = _imported_modules("log", "Nobody", "--create", "--when", "yesterday")
    assert "netkeep.cli.touchpoints" in modules
    for other in ("contacts", "reciprocity", "scripting", "transfer"):
        assert f"netkeep.cli.{other}" not in modules, other
    assert "vobject" not in modules
    assert "rich.table" not in modules
    # The capture readers and their libraries load only for `import`.
    capture = {"phonenumbers", "icalendar", "recurring_ical_events", "mailbox"}
    assert not capture & modules
    assert not {name for name in modules if name.startswith("netkeep.io")}
    for picture in ("netkeep.pictures", "netkeep.report", "netkeep.report_html"):
        assert picture not in modules, picture


def test_import_of_contacts_does_not_load_the_capture_readers(tmp_path):
    people = tmp_path / "people.csv"
    people.write_text("name,email\nSam Lee,sam@example.com\n")
    modules = _imported_modules("import", str(people))
    assert "netkeep.io.csvfile" in modules
    assert not {"phonenumbers", "icalendar", "mailbox", "netkeep.io.mail"} & modules


def test_help_and_version_do_not_open_the_database_layer():
    for args in (["--help"], ["--version"]):
        modules = _imported_modules(*args)
        assert not {"sqlmodel", "sqlalchemy", "netkeep.db", "vobject"} & modules, args


def _collector(*args: str) -> dict[str, object]:
    """How `main()` left the garbage collector: on or off when the database was open, and after."""
    spy = (
        "import gc, json\n"
        "from netkeep.cli import common\n"
        "seen, loaded = [], common.loaded\n"
        "def spy():\n    seen.append(gc.isenabled())\n    loaded()\n"
        "common.loaded = spy\n"
    )
    report = (
        "print(json.dumps({'at_open': seen, 'after': gc.isenabled(), "
        "'frozen': gc.get_freeze_count()}))"
    )
    return json.loads(_after_main(report, *args, before=spy).splitlines()[-1])


def test_start_up_skips_garbage_collection_and_the_command_gets_it_back(cli):
    # Off while the libraries load, frozen out of every later collection, on for the work.
    state = _collector("log", "Nobody", "--create")
    assert state["at_open"] == [False]
    assert state["after"] is True
    assert state["frozen"] > 10_000
    # A command run in-process (as the tests run them) keeps the collector as it found it.
    assert gc.isenabled()
    cli.ok("log", "Nobody", "--create")
    assert gc.isenabled() and gc.get_freeze_count() == 0

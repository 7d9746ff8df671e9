"""The readers' work grows with their input, not faster: each hostile shape (tests/io/hostile_shapes.py)
is read at two sizes, four times apart, in a child process under a memory cap, and the time per
input byte at the larger size may not exceed twice the smaller's (a quadratic reader gives four
times). Ratios, not absolute times: the machine's speed cancels out. Plus fuzzed recurrence rules
that only ever expand within the caps or are refused."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hostile_shapes import SHAPES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SMALL = 128 * 1024
LARGE = 4 * SMALL
MEMORY_CAP = 1 << 30  # address space of the child: the readers must finish well inside it
# Below this many CPU seconds at the larger size a ratio is noise: the reader is plainly linear.
TOO_QUICK = 0.05

CHILD = r"""
import json, sys, time
from datetime import datetime, UTC
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from hostile_shapes import make
from netkeep.errors import BadInput
from netkeep.io.capture import Identity, reduce_exchanges
from netkeep.io.sources import capture_format, open_capture

folder = Path(sys.argv[1])
me = Identity(
    emails=frozenset({"alex@me.example"}), names=frozenset({"alex me"}), region="US",
    date_order="dmy", now=datetime(2026, 6, 15, 12, tzinfo=UTC),
)
results = {}
for name in json.loads(sys.argv[3]):
    times, outcome = [], ""
    for size in json.loads(sys.argv[4]):
        file_name, data, args = make(name, size)
        path = folder / file_name
        path.write_bytes(data)
        fmt = args[1] if args else "auto"
        best = None
        for _ in range(2):
            start = time.process_time()
            try:
                kind = capture_format(path, fmt)
                source = open_capture(path, kind, me)
                records = sum(1 for _ in reduce_exchanges(source.records()))
                outcome = f"{records} records"
            except BadInput as exc:
                outcome = f"refused: {exc}"
            spent = time.process_time() - start
            best = spent if best is None else min(best, spent)
        times.append(best)
        path.unlink()
    results[name] = [times, outcome]
print(json.dumps(results))
"""


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@pytest.fixture(scope="module")
def growth(tmp_path_factory) -> dict[str, list]:
    folder = tmp_path_factory.mktemp("growth")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            str(folder),
            str(Path(__file__).parent),
            json.dumps(list(SHAPES)),
            json.dumps([SMALL, LARGE]),
        ],
        capture_output=True,
        text=True,
        preexec_fn=_capped,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]  # a MemoryError fails here
    figures: dict[str, list] = json.loads(result.stdout)
    return figures


@pytest.mark.sqlite_only
@pytest.mark.parametrize("shape", list(SHAPES))
def test_time_per_byte_stays_flat(growth, shape):
    (small, large), outcome = growth[shape]
    if large < TOO_QUICK:
        return
    per_byte_ratio = (large / LARGE) / (max(small, 1e-4) / SMALL)
    assert per_byte_ratio < 2.0, (shape, small, large, outcome)


RULES = st.fixed_dictionaries(
    {
        "FREQ": st.sampled_from(
            ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY", "NEVER"]
        ),
        "INTERVAL": st.integers(min_value=-2, max_value=400),
    },
    optional={
        "COUNT": st.integers(min_value=0, max_value=100_000),
        "BYDAY": st.sampled_from(["MO", "MO,WE,FR", "1MO", "-1FR"]),
        "BYHOUR": st.sampled_from(["9", "9,10,11,12,13,14,15,16"]),
    },
)


@pytest.mark.sqlite_only
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule=RULES, year=st.integers(min_value=1800, max_value=2030))
def test_any_recurrence_expands_within_the_caps_or_is_refused(tmp_path_factory, rule, year):
    from netkeep.errors import BadInput
    from netkeep.io import calendar
    from netkeep.io.capture import Identity, Message

    text = ";".join(f"{key}={value}" for key, value in rule.items())
    path = tmp_path_factory.mktemp("rule") / "r.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n"
        f"DTSTART:{year}0104T100000Z\r\nDTEND:{year}0104T110000Z\r\nRRULE:{text}\r\n"
        "ORGANIZER:mailto:kim@x.example\r\nATTENDEE:mailto:alex@me.example\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    now = datetime(2026, 6, 15, 12, tzinfo=UTC)
    me = Identity(emails=frozenset({"alex@me.example"}), now=now)
    try:
        records = list(calendar.read_ics(path, "r.ics", me, now=now))
    except BadInput as exc:
        # A rule that can never occur (HOURLY;INTERVAL=2;BYHOUR=9 from 10:00) is refused too.
        assert str(exc).startswith("r.ics: event u: ") and "RRULE" in str(exc)
        return
    assert rule["FREQ"] != "NEVER" and rule["INTERVAL"] >= 1
    messages = [r for r in records if isinstance(r, Message)]
    assert len(messages) <= calendar.SERIES_CAP
    assert all(calendar.EXPAND_FROM <= m.at <= now for m in messages)

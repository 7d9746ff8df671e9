"""What the start-up benchmarks share: timing a whole process, and listing what it imports."""

from __future__ import annotations

import subprocess
import time


def timed(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one fresh process, its output discarded."""
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def imports_of(cmd: list[str], env: dict[str, str]) -> set[str]:
    """The modules a Python command imports (`cmd[0]` is the interpreter or a console script)."""
    result = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]], env=env, capture_output=True, text=True
    )
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}

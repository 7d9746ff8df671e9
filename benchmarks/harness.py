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


# Runs in the benchmarked virtualenv's Python (netkeep's SQLAlchemy and psycopg are there):
# argv = admin URL, database name, "fresh" (drop and create), "keep" (create if missing) or "drop".
_POSTGRES_DATABASE = r"""
import sys
import sqlalchemy
admin = sqlalchemy.make_url(sys.argv[1])
if admin.drivername in ("postgresql", "postgres"):
    admin = admin.set(drivername="postgresql+psycopg")
name, mode = sys.argv[2], sys.argv[3]
engine = sqlalchemy.create_engine(admin, isolation_level="AUTOCOMMIT")
with engine.connect() as connection:
    found = connection.exec_driver_sql(
        "SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": name}
    ).first()
    created = mode == "fresh" or (mode == "keep" and found is None)
    if created or mode == "drop":
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if created:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
print("created" if created else "kept")
print(admin.set(database=name).render_as_string(hide_password=False))
"""

_POSTGRES_RUN = r"""
import sys
import sqlalchemy
engine = sqlalchemy.create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
with engine.connect() as connection:
    for statement in sys.argv[2:]:
        connection.exec_driver_sql(statement)
"""


def postgres_database(python: str, admin_url: str, name: str, mode: str) -> tuple[str, bool]:
    """A database on the server of `admin_url` (a superuser's), made as `mode` says ("fresh",
    "keep" or "drop"): its URL, and whether it is new."""
    done = subprocess.run(
        [python, "-c", _POSTGRES_DATABASE, admin_url, name, mode],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"cannot prepare PostgreSQL database {name}: {done.stderr[-400:]}")
    state, url = done.stdout.split()
    return url, state == "created"


def postgres_run(python: str, url: str, *statements: str) -> None:
    """Statements outside a transaction (VACUUM ANALYZE may not run inside one)."""
    subprocess.run([python, "-c", _POSTGRES_RUN, url, *statements], check=True)

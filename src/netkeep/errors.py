"""netkeep's exceptions and exit statuses.

The domain raises these; the CLI's single exit point prints `Error: <message>` on stderr and exits with
the error's status. Nothing else in netkeep decides exit codes.
"""

from enum import IntEnum
from typing import Any


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # runtime failure; also `stale --exit-code` with a non-empty list
    BAD_INPUT = 2  # the user's input was wrong; nothing was changed
    INTERRUPTED = 130  # Ctrl-C


class NetkeepError(Exception):
    """An error with a one-line message meant for the user."""

    exit_code = ExitStatus.ERROR


class BadInput(NetkeepError):
    """Bad input of any kind: unknown contact, bad date, bad file, bad config value."""

    exit_code = ExitStatus.BAD_INPUT


class RuntimeFailure(NetkeepError):
    """The input was fine but the work failed: unreadable database, lock held too long."""

    exit_code = ExitStatus.ERROR


class ContactNotFound(BadInput):
    """No contact matches a reference; `close` holds the contacts whose names are close to it."""

    def __init__(self, message: str, *, close: list[Any] | None = None) -> None:
        super().__init__(message)
        self.close = close or []


class AmbiguousContact(BadInput):
    """A reference matches several contacts."""


class Declined(NetkeepError):
    """You answered "no" when asked to confirm: nothing was done, and that is no failure (exit 0,
    as GNU `rm -i` and git's interactive commands do). The message is printed without `Error:`."""

    exit_code = ExitStatus.OK

"""netkeep's exceptions and exit statuses.

The domain raises these; the CLI's single exit point prints `Error: <message>` on stderr and exits with
the error's status. Nothing else in netkeep decides exit codes.
"""

from enum import IntEnum


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
    """No contact matches a reference."""


class AmbiguousContact(BadInput):
    """A reference matches several contacts."""

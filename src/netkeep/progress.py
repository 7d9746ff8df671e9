"""A count on the terminal for a long run, as git shows one ("mail: 45% (9,000/20,000 messages)").

It goes to stderr, and only when stderr is a terminal: cron, pipes and scripts never see it. It
appears once the run has lasted `DELAY` seconds (a quick run stays quiet), is redrawn at most every
`EVERY` seconds, and is erased when the run ends, so the one-line summary after it stands alone.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from netkeep import render

T = TypeVar("T")

DELAY = 1.0
EVERY = 0.2


class Progress:
    def __init__(
        self, label: str, total: int, unit: str, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.label, self.total, self.unit = render.printable(label), total, unit
        self.clock = clock
        self.started = clock()
        self.drawn_at: float | None = None
        self.done = 0
        self.shown = render.stderr_isatty()

    def over(self, items: Iterable[T]) -> Iterator[T]:
        """The items, counted as each is handed on; the count is erased after the last."""
        try:
            for item in items:
                yield item
                self.advance()
        finally:
            self.close()

    def advance(self, step: int = 1) -> None:
        self.done += step
        if not self.shown:
            return
        moment = self.clock()
        if moment - self.started < DELAY:
            return
        if self.drawn_at is not None and moment - self.drawn_at < EVERY:
            return
        self.drawn_at = moment
        percent = 100 * self.done // max(self.total, 1)
        sys.stderr.write(
            f"\r{self.label}: {percent}% ({self.done:,}/{self.total:,} {self.unit})\x1b[K"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.drawn_at is not None:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.drawn_at = None

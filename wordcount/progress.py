"""Live progress as counting reports it: the `Progress` sink a counter reports what it reads to,
as it reads (a worker's slot of the shared board), and the `Snapshot` (files done, bytes read,
words found) every backend passes on to an `OnProgress` callback, which `report/live.py` draws.
The numbers only drive what people see while the run goes on; the merged results are the truth.
Workers import this module: it imports only the standard library.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple, Protocol

# How often, at most, live totals are passed on while they grow.
POLL_SECONDS = 0.1


class Snapshot(NamedTuple):
    """Live totals: files finished, bytes read, words found."""

    files: int = 0
    bytes: int = 0
    words: int = 0

    def plus(self, other: Snapshot) -> Snapshot:
        """These totals and `other`'s together."""
        return Snapshot(self.files + other.files, self.bytes + other.bytes, self.words + other.words)


OnProgress = Callable[[Snapshot], None]


class Progress(Protocol):
    """Where a counter reports live progress: files finished, bytes read, words found."""

    def add(self, files: int, nbytes: int, words: int) -> None: ...


class NoProgress:
    """A progress sink that ignores everything, for runs without a bar."""

    def add(self, files: int, nbytes: int, words: int) -> None:
        pass


class Accumulator:
    """Running totals that are passed on to `on_progress` at most every `interval` seconds.

    It is a `Progress` (its `add` is what counting calls), so the serial path counts into
    it directly; the pool adds what it merged, under the live totals of its workers; the
    cluster adds the statuses of its tasks.
    """

    def __init__(self, on_progress: OnProgress | None, interval: float = POLL_SECONDS) -> None:
        self.on_progress = on_progress
        self.interval = interval
        self.total = Snapshot()
        self.due = 0.0

    def add(self, files: int, nbytes: int, words: int) -> None:
        """Count these in; pass the totals on if it is time to."""
        self.total = Snapshot(self.total.files + files, self.total.bytes + nbytes, self.total.words + words)
        now = time.monotonic()
        if now >= self.due:
            self.due = now + self.interval
            self.show()

    def show(self, live: Snapshot = Snapshot()) -> None:
        """Pass on the totals now, with `live` ones not yet added (a pool's workers')."""
        if self.on_progress is not None:
            self.on_progress(self.total.plus(live))

"""What the pipeline asks of a place to count on: the local pool or a Dask cluster.

Both backends take the same files and settings, and yield the same `BatchResult`s; how they
schedule the work is theirs alone (see execute/local/pool.py and execute/dask/backend.py). Planning, the assembly of cut
files and the retry policy they share live in execute/planning.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from wordcount.counting.spec import Job
from wordcount.progress import OnProgress
from wordcount.model import BatchResult, FileEntry


class Unavailable(Exception):
    """A place to count on that cannot be used (an unreachable cluster): the message is for
    people, and the run ends with exit code 2."""


class Backend(Protocol):
    """Counts files somewhere, yielding batch results as they are ready."""

    def run(
        self, entries: Iterable[FileEntry], job: Job, on_progress: OnProgress | None = None
    ) -> Iterator[BatchResult]:
        """Count `entries`, yielding results (whose totals add up to the whole run) as they come.
        `entries` may still be being found (the walk goes on as it is read)."""
        ...

    def threads(self) -> int:
        """How many tasks run at once."""
        ...

    def close(self) -> None:
        """Let go of what the backend holds (a connection); it is not used again."""
        ...

"""Scheduling: batches, the worker pool and its initializer, live counters, the serial path.

The parent cuts the files into batches (largest files first, so that one big file does not
finish last), hands the batches to a `multiprocessing.Pool` whose initializer gives every
worker the settings and its slot of the shared live counters once, and yields each batch's
small result as it arrives. `-j 1`, or an input too small to gain from a pool, runs the very
same initializer and batch function in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from wordcount.count import CountOptions, NoProgress, Progress, count_batch
from wordcount.results import STDIN, BatchResult, FileEntry

# A pool costs tens of milliseconds to start; below this much work it cannot pay for itself.
SERIAL_BELOW = 2 * 1024 * 1024
# What opening, reading and reporting one small file costs, in bytes of counting.
FILE_COST = 4096
MIN_BATCH_BYTES = 256 * 1024
MAX_BATCH_BYTES = 16 * 1024 * 1024
MAX_BATCH_FILES = 2048
POLL_SECONDS = 0.1

Snapshot = tuple[int, int, int]  # files done, bytes read, words found
OnProgress = Callable[[Snapshot], None]


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def make_batches(entries: Sequence[FileEntry], jobs: int) -> list[tuple[str, ...]]:
    """Cut files into batches of similar work, largest files first.

    Enough batches that every worker stays busy to the end, few enough that the results
    the parent merges stay few.
    """
    ordered = sorted(entries, key=lambda entry: (-entry.size, entry.path))
    work = sum(entry.size + FILE_COST for entry in ordered)
    target = min(MAX_BATCH_BYTES, max(MIN_BATCH_BYTES, work // (jobs * 8)))
    batches: list[tuple[str, ...]] = []
    batch: list[str] = []
    weight = 0
    for entry in ordered:
        batch.append(entry.path)
        weight += entry.size + FILE_COST
        if weight >= target or len(batch) >= MAX_BATCH_FILES:
            batches.append(tuple(batch))
            batch, weight = [], 0
    if batch:
        batches.append(tuple(batch))
    return batches


class LiveCounters:
    """Shared memory with one (files, bytes, words) slot per worker; the parent sums them.

    One writer per slot means no lock. These numbers only drive the progress bar: the
    merged batch results are the truth.
    """

    def __init__(self, context: Any, slots: int) -> None:
        self.slots = slots
        self.array = context.Array("q", 3 * slots, lock=False)
        self.next_slot = context.Value("i", 0)

    def snapshot(self) -> Snapshot:
        values = self.array[:]
        return sum(values[0::3]), sum(values[1::3]), sum(values[2::3])


class _Slot:
    """A worker's own slot of the live counters."""

    def __init__(self, array: Any, index: int) -> None:
        self.array = array
        self.base = 3 * index

    def add(self, files: int, nbytes: int, words: int) -> None:
        array, base = self.array, self.base
        array[base] += files
        array[base + 1] += nbytes
        array[base + 2] += words


class _LocalProgress:
    """Progress for the serial path: kept here and shown at most every POLL_SECONDS."""

    def __init__(self, on_progress: OnProgress) -> None:
        self.done = [0, 0, 0]
        self.on_progress = on_progress
        self.due = 0.0

    def add(self, files: int, nbytes: int, words: int) -> None:
        done = self.done
        done[0] += files
        done[1] += nbytes
        done[2] += words
        now = time.monotonic()
        if now >= self.due:
            self.due = now + POLL_SECONDS
            self.flush()

    def flush(self) -> None:
        self.on_progress((self.done[0], self.done[1], self.done[2]))


# The worker's settings, set once per process by `_init_worker`.
_options = CountOptions()
_progress: Progress = NoProgress()


def _init_worker(options: CountOptions, counters: LiveCounters | None) -> None:
    """Pool initializer: receive the settings and a live-counter slot once, ignore Ctrl-C."""
    global _options, _progress
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent alone decides about Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker must not run the parent's handler
    _options = options
    _progress = NoProgress()
    if counters is not None:
        with counters.next_slot.get_lock():
            index = counters.next_slot.value
            counters.next_slot.value += 1
        _progress = _Slot(counters.array, index % counters.slots)


def _count(paths: tuple[str, ...]) -> BatchResult:
    """The task a worker runs: count one batch with the settings it was given."""
    return count_batch(paths, _options, _progress)


def run(
    entries: Sequence[FileEntry],
    options: CountOptions,
    jobs: int,
    on_progress: OnProgress | None = None,
) -> Iterator[BatchResult]:
    """Count `entries` with up to `jobs` processes, yielding batch results as they finish.

    `on_progress` (when given) is called several times a second with live totals. Standard
    input (`-`) is read in this process, since workers cannot read it.
    """
    files = [entry for entry in entries if entry.path != STDIN]
    if len(files) < len(entries):
        yield from _run_serial([(STDIN,)], options, on_progress)
    batches = make_batches(files, jobs)
    work = sum(entry.size + FILE_COST for entry in files)
    if jobs == 1 or len(batches) <= 1 or work < SERIAL_BELOW:
        yield from _run_serial(batches, options, on_progress)
    else:
        yield from _run_pool(batches, options, min(jobs, len(batches)), on_progress)


def _run_serial(
    batches: Sequence[tuple[str, ...]], options: CountOptions, on_progress: OnProgress | None
) -> Iterator[BatchResult]:
    """The same counting as the pool's, in this process."""
    global _options, _progress
    local = _LocalProgress(on_progress) if on_progress else None
    _options, _progress = options, local or NoProgress()
    for batch in batches:
        yield _count(batch)
    if local:
        local.flush()


def _run_pool(
    batches: Sequence[tuple[str, ...]], options: CountOptions, jobs: int, on_progress: OnProgress | None
) -> Iterator[BatchResult]:
    """Count batches on a pool of `jobs` workers, polling so that progress keeps moving."""
    context = multiprocessing.get_context()
    counters = LiveCounters(context, jobs) if on_progress else None
    pool = context.Pool(jobs, initializer=_init_worker, initargs=(options, counters))
    try:
        results = pool.imap_unordered(_count, batches, chunksize=1)
        for _ in batches:
            while True:
                try:
                    result = results.next(timeout=POLL_SECONDS)
                    break
                except multiprocessing.TimeoutError:
                    if counters and on_progress:
                        on_progress(counters.snapshot())
            yield result
            if counters and on_progress:
                on_progress(counters.snapshot())
        pool.close()
    finally:
        pool.terminate()
        pool.join()

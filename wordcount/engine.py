"""Scheduling: batches, the worker pool and its initializer, live counters, the serial path.

The parent cuts the files into batches (largest files first, so that one big file does not
finish last), hands the batches to a `multiprocessing.Pool` whose initializer gives every
worker the settings and its slot of the shared live counters once, and yields each batch's
small result as it arrives. `-j 1`, or an input too small to gain from a pool, runs the very
same initializer and batch function in this process.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from wordcount import decode
from wordcount.count import CountOptions, NoProgress, Progress, count_batch, count_piece, replan
from wordcount.results import STDIN, BatchResult, Failed, FileCounts, FileEntry, Piece, PieceResult, Totals

# A pool costs tens of milliseconds to start; below this much work it cannot pay for itself.
SERIAL_BELOW = 2 * 1024 * 1024
# What opening, reading and reporting one small file costs, in bytes of counting.
FILE_COST = 4096
MIN_BATCH_BYTES = 256 * 1024
MAX_BATCH_BYTES = 16 * 1024 * 1024
MAX_BATCH_FILES = 2048
# A file this large is cut into pieces counted in parallel, of about PIECE_BYTES each.
SPLIT_BYTES = 32 * 1024 * 1024
MIN_PIECE_BYTES = 8 * 1024 * 1024
MAX_PIECE_BYTES = 64 * 1024 * 1024
POLL_SECONDS = 0.1

Task = tuple[str, ...] | Piece  # a batch of whole files, or a piece of one large file

Snapshot = tuple[int, int, int]  # files done, bytes read, words found
OnProgress = Callable[[Snapshot], None]


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _size(entry: FileEntry) -> int:
    return entry.size


def make_batches(entries: Sequence[FileEntry], jobs: int) -> list[tuple[str, ...]]:
    """Cut files into batches of similar work, largest files first.

    Enough batches that every worker stays busy to the end, few enough that the results
    the parent merges stay few.
    """
    ordered = sorted(entries, key=_size, reverse=True)  # stable: equal sizes keep the walk's order
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


def plan_pieces(path: str, size: int, plan: decode.Plan, jobs: int) -> list[Piece] | None:
    """Nominal byte ranges of a large file in an encoding that can be cut, else None."""
    if plan.binary or decode.cut_marks(plan.codec) is None:
        return None
    piece = min(MAX_PIECE_BYTES, max(MIN_PIECE_BYTES, size // (jobs * 4)))
    starts = list(range(0, size, piece))
    return [
        Piece(path, index, start, starts[index + 1] if index + 1 < len(starts) else None, plan)
        for index, start in enumerate(starts)
    ]


def make_tasks(entries: Sequence[FileEntry], jobs: int, forced: str | None) -> list[Task]:
    """Pieces of every large file (so that one big file cannot serialise the run), then batches."""
    pieces: list[Task] = []
    whole: list[FileEntry] = []
    for entry in entries:
        cut = None
        if jobs > 1 and entry.size >= SPLIT_BYTES:
            try:
                with open(entry.path, "rb") as stream:
                    cut = plan_pieces(entry.path, entry.size, decode.plan(stream.read(4096), forced), jobs)
            except OSError:
                cut = None  # counted whole: the worker reports the error
        if cut:
            pieces.extend(cut)
        else:
            whole.append(entry)
    return pieces + list(make_batches(whole, jobs))


class _Assembly:
    """Collects the pieces of cut files and gives each whole file's result once all are in."""

    def __init__(self, tasks: Sequence[Task], per_file: bool) -> None:
        self.per_file = per_file
        self.waiting: dict[str, list[PieceResult]] = {}
        self.expected: dict[str, list[Piece]] = {}
        self.add_tasks(tasks)

    def add_tasks(self, tasks: Sequence[Task]) -> None:
        for task in tasks:
            if isinstance(task, Piece):
                self.expected.setdefault(task.path, []).append(task)
                self.waiting.setdefault(task.path, [])

    def add(self, result: PieceResult) -> BatchResult | list[Task] | None:
        """Take one piece: the file's result when it was the last, new tasks to redo it, or None."""
        got = self.waiting[result.path]
        got.append(result)
        pieces = self.expected[result.path]
        if len(got) < len(pieces):
            return None
        del self.waiting[result.path], self.expected[result.path]
        plan = pieces[0].plan
        if failed := next((piece.error for piece in got if piece.error), None):
            return BatchResult(Totals(), problems=(Failed(result.path, failed),))
        if sample := next((piece.sample for piece in got if piece.sample is not None), None):
            # Not UTF-8 after all: every piece is void; cut it again for the codec found.
            plan = replan(plan, sample)
            again: list[Task] = [(result.path,)]
            if decode.cut_marks(plan.codec) is not None:
                again = [dataclasses.replace(piece, plan=plan) for piece in pieces]
            self.add_tasks(again)
            return again
        totals = Totals(1)
        words: Counter[bytes] = Counter()
        for piece in got:
            totals += piece.totals
            words.update(piece.words)
        row = FileCounts(
            result.path, totals.lines, totals.words, totals.chars, totals.bytes,
            plan.encoding or "utf-8", sum(piece.replaced for piece in got),
        )
        return BatchResult(totals, (row,) if self.per_file else (), (), words)


class LiveCounters:
    """Shared memory with one (files, bytes, words) slot per worker; the parent sums them.

    One writer per slot means no lock. These numbers only drive the progress bar: the
    merged batch results are the truth.
    """

    def __init__(self, context: Any, slots: int) -> None:
        self.slots = slots
        self.array = context.Array("q", 3 * (slots + 1), lock=False)  # the last slot is the parent's
        self.next_slot = context.Value("i", 0)
        self.parent = _Slot(self.array, slots)

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


# The worker's state, set once per process by `_setup`: its settings, where it reports
# progress, the word frequencies of every batch it has counted, and the barrier of the flush.
_options = CountOptions()
_progress: Progress = NoProgress()
_words: Counter[bytes] | None = None
_barrier: Any = None
FLUSH_TIMEOUT_SECONDS = 60
FLUSH_WORDS = 500_000


def _setup(options: CountOptions, progress: Progress, barrier: Any = None) -> None:
    global _options, _progress, _words, _barrier
    _options, _progress, _barrier = options, progress, barrier
    _words = Counter() if options.frequencies else None


def _init_worker(options: CountOptions, counters: LiveCounters | None, barrier: Any) -> None:
    """Pool initializer: receive the settings and a live-counter slot once, ignore Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent alone decides about Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker must not run the parent's handler
    progress: Progress = NoProgress()
    if counters is not None:
        with counters.next_slot.get_lock():
            index = counters.next_slot.value
            counters.next_slot.value += 1
        progress = _Slot(counters.array, index % counters.slots)
    _setup(options, progress, barrier)


def _count(task: Task) -> BatchResult | PieceResult:
    """The task a worker runs: count one batch, or one piece, with the settings it was given."""
    global _words
    if isinstance(task, Piece):
        return count_piece(task, _options, _progress)
    result = count_batch(task, _options, _progress, _words)
    if _words is not None and len(_words) > FLUSH_WORDS:
        # A dictionary of millions of words is slow to grow (every look-up misses the cache):
        # past this size it goes to the parent with this batch, and a fresh one starts.
        result = dataclasses.replace(result, words=_words)
        _words = Counter()
    return result


def _flush(_: object = None) -> BatchResult:
    """Hand over the word frequencies of every batch this worker counted, once.

    In a pool, each worker gets one flush task: the barrier holds a worker that has taken
    one until every worker has, so no worker can take two.
    """
    global _words
    if _barrier is not None:
        _barrier.wait(FLUSH_TIMEOUT_SECONDS)
    words, _words = _words, (Counter() if _options.frequencies else None)
    return BatchResult(Totals(), words=words or {})


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
    work = sum(entry.size + FILE_COST for entry in files)
    tasks = make_tasks(files, jobs, options.encoding) if jobs > 1 and work >= SERIAL_BELOW else []
    if len(tasks) > 1:
        yield from _run_pool(tasks, options, min(jobs, len(tasks)), on_progress)
    else:
        yield from _run_serial(make_batches(files, 1), options, on_progress)


def _run_serial(
    batches: Sequence[tuple[str, ...]], options: CountOptions, on_progress: OnProgress | None
) -> Iterator[BatchResult]:
    """The same counting as the pool's, in this process (whole files: nothing to cut for)."""
    local = _LocalProgress(on_progress) if on_progress else None
    _setup(options, local or NoProgress())
    for batch in batches:
        yield _count(batch)  # type: ignore[misc]
    yield _flush()
    if local:
        local.flush()


def _run_pool(
    tasks: Sequence[Task], options: CountOptions, jobs: int, on_progress: OnProgress | None
) -> Iterator[BatchResult]:
    """Count tasks on a pool of `jobs` workers, polling so that progress keeps moving.

    Pieces of a large file are put together here. A file whose pieces found it not to be
    UTF-8 is counted again, in a further round, with the encoding detected.
    """
    context = multiprocessing.get_context()
    counters = LiveCounters(context, jobs) if on_progress else None

    def show() -> None:
        if counters and on_progress:
            on_progress(counters.snapshot())

    def each(function: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[Any]:
        results = pool.imap_unordered(function, items, chunksize=1)
        for _ in items:
            while True:
                try:
                    result = results.next(timeout=POLL_SECONDS)
                    break
                except multiprocessing.TimeoutError:
                    show()
            yield result

    assembly = _Assembly(tasks, options.per_file)
    barrier = context.Barrier(jobs) if options.frequencies else None
    pool = context.Pool(jobs, initializer=_init_worker, initargs=(options, counters, barrier))
    try:
        while tasks:
            again: list[Task] = []
            for result in each(_count, tasks):
                if isinstance(result, PieceResult):
                    assembled = assembly.add(result)
                    if isinstance(assembled, list):
                        again.extend(assembled)
                        continue
                    if assembled is None:
                        continue
                    result = assembled
                    if counters:
                        counters.parent.add(1, 0, 0)
                yield result
                show()
            tasks = again
        if barrier is not None:
            yield from each(_flush, range(jobs))
        pool.close()
    finally:
        pool.terminate()
        pool.join()

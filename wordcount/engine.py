"""Scheduling: batches, the worker pool and its initializer, live counters, the serial path.

The parent cuts the files into batches (largest files first, so that one big file does not
finish last), hands the batches to a `multiprocessing.Pool` whose initializer gives every
worker the settings and its slot of the shared live counters once, and yields each batch's
small result as it arrives. `-j 1`, or an input too small to gain from a pool, runs the very
same initializer and batch function in this process.
"""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wordcount import count, decode
from wordcount.audit import Audit
from wordcount.batch import count_batch
from wordcount.count import CountOptions, NoProgress, Progress, count_piece, replan
from wordcount.packing import pack_words
from wordcount.results import (
    CHANGED_WHILE_READ,
    STDIN,
    BatchResult,
    Changed,
    Failed,
    FileCounts,
    FileEntry,
    Piece,
    PieceResult,
    Totals,
    Violation,
)
from wordcount.tally import normalized

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


class Unavailable(Exception):
    """A place to count on that cannot be used (an unreachable cluster): the message is for
    people, and the run ends with exit code 2."""


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


def make_tasks(entries: Sequence[FileEntry], jobs: int, options: CountOptions) -> list[Task]:
    """Pieces of every large file (so that one big file cannot serialise the run), then batches.

    A file is planned from the same first block a worker counting it whole would read, so that
    it is read the same way whatever the number of jobs. A file searched for forbidden words is
    not cut: one reader gives exact line numbers. Nor is a file counted as GNU wc counts it
    (`options.wc`): pieces are planned for the text the file decodes to.
    """
    audit = options.audit
    pieces: list[Task] = []
    whole: list[FileEntry] = []
    for entry in entries:
        cut = None
        if jobs > 1 and entry.size >= SPLIT_BYTES and not options.wc and not (audit and audit.searches(entry.path)):
            try:
                with open(entry.path, "rb") as stream:
                    head = stream.read(max(count.BLOCK_BYTES, 4))
                    plan = decode.plan(head, options.encoding_for(entry.path))
                    cut = plan_pieces(entry.path, entry.size, plan, jobs)
            except OSError:
                cut = None  # counted whole: the worker reports the error
        if cut:
            pieces.extend(cut)
        else:
            whole.append(entry)
    return pieces + list(make_batches(whole, jobs))


def _index(piece: PieceResult) -> int:
    return piece.index


class _Assembly:
    """Collects the pieces of cut files and gives each whole file's result once all are in."""

    def __init__(self, tasks: Sequence[Task], per_file: bool, audit: Audit | None = None,
                 file_words: bool = False, sizes: Mapping[str, int] | None = None, cwd: str = "") -> None:
        self.per_file = per_file
        self.sizes = sizes or {}  # files' sizes as whoever read them saw them; else the file is asked
        self.cwd = cwd  # what relative paths are relative to ("": here), as in batch.count_batch
        self.audit = audit
        self.file_words = file_words
        self.waiting: dict[str, list[PieceResult]] = {}
        self.expected: dict[str, list[Piece]] = {}
        self.add_tasks(tasks)

    def add_tasks(self, tasks: Sequence[Task]) -> None:
        for task in tasks:
            if isinstance(task, Piece):
                self.expected.setdefault(task.path, []).append(task)
                self.waiting.setdefault(task.path, [])

    def drop(self, path: str) -> None:
        """Forget a file given up on; its pieces still on their way are ignored."""
        self.waiting.pop(path, None)
        self.expected.pop(path, None)

    def add(self, result: PieceResult) -> BatchResult | list[Task] | None:
        """Take one piece: the file's result when it was the last, new tasks to redo it, or None."""
        got = self.waiting.get(result.path)
        if got is None:
            return None
        got.append(result)
        pieces = self.expected[result.path]
        if len(got) < len(pieces):
            return None
        del self.waiting[result.path], self.expected[result.path]
        plan = pieces[0].plan
        if failed := next((piece.error for piece in got if piece.error), None):
            return BatchResult(Totals(), problems=(Failed(result.path, failed),))
        # The first piece that is not UTF-8 holds the file's first byte that is not: its sample
        # is the one a count of the whole file takes.
        first = min((piece for piece in got if piece.sample is not None), key=_index, default=None)
        if first is not None and first.sample is not None:
            # Not UTF-8 after all: every piece is void; cut it again for the codec found.
            plan = replan(plan, first.sample)
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
        try:
            size = self.sizes.get(result.path)
            if size is None:
                size = os.stat(os.path.join(self.cwd, result.path)).st_size
            changed = size != totals.bytes  # as count_stream does
        except OSError:
            changed = True
        row = FileCounts(
            result.path, totals.lines, totals.words, totals.chars, totals.bytes,
            plan.encoding or "utf-8", sum(piece.replaced for piece in got), changed,
            cjk_chars=totals.cjk_chars, bom=any(piece.bom for piece in got), confidence=plan.confidence,
        )
        warnings = (Changed(result.path, CHANGED_WHILE_READ),) if changed else ()
        violations: tuple[Violation, ...] = ()
        if self.audit:
            violations = tuple(self.audit.check_counts(row, self.audit.rules_for(os.path.join(self.cwd, row.path))))
        uncertain = (row.doubt(),) if row.uncertain else ()
        packed = ((result.path, pack_words(words)),) if self.file_words and not changed else ()
        return BatchResult(totals, (row,) if self.per_file else (), (), words, warnings,
                           violations=violations, uncertain=uncertain, file_words=packed)


class Board:
    """Shared memory with one slot per worker: its pid, the task it is counting, and its live
    (files, bytes, words); the last slot is the parent's.

    One writer per slot means no lock. The counts only drive the progress bar (the merged
    results are the truth); pid and task let the parent see a worker that died, and what with.
    """

    FIELDS = 5  # pid, task, files, bytes, words

    def __init__(self, context: Any, slots: int) -> None:
        self.slots = slots
        self.array = context.Array("q", self.FIELDS * (slots + 1), lock=False)
        self.next_slot = context.Value("i", 0)
        self.parent = _Slot(self.array, slots)

    def claim(self) -> _Slot | None:
        """A free slot for a new worker; None when a burst of replacements used them all.

        A worker killed while holding the lock never releases it: its successors go without a
        slot rather than wait for ever (a task lost by such a worker is caught as a stall).
        """
        lock = self.next_slot.get_lock()
        if not lock.acquire(timeout=CLAIM_SECONDS):
            return None
        try:
            index = self.next_slot.value
            self.next_slot.value += 1
        finally:
            lock.release()
        if index >= self.slots:
            return None
        slot = _Slot(self.array, index)
        slot.array[slot.base] = os.getpid()
        return slot

    def snapshot(self) -> Snapshot:
        values = self.array[:]
        return sum(values[2::5]), sum(values[3::5]), sum(values[4::5])

    def lost(self, alive: set[int]) -> list[int] | None:
        """The tasks of workers that are gone (-1: one that was idle), or None if none is gone."""
        values = self.array[:]
        gone = [
            values[base + 1]
            for base in range(0, self.FIELDS * self.slots, self.FIELDS)
            if values[base] and values[base] not in alive
        ]
        return gone or None

    def busy(self) -> bool:
        """Whether any worker is working on a task (or waiting at the flush barrier) now."""
        values = self.array[:]
        return any(values[base] and values[base + 1] != -1 for base in range(0, self.FIELDS * self.slots, self.FIELDS))


class _Slot:
    """A worker's own slot of the board."""

    def __init__(self, array: Any, index: int) -> None:
        self.array = array
        self.base = Board.FIELDS * index
        array[self.base + 1] = -1

    def begin(self, task: int) -> None:
        self.array[self.base + 1] = task

    def add(self, files: int, nbytes: int, words: int) -> None:
        array, base = self.array, self.base
        array[base + 2] += files
        array[base + 3] += nbytes
        array[base + 4] += words


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


@dataclass(frozen=True, slots=True)
class Done:
    """A worker's answer to one task: which task, which worker, and the result.

    With frequencies on, a worker keeps the words of the batches it counts and hands them over
    now and then (`flushed`); until then the parent holds those batches back, so that a worker
    that dies takes nothing with it that was already merged.
    """

    task: int
    worker: int
    result: BatchResult | PieceResult
    flushed: bool


# The worker's state, set once per process by `_setup`: its settings, its board slot (None in
# the serial path), where it reports progress, the word frequencies it has not yet handed
# over and how much text they came from, and the barrier of the final flush.
_options = CountOptions()
_slot: _Slot | None = None
_progress: Progress = NoProgress()
_words: Counter[bytes] | None = None
_unflushed_bytes = 0
_barrier: Any = None
FLUSH_TIMEOUT_SECONDS = 60
FLUSH_WORDS = 500_000
# Words are handed over at least this often, which bounds what a dead worker makes us recount.
FLUSH_BYTES = 256 * 1024 * 1024


def _setup(options: CountOptions, progress: Progress, slot: _Slot | None = None, barrier: Any = None) -> None:
    global _options, _progress, _words, _barrier, _slot
    _options, _progress, _slot, _barrier = options, progress, slot, barrier
    _words = Counter() if options.frequencies else None


def _init_worker(options: CountOptions, board: Board, barrier: Any) -> None:
    """Pool initializer: receive the settings and a board slot once, ignore Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent alone decides about Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker must not run the parent's handler
    slot = board.claim()
    _setup(options, slot or NoProgress(), slot, barrier)


def _count(job: tuple[int, Task]) -> Done:
    """The task a worker runs: count one batch, or one piece, with the settings it was given."""
    global _unflushed_bytes
    number, task = job
    if _slot is not None:
        _slot.begin(number)
    try:
        if isinstance(task, Piece):
            return Done(number, os.getpid(), count_piece(task, _options, _progress), True)
        result = count_batch(task, _options, _progress, _words)
        if _words is None:
            return Done(number, os.getpid(), result, True)
        _unflushed_bytes += result.totals.bytes
        if len(_words) > FLUSH_WORDS or _unflushed_bytes > FLUSH_BYTES:
            # A dictionary of millions of words is slow to grow (every look-up misses the cache):
            # past this size it goes to the parent with this batch, and a fresh one starts.
            return Done(number, os.getpid(), dataclasses.replace(result, words=_hand_over()), True)
        return Done(number, os.getpid(), result, False)
    finally:
        if _slot is not None:
            _slot.begin(-1)


def _flush(job: tuple[int, None]) -> Done:
    """Hand over the word frequencies this worker still holds.

    In a pool, each worker gets one flush task: the barrier holds a worker that has taken
    one until every worker has, so no worker can take two.
    """
    if _slot is not None:
        _slot.begin(job[0])
    if _barrier is not None:
        _barrier.wait(FLUSH_TIMEOUT_SECONDS)
    words = _hand_over() if _words is not None else {}
    if _slot is not None:
        _slot.begin(-1)
    return Done(job[0], os.getpid(), BatchResult(Totals(), words=words), True)


def _hand_over() -> Counter[bytes]:
    """The words this worker holds, as the user asked for them (`normalized`); it starts afresh."""
    global _words, _unflushed_bytes
    words, _words, _unflushed_bytes = _words, Counter(), 0
    return normalized(words, _options)  # type: ignore[arg-type]


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
    tasks = make_tasks(files, jobs, options) if jobs > 1 and work >= SERIAL_BELOW else []
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
    for number, batch in enumerate(batches):
        yield _count((number, batch)).result  # type: ignore[misc]
    yield _flush((len(batches), None)).result  # type: ignore[misc]
    if local:
        local.flush()


WORKER_DIED = "worker died while counting this file"
# Restarting the pool more often than this means something kills every worker: give up.
MAX_RESTARTS = 8
# No answer for this long while no worker counts anything means a task was lost on its way
# to a worker that died; the wait doubles with every restart, for machines under load.
STALL_SECONDS = 5.0
STOP_SECONDS = 1.0
CLAIM_SECONDS = 2.0


class _Lost(Exception):
    """The pool lost workers; `tasks` are the tasks they were counting (-1 for none)."""

    def __init__(self, tasks: list[int]) -> None:
        super().__init__("workers died")
        self.tasks = tasks


@dataclass(frozen=True, slots=True)
class _Crash:
    """A worker raised: a bug, re-raised in the parent."""

    error: BaseException


def _run_pool(
    tasks: Sequence[Task], options: CountOptions, jobs: int, on_progress: OnProgress | None
) -> Iterator[BatchResult]:
    """Count tasks on a pool of `jobs` workers, surviving workers that die.

    A worker that dies (SIGKILL, the OOM killer) is noticed within a poll; the pool is then
    replaced and every task not yet merged is counted again. The task the dead worker was
    counting is counted again file by file; a file whose worker dies a second time is reported
    as an error. Pieces of a large file are put together here, and a file whose pieces found it
    not to be UTF-8 is cut again with the encoding detected.
    """
    context = multiprocessing.get_context()
    todo: dict[int, Task] = dict(enumerate(tasks))  # every task whose result is not merged yet
    numbers = itertools.count(len(todo))
    suspects: set[int] = set()  # tasks whose worker died once already
    assembly = _Assembly(tasks, options.per_file, options.audit, options.file_words and options.frequencies)
    merged = [0, 0, 0]  # files, bytes, words merged by earlier pools, for the bar
    restarts = 0

    def merge(result: BatchResult) -> BatchResult:
        merged[0] += result.totals.files + len(result.problems)
        merged[1] += result.totals.bytes
        merged[2] += result.totals.words
        return result

    def add_tasks(new: Sequence[Task]) -> list[int]:
        added = [next(numbers) for _ in new]
        todo.update(zip(added, new))
        return added

    while todo:
        try:
            for result in _one_pool(context, todo, options, jobs, on_progress, merged, assembly, add_tasks,
                                    STALL_SECONDS * 2**restarts):
                yield merge(result)
        except _Lost as lost:
            restarts += 1
            for number in lost.tasks:
                task = todo.get(number)
                if task is None:
                    continue  # an idle worker, a flush, or a task already merged
                if number in suspects:
                    yield merge(_give_up(number, todo, assembly))
                elif isinstance(task, tuple) and len(task) > 1:
                    del todo[number]
                    suspects.update(add_tasks([(path,) for path in task]))  # to find the file that kills
                else:
                    suspects.add(number)
            if restarts > MAX_RESTARTS:
                for number in list(todo):
                    if number in todo:  # giving up on a piece gives up its siblings too
                        yield merge(_give_up(number, todo, assembly))


def _give_up(number: int, todo: dict[int, Task], assembly: _Assembly) -> BatchResult:
    """Report the files of a task whose workers keep dying, and forget the task."""
    task = todo.pop(number)
    if isinstance(task, Piece):
        for other in [n for n, t in todo.items() if isinstance(t, Piece) and t.path == task.path]:
            del todo[other]
        assembly.drop(task.path)
        paths: tuple[str, ...] = (task.path,)
    else:
        paths = task
    return BatchResult(Totals(), problems=tuple(Failed(path, WORKER_DIED) for path in paths))


def _one_pool(
    context: Any,
    todo: dict[int, Task],
    options: CountOptions,
    jobs: int,
    on_progress: OnProgress | None,
    merged: list[int],
    assembly: _Assembly,
    add_tasks: Callable[[Sequence[Task]], list[int]],
    stall_seconds: float,
) -> Iterator[BatchResult]:
    """Run every task in `todo` on one pool, removing each from `todo` as its result is merged.

    Raises _Lost when workers died; the pool is gone by then, and what it had not merged is
    still in `todo`.
    """
    board = Board(context, jobs + SPARE_SLOTS)
    base = tuple(merged)
    barrier = context.Barrier(jobs) if options.frequencies else None
    inbox: queue.SimpleQueue[Done | _Crash] = queue.SimpleQueue()
    pending: set[int] = set()
    held: dict[int, list[tuple[int, BatchResult]]] = {}  # worker → its batches whose words it holds
    pool = context.Pool(jobs, initializer=_init_worker, initargs=(options, board, barrier))

    def submit(function: Callable[[tuple[int, Any]], Done], number: int, task: Task | None) -> None:
        pending.add(number)
        pool.apply_async(function, ((number, task),), callback=inbox.put,
                         error_callback=lambda error: inbox.put(_Crash(error)))

    def show() -> None:
        if on_progress:
            files, nbytes, words = board.snapshot()
            on_progress((base[0] + files, base[1] + nbytes, base[2] + words))

    try:
        for number, task in list(todo.items()):
            submit(_count, number, task)
        quiet_since = time.monotonic()
        while pending or held:
            if not pending:  # every task counted; some words are still in the workers
                for _ in range(jobs):
                    submit(_flush, next(_FLUSH_NUMBERS), None)
            try:
                done = inbox.get(timeout=POLL_SECONDS)
            except queue.Empty:
                show()
                lost = board.lost({child.pid or 0 for child in multiprocessing.active_children()})
                if lost is None and not board.busy() and time.monotonic() - quiet_since > stall_seconds:
                    lost = []  # a task vanished with no worker to blame
                if lost is not None:
                    raise _Lost(lost) from None
                continue
            quiet_since = time.monotonic()
            if isinstance(done, _Crash):
                raise done.error
            pending.discard(done.task)
            result = done.result
            if isinstance(result, PieceResult):
                if todo.pop(done.task, None) is None:
                    continue
                assembled = assembly.add(result)
                if isinstance(assembled, list):
                    for number in add_tasks(assembled):
                        submit(_count, number, todo[number])
                elif assembled is not None:
                    board.parent.add(1, 0, 0)
                    yield assembled
            elif done.flushed:
                for number, earlier in held.pop(done.worker, []):
                    del todo[number]
                    yield earlier
                if todo.pop(done.task, None) is not None or result.words:
                    yield result
            else:
                held.setdefault(done.worker, []).append((done.task, result))
            show()
        pool.close()
    finally:
        _stop(pool)  # every result is in: nothing a worker still holds is needed


SPARE_SLOTS = 4  # for workers the pool starts in place of dead ones before the pool is replaced
_FLUSH_NUMBERS = itertools.count(-2, -1)  # flush tasks are numbered apart from counting tasks


def _stop(pool: Any) -> None:
    """Stop a pool now, even one whose dead worker left its task queue locked.

    `Pool.terminate` waits for the lock of the task queue, and a worker killed while waiting
    for a task never releases it: so terminate runs in a thread that is given up on after
    STOP_SECONDS, and whatever workers are left are killed.
    """
    stopper = threading.Thread(target=pool.terminate, name="wordcount-stop-pool", daemon=True)
    stopper.start()
    stopper.join(STOP_SECONDS)
    deadline = time.monotonic() + STOP_SECONDS
    while (children := multiprocessing.active_children()) and time.monotonic() < deadline:
        for child in children:
            child.kill()
        time.sleep(0.01)

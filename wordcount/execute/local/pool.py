"""The local backend: a `multiprocessing.Pool` counting the planned tasks, or this process alone.

The parent plans the work (execute/planning.py), starts a pool whose initializer gives every worker the
settings and its slot of the shared board once, and hands the tasks out with
`Pool.imap_unordered` over a queue-backed feed: the size-balanced chunks first, then whatever
turns up later (a cut file cut again, the final flush of the word tables). Polling the
iterator with a timeout refreshes the progress bar from the board and notices workers that
died. `-j 1`, an input too small to gain from a pool, or a host where a pool cannot be made
(no semaphores, no shared memory) runs the very same worker code in this process.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from wordcount.execute import planning
from wordcount.counting.spec import Job
from wordcount.execute.planning import Recut, Task, Verdict
from wordcount.progress import POLL_SECONDS, Accumulator, OnProgress, Snapshot
from wordcount.model import STDIN, BatchResult, FileEntry, Piece, PieceResult
from wordcount.execute.local.worker import Board, Done, init_worker, serial_worker, work

# No answer for this long while no worker counts anything means a task was lost on its way
# to a worker that died; the wait doubles with every new pool, for machines under load.
STALL_SECONDS = 5.0
STOP_SECONDS = 1.0
AHEAD_TASKS = 4  # tasks queued per worker while the walk still finds more
SPARE_SLOTS = 4  # for workers the pool starts in place of dead ones before the pool is replaced
NO_POOL = "cannot start worker processes here ({error}); counting in this process"

OnWarning = Callable[[str], None]


def default_jobs() -> int:
    """The number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run(
    entries: Iterable[FileEntry],
    job: Job,
    jobs: int,
    on_progress: OnProgress | None = None,
    on_warning: OnWarning | None = None,
) -> Iterator[BatchResult]:
    """Count `entries` with up to `jobs` processes, yielding batch results as they finish.

    `entries` may still be being found (a walk): once there is enough of them for a pool to pay,
    the pool starts and the rest is read as it counts (`planning.stream_tasks`). `on_progress` (when
    given) is called several times a second with live totals; `on_warning` with the one line
    that says the pool could not be started, if so. Standard input (`-`) is read in this
    process, since workers cannot read it.
    """
    if isinstance(entries, Sequence):
        yield from _run_known(entries, job, jobs, on_progress, on_warning)
        return
    stream = iter(entries)
    found, ended = _first_entries(stream, jobs, job)
    if ended:  # the walk ended first: everything is known
        yield from _run_known(found, job, jobs, on_progress, on_warning)
        return
    rest = itertools.chain(found, stream)
    stdin: list[FileEntry] = []
    try:
        yield from run_pool([], job, jobs, on_progress, planning.stream_tasks(rest, jobs, job, stdin))
    except NoPool as error:  # raised before anything was read of `rest`
        if on_warning is not None:
            on_warning(NO_POOL.format(error=error))
        yield from _run_known(list(rest), job, 1, on_progress, None)
        return
    if stdin:
        yield from run_serial([(STDIN,)], job, on_progress)


def _first_entries(stream: Iterator[FileEntry], jobs: int, job: Job) -> tuple[list[FileEntry], bool]:
    """The entries of `stream` up to where they are enough work for a pool of `jobs` (the walk
    then goes on), or all of them; and whether that was all."""
    found: list[FileEntry] = []
    work = 0
    for entry in stream:
        found.append(entry)
        work += planning.cost(entry, job.counting)
        if jobs > 1 and work >= planning.SERIAL_BELOW:
            return found, False
    return found, True


def _run_known(
    entries: Sequence[FileEntry], job: Job, jobs: int, on_progress: OnProgress | None,
    on_warning: OnWarning | None,
) -> Iterator[BatchResult]:
    """Count entries all known beforehand: a pool over size-balanced batches (largest files
    first) when the work pays for one, else here."""
    stdin, files = planning.split_stdin(entries)
    if stdin:
        yield from run_serial([(STDIN,)], job, on_progress)
    tasks = planning.make_tasks(files, jobs, job) if jobs > 1 and planning.work(files, job.counting) >= planning.SERIAL_BELOW else []
    if len(tasks) > 1:
        try:
            yield from run_pool(tasks, job, min(jobs, len(tasks)), on_progress)
            return
        except NoPool as error:  # raised before any result: counting here gives the same report
            if on_warning is not None:
                on_warning(NO_POOL.format(error=error))
    yield from run_serial(planning.make_batches(files, 1), job, on_progress)


def run_serial(
    batches: Sequence[tuple[str, ...]], job: Job, on_progress: OnProgress | None
) -> Iterator[BatchResult]:
    """The same counting as the pool's, in this process (whole files: nothing to cut for)."""
    progress = Accumulator(on_progress)
    with serial_worker(job, progress) as worker:
        for number, batch in enumerate(batches):
            yield worker.count(number, batch).result  # type: ignore[misc]
        yield worker.flush(len(batches)).result  # type: ignore[misc]
    progress.show()


class NoPool(Exception):
    """multiprocessing cannot make a pool here (no semaphores or shared memory): count here."""


class _Lost(Exception):
    """The pool lost workers; `tasks` are the tasks they were counting (-1 for none)."""

    def __init__(self, tasks: list[int]) -> None:
        super().__init__("workers died")
        self.tasks = tasks


class _Todo:
    """Every task whose result is not merged yet (by number), the assembly of cut files, and the
    retry policy: what outlives one pool."""

    def __init__(self, tasks: Sequence[Task], job: Job, more: Iterator[Task] | None = None) -> None:
        self.tasks: dict[int, Task] = dict(enumerate(tasks))
        self.numbers = itertools.count(len(self.tasks))
        self.assembly = planning.Assembly(tasks, job)
        self.retries = planning.Retries()
        self.more = more  # tasks still being found; None once all are

    def take_more(self) -> tuple[int, Task] | None:
        """The next task found (the walk goes on meanwhile), numbered; None when all were found."""
        if self.more is None:
            return None
        task = next(self.more, None)
        if task is None:
            self.more = None
            return None
        self.assembly.add_tasks([task])
        return self.add([task])[0], task

    def add(self, tasks: Sequence[Task]) -> list[int]:
        """Number new tasks and take them on."""
        added = [next(self.numbers) for _ in tasks]
        self.tasks.update(zip(added, tasks))
        return added

    def finish(self, number: int) -> bool:
        """Take a task off as merged; False if it was not on (given up on, or merged already)."""
        return self.tasks.pop(number, None) is not None

    def lost(self, numbers: list[int]) -> Iterator[BatchResult]:
        """Workers died counting these tasks: count them again, split, or give up, as the policy says."""
        blamed = {number: self.tasks[number] for number in numbers if number in self.tasks}
        seen: set[tuple[str, ...]] = set()
        for number, task in blamed.items():
            files = planning.files_of(task)
            if files in seen or number not in self.tasks:
                continue  # one death counts once for a file, whatever number of its pieces it took
            seen.add(files)
            verdict = self.retries.lost(files, killed=True)
            if verdict is Verdict.SPLIT:
                del self.tasks[number]
                self.add([(path,) for path in files])
            elif verdict is Verdict.GIVE_UP:
                yield self.give_up(number)
        if not self.retries.new_round():
            while self.take_more() is not None:
                pass  # pools keep dying: what is still to be found is given up on too
            for number in list(self.tasks):
                if number in self.tasks:  # giving up on a piece gives up its siblings too
                    yield self.give_up(number)

    def give_up(self, number: int) -> BatchResult:
        """Report the files of a task whose workers keep dying, and forget the task."""
        task = self.tasks.pop(number)
        if isinstance(task, Piece):
            for other in [n for n, t in self.tasks.items() if isinstance(t, Piece) and t.path == task.path]:
                del self.tasks[other]
            self.assembly.drop(task.path)
        return planning.give_up(planning.files_of(task))


def done_snapshot(result: BatchResult) -> Snapshot:
    """What a merged result adds to the bar."""
    return Snapshot(result.totals.files + len(result.problems), result.totals.bytes, result.totals.words)


def run_pool(
    tasks: Sequence[Task], job: Job, jobs: int, on_progress: OnProgress | None, more: Iterator[Task] | None = None
) -> Iterator[BatchResult]:
    """Count tasks on a pool of `jobs` workers, surviving workers that die; `more`: tasks still
    being found (read as the pool counts).

    A worker that dies (SIGKILL, the OOM killer) is noticed within a poll; the pool is then
    replaced and every task not yet merged is counted again, or split, or given up on, as
    `planning.Retries` says. Pieces of a large file are put together here, and a file whose pieces
    found it not to be UTF-8 is cut again with the encoding detected. Raises NoPool, before any
    result, when no pool can be made here.
    """
    todo = _Todo(tasks, job, more)
    progress = Accumulator(on_progress)
    while todo.tasks or todo.more is not None:
        first = todo.retries.rounds == 0
        try:
            yield from _Round(todo, job, jobs, progress, STALL_SECONDS * 2**todo.retries.rounds).results(first)
        except _Lost as lost:
            for result in todo.lost(lost.tasks):
                progress.total = progress.total.plus(done_snapshot(result))
                yield result


class _Feed:
    """The tasks of one pool, as the iterable `imap_unordered` reads (in the pool's task-handler
    thread): a queue that the parent fills as it goes, ended by `close`."""

    END = None

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[tuple[int, Task | None] | None] = queue.SimpleQueue()
        self.pending: set[int] = set()  # handed out, not answered yet
        self.closed = False

    def put(self, number: int, task: Task | None) -> None:
        self.pending.add(number)
        self.queue.put((number, task))

    def close(self) -> None:
        """No more tasks: lets the task-handler thread finish (also when the pool is stopped)."""
        if not self.closed:
            self.closed = True
            self.queue.put(self.END)

    def __iter__(self) -> Iterator[tuple[int, Task | None]]:
        while (job := self.queue.get()) is not self.END:
            yield job


class _Round:
    """One pool counting every task not merged yet, taking each off `todo` as it is merged.

    Raises _Lost when workers died; the pool is gone by then, and what it had not merged is
    still in `todo`.
    """

    def __init__(self, todo: _Todo, job: Job, jobs: int, progress: Accumulator,
                 stall_seconds: float) -> None:
        self.todo = todo
        self.job = job
        self.jobs = jobs
        self.progress = progress
        self.stall_seconds = stall_seconds
        self.feed = _Feed()
        self.held: dict[int, list[tuple[int, BatchResult]]] = {}  # worker → its batches whose words it holds
        self.merged = Snapshot()  # what this pool merged, for the bar
        self.flush_numbers = itertools.count(-2, -1)  # flush tasks are numbered apart from counting tasks
        self.quiet_since = time.monotonic()

    def _start(self, first: bool) -> tuple[Any, Board]:
        """The pool and its board; NoPool when the first cannot be made here."""
        context = multiprocessing.get_context()
        try:
            board = Board(context, self.jobs + SPARE_SLOTS)
            barrier = context.Barrier(self.jobs) if self.job.counting.frequencies else None
            pool = context.Pool(self.jobs, initializer=init_worker, initargs=(self.job, board, barrier))
        except (OSError, ImportError) as error:  # PermissionError is an OSError
            if not first:
                raise
            raise NoPool(str(error) or type(error).__name__) from None
        return pool, board

    def results(self, first: bool) -> Iterator[BatchResult]:
        """The results this pool merges, as they come."""
        pool, board = self._start(first)
        try:
            for number, task in list(self.todo.tasks.items()):
                self.feed.put(number, task)
            answers = pool.imap_unordered(work, self.feed, chunksize=1)
            while self.todo.more is not None or self.feed.pending or self.held:
                self._walk()
                if self.todo.more is None and not self.feed.pending:  # all counted; some words are still in the workers
                    for _ in range(self.jobs):
                        self.feed.put(next(self.flush_numbers), None)
                try:
                    done = answers.next(timeout=POLL_SECONDS)
                except multiprocessing.TimeoutError:
                    self._check(board)
                    continue
                self.quiet_since = time.monotonic()
                self.feed.pending.discard(done.task)
                for result in self._take(done, board):
                    self.merged = self.merged.plus(done_snapshot(result))
                    yield result
                self.progress.show(board.snapshot())
            self.feed.close()
            pool.close()
        finally:
            self.feed.close()
            _stop(pool)  # every result is in: nothing a worker still holds is needed
            self.progress.total = self.progress.total.plus(self.merged)

    def _walk(self) -> None:
        """Take tasks still being found (walking on meanwhile) until enough are queued to keep
        the workers busy, or all were found."""
        while self.todo.more is not None and len(self.feed.pending) < self.jobs * AHEAD_TASKS:
            taken = self.todo.take_more()
            if taken is not None:
                self.feed.put(*taken)
                self.quiet_since = time.monotonic()  # a stall is counted from the last task given out

    def _check(self, board: Board) -> None:
        """No answer within a poll: refresh the bar, and raise _Lost if workers died."""
        self.progress.show(board.snapshot())
        lost = board.lost({child.pid or 0 for child in multiprocessing.active_children()})
        if lost is None and not board.busy() and time.monotonic() - self.quiet_since > self.stall_seconds:
            lost = []  # a task vanished with no worker to blame
        if lost is not None:
            raise _Lost(lost) from None

    def _take(self, done: Done, board: Board) -> Iterator[BatchResult]:
        """The results a worker's answer makes ready to merge (none while it holds their words)."""
        todo, result = self.todo, done.result
        if isinstance(result, PieceResult):
            if not todo.finish(done.task):
                return
            assembled = todo.assembly.add(result)
            if isinstance(assembled, Recut):
                for number in todo.add(assembled.tasks):
                    self.feed.put(number, todo.tasks[number])
            elif assembled is not None:
                board.parent.add(1, 0, 0)
                yield assembled
        elif done.flushed:
            for number, earlier in self.held.pop(done.worker, []):
                todo.finish(number)
                yield earlier
            if todo.finish(done.task) or result.table:
                yield result
        else:
            self.held.setdefault(done.worker, []).append((done.task, result))


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


class LocalBackend:
    """The `backend.Backend` of this machine: `jobs` processes (see `run`)."""

    def __init__(self, jobs: int, on_warning: OnWarning | None = None) -> None:
        self.jobs = jobs
        self.on_warning = on_warning

    def run(
        self, entries: Iterable[FileEntry], job: Job, on_progress: OnProgress | None = None
    ) -> Iterator[BatchResult]:
        return run(entries, job, self.jobs, on_progress, self.on_warning)

    def threads(self) -> int:
        return self.jobs

    def close(self) -> None:
        """Nothing to let go of: every pool is stopped when its run ends."""

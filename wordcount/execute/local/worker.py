"""The worker side of the local pool: what each worker process counts with, and the shared board.

A worker's state is set once, by the pool's initializer (`init_worker`), in one module-level
holder, as flake8 scopes its `_mp_prefork` state; the serial path sets the same holder for its
duration (`serial_worker`). This module is what workers run: it imports counting and nothing
of the command line (no Typer, no tqdm).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from wordcount.counting.batch import count_batch
from wordcount.counting.reader import count_piece
from wordcount.counting.freq import Words, carried, new_table
from wordcount.counting.spec import Job
from wordcount.execute.planning import Task
from wordcount.progress import NoProgress, Progress, Snapshot
from wordcount.model import BatchResult, Piece, PieceResult, Totals
from wordcount.counting.tally import normalized

CLAIM_SECONDS = 2.0
FLUSH_TIMEOUT_SECONDS = 60
FLUSH_WORDS = 500_000
# Words are handed over at least this often, which bounds what a dead worker makes us recount.
FLUSH_BYTES = 256 * 1024 * 1024


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
        self.parent = Slot(self.array, slots)

    def claim(self) -> Slot | None:
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
        slot = Slot(self.array, index)
        slot.array[slot.base] = os.getpid()
        return slot

    def snapshot(self) -> Snapshot:
        values = self.array[:]
        return Snapshot(sum(values[2::5]), sum(values[3::5]), sum(values[4::5]))

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


class Slot:
    """A worker's own slot of the board: a `progress.Progress`, and the task it is on."""

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


class Worker:
    """What a worker process (or this one, on the serial path) counts with: its settings, its
    board slot (None in the serial path), where it reports progress, the word frequencies it has
    not yet handed over and how much text they came from, and the barrier of the final flush."""

    def __init__(self, job: Job, progress: Progress, slot: Slot | None = None,
                 barrier: Any = None) -> None:
        self.job = job
        self.progress = progress
        self.slot = slot
        self.barrier = barrier
        self.table: Words | None = new_table() if job.counting.frequencies else None
        self.unflushed_bytes = 0

    def count(self, number: int, task: Task) -> Done:
        """Count one batch, or one piece."""
        if isinstance(task, Piece):
            return Done(number, os.getpid(), count_piece(task, self.job.counting, self.progress), True)
        result = count_batch(task, self.job, self.progress, self.table)
        if self.table is None:
            return Done(number, os.getpid(), result, True)
        self.unflushed_bytes += result.totals.bytes
        if len(self.table) > FLUSH_WORDS or self.unflushed_bytes > FLUSH_BYTES:
            # A dictionary of millions of words is slow to grow (every look-up misses the cache):
            # past this size it goes to the parent with this batch, and a fresh one starts.
            return Done(number, os.getpid(), dataclasses.replace(result, table=self.hand_over()), True)
        return Done(number, os.getpid(), result, False)

    def flush(self, number: int) -> Done:
        """Hand over the word frequencies this worker still holds.

        In a pool, each worker gets one flush task: the barrier holds a worker that has taken
        one until every worker has, so no worker can take two.
        """
        if self.barrier is not None:
            self.barrier.wait(FLUSH_TIMEOUT_SECONDS)
        table = self.hand_over() if self.table is not None else b""
        return Done(number, os.getpid(), BatchResult(Totals(), table=table), True)

    def hand_over(self) -> Words | bytes:
        """The words this worker holds, as the user asked for them (`normalized`); it starts afresh."""
        table, self.table, self.unflushed_bytes = self.table, new_table(), 0
        return carried(normalized(table, self.job.counting))  # type: ignore[arg-type]


# The worker of this process, set only by the pool's initializer (or, on the serial path, for
# the run's duration by `serial_worker`), as flake8 scopes its `_mp_prefork` state.
_worker: Worker | None = None


def init_worker(job: Job, board: Board, barrier: Any) -> None:
    """Pool initializer: receive the settings and a board slot once, ignore Ctrl-C."""
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent alone decides about Ctrl-C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker must not run the parent's handler
    slot = board.claim()
    _worker = Worker(job, slot or NoProgress(), slot, barrier)


@contextlib.contextmanager
def serial_worker(job: Job, progress: Progress) -> Iterator[Worker]:
    """This process as the worker, for as long as the serial path counts."""
    global _worker
    _worker = Worker(job, progress)
    try:
        yield _worker
    finally:
        _worker = None


def work(item: tuple[int, Task | None]) -> Done:
    """The function the pool runs: count a task (None: flush the words), marked on the board."""
    number, task = item
    worker = _worker
    assert worker is not None, "the pool's initializer sets the worker"
    if worker.slot is not None:
        worker.slot.begin(number)
    try:
        return worker.flush(number) if task is None else worker.count(number, task)
    finally:
        if worker.slot is not None:
            worker.slot.begin(-1)

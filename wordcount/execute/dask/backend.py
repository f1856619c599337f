"""Counting on a Dask cluster (`--scheduler`): the backend beside the local pool of execute/local/pool.py.

The client plans exactly as the pool does (`planning.make_tasks`: pieces of large files, then
batches of whole files) and submits each batch, and each piece, as a task that runs counting/reader.py's
own counting on a worker (execute/dask/tasks.py). Pieces of a file are put together on the cluster
(`planning.Assembly`), and results are merged there too, up to eight per merge task as they
complete (a tree of merges), so that only the final result, and one small status per task for the
progress bar, travel back.

Every result is the value of a task and nothing else: a worker keeps nothing between tasks.
So a task that Dask runs again, because its worker died, is never counted twice. A task that
keeps killing workers fails with KilledWorker: a batch is then counted again file by file, and
a file that kills workers again is reported as an error: the pool's policy, `planning.Retries`.

This module is imported only when --scheduler is used: dask and distributed are an optional
extra (`pip install 'wordcount[dask]'`) and slow to import. Workers import `wordcount` (count,
plan, cluster_tasks) by name, so the same wordcount must be installed on every machine.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from dask.typing import Key
from distributed import Client, Future, as_completed
from distributed.scheduler import KilledWorker

from wordcount.execute import planning
from wordcount.execute.dask import scheduler, tasks
from wordcount.execute.local import pool
from wordcount.counting.spec import Job
from wordcount.execute.planning import Task, Verdict
from wordcount.progress import Accumulator, OnProgress
from wordcount.model import STDIN, BatchResult, FileEntry, Piece

# With --ship-bytes, at most this many bytes read by the client are on their way to, or held
# by, the cluster at once (one unit of work bigger than that goes alone).
SHIP_IN_FLIGHT_BYTES = 256 * 1024 * 1024
SCATTER_TRIES = 5
# Results merged by one task: fewer copies of large frequency tables than merging pairwise.
FAN_IN = 8


def connect(settings: scheduler.Settings) -> Session:
    """Connect to the scheduler and wait for a worker, both within `connect_timeout`."""
    client, address = scheduler.reach(settings)
    return Session(client, address, settings.ship_bytes)


@dataclass(frozen=True, slots=True)
class _Unit:
    """What is submitted, and if need be counted again, as one: a batch of whole files, or the
    pieces of one large file."""

    paths: tuple[str, ...] = ()
    pieces: tuple[Piece, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return self.paths or (self.pieces[0].path,)


def _units(tasks: Sequence[Task]) -> list[_Unit]:
    """The planned tasks as units: each batch alone, the pieces of each file together."""
    units: list[_Unit] = []
    pieces: dict[str, list[Piece]] = {}
    for task in tasks:
        if isinstance(task, Piece):
            pieces.setdefault(task.path, []).append(task)
        else:
            units.append(_Unit(paths=task))
    return [_Unit(pieces=tuple(group)) for group in pieces.values()] + units


@dataclass
class _Node:
    """A result on the cluster, and the units of work it holds."""

    future: Future
    units: list[_Unit]


@dataclass
class _Submitted:
    """A unit on its way: the future of its result, of its status, and what keeps it alive."""

    unit: _Unit
    result: Future
    keys: frozenset[str]  # the unit's own tasks, to tell whether one of them killed workers
    shipped_bytes: int = 0
    keep: list[Future] = field(default_factory=list)  # shipped data and pieces, released with it


class Session:
    """A connected client: counts runs of files on the cluster, then is closed."""

    def __init__(self, client: Client, address: str, ship_bytes: bool) -> None:
        self.client = client
        self.address = address
        self.ship_bytes = ship_bytes

    def close(self) -> None:
        try:
            self.client.close(timeout=5)
        except Exception:  # noqa: BLE001 - nothing left to save; the run's outcome is decided
            pass

    def threads(self) -> int:
        """Worker threads of the cluster now: how many tasks run at once."""
        return max(1, sum(self.client.nthreads().values()))

    def run(
        self, entries: Iterable[FileEntry], job: Job, on_progress: OnProgress | None = None
    ) -> Iterator[BatchResult]:
        """Count `entries` on the cluster, yielding the merged result (and files given up on).

        The walk is let finish first: the tasks are planned over all the files. Standard input
        is read here, since workers cannot read it.
        """
        stdin, files = planning.split_stdin(list(entries))
        if stdin:
            yield from pool.run_serial([(STDIN,)], job, on_progress)
        if not files:
            return
        jobs = self.threads()
        # With shipped bytes, large files are always cut, so that no task carries more than a piece.
        tasks = planning.make_tasks(files, max(jobs, 2) if self.ship_bytes else jobs, job)
        run = _Run(self, job, on_progress, _working_folder())
        yield from run.count(_units(tasks))


class _Tree:
    """The reduction tree: results on the cluster merged FAN_IN at a time as they come."""

    def __init__(self, client: Client, watch: as_completed) -> None:
        self.client = client
        self.watch = watch  # where a merge's future is watched for
        self.merges: dict[Key, _Node] = {}  # under way, by the key of the merge
        self.ready: list[_Node] = []  # results not merged yet

    def merge(self, node: _Node | None, idle: bool) -> None:
        """Take a result in (if any) and start the merges due: FAN_IN results at a time, and
        whatever is left once nothing else is under way (`idle` and no merge running)."""
        if node is not None:
            self.ready.append(node)
        while len(self.ready) >= FAN_IN or (len(self.ready) > 1 and idle and not self.merges):
            group, self.ready = self.ready[:FAN_IN], self.ready[FAN_IN:]
            merged = self.client.submit(tasks.merge_task, *(item.future for item in group), pure=False)
            self.merges[merged.key] = _Node(merged, [unit for item in group for unit in item.units])
            self.watch.add(merged)

    def futures(self) -> list[Future]:
        """Every future the tree holds, which it forgets."""
        futures = [node.future for node in self.merges.values()] + [node.future for node in self.ready]
        self.merges.clear()
        self.ready.clear()
        return futures


class _Run:
    """One count on the cluster: submissions, statuses, failures (the merging: `_Tree`)."""

    def __init__(
        self, session: Session, job: Job, on_progress: OnProgress | None, cwd: str
    ) -> None:
        self.session = session
        self.cwd = cwd  # the client's working folder: where workers find relative paths
        self.client = session.client
        self.job = job
        self.on_progress = on_progress
        self.bar = Accumulator(on_progress, interval=0.0)
        self.waiting: deque[_Unit] = deque()
        self.submitted: dict[Key, _Submitted] = {}  # by the key of the unit's status
        self.progress: set[Key] = set()  # statuses of pieces: only for the bar
        self.retries = planning.Retries()
        self.in_flight = 0  # shipped bytes
        self.watch = as_completed(loop=self.client.loop)
        self.tree = _Tree(self.client, self.watch)

    def count(self, units: list[_Unit]) -> Iterator[BatchResult]:
        self.waiting.extend(units)
        try:
            self._fill()
            for future in self.watch:
                yield from self._handle(future)
                self._fill()
                self._ready()  # the last merges, once nothing else is under way
            assert not self.waiting and len(self.tree.ready) <= 1
            if self.tree.ready:
                final = self._result(self.tree.ready.pop().future)
                yield final
        finally:
            self._forget()
        self.bar.show()

    def _forget(self) -> None:
        """Release every future of the run (cancelling what is still running)."""
        futures = [item.result for item in self.submitted.values()] + self.tree.futures()
        self.submitted.clear()
        self.watch.clear()
        if futures:
            try:
                self.client.cancel(futures)
            except Exception:  # noqa: BLE001 - the connection may be gone already
                pass

    def _result(self, future: Future) -> Any:
        try:
            return future.result()
        except Exception as error:  # noqa: BLE001 - sorted out below
            self._check(error)
            raise

    def _check(self, error: BaseException) -> None:
        """Turn what says the cluster cannot count into a ClusterError."""
        cause: BaseException | None = error
        while cause is not None and not isinstance(cause, ImportError):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise scheduler.ClusterError(
                f"the Dask cluster at {self.session.address} cannot import wordcount's code ({cause}): "
                "install this same wordcount on the scheduler and every worker"
            ) from None
        if self.client.status not in ("running", "connecting"):
            raise scheduler.ClusterError(f"lost the connection to the Dask scheduler at {self.session.address}") from None

    # Submitting.

    def _fill(self) -> None:
        """Submit waiting units; with shipped bytes, only as many as the bound allows."""
        while self.waiting:
            if (self.session.ship_bytes and self.in_flight
                    and self.in_flight + self._weight(self.waiting[0]) > SHIP_IN_FLIGHT_BYTES):
                return
            self._submit(self.waiting.popleft())

    def _weight(self, unit: _Unit) -> int:
        """About how many bytes shipping a unit sends."""
        if unit.paths:
            return sum(_size(path) for path in unit.paths)
        return _size(unit.pieces[0].path)

    def _submit(self, unit: _Unit) -> None:
        """Submit a unit, and the task that tells its status."""
        submitted = self._submit_batch(unit) if unit.paths else self._submit_pieces(unit)
        status = self.client.submit(tasks.status_task, submitted.result, bool(unit.paths), pure=False)
        self.in_flight += submitted.shipped_bytes
        self.submitted[status.key] = dataclasses.replace(submitted, keys=submitted.keys | {str(status.key)})
        self.watch.add(status)

    def _submit_batch(self, unit: _Unit) -> _Submitted:
        """A batch of whole files as one task (with their bytes, when they are shipped)."""
        shipped, shipped_bytes, keep = None, 0, []
        if self.session.ship_bytes:
            payload = tasks.ship_files(unit.paths)
            shipped_bytes = sum(len(item.data) for item in payload)
            shipped = self._scatter(payload)
            keep.append(shipped)
        result = self.client.submit(tasks.count_task, unit.paths, self.job, shipped, self.cwd, pure=False)
        return _Submitted(unit, result, frozenset({str(result.key)}), shipped_bytes, keep)

    def _submit_pieces(self, unit: _Unit) -> _Submitted:
        """A cut file: a task per piece (each with a status, for the bar), and their assembly."""
        client = self.client
        pieces, keep, shipped_bytes, size = [], [], 0, None
        for piece in unit.pieces:
            shipped_piece = None
            if self.session.ship_bytes:
                payload_piece, size = tasks.ship_piece(piece)
                shipped_bytes += len(payload_piece.data)
                shipped_piece = self._scatter(payload_piece)
                keep.append(shipped_piece)
            future = client.submit(tasks.piece_task, piece, self.job, shipped_piece, self.cwd, pure=False)
            pieces.append(future)
            progress = client.submit(tasks.status_task, future, True, pure=False)
            self.progress.add(progress.key)
            self.watch.add(progress)
        assemble: Any = tasks.assemble_task  # a result, or tasks to count again: status_task tells which
        result = client.submit(assemble, unit.pieces, pieces, self.job, size, self.cwd, pure=False)
        keys = frozenset(map(str, {result.key, *(future.key for future in pieces)}))
        return _Submitted(unit, result, keys, shipped_bytes, keep + pieces)

    def _scatter(self, payload: Any) -> Future:
        """Send shipped bytes to a worker; a worker that dies meanwhile is tried again."""
        for attempt in range(SCATTER_TRIES):
            try:
                [future] = self.client.scatter([payload], hash=False)
                return future
            except OSError:
                self._check(Exception())
                if attempt + 1 == SCATTER_TRIES:
                    raise
                time.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    # Results.

    def _handle(self, future: Future) -> Iterator[BatchResult]:
        key = future.key
        if key in self.progress:
            self.progress.discard(key)
            if future.status == "finished":
                self._show(future.result())
            return
        if key in self.tree.merges:
            node = self.tree.merges.pop(key)
            if future.status == "finished":
                self._ready(node)
            else:
                yield from self._lost(node.units, self._error(future), frozenset())
            return
        submitted = self.submitted.pop(key, None)
        if submitted is None:
            return  # given up on meanwhile
        self.in_flight -= submitted.shipped_bytes
        if future.status != "finished":
            yield from self._lost([submitted.unit], self._error(future), submitted.keys)
            return
        status: tasks.Status = future.result()
        self._show(status)
        if status[3] is not None:  # not UTF-8 after all: count again as the pieces say
            self.waiting.extendleft(reversed(_units(status[3])))
            return
        self._ready(_Node(submitted.result, [submitted.unit]))

    def _error(self, future: Future) -> BaseException | None:
        """Why a future failed; None when its result was lost or cancelled (count it again)."""
        if future.status != "error":
            self._check(Exception())
            return None
        try:
            error = future.exception()
        except Exception as failure:  # noqa: BLE001 - cancelled meanwhile
            error = failure
        self._check(error)
        return error

    def _show(self, status: tasks.Status) -> None:
        self.bar.add(status[0], status[1], status[2])

    def _ready(self, node: _Node | None = None) -> None:
        """A result is in (or nothing else may come): merge what is due on the cluster."""
        self.tree.merge(node, idle=not (self.submitted or self.waiting))

    def _lost(self, units: list[_Unit], error: BaseException | None, own: frozenset[str]) -> Iterator[BatchResult]:
        """Results that could not be had: count their units again, or give up on them.

        KilledWorker blamed on a unit's own task means its files kill workers: a batch is
        counted again file by file, a single file or a cut file is given up on at the second
        time. Anything else (a merge above it failed, shipped bytes lost with a worker) counts
        the unit again as it was; `planning.Retries` says when to give up.
        """
        killed = isinstance(error, KilledWorker) and str(error.task) in own
        if error is not None and not isinstance(error, KilledWorker):
            raise error  # a bug in the counting code: as the pool does, let it be seen
        for unit in units:
            verdict = self.retries.lost(unit.files, killed)
            if verdict is Verdict.SPLIT:
                self.waiting.extendleft(_Unit(paths=(path,)) for path in reversed(unit.paths))
            elif verdict is Verdict.GIVE_UP:
                yield planning.give_up(unit.files)
            else:
                self.waiting.appendleft(unit)


def _working_folder() -> str:
    """This process's working folder, which relative paths are relative to; "" when it was
    removed (absolute paths are still counted; relative ones fail on the workers as here)."""
    try:
        return os.getcwd()
    except OSError:
        return ""


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


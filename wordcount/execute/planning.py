"""Planning the work, for either backend: batches, pieces of large files, their assembly, and
the one policy for work lost with a worker.

The parent cuts the files into batches of similar work (largest files first, so that one big
file does not finish last), and every large file into pieces counted in parallel. Whoever
collects the pieces of a file (the pool's parent, or a task on the cluster) puts them together
with `Assembly`. Work lost with a worker that died is counted again, or given up on, as
`Retries` says. Nothing here runs anything.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from wordcount.counting import reader
from wordcount.text import compressed
from wordcount.text.decoding import Decoding
from wordcount.counting.batch import BatchParts
from wordcount.text.not_utf8 import Sample, decide_again
from wordcount.counting.freq import merge, new_table
from wordcount.counting.spec import Counting, Job
from wordcount.text.cut_points import cut_marks
from wordcount.model import STDIN, BatchResult, Failed, FileCounts, FileEntry, Piece, PieceResult, Totals

# A pool costs tens of milliseconds to start; below this much work it cannot pay for itself.
SERIAL_BELOW = 2 * 1024 * 1024
# What opening, reading and reporting one small file costs, in bytes of counting.
FILE_COST = 4096
# A byte of a file counted by its prose (`--markup auto`) costs about this many bytes of plain
# counting (parsing Markdown takes most of it: bench/markup.py measures about 20×).
PROSE_COST = 20
MIN_BATCH_BYTES = 256 * 1024
MAX_BATCH_BYTES = 16 * 1024 * 1024
MAX_BATCH_FILES = 2048
# A file this large is cut into pieces counted in parallel, of about PIECE_BYTES each.
SPLIT_BYTES = 32 * 1024 * 1024
MIN_PIECE_BYTES = 8 * 1024 * 1024
MAX_PIECE_BYTES = 256 * 1024 * 1024  # each piece has a table of its own: fewer, larger pieces merge less

WORKER_DIED = "worker died while counting this file"

Task = tuple[str, ...] | Piece  # a batch of whole files, or a piece of one large file


def split_stdin(entries: Sequence[FileEntry]) -> tuple[bool, list[FileEntry]]:
    """Whether standard input (`-`) is among `entries`, and the files apart from it: only the
    parent can read standard input, so it is counted there, apart from the plan."""
    files = [entry for entry in entries if entry.path != STDIN]
    return len(files) < len(entries), files


def work(entries: Sequence[FileEntry], counting: Counting | None = None) -> int:
    """How much counting `entries` take, in bytes (a small file costs more than its size)."""
    return sum(cost(entry, counting) for entry in entries)


def cost(entry: FileEntry, counting: Counting | None) -> int:
    """How much counting one file takes, in bytes of plain counting: a file read by its prose
    (`counting.markup_for`) costs PROSE_COST times its size, so that batches of documents are
    as short as batches of plain text, and no worker is left with most of the parsing."""
    prose = counting is not None and counting.markup_for(entry.path) is not None
    return entry.size * (PROSE_COST if prose else 1) + FILE_COST


def _size(entry: FileEntry) -> int:
    return entry.size


def make_batches(entries: Sequence[FileEntry], jobs: int, counting: Counting | None = None) -> list[tuple[str, ...]]:
    """Cut files into batches of similar work, largest files first.

    Enough batches that every worker stays busy to the end, few enough that the results
    the parent merges stay few.
    """
    ordered = sorted(entries, key=_size, reverse=True)  # stable: equal sizes keep the walk's order
    target = min(MAX_BATCH_BYTES, max(MIN_BATCH_BYTES, work(ordered, counting) // (jobs * 8)))
    batches: list[tuple[str, ...]] = []
    batch: list[str] = []
    weight = 0
    for entry in ordered:
        batch.append(entry.path)
        weight += cost(entry, counting)
        if weight >= target or len(batch) >= MAX_BATCH_FILES:
            batches.append(tuple(batch))
            batch, weight = [], 0
    if batch:
        batches.append(tuple(batch))
    return batches


def plan_pieces(path: str, size: int, decoding: Decoding, jobs: int) -> list[Piece] | None:
    """Nominal byte ranges of a large file in an encoding that can be cut, else None."""
    if decoding.binary or cut_marks(decoding.codec) is None:
        return None
    piece = min(MAX_PIECE_BYTES, max(MIN_PIECE_BYTES, size // (jobs * 4)))
    starts = list(range(0, size, piece))
    return [
        Piece(path, index, start, starts[index + 1] if index + 1 < len(starts) else None, decoding)
        for index, start in enumerate(starts)
    ]


def make_tasks(entries: Sequence[FileEntry], jobs: int, job: Job) -> list[Task]:
    """Pieces of every large file (so that one big file cannot serialise the run), then batches."""
    pieces: list[Task] = []
    whole: list[FileEntry] = []
    for entry in entries:
        cut = cut_file(entry, jobs, job)
        if cut:
            pieces.extend(cut)
        else:
            whole.append(entry)
    return pieces + list(make_batches(whole, jobs, job.counting))


def stream_tasks(entries: Iterable[FileEntry], jobs: int, job: Job, stdin: list[FileEntry]) -> Iterator[Task]:
    """Tasks as the walk finds the files, so that workers count while it goes on: a large file's
    pieces as soon as it is met, and batches that start small (the first go out at once) and
    double up to MAX_BATCH_BYTES (later ones are fewer to merge). Standard input, which only the
    parent can read, is put in `stdin` instead."""
    target = MIN_BATCH_BYTES
    batch: list[str] = []
    weight = 0
    for entry in entries:
        if entry.path == STDIN:
            stdin.append(entry)
            continue
        if cut := cut_file(entry, jobs, job):
            yield from cut
            continue
        batch.append(entry.path)
        weight += cost(entry, job.counting)
        if weight >= target or len(batch) >= MAX_BATCH_FILES:
            yield tuple(batch)
            batch, weight = [], 0
            target = min(target * 2, MAX_BATCH_BYTES)
    if batch:
        yield tuple(batch)


def cut_file(entry: FileEntry, jobs: int, job: Job) -> list[Piece] | None:
    """The pieces a large file is counted in, or None to count it whole.

    A file is planned from the same first block a worker counting it whole would read, so that
    it is read the same way whatever the number of jobs. A file searched for forbidden words is
    not cut: one reader gives exact line numbers. Nor are files the counting settings say must
    be read whole (`spec.Counting.may_cut`), nor a compressed file (`compressed.kind`): its text
    can only be read from the start.
    """
    audit = job.audit
    if (jobs < 2 or entry.size < SPLIT_BYTES or not job.counting.may_cut(entry.path)
            or (audit and audit.searches(entry.path))):
        return None
    try:
        with open(entry.path, "rb") as stream:
            head = reader.read_head(stream)
    except OSError:
        return None  # counted whole: the worker reports the error
    if compressed.kind(head) is not None:
        return None
    return plan_pieces(entry.path, entry.size, job.counting.decoding_for(entry.path, head), jobs)


def files_of(task: Task) -> tuple[str, ...]:
    """The files a task counts (a piece: its file)."""
    return (task.path,) if isinstance(task, Piece) else task


def give_up(files: Sequence[str]) -> BatchResult:
    """The result for files whose counting keeps killing workers: each one an error."""
    return BatchResult(Totals(), problems=tuple(Failed(path, WORKER_DIED) for path in files))


@dataclass(frozen=True, slots=True)
class Recut:
    """A cut file's pieces found it is not UTF-8 after all: the tasks that count it again."""

    tasks: tuple[Task, ...]


def _index(piece: PieceResult) -> int:
    return piece.index


class Assembly:
    """Collects the pieces of cut files and gives each whole file's result once all are in."""

    def __init__(self, tasks: Sequence[Task], job: Job, sizes: Mapping[str, int] | None = None,
                 cwd: str = "") -> None:
        self.job = job
        self.sizes = sizes or {}  # files' sizes as whoever read them saw them; else the file is asked
        self.cwd = cwd  # what relative paths are relative to ("": here), as in reader.count_batch
        self.waiting: dict[str, list[PieceResult]] = {}
        self.expected: dict[str, list[Piece]] = {}
        self.add_tasks(tasks)

    def add_tasks(self, tasks: Sequence[Task]) -> None:
        """Expect the pieces among `tasks`."""
        for task in tasks:
            if isinstance(task, Piece):
                self.expected.setdefault(task.path, []).append(task)
                self.waiting.setdefault(task.path, [])

    def drop(self, path: str) -> None:
        """Forget a file given up on; its pieces still on their way are ignored."""
        self.waiting.pop(path, None)
        self.expected.pop(path, None)

    def add(self, result: PieceResult) -> BatchResult | Recut | None:
        """Take one piece: the file's result when it was the last, the tasks that count it
        again when it must be, or None while pieces are missing."""
        got = self.waiting.get(result.path)
        if got is None:
            return None
        got.append(result)
        pieces = self.expected[result.path]
        if len(got) < len(pieces):
            return None
        del self.waiting[result.path], self.expected[result.path]
        if failed := next((piece.error for piece in got if piece.error), None):
            return BatchResult(Totals(), problems=(Failed(result.path, failed),))
        # The first piece that is not UTF-8 holds the file's first byte that is not: its sample
        # is the one a count of the whole file takes.
        first = min((piece for piece in got if piece.sample is not None), key=_index, default=None)
        if first is not None and first.sample is not None:
            return self._recut(pieces, first.sample)
        return self._whole(result.path, pieces[0].decoding, got)

    def _recut(self, pieces: list[Piece], sample: Sample) -> Recut:
        """Every piece is void: cut the file again for the codec found, or count it whole."""
        decoding = decide_again(pieces[0].decoding, sample, self.job.counting.fallback_encoding)
        again: list[Task] = [(pieces[0].path,)]
        if cut_marks(decoding.codec) is not None:
            again = [dataclasses.replace(piece, decoding=decoding) for piece in pieces]
        self.add_tasks(again)
        return Recut(tuple(again))

    def _whole(self, path: str, decoding: Decoding, got: list[PieceResult]) -> BatchResult:
        """The result of a file all of whose pieces are in."""
        totals = Totals()
        table = new_table()
        for piece in got:
            totals += piece.totals
            merge(table, piece.table)
        try:
            size = self.sizes.get(path)
            if size is None:
                size = os.stat(os.path.join(self.cwd, path)).st_size
            changed = size != totals.bytes  # as count_stream does
        except OSError:
            changed = True
        row = FileCounts(
            path, totals.lines, totals.words, totals.chars, totals.bytes,
            decoding.encoding or "utf-8", sum(piece.replaced for piece in got), changed,
            cjk_chars=totals.cjk_chars, bom=any(piece.bom for piece in got), confidence=decoding.confidence,
        )
        parts = BatchParts(self.job.per_file, self.job.audit, self.cwd)
        parts.add(row, table if self.job.keeps_file_words else None)
        return parts.result(table)


class Verdict(Enum):
    """What to do with work lost with a worker."""

    AGAIN = "count it again as it was"
    SPLIT = "count its files again one by one, to find the one that kills"
    GIVE_UP = "report its files as errors"


class Retries:
    """The one policy, for the pool and the cluster alike, on work lost with a worker.

    A batch of several files whose count killed its worker is counted again file by file, to
    find the file that kills. A single file, or a cut file, whose count killed a worker KILLS
    times is given up on (its files reported as errors, WORKER_DIED). Work lost for another
    reason (a merge above it failed, shipped bytes lost with a worker) is counted again as it
    was, and given up on after TRIES losses. A local run that needs more than ROUNDS fresh
    pools has something killing every worker, and gives up on what is left.
    """

    KILLS = 2
    TRIES = 4
    ROUNDS = 8

    def __init__(self) -> None:
        self.kills: Counter[tuple[str, ...]] = Counter()
        self.tries: Counter[tuple[str, ...]] = Counter()
        self.rounds = 0

    def lost(self, files: tuple[str, ...], killed: bool) -> Verdict:
        """The verdict on work counting `files`, lost now; `killed`: its own count killed a worker."""
        if killed and len(files) > 1:
            return Verdict.SPLIT
        (self.kills if killed else self.tries)[files] += 1
        if self.kills[files] >= self.KILLS or self.tries[files] >= self.TRIES:
            return Verdict.GIVE_UP
        return Verdict.AGAIN

    def new_round(self) -> bool:
        """Whether the run may go on after losing its workers once more."""
        self.rounds += 1
        return self.rounds <= self.ROUNDS

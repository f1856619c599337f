"""What runs on a Dask cluster's workers for `--scheduler`, and what the client ships them.

Each task is a pure function of its arguments: a worker keeps nothing between tasks, so a task
that Dask runs again, because its worker died, is never counted twice. This module imports
counting and planning only (no dask): workers import it by name, as `wordcount.execute.dask.tasks`.
"""

from __future__ import annotations

import dataclasses
import os
import stat
from typing import Any

from wordcount.execute import planning
from wordcount.text import not_utf8
from wordcount.counting.batch import count_batch
from wordcount.counting.reader import count_piece
from wordcount.counting.freq import Words, merge, new_table
from wordcount.counting.spec import Job
from wordcount.progress import NoProgress
from wordcount.execute.planning import Recut, Task
from wordcount.text.cut_points import piece_bounds
from wordcount.model import BatchResult, Piece, PieceResult, Shipped, merge_batches
from wordcount.counting.tally import normalized
from wordcount.counting.read_to_end import changed_while_read
from wordcount.messages import os_message

# What runs on the workers. Each is a pure function of its arguments: a worker keeps nothing.
# Paths are as the user typed them, and `cwd` is the client's working folder: a worker runs in
# a folder of its own, so it reads a relative path in `cwd`, and reports it as typed.


def count_task(
    paths: tuple[str, ...], job: Job, shipped: tuple[Shipped, ...] | None, cwd: str
) -> BatchResult:
    """Count a batch of files (or the bytes shipped for them) into one result, frequencies included."""
    table: Words | None = new_table() if job.counting.frequencies else None
    by_path = {item.path: item for item in shipped} if shipped is not None else None
    result = count_batch(paths, job, NoProgress(), table, by_path, cwd)
    if table is None:
        return result
    return BatchResult(result.totals, result.files, result.problems, normalized(table, job.counting), result.warnings,
                       result.violations, result.uncertain, result.file_words)


def piece_task(piece: Piece, job: Job, shipped: Shipped | None, cwd: str) -> PieceResult:
    """Count one piece of a large file."""
    return count_piece(piece, job.counting, NoProgress(), shipped, cwd)


def assemble_task(
    pieces: tuple[Piece, ...], results: list[PieceResult], job: Job, size: int | None, cwd: str
) -> BatchResult | Recut:
    """Put the pieces of one file together (`planning.Assembly`): the file's result, or the
    tasks that count it again when its pieces found it is not UTF-8 after all."""
    sizes = {pieces[0].path: size} if size is not None else None
    assembly = planning.Assembly(pieces, job, sizes, cwd)
    outcome: BatchResult | Recut | None = None
    for result in sorted(results, key=_index):
        outcome = assembly.add(result)
    assert outcome is not None, "every piece is in"
    return outcome


def _index(piece: PieceResult) -> int:
    return piece.index


def merge_task(*results: BatchResult) -> BatchResult:
    """One step of the reduction on the cluster: the largest frequency table is copied once
    and the others added to it."""
    largest, *others = sorted(results, key=lambda result: len(result.table), reverse=True)
    table: Any = largest.table
    merged = dataclasses.replace(largest, table={})
    for result in others:
        if result.table:
            if table is largest.table:
                table = new_table(table)  # a copy: the inputs may still be needed, unchanged
            merge(table, result.table)
        merged = merge_batches(merged, dataclasses.replace(result, table={}))
    return dataclasses.replace(merged, table=table)


Status = tuple[int, int, int, tuple[Task, ...] | None]  # files, bytes, words; tasks to count again


def status_task(result: BatchResult | PieceResult | Recut, counts_bytes: bool) -> Status:
    """The few numbers the client's progress bar needs from a result (and whether a cut file
    must be counted again), so that the result itself stays on the cluster."""
    if isinstance(result, Recut):
        return 0, 0, 0, result.tasks
    if isinstance(result, PieceResult):
        return 0, result.totals.bytes, result.totals.words, None
    files = result.totals.files + len(result.problems)
    if not counts_bytes:  # a file put together from pieces: its bytes were shown piece by piece
        return files, 0, 0, None
    return files, result.totals.bytes, result.totals.words, None


def ship_files(paths: tuple[str, ...]) -> tuple[Shipped, ...]:
    """Read whole files, each to its end, for workers that cannot (--ship-bytes)."""
    shipped = []
    for path in paths:
        try:
            with open(path, "rb") as stream:
                opened = os.fstat(stream.fileno())
                data = stream.read()
                changed = changed_while_read(opened, os.fstat(stream.fileno()))
            size = opened.st_size if stat.S_ISREG(opened.st_mode) else None
            shipped.append(Shipped(path, data, size=size, changed=changed and size is not None))
        except OSError as error:
            shipped.append(Shipped(path, error=os_message(error)))
    return tuple(shipped)


def ship_piece(piece: Piece) -> tuple[Shipped, int | None]:
    """Read one piece's bytes for workers that cannot, with the file's size.

    The client finds where the piece really begins and ends, and sends that range, the bytes
    before it that a sample of a file found not to be UTF-8 may look back on, and those after it
    that it may look ahead to (not_utf8.sample_at), so a worker counts exactly what it would from
    the file.
    """
    try:
        with open(piece.path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            begin, end = piece_bounds(stream, piece)
            if end is not None and begin >= end:
                return Shipped(piece.path, bounds=(0, 0)), size
            base = max(0, begin - not_utf8.LOOK_BACK)
            stream.seek(base)
            data = stream.read() if end is None else stream.read(end + not_utf8.LOOK_AHEAD - base)  # the last: to the end
        return Shipped(piece.path, data, base, size, bounds=(begin, end)), size
    except OSError as error:
        return Shipped(piece.path, error=os_message(error)), None

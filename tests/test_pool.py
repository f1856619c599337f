"""The local backend where multiprocessing cannot make a pool (no semaphores, no shared memory)."""

from __future__ import annotations

import multiprocessing
import pathlib
from typing import Any

import pytest

from conftest import invoke
from test_cli import make_tree
from wordcount.execute.local import pool
from wordcount.counting.spec import Counting, Job
from wordcount.model import FileEntry


@pytest.mark.parametrize("part", ["Pool", "Array"])
def test_no_pool_counts_serially_with_one_warning(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                                  part: str) -> None:
    """As flake8 does: a host without semaphores or shared memory counts in this process, with
    one warning on stderr, and prints the report -j 1 prints."""
    tree = make_tree(tmp_path / "tree")
    args = [str(tree), "--per-file", "--format", "json", "--progress", "none"]
    serial = invoke(*args, "-j", "1")

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(multiprocessing.get_context(), part, refuse)
    started: list[str] = []
    real_serial = pool.run_serial

    def spy(*args: Any, **kwargs: Any) -> Any:
        started.append("serial")
        return real_serial(*args, **kwargs)

    monkeypatch.setattr(pool, "run_serial", spy)
    fallback = invoke(*args, "-j", "2")
    assert fallback.exit_code == serial.exit_code == 0
    assert fallback.stdout == serial.stdout
    assert started == ["serial"]
    warnings = [line for line in fallback.stderr.splitlines() if "cannot start worker processes" in line]
    assert warnings == ["wordcount: cannot start worker processes here ([Errno 38] Function not implemented); "
                        "counting in this process"]


def _many_files(folder: pathlib.Path, count: int, size: int) -> list[FileEntry]:
    folder.mkdir()
    entries = []
    for index in range(count):
        path = folder / f"f{index:04d}.txt"
        path.write_bytes((b"word%d " % index) * (size // 8))
        entries.append(FileEntry(str(path), path.stat().st_size))
    return entries


def test_workers_count_while_the_walk_still_finds_files(tmp_path: pathlib.Path) -> None:
    """Files are handed to the pool as the walk yields them: the first results come back before
    the walk has ended, and the results add up to every file (each counted once)."""
    entries = _many_files(tmp_path / "many", 2000, 32 * 1024)  # more than the tasks queued ahead hold
    walked: list[int] = []

    def walk() -> Any:
        for number, entry in enumerate(entries, 1):
            walked.append(number)
            yield entry

    seen_at_first_result = None
    files = words = 0
    for result in pool.run(walk(), Job(Counting(frequencies=False)), 2):
        if seen_at_first_result is None and result.totals.files:
            seen_at_first_result = len(walked)
        files += result.totals.files
        words += result.totals.words
    assert seen_at_first_result is not None and seen_at_first_result < len(entries)
    assert files == len(entries)
    assert words == sum(len(pathlib.Path(entry.path).read_bytes().split()) for entry in entries)


def test_no_pool_while_walking_counts_every_file_here(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool that cannot start when the walk is already feeding it: everything is counted here,
    nothing lost or counted twice, with the one warning."""
    entries = _many_files(tmp_path / "many", 200, 64 * 1024)

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(multiprocessing.get_context(), "Pool", refuse)
    warnings: list[str] = []
    results = list(pool.run(iter(entries), Job(Counting()), 2, None, warnings.append))
    assert sum(result.totals.files for result in results) == len(entries)
    assert len(warnings) == 1 and "Function not implemented" in warnings[0]

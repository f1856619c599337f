"""A cache that another process holds, that cannot be written, or that is damaged: the report is
always a fresh run's, the exit code 0, and stderr says what happened to the cache.

Locks are real sqlite locks, taken by another process (`holding`); folders and files that cannot
be written are made so by the kernel: permissions for a process without root's power to override
them (`run_process(unprivileged=True)`), or a read-only file system where this test may mount one.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import invoke, run_process
from test_cache import REPORT, bump, fresh, make_tree, no_reading, run  # noqa: F401  (no_reading: a fixture)
from wordcount import cache

HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
for statement in sys.argv[3:]:
    db.execute(statement).fetchall()
print("holding", flush=True)
if sys.argv[2] == "-":
    sys.stdin.readline()  # until the test says
else:
    time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
print("committed", flush=True)
"""


@contextlib.contextmanager
def holding(database: pathlib.Path, *statements: str, seconds: float | None = None) -> Iterator[subprocess.Popen[str]]:
    """Another process that runs `statements` on `database` (a BEGIN first) and holds the lock
    they took, until the block ends (or for `seconds`); then it commits."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(database), "-" if seconds is None else str(seconds),
                               *statements], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        yield holder
        if seconds is None:
            assert holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.flush()
        assert holder.stdout.readline() == "committed\n"
        assert holder.wait(timeout=60) == 0
    finally:
        holder.kill()
        holder.wait()


def stored_paths(database: pathlib.Path) -> set[str]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return {os.path.basename(path) for (path,) in db.execute("SELECT path FROM files")}


def cached_tree(tmp_path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """A tree, and a cache (folder, database) that holds all of it."""
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    run(str(root), "--cache-dir", str(store))
    return root, store, store / cache.FILENAME


def test_a_cache_another_run_holds_is_waited_for_then_done_without(tmp_path: pathlib.Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """An exclusive lock held past the wait: counted without the cache, which is left untouched
    (it was once declared corrupt after 30 s and deleted from under its holder)."""
    monkeypatch.setattr(cache, "LOCK_WAIT", 1)
    root, store, database = cached_tree(tmp_path)
    before = database.read_bytes()
    with holding(database, "BEGIN EXCLUSIVE"):
        started = time.monotonic()
        result = invoke(*REPORT, str(root), "--cache-dir", str(store))
        assert 1 <= time.monotonic() - started < 10
        assert (result.exit_code, result.stdout) == (0, fresh(root))
        assert result.stderr == f"wordcount: the cache {database} is in use by another run (waited 1 s); counting without it\n"
        assert database.read_bytes() == before
    assert run(str(root), "--cache-dir", str(store)).stderr == ""  # the holder committed; the cache works


def test_a_short_lock_is_waited_for_and_the_cache_used(tmp_path: pathlib.Path) -> None:
    """A lock released within the wait (LOCK_WAIT, 10 s): the run waits, then reads and stores
    as usual (a real process, with the real wait)."""
    root, store, database = cached_tree(tmp_path)
    (root / "new.txt").write_text("added while the cache was held\n")
    with holding(database, "BEGIN EXCLUSIVE", seconds=2):
        started = time.monotonic()
        result = run_process([*REPORT, str(root), "--cache-dir", str(store)], timeout=60)
        waited = time.monotonic() - started
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout.decode() == fresh(root)
    assert 1 < waited < cache.LOCK_WAIT
    assert "new.txt" in stored_paths(database)


def test_a_cache_locked_for_writing_is_read_and_not_written(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                                            no_reading: list[str]) -> None:
    """Another process is writing (a reserved lock) past the wait: the unchanged files still come
    from the cache, this run's counts are not stored, and the other process's are."""
    monkeypatch.setattr(cache, "LOCK_WAIT", 1)
    root, store, database = cached_tree(tmp_path)
    bump(root / "notes.txt", "changed words\n")
    no_reading.clear()
    with holding(database, "BEGIN IMMEDIATE", "DELETE FROM files WHERE path LIKE '%d0.txt'"):
        result = invoke(*REPORT, str(root), "--cache-dir", str(store))
    assert [os.path.basename(path) for path in no_reading] == ["notes.txt"]
    assert (result.exit_code, result.stdout) == (0, fresh(root))
    assert result.stderr == (f"wordcount: the cache {database} is in use by another run (waited 1 s); this run's counts "
                             "are not stored\n")
    assert "d0.txt" not in stored_paths(database)


def test_an_unwritable_cache_folder_is_done_without(tmp_path: pathlib.Path) -> None:
    """A folder the process may not write into (once a sqlite3.OperationalError traceback)."""
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    store.mkdir(mode=0o555)
    result = run_process([*REPORT, str(root), "--cache-dir", str(store)], unprivileged=True)
    assert (result.returncode, result.stdout.decode()) == (0, fresh(root))
    assert result.stderr.decode() == (f"wordcount: cannot use the cache {store / cache.FILENAME}: unable to open "
                                      "database file; counting without it\n")


@pytest.mark.parametrize("read_only", ["folder", "file"])
def test_a_cache_that_cannot_be_written_is_read_and_the_report_kept(tmp_path: pathlib.Path, read_only: str) -> None:
    """An existing cache in a folder, or a file, the process may not write: the report is
    counted (the unchanged files from the cache) and written, the cache left as it was."""
    root, store, database = cached_tree(tmp_path)
    bump(root / "notes.txt", "changed words\n")
    before = database.read_bytes()
    (store if read_only == "folder" else database).chmod(0o555 if read_only == "folder" else 0o444)
    try:
        result = run_process([*REPORT, str(root), "--cache-dir", str(store)], unprivileged=True)
    finally:
        store.chmod(0o755)
    assert (result.returncode, result.stdout.decode()) == (0, fresh(root))
    assert result.stderr.decode() == (f"wordcount: cannot write the cache {database}: attempt to write a readonly "
                                      "database; this run's counts are not stored\n")
    assert database.read_bytes() == before


@pytest.fixture
def read_only_mount(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    """A tmpfs mounted at a folder of tmp_path: read-write first, read-only after `remount(ro)`."""
    folder = tmp_path / "mount"
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_cache_on_a_read_only_file_system_is_read(tmp_path: pathlib.Path, read_only_mount: pathlib.Path,
                                                    no_reading: list[str]) -> None:
    root, store = tmp_path / "tree", read_only_mount / "cache"
    make_tree(root)
    run(str(root), "--cache-dir", str(store))
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_mount)], check=True)
    bump(root / "notes.txt", "changed words\n")
    no_reading.clear()
    result = invoke(*REPORT, str(root), "--cache-dir", str(store))
    assert [os.path.basename(path) for path in no_reading] == ["notes.txt"]
    assert (result.exit_code, result.stdout) == (0, fresh(root))
    assert result.stderr.startswith(f"wordcount: cannot write the cache {store / cache.FILENAME}: ")
    assert result.stderr.endswith("; this run's counts are not stored\n")


def test_a_cache_path_that_is_a_folder_is_left_alone(tmp_path: pathlib.Path) -> None:
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    (store / cache.FILENAME / "keep").mkdir(parents=True)
    result = invoke(*REPORT, str(root), "--cache-dir", str(store))
    assert (result.exit_code, result.stdout) == (0, fresh(root))
    assert result.stderr == (f"wordcount: cannot use the cache {store / cache.FILENAME}: unable to open database "
                             "file; counting without it\n")
    assert (store / cache.FILENAME / "keep").is_dir()


def damage(database: pathlib.Path) -> None:
    """Overwrite every page but the first (the schema) with garbage: sqlite opens the database,
    and finds it malformed once it reads a table."""
    size = database.stat().st_size
    with open(database, "r+b") as handle:
        handle.seek(4096)
        handle.write(b"\xa5\x5a" * ((size - 4096) // 2))


def test_a_damaged_cache_another_process_reads_is_not_touched(tmp_path: pathlib.Path) -> None:
    """sqlite says malformed, but another process holds a read lock on it: done without, left as it
    is; once released, the next run builds it again."""
    root, store, database = cached_tree(tmp_path)
    damage(database)
    before = database.read_bytes()
    with holding(database, "BEGIN", "SELECT name FROM sqlite_master"):
        result = invoke(*REPORT, str(root), "--cache-dir", str(store))
        assert (result.exit_code, result.stdout) == (0, fresh(root))
        assert result.stderr == (f"wordcount: the cache {database} is damaged (database disk image is malformed) and in "
                                 "use by another run; counting without it\n")
        assert database.read_bytes() == before
    again = run(str(root), "--cache-dir", str(store))
    assert again.stdout == fresh(root)
    assert again.stderr == (f"wordcount: the cache {database} was damaged (database disk image is malformed); it is "
                            "built again\n")
    assert len(stored_paths(database)) == 15


def test_a_damaged_cache_found_while_reading_is_built_again(tmp_path: pathlib.Path, no_reading: list[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Damage the opening check does not reach (the stored run's table): found when the run reads
    it, before counting; everything is counted and stored again."""
    root, store, database = cached_tree(tmp_path)
    real_open = cache.Cache._open
    opened: list[sqlite3.Connection] = []

    def then_damaged(self: Any) -> sqlite3.Connection:
        opened.append(real_open(self))
        if len(opened) == 1:
            damage(database)  # after the check: as if only pages `known` reads were damaged
        return opened[-1]

    monkeypatch.setattr(cache.Cache, "_open", then_damaged)
    no_reading.clear()
    result = invoke(*REPORT, str(root), "--cache-dir", str(store))
    monkeypatch.setattr(cache.Cache, "_open", real_open)
    assert len(no_reading) == 15 and len(opened) == 2
    assert (result.exit_code, result.stdout) == (0, fresh(root))
    assert result.stderr == (f"wordcount: the cache {database} was damaged (database disk image is malformed); it is "
                             "built again\n")
    assert len(stored_paths(database)) == 15

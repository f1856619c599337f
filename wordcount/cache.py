"""The stamp cache (`--cache`, `--cache-dir`): files unchanged since the last run are not read again.

A file is unchanged when its absolute path, size and modification time are those stored. Entries are
keyed by everything that changes counts (the tool's version and the counting options), so a
cache never answers for other settings. Each file's counts and frequencies are stored; so is
the merged frequency table of the last run over the same paths, with what it was made of, so
that a run where few files changed starts from it and only adds and takes away those files,
instead of merging the frequencies of every file again.

The storage is sqlite3: every run's changes are one transaction, so a crash leaves the last
good state. A cache another run holds is waited for (LOCK_WAIT seconds), then done without; one
that cannot be written is read, and the run's counts are not stored; only a database sqlite
finds damaged is emptied and built again, and only while no other process holds it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from wordcount.counting.packed_tables import pack_table, unpack_table, unpack_words
from wordcount.counting.freq import Words
from wordcount.model import STDIN, FileCounts, FileEntry, Skipped, Violation

FILENAME = "wordcount-cache.sqlite3"
SCHEMA_VERSION = 1
SCHEMA = """
DROP TABLE IF EXISTS files;
DROP TABLE IF EXISTS runs;
CREATE TABLE files (
    key TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    counts TEXT NOT NULL, words BLOB, PRIMARY KEY (key, path));
CREATE TABLE runs (
    key TEXT NOT NULL, scope TEXT NOT NULL, manifest TEXT NOT NULL, words BLOB NOT NULL,
    ranked BLOB NOT NULL, PRIMARY KEY (key, scope));
"""
# The most frequent words of a run are kept ranked apart from its whole table, so that a run
# where nothing changed shows them without loading millions of words.
RANKED = 10_000


LOCK_WAIT = 10  # seconds to wait for a cache another run holds (sqlite's busy timeout)
# The bytes of the file sqlite locks to read and to write (its "lock-byte page": the pending
# byte, the reserved byte and the 510 shared bytes), at the same offset in every database.
LOCK_BYTES = (0x40000000, 512)
_DAMAGED = {11: "database disk image is malformed", 26: "file is not a database"}  # SQLITE_CORRUPT, NOTADB
_BUSY = {5: "database is locked", 6: "database table is locked"}  # SQLITE_BUSY, SQLITE_LOCKED


class CacheError(Exception):
    """The cache could not be used, or not written: the run goes on without it."""


def _code(error: sqlite3.Error) -> int | None:
    """sqlite's primary result code for `error` (before Python 3.11, told from its message)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF
    return next((number for number, message in {**_DAMAGED, **_BUSY}.items() if str(error).startswith(message)), None)


def _damaged(error: sqlite3.Error) -> bool:
    """Whether sqlite says the database itself is damaged (not locked, unwritable or missing)."""
    return _code(error) in _DAMAGED


def default_folder() -> str:
    """The user's cache folder: $XDG_CACHE_HOME/wordcount, else ~/.cache/wordcount."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "wordcount")


def _stamps(entries: Iterable[FileEntry]) -> dict[str, tuple[int, int]]:
    """Path → (size, modification time) of each entry: what tells a file unchanged."""
    return {entry.path: (entry.size, entry.mtime_ns) for entry in entries}


def _cacheable(entry: FileEntry) -> bool:
    """Whether a file can be told unchanged: not standard input, and with a modification time."""
    return entry.path != STDIN and entry.mtime_ns != 0


@dataclass(frozen=True)
class LastRun:
    """The last run over the same paths, as `Cache.split` found it: what it was made of."""

    manifest: str  # as stored: reading its tables later asks for this very run (see `_last_table`)
    stamps: Mapping[str, tuple[int, int]]  # path → size and modification time


@dataclass(frozen=True)
class Lookup:
    """What the cache knows of one run's files, found once by `Cache.split` and handed to the
    other methods, so that none of them depends on which was called before."""

    entries: tuple[FileEntry, ...]  # every file of the run
    hits: tuple[FileCounts | Skipped, ...]  # the unchanged ones: their counts, or that they are binary
    violations: tuple[Violation, ...]  # the rule violations stored with the hits
    misses: tuple[FileEntry, ...]  # the files that must be counted
    last: LastRun | None  # None: no such run, or no frequencies asked for
    # The last run's table is exactly that of the hits (none of its files changed or left, no
    # other hit): a run that counts nothing more has nothing to store again.
    unchanged: bool


@dataclass(frozen=True)
class Known:
    """What the cache tells a run before it counts (`Cache.known`)."""

    lookup: Lookup
    ranked: list[tuple[bytes, int]] | None  # the top words as stored, when every file is unchanged
    table: Counter[bytes] | None  # else the unchanged files' frequencies (None: none asked for)
    warning: str | None = None  # the cache was found damaged, and built again


class Cache:
    """One run's view of the cache: which files it can answer for, and what the run adds.

    Every sqlite error ends as a CacheError that says what happened to the cache, except a
    damaged database, which is built again where it can be."""

    def __init__(self, folder: str, key: str, scope: str, frequencies: bool) -> None:
        """The cache in `folder`, for runs whose counts depend on `key` (`Settings.cache_key`)
        over the files that `scope` names (`Settings.cache_scope`)."""
        self.path = os.path.join(folder, FILENAME)
        self.key = key
        self.scope = scope
        self.frequencies = frequencies
        self.warning: str | None = None
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as error:
            raise CacheError(f"cannot use the cache folder {folder}: {error.strerror or error}") from None
        try:
            self.db = self._open()
        except sqlite3.Error as error:
            if not _damaged(error):
                raise self._failure(error) from None
            self.warning = self._rebuild(error)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=LOCK_WAIT, isolation_level=None)
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.executescript(f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            db.execute("SELECT count(*) FROM files WHERE key = ''").fetchone()  # reads a page: finds corruption
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _failure(self, error: sqlite3.Error, writing: bool = False) -> CacheError:
        """What went wrong with the cache, in our words."""
        if _code(error) in _BUSY:
            return CacheError(f"the cache {self.path} is in use by another run (waited {LOCK_WAIT:g} s)")
        if _damaged(error):
            return CacheError(f"the cache {self.path} is damaged ({error})")
        return CacheError(f"cannot {'write' if writing else 'use'} the cache {self.path}: {error}")

    def _rebuild(self, error: sqlite3.Error) -> str:
        """Empty the database sqlite found damaged (`error`), closed here, and open it again; the
        warning that says so. A CacheError when another process holds it, or it cannot be emptied."""
        try:
            held = not _empty_unless_held(self.path, os.stat(self.path))
        except OSError as problem:
            raise CacheError(f"the cache {self.path} is damaged ({error}) and cannot be emptied: "
                             f"{problem.strerror or problem}") from None
        if held:
            raise CacheError(f"the cache {self.path} is damaged ({error}) and in use by another run")
        try:
            self.db = self._open()
        except sqlite3.Error as again:
            raise self._failure(again) from None
        return f"the cache {self.path} was damaged ({error}); it is built again"

    def known(self, entries: Sequence[FileEntry], ranks: int | None) -> Known:
        """What the cache knows of `entries` (`split`), and of their frequencies when `ranks`
        (the top words wanted) is given: every read before the run counts anything. A database
        found damaged is built again (everything is counted); any other failure, a CacheError."""
        try:
            return self._read(entries, ranks)
        except sqlite3.Error as error:
            if not _damaged(error):
                raise self._failure(error) from None
            self.db.close()
            warning = self._rebuild(error)
        try:
            return dataclasses.replace(self._read(entries, ranks), warning=warning)
        except sqlite3.Error as error:
            raise self._failure(error) from None

    def _read(self, entries: Sequence[FileEntry], ranks: int | None) -> Known:
        lookup = self.split(entries)
        if ranks is None:
            return Known(lookup, None, None)
        ranked = self.ranked(lookup, ranks)
        return Known(lookup, ranked, self.table(lookup) if ranked is None else None)

    def split(self, entries: Sequence[FileEntry]) -> Lookup:
        """What is known of the unchanged files (counts, or that they are binary, and the rule
        violations found in them), and the files that must be counted."""
        stored = {
            path: (size, mtime, counts)
            for path, size, mtime, counts in self.db.execute(
                "SELECT path, size, mtime_ns, counts FROM files WHERE key = ?", (self.key,)
            )
        }
        hits: list[FileCounts | Skipped] = []
        violations: list[Violation] = []
        misses: list[FileEntry] = []
        for entry in entries:
            found = stored.get(os.path.abspath(entry.path)) if _cacheable(entry) else None
            if found is not None and found[:2] == (entry.size, entry.mtime_ns):
                fields = json.loads(found[2])
                reason = fields.pop("skipped", None)
                violations += [Violation(**item) for item in fields.pop("violations", ())]
                hits.append(Skipped(entry.path, reason) if reason else FileCounts(path=entry.path, **fields))
            else:
                misses.append(entry)
        last = self._last_run() if self.frequencies else None
        hit_paths = {row.path for row in hits}
        unchanged = last is not None and last.stamps == _stamps(entry for entry in entries if entry.path in hit_paths)
        return Lookup(tuple(entries), tuple(hits), tuple(violations), tuple(misses), last, unchanged)

    def ranked(self, lookup: Lookup, wanted: int) -> list[tuple[bytes, int]] | None:
        """The top `wanted` words straight from the last run over the same paths, when every
        file it counted is unchanged and there is no other (else None)."""
        last = lookup.last
        if last is None or lookup.misses or last.stamps != _stamps(lookup.entries):
            return None
        packed = self._last_table("ranked", last)
        if packed is None:
            return None
        ranked = list(unpack_table(packed).items())
        if wanted > len(ranked) and len(ranked) == RANKED:
            return None
        return ranked[:wanted]

    def table(self, lookup: Lookup) -> Counter[bytes]:
        """The frequencies of the unchanged files.

        From the last run over the same paths when there is one: its table, less the files that
        changed or left since, plus the unchanged ones it did not have.
        """
        hit_paths = {row.path for row in lookup.hits}
        last = lookup.last
        packed = None if last is None else self._last_table("words", last)
        if last is None or packed is None:
            return self._merged(hit_paths)
        manifest = last.stamps
        current = _stamps(entry for entry in lookup.entries if entry.path in hit_paths)
        gone = [path for path, stamp in manifest.items() if current.get(path) != stamp]
        olds = [self._stored_words(path, manifest[path]) for path in gone]
        if any(old is None for old in olds):  # a version no longer stored: start from the files
            return self._merged(hit_paths)
        table: Counter[bytes] = Counter()
        table.update(unpack_table(packed))
        added = hit_paths.difference(manifest.keys() - set(gone))
        for old in olds:
            table.subtract(old)
            for word in old:  # type: ignore[union-attr]
                if table[word] <= 0:
                    del table[word]
        for path in added:
            table.update(self._stored_words(path, current[path]) or {})
        return table

    def _last_run(self) -> LastRun | None:
        """The last run over the same paths: what it was made of (path → size and modification
        time)."""
        row = self.db.execute(
            "SELECT manifest FROM runs WHERE key = ? AND scope = ?", (self.key, self.scope)
        ).fetchone()
        if row is None:
            return None
        stamps = {path: (stamp[0], stamp[1]) for path, stamp in json.loads(row[0]).items()}
        return LastRun(row[0], stamps)

    def _last_table(self, column: str, last: LastRun) -> bytes | None:
        """The `words` table or `ranked` words of the run `last`; None if another run has
        replaced it since (a run over the same paths at the same time)."""
        row = self.db.execute(
            f"SELECT {column} FROM runs WHERE key = ? AND scope = ? AND manifest = ?",
            (self.key, self.scope, last.manifest),
        ).fetchone()
        return None if row is None else row[0]  # type: ignore[no-any-return]

    def _stored_words(self, path: str, stamp: tuple[int, int]) -> dict[bytes, int] | None:
        row = self.db.execute(
            "SELECT size, mtime_ns, words, counts FROM files WHERE key = ? AND path = ?",
            (self.key, os.path.abspath(path)),
        ).fetchone()
        if row is None or (row[0], row[1]) != stamp:
            return None
        if row[2] is None:
            return {} if "skipped" in json.loads(row[3]) else None
        return unpack_words(row[2])

    def _merged(self, paths: set[str]) -> Counter[bytes]:
        wanted = {os.path.abspath(path) for path in paths}
        table: Counter[bytes] = Counter()
        for path, blob in self.db.execute("SELECT path, words FROM files WHERE key = ?", (self.key,)):
            if path in wanted and blob is not None:
                table.update(unpack_words(blob))
        return table

    def save(
        self,
        lookup: Lookup,
        counted: Sequence[FileCounts | Skipped],
        packed: dict[str, bytes],
        violations: dict[str, list[Violation]],
        table: Words,
    ) -> None:
        """Store what this run counted (and the binary files it found) and, when its frequencies
        are all accounted for by stored files, its merged frequency table; in one transaction."""
        hits = lookup.hits
        stamps = _stamps(entry for entry in lookup.entries if _cacheable(entry))
        rows: list[tuple[str, str, int, int, str, bytes | None]] = []
        for row in counted:
            if row.path not in stamps:
                continue
            if isinstance(row, Skipped):
                rows.append((self.key, os.path.abspath(row.path), *stamps[row.path], json.dumps({"skipped": row.reason}),
                             None))
            elif (not row.changed and row.fault is None and row.stat_size is None  # else not to be told unchanged
                  and (row.path in packed or not self.frequencies)):
                fields = dataclasses.asdict(row)
                del fields["path"], fields["hits"]  # the hits are kept as violations
                fields["violations"] = [dataclasses.asdict(item) for item in violations.get(row.path, ())]
                rows.append((self.key, os.path.abspath(row.path), *stamps[row.path], json.dumps(fields),
                             packed.get(row.path)))
        complete = len(rows) == len(counted) and all(row.path in stamps for row in hits)
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise self._failure(error, writing=True) from None
        try:
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)", rows)
            if self.frequencies and complete and not (lookup.unchanged and not counted):
                manifest = {row.path: stamps[row.path] for row in [*hits, *counted]}
                self.db.execute(
                    "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?)",
                    (self.key, self.scope, json.dumps(manifest, sort_keys=True), pack_table(table.to_dict()),
                     pack_table(dict(table.top(RANKED)))),
                )
            self.db.execute("COMMIT")
        except BaseException as error:
            with contextlib.suppress(sqlite3.Error):  # the first error is the one to tell
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise self._failure(error, writing=True) from None
            raise

    def close(self) -> None:
        self.db.close()


def _empty_unless_held(path: str, judged: os.stat_result) -> bool:
    """Empty the damaged database at `path` in place, and remove its rollback journal, holding
    the lock sqlite takes to write (on its lock bytes), so that no process is reading or writing
    it meanwhile; an empty file is an empty database. Nothing is removed or replaced: a process
    that has the file open keeps the same file. False, with nothing done, when another process
    holds a lock on it. Nothing is done either (True) when the file changed since it was
    `judged` damaged: another run has built it again."""
    descriptor = os.open(path, os.O_RDWR)
    try:
        try:
            fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, LOCK_BYTES[1], LOCK_BYTES[0])
        except OSError:  # EAGAIN or EACCES: a lock is held
            return False
        now = os.fstat(descriptor)
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (judged.st_ino, judged.st_size, judged.st_mtime_ns):
            return True
        os.ftruncate(descriptor, 0)
        try:
            os.remove(path + "-journal")
        except FileNotFoundError:
            pass
        os.fsync(descriptor)
        return True
    finally:
        os.close(descriptor)  # and with it the lock

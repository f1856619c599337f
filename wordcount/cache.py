"""The stamp cache (`--cache`, `--cache-dir`): files unchanged since the last run are not read again.

A file is unchanged when its absolute path, size and modification time are those stored. Entries are
keyed by everything that changes counts (the tool's version and the counting options), so a
cache never answers for other settings. Each file's counts and frequencies are stored; so is
the merged frequency table of the last run over the same paths, with what it was made of, so
that a run where few files changed starts from it and only adds and takes away those files,
instead of merging the frequencies of every file again.

The storage is sqlite3: every run's changes are one transaction, so a crash leaves the last
good state. A cache that cannot be read is reported, deleted and built again.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from wordcount.packing import pack_table, unpack_table, unpack_words
from wordcount.freq import Words
from wordcount.results import STDIN, FileCounts, FileEntry, Skipped, Violation

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


class CacheError(Exception):
    """The cache could not be used; the run goes on without it."""


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


class Cache:
    """One run's view of the cache: which files it can answer for, and what the run adds."""

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
            self.db = self._open()
        except sqlite3.DatabaseError as error:
            self.warning = f"the cache {self.path} could not be read ({error}); it is built again"
            for suffix in ("", "-journal", "-wal", "-shm"):
                try:
                    os.remove(self.path + suffix)
                except FileNotFoundError:
                    pass
            self.db = self._open()
        except OSError as error:
            raise CacheError(f"cannot use the cache folder {folder}: {error.strerror or error}") from None

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                db.executescript(f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;")
            db.execute("SELECT count(*) FROM files WHERE key = ''").fetchone()  # reads a page: finds corruption
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

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
        table = self._last_table("ranked", last)
        if table is None:
            return None
        ranked = list(unpack_table(table).items())
        if wanted > len(ranked) and len(ranked) == RANKED:
            return None
        return ranked[:wanted]

    def words(self, lookup: Lookup) -> Counter[bytes]:
        """The frequencies of the unchanged files.

        From the last run over the same paths when there is one: its table, less the files that
        changed or left since, plus the unchanged ones it did not have.
        """
        hit_paths = {row.path for row in lookup.hits}
        last = lookup.last
        table = None if last is None else self._last_table("words", last)
        if last is None or table is None:
            return self._merged(hit_paths)
        manifest = last.stamps
        current = _stamps(entry for entry in lookup.entries if entry.path in hit_paths)
        gone = [path for path, stamp in manifest.items() if current.get(path) != stamp]
        olds = [self._stored_words(path, manifest[path]) for path in gone]
        if any(old is None for old in olds):  # a version no longer stored: start from the files
            return self._merged(hit_paths)
        words: Counter[bytes] = Counter()
        words.update(unpack_table(table))
        added = hit_paths.difference(manifest.keys() - set(gone))
        for old in olds:
            words.subtract(old)
            for word in old:  # type: ignore[union-attr]
                if words[word] <= 0:
                    del words[word]
        for path in added:
            words.update(self._stored_words(path, current[path]) or {})
        return words

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
        words: Counter[bytes] = Counter()
        for path, blob in self.db.execute("SELECT path, words FROM files WHERE key = ?", (self.key,)):
            if path in wanted and blob is not None:
                words.update(unpack_words(blob))
        return words

    def save(
        self,
        lookup: Lookup,
        counted: Sequence[FileCounts | Skipped],
        packed: dict[str, bytes],
        violations: dict[str, list[Violation]],
        words: Words,
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
            elif not row.changed and row.fault is None and (row.path in packed or not self.frequencies):
                fields = dataclasses.asdict(row)
                del fields["path"], fields["hits"]  # the hits are kept as violations
                fields["violations"] = [dataclasses.asdict(item) for item in violations.get(row.path, ())]
                rows.append((self.key, os.path.abspath(row.path), *stamps[row.path], json.dumps(fields),
                             packed.get(row.path)))
        complete = len(rows) == len(counted) and all(row.path in stamps for row in hits)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)", rows)
            if self.frequencies and complete and not (lookup.unchanged and not counted):
                manifest = {row.path: stamps[row.path] for row in [*hits, *counted]}
                self.db.execute(
                    "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, ?, ?)",
                    (self.key, self.scope, json.dumps(manifest, sort_keys=True), pack_table(words.to_dict()),
                     pack_table(dict(words.top(RANKED)))),
                )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()

"""A run, stage by stage: discover → cache lookup → backend → summary → cache commit → report.

The backend is a `backend.Backend`: `run(entries, job, on_progress)` yields `BatchResult`s;
how it schedules the work (a local pool, a Dask cluster) is its own business.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from wordcount.choices import WordMode
from wordcount.execute.local import pool
from wordcount.execute.backend import Backend
from wordcount.counting.spec import Job
from wordcount.walk.discover import discover
from wordcount.report.output import Records, write_report
from wordcount.messages import plural, say
from wordcount.report import live
from wordcount.report.render import RENDERERS, jsonl_batch, jsonl_records
from wordcount.model import BatchResult, Failed, FileCounts, FileEntry, LeftOut, Skipped, Violation
from wordcount.settings import Settings
from wordcount.report.summary import Summary

OnRecords = Callable[[str], object]  # jsonl: each file's record as it is merged


@contextlib.contextmanager
def backend(settings: Settings) -> Iterator[Backend]:
    """The backend the settings ask for, connected (a cluster) for as long as the run lasts."""
    if settings.how.cluster is None:
        jobs, asked = settings.how.jobs, settings.how.jobs_asked
        if asked is not None and not settings.output.quiet:
            say(f"--jobs {asked:,}: this process may use {plural(jobs, 'CPU')}; counting with {jobs}")
        # Where worker processes cannot be started, the pool counts here and says so, once.
        yield pool.LocalBackend(settings.how.jobs, None if settings.output.quiet else say)
        return
    from wordcount.execute.dask import backend  # Dask only when a cluster is asked for

    session = backend.connect(settings.how.cluster)
    try:
        yield session
    finally:
        session.close()


@dataclass
class Found:
    """What the walk found: the files to count, and every other outcome (skipped, failed, left out)."""

    entries: list[FileEntry] = field(default_factory=list)
    others: list[Skipped | Failed | LeftOut] = field(default_factory=list)


@dataclass
class Stored:
    """What the run gives back for a cache to store."""

    counted: list[FileCounts | Skipped] = field(default_factory=list)
    packed: dict[str, bytes] = field(default_factory=dict)
    file_violations: dict[str, list[Violation]] = field(default_factory=dict)


def run(settings: Settings) -> Summary:
    """Count what the settings say, write the report, and return the summary (for the exit code)."""
    records = Records(held=settings.output.output is not None) if settings.output.streams_records else None
    with backend(settings) as counter:
        summary = count_all(settings, counter, records)
    text = RENDERERS[settings.output.format](summary)
    write_report((records.text() if records else "") + text, settings.output.output, settings.output.name_errors)
    return summary


def count_all(settings: Settings, counter: Backend, on_records: OnRecords | None = None) -> Summary:
    """Discover, count and merge: the whole run short of rendering. With a cache, the files
    unchanged since the last run take their counts from it, and the rest are counted and stored."""
    store = open_cache(settings)
    if store is None:  # the files are counted as the walk finds them
        summary = new_summary(settings, Found())
        count(walking(settings, summary.add, on_records), summary, settings.job, counter, settings, on_records)
        return summary
    found = walk(settings, on_records)
    try:
        return _count_with_cache(settings, counter, found, store, on_records)
    finally:
        store.close()


def walking(settings: Settings, on_other: Callable[[Skipped | Failed | LeftOut], object],
            on_records: OnRecords | None) -> Iterator[FileEntry]:
    """The files to count, as the walk finds them; each of its other outcomes goes to `on_other`
    (and its record is streamed) as it comes."""
    for item in itertools.chain(settings.listed, discover(settings.roots, settings.walk)):  # streamed
        if isinstance(item, FileEntry):
            yield item
            continue
        on_other(item)
        if not isinstance(item, LeftOut) and on_records is not None:
            on_records(jsonl_records([item], settings.output.layout))


def walk(settings: Settings, on_records: OnRecords | None) -> Found:
    """The files to count, and the other outcomes of the walk, once it has ended."""
    found = Found()
    found.entries = list(walking(settings, found.others.append, on_records))
    return found


def new_summary(settings: Settings, found: Found, ranked: Sequence[tuple[bytes, int]] | None = None) -> Summary:
    """An empty summary shaped by the settings, holding what the walk found beside files to count.

    `ranked`: the top words as a cache kept them, when it has every file."""
    summary = Summary(top=settings.output.top, per_file=settings.output.file_rows, layout=settings.output.layout,
                      cjk=settings.job.counting.word_mode is WordMode.cjk, audit=settings.job.audit, ranked=ranked,
                      config=settings.config)
    for item in found.others:
        summary.add(item)
    return summary


def open_cache(settings: Settings) -> Any:
    """The run's cache (a `cache.Cache`), or None without one or when it cannot be opened."""
    if settings.how.cache_folder is None:
        return None
    from wordcount import cache  # sqlite3 only when a cache is asked for

    try:
        store = cache.Cache(settings.how.cache_folder, settings.cache_key(), settings.cache_scope(),
                            settings.job.counting.frequencies)
    except cache.CacheError as error:
        _warn(settings, f"{error}; counting without it")
        return None
    _warn(settings, store.warning)
    return store


def _warn(settings: Settings, warning: str | None) -> None:
    if warning and not settings.output.quiet:
        say(warning)


def _count_with_cache(settings: Settings, counter: Backend, found: Found, store: Any,
                      on_records: OnRecords | None) -> Summary:
    """Take the unchanged files' counts from the cache, count the rest, and store the run. A
    cache that fails is done without: before counting, every file is counted; after, the run's
    counts are not stored; the report is the same."""
    from wordcount.cache import CacheError

    frequencies = settings.job.counting.frequencies
    try:
        known = store.known(found.entries, settings.output.ranks if frequencies else None)
    except CacheError as error:
        _warn(settings, f"{error}; counting without it")
        summary = new_summary(settings, found)
        count(found.entries, summary, settings.job, counter, settings, on_records)
        return summary
    _warn(settings, known.warning)
    stored = Stored()
    lookup = known.lookup
    summary = new_summary(settings, found, known.ranked)
    for row in lookup.hits:
        summary.add(row)  # a FileCounts brings its `uncertain` entry along
    summary.violations.extend(lookup.violations)
    if on_records is not None and lookup.hits:
        on_records(jsonl_records(sorted(lookup.hits, key=lambda row: row.path), settings.output.layout))
    if known.table is not None:
        summary.table.update(known.table)
    count(list(lookup.misses), summary, settings.cache_job(), counter, settings, on_records, stored)
    try:
        store.save(lookup, stored.counted, stored.packed, stored.file_violations, summary.table)
    except CacheError as error:
        _warn(settings, f"{error}; this run's counts are not stored")
    return summary


def count(entries: Iterable[FileEntry], summary: Summary, job: Job, counter: Backend,
          settings: Settings, on_records: OnRecords | None, stored: Stored | None = None) -> None:
    """Count `entries` (a list, or files still being found) into `summary`, with progress; into
    `stored`, what a cache keeps of each file (its row, packed frequencies and violations)."""
    bar = live.start(settings.how.progress, settings.how.log_interval)
    if bar is not None and isinstance(entries, list):
        bar.expect(len(entries), sum(entry.size for entry in entries), done=True)
    elif bar is not None:
        entries = _measured(entries, bar)
    try:
        for batch in counter.run(entries, job, bar):
            summary.add_batch(batch)
            if on_records is not None and (batch.files or batch.problems):
                on_records(jsonl_batch(batch, settings.output.layout))
            if stored is not None:
                _keep(batch, stored)
    finally:
        if bar is not None:
            bar.close()


def _measured(entries: Iterable[FileEntry], bar: Any) -> Iterator[FileEntry]:
    """`entries`, each added to the progress's totals as it is read (before it is counted)."""
    for entry in entries:
        bar.expect(1, entry.size)
        yield entry
    bar.expect(0, 0, done=True)


def _keep(batch: BatchResult, stored: Stored) -> None:
    """What a cache stores of a batch: rows (binary and compressed files too), packed words, violations by file."""
    stored.counted.extend(batch.files)
    stored.counted.extend(item for item in batch.problems
                          if isinstance(item, Skipped) and item.reason in ("binary", "compressed"))
    stored.packed.update(batch.file_words)
    for violation in batch.violations:
        if violation.path is not None:
            stored.file_violations.setdefault(violation.path, []).append(violation)

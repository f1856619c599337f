"""A batch's result: files counted one by one, each adding its share to one small `BatchResult`.

A file's share is the same whoever counted it, a worker reading it whole (`count_batch`) or
the assembly of its pieces: its totals, its row (with per-file output), a warning if it changed
while it was read, an error if its compressed data ended early (it is counted as far as read),
an entry if its encoding is uncertain, the audit rules it breaks, and its
own frequencies packed for the cache. `BatchParts` is that rule, written once.

Workers run this module: it stays cheap to import, like `counting/reader.py`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from collections.abc import Mapping, Sequence

from wordcount.counting import reader, whole_files
from wordcount.audit import Audit, Rules
from wordcount.counting.freq import Words, new_table
from wordcount.counting.spec import Job
from wordcount.counting.packed_tables import pack_words
from wordcount.progress import Progress
from wordcount.model import (
    CHANGED_WHILE_READ,
    BatchResult,
    Changed,
    Failed,
    FileCounts,
    Outcome,
    Shipped,
    Skipped,
    Totals,
    Uncertain,
    Violation,
)
from wordcount.counting.tally import normalized


class BatchParts:
    """One batch's result, put together file by file (`add`), then taken once (`result`).

    `per_file` keeps each file's row; `audit` checks each file's counts against the rules that
    apply to it, its path taken relative to `cwd` (see `count_batch`).
    """

    def __init__(self, per_file: bool, audit: Audit | None = None, cwd: str = "") -> None:
        self.per_file = per_file
        self.audit = audit
        self.cwd = cwd
        self.totals = Totals()
        self.rows: list[FileCounts] = []
        self.problems: list[Skipped | Failed] = []
        self.warnings: list[Changed] = []
        self.violations: list[Violation] = []
        self.uncertain: list[Uncertain] = []
        self.packed: list[tuple[str, bytes]] = []

    def add(self, outcome: Outcome, table: Words | None = None, rules: Rules | None = None) -> None:
        """Add one file's share. `table`, its own frequencies as shown (normalized), are packed
        for the cache unless the file changed while it was read; `rules` are those that apply to
        it when the caller already has them (else they are looked up)."""
        if not isinstance(outcome, FileCounts):
            self.problems.append(outcome)
            return
        path = outcome.path
        if self.audit is not None:
            self.violations += outcome.hits
            if rules is None:
                rules = self.audit.rules_for(os.path.join(self.cwd, path))
            self.violations += self.audit.check_counts(outcome, rules)
            if outcome.hits:
                outcome = replace(outcome, hits=())  # they are violations now
        self.totals += outcome.totals
        if self.per_file:
            self.rows.append(outcome)
        if outcome.fault is not None:  # counted as far as it could be read, and an error
            self.problems.append(Failed(path, outcome.fault))
        if outcome.changed:
            self.warnings.append(Changed(path, CHANGED_WHILE_READ))
        elif table is not None and outcome.fault is None:
            self.packed.append((path, pack_words(table)))
        if outcome.uncertain:
            self.uncertain.append(outcome.doubt())

    def add_whole(self, totals: Totals, changed: Sequence[str]) -> None:
        """Add the totals of files counted together (`whole_files.count_whole`), and a warning for each
        of them that changed while it was read."""
        self.totals += totals
        self.warnings += [Changed(path, CHANGED_WHILE_READ) for path in changed]

    def result(self, table: Words | None = None) -> BatchResult:
        """The batch's result; `table`: its frequencies, when they travel with it."""
        return BatchResult(
            self.totals, tuple(self.rows), tuple(self.problems), {} if table is None else table, tuple(self.warnings),
            tuple(self.violations), tuple(self.uncertain), tuple(self.packed),
        )


def count_batch(
    paths: Sequence[str], job: Job, progress: Progress, table: Words | None,
    shipped: Mapping[str, Shipped] | None = None, cwd: str = "",
) -> BatchResult:
    """Count a batch of files into one small result for the parent.

    Word frequencies go into `table`, which the caller keeps across batches (a worker returns
    them once, at the end: shipping a large Counter per batch costs more than counting).
    `shipped` holds the files' bytes when the client read them for us (`--ship-bytes`).

    Relative paths are relative to `cwd` ("": this process's working folder), the client's
    working folder on a cluster, whose workers run in folders of their own. Results keep the
    paths as given, as the user typed them; encoding globs match those too, as in a local run.
    """
    parts = BatchParts(job.per_file, job.audit, cwd)
    audit = job.audit
    if shipped is None and not job.per_file and audit is None and not job.file_words:
        paths = whole_files.count_whole(paths, job.counting, table, progress, parts.add_whole, reader.BLOCK_BYTES, cwd)
    for path in paths:
        own: Words | None = new_table() if job.file_words and table is not None else None
        rules = None if audit is None else audit.rules_for(os.path.join(cwd, path))
        forbid = () if audit is None or rules is None else audit.patterns(rules)
        # Through the module, so that a test can make `count_file` fail in a worker.
        outcome = reader.count_file(path, job.counting, table if own is None else own, progress, forbid,
                                   shipped[path] if shipped else None, cwd)
        if own is not None:
            table.update(own)  # type: ignore[union-attr]
        parts.add(outcome, None if own is None else normalized(own, job.counting), rules)
    return parts.result()

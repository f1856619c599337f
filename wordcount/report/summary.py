"""The parent's `Summary` of a run: results merged as they arrive, and the exit code.

Merging is order-free: the same results in any order or grouping give the same summary, so
the report does not depend on the number of workers. Rendering it is `render`'s business.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from enum import IntEnum

from wordcount.audit import Audit
from wordcount.choices import SortKey
from wordcount.counting.freq import Words, merge, new_table
from wordcount.report.groups import Group, grouped
from wordcount.report.layout import Layout, given_order
from wordcount.model import BatchResult, Changed, Failed, FileCounts, LeftOut, Skipped, Totals, Uncertain, Violation


class ExitCode(IntEnum):
    """The exit codes wordcount promises (docs/failures.md, "Exit codes")."""

    OK = 0
    AUDIT_FAILED = 1
    USAGE = 2
    UNREADABLE = 3
    INTERRUPTED = 130
    TERMINATED = 143


class Summary:
    """Everything a run found, merged in the parent as results arrive."""

    def __init__(self, top: int = 10, per_file: bool = False, cjk: bool = False, audit: Audit | None = None,
                 *, ranked: Sequence[tuple[bytes, int]] | None = None, layout: Layout = Layout(),
                 config: str | None = None) -> None:
        """`per_file`: keep each file's row (to show them, or to group them). `ranked`: the top
        words as a cache kept them, when no file had to be counted; they stand for the
        frequencies unless words are merged in after all. `layout`: how the report shows it all.
        `config`: the config file whose settings applied, if one did."""
        self.top_n = top
        self.per_file = per_file
        self.layout = layout
        self.config = config
        self.cjk = cjk  # words were counted with `--word-mode cjk`: show how many were CJK characters
        self.audit = audit
        self.violations: list[Violation] = []  # those found in the workers
        self.totals = Totals()
        self.files: list[FileCounts] = []
        self.skipped: dict[str, Skipped] = {}
        self.errors: dict[str, Failed] = {}
        self.warnings: dict[str, Changed] = {}
        self.uncertain: dict[str, Uncertain] = {}
        self.table: Words = new_table()
        self.ranked = list(ranked) if ranked is not None else None
        self.left_out = LeftOut()  # what the walk left out at the user's word (hidden, ignored, …)

    def add(self, outcome: FileCounts | Skipped | Failed | Changed | Uncertain | LeftOut) -> None:
        """Take in one file's outcome, a problem met while walking, a warning, a doubt, or
        the counts of what the walk left out."""
        if isinstance(outcome, LeftOut):
            self.left_out += outcome
        elif isinstance(outcome, FileCounts):
            self.totals += outcome.totals
            if self.per_file:
                self.files.append(outcome)
            if outcome.uncertain:
                self.add(outcome.doubt())
        elif isinstance(outcome, Uncertain):
            self.uncertain.setdefault(outcome.path, outcome)
        elif isinstance(outcome, Skipped):
            self.skipped.setdefault(outcome.path, outcome)
        elif isinstance(outcome, Changed):
            self.warnings.setdefault(outcome.path, outcome)
        else:
            self.errors.setdefault(outcome.path, outcome)

    def add_batch(self, batch: BatchResult) -> None:
        """Merge one batch's result."""
        self.totals += batch.totals
        if self.per_file:
            self.files.extend(batch.files)
        for problem in batch.problems:
            self.add(problem)
        for warning in batch.warnings:
            self.add(warning)
        self.violations.extend(batch.violations)
        for doubt in batch.uncertain:
            self.add(doubt)
        if batch.table:
            merge(self.table, batch.table)

    @property
    def exit_code(self) -> ExitCode:
        """1 when an audit rule failed, else 3 when some input could not be read, else 0.

        A failed rule wins over unreadable inputs: it is the answer the audit was asked for.
        (`--fail-on errors` makes unreadable inputs failed rules, so they give 1 too.)
        """
        if self.sorted_violations():
            return ExitCode.AUDIT_FAILED
        return ExitCode.UNREADABLE if self.errors else ExitCode.OK

    def top(self) -> list[tuple[str, int]]:
        """The `top_n` most frequent words, ties broken by the word (code point order)."""
        if self.ranked is not None and not self.table:
            ranked = self.ranked[: self.top_n]
        else:
            ranked = self.table.top(self.top_n)
        return [(word.decode("utf-8"), count) for word, count in ranked]

    def sorted_files(self, given: bool = False) -> list[FileCounts]:
        """The per-file rows in the order asked for: by path, or by a count, the largest first
        (`reverse` flips either); rows with equal counts stay in path order. `given`: in the
        order the paths were given instead of by path, as wc prints them (`layout.given_order`)."""
        order = given_order(self.layout.roots) if given else None
        rows = sorted(self.files, key=lambda row: row.path if order is None else order(row.path))
        by, reverse = self.layout.order
        if by is not SortKey.path:
            rows.sort(key=lambda row: getattr(row, by.name), reverse=not reverse)  # a key's name is the rows' field  # a stable sort: ties keep path order
        elif reverse:
            rows.reverse()
        return rows

    def groups(self) -> list[Group]:
        """The `--by` breakdown of the per-file rows (none without `--by`)."""
        by = self.layout.by
        return grouped(self.files, by, self.layout.roots) if by is not None else []

    def skip_reasons(self) -> list[tuple[str, int]]:
        """How many files were skipped for each reason, by reason."""
        return sorted(Counter(item.reason for item in self.skipped.values()).items())

    def sorted_skipped(self) -> list[Skipped]:
        return [self.skipped[path] for path in sorted(self.skipped)]

    def sorted_errors(self) -> list[Failed]:
        return [self.errors[path] for path in sorted(self.errors)]

    def sorted_warnings(self) -> list[Changed]:
        return [self.warnings[path] for path in sorted(self.warnings)]

    def sorted_uncertain(self) -> list[Uncertain]:
        return [self.uncertain[path] for path in sorted(self.uncertain)]

    def sorted_violations(self) -> list[Violation]:
        """Every failed rule: those of the workers, `--fail-on` on what was not counted, and
        `--max-total-words`; sorted by path, line, column and rule."""
        found = list(self.violations)
        if self.audit is not None:
            problems: list[Skipped | Failed] = [*self.skipped.values(), *self.errors.values()]
            for problem in problems:
                if (violation := self.audit.check_problem(problem)) is not None:
                    found.append(violation)
            if (violation := self.audit.check_total(self.totals)) is not None:
                found.append(violation)
        found.sort(key=Violation.sort_key)
        return found

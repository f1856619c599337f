"""The parent's `Summary` (merging results, the exit code) and pure renderers of it.

Renderers return text and never write: the command line decides where text goes. Every
list is sorted, so the same input renders byte-identically whatever the number of workers.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
from collections import Counter
from collections.abc import Iterable
from enum import IntEnum

from wordcount import __version__
from wordcount.count import MAX_WORD_BYTES
from wordcount.decode import UNCERTAIN_BELOW
from wordcount.results import BatchResult, Changed, Failed, FileCounts, Skipped, Totals, Uncertain

SCHEMA = 1


class ExitCode(IntEnum):
    """The exit codes wordcount promises (README, "Exit codes")."""

    OK = 0
    AUDIT_FAILED = 1  # kept for audit rules
    USAGE = 2
    UNREADABLE = 3
    INTERRUPTED = 130
    TERMINATED = 143


class Summary:
    """Everything a run found, merged in the parent as results arrive."""

    def __init__(self, top: int = 10, per_file: bool = False) -> None:
        self.top_n = top
        self.per_file = per_file
        self.totals = Totals()
        self.files: list[FileCounts] = []
        self.skipped: dict[str, Skipped] = {}
        self.errors: dict[str, Failed] = {}
        self.warnings: dict[str, Changed] = {}
        self.uncertain: dict[str, Uncertain] = {}
        self.words: Counter[bytes] = Counter()

    def add(self, outcome: FileCounts | Skipped | Failed | Changed | Uncertain) -> None:
        """Take in one file's outcome, a problem met while walking, a warning or a doubt."""
        if isinstance(outcome, FileCounts):
            self.totals += outcome.totals
            if self.per_file:
                self.files.append(outcome)
            if outcome.uncertain:
                self.add(Uncertain(outcome.path, outcome.encoding, outcome.confidence))
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
        self.files.extend(batch.files)
        for problem in batch.problems:
            self.add(problem)
        for warning in batch.warnings:
            self.add(warning)
        for doubt in batch.uncertain:
            self.add(doubt)
        if batch.words:
            self.words.update(batch.words)

    @property
    def exit_code(self) -> ExitCode:
        """0 when everything was counted, 3 when some input could not be read."""
        return ExitCode.UNREADABLE if self.errors else ExitCode.OK

    def top(self) -> list[tuple[str, int]]:
        """The `top_n` most frequent words, ties broken by the word (code point order).

        Only the words whose count reaches the N-th largest count are looked at closely, so
        a vocabulary of millions costs one pass, not a sort.
        """
        words, wanted = self.words, self.top_n
        if wanted <= 0 or not words:
            return []
        reach = wanted
        while True:
            cutoff = heapq.nlargest(reach, words.values())[-1] if reach < len(words) else 0
            eligible = [
                (word, count)
                for word, count in words.items()
                if count >= cutoff and len(word) <= MAX_WORD_BYTES
            ]
            if len(eligible) >= wanted or cutoff == 0:
                break
            reach *= 4  # too many of the most frequent were too long to be words
        # UTF-8 byte order is code point order, so sorting the bytes sorts the words.
        eligible.sort(key=lambda pair: (-pair[1], pair[0]))
        return [(word.decode("utf-8"), count) for word, count in eligible[:wanted]]

    def sorted_files(self) -> list[FileCounts]:
        return sorted(self.files, key=lambda row: row.path)

    def sorted_skipped(self) -> list[Skipped]:
        return [self.skipped[path] for path in sorted(self.skipped)]

    def sorted_errors(self) -> list[Failed]:
        return [self.errors[path] for path in sorted(self.errors)]

    def sorted_warnings(self) -> list[Changed]:
        return [self.warnings[path] for path in sorted(self.warnings)]

    def sorted_uncertain(self) -> list[Uncertain]:
        return [self.uncertain[path] for path in sorted(self.uncertain)]


def _file_row(row: FileCounts) -> dict[str, object]:
    record: dict[str, object] = {
        "path": row.path,
        "lines": row.lines,
        "words": row.words,
        "chars": row.chars,
        "bytes": row.bytes,
        "encoding": row.encoding,
        "confidence": row.confidence,
    }
    if row.replaced:
        record["replaced"] = row.replaced
    return record


def render_json(summary: Summary) -> str:
    """The report as JSON (schema 1, documented in the README)."""
    totals = summary.totals
    document: dict[str, object] = {
        "schema": SCHEMA,
        "version": __version__,
        "totals": {
            "files": totals.files,
            "lines": totals.lines,
            "words": totals.words,
            "chars": totals.chars,
            "bytes": totals.bytes,
        },
        "top": [{"word": word, "count": count} for word, count in summary.top()],
    }
    if summary.per_file:
        document["files"] = [_file_row(row) for row in summary.sorted_files()]
    document["skipped"] = [{"path": item.path, "reason": item.reason} for item in summary.sorted_skipped()]
    document["errors"] = [{"path": item.path, "error": item.error} for item in summary.sorted_errors()]
    document["warnings"] = [{"path": item.path, "warning": item.note} for item in summary.sorted_warnings()]
    document["uncertain"] = [
        {"path": item.path, "encoding": item.encoding, "confidence": item.confidence}
        for item in summary.sorted_uncertain()
    ]
    return _dump(document)


def _dump(document: dict[str, object]) -> str:
    """JSON with one top-level key, and one record of each list, per line: easy to read and diff."""

    def compact(value: object) -> str:
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for key, value in document.items():
        if isinstance(value, list) and value:
            items = ",\n".join(f"    {compact(item)}" for item in value)
            lines.append(f"  {compact(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def render_csv(summary: Summary) -> str:
    """Per-file rows with `--per-file`, else `word,count` rows of the top words."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if summary.per_file:
        writer.writerow(["path", "lines", "words", "chars", "bytes", "encoding", "replaced", "confidence"])
        for row in summary.sorted_files():
            writer.writerow([row.path, row.lines, row.words, row.chars, row.bytes, row.encoding, row.replaced,
                             f"{row.confidence:.2f}"])
    else:
        writer.writerow(["word", "count"])
        writer.writerows(summary.top())
    return buffer.getvalue()


def printable(text: str) -> str:
    """`text` with control characters (newlines and tabs in file names) shown as escapes."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def _columns(rows: Iterable[list[str]], left: int = 0) -> list[str]:
    """Align rows of cells: numbers to the right, the last `left` cells to the left."""
    rows = list(rows)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    split = len(widths) - left
    return [
        "  ".join(
            [cell.rjust(width) for cell, width in zip(row[:split], widths[:split])]
            + [cell.ljust(width) for cell, width in zip(row[split:], widths[split:])]
        ).rstrip()
        for row in rows
    ]


def render_table(summary: Summary) -> str:
    """The report for people: totals, top words, what was skipped or failed, and warnings."""
    totals = summary.totals
    numbers = [f"{value:,}" for value in (totals.lines, totals.words, totals.chars, totals.bytes)]
    out: list[str] = []
    if summary.per_file:
        rows = [["lines", "words", "chars", "bytes", "confidence", "encoding", "path"]]
        for row in summary.sorted_files():
            cells = [f"{value:,}" for value in (row.lines, row.words, row.chars, row.bytes)]
            encoding = row.encoding + (f" ({row.replaced:,} replaced)" if row.replaced else "")
            rows.append([*cells, f"{row.confidence:.2f}", encoding, printable(row.path)])
        rows.append([*numbers, "", "", f"total ({totals.files:,} files)"])
        out += _columns(rows, left=2)
    else:
        out += _columns([["files", "lines", "words", "chars", "bytes"], [f"{totals.files:,}", *numbers]])
    top = summary.top()
    if top:
        out += ["", f"top {len(top)} words"]
        out += ["  " + line for line in _columns([["count", "word"]] + [[f"{c:,}", printable(w)] for w, c in top], 1)]
    if summary.skipped:
        reasons = Counter(item.reason for item in summary.skipped.values())
        detail = ", ".join(f"{reason}: {count:,}" for reason, count in sorted(reasons.items()))
        out += ["", f"skipped {len(summary.skipped):,} ({detail})"]
    if summary.errors:
        out += ["", f"{len(summary.errors):,} could not be read:"]
        out += [f"  {printable(item.path)}: {item.error}" for item in summary.sorted_errors()]
    if summary.warnings:
        out += ["", f"{len(summary.warnings):,} counted with a warning:"]
        out += [f"  {printable(item.path)}: {item.note}" for item in summary.sorted_warnings()]
    if summary.uncertain:
        out += ["", f"{len(summary.uncertain):,} read with an uncertain encoding (confidence below "
                f"{UNCERTAIN_BELOW:.2f}; pin one with --encoding 'GLOB=NAME'):"]
        out += [f"  {printable(item.path)}: {item.encoding} ({item.confidence:.2f})" for item in summary.sorted_uncertain()]
    return "\n".join(out) + "\n"


RENDERERS = {"table": render_table, "json": render_json, "csv": render_csv}

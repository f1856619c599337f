"""The parent's `Summary` (merging results, the exit code) and pure renderers of it.

Renderers return text and never write: the command line decides where text goes. Every
list is sorted, so the same input renders byte-identically whatever the number of workers.
"""

from __future__ import annotations

import csv
import heapq
import io
import json
import os
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import IntEnum

from wordcount import __version__
from wordcount.audit import RULES, Audit
from wordcount.decode import UNCERTAIN_BELOW
from wordcount.results import (
    STDIN,
    BatchResult,
    Changed,
    Failed,
    FileCounts,
    LeftOut,
    Skipped,
    Totals,
    Uncertain,
    Violation,
)
from wordcount.tally import MAX_WORD_BYTES
from wordcount.wording import plural

SCHEMA = 1


class ExitCode(IntEnum):
    """The exit codes wordcount promises (README, "Exit codes")."""

    OK = 0
    AUDIT_FAILED = 1
    USAGE = 2
    UNREADABLE = 3
    INTERRUPTED = 130
    TERMINATED = 143


class Summary:
    """Everything a run found, merged in the parent as results arrive."""

    def __init__(self, top: int = 10, per_file: bool = False, cjk: bool = False, audit: Audit | None = None) -> None:
        self.top_n = top
        self.per_file = per_file
        self.cjk = cjk  # words were counted with `--words cjk`: show how many were CJK characters
        self.audit = audit
        self.violations: list[Violation] = []  # those found in the workers
        self.totals = Totals()
        self.files: list[FileCounts] = []
        self.skipped: dict[str, Skipped] = {}
        self.errors: dict[str, Failed] = {}
        self.warnings: dict[str, Changed] = {}
        self.uncertain: dict[str, Uncertain] = {}
        self.words: Counter[bytes] = Counter()
        self.ranked: list[tuple[bytes, int]] | None = None  # the top words as a cache kept them
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
        if batch.words:
            self.words.update(batch.words)

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
        if self.ranked is not None and not self.words:
            ranked = self.ranked[: self.top_n]
        else:
            ranked = ranking(self.words, self.top_n)
        return [(word.decode("utf-8"), count) for word, count in ranked]

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


def ranking(words: Mapping[bytes, int], wanted: int) -> list[tuple[bytes, int]]:
    """The `wanted` most frequent words (too long ones left out), ties broken by the word.

    Only the words whose count reaches the N-th largest count are looked at closely, so
    a vocabulary of millions costs one pass, not a sort.
    """
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
    return eligible[:wanted]


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


def _violation_row(violation: Violation) -> dict[str, object]:
    record: dict[str, object] = {
        "rule": violation.rule,
        "path": violation.path,
        "line": violation.line,
        "column": violation.column,
        "message": violation.message,
    }
    if violation.match is not None:
        record["match"] = violation.match
    return record


def _document(summary: Summary, files: bool) -> dict[str, object]:
    """The JSON report's content; `files`: with the per-file rows (when they were asked for)."""
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
            **({"cjk_chars": totals.cjk_chars} if summary.cjk else {}),
        },
        "top": [{"word": word, "count": count} for word, count in summary.top()],
    }
    if files and summary.per_file:
        document["files"] = [_file_row(row) for row in summary.sorted_files()]
    document["skipped"] = [{"path": item.path, "reason": item.reason} for item in summary.sorted_skipped()]
    left_out = summary.left_out
    document["left_out"] = {"hidden": left_out.hidden, "ignored": left_out.ignored, "excluded": left_out.excluded}
    document["errors"] = [{"path": item.path, "error": item.error} for item in summary.sorted_errors()]
    document["warnings"] = [{"path": item.path, "warning": item.note} for item in summary.sorted_warnings()]
    document["uncertain"] = [
        {"path": item.path, "encoding": item.encoding, "confidence": item.confidence}
        for item in summary.sorted_uncertain()
    ]
    document["violations"] = [_violation_row(item) for item in summary.sorted_violations()]
    return document


def render_json(summary: Summary) -> str:
    """The report as JSON (schema 1, documented in the README)."""
    return _dump(_document(summary, files=True))


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
        rows.append([*numbers, "", "", f"total ({plural(totals.files, 'file')})"])
        out += _columns(rows, left=2)
    else:
        out += _columns([["files", "lines", "words", "chars", "bytes"], [f"{totals.files:,}", *numbers]])
    if summary.cjk:
        some = "is a single CJK character" if totals.cjk_chars == 1 else "are single CJK characters"
        out.append(f"{totals.cjk_chars:,} of the words {some}")
    top = summary.top()
    if top:
        out += ["", f"top {plural(len(top), 'word')}"]
        out += ["  " + line for line in _columns([["count", "word"]] + [[f"{c:,}", printable(w)] for w, c in top], 1)]
    if summary.skipped:
        reasons = Counter(item.reason for item in summary.skipped.values())
        detail = ", ".join(f"{reason}: {count:,}" for reason, count in sorted(reasons.items()))
        out += ["", f"skipped {len(summary.skipped):,} ({detail})"]
    if summary.left_out.total:
        out += ["", left_out_line(summary.left_out)]
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
    violations = summary.sorted_violations()
    if violations:
        out += ["", f"{plural(len(violations), 'rule violation')}:"]
        out += [f"  {violation_line(item)}" for item in violations]
    return "\n".join(out) + "\n"


def left_out_line(left_out: LeftOut) -> str:
    """The table's line of what the walk left out: `left out: 3 hidden, 12 ignored, 1 excluded`."""
    return f"left out: {left_out.hidden:,} hidden, {left_out.ignored:,} ignored, {left_out.excluded:,} excluded"


def nothing_counted_hint(left_out: LeftOut) -> str:
    """Why a run that met files counted none, in one line, with the flag that would count them."""
    parts = []
    if left_out.ignored:
        parts.append(f"{_entries(left_out.ignored)} ignored (--no-ignore counts {_them(left_out.ignored)})")
    if left_out.hidden:
        parts.append(f"{_entries(left_out.hidden)} hidden (--hidden counts {_them(left_out.hidden)})")
    if left_out.excluded:
        parts.append(f"{_entries(left_out.excluded)} excluded by --exclude or --max-depth")
    return "counted no file: left out " + ", ".join(parts)


def _entries(count: int) -> str:
    return plural(count, "file or folder", "files or folders")


def _them(count: int) -> str:
    return "it" if count == 1 else "them"


def violation_line(violation: Violation) -> str:
    """One violation on one line for people: `path:line:column: rule: message`."""
    location = printable(violation.location)
    return f"{location + ': ' if location else ''}{violation.rule}: {printable(violation.message)}"


def render_wc(summary: Summary) -> str:
    """What GNU `wc` prints for the counted files: lines, words, bytes and the name (`wc_name`),
    a `total` line when there is more than one file. Every number is right-aligned to the width
    of the regular files' total size, and at least 7 wide when an input is not a regular file
    (a pipe, standard input from one), as wc sizes its columns before reading anything."""
    rows = summary.sorted_files()
    total = summary.totals
    size = sum(row.bytes for row in rows if row.regular)
    width = max(len(str(size)), 1 if all(row.regular for row in rows) else 7)
    lines = [f"{row.lines:{width}} {row.words:{width}} {row.bytes:{width}} {wc_name(row.path)}" for row in rows]
    if len(rows) > 1:
        lines.append(f"{total.lines:{width}} {total.words:{width}} {total.bytes:{width}} total")
    return "".join(line + "\n" for line in lines)


# How GNU wc (coreutils 8.x to 9.11) writes a name holding a newline: gnulib's quotearg in its
# shell-escape style, in a UTF-8 locale.
_SHELL_ESCAPES = {0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r"}
_WC_UNPRINTABLE = frozenset({"Cc", "Zl", "Zp", "Cn", "Cs"})  # not glibc's iswprint


def wc_name(path: str) -> str:
    """A file name as GNU wc prints it after its counts: as it is, unless it holds a newline;
    then quoted for a POSIX shell, as `'a'$'\\n''b'`: unprintable characters and bytes that
    are not UTF-8 as `$'…'` escapes (`\\n`, `\\t`, octal `\\377`), a quote as `'\\''`.

    `path` is a name as `os.fsdecode` gives it; the result holds undecodable bytes the same way.
    """
    raw = os.fsencode(path)
    if b"\n" not in raw:
        return path
    quoted, escaping = _shell_escape(raw, False)
    if b"'" in raw:
        # gnulib's quotearg (as in coreutils 9.1) scans a name with a quote once, then quotes it
        # again starting in the `$'…'` state the scan ended in: mirrored, quirks and all.
        quoted, _ = _shell_escape(raw, escaping)
    return quoted


def _shell_escape(raw: bytes, escaping: bool) -> tuple[str, bool]:
    """`raw` in gnulib's shell-escape-always quoting style, starting inside a `$'…'` part if
    `escaping`; and whether it ended inside one."""
    out = ["'"]

    def escape(text: str) -> None:
        nonlocal escaping
        if not escaping:
            out.append("'$'")
            escaping = True
        out.append(text)

    def plain(text: str) -> None:
        nonlocal escaping
        if escaping:
            out.append("''")
            escaping = False
        out.append(text)

    index = 0
    while index < len(raw):
        byte = raw[index]
        if byte in _SHELL_ESCAPES:
            escape("\\" + _SHELL_ESCAPES[byte])
        elif byte == 0x27:  # '
            out.append("'\\''")
            escaping = False
        elif 0x20 <= byte < 0x7F:
            plain(chr(byte))
        else:
            char, size = _utf8_char(raw, index)
            if char is not None and unicodedata.category(char) not in _WC_UNPRINTABLE:
                plain(char)
            else:
                escape("".join(f"\\{part:03o}" for part in raw[index : index + size]))
            index += size
            continue
        index += 1
    out.append("'")
    return "".join(out), escaping


def _utf8_char(data: bytes, index: int) -> tuple[str | None, int]:
    """The UTF-8 character at `index` and its length in bytes, or (None, 1) for a byte that does
    not begin one."""
    for size in (1, 2, 3, 4):
        try:
            return data[index : index + size].decode("utf-8"), size
        except UnicodeDecodeError as error:
            if error.reason != "unexpected end of data" or index + size >= len(data):
                return None, 1
    return None, 1


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _shown_path(path: str) -> str:
    """A path as CI tools want it: relative to the working folder when it is inside it, with
    forward slashes; otherwise absolute."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    if relative == ".." or relative.startswith(".." + os.sep):
        return absolute.replace(os.sep, "/")
    return relative.replace(os.sep, "/")


def render_github(summary: Summary) -> str:
    """One GitHub Actions `::error` workflow command per violation, and nothing else."""
    lines = []
    for violation in summary.sorted_violations():
        properties: list[tuple[str, object]] = []
        if violation.path is not None and violation.path != STDIN:
            properties.append(("file", _shown_path(violation.path)))
            if violation.line is not None:
                properties += [("line", violation.line), ("col", violation.column)]
        properties.append(("title", f"wordcount {violation.rule}"))
        written = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties)
        lines.append(f"::error {written}::{_escape_data(violation.message)}\n")
    return "".join(lines)


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_RULE_IDS = sorted(RULES)


def _sarif_location(path: str, line: int | None = None, column: int | None = None, match: str | None = None
                    ) -> list[dict[str, object]]:
    """A SARIF `locations` list for a file (none for standard input)."""
    if path == STDIN:
        return []
    shown = _shown_path(path)
    absolute = os.path.isabs(shown)
    uri = urllib.parse.quote(os.fsencode(shown), safe="/")
    artifact: dict[str, object] = {"uri": "file://" + uri} if absolute else {"uri": uri, "uriBaseId": "%SRCROOT%"}
    physical: dict[str, object] = {"artifactLocation": artifact}
    if line is not None:
        region: dict[str, object] = {"startLine": line, "startColumn": column}
        if match is not None and "\n" not in match:
            region["endColumn"] = (column or 1) + len(match)
        physical["region"] = region
    return [{"physicalLocation": physical}]


def render_sarif(summary: Summary) -> str:
    """SARIF 2.1.0 for code scanning: one run, every rule wordcount has, a result per violation.

    Columns count Unicode code points (`columnKind`), as everywhere in wordcount.
    """
    results = []
    for violation in summary.sorted_violations():
        result: dict[str, object] = {
            "ruleId": violation.rule,
            "ruleIndex": _RULE_IDS.index(violation.rule),
            "level": "error",
            "message": {"text": violation.message},
        }
        if violation.path is not None:
            result["locations"] = _sarif_location(violation.path, violation.line, violation.column, violation.match)
        results.append(result)
    notifications = [
        {"level": "error", "message": {"text": f"could not be read: {item.error}"}, "locations": _sarif_location(item.path)}
        for item in summary.sorted_errors()
    ]
    run = {
        "tool": {
            "driver": {
                "name": "wordcount",
                "version": __version__,
                "rules": [
                    {"id": rule, "shortDescription": {"text": RULES[rule]}, "defaultConfiguration": {"level": "error"}}
                    for rule in _RULE_IDS
                ],
            }
        },
        "invocations": [
            {
                "executionSuccessful": not summary.errors,
                "exitCode": int(summary.exit_code),
                "toolExecutionNotifications": notifications,
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    document = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def jsonl_records(outcomes: Iterable[FileCounts | Skipped | Failed]) -> str:
    """One JSON line per file: counted (`file`), `skipped` or `error`; in the order given."""
    lines = []
    for outcome in outcomes:
        if isinstance(outcome, FileCounts):
            record = {"type": "file", **_file_row(outcome)}
        elif isinstance(outcome, Skipped):
            record = {"type": "skipped", "path": outcome.path, "reason": outcome.reason}
        else:
            record = {"type": "error", "path": outcome.path, "error": outcome.error}
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


def jsonl_batch(batch: BatchResult) -> str:
    """The records of one batch's files, counted ones then the others, each sorted by path."""
    return jsonl_records(
        [*sorted(batch.files, key=lambda row: row.path), *sorted(batch.problems, key=lambda item: item.path)]
    )


def render_jsonl(summary: Summary) -> str:
    """The final record of `--format jsonl`: the JSON report without per-file rows."""
    return json.dumps({"type": "summary", **_document(summary, files=False)}, ensure_ascii=False) + "\n"


RENDERERS = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
    "wc": render_wc,
    "github": render_github,
    "sarif": render_sarif,
    "jsonl": render_jsonl,
}

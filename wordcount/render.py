"""Pure renderers of a `Summary`, one per report format, and the lines shown to people.

Renderers return text and never write: the command line decides where text goes. Every
list is sorted, so the same input renders byte-identically whatever the number of workers.
"""

from __future__ import annotations

import csv
import io
import json
import os
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable

from wordcount import __version__
from wordcount.audit import RULES
from wordcount.decode import UNCERTAIN_BELOW
from wordcount.results import STDIN, BatchResult, Failed, FileCounts, LeftOut, Skipped, Violation
from wordcount.summary import Summary
from wordcount.wcname import wc_name
from wordcount.wording import plural, printable

SCHEMA = 1
SKIPPED_LISTED = 20  # the table lists the skipped files one by one up to this many


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
    if row.stored is not None:
        record["stored"] = row.stored  # a compressed file's size as stored (`-z`)
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
            **({"stored": totals.stored} if summary.decompress else {}),
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
        stored = ["stored"] if summary.decompress else []  # with -z: each file's size as stored, last
        writer.writerow(["path", "lines", "words", "chars", "bytes", "encoding", "replaced", "confidence", *stored])
        for row in summary.sorted_files():
            writer.writerow([row.path, row.lines, row.words, row.chars, row.bytes, row.encoding, row.replaced,
                             f"{row.confidence:.2f}", *([row.stored_bytes] if stored else [])])
    else:
        writer.writerow(["word", "count"])
        writer.writerows(summary.top())
    return buffer.getvalue()


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
    stored = ["stored"] if summary.decompress else []  # with -z, the size as stored follows the bytes counted
    numbers = [f"{value:,}" for value in (totals.lines, totals.words, totals.chars, totals.bytes)]
    numbers += [f"{totals.stored:,}"] if stored else []
    out: list[str] = []
    if summary.per_file:
        rows = [["lines", "words", "chars", "bytes", *stored, "confidence", "encoding", "path"]]
        for row in summary.sorted_files():
            cells = [f"{value:,}" for value in (row.lines, row.words, row.chars, row.bytes)]
            cells += [f"{row.stored_bytes:,}"] if stored else []
            encoding = row.encoding + (f" ({row.replaced:,} replaced)" if row.replaced else "")
            rows.append([*cells, f"{row.confidence:.2f}", encoding, printable(row.path)])
        rows.append([*numbers, "", "", f"total ({plural(totals.files, 'file')})"])
        out += _columns(rows, left=2)
    else:
        out += _columns([["files", "lines", "words", "chars", "bytes", *stored], [f"{totals.files:,}", *numbers]])
    if summary.cjk:
        some = "is a single CJK character" if totals.cjk_chars == 1 else "are single CJK characters"
        out.append(f"{totals.cjk_chars:,} of the words {some}")
    top = summary.top()
    if top:
        out += ["", f"top {plural(len(top), 'word')}"]
        out += ["  " + line for line in _columns([["count", "word"]] + [[f"{c:,}", printable(w)] for w, c in top], 1)]
    if summary.skipped:
        out += ["", *skipped_lines(summary)]
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


def skipped_lines(summary: Summary) -> list[str]:
    """The table's lines of the files skipped: how many for each reason and, when they are few
    (at most SKIPPED_LISTED), each file with its reason."""
    reasons = Counter(item.reason for item in summary.skipped.values())
    detail = ", ".join(f"{reason}: {count:,}" for reason, count in sorted(reasons.items()))
    hint = [compressed_line(reasons["compressed"])] if reasons["compressed"] else []
    if len(summary.skipped) > SKIPPED_LISTED:
        return [f"skipped {len(summary.skipped):,} ({detail})", *hint]
    return [f"skipped {len(summary.skipped):,} ({detail}):",
            *(f"  {printable(item.path)}: {item.reason}" for item in summary.sorted_skipped()), *hint]


def compressed_line(count: int) -> str:
    """The table's footer for compressed files skipped: how many, and the flag that counts them."""
    return f"{plural(count, 'compressed file')} skipped (-z counts {_them(count)})"


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


RENDERERS: dict[str, Callable[[Summary], str]] = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
    "wc": render_wc,
    "github": render_github,
    "sarif": render_sarif,
    "jsonl": render_jsonl,
}

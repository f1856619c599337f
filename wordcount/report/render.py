"""Pure renderers of a `Summary`, one per report format, and the lines shown to people.

Renderers return text and never write: the command line decides where text goes. Every
list is sorted, so the same input renders byte-identically whatever the number of workers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable

from wordcount import __version__
from wordcount.choices import Format, TotalMode
from wordcount.model import UNCERTAIN_BELOW
from wordcount.report.layout import HEADINGS, Layout
from wordcount.counting.line_width import shortened
from wordcount.model import BatchResult, Failed, FileCounts, LeftOut, Skipped, Totals, Violation
from wordcount.report.summary import Summary
from wordcount.report.wc_names import wc_name
from wordcount.messages import plural, printable

SCHEMA = 1
SKIPPED_LISTED = 20  # the table lists the skipped files one by one up to this many
WORD_COLUMNS = 40  # the table shortens a longer top word (a URL, a hash) to this many columns, with `…`


def _file_row(row: FileCounts, layout: Layout) -> dict[str, object]:
    record: dict[str, object] = {"path": row.path, **_counts(row, layout)}
    record["encoding"] = row.encoding
    record["confidence"] = row.confidence
    if row.replaced:
        record["replaced"] = row.replaced
    if row.stored is not None:
        record["stored"] = row.stored  # a compressed file's size as stored (`-z`)
    return record


def _counts(counts: Totals | FileCounts, layout: Layout) -> dict[str, int]:
    """The chosen count columns of a file or a total, by name."""
    return dict(zip(layout.columns, layout.values(counts)))


def _sums(totals: Totals, layout: Layout, cjk: bool = False) -> dict[str, int]:
    """The JSON record of a total (the run's or a group's): files, the chosen counts, the words
    that were single CJK characters with `--word-mode cjk`, the size as stored with `-z`."""
    return {"files": totals.files, **_counts(totals, layout), **({"cjk_chars": totals.cjk_chars} if cjk else {}),
            **({"stored": totals.stored_bytes} if layout.stored else {})}


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
    totals, layout = summary.totals, summary.layout
    document: dict[str, object] = {"schema": SCHEMA, "version": __version__, "config": summary.config}
    if layout.total is not TotalMode.never:
        document["totals"] = _sums(totals, layout, summary.cjk)
    document["top"] = [{"word": word, "count": count} for word, count in summary.top()]
    if files and layout.shows_rows:
        document["files"] = [_file_row(row, layout) for row in summary.sorted_files()]
    if layout.by is not None:
        document["by"] = layout.by.label
        document["groups"] = [{"group": group.name, **_sums(group.totals, layout)} for group in summary.groups()]
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
    """The report as JSON (schema 1, documented in docs/reports.md)."""
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
    """The report as one CSV table (docs/reports.md, "CSV"): see `_csv_rows`."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(_csv_rows(summary))
    return buffer.getvalue()


def _csv_rows(summary: Summary) -> list[list[object]]:
    """The header and rows of the one table a CSV holds, the first that applies: the groups with
    `--by`; the files with `--per-file` (not with `--total only`); the totals with `--total always`
    or `only`, or when `--top 0` leaves no words to show; else the top words. A table keyed by
    group or path ends, with `--total always` (or `only`, for groups), in a total row whose key
    is empty. The top words have no total row: their counts are of the words ranked (normalised,
    without too-long tokens), which the totals do not add up."""
    layout, totals = summary.layout, summary.totals
    stored = ["stored"] if layout.stored else []  # with -z: the sizes as stored, last

    def kept(counts: Totals | FileCounts) -> list[object]:
        return [counts.stored_bytes] if stored else []

    if layout.by is not None:
        rows: list[list[object]] = [["group", "files", *layout.columns, *stored]]
        rows += [[group.name, group.totals.files, *layout.values(group.totals), *kept(group.totals)]
                 for group in summary.groups()]
        return rows + ([["", totals.files, *layout.values(totals), *kept(totals)]]
                       if layout.total in (TotalMode.always, TotalMode.only) else [])
    if layout.shows_rows:
        rows = [["path", *layout.columns, "encoding", "replaced", "confidence", *stored]]
        rows += [[row.path, *layout.values(row), row.encoding, row.replaced, f"{row.confidence:.2f}",
                  *kept(row)] for row in summary.sorted_files()]
        return rows + ([["", *layout.values(totals), "", "", "", *kept(totals)]] if layout.total is TotalMode.always else [])
    if layout.total in (TotalMode.always, TotalMode.only) or (layout.total is TotalMode.auto and summary.top_n <= 0):
        record = _sums(totals, layout, summary.cjk)
        return [list(record), list(record.values())]
    return [["word", "count"], *map(list, summary.top())]


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


def _numbers(counts: Totals | FileCounts, layout: Layout) -> list[str]:
    """The table's cells of the chosen columns, and with -z the size as stored."""
    stored = [counts.stored_bytes] if layout.stored else []
    return [f"{value:,}" for value in (*layout.values(counts), *stored)]


def _counts_lines(summary: Summary) -> list[str]:
    """The table's counts: the per-file rows and their total, or the totals alone; and the
    breakdown by extension or folder."""
    totals, layout = summary.totals, summary.layout
    headings = [HEADINGS[column] for column in layout.columns] + (["stored"] if layout.stored else [])
    out: list[str] = []
    if layout.shows_rows:
        rows = [[*headings, "confidence", "encoding", "path"]]
        for row in summary.sorted_files():
            encoding = row.encoding + (f" ({row.replaced:,} replaced)" if row.replaced else "")
            rows.append([*_numbers(row, layout), f"{row.confidence:.2f}", encoding, printable(row.path)])
        if layout.total is not TotalMode.never:
            rows.append([*_numbers(totals, layout), "", "", f"total ({plural(totals.files, 'file')})"])
        out += _columns(rows, left=2)
    elif layout.total is not TotalMode.never:
        out += _columns([["files", *headings], [f"{totals.files:,}", *_numbers(totals, layout)]])
    if layout.by is not None:
        rows = [["files", *headings, layout.by.title]]
        rows += [[f"{group.totals.files:,}", *_numbers(group.totals, layout), printable(group.name)]
                 for group in summary.groups()]
        out += ["", *_columns(rows, left=1)] if out else _columns(rows, left=1)
    return out


def render_table(summary: Summary) -> str:
    """The report for people: totals, top words, what was skipped or failed, and warnings."""
    totals = summary.totals
    out = _counts_lines(summary)
    if summary.cjk:
        some = "is a single CJK character" if totals.cjk_chars == 1 else "are single CJK characters"
        out.append(f"{totals.cjk_chars:,} of the words {some}")
    top = summary.top()
    if top:
        out += ["", f"top {plural(len(top), 'word')}"] if out else [f"top {plural(len(top), 'word')}"]
        shown = [[f"{count:,}", shortened(printable(word), WORD_COLUMNS)] for word, count in top]
        out += ["  " + line for line in _columns([["count", "word"], *shown], 1)]
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
        out += ["", *uncertain_lines(summary)]
    violations = summary.sorted_violations()
    if violations:
        out += ["", f"{plural(len(violations), 'rule violation')}:"]
        out += [f"  {violation_line(item)}" for item in violations]
    return "\n".join(out) + "\n"


def skipped_lines(summary: Summary) -> list[str]:
    """The table's lines of the files skipped: how many for each reason and, when they are few
    (at most SKIPPED_LISTED), each file with its reason."""
    reasons = dict(summary.skip_reasons())
    detail = ", ".join(f"{reason}: {count:,}" for reason, count in reasons.items())
    hint = [compressed_line(reasons["compressed"])] if "compressed" in reasons else []
    if len(summary.skipped) > SKIPPED_LISTED:
        return [f"skipped {len(summary.skipped):,} ({detail})", *hint]
    return [f"skipped {len(summary.skipped):,} ({detail}):",
            *(f"  {printable(item.path)}: {item.reason}" for item in summary.sorted_skipped()), *hint]


def uncertain_lines(summary: Summary) -> list[str]:
    """The table's lines of the files read with an uncertain encoding: how many (in a heading
    that fits 80 columns), each with its encoding and confidence, and how to pin them."""
    count = len(summary.uncertain)
    return [f"{count:,} read with an uncertain encoding (confidence below {UNCERTAIN_BELOW:.2f}):",
            *(f"  {printable(item.path)}: {item.encoding} ({item.confidence:.2f})" for item in summary.sorted_uncertain()),
            f"pin {_them(count)} with --encoding 'GLOB=NAME'"]


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
        parts.append(f"{_entries(left_out.excluded)} excluded by --exclude, --glob, --type or --max-depth")
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
    """What GNU `wc` prints for the counted files: the columns asked for (lines, words and bytes
    by default) and the name (`wc_name`), and a `total` line as `--total` says (auto: when
    there is more than one file). The files are in the order their paths were given (a
    folder's in path order), as wc prints its operands. Every number is right-aligned to the
    width of the regular files' total size by fstat (a procfs file's is 0, a sysfs one's
    4096), and at least 7 wide when an input is not a regular file (a pipe, standard input
    from one), as wc sizes its columns before reading anything; 1 wide for a single file and
    column, for names read from a stream (`--files0-from=-`), or with `--total only` (whose
    line has no name). Standard input read for want of a path is not named, as wc names it
    only when `-` is given."""
    layout = summary.layout
    rows = summary.sorted_files(given=True)
    size = sum(row.bytes if row.stat_size is None else row.stat_size for row in rows if row.regular)
    width = max(len(str(size)), 1 if all(row.regular for row in rows) else 7)
    if layout.total is TotalMode.only or layout.unaligned or (len(rows) == 1 and len(layout.columns) == 1):
        width = 1
    lines = [] if layout.total is TotalMode.only else [
        _wc_line(layout.values(row), width, None if layout.unnamed else wc_name(row.path)) for row in rows]
    if layout.total in (TotalMode.always, TotalMode.only) or (layout.total is TotalMode.auto and len(rows) > 1):
        lines.append(_wc_line(layout.values(summary.totals), width, "total" if layout.total is not TotalMode.only else None))
    return "".join(line + "\n" for line in lines)


def _wc_line(values: list[int], width: int, name: str | None) -> str:
    return " ".join(f"{value:{width}}" for value in values) + ("" if name is None else f" {name}")


def jsonl_records(outcomes: Iterable[FileCounts | Skipped | Failed], layout: Layout = Layout()) -> str:
    """One JSON line per file: counted (`file`, not with `--total only`), `skipped` or `error`;
    in the order given."""
    lines = []
    for outcome in outcomes:
        if isinstance(outcome, FileCounts):
            if layout.total is TotalMode.only:
                continue
            record = {"type": "file", **_file_row(outcome, layout)}
        elif isinstance(outcome, Skipped):
            record = {"type": "skipped", "path": outcome.path, "reason": outcome.reason}
        else:
            record = {"type": "error", "path": outcome.path, "error": outcome.error}
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    return "".join(lines)


def jsonl_batch(batch: BatchResult, layout: Layout) -> str:
    """The records of one batch's files, counted ones then the others, each sorted by path."""
    return jsonl_records(
        [*sorted(batch.files, key=lambda row: row.path), *sorted(batch.problems, key=lambda item: item.path)], layout
    )


def render_jsonl(summary: Summary) -> str:
    """The final record of `--format jsonl`: the JSON report without per-file rows."""
    return json.dumps({"type": "summary", **_document(summary, files=False)}, ensure_ascii=False) + "\n"


def render_html(summary: Summary) -> str:
    """The HTML report with its charts (`report_html`, imported only when asked for)."""
    from wordcount.report import html

    return html.render_html(summary)


def render_github(summary: Summary) -> str:
    """GitHub Actions annotations (`annotate`, imported only when asked for: 4 ms a run)."""
    from wordcount.report import annotate

    return annotate.render_github(summary)


def render_sarif(summary: Summary) -> str:
    """SARIF 2.1.0 (`annotate`, imported only when asked for)."""
    from wordcount.report import annotate

    return annotate.render_sarif(summary)


RENDERERS: dict[Format, Callable[[Summary], str]] = {
    Format.table: render_table,
    Format.json: render_json,
    Format.csv: render_csv,
    Format.wc: render_wc,
    Format.github: render_github,
    Format.sarif: render_sarif,
    Format.jsonl: render_jsonl,
    Format.html: render_html,
}

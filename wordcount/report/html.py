"""The HTML report (`--format html`): one self-contained page for people to look at.

The totals; the top words as bars; the rank-frequency curve on log-log axes (Zipf's law is what
corpus people look at first); how many words the files hold, as a histogram on log-spaced bins;
the `--by` breakdown when asked; and what was skipped, failed, doubtful or against a rule, as
tables. Charts are inline SVG (`report/svg.py`); the page loads nothing (its Content-Security-Policy
forbids it), runs no script, and stays small for any tree: long lists show their first
`LISTED` rows and say how many more there are, and the curve samples the ranks of the
`CURVE_RANKS` most frequent words.

Every text that comes from the files or the command line is escaped, and made printable first
(control characters and undecodable bytes of names as `\\n`, `\\udcff`). The same summary gives
the same bytes: nothing here depends on time or on the order results arrived in.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from html import escape

from wordcount import __version__
from wordcount.choices import TotalMode
from wordcount.report import svg
from wordcount.model import UNCERTAIN_BELOW
from wordcount.report.layout import CURVE_RANKS, HEADINGS
from wordcount.report.summary import Summary
from wordcount.messages import plural, printable

LISTED = 50  # a table shows this many rows, then says how many more there are
CHARTED = 25  # the bar charts show this many bars
CURVE_POINTS = 120  # the rank-frequency curve is sampled at about this many ranks, log-evenly
LARGEST = 10  # the largest files listed when the per-file rows were not asked for
# A card's name when its number is 1 (the others, as `max-line`, name no count).
ONE = {"files": "file", "lines": "line", "words": "word", "chars": "char", "bytes": "byte", "bytes stored": "byte stored"}
ROOTS_NAMED = 3  # the paths named in the title

STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;background:#fff;margin:0 auto;
max-width:980px;padding:16px 24px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 6px;border-bottom:1px solid #ddd}
.sub,.more,.note,footer{color:#555;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:110px}
.card strong{display:block;font-size:22px}.card span{color:#555;font-size:13px}
table{border-collapse:collapse;margin:6px 0;font-size:13px}
th,td{padding:2px 10px;text-align:left;vertical-align:top}th{border-bottom:1px solid #bbb}
tr:nth-child(even) td{background:#f5f5f5}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.p{font-family:ui-monospace,monospace;word-break:break-all}
svg.chart{max-width:100%;height:auto;font-size:12px;display:block;margin:6px 0}
svg text{fill:#333}svg text.tick{fill:#666;font-size:11px}
"""
POLICY = "default-src 'none'; style-src 'unsafe-inline'"  # nothing is fetched, nothing runs


def text(value: str) -> str:
    """Text from the files or the command line, printable and escaped for HTML."""
    return escape(printable(value))


def render_html(summary: Summary) -> str:
    """The whole page."""
    roots = summary.layout.roots
    named = ", ".join(printable(root) for root in roots[:ROOTS_NAMED])
    if len(roots) > ROOTS_NAMED:
        named += f" and {plural(len(roots) - ROOTS_NAMED, 'more path')}"
    sections = [_totals(summary), _top_words(summary), _curve(summary), _histogram(summary), _groups(summary),
                _files(summary), _problems(summary)]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>wordcount: {escape(named or '.')}</title><style>{STYLE}</style></head>\n<body>\n"
        f"<h1>wordcount report</h1><p class=\"sub\">{escape(named or '.')}</p>\n"
        + "".join(section + "\n" for section in sections if section)
        + f'<footer>made by wordcount {escape(__version__)}</footer>\n</body></html>\n'
    )


def _totals(summary: Summary) -> str:
    """The totals as cards: files, then the count columns asked for."""
    totals, layout = summary.totals, summary.layout
    if layout.total is TotalMode.never:
        return ""
    cards = [("files", totals.files)] + [(HEADINGS[column], getattr(totals, column)) for column in layout.columns]
    if layout.stored:
        cards.append(("bytes stored", totals.stored_bytes))
    out = ['<section id="totals"><h2>Totals</h2><div class="cards">']
    out += [f'<div class="card"><strong>{value:,}</strong><span>{escape(ONE.get(name, name) if value == 1 else name)}'
            "</span></div>" for name, value in cards]
    out.append("</div>")
    if summary.cjk:
        some = "is a single CJK character" if totals.cjk_chars == 1 else "are single CJK characters"
        out.append(f'<p class="note">{totals.cjk_chars:,} of the words {some}</p>')
    return "".join(out) + "</section>"


def _top_words(summary: Summary) -> str:
    """The most frequent words as bars (the first CHARTED), and all of them in a table when there are more."""
    top = summary.top()
    if not top:
        return ""
    charted = [(printable(word), count) for word, count in top[:CHARTED]]
    out = [f'<section id="top"><h2>Top {plural(len(top), "word")}</h2>',
           svg.bars(charted, _most_frequent(len(charted)), unit="time")]
    if len(top) > CHARTED:
        out.append(_table(["rank", "word", "count"], [[rank, word, count] for rank, (word, count) in
                                                      enumerate(top[:LISTED * 10], 1)], len(top), "word", {0, 2}))
    return "".join(out) + "</section>"


def rank_counts(summary: Summary) -> list[int]:
    """The counts of the CURVE_RANKS most frequent words, the largest first: from the merged
    table (ranked in C: a vocabulary of millions costs one pass), or from the words a cache
    kept ranked (as many: see `OutputShape.ranks`). Too long words are left out, as from the
    top words."""
    ranked = summary.table.top(CURVE_RANKS) if summary.table else (summary.ranked or [])[:CURVE_RANKS]
    return [count for _, count in ranked]


def sampled_ranks(total: int, wanted: int = CURVE_POINTS) -> list[int]:
    """About `wanted` ranks from 1 to `total`, evenly spaced on a log scale (every rank when
    there are few), the first and the last always among them."""
    if total <= wanted:
        return list(range(1, total + 1))
    step = math.log(total) / (wanted - 1)
    return sorted({min(total, round(math.exp(step * index))) for index in range(wanted)} | {1, total})


def _curve(summary: Summary) -> str:
    """The rank-frequency curve: each sampled rank's count, on log-log axes."""
    counts = rank_counts(summary)
    if not counts:
        return ""
    points = [(rank, counts[rank - 1]) for rank in sampled_ranks(len(counts))]
    chart = svg.loglog(points, "rank-frequency curve of the words, on log-log axes", "rank", "count")
    drawn = plural(len(counts), "distinct word") if len(counts) < CURVE_RANKS else _most_frequent(CURVE_RANKS)
    return (f'<section id="zipf"><h2>Rank and frequency</h2>{chart}<p class="note">'
            f"{drawn}, {plural(len(points), 'rank')} drawn; the dashed line falls as 1/rank (Zipf's law).</p></section>")


def _most_frequent(count: int) -> str:
    """`the 10 most frequent words`, or `the most frequent word` when there is one."""
    return "the most frequent word" if count == 1 else f"the {count:,} most frequent words"


def word_bins(words: Sequence[int]) -> tuple[list[int], list[int]]:
    """Log-spaced bins of the files' word counts: the edges (1, 2, 5, 10, 20, 50, …, with 0
    first when a file has no word) and how many files fall in each [edge, next edge)."""
    edges = [0] if min(words) == 0 else []
    edge = 1
    while not edges or edges[-1] <= max(words):
        edges.append(edge)
        edge = edge * 5 // 2 if str(edge)[0] == "2" else edge * 2  # 1, 2, 5, 10, 20, 50, …
    while edges[1] <= min(words):
        edges.pop(0)  # start at the bin of the fewest words
    counts = [0] * (len(edges) - 1)
    for count in words:
        counts[bisect.bisect_right(edges, count) - 1] += 1
    return edges, counts


def _histogram(summary: Summary) -> str:
    """How many files hold how many words, on log-spaced bins."""
    if len(summary.files) < 2:
        return ""
    edges, counts = word_bins(sorted(row.words for row in summary.files))
    tips = [plural(low, "word") if high - low == 1 else f"{low:,}\u2013{high - 1:,} words"
            for low, high in zip(edges, edges[1:])]
    chart = svg.histogram(counts, [svg.short(edge) for edge in edges], tips, "how many files hold how many words")
    return f'<section id="per-file"><h2>Words per file</h2>{chart}</section>'


def _groups(summary: Summary) -> str:
    """The `--by` breakdown: the words of the largest groups as bars, and the groups in a table."""
    layout = summary.layout
    if layout.by is None:
        return ""
    groups = summary.groups()
    chart = svg.bars([(printable(group.name), group.totals.words) for group in groups[:CHARTED]],
                     f"words {layout.by.title}", svg.GROUP, "word")
    rows = [[group.name, group.totals.files, *layout.values(group.totals)] for group in groups[:LISTED]]
    table = _table([layout.by.title.removeprefix("by "), "files", *(HEADINGS[c] for c in layout.columns)], rows,
                   len(groups), "group", set(range(1, 2 + len(layout.columns))))
    return f'<section id="groups"><h2>Words {escape(layout.by.title)}</h2>{chart}{table}</section>'


def _files(summary: Summary) -> str:
    """The per-file rows when asked for (`--per-file`, the first LISTED in the order asked),
    else the LARGEST files by words."""
    layout = summary.layout
    if not summary.files:
        return ""
    if layout.shows_rows:
        rows, title, shown = summary.sorted_files(), "Files", LISTED
    else:
        rows, title, shown = sorted(summary.files, key=lambda row: (-row.words, row.path)), "Largest files", LARGEST
    cells = [[*layout.values(row), row.encoding, row.path] for row in rows[:shown]]
    numeric = set(range(len(layout.columns)))
    headings = [*(HEADINGS[column] for column in layout.columns), "encoding", "path"]
    table = _table(headings, cells, len(rows) if layout.shows_rows else len(cells), "file", numeric)
    return f'<section id="files"><h2>{title}</h2>{table}</section>'


def _problems(summary: Summary) -> str:
    """What was not counted, or counted with a doubt or against a rule, as tables."""
    out = []
    if summary.skipped:
        reasons = summary.skip_reasons()
        out.append(f'<h2>Skipped: {plural(len(summary.skipped), "file")}</h2>'
                   + _table(["reason", "files"], [[reason, count] for reason, count in reasons], len(reasons), "reason",
                            {1})
                   + _table(["path", "reason"], [[item.path, item.reason] for item in summary.sorted_skipped()[:LISTED]],
                            len(summary.skipped), "file", set()))
    left_out = summary.left_out
    if left_out.total:
        out.append(f'<p class="note">Left out by the walk: {left_out.hidden:,} hidden, {left_out.ignored:,} ignored, '
                   f"{left_out.excluded:,} excluded.</p>")
    listed = [
        ("Could not be read", ["path", "error"], [[item.path, item.error] for item in summary.sorted_errors()]),
        ("Counted with a warning", ["path", "warning"], [[item.path, item.note] for item in summary.sorted_warnings()]),
        (f"Uncertain encodings (confidence below {UNCERTAIN_BELOW:.2f}; pin one with --encoding 'GLOB=NAME')",
         ["path", "encoding", "confidence"],
         [[item.path, item.encoding, f"{item.confidence:.2f}"] for item in summary.sorted_uncertain()]),
        ("Rule violations", ["where", "rule", "message"],
         [[item.location, item.rule, item.message] for item in summary.sorted_violations()]),
    ]
    for title, headings, rows in listed:
        if rows:
            out.append(f"<h2>{escape(title)}: {len(rows):,}</h2>" + _table(headings, rows[:LISTED], len(rows), "row", set()))
    return f'<section id="problems">{"".join(out)}</section>' if out else ""


def _table(headings: Sequence[str], rows: Sequence[Sequence[object]], total: int, noun: str,
           numeric: set[int]) -> str:
    """A table of `rows` (at most LISTED * 10 given; numbers in the `numeric` columns, aligned
    right), then how many more of the `total` there are, when some were left out."""
    paths = {index for index, heading in enumerate(headings) if heading in ("path", "where")}

    def cell(index: int, value: object) -> str:
        """One cell: a number aligned right, a path in monospace, any text escaped."""
        if index in numeric:
            return f'<td class="n">{value:,}</td>' if isinstance(value, int) else f'<td class="n">{text(str(value))}</td>'
        return f'<td class="p">{text(str(value))}</td>' if index in paths else f"<td>{text(str(value))}</td>"

    head = "".join(f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                   for i, h in enumerate(headings))
    body = "".join("<tr>" + "".join(cell(i, value) for i, value in enumerate(row)) + "</tr>" for row in rows)
    more = f'<p class="more">and {plural(total - len(rows), "more " + noun)}</p>' if total > len(rows) else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"

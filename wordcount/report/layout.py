"""How the report lays its numbers out: which count columns (wc's `-l -w -m -c -L`), which
per-file rows in what order (`--per-file`, `--sort`, `--reverse`), the total (`--total`) and
the breakdown (`--by`). Renderers read it from the summary; nothing here changes a count.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wordcount.choices import SortKey, TotalMode
from wordcount.report.groups import Grouping
from wordcount.model import FileCounts, Totals

COLUMNS = ("lines", "words", "chars", "bytes", "max_line_length")  # every count column, in wc's order
DEFAULT_COLUMNS = ("lines", "words", "chars", "bytes")
WC_DEFAULT_COLUMNS = ("lines", "words", "bytes")  # what GNU wc prints without a column option
HEADINGS = {"lines": "lines", "words": "words", "chars": "chars", "bytes": "bytes", "max_line_length": "max-line"}
# The ranks the HTML report's rank-frequency curve reaches: the words a cache keeps ranked
# (`cache.RANKED`), so a run served by the cache draws the same curve.
CURVE_RANKS = 10_000


@dataclass(frozen=True, slots=True)
class Layout:
    """The report's shape beside its format.

    `rows`: the per-file rows are shown; `order`: how they are sorted (a count column or
    `path`, and whether reversed); `columns`: the count columns, in wc's order; `total`: when
    the total is shown (wc's `--total`: `auto` is each format's habit); `by`: the breakdown,
    with the `roots` its folders are found below; `stored`: the sizes as stored are shown beside
    the bytes counted (`-z`).
    """

    rows: bool = False
    order: tuple[SortKey, bool] = (SortKey.path, False)
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    total: TotalMode = TotalMode.auto
    by: Grouping | None = None
    roots: tuple[str, ...] = ()
    unaligned: bool = False  # `--format wc` pads no number (names read as a stream: wc knew no size)
    stored: bool = False  # compressed files were counted as their text (`-z`): show the sizes as stored too
    unnamed: bool = False  # standard input was read for want of a path: `--format wc` names it not, as wc

    @property
    def shows_rows(self) -> bool:
        """Whether per-file rows are shown: asked for, and not `--total only`."""
        return self.rows and self.total is not TotalMode.only

    def values(self, counts: Totals | FileCounts) -> list[int]:
        """The chosen columns' numbers of a file or a total."""
        return [getattr(counts, column) for column in self.columns]


def given_order(roots: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    """The sort key of a file's path that puts the files in the order the paths were given
    (`roots`: the arguments, or a list's names), as wc prints them: the files a path reached
    at its place, a folder's in path order. A file reached by several paths is at the first's
    (it was found there); one reached by none (it cannot be) last."""
    first: dict[str, int] = {}
    for index, root in enumerate(roots):
        first.setdefault(root, index)

    def key(path: str) -> tuple[int, str]:
        places = [first[path]] if path in first else []
        at = path.find(os.sep)
        while at != -1:  # the folders above it, as given: with or without a separator at the end
            places += [first[folder] for folder in (path[:at], path[: at + 1]) if folder in first]
            at = path.find(os.sep, at + 1)
        return min(places, default=len(roots)), path

    return key

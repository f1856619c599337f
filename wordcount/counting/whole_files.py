"""Files counted whole by the compiled core, in one call: a small file (`count_small`), or the
small files of a batch whose rows are not wanted (`count_whole`), without a Python object per
file or per read. Each declines, having counted nothing, a file about which something must be
decided first (a BOM, a NUL, escapes, an XML declaration, bytes that are not UTF-8, a large file,
an HTML file): `counting/reader.py` reads those. Without the compiled core, nothing is counted here.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from wordcount.choices import WordMode
from wordcount.counting import core
from wordcount.counting.freq import Words
from wordcount.counting.spec import Counting
from wordcount.progress import Progress
from wordcount.model import STDIN, FileCounts, Totals


def count_whole(
    paths: Sequence[str], counting: Counting, table: Words | None, progress: Progress,
    add: Callable[[Totals, list[str]], None], limit: int, cwd: str = "",
) -> Sequence[str]:
    """Count together, in one call of the compiled core, the small UTF-8 files of a batch whose
    rows are not wanted (`_core.count_files`): `add` gets their totals and those that changed
    while read. Returns the paths left to count one by one (all of them without that core)."""
    compiled = _core_for(counting, "count_files")
    if compiled is None or counting.encoding is not None or counting.encoding_rules:
        return paths
    # Standard input, marked-up files (`--markup auto`, counted by their prose) and HTML files (their
    # <meta> may declare a charset) are read one by one.
    apart: list[str] = []
    files: list[str] = []
    for path in paths:
        one_by_one = path == STDIN or counting.markup_for(path) is not None or counting.is_html(path)
        (apart if one_by_one else files).append(path)
    totals, declined, changed = compiled.count_files([os.path.join(cwd, path) for path in files], table, limit)
    add(Totals(*totals), [files[index] for index in changed])
    progress.add(totals[0], totals[4], totals[2])
    return [files[index] for index in declined] + apart


def count_small(path: str, counting: Counting, table: Words | None, cwd: str, limit: int) -> FileCounts | None:
    """A small UTF-8 file counted by the compiled core in one call (one open, reads to its end
    and close, no Python object made of its bytes), when nothing about it needs deciding here:
    its counts are those `reader.count_stream` gives. None: count it the long way (nothing was
    counted)."""
    compiled = _core_for(counting, "count_file")
    if compiled is None or counting.encoding_for(path) is not None or counting.is_html(path):
        return None
    counted = compiled.count_file(os.path.join(cwd, path), table, limit)
    if counted is None:
        return None
    lines, words, chars, size, stat_size, changed = counted
    return FileCounts(path, lines, words, chars, size, "utf-8").as_read(stat_size, changed)


def _core_for(counting: Counting, function: str) -> Any:
    """The compiled core when it has `function` (not on Windows) and counts what the settings
    ask for: whitespace words, not GNU wc's raw bytes, no line widths. Else None."""
    compiled = core.compiled()
    if (compiled is None or not hasattr(compiled, function) or counting.word_mode is not WordMode.whitespace or counting.wc
            or counting.line_width):
        return None
    return compiled

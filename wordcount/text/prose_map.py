"""The prose of a marked-up document, and where each of its characters stands in the source.

A `Prose` is the text that `--markup auto` counts and searches (`text/markup.py` extracts it), with a
map back to the source document: a forbidden word found in the prose is reported at its line and
column in the file, as found without markup. The prose is made of pieces, each placed at a
source offset: a verbatim piece is the source's own text there (each character maps to its own
place); any other piece (a decoded entity `&amp;` → `&`, an escape `\\*` → `*`, a break between
blocks) maps, every character of it, to where its source begins.

Workers load this module when a file is counted with `--markup auto`: only the standard library.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Prose:
    """Extracted text, and per piece: where it begins in the text, where in the source, and
    whether it is the source's own text (verbatim) or stands for it."""

    text: str
    starts: tuple[int, ...]  # ascending offsets in `text`
    origins: tuple[int, ...]  # the matching offsets in the source
    verbatim: tuple[bool, ...]
    source_lines: tuple[int, ...]  # the offsets in the source where each line begins

    def source_offset(self, offset: int) -> int:
        """Where the prose's character at `offset` comes from in the source."""
        index = bisect.bisect_right(self.starts, offset) - 1
        if index < 0:
            return 0
        origin = self.origins[index]
        return origin + (offset - self.starts[index]) if self.verbatim[index] else origin

    def position(self, offset: int) -> tuple[int, int]:
        """The source's (line, column), both 1-based, columns in characters as `audit.Searcher`
        counts them, of the prose's character at `offset`."""
        source = self.source_offset(offset)
        index = bisect.bisect_right(self.source_lines, source) - 1
        return index + 1, source - self.source_lines[index] + 1


def line_starts(source: str) -> tuple[int, ...]:
    """The offsets where each line of `source` begins (lines end at U+000A, as wc counts them)."""
    starts = [0]
    at = source.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = source.find("\n", at + 1)
    return tuple(starts)


class ProseBuilder:
    """Puts a `Prose` together piece by piece, in the order the pieces are read."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.length = 0
        self.starts: list[int] = []
        self.origins: list[int] = []
        self.verbatim: list[bool] = []
        self.ends_block = True  # nothing yet, or a break last: no break is needed before more text

    def add(self, text: str, origin: int, verbatim: bool = True) -> None:
        """Add `text`, found at `origin` in the source (verbatim: it is the source's own text)."""
        if not text:
            return
        if self.starts and self.verbatim[-1] and verbatim and self.origins[-1] + self.length - self.starts[-1] == origin:
            pass  # it goes on where the last verbatim piece stops: one piece
        else:
            self.starts.append(self.length)
            self.origins.append(origin)
            self.verbatim.append(verbatim)
        self.parts.append(text)
        self.length += len(text)
        self.ends_block = False

    def found(self, text: str, cursor: int, end: int) -> int:
        """Add `text`, looked for in the source from `cursor` up to `end`: verbatim where it is
        found, else standing at `cursor`. Returns where the search may go on."""
        at = self.source.find(text, cursor, end) if text else -1
        if at < 0:
            self.add(text, cursor, verbatim=False)
            return cursor
        self.add(text, at)
        return at + len(text)

    def brk(self, origin: int) -> None:
        """A break between blocks (or a line break): one newline, so that the words on either
        side stay apart, and never two in a row."""
        if not self.ends_block and not self.parts[-1].endswith("\n"):
            self.add("\n", origin, verbatim=False)
        self.ends_block = True

    def prose(self) -> Prose:
        """The prose put together."""
        return Prose("".join(self.parts), tuple(self.starts), tuple(self.origins), tuple(self.verbatim),
                     line_starts(self.source))

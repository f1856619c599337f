"""The display width of the longest line (`-L`, `--max-line-length`), as GNU wc measures it.

wc (coreutils 9.1, a UTF-8 locale) walks a line character by character: a tab moves to the
next multiple of 8, a newline, carriage return or form feed ends the line, a character that
glibc's `iswprint` calls printable adds its `wcwidth` (2 for wide East Asian characters, 0 for
combining marks), and anything else (controls, bytes that are not UTF-8, unassigned code
points) adds nothing. A file's figure is its widest line; a total's is the widest of all.

The widths are Python's Unicode database read as glibc 2.36 reads it; the few places where
glibc's table differs are written out below, and tests/test_wc_columns.py compares every code
point with the C library's own `wcwidth` and `iswprint`.

Workers load this module when `-L` is asked for; beside the standard library it needs only `tally`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from wordcount.counting.tally import bmp_classes

TAB_STOP = 8

# Unprintable to glibc: controls, surrogates, unassigned code points, line and paragraph separators.
_UNPRINTED = frozenset({"Cc", "Cs", "Cn", "Zl", "Zp"})
# Marks and format characters take no room, except those glibc gives one column.
_NO_ROOM = frozenset({"Mn", "Me", "Cf"})
_ONE_COLUMN = (  # glibc: the soft hyphen and the prepended concatenation marks
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891),
    (0x08E2, 0x08E2), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
)
_NO_COLUMN = ((0x1160, 0x11FF), (0xD7B0, 0xD7FF), (0x200B, 0x200B))  # Hangul medial and final jamo, ZWSP
_TWO_COLUMNS = ((0x3248, 0x324F), (0x4DC0, 0x4DFF))  # circled numbers on black squares, Yijing hexagrams

_BREAKS = re.compile("[\n\r\f]")
_ASCII_UNPRINTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # beside tab, newline and CR
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _within(point: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= point <= high for low, high in ranges)


def char_width(char: str) -> int:
    """The columns one character takes to wc: glibc's `wcwidth` when `iswprint`, else 0.
    (Tab, newline, carriage return and form feed are the caller's: they move the position.)"""
    point = ord(char)
    category = unicodedata.category(char)
    if category in _UNPRINTED:
        return 0
    if _within(point, _ONE_COLUMN):
        return 1
    if category in _NO_ROOM or _within(point, _NO_COLUMN):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F") or _within(point, _TWO_COLUMNS):
        return 2
    return 1


@functools.lru_cache(maxsize=None)
def _bmp_classes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns of runs of the BMP characters of no width and of two columns, built on first use."""
    classes = bmp_classes(char_width, (0, 2))
    return classes[0], classes[2]


@functools.lru_cache(maxsize=4096)
def _astral_width(char: str) -> int:
    return char_width(char)


def text_width(text: str) -> int:
    """The columns a run of text without tabs or line breaks takes."""
    if text.isascii():
        return len(text) if text.isprintable() else len(text) - len(_ASCII_UNPRINTED.findall(text))
    none, two = _bmp_classes()
    width = len(text) - sum(map(len, none.findall(text))) + sum(map(len, two.findall(text)))
    for char in _ASTRAL.findall(text):
        width += _astral_width(char) - 1
    return width


def shortened(text: str, columns: int) -> str:
    """`text` (without tabs or line breaks) in at most `columns` display columns: whole when it
    fits, else as much of its start as fits before an ellipsis (`…`, one column)."""
    if len(text) <= columns // 2 or text_width(text) <= columns:
        return text
    kept, width = 0, 0
    for char in text:
        width += char_width(char)
        if width > columns - 1:
            break
        kept += 1
    return text[:kept] + "…"


def advance(position: int, line: str) -> int:
    """The position after `line` (no line breaks in it), starting from column `position`."""
    if "\t" not in line:
        return position + text_width(line)
    for index, run in enumerate(line.split("\t")):
        if index:
            position += TAB_STOP - position % TAB_STOP
        position += text_width(run)
    return position


class LineWidth:
    """The widest line of a text fed in pieces, in order: `feed` each, then `longest`."""

    __slots__ = ("position", "widest")

    def __init__(self) -> None:
        self.position = 0  # the column where the line being read has got to
        self.widest = 0  # the widest line ended so far

    def feed(self, text: str) -> None:
        """Measure the next piece of the text (lines may run over from piece to piece)."""
        found = _BREAKS.search(text)
        if found is None:
            self.position = advance(self.position, text)
            return
        self.widest = max(self.widest, advance(self.position, text[: found.start()]))
        rest = text[found.end() :]  # every line of it starts at column 0
        if rest.isascii() and not _ASCII_UNPRINTED.search(rest):
            lines = rest.expandtabs(TAB_STOP).splitlines()  # tabs and the breaks left are wc's
            widths = list(map(len, lines))
        else:
            lines = _BREAKS.split(rest)
            widths = [advance(0, line) for line in lines]
        if widths:
            self.widest = max(self.widest, max(widths))
        open_line = bool(rest) and rest[-1] not in "\n\r\f"
        self.position = widths[-1] if open_line else 0

    @property
    def longest(self) -> int:
        """The widest line of what was fed, the line still open included."""
        return max(self.widest, self.position)

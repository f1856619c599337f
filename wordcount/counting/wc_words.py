r"""GNU wc's word rule before 9.5, for `--format wc`: raw bytes read as UTF-8, whatever they hold.

`--format wc` counts every file as GNU wc 8.x to 9.4 does in a UTF-8 locale (checked against
coreutils 9.1): its raw bytes are read as UTF-8, whatever their encoding, and a binary file is
counted like any other.
- A line is a b"\n" byte.
- wc ignores what glibc's iswprint calls unprintable (control characters other than
  \t\n\v\f\r, U+2028, U+2029, unassigned code points) and bytes that are not UTF-8: they
  neither start nor end a word, so b"a\0b" is one word and b"\0" none.
- A word is a maximal run of the other characters between whitespace: \t\n\v\f\r, space,
  what iswspace calls a space, and the no-break spaces U+00A0, U+2007, U+202F and U+2060.
wc 9.5 made unprintable characters and encoding errors parts of words; the whitespace word
mode (`tally.Tally`) follows that rule, on decoded text.

Workers load this module with counting/reader.py; it imports only the standard library and three names of
`tally`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from wordcount.counting.tally import WORD_MARKS, bmp_classes, utf8_tail

_WC_ASCII_IGNORED = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
# glibc's UTF-8 decoder (wc's mbrtowc) takes code points past U+10FFFF, written in four to six
# bytes, as characters: -m counts them; unprintable, they make no word and take no room. Python's
# decoder refuses them (and overlong forms and surrogates, which glibc refuses too).
_BEYOND_UNICODE = re.compile(
    rb"\xf4[\x90-\xbf][\x80-\xbf]{2}|[\xf5-\xf7][\x80-\xbf]{3}|\xf8[\x88-\xbf][\x80-\xbf]{3}"
    rb"|[\xf9-\xfb][\x80-\xbf]{4}|\xfc[\x84-\xbf][\x80-\xbf]{4}|\xfd[\x80-\xbf]{5}"
)
_WC_IGNORED_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cn", "Cs"})
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.lru_cache(maxsize=None)
def _wc_ignored() -> re.Pattern[str]:
    """A pattern of the characters of the BMP that wc ignores, built on first use."""
    return bmp_classes(_wc_ignores, (True,))[True]


def _wc_ignores(char: str) -> bool:
    """Whether wc's word rule ignores a character: unprintable, to glibc's iswprint."""
    return char not in "\t\n\v\f\r" and unicodedata.category(char) in _WC_IGNORED_CATEGORIES


@functools.lru_cache(maxsize=4096)
def _wc_astral(char: str) -> str:
    """A character beyond the BMP as wc's word rule sees it: gone if unassigned. (Such
    characters are rare, even in binary files, so they are looked up one by one.)"""
    return "" if _wc_ignores(char) else char


def wc_clean(text: str) -> str:
    """`text` as wc's word rule sees it: without the characters it ignores, and with U+2060 (a
    separator to wc, not to `str.isspace`) as a space. What is left is whitespace to
    `str.isspace` exactly where it is to wc."""
    text = _wc_ignored().sub("", text)
    if _ASTRAL.search(text):
        text = _ASTRAL.sub(lambda match: _wc_astral(match.group()), text)
    return text.replace("\u2060", " ")


def wc_tail(data: bytes) -> int:
    """How many bytes at the end of `data` begin a character that is not complete, to glibc
    (whose characters run up to six bytes: see _BEYOND_UNICODE)."""
    tail = utf8_tail(data)
    for back in range(1, min(5, len(data)) + 1):
        byte = data[-back]
        if 0xF8 <= byte <= 0xFD:
            return back if (5 if byte < 0xFC else 6) > back else tail
        if byte < 0x80 or byte >= 0xC0:
            break
    return tail


class WcTally:
    """Counts of a stream of raw blocks, fed in order, as GNU wc before 9.5 counts them.

    A UTF-8 character cut by the end of a block is carried to the next; at the end of the
    file it is ignored, as wc ignores it. `text` is the last block's valid UTF-8, decoded.
    """

    __slots__ = ("lines", "words", "chars", "invalid", "in_word", "pending", "text")

    def __init__(self) -> None:
        self.lines = 0
        self.words = 0
        self.chars = 0  # valid UTF-8 characters
        self.invalid = 0  # bytes that are not UTF-8
        self.in_word = False
        self.pending = b""
        self.text = ""

    def feed(self, block: bytes, last: bool) -> int:
        """Count one block; returns the number of words that start in it."""
        self.lines += block.count(b"\n")
        data = self.pending + block if self.pending else block
        self.pending = b""
        if data.isascii():
            self.chars += len(data)
            self.text = data.decode("ascii")
            return self._ascii_words(data.translate(WORD_MARKS, _WC_ASCII_IGNORED))
        if not last:
            cut = len(data) - wc_tail(data)
            data, self.pending = data[:cut], data[cut:]
        text = data.decode("utf-8", "ignore")
        self.text = text
        self.chars += len(text) + len(_BEYOND_UNICODE.findall(data))
        self.invalid += len(data) - len(text.encode("utf-8"))
        return self._words(wc_clean(text))

    def _ascii_words(self, marks: bytes) -> int:
        if not marks:
            return 0
        started = marks.count(b" x") + (marks[0] == 0x78 and not self.in_word)
        self.in_word = marks[-1] == 0x78
        self.words += started
        return started

    def _words(self, kept: str) -> int:
        if not kept:
            return 0
        tokens = kept.split()
        started = len(tokens)
        if tokens and self.in_word and not kept[0].isspace():
            started -= 1
        self.in_word = not kept[-1].isspace()
        self.words += started
        return started

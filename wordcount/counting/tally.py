"""What a line, a word and a character are: tallies of UTF-8 blocks, the word modes, folding.

Definitions (those of GNU `wc` ≥ 9.5 in a UTF-8 locale):
- a line is a newline character (U+000A);
- a word is a maximal run of characters that are not whitespace, whitespace being what glibc's
  `iswspace` calls a space (tab, newline, vertical tab, form feed, carriage return, space,
  U+1680, U+2000–U+2006, U+2008–U+200A, U+2028, U+2029, U+205F, U+3000) plus the no-break
  spaces U+00A0, U+2007, U+202F and U+2060, as `wc` adds them;
- a character is a code point after decoding (a BOM is not one).

A tally is fed blocks of text in order (`counting/reader.py` reads them) and knows nothing of files.
Words are kept as UTF-8 `bytes`, never `str`, until the few shown are decoded in the parent.
Workers load this module: it stays cheap to import (`regex` and jieba only when a word mode
needs them) and holds no mutable state beyond caches of compiled patterns.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from wordcount.choices import WordMode
from wordcount.counting import core
from wordcount.counting.freq import MAX_WORD_BYTES, Words, new_table
from wordcount.text.not_utf8 import NotUtf8

_ASCII_SPACE = b"\t\n\v\f\r "
# Every byte → b" " if it is ASCII whitespace, else b"x": a word starts at each b" x".
WORD_MARKS = bytes(0x20 if b in _ASCII_SPACE else 0x78 for b in range(256))
# Multibyte whitespace in UTF-8, grouped by a prefix that is cheap to look for first.
_SPACE_PATTERNS: tuple[tuple[bytes, re.Pattern[bytes]], ...] = (
    (b"\xc2\xa0", re.compile(b"\xc2\xa0")),  # U+00A0
    (b"\xe1\x9a\x80", re.compile(b"\xe1\x9a\x80")),  # U+1680
    (b"\xe2\x80", re.compile(b"\xe2\x80[\x80-\x8a\xa8\xa9\xaf]")),  # U+2000–200A, 2028, 2029, 202F
    (b"\xe2\x81", re.compile(b"\xe2\x81[\x9f\xa0]")),  # U+205F, U+2060
    (b"\xe3\x80\x80", re.compile(b"\xe3\x80\x80")),  # U+3000
)


class WordRule(Protocol):
    """Everything that rewrites the frequencies before they leave a worker (see `normalized`);
    `spec.Counting` has these."""

    @property
    def ignore_case(self) -> bool: ...

    @property
    def nfkc(self) -> bool: ...

    @property
    def min_length(self) -> int: ...

    @property
    def stopwords(self) -> frozenset[str]: ...  # casefolded

    @property
    def normalizes(self) -> bool: ...


def normalize_spaces(data: bytes) -> bytes:
    """Turn every multibyte whitespace character of UTF-8 `data` into an ASCII space."""
    for prefix, pattern in _SPACE_PATTERNS:
        if prefix in data:
            data = pattern.sub(b" ", data)
    return data


def bmp_classes(key: Callable[[str], object], wanted: Iterable[object]) -> dict[object, re.Pattern[str]]:
    """For each `wanted` value of `key`, a pattern of runs of the BMP characters that have it,
    built from Python's Unicode database (`re` looks a class of ranges up in a bitmap: fast).
    Callers build theirs once, on first use: it looks at 65,536 characters."""
    runs: dict[object, list[str]] = {value: [] for value in wanted}
    start, kind = 0, key("\0")
    for point in range(1, 0x10001):
        value = key(chr(point)) if point < 0x10000 else _END_OF_BMP
        if value != kind:
            if kind in runs:
                runs[kind].append(f"\\u{start:04x}-\\u{point - 1:04x}")
            start, kind = point, value
    return {value: re.compile("[" + "".join(found) + "]+" if found else "(?!)") for value, found in runs.items()}


_END_OF_BMP = object()  # what `bmp_classes` takes past the last character: it ends the last run


def utf8_tail(data: bytes) -> int:
    """How many bytes at the end of `data` begin a UTF-8 character that is not complete."""
    size = len(data)
    for back in range(1, min(4, size) + 1):
        byte = data[size - back]
        if byte < 0x80:
            return 0
        if byte >= 0xC0:
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if need > back else 0
    return 0


class Tally:
    """Counts of a stream of UTF-8 blocks, fed in order; a word may span two blocks.

    The pure-Python twin of the compiled core's `Scanner`, which `counting/reader.py` runs instead when that
    core is in use. With `table` set (a `freq.PyTable`), words are also added to it (a token that
    runs on into the next block is carried until it ends); without, words are counted from where
    they start, which creates no object per word.
    """

    __slots__ = ("lines", "words", "chars", "cjk", "in_word", "carry", "table")

    def __init__(self, table: Counter[bytes] | None = None) -> None:
        self.lines = 0
        self.words = 0
        self.chars = 0
        self.cjk = 0
        self.in_word = False
        self.carry = b""
        self.table = table

    def feed(self, data: bytes, ascii: bool, text: str | None = None) -> int:
        """Count one block of valid UTF-8 (`text` is its decoded form if at hand).

        Returns the number of words that start in this block.
        """
        if not data:
            return 0
        if not ascii:
            data = normalize_spaces(data)
        self.lines += data.count(b"\n")
        started = self._words(data) if self.table is None else self._tokens(data, self.table)
        self.words += started
        return started

    def _words(self, data: bytes) -> int:
        marks = data.translate(WORD_MARKS)
        started = marks.count(b" x")
        if marks[0] == 0x78 and not self.in_word:
            started += 1
        self.in_word = marks[-1] == 0x78
        return started

    def _tokens(self, data: bytes, table: Counter[bytes]) -> int:
        tokens = data.split()
        started = len(tokens)
        if not tokens:
            self.finish()
            return 0
        if self.in_word and data[0] not in _ASCII_SPACE:
            started -= 1
            tokens[0] = self.carry + tokens[0]
            self.carry = b""
        else:
            self.finish()
        if data[-1] in _ASCII_SPACE:
            self.in_word = False
        else:
            carry = tokens.pop()
            self.in_word = True
            self.carry = carry[: MAX_WORD_BYTES + 1]
        table.update(tokens)
        return started

    def finish(self) -> int:
        """End the word in progress, if any (at a whitespace block or the end of the file).

        Returns the words found only now: none, as each was counted where it started.
        """
        if self.carry:
            self.table[self.carry] += 1  # type: ignore[index]
            self.carry = b""
        self.in_word = False
        return 0


# Word modes other than whitespace find words with patterns of the `regex` package, which
# knows Unicode properties and scripts; it is imported only when such a mode is used.
_WORD = r"\p{L}\p{M}\p{N}"
_JOINERS = r"'\u2019\-\u2010\u2011."  # keep a word whole between two word characters: don't, e-mail, 3.14
# Han, Hiragana and Katakana (half-width forms included) are one word per character, with any
# marks that follow; the prolonged sound mark goes with them.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\u30fc\uff70"
_CJK_MARKS = r"\p{M}\uff9e\uff9f"
_CARRY_LIMIT = 1 << 16  # characters: a longer stretch without a word boundary is cut there


@functools.lru_cache(maxsize=None)
def _patterns(word_mode: WordMode) -> tuple[Any, Any, Any]:
    """The patterns of a word mode: of its words, of its single-character CJK words (None: it has
    none), and of a block's last word boundary."""
    import regex

    if word_mode is WordMode.cjk:
        other = rf"[[{_WORD}]--[{_CJK}]]"
        pattern = regex.compile(rf"(?V1)[{_CJK}][{_CJK_MARKS}]*|{other}+(?:[{_JOINERS}]{other}+)*")
        cjk = regex.compile(rf"(?V1)[{_CJK}]")
        # After a CJK character a word may still go on with marks, even with marks that begin
        # the next block: so it ends a word only where a character that is not a mark follows.
        boundary = regex.compile(rf"(?V1)[^{_WORD}{_JOINERS}](?![{_CJK_MARKS}])|[{_CJK}](?=[^{_CJK_MARKS}])",
                                 flags=regex.REVERSE)
        return pattern, cjk, boundary
    pattern = regex.compile(rf"[{_WORD}]+(?:[{_JOINERS}][{_WORD}]+)*")
    boundary = regex.compile(rf"[^{_WORD}{_JOINERS}]", flags=regex.REVERSE)
    if word_mode is WordMode.jieba:
        return pattern, regex.compile(r"(\p{Han}[\p{Han}\p{M}]*)"), boundary  # split() keeps the runs
    return pattern, None, boundary


def jieba_available() -> bool:
    """Whether the optional jieba segmenter (`pip install 'wordcount[zh]'`) can be imported."""
    import importlib.util

    return importlib.util.find_spec("jieba") is not None


@functools.lru_cache(maxsize=None)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)  # its dictionary loading talks on stderr
    return jieba


class TextTally:
    """Counts of a stream of UTF-8 blocks in a word mode that needs decoded text.

    The text after the last word boundary of a block is carried to the next, so no word is
    cut in two. `cjk` counts the words that are a single Han, Hiragana or Katakana character.
    """

    __slots__ = ("lines", "words", "chars", "cjk", "carry", "table", "word_mode", "patterns")

    def __init__(self, word_mode: WordMode, table: Words | None = None) -> None:
        self.lines = 0
        self.words = 0
        self.chars = 0
        self.cjk = 0
        self.carry = ""
        self.table = table
        self.word_mode = word_mode
        self.patterns = _patterns(word_mode)

    def feed(self, data: bytes, ascii: bool, text: str | None = None) -> int:
        """Count one block of valid UTF-8; returns the words completed in it."""
        if not data:
            return 0
        self.lines += data.count(b"\n")
        text = self.carry + (text if text is not None else data.decode("utf-8"))
        match = self.patterns[2].search(text)
        cut = match.end() if match else 0
        if len(text) - cut > _CARRY_LIMIT:
            cut = len(text)
        self.carry = text[cut:]
        return self._count(text[:cut])

    def finish(self) -> int:
        """Count what is carried at the end of the file."""
        text, self.carry = self.carry, ""
        return self._count(text)

    def _count(self, text: str) -> int:
        if not text:
            return 0
        pattern, special, _ = self.patterns
        if self.word_mode is WordMode.jieba:
            tokens = []
            for index, part in enumerate(special.split(text) if special.search(text) else [text]):
                tokens += _jieba().lcut(part) if index % 2 else pattern.findall(part)
        else:
            tokens = pattern.findall(text)
            if special is not None:
                self.cjk += len(special.findall(text))
        if self.table is not None:
            self.table.update(Counter(token.encode("utf-8") for token in tokens))
        self.words += len(tokens)
        return len(tokens)


def new_tally(word_mode: WordMode, table: Words | None = None) -> Tally | TextTally:
    """The tally for a word mode."""
    return Tally(table) if word_mode is WordMode.whitespace else TextTally(word_mode, table)  # type: ignore[arg-type]


def utf8_block(data: bytes, last: bool) -> tuple[bytes, bytes, str | None]:
    """A block of UTF-8 (after what the one before left pending): its whole characters, the
    incomplete one it ends with (carried to the next block), and its text (None: ASCII, which
    needs no decoding). A byte that is not UTF-8 raises UnicodeDecodeError."""
    if data.isascii():
        return data, b"", None
    cut = len(data) if last else len(data) - utf8_tail(data)
    whole, rest = data[:cut], data[cut:]
    return whole, rest, whole.decode("utf-8")


class PyScanner:
    """The pure-Python twin of the compiled core's `Scanner`, for every word mode: it checks
    that the blocks it is fed are UTF-8 (a character may span two), counts them with a tally,
    and adds their words to `table`. A block that is not UTF-8 raises `NotUtf8` before anything
    of it is counted."""

    __slots__ = ("tally", "pending", "fed")

    def __init__(self, word_mode: WordMode, table: Words | None = None) -> None:
        self.tally = new_tally(word_mode, table)
        self.pending = b""
        self.fed = 0

    @property
    def lines(self) -> int:
        return self.tally.lines

    @property
    def words(self) -> int:
        return self.tally.words

    @property
    def chars(self) -> int:
        return self.tally.chars

    @property
    def cjk(self) -> int:
        return self.tally.cjk

    def feed(self, data: bytes, last: bool = False) -> int:
        """Count one block; returns the number of words that start in it (or end, in the word
        modes that see a word only once it is whole)."""
        joined = self.pending + data if self.pending else data
        try:
            whole, pending, text = utf8_block(joined, last)
        except UnicodeDecodeError as error:
            raise NotUtf8(self.fed - len(self.pending) + error.start) from None
        self.pending = pending
        self.fed += len(data)
        self.tally.chars += len(whole) if text is None else len(text)
        return self.tally.feed(whole, text is None, text)

    def finish(self) -> int:
        """End the word in progress; returns the words found only now."""
        return self.tally.finish()


def new_scanner(word_mode: WordMode, table: Words | None = None) -> Any:
    """The scanner for a word mode: the compiled core's for whitespace words when it is in use
    (`counting/core.py`), else a `PyScanner`. Both count the same."""
    compiled = core.compiled()
    if compiled is not None and word_mode is WordMode.whitespace:
        return compiled.Scanner(table)
    return PyScanner(word_mode, table)


def fold(word: str, nfkc: bool, ignore_case: bool) -> str:
    """A word as the frequencies show it: NFKC (`--nfkc`), case folded (`--ignore-case`)."""
    if nfkc:
        word = unicodedata.normalize("NFKC", word)
    if ignore_case:
        word = word.casefold()
        if nfkc:
            word = unicodedata.normalize("NFKC", word)
    return word


def normalized(table: Words, options: WordRule) -> Words:
    """The frequencies as the user asked for them: folded (`fold`), without words shorter
    than `min_length` characters, and without stopwords (whatever their case).

    Done in the worker, on its distinct words, before they are handed over; folding then
    merging gives what merging then folding would.
    """
    if not options.normalizes:
        return table
    result = new_table()
    for word, count in table.items():
        if len(word) > MAX_WORD_BYTES:  # never shown, and may be cut inside a character (Tally.carry)
            result.add(word, count)
            continue
        text = fold(word.decode("utf-8"), options.nfkc, options.ignore_case)
        if len(text) < options.min_length or (options.stopwords and text.casefold() in options.stopwords):
            continue
        result.add(text.encode("utf-8"), count)
    return result

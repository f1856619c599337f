"""What a line, a word and a character are, and the counting of files: the code workers run.

Definitions (those of GNU `wc` ≥ 9.5 in a UTF-8 locale):
- a line is a newline character (U+000A);
- a word is a maximal run of characters that are not whitespace, whitespace being what glibc's
  `iswspace` calls a space (tab, newline, vertical tab, form feed, carriage return, space,
  U+1680, U+2000–U+2006, U+2008–U+200A, U+2028, U+2029, U+205F, U+3000) plus the no-break
  spaces U+00A0, U+2007, U+202F and U+2060, as `wc` adds them;
- a character is a code point after decoding (a BOM is not one);
- bytes are the file's bytes, as stored.

Every file is counted as UTF-8 bytes: UTF-8 files as they are (validated, not decoded), others
transcoded block by block. Words are never turned into `str` objects; frequencies are kept as
UTF-8 `bytes` and decoded once, in the parent, for the few that are shown.

This module must stay cheap to import: workers load it, and nothing of Typer or tqdm.
"""

from __future__ import annotations

import array
import codecs
import functools
import io
import marshal
import os
import re
import stat
import sys
import tempfile
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO, Protocol

from wordcount import decode
from wordcount.audit import Audit, Searcher
from wordcount.results import (
    STDIN,
    BatchBuilder,
    BatchResult,
    FileCounts,
    Failed,
    Outcome,
    Piece,
    PieceResult,
    Shipped,
    Skipped,
)

BLOCK_BYTES = 1 << 20
# Tokens longer than this count as words but are left out of the frequencies (base64 blobs,
# minified code); it also bounds what a file without whitespace keeps in memory.
MAX_WORD_BYTES = 1024

_ASCII_SPACE = b"\t\n\v\f\r "
# Every byte → b" " if it is ASCII whitespace, else b"x": a word starts at each b" x".
_WORD_MARKS = bytes(0x20 if b in _ASCII_SPACE else 0x78 for b in range(256))
# Multibyte whitespace in UTF-8, grouped by a prefix that is cheap to look for first.
_SPACE_PATTERNS: tuple[tuple[bytes, re.Pattern[bytes]], ...] = (
    (b"\xc2\xa0", re.compile(b"\xc2\xa0")),  # U+00A0
    (b"\xe1\x9a\x80", re.compile(b"\xe1\x9a\x80")),  # U+1680
    (b"\xe2\x80", re.compile(b"\xe2\x80[\x80-\x8a\xa8\xa9\xaf]")),  # U+2000–200A, 2028, 2029, 202F
    (b"\xe2\x81", re.compile(b"\xe2\x81[\x9f\xa0]")),  # U+205F, U+2060
    (b"\xe3\x80\x80", re.compile(b"\xe3\x80\x80")),  # U+3000
)

# Undecodable bytes are replaced by U+FFFD, and counted, without any state outside the decoding
# call (a Dask worker counts files in several threads at once): the error handler, registered
# once by name for the whole process, leaves in the text a mark that says how many bytes it
# replaced, and `unmark` turns the marks of a decoded block into U+FFFD and adds them up. A mark
# is a lone surrogate, which UTF-8 cannot encode and text codecs do not produce (UTF-7 can: such
# a surrogate, which could not be counted as UTF-8 before either, is replaced like a mark).
_REPLACE = "wordcount-mark-replaced"
_MARK_BASE = 0xD800
_MARK_MAX = 0x7FF  # replaced bytes one mark can tell; a decoder's error never spans that many
_MARKS = re.compile("[\ud800-\udfff]")


def _mark_replaced(error: UnicodeError) -> tuple[str, int]:
    """Like errors="replace", but the replacement is a mark of how many bytes it replaces."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return chr(_MARK_BASE + min(error.end - error.start, _MARK_MAX)), error.end


codecs.register_error(_REPLACE, _mark_replaced)


def unmark(text: str) -> tuple[str, int]:
    """Text decoded with errors=_REPLACE as errors="replace" gives it, and the number of bytes
    that were replaced."""
    replaced = sum(ord(mark) - _MARK_BASE for mark in _MARKS.findall(text))
    return _MARKS.sub("\ufffd", text), replaced


def to_utf8(text: str) -> tuple[str, bytes, int]:
    """A block decoded with errors=_REPLACE: its text, that text as UTF-8, and how many bytes were
    replaced. Encoding finds the marks for free: text without any (the usual case) is not searched."""
    try:
        return text, text.encode("utf-8"), 0
    except UnicodeEncodeError:
        text, replaced = unmark(text)
        return text, text.encode("utf-8"), replaced


@dataclass(frozen=True, slots=True)
class CountOptions:
    """The settings that change what is counted; given to every worker once.

    `encoding_rules` are (glob, codec) pairs: the first whose glob matches a file's path says
    how it is read; `encoding` reads the files no rule matches (None: detect).
    """

    frequencies: bool = True
    ignore_case: bool = False
    encoding: str | None = None
    per_file: bool = False
    words: str = "whitespace"  # one of WORD_MODES
    nfkc: bool = False
    min_length: int = 0
    stopwords: frozenset[str] = frozenset()  # casefolded
    audit: Audit | None = None  # None: no audit rule
    file_words: bool = False  # also return each file's own frequencies, packed (for the cache)
    encoding_rules: tuple[tuple[str, str], ...] = ()
    wc: bool = False  # count raw bytes as GNU wc before 9.5 does (`--format wc`): see `WcTally`

    @property
    def normalizes(self) -> bool:
        """Whether the frequencies are rewritten before they leave a worker (see `normalized`)."""
        return self.ignore_case or self.nfkc or self.min_length > 1 or bool(self.stopwords)

    def encoding_for(self, path: str) -> str | None:
        """The codec `path` must be read with, or None to detect it."""
        if not self.encoding_rules:
            return self.encoding
        return decode.forced_encoding(path, self.encoding_rules, self.encoding)


class Progress(Protocol):
    """Where a counter reports live progress: files finished, bytes read, words found."""

    def add(self, files: int, nbytes: int, words: int) -> None: ...


class NoProgress:
    """A progress sink that ignores everything, for runs without a bar."""

    def add(self, files: int, nbytes: int, words: int) -> None:
        pass


def normalize_spaces(data: bytes) -> bytes:
    """Turn every multibyte whitespace character of UTF-8 `data` into an ASCII space."""
    for prefix, pattern in _SPACE_PATTERNS:
        if prefix in data:
            data = pattern.sub(b" ", data)
    return data


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

    With `freq` set, words are also added to that mapping (a token that runs on into the next
    block is carried until it ends); without, words are counted from where they start, which
    creates no object per word.
    """

    __slots__ = ("lines", "words", "chars", "cjk", "in_word", "carry", "freq")

    def __init__(self, freq: Counter[bytes] | None = None) -> None:
        self.lines = 0
        self.words = 0
        self.chars = 0
        self.cjk = 0
        self.in_word = False
        self.carry = b""
        self.freq = freq

    def feed(self, data: bytes, ascii: bool, text: str | None = None) -> int:
        """Count one block of valid UTF-8 (`text` is its decoded form if at hand).

        Returns the number of words that start in this block.
        """
        if not data:
            return 0
        if not ascii:
            data = normalize_spaces(data)
        self.lines += data.count(b"\n")
        started = self._words(data) if self.freq is None else self._tokens(data, self.freq)
        self.words += started
        return started

    def _words(self, data: bytes) -> int:
        marks = data.translate(_WORD_MARKS)
        started = marks.count(b" x")
        if marks[0] == 0x78 and not self.in_word:
            started += 1
        self.in_word = marks[-1] == 0x78
        return started

    def _tokens(self, data: bytes, freq: Counter[bytes]) -> int:
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
        freq.update(tokens)
        return started

    def finish(self) -> int:
        """End the word in progress, if any (at a whitespace block or the end of the file).

        Returns the words found only now: none, as each was counted where it started.
        """
        if self.carry:
            self.freq[self.carry] += 1  # type: ignore[index]
            self.carry = b""
        self.in_word = False
        return 0


# Word modes other than whitespace find words with patterns of the `regex` package, which
# knows Unicode properties and scripts; it is imported only when such a mode is used.
WORD_MODES = ("whitespace", "unicode", "cjk", "jieba")
_WORD = r"\p{L}\p{M}\p{N}"
_JOINERS = r"'\u2019\-\u2010\u2011."  # keep a word whole between two word characters: don't, e-mail, 3.14
# Han, Hiragana and Katakana (half-width forms included) are one word per character, with any
# marks that follow; the prolonged sound mark goes with them.
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\u30fc\uff70"
_CJK_MARKS = r"\p{M}\uff9e\uff9f"
_CARRY_LIMIT = 1 << 16  # characters: a longer stretch without a word boundary is cut there


@functools.lru_cache(maxsize=None)
def _patterns(mode: str) -> tuple[Any, Any, Any]:
    """(words, CJK single-character words or None, last word boundary) for a word mode."""
    import regex

    if mode == "cjk":
        other = rf"[[{_WORD}]--[{_CJK}]]"
        words = regex.compile(rf"(?V1)[{_CJK}][{_CJK_MARKS}]*|{other}+(?:[{_JOINERS}]{other}+)*")
        cjk = regex.compile(rf"(?V1)[{_CJK}]")
        # After a CJK character a word may still go on with marks, even with marks that begin
        # the next block: so it ends a word only where a character that is not a mark follows.
        boundary = regex.compile(rf"(?V1)[^{_WORD}{_JOINERS}](?![{_CJK_MARKS}])|[{_CJK}](?=[^{_CJK_MARKS}])",
                                 flags=regex.REVERSE)
        return words, cjk, boundary
    words = regex.compile(rf"[{_WORD}]+(?:[{_JOINERS}][{_WORD}]+)*")
    boundary = regex.compile(rf"[^{_WORD}{_JOINERS}]", flags=regex.REVERSE)
    if mode == "jieba":
        return words, regex.compile(r"(\p{Han}[\p{Han}\p{M}]*)"), boundary  # split() keeps the runs
    return words, None, boundary


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

    __slots__ = ("lines", "words", "chars", "cjk", "carry", "freq", "mode", "patterns")

    def __init__(self, mode: str, freq: Counter[bytes] | None = None) -> None:
        self.lines = 0
        self.words = 0
        self.chars = 0
        self.cjk = 0
        self.carry = ""
        self.freq = freq
        self.mode = mode
        self.patterns = _patterns(mode)

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
        words, special, _ = self.patterns
        if self.mode == "jieba":
            tokens = []
            for index, part in enumerate(special.split(text) if special.search(text) else [text]):
                tokens += _jieba().lcut(part) if index % 2 else words.findall(part)
        else:
            tokens = words.findall(text)
            if special is not None:
                self.cjk += len(special.findall(text))
        if self.freq is not None:
            self.freq.update(token.encode("utf-8") for token in tokens)
        self.words += len(tokens)
        return len(tokens)


def new_tally(options: CountOptions, freq: Counter[bytes] | None = None) -> Tally | TextTally:
    """The tally for the word mode of `options`."""
    return Tally(freq) if options.words == "whitespace" else TextTally(options.words, freq)


def fold(word: str, options: CountOptions) -> str:
    """A word as the frequencies show it: NFKC, case folded, as the options say."""
    if options.nfkc:
        word = unicodedata.normalize("NFKC", word)
    if options.ignore_case:
        word = word.casefold()
        if options.nfkc:
            word = unicodedata.normalize("NFKC", word)
    return word


def normalized(words: Counter[bytes], options: CountOptions) -> Counter[bytes]:
    """The frequencies as the user asked for them: folded (`fold`), without words shorter
    than `min_length` characters, and without stopwords (whatever their case).

    Done in the worker, on its distinct words, before they are handed over; folding then
    merging gives what merging then folding would.
    """
    if not options.normalizes:
        return words
    result: Counter[bytes] = Counter()
    for word, count in words.items():
        if len(word) > MAX_WORD_BYTES:  # never shown, and may be cut inside a character (Tally.carry)
            result[word] += count
            continue
        text = fold(word.decode("utf-8"), options)
        if len(text) < options.min_length or (options.stopwords and text.casefold() in options.stopwords):
            continue
        result[text.encode("utf-8")] += count
    return result


# --------------------------------------------------------------------------- GNU wc's reading

# `--format wc` counts every file as GNU wc 8.x to 9.4 does in a UTF-8 locale (checked against
# coreutils 9.1): its raw bytes are read as UTF-8, whatever their encoding, and a binary file is
# counted like any other.
# - A line is a b"\n" byte.
# - wc ignores what glibc's iswprint calls unprintable (control characters other than
#   \t\n\v\f\r, U+2028, U+2029, unassigned code points) and bytes that are not UTF-8: they
#   neither start nor end a word, so b"a\0b" is one word and b"\0" none.
# - A word is a maximal run of the other characters between whitespace: \t\n\v\f\r, space,
#   what iswspace calls a space, and the no-break spaces U+00A0, U+2007, U+202F and U+2060.
# wc 9.5 made unprintable characters and encoding errors parts of words; the whitespace word
# mode (`Tally`) follows that rule, on decoded text.
_WC_ASCII_IGNORED = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
_WC_IGNORED_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cn", "Cs"})
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.lru_cache(maxsize=None)
def _wc_ignored() -> re.Pattern[str]:
    """A pattern of the characters of the BMP that wc ignores, built from Python's Unicode
    database on first use (`re` looks a class of BMP ranges up in a bitmap: fast)."""
    runs: list[str] = []
    start = None
    for point in range(0x10001):
        if point < 0x10000 and _wc_ignores(chr(point)):
            start = point if start is None else start
        elif start is not None:
            runs.append(f"\\u{start:04x}-\\u{point - 1:04x}")
            start = None
    return re.compile("[" + "".join(runs) + "]+")


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
            return self._ascii_words(data.translate(_WORD_MARKS, _WC_ASCII_IGNORED))
        if not last:
            cut = len(data) - utf8_tail(data)
            data, self.pending = data[:cut], data[cut:]
        text = data.decode("utf-8", "ignore")
        self.text = text
        self.chars += len(text)
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


def count_wc(stream: BinaryIO, path: str, progress: Progress, forbid: Patterns = ()) -> FileCounts:
    """Count a stream as GNU wc before 9.5 does (`--format wc`), searching its text, read as
    UTF-8, for the `forbid` patterns. A binary file is counted too; its encoding is `binary`."""
    tally = WcTally()
    searcher = Searcher(path, forbid) if forbid else None
    head = stream.read(max(BLOCK_BYTES, 4))
    bom = decode.starts_with_bom(head)
    binary = b"\0" in head and not bom and decode.wide(head) is None
    size = 0
    for block, last in _blocks(stream, head):
        size += len(block)
        progress.add(0, len(block), tally.feed(block, last))
        if searcher is not None:
            searcher.feed(tally.text, last)
    return FileCounts(
        path, tally.lines, tally.words, tally.chars, size, "binary" if binary else "utf-8",
        0 if binary else tally.invalid, bom=bom, hits=searcher.violations() if searcher is not None else (),
    )


class _NotUtf8(Exception):
    """The UTF-8 fast path met a byte that is not UTF-8, `offset` bytes after the pass began."""

    def __init__(self, offset: int) -> None:
        super().__init__("not UTF-8")
        self.offset = offset


def _blocks(stream: BinaryIO, head: bytes) -> Iterator[tuple[bytes, bool]]:
    """The blocks of a stream, starting with `head` (already read), each with "is last".

    A short block is the last: a regular file gives less than was asked only at its end,
    which spares small files a second read. (A file that grows meanwhile is counted as far
    as it was read.)
    """
    block = head
    while block:
        if len(block) < BLOCK_BYTES:
            yield block, True
            return
        following = stream.read(BLOCK_BYTES)
        yield block, not following
        block = following


Patterns = tuple[tuple[str, Any], ...]  # forbidden patterns: (as given, compiled)


def _count_pass(
    stream: BinaryIO,
    path: str,
    head: bytes,
    plan: decode.Plan,
    options: CountOptions,
    words: Counter[bytes] | None,
    progress: Progress,
    bom: bool = False,
    forbid: Patterns = (),
) -> FileCounts:
    """Read a file (or a piece of one) from its first block to its end, as `plan` says, and
    search its text for the `forbid` patterns as it goes.

    On the UTF-8 fast path (`plan.codec` None) a byte that is not UTF-8 raises _NotUtf8
    before anything of its block is counted.
    """
    tally = new_tally(options)
    searcher = Searcher(path, forbid) if forbid else None
    decoder = None if plan.codec is None else codecs.getincrementaldecoder(plan.codec)(errors=_REPLACE)
    replaced = 0
    size = 0
    pending = b""
    first = True
    for block, last in _blocks(stream, head):
        read = len(block)
        size += read
        if first:
            first = False
            # A file read in one block feeds the batch's frequencies directly; a longer one
            # gets its own, merged only once it has been read to the end without an error.
            if words is not None:
                tally.freq = words if last else Counter()
            block = block[plan.skip :]
        text = None
        if decoder is None:
            data = pending + block if pending else block
            ascii = data.isascii()
            pending = b""
            if not ascii:
                end = size  # where `data` ends, counted from where the pass began
                cut = len(data) if last else len(data) - utf8_tail(data)
                data, pending = data[:cut], data[cut:]
                try:
                    text = data.decode("utf-8")
                except UnicodeDecodeError as error:
                    progress.add(0, -(size - read), -tally.words)  # that pass is void
                    raise _NotUtf8(end - len(data) - len(pending) + error.start) from None
            tally.chars += len(text) if text is not None else len(data)
        else:
            text, data, bad = to_utf8(_decoded(decoder, block, last, plan.codec))
            replaced += bad
            ascii = len(data) == len(text)
            tally.chars += len(text)
        if searcher is not None:
            searcher.feed(text if text is not None else data.decode("ascii"), last)
        progress.add(0, read, tally.feed(data, ascii, text))
    progress.add(0, 0, tally.finish())
    if tally.freq is not None and tally.freq is not words:
        words.update(tally.freq)  # type: ignore[union-attr]
    return FileCounts(
        path, tally.lines, tally.words, tally.chars, size, plan.encoding or "utf-8", replaced,
        cjk_chars=tally.cjk, bom=bom, hits=searcher.violations() if searcher is not None else (),
        confidence=plan.confidence,
    )


class Undecodable(Exception):
    """A codec refused a file as a whole (not byte by byte, which is replaced and counted)."""


def _decoded(decoder: codecs.IncrementalDecoder, block: bytes, last: bool, codec: str | None) -> str:
    """One block decoded; a codec that raises instead of replacing makes the file Undecodable.

    Only codec errors are caught: this file cannot be read so, and the run goes on.
    """
    try:
        return decoder.decode(block, last)
    except (UnicodeError, LookupError) as error:
        raise Undecodable(f"cannot be decoded as {codec}: {error}") from None


def replan(plan: decode.Plan, sample: bytes) -> decode.Plan:
    """The plan for a file the UTF-8 fast path turned down, given a sample of its bytes.

    A UTF-8 BOM still says UTF-8 (its bad bytes are replaced); otherwise chardet decides.
    """
    if plan.skip:
        return decode.Plan(plan.encoding, plan.skip, "utf-8")
    return decode.detected(sample)


def count_stream(
    stream: BinaryIO,
    path: str,
    options: CountOptions,
    words: Counter[bytes] | None,
    progress: Progress,
    forbid: Patterns = (),
) -> FileCounts | Skipped:
    """Count one open binary stream; `words` receives its word frequencies.

    A stream that cannot seek (a pipe) is spooled to a temporary file as it is read, so that
    a file found not to be UTF-8 half way through can be read again with the right codec.
    A regular file whose size, once read, is not the number of bytes read changed while it
    was read: its counts (of what was read) come back marked `changed`. Counts of a stream that
    is not a regular file (a pipe, standard input from one) come back marked not `regular`.
    With `options.wc`, the stream is counted as GNU wc counts it (`count_wc`).
    """
    counted: FileCounts | Skipped
    if options.wc:
        counted = count_wc(stream, path, progress, forbid)
    elif not stream.seekable():
        with tempfile.SpooledTemporaryFile(max_size=8 * BLOCK_BYTES) as spool:
            while chunk := stream.read(BLOCK_BYTES):
                spool.write(chunk)
            spool.seek(0)
            counted = _count_seekable(spool, path, options, words, progress, forbid)  # type: ignore[arg-type]
        return replace(counted, regular=False) if isinstance(counted, FileCounts) else counted
    else:
        counted = _count_seekable(stream, path, options, words, progress, forbid)
    if not isinstance(counted, FileCounts):
        return counted
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):  # not a file: an in-memory stream, bytes shipped for one
        return counted if path != STDIN else replace(counted, regular=False)
    if not stat.S_ISREG(info.st_mode):
        return replace(counted, regular=False)
    if path != STDIN and info.st_size != counted.bytes:
        return replace(counted, changed=True)
    return counted


def _count_seekable(
    stream: BinaryIO,
    path: str,
    options: CountOptions,
    words: Counter[bytes] | None,
    progress: Progress,
    forbid: Patterns = (),
) -> FileCounts | Skipped:
    """Count a stream that can seek, from its start: `count_stream` without its checks."""
    head = stream.read(max(BLOCK_BYTES, 4))  # a BOM is up to 4 bytes long
    plan = decode.plan(head, options.encoding_for(path))
    if plan.binary:
        return Skipped(path, "binary")
    bom = decode.starts_with_bom(head)
    if plan.codec is None:
        try:
            return _count_pass(stream, path, head, plan, options, words, progress, bom, forbid)
        except _NotUtf8 as not_utf8:
            plan = replan(plan, decode.sample_at(stream, not_utf8.offset))
            stream.seek(0)
            head = stream.read(max(BLOCK_BYTES, 4))
    return _count_pass(stream, path, head, plan, options, words, progress, bom, forbid)


class _Window:
    """A read-only view of a stream that ends at `end` (None: at the stream's end)."""

    def __init__(self, stream: BinaryIO, end: int | None) -> None:
        self.stream = stream
        self.left = None if end is None else end - stream.tell()

    def read(self, size: int) -> bytes:
        if self.left is None:
            return self.stream.read(size)
        data = self.stream.read(min(size, self.left)) if self.left > 0 else b""
        self.left -= len(data)
        return data


CUT_SCAN_BYTES = 64 * 1024


def find_cut(stream: BinaryIO, offset: int, base: int, unit: int, marks: tuple[bytes, ...]) -> int | None:
    """The first place at or after `offset` just after an encoded whitespace character.

    Characters are `unit` bytes wide from `base` (the end of the BOM). A cut there ends any
    word and falls on a character boundary. None: no such place before the end of the file.
    """
    position = offset + (base - offset) % unit
    stream.seek(position)
    while block := stream.read(CUT_SCAN_BYTES):  # a multiple of every unit, so marks stay aligned
        best = -1
        for mark in marks:
            index = block.find(mark)
            while index != -1 and index % unit:
                index = block.find(mark, index + 1)
            if index != -1 and (best == -1 or index < best):
                best = index
        if best != -1:
            return position + best + unit
        position += len(block)
    return None


def piece_bounds(stream: BinaryIO, piece: Piece) -> tuple[int, int | None]:
    """The byte range a piece really covers: both nominal ends moved forward to the next cut
    (`find_cut`); (0, 0) when there is nothing to count (it lies inside one long word)."""
    plan = piece.plan
    unit, marks = decode.cut_marks(plan.codec)  # type: ignore[misc]  # the engine only cuts what can be cut
    begin = 0 if piece.start == 0 else find_cut(stream, piece.start, plan.skip, unit, marks)
    end = None if piece.stop is None else find_cut(stream, piece.stop, plan.skip, unit, marks)
    if begin is None or (end is not None and begin >= end):
        return 0, 0
    return begin, end


class _Shifted(io.BytesIO):
    """Shipped bytes that read as the file they came from: offsets count from the file's start."""

    def __init__(self, shipped: Shipped) -> None:
        super().__init__(shipped.data)
        self.base = shipped.base

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            offset -= self.base
        return super().seek(offset, whence) + self.base

    def tell(self) -> int:
        return super().tell() + self.base


def _open(path: str, shipped: Shipped | None, cwd: str = "") -> BinaryIO:
    """The file at `path` (relative to `cwd`, see `count_batch`), or the bytes shipped for it
    (an OSError if the client could not read it)."""
    if shipped is None:
        return open(os.path.join(cwd, path), "rb", buffering=0)  # type: ignore[return-value]
    if shipped.error is not None:
        raise OSError(shipped.error)
    return _Shifted(shipped)


def count_piece(
    piece: Piece, options: CountOptions, progress: Progress, shipped: Shipped | None = None, cwd: str = ""
) -> PieceResult:
    """Count one byte range of a large file, cut so that pieces add up to the whole file.

    Both ends move forward to the next cut (`piece_bounds`); the neighbouring piece moves its
    start by the same rule, so together the pieces cover the file exactly once. With `shipped`,
    the bytes (and the range, found by the client) come from the client instead of the file.
    A relative path is relative to `cwd` (see `count_batch`).
    """
    words: Counter[bytes] | None = Counter() if options.frequencies else None
    plan = piece.plan
    try:
        with _open(piece.path, shipped, cwd) as stream:
            bounds = shipped.bounds if shipped is not None and shipped.bounds is not None else None
            begin, end = bounds or piece_bounds(stream, piece)
            if end is not None and begin >= end:
                return PieceResult(piece.path, piece.index)  # a long run without whitespace
            stream.seek(begin)
            window = _Window(stream, end)
            head = window.read(max(BLOCK_BYTES, 4))
            bom = begin == 0 and decode.starts_with_bom(head)
            if begin:
                plan = replace(plan, skip=0)
            try:
                counted = _count_pass(window, piece.path, head, plan, options, words, progress, bom)  # type: ignore[arg-type]
            except _NotUtf8 as not_utf8:
                sample = decode.sample_at(stream, begin + not_utf8.offset)
                return PieceResult(piece.path, piece.index, sample=sample)
    except OSError as error:
        return PieceResult(piece.path, piece.index, error=os_message(error))
    except Undecodable as error:
        return PieceResult(piece.path, piece.index, error=str(error))
    return PieceResult(
        piece.path,
        piece.index,
        replace(counted.totals, files=0),  # a piece is not a file
        counted.replaced,
        normalized(words, options) if words is not None else {},
        bom=bom,
    )


def count_file(
    path: str, options: CountOptions, words: Counter[bytes] | None, progress: Progress, forbid: Patterns = (),
    shipped: Shipped | None = None, cwd: str = "",
) -> Outcome:
    """Count the file at `path` (`-`: standard input; relative to `cwd`, see `count_batch`), or
    the bytes `shipped` for it, searching it for the `forbid` patterns; an OS error becomes a
    `Failed` outcome."""
    try:
        if path == STDIN and shipped is None:
            return count_stream(sys.stdin.buffer, path, options, words, progress, forbid)
        with _open(path, shipped, cwd) as stream:
            outcome = count_stream(stream, path, options, words, progress, forbid)
            if isinstance(outcome, Skipped):
                progress.add(0, len(shipped.data) if shipped is not None else os.fstat(stream.fileno()).st_size, 0)
            elif shipped is not None and shipped.size is not None and shipped.size != outcome.bytes:
                outcome = replace(outcome, changed=True)  # as count_stream tells for a file it reads
            return outcome
    except OSError as error:
        return Failed(path, os_message(error))
    except Undecodable as error:
        return Failed(path, str(error))
    finally:
        progress.add(1, 0, 0)


def os_message(error: OSError) -> str:
    """The operating system's words for an error, without Python's decoration."""
    return error.strerror or str(error)


def count_batch(
    paths: Sequence[str], options: CountOptions, progress: Progress, words: Counter[bytes] | None,
    shipped: Mapping[str, Shipped] | None = None, cwd: str = "",
) -> BatchResult:
    """Count a batch of files into one small result for the parent.

    Word frequencies go into `words`, which the caller keeps across batches (a worker returns
    them once, at the end: shipping a large Counter per batch costs more than counting).
    `shipped` holds the files' bytes when the client read them for us (`--ship-bytes`).

    Relative paths are relative to `cwd` ("": this process's working folder), the client's
    working folder on a cluster, whose workers run in folders of their own. Results keep the
    paths as given, as the user typed them; encoding globs match those too, as in a local run.
    """
    built = BatchBuilder(options.per_file, options.audit, cwd)
    audit = options.audit
    for path in paths:
        own: Counter[bytes] | None = Counter() if options.file_words and words is not None else None
        into = words if own is None else own
        rules = built.rules(path)
        forbid = audit.patterns(rules) if audit is not None and rules is not None else ()
        outcome = count_file(path, options, into, progress, forbid, shipped[path] if shipped else None, cwd)
        pack = None
        if own is not None:
            words.update(own)  # type: ignore[union-attr]
            pack = functools.partial(_pack_normalized, own, options)
        if isinstance(outcome, FileCounts):
            built.counted(outcome, rules, pack)
        else:
            built.failed(outcome)
    return built.result()


def _pack_normalized(words: Counter[bytes], options: CountOptions) -> bytes:
    return pack_words(normalized(words, options))


def pack_words(words: Mapping[bytes, int]) -> bytes:
    """One file's frequencies as compact bytes: marshal (fast, read only by this same version),
    compressed, as there are as many of these as files."""
    return zlib.compress(marshal.dumps(dict(words)), 1)


def unpack_words(data: bytes) -> dict[bytes, int]:
    return marshal.loads(zlib.decompress(data))  # type: ignore[no-any-return]


def pack_table(words: Mapping[bytes, int]) -> bytes:
    """A large frequency table as bytes that load fast: the words joined by NUL, then the counts
    as 64-bit integers (marshal, for the rare table with a NUL inside a word)."""
    keys = b"\0".join(words)
    if keys.count(b"\0") != len(words) - 1:
        return b"M" + marshal.dumps(dict(words))
    return b"T" + len(keys).to_bytes(8, "little") + keys + array.array("q", words.values()).tobytes()


def unpack_table(data: bytes) -> dict[bytes, int]:
    if data[:1] == b"M":
        return marshal.loads(data[1:])  # type: ignore[no-any-return]
    size = int.from_bytes(data[1:9], "little")
    counts = array.array("q")
    counts.frombytes(data[9 + size :])
    keys = data[9 : 9 + size].split(b"\0") if counts else []
    return dict(zip(keys, counts))

"""`--format wc` is GNU wc: the same bytes on stdout for the same files, whatever they hold.

`--format wc` follows wc before 9.5 (coreutils 8.x to 9.4, checked against 9.1).
"""

from __future__ import annotations

import io
import sys
import unicodedata

import pytest

from wordcount import count
from wordcount.results import FileCounts


# --------------------------------------------------------------------------- the rule


def test_the_word_rule_is_glibc_iswprint_and_iswspace_in_c_utf8() -> None:
    """wc before 9.5 ignores what glibc's iswprint calls unprintable, and splits words at what
    iswspace calls a space and at four no-break spaces: the tables in count agree with the C
    library for every code point (skipped where there is no glibc C.UTF-8 to ask)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None or sys.platform != "linux":
        pytest.skip("needs glibc")
    libc = ctypes.CDLL(name)
    libc.setlocale.restype = ctypes.c_char_p
    previous = libc.setlocale(0, None)  # LC_CTYPE
    if not libc.setlocale(0, b"C.UTF-8"):
        pytest.skip("no C.UTF-8 locale")
    try:
        if unicodedata.unidata_version != "14.0.0":  # glibc 2.35 to 2.38 know Unicode 14
            pytest.skip(f"Python's Unicode {unicodedata.unidata_version} may not be the C library's")
        libc.iswprint.argtypes = libc.iswspace.argtypes = [ctypes.c_uint32]
        every = "".join(chr(point) for point in range(0x110000) if not 0xD800 <= point <= 0xDFFF)
        kept = count.wc_clean(every)
        printable = [char for char in every if libc.iswprint(ord(char)) or char in "\t\n\v\f\r"]
        assert len(kept) == len(printable)
        assert [char.isspace() for char in kept] == [
            bool(libc.iswspace(ord(char))) or char in "\u00a0\u2007\u202f\u2060" for char in printable
        ]
        assert [char for char in kept if not char.isspace()] == [char for char in printable if not char.isspace()
                                                                 and char != "\u2060"]
    finally:
        libc.setlocale(0, previous)


def wc_count(data: bytes) -> FileCounts:
    """Count bytes as --format wc does."""
    counted = count.count_stream(io.BytesIO(data), "x", count.CountOptions(wc=True), None, count.NoProgress())
    assert isinstance(counted, FileCounts)
    return counted


@pytest.mark.parametrize(("data", "lines", "words"), [
    (b"", 0, 0),
    (b"a b\n", 1, 2),
    (b"a\x00b", 0, 1),  # NUL and other control characters neither start nor end a word
    (b"\x00 \x01 \x7f\n", 1, 0),
    (b"a\xffb c", 0, 2),  # a byte that is not UTF-8 is ignored too
    (b"\xff \xfe", 0, 0),
    ("a\u00a0b\u2007c\u202fd\u2060e".encode(), 0, 5),  # the no-break spaces separate
    ("a\u2028b".encode(), 0, 1),  # U+2028 is a space to iswspace but not printable: ignored
    ("\ufeffword".encode(), 0, 1),  # a BOM is a printable character, part of the word
    ("日本語\u3000テキスト".encode(), 0, 2),
    (b"\xe6\x97", 0, 0),  # a character cut off by the end of the file
])
def test_wc_counts(data: bytes, lines: int, words: int) -> None:
    counted = wc_count(data)
    assert (counted.lines, counted.words, counted.bytes) == (lines, words, len(data))


def test_wc_counts_do_not_depend_on_block_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    """A character or a word cut by a block boundary is counted once, as in one block."""
    data = "日本 語\u3000テ\xa0キ\U0001f600スト\x01 a\xffb\n".encode() * 7
    whole = wc_count(data)
    monkeypatch.setattr(count, "BLOCK_BYTES", 5)
    assert wc_count(data) == whole

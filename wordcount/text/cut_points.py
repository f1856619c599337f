"""Where a large file may be cut into pieces that count, added up, as the whole file does.

A piece's nominal byte range is moved, at both ends, to just after the next whitespace
character in the file's encoding: a cut there ends any word and falls on a character boundary,
and neighbouring pieces, moved by the same rule, cover the file exactly once. Used to count a
piece (`reader.count_piece`) and, on a cluster, by the client that ships a piece's bytes.
"""

from __future__ import annotations

import functools
from typing import BinaryIO

from wordcount.text import decoding
from wordcount.model import Piece

CUT_SCAN_BYTES = 64 * 1024

# Multibyte encodings in which tab, newline and space bytes only ever stand for themselves
# (their trailing bytes are all 0x40 or above), so a file may be cut just after one of them.
_CUTTABLE = frozenset(
    {"utf-8", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "shift_jis", "cp932",
     "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004", "euc_jisx0213", "euc_kr",
     "cp949", "johab"}
)
_CUT_CHARACTERS = "\n \t"


@functools.lru_cache(maxsize=None)
def cut_marks(codec: str | None) -> tuple[int, tuple[bytes, ...]] | None:
    """How text in `codec` may be cut into pieces that are counted apart.

    Returns the code unit size and the encoded whitespace characters after which a cut may
    fall (a whitespace character ends any word and is a character boundary), or None for an
    encoding that cannot be cut safely (stateful ones such as ISO-2022-JP or UTF-7).
    """
    name = decoding.canonical(codec or "utf-8")
    unit = {"utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}.get(name)
    if unit is None:
        if name not in _CUTTABLE and not _is_single_byte(name):
            return None
        unit = 1
    return unit, tuple(char.encode(name) for char in _CUT_CHARACTERS)


def _is_single_byte(name: str) -> bool:
    """True for a stateless encoding that maps each byte to at most one character on its own."""
    if any(stateful in name.replace("-", "_") for stateful in ("2022", "utf_7", "hz")):
        return False  # escape sequences switch what the following bytes mean
    try:
        text = bytes(range(256)).decode(name, "replace")
        return len(text) == 256 and all(char.encode(name, "ignore") in (b"", bytes([i])) for i, char in enumerate(text))
    except (LookupError, UnicodeError):
        return False


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
    skip = piece.decoding.skip
    unit, marks = cut_marks(piece.decoding.codec)  # type: ignore[misc]  # the engine only cuts what can be cut
    begin = 0 if piece.start == 0 else find_cut(stream, piece.start, skip, unit, marks)
    end = None if piece.stop is None else find_cut(stream, piece.stop, skip, unit, marks)
    if begin is None or (end is not None and begin >= end):
        return 0, 0
    return begin, end


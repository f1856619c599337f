"""Where a large file may be cut into pieces that count, added up, as the whole file does.

A piece's nominal byte range is moved, at both ends, to just after the next whitespace
character in the file's encoding: a cut there ends any word and falls on a character boundary,
and neighbouring pieces, moved by the same rule, cover the file exactly once. Used to count a
piece (`count.count_piece`) and, on a cluster, by the client that ships a piece's bytes.
"""

from __future__ import annotations

from typing import BinaryIO

from wordcount import decode
from wordcount.results import Piece

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


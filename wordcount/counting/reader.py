"""Reading a file, or a piece of one, in blocks and feeding a tally: the code workers run.

What a line, a word and a character are is `counting/tally.py`'s; this module reads: bytes are the
file's bytes, as stored. Every file is counted as UTF-8 bytes: UTF-8 files as they are
(validated, not decoded), others transcoded block by block (`text/transcode.py`), their undecodable bytes replaced
and counted. A file's counts become a `FileCounts` (or a `Skipped`, a `Failed`), a batch's a
small `BatchResult` for the parent; a piece's a `PieceResult`, assembled by the caller.

This module must stay cheap to import: workers load it, and nothing of Typer or tqdm.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, BinaryIO, cast

from wordcount.counting import whole_files
from wordcount.text import compressed
from wordcount.text.decoding import Decoding, starts_with_bom, wide
from wordcount.audit import Searcher
from wordcount.counting.spec import Counting
from wordcount.counting.line_width import LineWidth
from wordcount.text.cut_points import piece_bounds
from wordcount.progress import Progress
from wordcount.text.not_utf8 import NotUtf8, Shifted, decide_again, sample_at
from wordcount.counting.read_to_end import changed_while_read, to_end
from wordcount.model import STDIN, FileCounts, Failed, Outcome, Piece, PieceResult, Shipped, Skipped
from wordcount.streams import standard_input
from wordcount.counting.freq import Words, carried, new_table
from wordcount.text.transcode import Undecodable, decoded_block, new_decoder, to_utf8
from wordcount.counting.tally import new_scanner, normalized, utf8_block
from wordcount.counting.wc_words import WcTally
from wordcount.messages import os_message

BLOCK_BYTES = 1 << 20
SMALL_READ_BYTES = 64 * 1024  # what a file's first read asks for: most files are smaller

def count_wc(stream: BinaryIO, path: str, progress: Progress, forbid: Patterns = (), measure: bool = False,
             head: bytes | None = None) -> FileCounts:
    """Count a stream as GNU wc before 9.5 does (`--format wc`), searching its text, read as
    UTF-8, for the `forbid` patterns, and with `measure` finding its widest line; `head`: its
    first block, when it was read already. A binary file is counted too; its encoding is `binary`."""
    tally = WcTally()
    searcher = Searcher(path, forbid) if forbid else None
    widths = LineWidth() if measure else None
    head = read_head(stream) if head is None else head
    bom = starts_with_bom(head)
    binary = b"\0" in head and not bom and wide(head) is None
    size = 0
    for block, last in _blocks(stream, head):
        size += len(block)
        progress.add(0, len(block), tally.feed(block, last))
        if searcher is not None:
            searcher.feed(tally.text, last)
        if widths is not None:
            widths.feed(tally.text)  # what is not UTF-8 takes no room, as to wc
    return FileCounts(
        path, tally.lines, tally.words, tally.chars, size, "binary" if binary else "utf-8",
        0 if binary else tally.invalid, bom=bom, hits=searcher.violations() if searcher is not None else (),
        max_line_length=widths.longest if widths is not None else 0,
    )


def read_head(stream: BinaryIO) -> bytes:
    """A file's first block: `BLOCK_BYTES` (at least 4, the longest BOM), or all of a smaller
    file. A small file takes one small read: asking for a megabyte costs it as much as counting."""
    wanted = max(BLOCK_BYTES, 4)
    first = min(wanted, SMALL_READ_BYTES)
    head = stream.read(first)
    if len(head) == first < wanted:
        head += stream.read(wanted - first)
    return head


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


class _SearchText:
    """The text of a UTF-8 file's blocks, for the forbidden-words search (`--forbid`): whole
    characters only, an incomplete one carried to the next block."""

    def __init__(self) -> None:
        self.pending = b""

    def of(self, block: bytes, last: bool) -> str:
        """The text of `block`'s whole characters, which the scanner has found to be UTF-8."""
        data, self.pending, text = utf8_block(self.pending + block, last)
        return text if text is not None else data.decode("ascii")


def _count_pass(
    stream: BinaryIO,
    path: str,
    head: bytes,
    decoding: Decoding,
    counting: Counting,
    table: Words | None,
    progress: Progress,
    bom: bool = False,
    forbid: Patterns = (),
) -> FileCounts:
    """Read a file (or a piece of one) from its first block to its end, as `decoding` says, and
    search its text for the `forbid` patterns as it goes.

    On the UTF-8 fast path (`decoding.codec` None) a byte that is not UTF-8 raises NotUtf8
    (its offset from the pass's first byte) before anything of its block is counted. Other encodings are decoded block by block and
    fed to the scanner as UTF-8.
    """
    searcher = Searcher(path, forbid) if forbid else None
    widths = LineWidth() if counting.line_width else None
    search_text = _SearchText()
    decoder = None if decoding.codec is None else new_decoder(decoding.codec)
    # A file read in one block (a short one: see `_blocks`) feeds the batch's frequencies
    # directly; a longer one gets its own, merged only once it has been read to the end.
    own = table if table is None or len(head) < BLOCK_BYTES else new_table()
    scanner = new_scanner(counting.word_mode, own)
    replaced = size = 0
    first = True
    for block, last in _blocks(stream, head):
        read = len(block)
        size += read
        if first:
            first = False
            block = block[decoding.skip :]
        if decoder is None:
            try:
                started = scanner.feed(block, last)
            except NotUtf8 as error:
                progress.add(0, -(size - read), -scanner.words)  # that pass is void
                raise NotUtf8(decoding.skip + error.offset) from None
            text = search_text.of(block, last) if searcher is not None or widths is not None else ""
        else:
            text, data, bad = to_utf8(decoded_block(decoder, block, last, decoding.codec))
            replaced += bad
            started = scanner.feed(data, last)
        if searcher is not None:
            searcher.feed(text, last)
        if widths is not None:
            widths.feed(text)
        progress.add(0, read, started)
    progress.add(0, 0, scanner.finish())
    if own is not table:
        table.update(own)  # type: ignore[union-attr]
    return FileCounts(
        path, scanner.lines, scanner.words, scanner.chars, size, decoding.encoding or "utf-8", replaced,
        cjk_chars=getattr(scanner, "cjk", 0), bom=bom, hits=searcher.violations() if searcher is not None else (),
        confidence=decoding.confidence, max_line_length=widths.longest if widths is not None else 0,
    )


def count_stream(
    stream: BinaryIO,
    path: str,
    counting: Counting,
    table: Words | None,
    progress: Progress,
    forbid: Patterns = (),
) -> FileCounts | Skipped:
    """Count one open binary stream, to its end whatever its size says (`toend`); `table`
    receives its word frequencies.

    A stream that cannot seek (a pipe) is spooled to a temporary file as it is read, so that
    a file found not to be UTF-8 half way through can be read again with the right codec.
    A regular file that changed while it was read comes back marked `changed` (its counts are
    of what was read), one whose size says nothing of what it holds with that size kept (see
    `FileCounts.as_read`). Counts of a stream that is not a regular file (a pipe, standard
    input from one) come back marked not `regular`. With `counting.wc`, the stream is counted
    as GNU wc counts it (`count_wc`), as its text with `counting.decompress` when it is
    compressed (see `_count_compressed`).
    """
    stream, opened = to_end(stream)
    counted: FileCounts | Skipped
    if counting.wc and not counting.decompress:
        counted = count_wc(stream, path, progress, forbid, counting.line_width)
    elif not stream.seekable():
        with tempfile.SpooledTemporaryFile(max_size=8 * BLOCK_BYTES) as spool:
            while chunk := stream.read(BLOCK_BYTES):
                spool.write(chunk)
            spool.seek(0)
            counted = _count_seekable(spool, path, counting, table, progress, forbid)  # type: ignore[arg-type]
        return replace(counted, regular=False) if isinstance(counted, FileCounts) else counted
    else:
        counted = _count_seekable(stream, path, counting, table, progress, forbid)
    if not isinstance(counted, FileCounts):
        return counted
    if opened is None:  # not a file: an in-memory stream, bytes shipped for one
        return counted if path != STDIN else replace(counted, regular=False)
    if not stat.S_ISREG(opened.st_mode):
        return replace(counted, regular=False)
    if counted.fault is not None:
        return counted
    changed = path != STDIN and changed_while_read(opened, os.fstat(stream.fileno()))
    return counted.as_read(opened.st_size, changed)


def _count_seekable(stream: BinaryIO, path: str, counting: Counting, table: Words | None,
                    progress: Progress, forbid: Patterns = ()) -> FileCounts | Skipped:
    """Count a stream that can seek, from its start: `count_stream` without its checks."""
    head = read_head(stream)
    compression = compressed.kind(head)
    if compression is not None:  # by its bytes, whatever its name says
        return _count_compressed(stream, compression, path, counting, table, progress, forbid)
    if (kind := counting.markup_for(path)) is not None:
        from wordcount.counting.marked_up import count_document  # only for a marked-up file (--markup auto)

        stream.seek(0)
        return count_document(stream, path, kind, counting, table, progress, forbid)
    if counting.wc:
        return count_wc(stream, path, progress, forbid, counting.line_width, head)
    return _count_text(stream, head, path, counting, table, progress, forbid)


def _count_compressed(stream: BinaryIO, compression: str, path: str, counting: Counting, table: Words | None,
                      progress: Progress, forbid: Patterns) -> FileCounts | Skipped:
    """A compressed file (in format `compression`): skipped as `compressed` unless `counting.decompress`,
    else its text counted as `zcat FILE | wc` reads it, a pipe. Text longer than
    `counting.max_decompressed` is `too-large`, as discovery calls a file too large to count. Data
    that ends early or is corrupt is counted as far as it could be read, the fault kept."""
    if not counting.decompress:
        return Skipped(path, "compressed")
    stream.seek(0)
    with compressed.Decompressed(stream, compression, counting.max_decompressed) as text:
        reader = cast(BinaryIO, text)  # it reads, seeks and tells as counting/reader.py asks of a file
        shown = compressed.StoredProgress(progress, text)
        try:
            head = read_head(reader)
            counted = count_wc(reader, path, shown, forbid, counting.line_width, head) if counting.wc else _count_text(
                reader, head, path, counting, table, shown, forbid)
        except compressed.TooLarge:
            shown.void()
            return Skipped(path, "too-large")
        stored = text.stored if text.fault is None else stream.seek(0, io.SEEK_END)
    if isinstance(counted, Skipped):
        return counted
    return replace(counted, regular=False, stored=stored, fault=text.fault)


def _count_text(stream: BinaryIO, head: bytes, path: str, counting: Counting, table: Words | None,
                progress: Progress, forbid: Patterns = ()) -> FileCounts | Skipped:
    """Count a stream that can seek and whose first block is `head`, as `counting` says."""
    decoding = counting.decoding_for(path, head)
    if decoding.binary:
        return Skipped(path, "binary")
    bom = starts_with_bom(head)
    if decoding.codec is None:
        try:
            return _count_pass(stream, path, head, decoding, counting, table, progress, bom, forbid)
        except NotUtf8 as not_utf8:
            decoding = decide_again(decoding, sample_at(stream, not_utf8.offset), counting.fallback_encoding)
            stream.seek(0)
            head = read_head(stream)
    return _count_pass(stream, path, head, decoding, counting, table, progress, bom, forbid)


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


def _open(path: str, shipped: Shipped | None, cwd: str = "") -> BinaryIO:
    """The file at `path` (relative to `cwd`, see `batch.count_batch`), or the bytes shipped for it
    (an OSError if the client could not read it)."""
    if shipped is None:
        return open(os.path.join(cwd, path), "rb", buffering=0)  # type: ignore[return-value]
    if shipped.error is not None:
        raise OSError(shipped.error)
    return Shifted(shipped.data, shipped.base)


def count_piece(
    piece: Piece, counting: Counting, progress: Progress, shipped: Shipped | None = None, cwd: str = ""
) -> PieceResult:
    """Count one byte range of a large file, cut so that pieces add up to the whole file.

    Both ends move forward to the next cut (`piece_bounds`); the neighbouring piece moves its
    start by the same rule, so together the pieces cover the file exactly once. With `shipped`,
    the bytes (and the range, found by the client) come from the client instead of the file.
    A relative path is relative to `cwd` (see `batch.count_batch`).
    """
    table: Words | None = new_table() if counting.frequencies else None
    decoding = piece.decoding
    try:
        with _open(piece.path, shipped, cwd) as stream:
            bounds = shipped.bounds if shipped is not None and shipped.bounds is not None else None
            begin, end = bounds or piece_bounds(stream, piece)
            if end is not None and begin >= end:
                return PieceResult(piece.path, piece.index)  # a long run without whitespace
            stream.seek(begin)
            window = _Window(stream, end)
            head = window.read(max(BLOCK_BYTES, 4))
            bom = begin == 0 and starts_with_bom(head)
            if begin:
                decoding = replace(decoding, skip=0)
            try:
                counted = _count_pass(window, piece.path, head, decoding, counting, table, progress, bom)  # type: ignore[arg-type]
            except NotUtf8 as not_utf8:
                sample = sample_at(stream, begin + not_utf8.offset)
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
        carried(normalized(table, counting)) if table is not None else {},  # merged from its bytes
        bom=bom,
    )


def count_file(
    path: str, counting: Counting, table: Words | None, progress: Progress, forbid: Patterns = (),
    shipped: Shipped | None = None, cwd: str = "",
) -> Outcome:
    """Count the file at `path` (`-`: standard input; relative to `cwd`, see `batch.count_batch`), or
    the bytes `shipped` for it, searching it for the `forbid` patterns; an OS error becomes a
    `Failed` outcome."""
    try:
        if path == STDIN and shipped is None:
            return count_stream(standard_input(), path, counting, table, progress, forbid)
        plain = shipped is None and not forbid and counting.markup_for(path) is None
        small = whole_files.count_small(path, counting, table, cwd, BLOCK_BYTES) if plain else None
        if small is not None:
            progress.add(0, small.bytes, small.words)
            return small
        with _open(path, shipped, cwd) as stream:
            outcome = count_stream(stream, path, counting, table, progress, forbid)
            if isinstance(outcome, Skipped):
                progress.add(0, len(shipped.data) if shipped is not None else os.fstat(stream.fileno()).st_size, 0)
            elif shipped is not None and shipped.size is not None and outcome.fault is None:
                outcome = outcome.as_read(shipped.size, shipped.changed)  # as count_stream tells for a file it reads
            return outcome
    except OSError as error:
        return Failed(path, os_message(error))
    except Undecodable as error:
        return Failed(path, str(error))
    finally:
        progress.add(1, 0, 0)

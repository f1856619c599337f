"""A file that turned out not to be UTF-8: the exception that says so (`NotUtf8`), what is looked
at around its first byte that is not (`Sample`), and how the whole file is read then (`decide_again`).

A file that is valid UTF-8 but for a few bytes is UTF-8, those bytes replaced and counted; only a
file whose non-ASCII bytes are mostly not UTF-8 is read with `--fallback-encoding` or chardet's
answer. Whether a file is "mostly UTF-8" is measured in a window around its first byte that is not
(`Share`): the window depends on the file's bytes and that byte's offset only, so a file is read
the same whole or in pieces, in blocks of any size, whatever the number of jobs. The limits were
chosen by measuring (`bench/utf8_threshold.py`, docs/encodings.md).

Workers load this module with counting/reader.py; it imports only the standard library and `decoding`.
"""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass
from typing import BinaryIO

from wordcount.text.decoding import LINE_BACK, WINDOW_BYTES, Decoding, detected, detection_sample, floor2

# The window the share is measured in: this far before the first byte that is not UTF-8 (what
# precedes it is valid UTF-8, and a few bad bytes at the end of a long file are judged by it) and
# this far after it (a legacy file's bad bytes come thick and fast from there).
BEFORE_BYTES = 1 << 20
AFTER_BYTES = WINDOW_BYTES
# How far around a piece's range a worker may look (`tasks.ship_piece` sends that much).
LOOK_BACK = max(BEFORE_BYTES, LINE_BACK)
LOOK_AHEAD = max(AFTER_BYTES, WINDOW_BYTES)

# A file is UTF-8 when, in that window, at least MIN_SHARE of its non-ASCII sequences are valid
# UTF-8 characters and at least MIN_VALID of them are. On chardet's test corpus of legacy files
# the share is at most 0.30 (EUC-JP, whose byte pairs often look like UTF-8); UTF-8 text with a
# few Latin-1 bytes spliced in, with 8 valid characters or more, is at 0.92 or more
# (docs/encodings.md has the figures).
MIN_SHARE = 0.7
MIN_VALID = 8

_ASCII = bytes(range(0x80))
_REPLACEMENT = "\ufffd".encode()


class NotUtf8(ValueError):
    """Bytes read as UTF-8 hold one that is not, `offset` bytes after the first byte looked at: the
    first ever fed to a scanner, raised by both counting cores (the compiled one raises this very
    class), or the first of a file's pass over the UTF-8 fast path (`counting/reader.py`)."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"not UTF-8 at byte {offset}")
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Share:
    """Non-ASCII sequences of some bytes as a UTF-8 decoder sees them: `valid` characters, and
    `invalid` sequences, each of which the decoder replaces with one U+FFFD."""

    valid: int = 0
    invalid: int = 0

    @property
    def ratio(self) -> float:
        """The share of the non-ASCII sequences that are valid UTF-8 (1 when there are none)."""
        total = self.valid + self.invalid
        return self.valid / total if total else 1.0

    @property
    def mostly_utf8(self) -> bool:
        """Whether the bytes are UTF-8 text with a few bad bytes, not text in another encoding."""
        return self.valid >= MIN_VALID and self.ratio >= MIN_SHARE


def share_of(data: bytes, final: bool = True) -> Share:
    """The UTF-8 share of `data`, which starts at a character boundary; unless `final`, a
    character cut at its end is left out. Counted at C speed: one decoding, a few byte counts."""
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(data, final)
    invalid = text.count("\ufffd") - data.count(_REPLACEMENT)  # U+FFFD in the file is a character
    ascii_bytes = len(data) - len(data.translate(None, _ASCII))
    return Share(len(text) - ascii_bytes - invalid, invalid)


def share_at(stream: BinaryIO, offset: int) -> Share:
    """The UTF-8 share of the window around `offset`, a seekable stream's first byte that is
    not UTF-8: BEFORE_BYTES before it (from a character boundary) to AFTER_BYTES after it."""
    begin = max(0, offset - BEFORE_BYTES)
    stream.seek(begin)
    wanted = offset - begin + AFTER_BYTES
    window = stream.read(wanted)
    at_end = len(window) < wanted
    if begin:
        window = window[_boundary(window) :]
    return share_of(window, final=at_end)


def _boundary(data: bytes) -> int:
    """Where the first character of `data` starts: after at most 3 continuation bytes."""
    for index in range(min(3, len(data))):
        if not 0x80 <= data[index] < 0xC0:
            return index
    return min(3, len(data))


@dataclass(frozen=True, slots=True)
class Sample:
    """What is looked at in a file found not to be UTF-8, around its first byte that is not:
    chardet's sample (`decoding.detection_sample`) and the UTF-8 share."""

    data: bytes
    share: Share


def sample_at(stream: BinaryIO, offset: int) -> Sample:
    """The sample of a seekable stream whose first byte that is not UTF-8 is at `offset`, from
    one read of the bytes around it (a compressed file's text seeks back by starting again)."""
    begin = max(0, offset - LOOK_BACK)
    stream.seek(begin)
    around = Shifted(stream.read(offset - begin + LOOK_AHEAD), begin)
    return Sample(detection_sample(around, offset), share_at(around, offset))


class Shifted(io.BytesIO):
    """Bytes from `base` on in a file, that read as that file: offsets count from its start."""

    def __init__(self, data: bytes, base: int) -> None:
        super().__init__(data)
        self.base = base

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            offset -= self.base
        return super().seek(offset, whence) + self.base

    def tell(self) -> int:
        return super().tell() + self.base


def decide_again(decoding: Decoding, sample: Sample, fallback: str | None = None) -> Decoding:
    """The decoding of a file the UTF-8 fast path turned down, `decoding` the one decided first.

    A file that says it is UTF-8 (a BOM, a declared charset) stays UTF-8; so does one that is
    mostly UTF-8 (`Share.mostly_utf8`; its confidence is the share). Otherwise the `fallback`
    encoding (`--fallback-encoding`) reads it, else chardet's answer. Bad bytes are replaced
    and counted whichever reads it.
    """
    if decoding.skip or decoding.declared:
        return Decoding(decoding.encoding, decoding.skip, "utf-8", decoding.confidence, decoding.declared)
    if sample.share.mostly_utf8:
        return Decoding("utf-8", 0, "utf-8", floor2(sample.share.ratio))
    if fallback is not None:
        return Decoding(fallback, 0, fallback)
    return detected(sample.data)

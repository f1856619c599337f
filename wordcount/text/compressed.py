"""Compressed files (`-z`): which format a file's first bytes say it is in, and its text read back
as a stream, in blocks, with bounded memory.

A file is recognised by its magic bytes, never by its name (a text file named `x.gz` is text):
gzip, bzip2, xz and Zstandard. `Decompressed` gives `counting/reader.py` the text as the seekable binary
stream it reads files from. Faults of the compressed data (truncated, corrupt) end the text where
they occur and are kept, in our words, for the caller to report; text longer than a limit
(`--max-filesize`, against decompression bombs) raises `TooLarge` before more than a block past
it is decompressed. One layer only: a compressed file inside one is data, as `zcat` gives it.

Workers load this module: the decompressors are imported only when a compressed file is read.
"""

from __future__ import annotations

import io
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from wordcount.progress import Progress

# Magic bytes at the start of each format. bzip2's "BZh" and block size are followed by the
# magic of its first block, or of the end of the stream for an empty one: "BZh9" alone is text.
_MAGICS = (
    ("gzip", (b"\x1f\x8b",)),
    ("xz", (b"\xfd7zXZ\x00",)),
    ("zstd", (b"\x28\xb5\x2f\xfd",)),
)
_BZIP2_LEVELS = b"123456789"
_BZIP2_BLOCKS = (b"1AY&SY", b"\x17rE8P\x90")

STEP = 64 * 1024  # text decompressed per call: what a fault in the middle of a block can lose


def kind(head: bytes) -> str | None:
    """The compression format `head` (a file's first bytes) starts with, or None."""
    for name, magics in _MAGICS:
        if head.startswith(magics):
            return name
    if head[:3] == b"BZh" and head[3:4] and head[3] in _BZIP2_LEVELS and head[4:10] in _BZIP2_BLOCKS:
        return "bzip2"
    return None


def zstd_module() -> ModuleType:
    """The Zstandard module: the standard library's from Python 3.14 (PEP 784), else its official
    backport (`backports.zstd`), which has the same API."""
    if sys.version_info >= (3, 14):
        from compression import zstd  # type: ignore[import-not-found]
    else:
        from backports import zstd
    return zstd


def _reader(name: str, source: Any) -> Any:
    """A file object that reads the text of `source`, compressed in format `name`."""
    if name == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=source, mode="rb")
    if name == "bzip2":
        import bz2

        return bz2.BZ2File(source)
    if name == "xz":
        import lzma

        return lzma.LZMAFile(source)
    return zstd_module().ZstdFile(source)


def _data_errors(name: str) -> tuple[type[BaseException], ...]:
    """What the decompressor of format `name` raises for data it cannot read (EOFError: truncated)."""
    if name == "gzip":
        import zlib

        return EOFError, OSError, zlib.error
    if name == "xz":
        import lzma

        return EOFError, OSError, lzma.LZMAError
    if name == "zstd":
        return EOFError, OSError, zstd_module().ZstdError
    return EOFError, OSError


class TooLarge(Exception):
    """The text is longer than the limit it was read with."""


class _Unreadable(Exception):
    """The compressed file itself could not be read: an OSError that is not about its data."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _Source:
    """The compressed stream as the decompressor reads it: its read errors are told apart from
    the decompressor's own (bz2 raises OSError for bad data)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw

    def read(self, size: int = -1) -> bytes:
        try:
            return self.raw.read(size)
        except OSError as error:
            raise _Unreadable(error) from None


class Decompressed(io.RawIOBase):
    """The text of the compressed stream `raw` (seekable, at the start of the compressed data), in
    format `name`: a read-only binary stream that seeks, as `counting/reader.py` needs to read a file again
    with another codec. Seeking back starts a fresh decompressor on the stream's start, so that
    memory stays bounded whatever the file's size (Zstandard's readers only go forward).

    `fault` says, in our words, why the text ended early (truncated or corrupt data), else None;
    `stored` is how many compressed bytes were read. Reading past `limit` bytes of text (None:
    no limit) raises TooLarge.
    """

    def __init__(self, raw: BinaryIO, name: str, limit: int | None = None) -> None:
        super().__init__()
        self.raw = raw
        self.format = name
        self.limit = limit
        self.origin = raw.tell()
        self.errors = _data_errors(name)
        self.fault: str | None = None
        self.position = 0
        self.reader = self._start()

    def _start(self) -> Any:
        """A fresh decompressor at the start of the compressed data."""
        self.raw.seek(self.origin)
        self.position = 0
        self.fault = None
        try:
            return _reader(self.format, _Source(self.raw))
        except _Unreadable as unreadable:
            raise unreadable.error from None

    @property
    def stored(self) -> int:
        """Compressed bytes read so far (all of them once the text was read to its end)."""
        return self.raw.tell() - self.origin

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes of text (all that is left: -1 or None), fewer only at its end."""
        wanted = sys.maxsize if size is None or size < 0 else size
        parts: list[bytes] = []
        while wanted > 0 and self.fault is None:
            data = self._step(min(wanted, STEP))
            if not data:
                break
            parts.append(data)
            wanted -= len(data)
            self.position += len(data)
            if self.limit is not None and self.position > self.limit:
                raise TooLarge(f"more than {self.limit} bytes once decompressed")
        return b"".join(parts)

    def _step(self, size: int) -> bytes:
        """One call of the decompressor; a fault of the data ends the text (`fault`)."""
        try:
            return self.reader.read(size)  # type: ignore[no-any-return]
        except _Unreadable as unreadable:
            raise unreadable.error from None
        except self.errors as error:
            self.fault = describe(self.format, error)
            return b""

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Go to `offset` bytes into the text (from its start only): forward by reading, back by
        starting again."""
        if whence != io.SEEK_SET or offset < 0:
            raise io.UnsupportedOperation("decompressed text seeks only to an offset from its start")
        if offset < self.position:
            self.reader.close()
            self.reader = self._start()
        while self.position < offset and self.read(min(offset - self.position, STEP)):
            pass
        return self.position

    def close(self) -> None:
        if not self.closed:
            self.reader.close()
        super().close()


class StoredProgress:
    """Progress of a compressed file told in its bytes as stored, as a run's progress is sized
    (the bar ends at 100%), where the counter tells bytes of text."""

    def __init__(self, progress: Progress, text: Decompressed) -> None:
        self.progress = progress
        self.text = text
        self.shown = self.words = 0

    def add(self, files: int, nbytes: int, words: int) -> None:
        stored = self.text.stored
        self.progress.add(files, stored - self.shown, words)
        self.shown = stored
        self.words += words

    def void(self) -> None:
        """Take back what was told: the file was not counted after all."""
        self.progress.add(0, -self.shown, -self.words)
        self.shown = self.words = 0


def describe(name: str, error: BaseException) -> str:
    """A fault of compressed data in our words, naming the format."""
    if isinstance(error, EOFError):
        return f"truncated {name} data: it ends before the end of the compressed stream; counted what was read"
    detail = str(error) or type(error).__name__
    return f"not valid {name} data: {detail}; counted what was read"

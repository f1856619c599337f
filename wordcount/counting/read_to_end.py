"""A file read as GNU wc reads it: to its end, whatever its size says; and whether it changed
while it was read.

A procfs file says its size is 0 and a sysfs one 4096, whatever they hold; a pipe has no size;
a read of any of them may give less than asked before the end. So a size by fstat is never
what is read, only where a read that gives less than asked may be taken for the end, which
spares a small regular file a second read. A file changed while it was read when its size or
modification time moved meanwhile: `_core.c` reads and judges the same way.
"""

from __future__ import annotations

import io
import os
import stat
from typing import Any, BinaryIO, cast


def to_end(stream: BinaryIO) -> tuple[BinaryIO, os.stat_result | None]:
    """The stream to read, to its end (a raw one is wrapped in `ToEnd`), and its status by fstat
    now, before it is read (None when it is not a file: an in-memory stream)."""
    try:
        opened: os.stat_result | None = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        opened = None
    if not isinstance(stream, io.RawIOBase):  # a buffered stream's short read is its end already
        return stream, opened
    sized = opened is not None and stat.S_ISREG(opened.st_mode)
    return cast(BinaryIO, ToEnd(stream, opened.st_size if opened is not None and sized else None)), opened


def changed_while_read(opened: os.stat_result, read: os.stat_result) -> bool:
    """Whether a file changed between `opened` (its status then) and `read` (once read): its
    size or its modification time moved. A size that is not what was read, unchanged, says
    nothing of the file: procfs files say 0, sysfs ones 4096."""
    return (opened.st_size, opened.st_mtime_ns) != (read.st_size, read.st_mtime_ns)


class ToEnd:
    """A raw stream, each read of which gives what one system call gives, read to its end. A
    read that gives less than asked is the end only at `end`, the size of a regular file by
    fstat; elsewhere (a pipe; a procfs or sysfs file; a file that grew) it reads on, until a
    read gives nothing. A regular file whose size is right takes no more reads than before."""

    def __init__(self, raw: io.RawIOBase, end: int | None) -> None:
        self.raw = raw
        self.end = end

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size) or b""
        while 0 < len(data) < size and (self.end is None or self.raw.tell() != self.end):
            more = self.raw.read(size - len(data))
            if not more:
                break
            data += more
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)

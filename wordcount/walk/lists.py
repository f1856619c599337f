"""What to count besides the paths given: lists of file names (`--files0-from=F`, `--files-from=F`),
read as GNU wc reads them, and standard input when no path is given and it holds something.

`--files0-from` takes names ended by NUL bytes (`find … -print0`), the last one's NUL optional;
`--files-from` takes one name a line, empty lines skipped. `-` reads the list from standard
input, where a name `-` cannot then mean standard input too. As in wc, a list that cannot be
opened stops the run (a usage error), while an entry that is no file name (an empty one, `-`
from standard input) is that entry's error and the other names are counted.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from typing import Any

from wordcount.model import STDIN, Failed
from wordcount.streams import standard_input
from wordcount.messages import os_message


class ListError(Exception):
    """The list itself cannot be read; the message says why, in wc's words."""


@dataclass(frozen=True, slots=True)
class Names:
    """The names of a list, in order, and its entries that are no file name."""

    paths: tuple[str, ...]
    problems: tuple[Failed, ...]
    streamed: bool = False  # read as a stream: wc then sizes no column beforehand (`--format wc`)


SIZED_LIST_BYTES = 10 * 1024 * 1024  # wc reads a regular list up to this size at once, and sizes its columns


def _read(source: str) -> tuple[bytes, bool]:
    """The list's bytes, and whether wc would have read it as a stream (not a regular file of
    at most SIZED_LIST_BYTES)."""
    try:
        if source == STDIN:
            stream = standard_input()
            return stream.read(), _streamed(stream)
        with open(source, "rb") as handle:
            return handle.read(), _streamed(handle)
    except OSError as error:
        raise ListError(f"cannot open {source!r} for reading: {os_message(error)}") from None
    except ValueError:  # a NUL in the list's own name
        raise ListError(f"cannot open {source!r} for reading: not a file name") from None


def _streamed(stream: Any) -> bool:
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):  # not a file (a test's in-memory standard input)
        return True
    return not stat.S_ISREG(info.st_mode) or info.st_size > SIZED_LIST_BYTES


def read_names(source: str, nul: bool) -> Names:
    """The names listed in `source` (`-`: standard input), NUL-ended when `nul`, else one a line."""
    data, streamed = _read(source)
    separator = b"\0" if nul else b"\n"
    records = data.split(separator)
    if records and records[-1] == b"":
        records.pop()  # the separator after the last name (it may be left out)
    shown = STDIN if source == STDIN else source
    paths: list[str] = []
    problems: list[Failed] = []
    for number, record in enumerate(records, 1):
        if not record:
            if nul:
                problems.append(Failed(f"{shown}:{number}", "invalid zero-length file name"))
            continue
        if b"\0" in record:
            problems.append(Failed(f"{shown}:{number}", "invalid file name: it holds a NUL byte"))
        elif record == b"-" and source == STDIN:
            problems.append(Failed(STDIN, "when reading file names from standard input, no file name of '-' allowed"))
        else:
            paths.append(os.fsdecode(record))
    return Names(tuple(paths), tuple(problems), streamed)


def readable_stdin() -> bool:
    """Whether standard input is there to be counted when no path is given, as ripgrep decides
    (grep-cli's `is_readable_stdin`): a pipe, a regular file or a socket that is no terminal.
    A terminal, a device (`/dev/null`), a closed descriptor or a stream without one (a test
    runner's) is not: the current folder is counted instead."""
    stream = sys.stdin
    try:
        descriptor = stream.fileno()
        if os.isatty(descriptor):
            return False
        mode = os.fstat(descriptor).st_mode
    except (OSError, ValueError, AttributeError):  # closed (None at start-up), or no descriptor
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode)

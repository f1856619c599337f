"""The standard streams, which whoever started the tool may have closed (`<&-`, `>&-`, `2>&-`).

Python leaves `sys.stdin`, `sys.stdout` or `sys.stderr` None for a descriptor closed at start-up:
that None is how the rest of the run knows (no report on a closed stdout, nothing said on a closed
stderr, a closed stdin read as "Bad file descriptor", as wc says). Standard library only: the
counting code imports it.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import BinaryIO

_MODES = ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY))


def reserve() -> None:
    """Give each closed standard descriptor /dev/null, as OpenSSH and SQLite do: otherwise the
    next file opened (the cache, the report's temporary file) takes its number, and what a child
    process or a C library writes to "standard error" lands in that file. `sys.std*` stay None."""
    for descriptor, mode in _MODES:
        try:
            os.fstat(descriptor)
        except OSError:
            opened = os.open(os.devnull, mode)  # the lowest free number: this one, the lower are open
            if opened != descriptor:
                os.dup2(opened, descriptor)
                os.close(opened)
            os.set_inheritable(descriptor, True)


def standard_input() -> BinaryIO:
    """Standard input's bytes; an OSError (EBADF) when it was closed."""
    if sys.stdin is None:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))
    return sys.stdin.buffer

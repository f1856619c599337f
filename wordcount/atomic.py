"""Writing a file so that a reader sees the old contents or the new, never half of either."""

from __future__ import annotations

import os
import stat
import tempfile


def check_writable(path: str) -> str | None:
    """Why a file could not be written at `path` (without writing it), or None if it can."""
    if not path:
        return "the file name is empty"
    if "\0" in path:
        return f"a file name cannot hold a NUL character: {path!r}"
    if path.endswith((os.sep, "/")):
        return f"names a folder, not a file: {path}"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"folder does not exist: {folder}"
    if os.path.isdir(path):
        return f"is a folder: {path}"
    if os.path.exists(path) and not os.path.isfile(path):  # a device or a FIFO: written in place
        return None if os.access(path, os.W_OK) else f"cannot be written: {path}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"folder is not writable: {folder}"
    try:
        longest = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        longest = 255
    if len(os.fsencode(os.path.basename(path))) > longest:
        return f"the file name is longer than the {longest} bytes the folder allows: {path}"
    return None


def write_atomically(path: str, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it over.

    On any failure the temporary file is removed and `path` is left as it was. A `path` that
    exists and is not a regular file (`/dev/stdout`, a FIFO) is written to as it is, as a shell's
    `>` would: renaming over it would replace a device with a file.
    """
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        special = False
    if special:
        with open(path, "wb") as handle:
            handle.write(data)
        return
    folder = os.path.dirname(os.path.abspath(path))
    # The temporary name keeps a short prefix of the name, so that it is never the longer one.
    descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)[:64]}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it 0600; give it a normal file's mode
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise

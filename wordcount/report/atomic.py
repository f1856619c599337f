"""Writing a file so that a reader sees the old contents or the new, never half of either.

A symbolic link is followed to the file it names (which is written, the link kept), and a file
that is replaced keeps its mode, and its owner and group where this process may give them (as
`sed -i --follow-symlinks` does); a new file gets the mode a shell's `>` would give it.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat


def target(path: str) -> str:
    """The file that writing `path` writes: `path` with its symbolic links followed, to the file
    the last one names whether it exists or not (a dangling link: its target). OSError (ELOOP)
    for a loop of links."""
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise
    return os.path.realpath(path)


def check_writable(path: str) -> str | None:
    """Why a file could not be written at `path` (without writing it), or None if it can."""
    if not path:
        return "the file name is empty"
    if "\0" in path:
        return f"a file name cannot hold a NUL character: {path!r}"
    if path.endswith((os.sep, "/")):
        return f"names a folder, not a file: {path}"
    if _special(path):  # a device or a FIFO: written in place
        return None if os.access(path, os.W_OK) else f"cannot be written: {path}"
    try:
        path = target(path)
    except OSError:
        return f"a loop of symbolic links: {path}"
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        return f"folder does not exist: {folder}"
    if os.path.isdir(path):
        return f"is a folder: {path}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"folder is not writable: {folder}"
    try:
        longest = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        longest = 255
    if len(os.fsencode(os.path.basename(path))) > longest:
        return f"the file name is longer than the {longest} bytes the folder allows: {path}"
    return None


def _special(path: str) -> bool:
    """Whether `path` names something that is there and is not a regular file or a folder
    (`/dev/stdout`, a FIFO): written to as it is, as a shell's `>` would."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def write_atomically(path: str, data: bytes) -> None:
    """Write `data` to a temporary file beside the file `path` names (see `target`), flush it to
    disk, then rename it over that file.

    On any failure the temporary file is removed and the file is left as it was. A `path` that
    is not a regular file (`/dev/stdout`, a FIFO) is written to in place: renaming over it would
    replace a device with a file.
    """
    if _special(path):
        with open(path, "wb") as handle:
            handle.write(data)
        return
    path = target(path)
    try:
        replaced: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        replaced = None
    descriptor, temporary = _create_beside(path)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if replaced is not None:
                _take_over(handle.fileno(), replaced)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _create_beside(path: str) -> tuple[int, str]:
    """A new, empty temporary file in `path`'s folder, open for writing, and its name.

    Created with mode 0666 less the umask (as a shell's `>` creates a file), not mkstemp's 0600.
    The name keeps a short prefix of `path`'s, so that it is never the longer one."""
    folder, name = os.path.split(path)
    for _ in range(100):
        temporary = os.path.join(folder, f".{name[:64]}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", folder)


def _take_over(descriptor: int, replaced: os.stat_result) -> None:
    """Give the new file the mode of the one it replaces, and its owner and group where this
    process may (root; else the group, if the user is in it), as `sed -i` does."""
    try:
        os.fchown(descriptor, replaced.st_uid, replaced.st_gid)
    except OSError:
        try:
            os.fchown(descriptor, -1, replaced.st_gid)
        except OSError:
            pass
    os.fchmod(descriptor, stat.S_IMODE(replaced.st_mode))  # after chown, which may clear set-id bits

"""What git tracks in a work tree: the paths of its index, read from the index file itself.

Git's ignore rules apply only to files git does not track (gitignore(5): "files already tracked
by Git are not affected"), so the walk asks this module before it leaves out a file or a folder
that an ignore rule matches. The index is read as git's documented format has it
(gitformat-index(5): versions 2, 3 and 4, SHA-1 or SHA-256 object names, sparse directory
entries); an index this reader does not take (a split index) is listed by `git ls-files`, and
a work tree whose index can be read neither way tracks nothing, as before git was asked.
"""

from __future__ import annotations

import bisect
import os
import struct
import subprocess
from dataclasses import dataclass

from wordcount import gitignore

_HEADER = struct.Struct(">4sLL")
_FIXED = 40  # ctime, mtime (seconds and nanoseconds), dev, ino, mode, uid, gid, size
_EXTENDED = 0x40  # in the first byte of an entry's flags: two more bytes of flags follow (version 3 and up)


class Unreadable(Exception):
    """An index this reader does not take; `git ls-files` may."""


@dataclass(frozen=True, slots=True)
class Tracked:
    """The paths a work tree's index holds, '/'-separated, relative to its top and sorted: its
    files, its submodules (folders on disk) and its sparse folders (ending in '/', tracked whole).
    Asked only about paths an ignore rule matches, so a sorted tuple and a binary search serve."""

    paths: tuple[str, ...] = ()

    def holds(self, path: str, is_dir: bool) -> bool:
        """Whether git tracks the file `path`, or, for a folder, anything in it."""
        paths = self.paths
        at = bisect.bisect_left(paths, path)
        if at < len(paths) and paths[at] == path:
            return True
        if not is_dir:
            return False
        below = path + "/"
        at = bisect.bisect_left(paths, below, at)
        return at < len(paths) and paths[at].startswith(below)


NOTHING = Tracked()


def tracked(top: str) -> Tracked:
    """The paths tracked in the work tree whose top is `top` (NOTHING when it has no index)."""
    where = gitignore.git_dir(top)
    if where is None:
        return NOTHING
    index = os.path.join(where, "index")
    try:
        with open(index, "rb") as handle:
            data = handle.read()
    except OSError:
        return NOTHING  # a repository with nothing added yet has no index
    try:
        names = read_index(data, _hash_size(where))
    except Unreadable:
        names = _listed(top)
    return _tracked(names)


def _hash_size(where: str) -> int:
    """The length of an object name in the repository: 32 bytes for SHA-256, else 20 (SHA-1)."""
    kind = gitignore.config_value(os.path.join(gitignore.common_dir(where), "config"), "extensions", "objectformat")
    return 32 if (kind or "").lower() == "sha256" else 20


def read_index(data: bytes, hash_size: int = 20) -> list[bytes]:
    """The path of every entry of an index file's bytes, in the index's order (a path in
    conflict comes once per stage; a sparse folder's ends in '/'). Raises Unreadable for what
    this reader does not take."""
    if len(data) < _HEADER.size:
        raise Unreadable("too short")
    signature, version, count = _HEADER.unpack_from(data)
    if signature != b"DIRC" or version not in (2, 3, 4):
        raise Unreadable(f"not an index of version 2, 3 or 4 ({signature!r}, {version})")
    read = _prefixed if version == 4 else _padded
    try:
        names, at = read(data, count, _FIXED + hash_size)
    except (IndexError, ValueError):
        raise Unreadable("an entry runs past the end") from None
    if _has_extension(data, at, hash_size, b"link"):
        raise Unreadable("a split index")  # its entries are shared with another file
    return names


def _padded(data: bytes, count: int, flags_at: int) -> tuple[list[bytes], int]:
    """The names of `count` entries of versions 2 and 3 (each padded with 1 to 8 NULs to a
    multiple of 8 bytes), and where the bytes after them begin. Hot: 80,000 entries for Linux."""
    names: list[bytes] = []
    append, find, at = names.append, data.index, _HEADER.size
    for _ in range(count):
        start = at + flags_at + (4 if data[at + flags_at] & _EXTENDED else 2)
        end = find(b"\0", start)
        append(data[start:end])
        at += (end - at + 8) & ~7
    return names, at


def _prefixed(data: bytes, count: int, flags_at: int) -> tuple[list[bytes], int]:
    """The names of `count` entries of version 4 (each name the previous one less N bytes, and
    what follows), and where the bytes after them begin."""
    names: list[bytes] = []
    at, previous = _HEADER.size, b""
    for _ in range(count):
        strip, start = _varint(data, at + flags_at + (4 if data[at + flags_at] & _EXTENDED else 2))
        end = data.index(b"\0", start)
        previous = previous[: len(previous) - strip] + data[start:end]
        names.append(previous)
        at = end + 1
    return names, at


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """Git's offset varint (index version 4) at `at`: its value, and where the bytes after it begin."""
    byte = data[at]
    value = byte & 0x7F
    at += 1
    while byte & 0x80:
        byte = data[at]
        value = ((value + 1) << 7) | (byte & 0x7F)
        at += 1
    return value, at


def _has_extension(data: bytes, at: int, hash_size: int, signature: bytes) -> bool:
    """Whether the extensions between `at` and the trailing checksum include `signature`."""
    end = len(data) - hash_size
    while at + 8 <= end:
        kind, size = struct.unpack_from(">4sL", data, at)
        if kind == signature:
            return True
        at += 8 + size
    return False


def _listed(top: str) -> list[bytes]:
    """The index's paths as `git ls-files` lists them; none when git is missing or fails."""
    try:
        done = subprocess.run(
            ["git", "-C", top, "ls-files", "-z", "--cached"],
            capture_output=True, check=True, timeout=120, env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return [name for name in done.stdout.split(b"\0") if name]


def _tracked(names: list[bytes]) -> Tracked:
    """The paths as the walk names them (str, undecodable bytes kept as surrogates), sorted."""
    if not names:
        return NOTHING
    text = os.fsdecode(b"\0".join(names))
    return Tracked(tuple(sorted(text.split("\0"))))  # sorted already, bar undecodable bytes

"""Which files take part: walking, .gitignore and .ignore, hidden files, globs, links, specials.

The walk never opens a file's contents. It yields a `FileEntry` for every file to count, a
`Skipped` for what it meets and will not count for a reason of its own (a special file, a
link not followed, a link loop, a file over `max_filesize`), and a `Failed` for a folder it
cannot read. Hidden, ignored
and excluded entries are left out silently: the user asked for that.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wordcount.results import STDIN, Failed, FileEntry, Skipped

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

IGNORE_FILES = (".gitignore", ".ignore")


def _spec(lines: list[str]) -> GitIgnoreSpec:
    """Compile gitignore-style lines; pathspec is imported only when a tree has such rules."""
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


@dataclass(frozen=True, slots=True)
class WalkOptions:
    """The user's choices about which files take part."""

    hidden: bool = False
    use_ignore_files: bool = True
    excludes: tuple[str, ...] = ()
    max_depth: int | None = None
    follow_links: bool = False
    max_filesize: int | None = None  # bytes; larger files are skipped as "too-large"


@dataclass(frozen=True, slots=True)
class _Rules:
    """The patterns of one ignore file, and how to name a walked path relative to its folder.

    A path `rel` (relative to the walk's root, '/'-separated) is matched as
    `prefix + rel[strip:]`: rules found inside the walk strip their folder's part of `rel`,
    rules found above the root prepend the root's place below them.
    """

    spec: GitIgnoreSpec
    strip: int = 0
    prefix: str = ""

    def check(self, rel: str) -> bool | None:
        """True: ignored; False: re-included by a `!` pattern; None: no pattern matched."""
        return self.spec.check_file(self.prefix + rel[self.strip :]).include


Chain = tuple[_Rules, ...]


def discover(paths: Sequence[str], options: WalkOptions) -> Iterator[FileEntry | Skipped | Failed]:
    """Walk every path in order; each file is yielded once, under the first path it was met by."""
    seen: set[tuple[int, int]] = set()
    exclude = _spec(list(options.excludes)) if options.excludes else None
    for root in paths:
        if root == STDIN:
            yield FileEntry(STDIN, 0)
            continue
        try:
            info = os.stat(root)  # a path that was named is followed even if it is a link
        except OSError as error:
            yield Failed(root, _message(error))
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _Walk(root, options, exclude, seen).run(info)
        elif _first_time(info, seen):
            if not stat.S_ISREG(info.st_mode):
                # A named special file (a pipe from `<(…)`) is read as it is, like `wc` does.
                yield FileEntry(root, 0)
            else:
                yield _sized(root, info, options)


def _sized(path: str, info: os.stat_result, options: WalkOptions) -> FileEntry | Skipped:
    """A regular file: to count, or too large to."""
    if options.max_filesize is not None and info.st_size > options.max_filesize:
        return Skipped(path, "too-large")
    return FileEntry(path, info.st_size, info.st_mtime_ns)


def _first_time(info: os.stat_result, seen: set[tuple[int, int]]) -> bool:
    key = (info.st_dev, info.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True


def _message(error: OSError) -> str:
    return error.strerror or str(error)


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special-file"


def _read_rules(path: str, strip: int = 0, prefix: str = "") -> _Rules | Failed:
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return _Rules(_spec(handle.read().splitlines()), strip, prefix)
    except OSError as error:
        return Failed(path, _message(error))


def _rules_above(root: str) -> Chain:
    """The ignore files of the folders above `root`, up to the top of its git repository.

    Outside a git repository nothing above the root applies, as with ripgrep.
    """
    here = os.path.abspath(root)
    if os.path.exists(os.path.join(here, ".git")):
        return ()
    folders = []
    current = here
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            return ()  # reached / without meeting a repository
        current = parent
        folders.append(current)
        if os.path.exists(os.path.join(current, ".git")):
            break
    chain: list[_Rules] = []
    for folder in reversed(folders):
        prefix = os.path.relpath(here, folder).replace(os.sep, "/") + "/"
        for name in IGNORE_FILES:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                rules = _read_rules(path, 0, prefix)
                if isinstance(rules, _Rules):
                    chain.append(rules)
    if _verdict("", tuple(chain)):
        # The root was named, so it is used even though these rules ignore it: drop the
        # patterns that ignore it (`build/` ignores all below it too); the rest still apply.
        chain = [_without_patterns_matching(rules, rules.prefix) for rules in chain]
    return tuple(chain)


def _without_patterns_matching(rules: _Rules, path: str) -> _Rules:
    """The same rules less the patterns that ignore `path`."""
    kept = [pattern for pattern in rules.spec.patterns if not (pattern.include and pattern.match_file(path))]
    return _Rules(type(rules.spec)(kept), rules.strip, rules.prefix)


def _verdict(rel: str, chain: Chain) -> bool:
    """Whether the ignore rules in `chain` ignore `rel`: the last rule that matches decides."""
    verdict = None
    for rules in chain:  # the deepest folder's rules come last and win, as in git
        answer = rules.check(rel)
        if answer is not None:
            verdict = answer
    return bool(verdict)


class _Walk:
    """One walk of one root folder."""

    def __init__(
        self, root: str, options: WalkOptions, exclude: GitIgnoreSpec | None, seen: set[tuple[int, int]]
    ) -> None:
        self.root = root
        self.options = options
        self.exclude = exclude
        self.seen = seen

    def _ignored(self, rel: str, chain: Chain) -> bool:
        if self.exclude is not None and self.exclude.match_file(rel):
            return True
        return _verdict(rel, chain)

    def run(self, info: os.stat_result) -> Iterator[FileEntry | Skipped | Failed]:
        options = self.options
        chain = _rules_above(self.root) if options.use_ignore_files else ()
        # (folder path, its path relative to the root with a trailing '/', depth, rules, ancestors)
        stack: list[tuple[str, str, int, Chain, frozenset[tuple[int, int]]]] = [
            (self.root, "", 0, chain, frozenset({(info.st_dev, info.st_ino)}))
        ]
        while stack:
            folder, rel, depth, chain, ancestors = stack.pop()
            try:
                with os.scandir(folder) as scan:
                    entries = sorted(scan, key=lambda entry: entry.name)
            except OSError as error:
                yield Failed(folder, _message(error))
                continue
            if options.use_ignore_files:
                names = {entry.name for entry in entries}
                for name in IGNORE_FILES:
                    if name in names:
                        rules = _read_rules(os.path.join(folder, name), len(rel))
                        if isinstance(rules, Failed):
                            yield rules
                        else:
                            chain = (*chain, rules)
            below: list[tuple[str, str, int, Chain, frozenset[tuple[int, int]]]] = []
            for entry in entries:
                found = self._visit(entry, rel, depth + 1, chain, ancestors)
                if isinstance(found, tuple):
                    below.append(found)
                elif found is not None:
                    yield found
            stack.extend(reversed(below))

    def _visit(
        self, entry: os.DirEntry[str], rel: str, depth: int, chain: Chain, ancestors: frozenset[tuple[int, int]]
    ) -> FileEntry | Skipped | Failed | tuple[str, str, int, Chain, frozenset[tuple[int, int]]] | None:
        """What one folder entry at `depth` gives: a file, a report, a folder to walk, or nothing."""
        options = self.options
        if options.max_depth is not None and depth > options.max_depth:
            return None
        name = entry.name
        if name.startswith(".") and (not options.hidden or (name == ".git" and options.use_ignore_files)):
            return None
        path = entry.path
        try:
            is_dir = entry.is_dir(follow_symlinks=options.follow_links)
        except OSError:
            is_dir = False
        entry_rel = rel + name
        if (chain or self.exclude is not None) and self._ignored(entry_rel + "/" if is_dir else entry_rel, chain):
            return None
        try:
            if entry.is_symlink():
                if not options.follow_links:
                    return Skipped(path, "symlink")
                info = os.stat(path)
            else:
                info = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            return Skipped(path, "broken-symlink")
        except OSError as error:
            if error.errno == errno.ELOOP:
                return Skipped(path, "symlink-loop")
            return Failed(path, _message(error))
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            key = (info.st_dev, info.st_ino)
            if key in ancestors:
                return Skipped(path, "symlink-loop")
            if options.max_depth is not None and depth >= options.max_depth:
                return None
            return (path, entry_rel + "/", depth, chain, ancestors | {key})
        if not stat.S_ISREG(mode):
            return Skipped(path, _special_kind(mode))
        if not _first_time(info, self.seen):
            return None
        return _sized(path, info, options)

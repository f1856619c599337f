"""Which files take part: walking, ignore files, hidden files, globs, types, links, specials.

The walk never opens a file's contents. It yields a `FileEntry` for every file to count, a
`Skipped` for what it meets and will not count for a reason of its own (a special file, a
link not followed, a link loop, a file over `max_filesize`), and a `Failed` for a folder it
cannot read. Hidden, ignored and excluded files and folders are left out, as the user asked,
and counted: one `LeftOut` at the end says how many (it is not yielded when none were).

Ignore rules are git's (`wordcount.walk.ignores`): `.gitignore` files, `.git/info/exclude` and the
global excludes file apply inside a git work tree only, unless `require_git` is off, and leave
alone what git tracks; `.ignore` files apply everywhere. An ignored folder is not walked, so
nothing below it can come back, but for the files git tracks in it.

The user's globs (`wordcount.globs`) are matched relative to the folder walked; `--exclude`
leaves out what it matches first, then `--glob` and `--type` decide as ripgrep's `-g` and `-t`
do (`globs.Overrides`, `filetypes.Types`). A file or folder named is always taken.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from wordcount import globs
from wordcount.walk import filetypes, ignores
from wordcount.walk.ignores import GITIGNORE, IGNORE_FILES, Chain, Repo
from wordcount.model import STDIN, Failed, FileEntry, LeftOut, Skipped
from wordcount.messages import os_message

Reason = Literal["hidden", "ignored", "excluded"]


@dataclass(frozen=True, slots=True)
class WalkOptions:
    """The user's choices about which files take part."""

    hidden: bool = False
    use_ignore_files: bool = True
    excludes: tuple[str, ...] = ()  # --exclude
    globs: tuple[str, ...] = ()  # --glob, in the order given
    types: tuple[filetypes.Selection, ...] = ()  # --type and --type-not, in the order given
    max_depth: int | None = None
    follow_links: bool = False
    max_filesize: int | None = None  # bytes; larger files are skipped as "too-large"
    require_git: bool = True  # git's ignore files apply only inside a git work tree


def discover(paths: Sequence[str], options: WalkOptions) -> Iterator[FileEntry | Skipped | Failed | LeftOut]:
    """Walk every path in order; each file is yielded once, under the first path it was met by.

    Ends with one `LeftOut` when the walks left anything out.
    """
    seen: set[tuple[int, int]] = set()
    left_out: Counter[str] = Counter()
    for root in paths:
        if root == STDIN:
            yield FileEntry(STDIN, 0)
            continue
        try:
            info = os.stat(root)  # a path that was named is followed even if it is a link
        except OSError as error:  # one that does not exist is its own error, and the rest are counted (as in wc)
            yield Failed(root, os_message(error))
            continue
        except ValueError:  # a NUL in the name
            yield Failed(root, "invalid file name: it holds a NUL byte")
            continue
        if stat.S_ISDIR(info.st_mode):
            # Within one walk that follows no link, only a file with several links is met twice.
            every = len(paths) > 1 or options.follow_links
            yield from _Walk(root, options, _filters(root, options), seen, left_out, every).run(info)
        elif _first_time(info, seen):
            if not stat.S_ISREG(info.st_mode):
                # A named special file (a pipe from `<(…)`) is read as it is, like `wc` does.
                yield FileEntry(root, 0)
            else:
                yield _sized(root, info, options)
    if left_out:
        yield LeftOut(left_out["hidden"], left_out["ignored"], left_out["excluded"])


@dataclass(frozen=True, slots=True)
class _Filters:
    """The user's globs and types, as matched below one folder given."""

    excludes: globs.Patterns = ()
    overrides: globs.Overrides | None = None
    types: filetypes.Types | None = None

    def __bool__(self) -> bool:
        return bool(self.excludes) or self.overrides is not None or self.types is not None


def _filters(root: str, options: WalkOptions) -> _Filters:
    where = globs.base(root)
    return _Filters(globs.excludes(options.excludes, where), globs.overrides(options.globs, where),
                    filetypes.compiled(options.types))


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


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "special-file"


@dataclass(frozen=True, slots=True)
class _Folder:
    """A folder to walk: its path, its path relative to the root ('' or ending in '/'), its
    depth, the rules that apply in it, the folders above it (to tell link loops), the git work
    tree it lies in (None: none), and whether git's rules ignore it (only what git tracks in it
    takes part)."""

    path: str
    rel: str
    depth: int
    chain: Chain
    ancestors: frozenset[tuple[int, int]]
    repo: Repo | None
    only_tracked: bool = False

    def below(self, path: str, name: str, key: tuple[int, int], only_tracked: bool) -> _Folder:
        """The folder `name` in this one."""
        return _Folder(path, self.rel + name + "/", self.depth + 1, self.chain, self.ancestors | {key}, self.repo,
                       only_tracked)


class _Walk:
    """One walk of one root folder; what it leaves out is added up in `left_out`."""

    def __init__(
        self,
        root: str,
        options: WalkOptions,
        filters: _Filters,
        seen: set[tuple[int, int]],
        left_out: Counter[str],
        every: bool = True,
    ) -> None:
        self.root = root
        self.options = options
        self.filters = filters
        self.filtering = bool(filters)  # asked for every entry: once here
        self.seen = seen  # the files met, when `every`; else only those with several links
        self.every = every
        self.left_out = left_out

    def run(self, info: os.stat_result) -> Iterator[FileEntry | Skipped | Failed]:
        """Walk depth first, each folder's entries in name order (the order is the output's)."""
        chain, repo = ignores.rules_above(self.root) if self.options.use_ignore_files else ((), None)
        stack = [_Folder(self.root, "", 0, chain, frozenset({(info.st_dev, info.st_ino)}), repo)]
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(folder.path) as scan:
                    entries = sorted(scan, key=lambda entry: entry.name)
            except OSError as error:
                yield Failed(folder.path, os_message(error))
                continue
            if self.options.use_ignore_files:
                folder, failures = self._with_rules(folder, {entry.name for entry in entries})
                yield from failures
            below: list[_Folder] = []
            for entry in entries:
                found = self._visit(entry, folder)
                if isinstance(found, _Folder):
                    below.append(found)
                elif isinstance(found, str):
                    self.left_out[found] += 1
                elif found is not None:
                    yield found
            stack.extend(reversed(below))

    def _with_rules(self, folder: _Folder, names: set[str]) -> tuple[_Folder, list[Failed]]:
        """`folder` with the rules of its own ignore files added, and those that could not be read.

        A `.git` in it makes it the top of a work tree of its own, as git and ripgrep take it:
        git's rules from above stop there, its own excludes and index apply below it (the
        root's were read with the rules above it).
        """
        chain, repo, only_tracked, failures = list(folder.chain), folder.repo, folder.only_tracked, []
        if ".git" in names and folder.depth > 0:
            repo, only_tracked = Repo(folder.path, len(folder.rel)), False
            chain = [rules for rules in chain if not rules.git]
            chain += ignores.git_excludes(folder.path, len(folder.rel), "")
        for name in IGNORE_FILES:
            if name not in names or (name == GITIGNORE and repo is None and self.options.require_git):
                continue
            rules = ignores.read_rules(os.path.join(folder.path, name), len(folder.rel), git=name == GITIGNORE)
            if isinstance(rules, Failed):
                failures.append(rules)
            else:
                chain.append(rules)
        folder = _Folder(folder.path, folder.rel, folder.depth, tuple(chain), folder.ancestors, repo, only_tracked)
        return folder, failures

    def _reason(self, entry: os.DirEntry[str], folder: _Folder, is_dir: bool) -> Reason | Literal["tracked-only"] | None:
        """Why the user's filters leave this entry out, the first reason that applies; or None
        (or, for a folder git ignores that holds tracked files, "tracked-only")."""
        options, filters, name = self.options, self.filters, entry.name
        depth = folder.depth + 1
        if options.max_depth is not None and (depth > options.max_depth or (is_dir and depth == options.max_depth)):
            return "excluded"  # too deep, or a folder whose contents would be
        if name == ".git" and options.use_ignore_files:
            return "ignored" if options.hidden else "hidden"
        hidden = name.startswith(".") and not options.hidden
        if hidden and filters.overrides is None and filters.types is None:
            return "hidden"  # nothing could take it back
        if not self.filtering and not folder.chain and not folder.only_tracked:
            return None
        rel = folder.rel + name
        if filters.excludes and globs.excluded(filters.excludes, rel, is_dir):
            return "excluded"
        if filters.overrides is not None and (taken := filters.overrides.verdict(rel, is_dir)) is not None:
            return None if taken else "excluded"  # as ripgrep's -g: nothing else has a say
        typed = None if is_dir or filters.types is None else filters.types.verdict(name)
        if hidden and not typed:
            return "hidden"  # a file a --type keeps is taken hidden or not, as in ripgrep
        if folder.chain or folder.only_tracked:
            verdict = ignores.verdict(rel, is_dir, folder.chain, folder.repo, folder.only_tracked)
            if verdict == "ignored" or verdict == "tracked-only":
                return verdict
        return "excluded" if typed is False else None

    def _visit(self, entry: os.DirEntry[str], folder: _Folder) -> FileEntry | Skipped | Failed | _Folder | Reason | None:
        """What one entry of `folder` gives: a file, a report, a folder to walk, the reason it
        is left out, or nothing (a file already met)."""
        options = self.options
        try:
            is_dir = entry.is_dir(follow_symlinks=options.follow_links)
        except OSError:
            is_dir = False
        reason = self._reason(entry, folder, is_dir)
        if reason is not None and reason != "tracked-only":
            return reason
        path = entry.path
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
            return Failed(path, os_message(error))
        return self._classify(path, info, folder, entry.name, reason == "tracked-only")

    def _classify(self, path: str, info: os.stat_result, folder: _Folder, name: str,
                  only_tracked: bool = False) -> FileEntry | Skipped | _Folder | Reason | None:
        """A stat'ed entry: a folder to walk (or a loop, or too deep), a special file, or a file.
        `only_tracked`: a folder git ignores, walked for the files it tracks."""
        mode = info.st_mode
        depth = folder.depth + 1
        if stat.S_ISDIR(mode):
            key = (info.st_dev, info.st_ino)
            if key in folder.ancestors:
                return Skipped(path, "symlink-loop")
            if self.options.max_depth is not None and depth >= self.options.max_depth:
                return "excluded"
            return folder.below(path, name, key, only_tracked)
        if not stat.S_ISREG(mode):
            return Skipped(path, _special_kind(mode))
        if (self.every or info.st_nlink > 1) and not _first_time(info, self.seen):
            return None
        return _sized(path, info, self.options)

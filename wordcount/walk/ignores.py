"""The ignore rules that apply in a folder of a walk, and what git tracks there.

Ignore rules are git's (`wordcount.gitignore`): `.gitignore` files, `.git/info/exclude` and the
global excludes file apply inside a git work tree only, unless `require_git` is off; `.ignore`
files apply everywhere. Git's own rules leave out only what git does not track: a tracked file
that they match takes part, and so does a folder they match that holds tracked files (what it
holds that git does not track stays out), as `git ls-files --cached --others --exclude-standard`
lists them. `.ignore` files are the search tools' and apply to tracked files too (as ripgrep's).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from wordcount import gitignore
from wordcount.walk import gitindex
from wordcount.model import Failed
from wordcount.messages import os_message

GITIGNORE = ".gitignore"
DOT_IGNORE = ".ignore"
IGNORE_FILES = (GITIGNORE, DOT_IGNORE)

Verdict = Literal["keep", "ignored", "tracked-only"]  # tracked-only: a folder git ignores, walked for what it tracks


@dataclass(frozen=True, slots=True)
class Rules:
    """The patterns of one ignore file, and how to name a walked path relative to its folder.

    A path `rel` (relative to the walk's root, '/'-separated) is matched as
    `prefix + rel[strip:]`: rules found inside the walk strip their folder's part of `rel`,
    rules found above the root prepend the root's place below them. `git`: the rules are git's
    (a `.gitignore` or an excludes file), which leave tracked files alone.
    """

    patterns: tuple[gitignore.Pattern, ...]
    strip: int = 0
    prefix: str = ""
    git: bool = True

    def check(self, rel: str, is_dir: bool) -> bool | None:
        """True: ignored; False: re-included by a `!` pattern; None: no pattern matched."""
        path = self.prefix + rel[self.strip :]
        for pattern in reversed(self.patterns):  # the last pattern that matches decides
            if pattern.matches(path, is_dir):
                return not pattern.negated
        return None


Chain = tuple[Rules, ...]


class Repo:
    """A git work tree met by a walk: the paths its index tracks, read the first time a rule
    ignores something in it (most walks never need them). A walked path `rel` is `prefix +
    rel[strip:]` in the work tree, as for `Rules`."""

    __slots__ = ("top", "strip", "prefix", "_tracked")

    def __init__(self, top: str, strip: int = 0, prefix: str = "") -> None:
        self.top, self.strip, self.prefix = top, strip, prefix
        self._tracked: gitindex.Tracked | None = None

    def holds(self, rel: str, is_dir: bool) -> bool:
        """Whether git tracks the file at `rel`, or, for a folder, anything in it."""
        if self._tracked is None:
            self._tracked = gitindex.tracked(self.top)
        return self._tracked.holds(self.prefix + rel[self.strip :], is_dir)


def read_rules(path: str, strip: int = 0, prefix: str = "", git: bool = True) -> Rules | Failed:
    """An ignore file's rules, read as git reads them: UTF-8 (other bytes kept as they are),
    a byte order mark skipped, lines ending in `\\n` or `\\r\\n`."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        return Failed(path, os_message(error))
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    return Rules(gitignore.parse(lines), strip, prefix, git)


def work_tree_top(folder: str) -> str | None:
    """The top of the git work tree `folder` lies in (the nearest folder up holding a `.git`),
    or None outside any work tree."""
    current = os.path.abspath(folder)
    while True:
        if os.path.lexists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def git_excludes(top: str, strip: int, prefix: str) -> Chain:
    """The global excludes file and `info/exclude` of the work tree at `top`, when they exist."""
    chain = []
    for path in gitignore.exclude_files(top):
        if os.path.isfile(path):
            rules = read_rules(path, strip, prefix)
            if isinstance(rules, Rules):
                chain.append(rules)
    return tuple(chain)


def rules_above(root: str) -> tuple[Chain, Repo | None]:
    """The rules that apply to `root` from above it, and the work tree it lies in (None: none).

    Inside a work tree: the global excludes file, `info/exclude`, then the ignore files of the
    folders from the top of the work tree down to `root`'s parent. Outside one, nothing above
    the root applies (as with ripgrep). The root itself is walked even if these rules ignore
    it: it was named.
    """
    top = work_tree_top(root)
    if top is None:
        return (), None
    here = os.path.abspath(root)
    prefix = "" if here == top else os.path.relpath(here, top).replace(os.sep, "/") + "/"
    chain = list(git_excludes(top, 0, prefix))
    folder = here
    folders = []
    while folder != top:
        folder = os.path.dirname(folder)
        folders.append(folder)
    for folder in reversed(folders):
        below = os.path.relpath(here, folder).replace(os.sep, "/") + "/"
        for name in IGNORE_FILES:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and isinstance(rules := read_rules(path, 0, below, name == GITIGNORE), Rules):
                chain.append(rules)
    return tuple(chain), Repo(top, 0, prefix)


def ignored_by(rel: str, is_dir: bool, chain: Chain) -> bool:
    """Whether the ignore rules in `chain` ignore `rel`: the last rule that matches decides."""
    for rules in reversed(chain):  # the deepest folder's rules come last and win, as in git
        answer = rules.check(rel, is_dir)
        if answer is not None:
            return answer
    return False


def verdict(rel: str, is_dir: bool, chain: Chain, repo: Repo | None, only_tracked: bool) -> Verdict:
    """What the ignore rules make of `rel`, with what git tracks: kept, ignored, or (a folder
    git's rules ignore that holds tracked files) walked for its tracked files only.
    `only_tracked`: `rel` lies in such a folder, where git ignores whatever it does not track."""
    if not only_tracked and not ignored_by(rel, is_dir, chain):
        return "keep"
    if repo is None or not repo.holds(rel, is_dir):
        return "ignored"
    if ignored_by(rel, is_dir, tuple(rules for rules in chain if not rules.git)):
        return "ignored"  # an `.ignore` file leaves it out, tracked or not
    return "tracked-only" if is_dir else "keep"

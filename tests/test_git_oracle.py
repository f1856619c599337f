"""Git is the oracle: random trees and random ignore rules, walked by wordcount and listed by git.

Each example builds a small tree in a fresh git repository, with `.gitignore` files in random
folders, a `.git/info/exclude` and a global excludes file (through `GIT_CONFIG_GLOBAL`), all
drawn from a grammar of the constructs that matter: negation, `**`, anchoring, trailing `/`,
character classes, escaped `\\#` and `\\ `, trailing spaces, comments; some of its files are
in git's index, which the rules leave alone. The files wordcount counts must be exactly those
`git ls-files --cached --others --exclude-standard` lists, less hidden ones (wordcount leaves
those out unless `--hidden`). Nested repositories and submodules are compared with git run in
each of them.

A folder named on the command line is walked as git answers for it (`git ls-files -- d`):
compared when git does not ignore the folder itself, since wordcount always walks a folder
it is given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wordcount.walk.discover import WalkOptions, discover
from wordcount.model import FileEntry

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

DIRS = ("d", "e")
FILES = ("a.txt", "b.txt", "c.bin", "#n.txt", "t ", "x")
SEGMENTS = (
    "d", "e", "a.txt", "c.bin", "x", "*", "**", "*.txt", "?.txt", "[ab].txt", "[!a]*",
    "\\#n.txt", "#n.txt", "t\\ ", "t", "d*", "e/**", "[[:lower:]].txt", "a**", "[b-a].txt",
)


@dataclass(frozen=True)
class Case:
    """One example: the files, the ignore files' lines by folder, the two repository-wide lists,
    and the files added to git's index."""

    files: frozenset[str]
    ignores: Mapping[str, tuple[str, ...]]  # folder ('' = top) -> lines of its .gitignore
    info_exclude: tuple[str, ...]
    global_excludes: tuple[str, ...]
    tracked: frozenset[str] = frozenset()


@st.composite
def patterns(draw: st.DrawFn) -> str:
    """One line of an ignore file."""
    kind = draw(st.sampled_from(["pattern"] * 8 + ["comment", "blank"]))
    if kind == "comment":
        return "# a comment"
    if kind == "blank":
        return ""
    segments = draw(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=3))
    line = "/".join(segments)
    if draw(st.booleans()) and draw(st.booleans()):
        line = "/" + line
    if draw(st.integers(0, 4)) == 0:
        line += "/"
    if draw(st.integers(0, 3)) == 0:
        line = "!" + line
    if draw(st.integers(0, 5)) == 0:
        line += "  "
    return line


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A small tree and ignore rules for it."""
    folders = st.lists(st.sampled_from(DIRS), max_size=2).map("/".join)
    paths = st.tuples(folders, st.sampled_from(FILES)).map(lambda pair: f"{pair[0]}/{pair[1]}".lstrip("/"))
    files = frozenset(draw(st.lists(paths, min_size=1, max_size=8)))
    present = sorted({"", *(os.path.dirname(path) for path in files)})
    lines = st.lists(patterns(), max_size=4).map(tuple)
    chosen = draw(st.lists(st.sampled_from(present), max_size=3, unique=True))
    ignores = {folder: draw(lines) for folder in chosen}
    tracked = frozenset(draw(st.lists(st.sampled_from(sorted(files)), max_size=4)))
    return Case(files, ignores, draw(lines), draw(lines), tracked)


@contextmanager
def git_home(base: Path, global_lines: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """An environment where git's global config is ours alone: a global excludes file holding
    `global_lines`, and no system or user config of the developer's."""
    (base / "home").mkdir()
    excludes = base / "global-ignore"
    excludes.write_text("".join(line + "\n" for line in global_lines), encoding="utf-8")
    config = base / "gitconfig"
    config.write_text(f"[core]\n\texcludesFile = {excludes}\n", encoding="utf-8")
    env = {
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(base / "home"),
        "XDG_CONFIG_HOME": str(base / "xdg"),
    }
    with mock.patch.dict(os.environ, env):
        yield {**os.environ, **env}


def build(top: Path, case: Case) -> None:
    """Write the tree, its .gitignore files and .git/info/exclude into a fresh repository."""
    subprocess.run(["git", "init", "-q", "--template=", str(top)], check=True)
    for path in case.files:
        target = top / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("word\n", encoding="utf-8")
    for folder, lines in case.ignores.items():
        (top / folder).mkdir(parents=True, exist_ok=True)
        (top / folder / ".gitignore").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    (top / ".git" / "info").mkdir(exist_ok=True)
    (top / ".git" / "info" / "exclude").write_text("".join(line + "\n" for line in case.info_exclude), "utf-8")
    if case.tracked:  # added whatever the rules say, as a file committed before a rule came
        subprocess.run(["git", "--literal-pathspecs", "add", "-f", "--", *sorted(case.tracked)], cwd=top, check=True)


def visible(paths: set[str]) -> set[str]:
    """The paths with no hidden part."""
    return {path for path in paths if not any(part.startswith(".") for part in path.split("/"))}


def git_lists(top: Path, env: dict[str, str], *args: str) -> set[str]:
    """What `git ls-files -z ARGS` prints in `top`, as a set."""
    done = subprocess.run(["git", "ls-files", "-z", *args], cwd=top, env=env, capture_output=True, check=True)
    return {name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0") if name}


def git_ignores(top: Path, env: dict[str, str], paths: set[str]) -> set[str]:
    """The paths that git's rules ignore, themselves or by a folder above them, tracked or not."""
    done = subprocess.run(["git", "check-ignore", "--no-index", "-z", "--stdin"], cwd=top, env=env, capture_output=True,
                          input="".join(path + "\0" for path in paths).encode("utf-8", "surrogateescape"))
    assert done.returncode in (0, 1), done.stderr  # 1: none is ignored
    return {name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0") if name}


def wordcount_lists(top: Path, folder: str) -> set[str]:
    """The files wordcount counts when given `top/folder`, relative to `top`."""
    root = str(top / folder) if folder else str(top)
    found = discover([root], WalkOptions())
    return {os.path.relpath(item.path, top).replace(os.sep, "/") for item in found if isinstance(item, FileEntry)}


Lister = Callable[[Path, str], set[str]]


def check_against_git(case: Case, lister: Lister = wordcount_lists) -> None:
    """The files `lister` gives for the top and for each folder git does not ignore are git's."""
    with tempfile.TemporaryDirectory(prefix="wc-oracle-") as scratch:
        base = Path(scratch)
        top = base / "repo"
        with git_home(base, case.global_excludes) as env:
            build(top, case)
            expected = visible(git_lists(top, env, "--cached", "--others", "--exclude-standard"))
            assert lister(top, "") == expected, case
            folders = {os.path.dirname(path) for path in case.files} - {""}
            ignored = git_ignores(top, env, folders)
            for folder in sorted(folders - ignored):  # wordcount walks a folder it is given, ignored or not
                below = {path for path in expected if path.startswith(folder + "/")}
                assert lister(top, folder) == below, (folder, case)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
# git matches the literal start of a path pattern apart, so `**` right after it crosses folders.
@example(Case(frozenset({"a.txt", "ab/c.txt"}), {}, (), ("a**/*  ",)))
@example(Case(frozenset({"a.txt", "d/ab/c.txt"}), {"d": ("ab**",)}, ("d/a**/c*",), ()))
# a reversed range matches its low end alone, as git's wildmatch compares it first
@example(Case(frozenset({"a.txt", "b.txt", "x"}), {"": ("[b-a].txt", "[z-a]")}, (), ()))
# a tracked file the rules match is git's; so is a tracked file in a folder they ignore, alone
@example(Case(frozenset({"a.txt", "b.txt"}), {"": ("*.txt",)}, (), (), frozenset({"a.txt"})))
@example(Case(frozenset({"d/a.txt", "d/b.txt", "d/e/x"}), {}, ("d/",), (), frozenset({"d/e/x"})))
@example(Case(frozenset({"a.txt", "x"}), {}, (), ("*.txt",), frozenset({"a.txt"})))
def test_walker_counts_what_git_lists(case: Case) -> None:
    """Random trees and rules: wordcount's files are git's, for the top and for named folders."""
    check_against_git(case)


def git_repo(top: Path, files: Mapping[str, str]) -> None:
    """A fresh repository at `top` holding `files` (path -> text), none of them added yet."""
    subprocess.run(["git", "init", "-q", "--template=", str(top)], check=True)
    for path, text in files.items():
        (top / path).parent.mkdir(parents=True, exist_ok=True)
        (top / path).write_text(text, encoding="utf-8")


def git_add(top: Path, *paths: str) -> None:
    subprocess.run(["git", "add", "-f", "--", *paths], cwd=top, check=True, capture_output=True)


def test_each_work_tree_is_walked_as_git_lists_it(tmp_path: Path) -> None:
    """A repository inside another (a submodule's gitlink, or one git does not track) is a work
    tree of its own, as git sees it: the rules of the one around it stop at it, its own rules
    and its own index apply in it. Expected: what git lists in each work tree, less the
    nested ones' own entries."""
    with git_home(tmp_path, ("*.log",)) as env:
        top = tmp_path / "repo"
        git_repo(top, {".gitignore": "*.txt\nsub/\n", "a.txt": "tracked, ignored\n", "b.txt": "ignored\n",
                       "c.md": "kept\n", "keep.log": "tracked, ignored globally\n"})
        inner = top / "inner"  # a repository git does not track: `git ls-files` shows `inner/`
        git_repo(inner, {".gitignore": "*.md\n", "x.txt": "not the outer rules'\n", "y.md": "tracked\n",
                         "z.md": "ignored\n", "deep/w.md": "ignored\n"})
        git_add(inner, "y.md")
        sub = top / "sub"  # a gitlink in the outer index, in a folder the outer rules ignore
        git_repo(sub, {"s.txt": "tracked\n", "t.log": "ignored\n", "u.md": "untracked\n"})
        git_add(sub, "s.txt")
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "s"], cwd=sub, check=True)
        git_add(top, "a.txt", "keep.log", "sub")
        expected: set[str] = set()
        for repo, prefix in ((top, ""), (inner, "inner/"), (sub, "sub/")):
            listed = git_lists(repo, env, "--cached", "--others", "--exclude-standard")
            expected |= {prefix + path for path in listed if not path.endswith("/") and path != "sub"}
        assert visible(expected) == {"a.txt", "c.md", "keep.log", "inner/x.txt", "inner/y.md", "sub/s.txt", "sub/u.md"}
        assert wordcount_lists(top, "") == visible(expected)
        assert wordcount_lists(top, "inner") == {path for path in visible(expected) if path.startswith("inner/")}

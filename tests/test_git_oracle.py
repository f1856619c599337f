"""Git is the oracle: random trees and random ignore rules, walked by wordcount and listed by git.

Each example builds a small tree in a fresh git repository, with `.gitignore` files in random
folders, a `.git/info/exclude` and a global excludes file (through `GIT_CONFIG_GLOBAL`), all
drawn from a grammar of the constructs that matter: negation, `**`, anchoring, trailing `/`,
character classes, escaped `\\#` and `\\ `, trailing spaces, comments. The files wordcount
counts must be exactly those `git ls-files --cached --others --exclude-standard` lists, less
hidden ones (wordcount leaves those out unless `--hidden`).

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

from wordcount.discover import WalkOptions, discover
from wordcount.results import FileEntry

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

DIRS = ("d", "e")
FILES = ("a.txt", "b.txt", "c.bin", "#n.txt", "t ", "x")
SEGMENTS = (
    "d", "e", "a.txt", "c.bin", "x", "*", "**", "*.txt", "?.txt", "[ab].txt", "[!a]*",
    "\\#n.txt", "#n.txt", "t\\ ", "t", "d*", "e/**", "[[:lower:]].txt", "a**",
)


@dataclass(frozen=True)
class Case:
    """One example: the files, the ignore files' lines by folder, and the two repository-wide lists."""

    files: frozenset[str]
    ignores: Mapping[str, tuple[str, ...]]  # folder ('' = top) -> lines of its .gitignore
    info_exclude: tuple[str, ...]
    global_excludes: tuple[str, ...]


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
    return Case(files, ignores, draw(lines), draw(lines))


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


def visible(paths: set[str]) -> set[str]:
    """The paths with no hidden part."""
    return {path for path in paths if not any(part.startswith(".") for part in path.split("/"))}


def git_lists(top: Path, env: dict[str, str], *args: str) -> set[str]:
    """What `git ls-files -z ARGS` prints in `top`, as a set."""
    done = subprocess.run(["git", "ls-files", "-z", *args], cwd=top, env=env, capture_output=True, check=True)
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
            ignored = git_lists(top, env, "--others", "--ignored", "--exclude-standard", "--directory")
            folders = {os.path.dirname(path) for path in case.files} - {""}
            for folder in sorted(folders):
                parts = folder.split("/")
                if any("/".join(parts[:depth]) + "/" in ignored for depth in range(1, len(parts) + 1)):
                    continue  # git ignores the folder itself; wordcount walks a folder it is given
                below = {path for path in expected if path.startswith(folder + "/")}
                assert lister(top, folder) == below, (folder, case)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
# git matches the literal start of a path pattern apart, so `**` right after it crosses folders.
@example(Case(frozenset({"a.txt", "ab/c.txt"}), {}, (), ("a**/*  ",)))
@example(Case(frozenset({"a.txt", "d/ab/c.txt"}), {"d": ("ab**",)}, ("d/a**/c*",), ()))
def test_walker_counts_what_git_lists(case: Case) -> None:
    """Random trees and rules: wordcount's files are git's, for the top and for named folders."""
    check_against_git(case)

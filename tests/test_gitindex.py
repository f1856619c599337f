"""What git tracks (`wordcount.walk.gitindex`), read from the index file, with git as the oracle.

Every index git writes (versions 2, 3 with extended flags, 4 with prefix-compressed names,
SHA-256 object names, a sparse index) must give exactly the paths `git ls-files --cached
--sparse` lists; a split index, which this reader does not take, is listed by git itself. Then
the command line: a committed file that an ignore rule matches is counted, as git lists it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import invoke, invoke_json
from wordcount.walk import gitindex

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

NAMES = ["a/b/one.txt", "a/two.txt", "c/three.md", "top.txt", "sp ace.txt", "ünï.txt", "x" * 120 + "/y.txt"]


def git(top: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=top, check=True,
                          capture_output=True)
    return done.stdout.decode("utf-8", "surrogateescape")


def repository(top: Path, *init: str) -> Path:
    """A repository holding NAMES, committed."""
    subprocess.run(["git", "init", "-q", "--template=", *init, str(top)], check=True)
    for name in NAMES:
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_text("words\n", encoding="utf-8")
    git(top, "add", "-A")
    git(top, "commit", "-qm", "all")
    return top


def listed(top: Path) -> list[str]:
    """What git says its index holds (sparse folders as folders)."""
    return [name for name in git(top, "ls-files", "-z", "--cached", "--sparse").split("\0") if name]


def read(top: Path) -> list[str]:
    """What this reader finds in the index file."""
    where = top / ".git"
    data = (where / "index").read_bytes()
    return [os.fsdecode(name) for name in gitindex.read_index(data, gitindex._hash_size(str(where)))]


@pytest.mark.parametrize("init", [(), ("--object-format=sha256",)], ids=["sha1", "sha256"])
@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_every_index_version_reads_as_git_lists_it(tmp_path: Path, version: str, init: tuple[str, ...]) -> None:
    top = repository(tmp_path / "repo", *init)
    git(top, "update-index", "--index-version", version)
    if version != "2":  # flags that need the extended bytes: version 3 and up only
        git(top, "update-index", "--skip-worktree", "top.txt")
        (top / "new.txt").write_text("intent\n", encoding="utf-8")
        git(top, "add", "-N", "new.txt")
    assert read(top) == listed(top)
    assert gitindex.tracked(str(top)).paths == tuple(sorted(listed(top)))


def test_a_sparse_index_tracks_its_folders_whole(tmp_path: Path) -> None:
    top = repository(tmp_path / "repo")
    git(top, "sparse-checkout", "set", "--sparse-index", "a")
    assert "c/" in listed(top)
    assert read(top) == listed(top)
    assert gitindex.tracked(str(top)).holds("c", True)


def test_a_split_index_is_listed_by_git(tmp_path: Path) -> None:
    top = repository(tmp_path / "repo")
    git(top, "update-index", "--split-index")
    (top / "later.txt").write_text("added after the split\n", encoding="utf-8")
    git(top, "add", "later.txt")
    with pytest.raises(gitindex.Unreadable):
        read(top)
    assert gitindex.tracked(str(top)).paths == tuple(sorted(listed(top)))


def test_an_index_nothing_can_read_tracks_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    top = repository(tmp_path / "repo")
    (top / ".git" / "index").write_bytes(b"DIRC\0\0\0\x02\0\0\0\x09truncated")
    with pytest.raises(gitindex.Unreadable):
        read(top)
    assert gitindex.tracked(str(top)) == gitindex.NOTHING  # git refuses it too
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    (top / ".git" / "index").write_bytes(b"DIRC\0\0\0\x09")
    assert gitindex.tracked(str(top)) == gitindex.NOTHING


def test_holds_answers_for_files_and_the_folders_above_them() -> None:
    tracked = gitindex._tracked([b"a/b/c.txt", b"a/d.txt", b"sub", b"sparse/"])
    assert tracked.holds("a/b/c.txt", False) and tracked.holds("a", True) and tracked.holds("a/b", True)
    assert not tracked.holds("a", False) and not tracked.holds("a/b/c", False) and not tracked.holds("a/b/c", True)
    assert tracked.holds("sub", True) and tracked.holds("sparse", True)
    assert not tracked.holds("a/x", True) and not tracked.holds("ab", True) and not tracked.holds("", False)


def test_a_committed_file_an_ignore_rule_matches_is_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commit keep.log, then ignore *.log (and, in the global excludes file, *.py): git lists
    the tracked files still, and wordcount counts exactly them, whatever ignores them."""
    monkeypatch.chdir(tmp_path)
    top = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "--template=", str(top)], check=True)
    for name in ("keep.log", "new.log", "tool.py", "untracked.py", "build/kept.txt", "build/junk.txt", "notes.md"):
        (top / name).parent.mkdir(parents=True, exist_ok=True)
        (top / name).write_text("one two\n", encoding="utf-8")
    git(top, "add", "keep.log", "tool.py", "build/kept.txt")
    git(top, "commit", "-qm", "first")
    (top / ".gitignore").write_text("*.log\nbuild/\n", encoding="utf-8")
    excludes = tmp_path / "global-excludes"
    excludes.write_text("*.py\n", encoding="utf-8")
    git(top, "config", "core.excludesFile", str(excludes))
    expected = {name for name in git(top, "ls-files", "--cached", "--others", "--exclude-standard").split("\n") if name}
    assert expected == {".gitignore", "keep.log", "tool.py", "build/kept.txt", "notes.md"}
    report = invoke_json("--per-file", "--top", "0", "repo")
    assert {os.path.relpath(row["path"], "repo") for row in report["files"]} == expected - {".gitignore"}
    # hidden: .git, .gitignore; ignored: new.log, untracked.py, build/junk.txt
    assert report["left_out"] == {"hidden": 2, "ignored": 3, "excluded": 0}
    (top / ".ignore").write_text("keep.log\n", encoding="utf-8")  # the search tools' own file: tracked or not
    result = invoke("--per-file", "--top", "0", "--format", "json", "repo")
    assert "repo/keep.log" not in {row["path"] for row in json.loads(result.stdout)["files"]}


def test_the_index_is_read_only_when_a_rule_ignores_something(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Most walks never need it: a large index costs a tenth of a second to read."""
    top = repository(tmp_path / "repo")
    read_for: list[str] = []
    original = gitindex.tracked
    monkeypatch.setattr(gitindex, "tracked", lambda where: read_for.append(where) or original(where))
    (top / ".gitignore").write_text("*.log\n", encoding="utf-8")
    invoke_json("--top", "0", str(top))
    assert read_for == []
    (top / "stray.log").write_text("ignored\n", encoding="utf-8")
    invoke_json("--top", "0", str(top))
    assert read_for == [str(top)]

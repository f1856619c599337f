"""Which files take part: the walker (`wordcount.walk.discover`) directly and through the command line.

Every test runs inside its own `tmp_path` (see the autouse `in_tmp` fixture), so trees are built
and walked with short relative paths and expected paths read the way `find ARG` prints them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke, invoke_json, run_process
from wordcount.execute import planning
from wordcount.walk.discover import WalkOptions, discover
from wordcount.model import Failed, FileEntry, LeftOut, Skipped

Found = FileEntry | Skipped | Failed | LeftOut

TEXT = "alpha beta gamma\n"


# --------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every test with tmp_path as the working folder (subprocesses inherit it too)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: str | Path, text: str = TEXT) -> Path:
    """Create a file (and its parent folders) holding `text`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def make(*entries: str) -> None:
    """Create entries relative to the working folder: 'x/' is a folder, anything else a text file."""
    for entry in entries:
        if entry.endswith("/"):
            Path(entry).mkdir(parents=True, exist_ok=True)
        else:
            write(entry)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail the test instead of hanging if the body blocks or loops for `seconds`.

    pytest.fail raises a BaseException, which the walker's `except OSError` cannot swallow
    (a TimeoutError would be: it is an OSError).
    """

    def expire(signum: int, frame: object) -> None:
        pytest.fail(f"still running after {seconds} s (blocked on a FIFO? endless loop?)", pytrace=False)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def walk(*paths: str | Path, **options: Any) -> list[Found]:
    """Everything `discover` yields for `paths` with `WalkOptions(**options)`, under a deadline."""
    with deadline(10):
        return list(discover([str(path) for path in paths], WalkOptions(**options)))


def file_paths(found: Iterable[Found]) -> list[str]:
    """The paths of the files to count, in the order yielded (duplicates kept, to be checked)."""
    return [item.path for item in found if isinstance(item, FileEntry)]


def files(found: Iterable[Found]) -> set[str]:
    """The set of paths of the files to count."""
    return set(file_paths(found))


def skips(found: Iterable[Found]) -> set[tuple[str, str]]:
    """(path, reason) of every `Skipped`."""
    return {(item.path, item.reason) for item in found if isinstance(item, Skipped)}


def failures(found: Iterable[Found]) -> set[tuple[str, str]]:
    """(path, error) of every `Failed`."""
    return {(item.path, item.error) for item in found if isinstance(item, Failed)}


def report_paths(report: dict[str, Any]) -> list[str]:
    """The per-file paths of a JSON report (needs --per-file)."""
    return [row["path"] for row in report["files"]]


def inside_git_repository(path: Path) -> bool:
    """Whether `path` or a folder above it holds a `.git` (the walker would then read rules above)."""
    return any((folder / ".git").exists() for folder in [path, *path.parents])


def json_report(completed: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    """Parse the JSON report a subprocess printed."""
    return json.loads(completed.stdout.decode("utf-8"))


# --------------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("arg", "prefix"),
    [("tree", "tree/"), ("tree/", "tree/"), ("./tree", "./tree/"), ("tree/sub/..", "tree/sub/../")],
)
def test_paths_are_joined_to_the_argument_like_find(arg: str, prefix: str) -> None:
    """Paths are `os.path.join(arg, name)` as `find ARG` prints them, not normalised; sizes are right."""
    make("tree/a.txt", "tree/sub/b.txt")
    write("tree/sub/long.txt", "x" * 1234)
    found = walk(arg)
    assert files(found) == {prefix + "a.txt", prefix + "sub/b.txt", prefix + "sub/long.txt"}
    sizes = {item.path: item.size for item in found if isinstance(item, FileEntry)}
    assert sizes[prefix + "sub/long.txt"] == 1234
    assert sizes[prefix + "a.txt"] == len(TEXT)
    if shutil.which("find"):
        listed = subprocess.run(["find", arg, "-type", "f"], capture_output=True, text=True, check=True)
        assert files(found) == set(listed.stdout.splitlines())


def test_dot_argument_gives_dot_slash_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Walking '.' yields './name' paths, as `find .` does."""
    make("tree/a.txt", "tree/sub/b.txt")
    monkeypatch.chdir("tree")
    assert files(walk(".")) == {"./a.txt", "./sub/b.txt"}


# --------------------------------------------------------------------------- hidden


def test_hidden_files_and_folders_are_left_out_silently() -> None:
    """Names starting with '.' are neither counted nor reported; nothing below a hidden folder is seen."""
    make("tree/seen.txt", "tree/.secret.txt", "tree/.cache/inner.txt", "tree/sub/.dot.txt", "tree/sub/ok.txt")
    os.symlink("nowhere", "tree/.cache/dangling")  # would be reported if .cache were walked
    found = walk("tree")
    assert files(found) == {"tree/seen.txt", "tree/sub/ok.txt"}
    assert skips(found) == set()
    assert failures(found) == set()


def test_hidden_option_includes_hidden_files_and_folders() -> None:
    """With hidden=True, dot files and the contents of dot folders are counted."""
    make("tree/seen.txt", "tree/.secret.txt", "tree/.cache/inner.txt", "tree/sub/.dot.txt")
    found = walk("tree", hidden=True)
    assert files(found) == {"tree/seen.txt", "tree/.secret.txt", "tree/.cache/inner.txt", "tree/sub/.dot.txt"}


def test_git_folder_is_skipped_with_hidden_while_ignore_files_are_used() -> None:
    """--hidden walks .github but not .git, unless ignore files are off (--no-ignore), then .git too."""
    make("tree/a.txt", "tree/.git/HEAD", "tree/.git/objects/x", "tree/.github/ci.yml", "tree/sub/.git/config")
    with_ignore = files(walk("tree", hidden=True))
    assert with_ignore == {"tree/a.txt", "tree/.github/ci.yml"}
    without_ignore = files(walk("tree", hidden=True, use_ignore_files=False))
    assert without_ignore == {
        "tree/a.txt",
        "tree/.github/ci.yml",
        "tree/.git/HEAD",
        "tree/.git/objects/x",
        "tree/sub/.git/config",
    }


def test_cli_hidden_flag() -> None:
    """End to end: hidden files are left out by default and counted with --hidden."""
    make("tree/a.txt", "tree/.b.txt")
    assert report_paths(invoke_json("tree", "--per-file")) == ["tree/a.txt"]
    assert report_paths(invoke_json("tree", "--per-file", "--hidden")) == ["tree/.b.txt", "tree/a.txt"]


# --------------------------------------------------------------------------- ignore files


def test_gitignore_leaves_out_files_and_folders_silently() -> None:
    """Patterns of a .gitignore leave matching files and folders out, anywhere below, with no report."""
    make("tree/.git/")  # .gitignore files apply inside a git work tree
    write("tree/.gitignore", "*.log\nbuild\n")
    make("tree/a.txt", "tree/a.log", "tree/build/out.txt", "tree/sub/b.log", "tree/sub/build/x.txt", "tree/sub/c.txt")
    found = walk("tree")
    assert files(found) == {"tree/a.txt", "tree/sub/c.txt"}
    assert skips(found) == set()
    assert failures(found) == set()


def test_dot_ignore_file_is_honoured() -> None:
    """A `.ignore` file is read like a .gitignore."""
    write("tree/.ignore", "*.tmp\n")
    make("tree/a.txt", "tree/b.tmp", "tree/sub/c.tmp")
    assert files(walk("tree")) == {"tree/a.txt"}


def test_nested_ignore_file_applies_only_below_its_folder() -> None:
    """sub/.gitignore rules apply in sub and deeper, not to the root or to sibling folders."""
    make("tree/.git/")  # .gitignore files apply inside a git work tree
    write("tree/sub/.gitignore", "*.md\n")
    make("tree/top.md", "tree/sub/x.md", "tree/sub/deep/y.md", "tree/sub/keep.txt", "tree/other/z.md")
    assert files(walk("tree")) == {"tree/top.md", "tree/sub/keep.txt", "tree/other/z.md"}


def test_nested_anchored_pattern_is_relative_to_its_folder() -> None:
    """'/x.txt' in sub/.gitignore means sub/x.txt only, not tree/x.txt nor sub/deep/x.txt."""
    make("tree/.git/")  # .gitignore files apply inside a git work tree
    write("tree/sub/.gitignore", "/x.txt\n")
    make("tree/x.txt", "tree/sub/x.txt", "tree/sub/deep/x.txt")
    assert files(walk("tree")) == {"tree/x.txt", "tree/sub/deep/x.txt"}


def test_deeper_negation_reincludes_what_a_shallower_file_ignores() -> None:
    """Root ignores *.log; sub/.gitignore '!keep.log' brings keep.log back in sub and below only."""
    make("tree/.git/")  # .gitignore files apply inside a git work tree
    write("tree/.gitignore", "*.log\n")
    write("tree/sub/.gitignore", "!keep.log\n")
    make("tree/keep.log", "tree/drop.log", "tree/sub/keep.log", "tree/sub/drop.log", "tree/sub/deep/keep.log")
    assert files(walk("tree")) == {"tree/sub/keep.log", "tree/sub/deep/keep.log"}


def test_deeper_ignore_overrides_shallower_negation() -> None:
    """Root re-includes keep.log with '!'; a deeper .gitignore that ignores it wins below it."""
    make("tree/.git/")  # .gitignore files apply inside a git work tree
    write("tree/.gitignore", "*.log\n!keep.log\n")
    write("tree/sub/.gitignore", "keep.log\n")
    make("tree/keep.log", "tree/other.log", "tree/sub/keep.log", "tree/side/keep.log")
    assert files(walk("tree")) == {"tree/keep.log", "tree/side/keep.log"}


def test_trailing_slash_pattern_matches_only_folders() -> None:
    """'data/' ignores folders named data (and their contents) but not files named data."""
    make("tree/.git/")  # .gitignore files apply inside a git work tree
    write("tree/.gitignore", "data/\n")
    make("tree/data/inside.txt", "tree/sub/data", "tree/sub/deep/data/inside.txt", "tree/a.txt")
    assert files(walk("tree")) == {"tree/sub/data", "tree/a.txt"}


def test_ignored_folder_is_not_walked() -> None:
    """Nothing inside an ignored folder is looked at: no link or special file is reported, and a
    '!' pattern cannot bring back a file whose folder is ignored (as in git)."""
    make("tree/.git/")  # .gitignore files apply inside a git work tree
    write("tree/.gitignore", "vendor/\n!vendor/keep.txt\n")
    make("tree/a.txt", "tree/vendor/lib.txt", "tree/vendor/keep.txt")
    os.symlink("nowhere", "tree/vendor/dangling")
    os.mkfifo("tree/vendor/pipe")
    found = walk("tree")
    assert files(found) == {"tree/a.txt"}
    assert skips(found) == set()


def test_rules_above_root_apply_up_to_the_repository_top() -> None:
    """Walking repo/mid/sub: ignore files of repo and repo/mid apply, anchored to their own folder;
    the .gitignore of the folder holding the repository (outside it) does not."""
    write("outer/.gitignore", "*.md\n")  # above the repository: must not apply
    make("outer/repo/.git/")
    write("outer/repo/.gitignore", "*.log\n")
    write("outer/repo/.ignore", "*.tmp\n")
    write("outer/repo/mid/.gitignore", "/sub/anchored.txt\n")
    make(
        "outer/repo/mid/sub/a.txt",
        "outer/repo/mid/sub/a.log",
        "outer/repo/mid/sub/a.tmp",
        "outer/repo/mid/sub/b.md",
        "outer/repo/mid/sub/anchored.txt",
        "outer/repo/mid/sub/deep/anchored.txt",
    )
    assert files(walk("outer/repo/mid/sub")) == {
        "outer/repo/mid/sub/a.txt",
        "outer/repo/mid/sub/b.md",
        "outer/repo/mid/sub/deep/anchored.txt",
    }


def test_root_that_is_a_repository_top_ignores_rules_above_it() -> None:
    """A nested repository walked from its top: the enclosing repository's rules stop at it."""
    make("outer/.git/", "outer/inner/.git/")
    write("outer/.gitignore", "*.log\n")
    make("outer/inner/a.log", "outer/inner/sub/b.log")
    assert files(walk("outer/inner")) == {"outer/inner/a.log", "outer/inner/sub/b.log"}


def test_rules_above_root_do_not_apply_outside_a_git_repository(tmp_path: Path) -> None:
    """With no .git anywhere above, the ignore files of folders above the root are not read."""
    if inside_git_repository(tmp_path):
        pytest.skip("tmp_path lies inside a git repository; cannot build an 'outside' case")
    write("outer/.gitignore", "*.log\n")
    write("outer/.ignore", "*.tmp\n")
    make("outer/sub/a.log", "outer/sub/b.tmp")
    assert files(walk("outer/sub")) == {"outer/sub/a.log", "outer/sub/b.tmp"}
    assert files(walk("outer/sub", require_git=False)) == {"outer/sub/a.log", "outer/sub/b.tmp"}
    # sanity: from outer itself, .ignore applies, and .gitignore too when git is not required
    assert files(walk("outer")) == {"outer/sub/a.log"}
    assert files(walk("outer", require_git=False)) == set()


def test_no_ignore_turns_every_ignore_file_off() -> None:
    """use_ignore_files=False: root, nested and above-root ignore files are all disregarded."""
    make("repo/.git/")
    write("repo/.gitignore", "*.above\n")
    write("repo/tree/.gitignore", "*.log\nbuild/\n")
    write("repo/tree/sub/.ignore", "*.tmp\n")
    make("repo/tree/a.above", "repo/tree/a.log", "repo/tree/build/x.txt", "repo/tree/sub/c.tmp")
    assert files(walk("repo/tree")) == set()
    assert files(walk("repo/tree", use_ignore_files=False)) == {
        "repo/tree/a.above",
        "repo/tree/a.log",
        "repo/tree/build/x.txt",
        "repo/tree/sub/c.tmp",
    }


def test_cli_ignore_files_and_no_ignore() -> None:
    """End to end: .gitignore honoured by default, --no-ignore counts the ignored file too."""
    make("tree/.git/")  # .gitignore files apply inside a git work tree
    write("tree/.gitignore", "*.log\n")
    make("tree/a.txt", "tree/b.log")
    report = invoke_json("tree", "--per-file")
    assert report_paths(report) == ["tree/a.txt"]
    assert report["totals"]["files"] == 1
    assert report["skipped"] == [] and report["errors"] == []
    assert report_paths(invoke_json("tree", "--per-file", "--no-ignore")) == ["tree/a.txt", "tree/b.log"]


def test_gitignore_outside_a_work_tree_is_not_honoured_like_an_extracted_tarball() -> None:
    """Debian's linux-source tree: no .git, a top .gitignore of `/*` and `!/debian/`. Outside a
    work tree .gitignore files do not apply (as with ripgrep and fd): every file is counted;
    with require_git off they apply, and only debian/ is left."""
    write("linux/.gitignore", "/*\n!/debian/\n")
    make("linux/Makefile", "linux/kernel/fork.c", "linux/debian/rules")
    assert files(walk("linux")) == {"linux/Makefile", "linux/kernel/fork.c", "linux/debian/rules"}
    assert files(walk("linux", require_git=False)) == {"linux/debian/rules"}


def test_cli_no_require_git_ignoring_everything_says_why_on_stderr() -> None:
    """A tree without .git whose .gitignore ignores everything: all its files are counted; with
    --no-require-git none is, and stderr says why in one line, naming the flag that counts them."""
    write("tree/.gitignore", "*\n")
    make("tree/a.txt", "tree/sub/b.txt")
    assert invoke_json("tree")["totals"]["files"] == 2
    result = invoke("tree", "--no-require-git")
    assert result.exit_code == 0
    assert result.stderr == (
        "wordcount: counted no file: left out 2 files or folders ignored (--no-ignore counts them), "
        "1 file or folder hidden (--hidden counts it)\n"
    )
    assert "left out: 1 hidden, 2 ignored, 0 excluded" in result.stdout
    assert invoke("tree", "--no-require-git", "-q").stderr == ""


def test_config_file_sets_no_require_git() -> None:
    """`no-require-git = true` in the config file is --no-require-git; --require-git undoes it."""
    write("tree/.gitignore", "*.log\n")
    make("tree/a.txt", "tree/b.log")
    write(".wordcount.toml", "no-require-git = true\n")
    assert report_paths(invoke_json("tree", "--per-file")) == ["tree/a.txt"]
    assert report_paths(invoke_json("tree", "--per-file", "--require-git")) == ["tree/a.txt", "tree/b.log"]


def test_nested_work_tree_in_a_plain_folder_honours_its_gitignore() -> None:
    """Walking a plain folder that holds a git work tree: .gitignore applies inside it only."""
    write("plain/.gitignore", "*.log\n")
    write("plain/repo/.gitignore", "*.tmp\n")
    make("plain/a.log", "plain/repo/.git/", "plain/repo/b.tmp", "plain/repo/c.log", "plain/repo/d.txt")
    assert files(walk("plain")) == {"plain/a.log", "plain/repo/c.log", "plain/repo/d.txt"}


def test_whitelist_gitignore_keeps_files_in_folders() -> None:
    """`*`, `!*/`, `!*.txt` (a whitelist) keeps every .txt file at any depth, as git does."""
    make("repo/.git/")
    write("repo/.gitignore", "*\n!*/\n!*.txt\n")
    make("repo/a.txt", "repo/b.bin", "repo/d/a.txt", "repo/d/c.bin", "repo/d/e/f.txt")
    assert files(walk("repo")) == {"repo/a.txt", "repo/d/a.txt", "repo/d/e/f.txt"}


def test_named_subfolder_obeys_parent_rules_that_match_it() -> None:
    """`wordcount repo/d` under the whitelist: d/c.bin is ignored by `*` as git ignores it; the
    named folder is walked and the parent's rules apply to what it holds."""
    make("repo/.git/")
    write("repo/.gitignore", "*\n!*/\n!*.txt\n")
    make("repo/d/a.txt", "repo/d/c.bin")
    assert files(walk("repo/d")) == {"repo/d/a.txt"}
    write("repo/.gitignore", "*\n")  # the named folder itself is ignored, and so is all it holds
    assert files(walk("repo/d")) == set()


def test_escapes_and_trailing_spaces_are_read_as_git_reads_them() -> None:
    r"""`\#name` matches a file named `#name`, `#…` is a comment, trailing spaces are dropped
    unless escaped (`t\ ` matches `t `), `\!` is a literal `!`, and CRLF line ends are fine."""
    make("repo/.git/")
    write("repo/.gitignore", "\\#hash.txt\n#plain.txt\nspace.txt   \r\nt\\ \n\\!bang\n")
    make("repo/#hash.txt", "repo/plain.txt", "repo/space.txt", "repo/t ", "repo/t", "repo/!bang", "repo/keep")
    assert files(walk("repo")) == {"repo/plain.txt", "repo/t", "repo/keep"}


def test_info_exclude_is_honoured_inside_a_work_tree() -> None:
    """.git/info/exclude applies to the whole work tree, anchored at its top, below .gitignore
    files in precedence; --no-ignore turns it off."""
    write("repo/.git/info/exclude", "/top.txt\n*.log\n")
    write("repo/sub/.gitignore", "!keep.log\n")
    make("repo/top.txt", "repo/sub/top.txt", "repo/a.log", "repo/sub/keep.log", "repo/sub/b.txt")
    expected = {"repo/sub/top.txt", "repo/sub/keep.log", "repo/sub/b.txt"}
    assert files(walk("repo")) == expected
    assert files(walk("repo/sub")) == {"repo/sub/top.txt", "repo/sub/keep.log", "repo/sub/b.txt"}
    assert len(files(walk("repo", use_ignore_files=False))) == 5


def test_info_exclude_of_a_linked_worktree_is_the_main_repositorys() -> None:
    """A linked worktree's `.git` is a file pointing into the main repository, whose
    info/exclude applies (git keeps one per repository, in its common folder)."""
    write("main/.git/info/exclude", "*.log\n")
    write("main/.git/worktrees/wt/commondir", "../..\n")
    write("wt/.git", f"gitdir: {Path('main/.git/worktrees/wt').resolve()}\n")
    make("wt/a.txt", "wt/b.log")
    assert files(walk("wt")) == {"wt/a.txt"}


@pytest.mark.parametrize("how", ["core.excludesFile", "XDG_CONFIG_HOME"])
def test_global_excludes_file_is_honoured_inside_a_work_tree_only(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git's global excludes file (core.excludesFile, else $XDG_CONFIG_HOME/git/ignore) applies
    inside a work tree, anchored at its top; not outside one, nor with --no-ignore."""
    if how == "core.excludesFile":
        write("elsewhere/excludes", "*.log\n/top.txt\n")
        write("gitconfig", '[user]\n\tname = x\n[core]\n\texcludesFile = "' + str(tmp_path / "elsewhere/excludes") + '"\n')
        monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    else:
        write("xdg/git/ignore", "*.log\n/top.txt\n")
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    make("repo/.git/", "repo/a.txt", "repo/b.log", "repo/top.txt", "repo/sub/top.txt", "plain/b.log")
    assert files(walk("repo")) == {"repo/a.txt", "repo/sub/top.txt"}
    assert files(walk("repo/sub")) == {"repo/sub/top.txt"}
    assert files(walk("plain")) == {"plain/b.log"}
    assert files(walk("repo", use_ignore_files=False)) == {"repo/a.txt", "repo/b.log", "repo/top.txt", "repo/sub/top.txt"}


def test_left_out_counts_hidden_ignored_and_excluded_entries_once() -> None:
    """One LeftOut at the end counts what was left out, by the first reason that applies; a
    folder counts once, whatever it holds; nothing is yielded for it when nothing was."""
    make("repo/.git/", "repo/.hid/x.txt", "repo/.h.txt", "repo/a.txt", "repo/a.log", "repo/build/x.txt",
         "repo/build/y.txt", "repo/skip.tmp", "repo/s/deep/z.txt")
    write("repo/.gitignore", "*.log\nbuild/\n")
    found = walk("repo", excludes=("*.tmp",), max_depth=2)
    assert files(found) == {"repo/a.txt"}
    # hidden: .git, .gitignore, .h.txt, .hid; ignored: a.log, build; excluded: skip.tmp, s/deep
    assert found[-1] == LeftOut(hidden=4, ignored=2, excluded=2)
    assert [item for item in walk("repo/s/deep") if isinstance(item, LeftOut)] == []
    # depth comes first: with max_depth=1 the folders .git, .hid, build and s are excluded
    assert walk("repo", max_depth=1)[-1] == LeftOut(hidden=2, ignored=1, excluded=4)


def test_cli_left_out_in_table_and_json_whatever_the_jobs() -> None:
    """The table has a `left out:` line and the JSON a `left_out` object, the same for -j 1 and 2;
    `left_out` is there, all zeros, when nothing was left out."""
    make("repo/.git/", "repo/a.txt", "repo/b.log", "repo/c.txt")
    write("repo/.gitignore", "*.log\n")
    one, two = invoke("repo", "-j", "1"), invoke("repo", "-j", "2")
    assert one.stdout == two.stdout
    assert "\nleft out: 2 hidden, 1 ignored, 0 excluded\n" in one.stdout
    assert invoke_json("repo")["left_out"] == {"hidden": 2, "ignored": 1, "excluded": 0}
    assert invoke_json("repo/a.txt")["left_out"] == {"hidden": 0, "ignored": 0, "excluded": 0}
    assert "left out" not in invoke("repo/a.txt").stdout


def test_cli_hint_names_hidden_and_excludes() -> None:
    """Only hidden or excluded files: the one line says so, with the flag that counts them."""
    make("tree/.a.txt", "tree/b.tmp", "tree/c.tmp")
    result = invoke("tree", "--exclude", "*.tmp")
    assert result.stderr == (
        "wordcount: counted no file: left out 1 file or folder hidden (--hidden counts it), "
        "2 files or folders excluded by --exclude, --glob, --type or --max-depth\n"
    )


# --------------------------------------------------------------------------- excludes


@pytest.mark.parametrize("use_ignore_files", [True, False])
def test_excludes_leave_out_files_and_folders(use_ignore_files: bool) -> None:
    """--exclude globs drop matching files and whole folders silently, with or without ignore files."""
    make("tree/a.txt", "tree/a.tmp", "tree/sub/b.tmp", "tree/cache/x.txt", "tree/sub/cache/y.txt", "tree/sub/c.txt")
    os.symlink("nowhere", "tree/cache/dangling")  # would be reported if cache/ were walked
    found = walk("tree", excludes=("*.tmp", "cache/"), use_ignore_files=use_ignore_files)
    assert files(found) == {"tree/a.txt", "tree/sub/c.txt"}
    assert skips(found) == set()


def test_exclude_patterns_are_relative_to_each_root() -> None:
    """An anchored exclude '/top.txt' matches top.txt directly under every root, nothing deeper."""
    make("r1/top.txt", "r1/sub/top.txt", "r2/top.txt", "r2/other.txt")
    assert files(walk("r1", "r2", excludes=("/top.txt",))) == {"r1/sub/top.txt", "r2/other.txt"}


def test_cli_exclude_is_repeatable_and_works_with_no_ignore() -> None:
    """End to end: two --exclude options both apply, also with --no-ignore."""
    write("tree/.gitignore", "*.log\n")
    make("tree/a.txt", "tree/b.log", "tree/c.tmp", "tree/gen/d.txt")
    report = invoke_json("tree", "--per-file", "--no-ignore", "--exclude", "*.tmp", "--exclude", "gen")
    assert report_paths(report) == ["tree/a.txt", "tree/b.log"]  # .gitignore itself is hidden


# --------------------------------------------------------------------------- max depth


@pytest.mark.parametrize(
    ("max_depth", "expected"),
    [
        (0, set()),
        (1, {"tree/a.txt"}),
        (2, {"tree/a.txt", "tree/s/b.txt"}),
        (3, {"tree/a.txt", "tree/s/b.txt", "tree/s/t/c.txt"}),
        (None, {"tree/a.txt", "tree/s/b.txt", "tree/s/t/c.txt"}),
    ],
)
def test_max_depth_counts_files_directly_in_the_root_as_depth_one(max_depth: int | None, expected: set[str]) -> None:
    """Files directly in the root are depth 1: 0 gives nothing, 1 only them, 2 one folder deeper."""
    make("tree/a.txt", "tree/s/b.txt", "tree/s/t/c.txt")
    found = walk("tree", max_depth=max_depth)
    assert files(found) == expected
    assert failures(found) == set()


def test_max_depth_zero_yields_nothing_at_all() -> None:
    """--max-depth 0 yields nothing from a folder: no files, and no reports about links or specials
    in it; only the count of the entries it left out."""
    make("tree/a.txt", "tree/sub/b.txt")
    os.symlink("a.txt", "tree/link.txt")
    os.mkfifo("tree/pipe")
    assert walk("tree", max_depth=0) == [LeftOut(excluded=4)]


def test_max_depth_does_not_limit_a_named_file() -> None:
    """A file named as an argument is used whatever --max-depth says."""
    make("tree/a.txt")
    assert files(walk("tree/a.txt", max_depth=0)) == {"tree/a.txt"}


def test_cli_max_depth() -> None:
    """End to end: --max-depth 1 counts only the files directly inside the folder."""
    make("tree/a.txt", "tree/s/b.txt")
    report = invoke_json("tree", "--per-file", "--max-depth", "1")
    assert report_paths(report) == ["tree/a.txt"]
    assert report["totals"]["files"] == 1


# --------------------------------------------------------------------------- size limit


def test_max_filesize_skips_larger_files_as_too_large() -> None:
    """Files larger than the limit are Skipped 'too-large'; a file of exactly the limit is counted."""
    write("tree/small.txt", "x" * 99)
    write("tree/exact.txt", "x" * 100)
    write("tree/sub/big.txt", "x" * 101)
    found = walk("tree", max_filesize=100)
    assert files(found) == {"tree/small.txt", "tree/exact.txt"}
    assert skips(found) == {("tree/sub/big.txt", "too-large")}
    assert files(walk("tree")) == {"tree/small.txt", "tree/exact.txt", "tree/sub/big.txt"}


def test_max_filesize_applies_to_a_named_file() -> None:
    """A file named as an argument is subject to the limit too."""
    write("big.txt", "x" * 101)
    write("exact.txt", "x" * 100)
    found = walk("big.txt", "exact.txt", max_filesize=100)
    assert found == [Skipped("big.txt", "too-large"), FileEntry("exact.txt", 100, os.stat("exact.txt").st_mtime_ns)]


def test_cli_max_filesize() -> None:
    """End to end: --max-filesize takes k/M/G sizes; larger files are listed in `skipped`, exit 0."""
    write("tree/small.txt", "one two\n")
    write("tree/big.txt", "word " * 300)  # 1,500 bytes
    result = invoke("--format", "json", "--per-file", "--max-filesize", "1k", "tree")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report_paths(report) == ["tree/small.txt"]
    assert report["skipped"] == [{"path": "tree/big.txt", "reason": "too-large"}]
    assert report["totals"]["files"] == 1 and report["totals"]["words"] == 2
    assert invoke_json("--max-filesize", "1.5k", "tree")["totals"]["files"] == 2  # 1,536 bytes
    named = invoke("--max-filesize", "1000", "tree/big.txt")
    assert named.exit_code == 0 and "skipped 1 (too-large: 1)" in named.stdout


# --------------------------------------------------------------------------- named paths


def test_named_hidden_file_is_counted() -> None:
    """`wordcount dir/.hidden.txt` counts the file even though its name starts with '.'."""
    make("dir/.hidden.txt")
    assert walk("dir/.hidden.txt") == [FileEntry("dir/.hidden.txt", len(TEXT), os.stat("dir/.hidden.txt").st_mtime_ns)]
    report = invoke_json("dir/.hidden.txt", "--per-file")
    assert report_paths(report) == ["dir/.hidden.txt"]


def test_named_ignored_file_is_counted() -> None:
    """A file that a .gitignore (of its own folder or above) ignores is counted when named."""
    make("repo/.git/")
    write("repo/.gitignore", "*.log\n")
    make("repo/sub/x.log")
    assert files(walk("repo/sub/x.log")) == {"repo/sub/x.log"}


def test_named_hidden_root_folder_is_walked() -> None:
    """A root folder whose own name starts with '.' is walked; hidden entries inside stay out."""
    make(".config/a.txt", ".config/sub/b.txt", ".config/.inner.txt")
    assert files(walk(".config")) == {".config/a.txt", ".config/sub/b.txt"}


def test_named_root_folder_ignored_by_rules_above_is_walked() -> None:
    """`wordcount repo/build` with 'build/' in repo/.gitignore: the named folder is still used,
    so its files are counted."""
    make("repo/.git/")
    write("repo/.gitignore", "build/\n")
    make("repo/build/a.txt", "repo/build/sub/b.txt")
    assert files(walk("repo")) == set()  # sanity: walking the repository leaves build/ out
    assert files(walk("repo/build")) == {"repo/build/a.txt", "repo/build/sub/b.txt"}


def test_named_ignored_root_folder_keeps_the_other_rules_above_it() -> None:
    """Naming an ignored folder uses that folder, but the other rules from above still apply inside it."""
    make("repo/.git/")
    write("repo/.gitignore", "build/\n*.log\n")
    make("repo/build/a.txt", "repo/build/a.log", "repo/build/sub/b.log")
    assert files(walk("repo/build")) == {"repo/build/a.txt"}


# --------------------------------------------------------------------------- symbolic links


def test_links_are_not_followed_by_default() -> None:
    """Links to a file, to a folder, and dangling links are each Skipped 'symlink'; nothing behind them is counted."""
    make("outside/o.txt", "tree/a.txt")
    os.symlink("../outside/o.txt", "tree/file-link")
    os.symlink("../outside", "tree/dir-link")
    os.symlink("missing", "tree/dangling")
    found = walk("tree")
    assert files(found) == {"tree/a.txt"}
    assert skips(found) == {
        ("tree/file-link", "symlink"),
        ("tree/dir-link", "symlink"),
        ("tree/dangling", "symlink"),
    }


def test_follow_links_counts_a_link_to_a_file_under_the_link_path() -> None:
    """With follow_links, a link to a file outside the tree is counted, named by the link's path."""
    write("outside.txt", "one two three four\n")
    make("tree/")
    os.symlink("../outside.txt", "tree/link.txt")
    found = walk("tree", follow_links=True)
    assert found == [FileEntry("tree/link.txt", len("one two three four\n"), os.stat("tree/link.txt").st_mtime_ns)]


def test_follow_links_walks_a_link_to_a_folder() -> None:
    """With follow_links, a link to a folder is walked; its files are reached under the link's path."""
    make("elsewhere/x.txt", "elsewhere/deep/y.txt", "tree/a.txt")
    os.symlink("../elsewhere", "tree/ln")
    assert files(walk("tree", follow_links=True)) == {"tree/a.txt", "tree/ln/x.txt", "tree/ln/deep/y.txt"}


def test_follow_links_link_to_an_ancestor_is_a_loop(tmp_path: Path) -> None:
    """Links to the parent, to the folder itself and to the root are Skipped 'symlink-loop', and the walk ends."""
    make("tree/a.txt", "tree/sub/b.txt")
    os.symlink("..", "tree/sub/up")
    os.symlink(".", "tree/sub/self")
    os.symlink(str(tmp_path / "tree"), "tree/sub/root")
    found = walk("tree", follow_links=True)
    assert sorted(file_paths(found)) == ["tree/a.txt", "tree/sub/b.txt"]
    assert skips(found) == {
        ("tree/sub/up", "symlink-loop"),
        ("tree/sub/self", "symlink-loop"),
        ("tree/sub/root", "symlink-loop"),
    }


def test_follow_links_dangling_link_is_broken() -> None:
    """With follow_links, a link whose target does not exist is Skipped 'broken-symlink'."""
    make("tree/a.txt")
    os.symlink("missing.txt", "tree/dangling")
    found = walk("tree", follow_links=True)
    assert files(found) == {"tree/a.txt"}
    assert skips(found) == {("tree/dangling", "broken-symlink")}
    assert failures(found) == set()


def test_follow_links_links_pointing_at_each_other_are_a_loop() -> None:
    """Two links that point at each other are both Skipped 'symlink-loop'."""
    make("tree/")
    os.symlink("b", "tree/a")
    os.symlink("a", "tree/b")
    found = walk("tree", follow_links=True)
    assert skips(found) == {("tree/a", "symlink-loop"), ("tree/b", "symlink-loop")}
    assert files(found) == set() and failures(found) == set()


def test_follow_links_file_reached_twice_is_counted_once() -> None:
    """A file reached directly and through a link to it, or through a link to its folder, is yielded once."""
    make("tree/a.txt", "tree/real/b.txt")
    os.symlink("a.txt", "tree/alias.txt")
    os.symlink("real", "tree/zlink")
    paths = file_paths(walk("tree", follow_links=True))
    assert len(paths) == 2, paths
    assert {os.path.realpath(path) for path in paths} == {
        os.path.realpath("tree/a.txt"),
        os.path.realpath("tree/real/b.txt"),
    }


def test_cli_follow_links() -> None:
    """End to end: links are reported as skipped by default; --follow-links counts through them once."""
    make("tree/a.txt", "tree/real/b.txt")
    os.symlink("real", "tree/zlink")
    os.symlink("..", "tree/real/up")
    plain = invoke_json("tree", "--per-file")
    assert report_paths(plain) == ["tree/a.txt", "tree/real/b.txt"]
    assert plain["skipped"] == [
        {"path": "tree/real/up", "reason": "symlink"},
        {"path": "tree/zlink", "reason": "symlink"},
    ]
    with deadline(60):  # in-process: a walk that never ends must fail, not hang the suite
        followed = invoke_json("tree", "--per-file", "--follow-links")
    assert followed["totals"]["files"] == 2
    assert report_paths(followed) == ["tree/a.txt", "tree/real/b.txt"]
    # up leads back to tree, an ancestor both as tree/real/up and as tree/zlink/up
    assert followed["skipped"] == [
        {"path": "tree/real/up", "reason": "symlink-loop"},
        {"path": "tree/zlink/up", "reason": "symlink-loop"},
    ]
    assert followed["errors"] == []


# --------------------------------------------------------------------------- special files


def test_fifo_is_skipped_and_never_opened() -> None:
    """A FIFO met in a walk is Skipped 'fifo' (opening it with no writer would block: the deadline catches that)."""
    make("tree/a.txt")
    os.mkfifo("tree/pipe")
    found = walk("tree")
    assert files(found) == {"tree/a.txt"}
    assert skips(found) == {("tree/pipe", "fifo")}


def test_socket_is_skipped() -> None:
    """A Unix socket met in a walk is Skipped 'socket' (bound by a short relative name: cwd is tmp_path)."""
    make("tree/a.txt")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind("tree/sock")
        found = walk("tree")
    assert files(found) == {"tree/a.txt"}
    assert skips(found) == {("tree/sock", "socket")}


def test_device_is_skipped() -> None:
    """A character device node met in a walk is Skipped 'device'."""
    make("tree/a.txt")
    try:
        os.mknod("tree/null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod of a device is not permitted here")
    found = walk("tree")
    assert files(found) == {"tree/a.txt"}
    assert skips(found) == {("tree/null", "device")}


def test_link_to_device_is_a_device_only_when_followed() -> None:
    """A link to /dev/null is Skipped 'device' with follow_links, and 'symlink' without."""
    make("tree/")
    os.symlink("/dev/null", "tree/null")
    assert walk("tree", follow_links=True) == [Skipped("tree/null", "device")]
    assert walk("tree") == [Skipped("tree/null", "symlink")]


def test_follow_links_link_to_fifo_is_a_fifo() -> None:
    """A followed link to a FIFO is Skipped 'fifo' under the link's path, not opened."""
    make("tree/")
    os.mkfifo("pipe")
    os.symlink("../pipe", "tree/to-pipe")
    assert walk("tree", follow_links=True) == [Skipped("tree/to-pipe", "fifo")]


def test_cli_skips_special_files_without_opening_them() -> None:
    """End to end in a real process (so a blocked open fails by timeout): FIFO, socket and device are
    reported as skipped, the text file is counted, and the exit code is 0."""
    make("tree/a.txt")
    os.mkfifo("tree/pipe")
    os.symlink("/dev/null", "tree/null")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind("tree/sock")
        completed = run_process(["--format", "json", "--per-file", "--follow-links", "tree"], timeout=60)
    assert completed.returncode == 0, completed.stderr
    report = json_report(completed)
    assert report_paths(report) == ["tree/a.txt"]
    assert report["skipped"] == [
        {"path": "tree/null", "reason": "device"},
        {"path": "tree/pipe", "reason": "fifo"},
        {"path": "tree/sock", "reason": "socket"},
    ]
    assert report["errors"] == []


# --------------------------------------------------------------------------- permissions


@pytest.fixture
def locked_folder() -> Iterator[Path]:
    """tree/b-locked made unreadable (mode 000); its permissions are restored at teardown."""
    make("tree/a.txt", "tree/b-locked/hidden-from-us.txt", "tree/c.txt", "tree/d/e.txt")
    locked = Path("tree/b-locked").resolve()
    locked.chmod(0)
    try:
        yield locked
    finally:
        locked.chmod(0o755)


def test_unreadable_folder_fails_and_the_walk_goes_on(locked_folder: Path) -> None:
    """An unreadable folder is an error (exit 3, listed in `errors` with 'Permission denied',
    named on stderr) while the files before and after it are still counted."""
    completed = run_process(["--format", "json", "--per-file", "tree"], unprivileged=True, timeout=60)
    assert completed.returncode == 3, completed.stderr
    report = json_report(completed)
    assert report["errors"] == [{"path": "tree/b-locked", "error": "Permission denied"}]
    assert report_paths(report) == ["tree/a.txt", "tree/c.txt", "tree/d/e.txt"]
    assert report["totals"]["files"] == 3
    assert b"tree/b-locked" in completed.stderr


# --------------------------------------------------------------------------- overlapping arguments


@pytest.mark.parametrize("args", [("d", "d/sub"), ("d/sub", "d"), ("d", "d")])
def test_overlapping_arguments_yield_each_file_once(args: tuple[str, ...]) -> None:
    """Files reached by two arguments are yielded once, under the first argument that met them."""
    make("d/a.txt", "d/sub/b.txt", "d/sub/deep/c.txt")
    paths = file_paths(walk(*args))
    assert len(paths) == 3, paths
    assert {os.path.realpath(path) for path in paths} == {
        os.path.realpath(p) for p in ("d/a.txt", "d/sub/b.txt", "d/sub/deep/c.txt")
    }
    if args[0] == "d":
        assert set(paths) == {"d/a.txt", "d/sub/b.txt", "d/sub/deep/c.txt"}


def test_cli_overlapping_arguments_count_each_file_once() -> None:
    """End to end: `wordcount d d/sub` counts every file once, in the totals and the per-file rows."""
    make("d/a.txt", "d/sub/b.txt")
    report = invoke_json("d", "d/sub", "--per-file")
    assert report["totals"]["files"] == 2
    assert report["totals"]["words"] == 2 * len(TEXT.split())
    assert report_paths(report) == ["d/a.txt", "d/sub/b.txt"]


# --------------------------------------------------------------------------- missing paths


@pytest.mark.parametrize("output_format", ["table", "json", "csv", "wc", "jsonl", "github", "sarif", "html"])
def test_a_missing_path_is_its_own_error_and_the_rest_are_counted(output_format: str) -> None:
    """As in wc: a path that does not exist is listed in the errors (and on stderr), the other
    paths are counted, and the run exits 3; in every format."""
    make("tree/a.txt", "b.txt")
    result = invoke("--format", output_format, "tree", "no-such-thing", "b.txt")
    assert result.exit_code == 3, result.output
    assert "wordcount: no-such-thing: No such file or directory" in result.stderr.splitlines()
    if output_format in ("json", "table"):
        report = invoke_json("tree", "no-such-thing", "b.txt")
        assert report["errors"] == [{"path": "no-such-thing", "error": "No such file or directory"}]
        assert report["totals"]["files"] == 2 and report["totals"]["words"] == 2 * len(TEXT.split())


def test_a_missing_path_is_its_own_error_in_a_real_process() -> None:
    """The same through `python -m wordcount`: exit 3, the report of what exists on stdout."""
    make("a.txt")
    completed = run_process(["--format", "json", "-q", "no-such-thing", "a.txt"], timeout=60)
    assert completed.returncode == 3
    report = json_report(completed)
    assert report["errors"] == [{"path": "no-such-thing", "error": "No such file or directory"}]
    assert report["totals"]["files"] == 1


def test_a_path_holding_a_nul_is_its_own_error() -> None:
    """No file name holds a NUL byte: such an argument is that path's error, not a crash."""
    make("a.txt")
    report = invoke_json("a\0b", "a.txt")
    assert report["errors"] == [{"path": "a\0b", "error": "invalid file name: it holds a NUL byte"}]
    assert report["totals"]["files"] == 1


def test_a_listed_name_that_does_not_exist_is_its_own_error_too() -> None:
    """--files-from and --files0-from lists: the same, an error for the missing name, exit 3."""
    make("a.txt")
    for option, names in (("--files-from", "a.txt\nnope\n"), ("--files0-from", "a.txt\0nope\0")):
        result = invoke("--format", "json", "-q", option, "-", input=names)
        assert result.exit_code == 3
        report = json.loads(result.stdout)
        assert report["errors"] == [{"path": "nope", "error": "No such file or directory"}]
        assert report["totals"]["files"] == 1


# --------------------------------------------------------------------------- determinism


def test_json_report_is_identical_with_one_and_two_jobs() -> None:
    """`--per-file` JSON from -j 1 and -j 2 is byte-identical. The tree is larger than
    planning.SERIAL_BELOW and spread over many files, so -j 2 really runs a worker pool."""
    words = ["apple", "banana", "cherry", "date", "elder", "fig", "grape", "honey"]
    file_count = 12
    per_file = planning.SERIAL_BELOW // file_count + 64 * 1024
    for index in range(file_count):
        line = " ".join(words[index % len(words) :] + words[: index % len(words)]) + "\n"
        folder = f"tree/part{index % 3}/deep{index % 2}"
        write(f"{folder}/file{index:02}.txt", line * (per_file // len(line)))
    make("tree/small.txt", "tree/.hidden.txt", "tree/empty/")
    write("tree/empty.txt", "")
    os.symlink("small.txt", "tree/link.txt")
    os.mkfifo("tree/pipe")
    entries = [item for item in walk("tree") if isinstance(item, FileEntry)]
    work = sum(entry.size + planning.FILE_COST for entry in entries)
    assert work >= planning.SERIAL_BELOW and len(planning.make_batches(entries, 2)) > 1  # a pool, not serial
    args = ["--format", "json", "--per-file", "--top", "5", "tree"]
    one = run_process(["-j", "1", *args], timeout=120)
    two = run_process(["-j", "2", *args], timeout=120)
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    report = json_report(one)
    assert report["totals"]["files"] == file_count + 2  # sanity: the report is not empty or partial
    assert len(report["skipped"]) == 2
    assert one.stdout == two.stdout

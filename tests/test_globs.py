"""The user's globs (`wordcount.globs`): one matcher and one base for `--exclude`, `--glob`,
`--encoding GLOB=NAME` and `[[rules]]`, and `-g`/`-t`/`-T` as ripgrep combines them.

Oracles: git, for what a glob matches (each glob as the only line of `.git/info/exclude`:
what `git ls-files --others --exclude-standard` leaves out, a file or a folder above it), and
ripgrep itself (`rg --files`), when it is installed, for how `-g`, `-t` and `-T` combine with
each other, with hidden files and with ignore files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import invoke
from wordcount import globs
from wordcount.walk import filetypes

FILES = ("a.md", "notes/b.md", "notes/deep/c.md", "notes/deep/d.txt", "drafts/x.txt", "drafts/y.md",
         "legacy/z.txt", "legacy/notes/w.md")
TEXT = "café naïve\n"  # UTF-8, not ASCII: detected as utf-8, read as iso8859-1 when a rule pins Latin-1


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """FILES in tmp_path/root; the working folder is tmp_path."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "root"
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(TEXT, encoding="utf-8")
    return root


def git_matches(root: Path, glob: str) -> set[str]:
    """The files of FILES that `glob` matches, as git matches it (each alternative a line)."""
    scratch = root.parent / "git-oracle"
    shutil.rmtree(scratch, ignore_errors=True)
    subprocess.run(["git", "init", "-q", "--template=", str(scratch)], check=True)
    for name in FILES:
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        (scratch / name).write_text(TEXT, encoding="utf-8")
    (scratch / ".git" / "info").mkdir(exist_ok=True)
    (scratch / ".git" / "info" / "exclude").write_text("".join(line + "\n" for line in globs.alternatives(glob)))
    kept = subprocess.run(["git", "ls-files", "-z", "--others", "--exclude-standard"], cwd=scratch, check=True,
                          capture_output=True).stdout.decode().split("\0")
    return set(FILES) - set(kept)


def relative(rows: list[dict[str, Any]], operand: str) -> dict[str, dict[str, Any]]:
    """The report's rows by path relative to the folder given."""
    return {os.path.relpath(row["path"], operand).replace(os.sep, "/"): row for row in rows}


def report(*args: str) -> Any:
    """The JSON report of wordcount ARGS (exit 0, or 1 for an audit rule that failed)."""
    result = invoke("--format", "json", "--per-file", "--top", "0", "-q", *args)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def four_kinds(root: Path, operand: str, glob: str) -> dict[str, set[str]]:
    """What each kind of glob picks out of FILES below `operand` (the folder root, as spelled)."""
    (root / ".wordcount.toml").write_text(f"[[rules]]\nglob = {json.dumps(glob)}\nmax-words = 0\n", encoding="utf-8")
    config = ["--config", str(root / ".wordcount.toml")]
    everything = set(FILES)
    excluded = everything - set(relative(report(operand, "--exclude", glob)["files"], operand))
    globbed = everything - set(relative(report(operand, "--glob", "!" + glob)["files"], operand))
    pinned = relative(report(operand, "--encoding", f"{glob}=latin-1")["files"], operand)
    audited = report(operand, *config)["violations"]
    return {
        "--exclude": excluded,
        "--glob !": globbed,
        "--encoding": {name for name, row in pinned.items() if row["encoding"] == "iso8859-1"},
        "[[rules]]": {os.path.relpath(hit["path"], operand).replace(os.sep, "/") for hit in audited},
    }


GLOBS = ["*.md", "notes/", "/notes", "notes", "deep/*.txt", "notes/**/*.md", "/drafts/*", "**/notes/*.md",
         "{drafts,legacy}/*.txt", "*.{txt,md}", "[a-c].md", "legacy/**", "/a.md", "x.txt"]


@pytest.mark.parametrize("glob", GLOBS)
def test_every_kind_of_glob_picks_the_same_files_as_git(tree: Path, glob: str) -> None:
    """--exclude G, --glob '!G', --encoding G=NAME and a [[rules]] glob G pick the same files, git's,
    whether the folder is given absolute, relative, with './' and a trailing '/', or as '.'."""
    expected = git_matches(tree, glob)
    for operand in (str(tree), "root", "./root/"):
        assert four_kinds(tree, operand, glob) == dict.fromkeys(("--exclude", "--glob !", "--encoding", "[[rules]]"),
                                                               expected), operand
    os.chdir(tree)
    assert four_kinds(tree, ".", glob) == dict.fromkeys(("--exclude", "--glob !", "--encoding", "[[rules]]"), expected)


def test_an_absolute_glob_inside_the_folder_given_is_taken_relative_to_it(tree: Path) -> None:
    """`--exclude /abs/root/drafts` works however the folder is given, through a link too."""
    absolute = str(tree / "drafts")
    (tree.parent / "link").symlink_to(tree)
    for operand in (str(tree), "root", "./root/", "link", str(tree.parent / "link")):
        for kind in ("--exclude", "--glob"):
            glob = absolute if kind == "--exclude" else "!" + absolute
            kept = set(relative(report(operand, kind, glob)["files"], operand))
            assert kept == set(FILES) - {"drafts/x.txt", "drafts/y.md"}, (operand, kind)
    pinned = relative(report("root", "--encoding", absolute + "/=latin-1")["files"], "root")
    assert {name for name, row in pinned.items() if row["encoding"] == "iso8859-1"} == {"drafts/x.txt", "drafts/y.md"}


def test_an_absolute_glob_outside_every_folder_given_is_a_usage_error(tree: Path) -> None:
    """A path that lies outside what is counted could leave out nothing: said, not ignored."""
    elsewhere = tree.parent / "elsewhere"
    (elsewhere / "drafts").mkdir(parents=True)
    for kind in ("--exclude", "--glob"):
        result = invoke(str(tree / "notes"), kind, str(elsewhere / "drafts"))
        assert result.exit_code == 2
        assert result.stderr.startswith(f"wordcount: {kind} {elsewhere / 'drafts'}: ") and "relative" in result.stderr
    # An anchored glob that names something in the folder given is that, whatever lies at the root.
    assert invoke(str(tree), "--exclude", "/notes", "--top", "0").exit_code == 0


def test_a_file_named_is_counted_whatever_the_walk_globs_say(tree: Path) -> None:
    """As ripgrep searches a path it is given: --exclude, --glob and --type decide for what a walk meets."""
    named = str(tree / "a.md")
    for args in (["--exclude", "*.md"], ["--glob", "!*.md"], ["--glob", "*.txt"], ["-T", "md"], ["-t", "txt"]):
        assert [row["path"] for row in report(named, *args)["files"]] == [named], args


@pytest.mark.parametrize("glob", ["", " ", "#x", "!", "{a,b", "a}", "{a,{b}}", "a\nb", "[z-a]", "[!", "a\\",
                                  "[[:nope:]]"])
def test_a_glob_that_is_no_glob_is_a_usage_error_for_every_kind(tree: Path, glob: str) -> None:
    for args in (["--exclude", glob], ["--glob", glob], ["--encoding", f"{glob}=utf-8"]):
        result = invoke(str(tree), *args)
        assert result.exit_code == 2 and result.stderr.startswith(f"wordcount: {args[0]}"), (args, result.stderr)
    (tree / "bad.toml").write_text(f"[[rules]]\nglob = {json.dumps(glob)}\nmax-words = 1\n", encoding="utf-8")
    result = invoke("--config", str(tree / "bad.toml"), str(tree))
    assert result.exit_code == 2 and "rules[0]: glob" in result.stderr


def test_braces_are_alternatives_and_escapes_keep_them() -> None:
    assert globs.alternatives("*.{md,rst}") == ["*.md", "*.rst"]
    assert globs.alternatives("{a,b}/{c,}") == ["a/c", "a/", "b/c", "b/"]
    assert globs.alternatives("\\{a,b\\}") == ["\\{a,b\\}"]
    assert globs.matches_file("\\{x\\}.md", "{x}.md") and not globs.matches_file("{x}.md", "{x}.md")


# --------------------------------------------------------------------------- -t, -T, --type-list


def test_type_list_prints_the_table_and_exits_0() -> None:
    result = invoke("--type-list")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines == sorted(lines) and "md: *.markdown, *.md, *.mdown, *.mdwn, *.mdx, *.mkd, *.mkdn" in lines
    assert {line.split(":")[0] for line in lines} == set(filetypes.TYPES) >= {"md", "rst", "txt", "py", "c", "html"}


@pytest.mark.parametrize("option", ["-t", "--type", "-T", "--type-not"])
def test_an_unknown_type_is_a_usage_error_naming_the_option_and_the_name(tree: Path, option: str) -> None:
    result = invoke(option, "klingon", str(tree))
    long = {"-t": "--type", "-T": "--type-not"}.get(option, option)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"wordcount: {long}: unknown type 'klingon' (see --type-list)\n"


def test_types_and_globs_come_from_the_config_file_too(tree: Path) -> None:
    (tree / "c.toml").write_text("type = ['md']\ntype-not = ['markdown']\n", encoding="utf-8")
    assert report("--config", str(tree / "c.toml"), str(tree))["files"] == []  # md and markdown share their globs
    (tree / "c.toml").write_text("type = ['txt']\nglob = ['!legacy/']\n", encoding="utf-8")
    kept = relative(report("--config", str(tree / "c.toml"), str(tree))["files"], str(tree))
    assert set(kept) == {"notes/deep/d.txt", "drafts/x.txt"}
    kept = relative(report("--config", str(tree / "c.toml"), "-t", "md", str(tree))["files"], str(tree))
    assert set(kept) == {"a.md", "notes/b.md", "notes/deep/c.md", "drafts/y.md"}  # the command line's list wins
    (tree / "c.toml").write_text("type = ['klingon']\n", encoding="utf-8")
    result = invoke("--config", str(tree / "c.toml"), str(tree))
    assert result.exit_code == 2 and "c.toml: type: unknown type 'klingon'" in result.stderr
    (tree / "c.toml").write_text("type-list = true\n", encoding="utf-8")
    assert "unknown key: type-list" in invoke("--config", str(tree / "c.toml"), str(tree)).stderr


# --------------------------------------------------------------------------- ripgrep as the oracle

RG_TREE = ("a.md", "b.txt", "c.py", "Makefile", ".hidden.md", ".env", "docs/d.md", "docs/e.rst", "docs/.f.txt",
           "docs/sub/g.md", "docs/sub/h.c", "docs/sub/i.h", "build/j.md", "build/k.txt", ".hid/l.md", ".hid/m.txt",
           "logs/n.log", "logs/o.md", "src/p.py", "src/q.cpp", "src/r.hpp", "kept.log")
RG_IGNORE = "build/\n*.log\n!kept.log\nsrc/*.hpp\n"
RG_GLOBS = ("*.md", "!*.md", "docs/**", "!docs/**", "docs", "*.{md,rst}", "/a.md", "!/a.md", "sub/", "!sub/",
            "**/sub/*.md", "build/**", "build", ".hid", ".hid/**", "*.log", "!.*", "src/*", "[ab].*", "*", "!*",
            "!docs/sub/**", "*.txt", ".*", "logs/")
RG_TYPES = ("md", "markdown", "txt", "py", "c", "cpp", "rst", "sh", "all")


@pytest.fixture(scope="module")
def rg_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rg") / "tree"
    for name in RG_TREE:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("words\n", encoding="utf-8")
    (root / ".gitignore").write_text(RG_IGNORE, encoding="utf-8")
    return root


def ripgrep(root: Path, args: list[str]) -> set[str]:
    """The files `rg --files` lists in `root` (no git repository: `--no-require-git`), with our
    table of types instead of its own (which may be older or newer than ours)."""
    theirs = subprocess.run(["rg", "--type-list"], capture_output=True, check=True).stdout.decode().splitlines()
    defined = [f"--type-clear={line.split(':')[0]}" for line in theirs]
    defined += [f"--type-add={name}:{glob}" for name, table in filetypes.TYPES.items() for glob in table]
    done = subprocess.run(["rg", "--files", "--no-require-git", "--no-config", *defined, *args], cwd=root,
                          capture_output=True)
    assert done.returncode in (0, 1), done.stderr
    return set(done.stdout.decode().splitlines())


def rg_major() -> int:
    done = subprocess.run(["rg", "--version"], capture_output=True, check=True)
    return int(done.stdout.split()[1].split(b".")[0])


def counted(root: Path, args: list[str]) -> set[str]:
    old = os.getcwd()
    os.chdir(root)
    try:
        rows = report(".", "--no-require-git", *args)["files"]
    finally:
        os.chdir(old)
    return {os.path.relpath(row["path"], ".") for row in rows}


@st.composite
def rg_args(draw: st.DrawFn) -> list[str]:
    """Some -g globs and -t/-T selections, interleaved in a random order."""
    groups = [["-g", glob] for glob in draw(st.lists(st.sampled_from(RG_GLOBS), max_size=3))]
    groups += [list(pair) for pair in draw(st.lists(st.tuples(st.sampled_from(["-t", "-T"]),
                                                               st.sampled_from(RG_TYPES)), max_size=3))]
    return [arg for group in draw(st.permutations(groups)) for arg in group]


def selections_first(args: list[str]) -> list[str]:
    """`args` with every -t before every -T: ripgrep before 14 applied them so, whatever the
    order given (14 and later apply them in the order given, as wordcount does)."""
    pairs = [args[index : index + 2] for index in range(0, len(args), 2)]
    return [arg for pair in sorted(pairs, key=lambda pair: pair[0] == "-T") for arg in pair]


@pytest.mark.skipif(shutil.which("rg") is None, reason="needs ripgrep (apt-get install ripgrep)")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drawn=rg_args())
@example(drawn=["-t", "md"])  # .hidden.md: a file a type keeps is taken hidden or not
@example(drawn=["-g", ".hid", "-g", "*.md"])  # a hidden folder a glob matches is walked
@example(drawn=["-g", "build/**"])  # an ignored folder no glob matches stays out
@example(drawn=["-g", "build", "-g", "build/**"])
@example(drawn=["-g", "!docs/**", "-g", "*.md"])  # the last glob that matches wins
@example(drawn=["-g", "*.md", "-t", "py"])  # a plain glob decides alone
@example(drawn=["-T", "md", "-t", "markdown"])  # md and markdown share their globs: the later wins
@example(drawn=["-T", "all", "-t", "c"])
@example(drawn=["-T", "all"])
@example(drawn=["-g", "*.log"])  # a glob takes back what an ignore file leaves out
def test_globs_and_types_combine_as_in_ripgrep(rg_tree: Path, drawn: list[str]) -> None:
    args = drawn if rg_major() >= 14 else selections_first(drawn)
    assert counted(rg_tree, args) == ripgrep(rg_tree, args), args


def test_type_selections_apply_in_the_order_given(rg_tree: Path) -> None:
    """As ripgrep 14 and later (its `type_changes`, kept in the order parsed): the later of -t
    and -T wins for a file both match, whatever the config file said before them."""
    markdown = {"a.md", "docs/d.md", "docs/sub/g.md", "logs/o.md", ".hidden.md"}
    assert counted(rg_tree, ["-T", "md", "-t", "markdown"]) == markdown
    assert counted(rg_tree, ["-t", "markdown", "-T", "md"]) == set()
    assert counted(rg_tree, ["-t", "c", "-T", "all", "-t", "markdown", "-t", "rst"]) == markdown | {"docs/e.rst"}
    assert counted(rg_tree, ["--type", "c", "--type-not=c", "-tc"]) == {"docs/sub/h.c", "docs/sub/i.h"}

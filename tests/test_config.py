"""The config file (issue 6): where it is found, what it may say, flags over config, and rules
scoped by glob."""

from __future__ import annotations

import json
import pathlib
import textwrap
from typing import Any

import pytest

from conftest import invoke
from wordcount import config


@pytest.fixture
def tree(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """A small project, the working folder of the test: docs, notes, and a deeper folder."""
    files = {
        "docs/guide.md": "one two three four five six TODO\n",
        "docs/deep/api.md": "alpha beta gamma\n",
        "docs/readme.txt": "a b c d e f g h\n",
        "notes/todo.md": "FIXME later one two three four five six seven\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_config(path: pathlib.Path, text: str) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def report(*args: str) -> tuple[int, dict[str, Any]]:
    result = invoke("--format", "json", "-q", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def rules_by_file(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(v["rule"], v["path"]) for v in document["violations"]]


def test_config_values_are_defaults_and_flags_win(tree: pathlib.Path) -> None:
    """Keys are the long option names; a flag on the command line wins over the file, a list
    given there replaces the file's list, and --no-… turns off a flag the file turned on."""
    write_config(tree / ".wordcount.toml", """
        top = 1
        max-words = 7
        forbid = ["TODO", "re:FIX(ME)?"]
        per-file = true
        exclude = ["*.txt"]
    """)
    code, document = report()
    assert code == 1
    assert len(document["top"]) == 1
    assert sorted(row["path"] for row in document["files"]) == ["./docs/deep/api.md", "./docs/guide.md", "./notes/todo.md"]
    assert rules_by_file(document) == [
        ("forbid", "./docs/guide.md"), ("max-words", "./notes/todo.md"), ("forbid", "./notes/todo.md"),
    ]
    code, document = report("--top", "2", "--max-words", "100", "--forbid", "alpha", "--no-per-file")
    assert len(document["top"]) == 2 and "files" not in document
    assert rules_by_file(document) == [("forbid", "./docs/deep/api.md")]
    _, document = report("--exclude", "notes/", "--per-file")
    assert sorted(row["path"] for row in document["files"]) == [
        "./docs/deep/api.md", "./docs/guide.md", "./docs/readme.txt",
    ]


def test_pyproject_table_and_the_search_upward(tree: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[tool.wordcount] of a pyproject.toml is found from the working folder upward; a
    pyproject.toml without that table is passed over; the nearest folder wins."""
    write_config(tree / "pyproject.toml", """
        [project]
        name = "x"
        [tool.wordcount]
        max-words = 3
    """)
    write_config(tree / "docs" / "pyproject.toml", "[project]\n")
    monkeypatch.chdir(tree / "docs" / "deep")
    assert config.find(".") == str(tree / "pyproject.toml")
    code, document = report(".")
    assert code == 0 and document["violations"] == []  # api.md: 3 words
    code, document = report("..")
    assert rules_by_file(document) == [("max-words", "../guide.md"), ("max-words", "../readme.txt")]
    write_config(tree / "docs" / ".wordcount.toml", "max-words = 7\n")
    assert config.find(".") == str(tree / "docs" / ".wordcount.toml")
    assert rules_by_file(report("..")[1]) == [("max-words", "../readme.txt")]


def test_dedicated_file_wins_over_pyproject_in_one_folder(tree: pathlib.Path) -> None:
    write_config(tree / "pyproject.toml", "[tool.wordcount]\nmax-words = 1\n")
    write_config(tree / ".wordcount.toml", "max-words = 100\n")
    assert config.find(str(tree)) == str(tree / ".wordcount.toml")
    assert report()[1]["violations"] == []


def test_config_option_picks_one_file(tree: pathlib.Path) -> None:
    """--config FILE reads that file instead of the one found: top-level keys, or
    [tool.wordcount] when it is named pyproject.toml."""
    write_config(tree / ".wordcount.toml", "max-words = 1\n")
    elsewhere = tree.parent / f"{tree.name}-ci"
    other = write_config(elsewhere / "strict.toml", "min-words = 5\n")
    assert rules_by_file(report("--config", str(other))[1]) == [("min-words", "./docs/deep/api.md")]
    project = write_config(elsewhere / "pyproject.toml", "[tool.wordcount]\nmax-total-words = 10\n")
    assert rules_by_file(report("--config", str(project))[1]) == [("max-total-words", None)]
    empty = write_config(elsewhere / "other" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert report("--config", str(empty))[1]["violations"] == []


def test_without_config_nothing_changes(tree: pathlib.Path) -> None:
    """No config file anywhere up from here: no rule, nothing changed."""
    assert config.find(str(tree)) is None
    assert report()[1]["violations"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'red'\n", "unknown key: colour"),
        ("config = 'x.toml'\n", "unknown key: config"),
        ("version = true\n", "unknown key: version"),
        ("top = 'ten'\n", "top: expected a whole number, got a string: 'ten'"),
        ("top = '3'\n", "top: expected a whole number, got a string: '3'"),  # a number, not text
        ("top = true\n", "top: expected a whole number, got a boolean: true"),
        ("top = 3.0\n", "top: expected a whole number, got a float: 3.0"),
        ("top = -1\n", "top: expected a whole number of at least 0, got -1"),  # as for --top -1
        ("top = [1]\n", "top: expected a whole number, got an array: [1]"),
        ("jobs = '2'\n", "jobs: expected a whole number, got a string: '2'"),
        ("max-depth = {a = 1}\n", "max-depth: expected a whole number, got a table: {'a': 1}"),
        ("log-interval = '30'\n", "log-interval: expected a number, got a string: '30'"),
        ("connect-timeout = false\n", "connect-timeout: expected a number, got a boolean: false"),
        ("max-filesize = 1.5\n", "max-filesize: expected a whole number or a string, got a float: 1.5"),
        ("max-filesize = 2024-01-01\n", "max-filesize: expected a whole number or a string, got a date or time: 2024-01-01"),
        ("output = 3\n", "output: expected a string, got an integer: 3"),
        ("require-encoding = 8\n", "require-encoding: expected a string, got an integer: 8"),
        ("format = 1\n", "format: expected a string, got an integer: 1"),
        ("by = 2\n", "by: expected a string, got an integer: 2"),
        ("word-mode = true\n", "word-mode: expected a string, got a boolean: true"),
        ("top = 99999999999999999999\n", "top: expected a whole number of at most 1,000,000,000,000,000,000, got "
                                          "99999999999999999999"),
        ("jobs = 100000\n", "jobs: expected a whole number of at most 8,192, got 100000"),
        ("log-interval = 1e300\n", "log-interval: expected at most 86,400 seconds (a day), got 1e+300"),
        ("hidden = 'yes'\n", "hidden: not true or false: 'yes'"),
        ("format = 'xml'\n", "format: 'xml' is not one of table, json, csv, wc, github, sarif, jsonl, html"),
        ("exclude = 3\n", "exclude: not a list of strings: 3"),
        ("forbid = ['re:(']\n", "forbid: bad regular expression"),
        ("require-encoding = 'klingon'\n", "require-encoding: unknown encoding: klingon"),
        ("encoding = 'klingon'\n", "encoding: unknown encoding: klingon"),
        ("max-filesize = '10X'\n", "max-filesize: not a size: '10X'"),
        ("fail-on = ['sometimes']\n", "fail-on: 'sometimes' is not one of binary, undecodable, skipped, errors"),
        ("rules = 5\n", "rules: must be an array of tables"),
        ("[[rules]]\nmax-words = 3\n", "rules[0]: glob: a glob (string) is required"),
        ("[[rules]]\nglob = '*.md'\nmax-word = 3\n", "rules[0]: unknown key: max-word"),
        ("[[rules]]\nglob = '*.md'\nmax-words = -3\n", "rules[0]: max-words: not a whole number of at least 0: -3"),
        ("[[rules]]\nglob = '*.md'\nmin-words = 99999999999999999999\n",
         "rules[0]: min-words: not a whole number of at most 1,000,000,000,000,000,000: 99999999999999999999"),
        ("[[rules]]\nglob = '*.md'\nforbid = ['re:x*']\n", "rules[0]: forbid: 're:x*' matches empty text"),
        ("[[rules]]\nglob = '*.md'\nno-bom = 1\n", "rules[0]: no-bom: not true or false: 1"),
        ("[[rules]]\nglob = '*.md'\nrequire-encoding = 'klingon'\n", "rules[0]: require-encoding: unknown encoding"),
        ("[[rules]]\nglob = ''\n", "rules[0]: glob: not a glob: ''"),
        ("top = \n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_usage_error_naming_key_and_file(tree: pathlib.Path, text: str, message: str) -> None:
    """An unknown key or a bad value exits 2 before anything is counted, naming file and key."""
    path = write_config(tree / ".wordcount.toml", text)
    result = invoke("--format", "json")
    assert result.exit_code == 2, result.output
    assert f"config file {path}: " in result.stderr and message in result.stderr
    assert result.stdout == ""
    in_pyproject = write_config(
        tree / "sub" / "pyproject.toml", "[tool.wordcount]\n" + text.replace("[[rules]]", "[[tool.wordcount.rules]]")
    )
    result = invoke("--config", str(in_pyproject))
    assert result.exit_code == 2 and f"config file {in_pyproject}: " in result.stderr


@pytest.mark.parametrize(("text", "key"), [
    ("install-completion = true\n", "install-completion"),
    ("show-completion = 'bash'\n", "show-completion"),
    ("help = true\n", "help"),
    ("type-list = true\n", "type-list"),
    ("paths = ['docs']\n", "paths"),
])
def test_only_the_declared_settings_are_keys(tree: pathlib.Path, monkeypatch: pytest.MonkeyPatch, text: str,
                                             key: str) -> None:
    """The keys are the options declared as settings: not the ones Typer adds to every command
    (a file saying `install-completion = true` once installed shell completion, into ~/.bashrc,
    at every run instead of counting), not those about one invocation, not the paths."""
    home = tree / "home"
    monkeypatch.setenv("HOME", str(home))  # where an installed completion would be written
    monkeypatch.setenv("SHELL", "/bin/bash")
    write_config(tree / ".wordcount.toml", text)
    result = invoke("--format", "json")
    assert result.exit_code == 2, result.output
    assert f"unknown key: {key}" in result.stderr and result.stdout == ""
    assert not home.exists()


def test_missing_config_file_is_a_usage_error(tree: pathlib.Path) -> None:
    result = invoke("--config", "nowhere.toml")
    assert result.exit_code == 2 and "config file nowhere.toml: No such file or directory" in result.stderr


@pytest.mark.parametrize("text", ["top = 3", "log-interval = 5", "log-interval = 0.5", "connect-timeout = 2",
                                  "max-filesize = 1024", "max-filesize = '1k'", "by = 'dir:2'", "format = 'csv'",
                                  "exclude = '*.txt'", "exclude = ['*.txt']", "hidden = false"])
def test_each_type_an_option_takes_is_accepted(tree: pathlib.Path, text: str) -> None:
    """Numbers for counts (whole) and seconds (any), a number of bytes or a SIZE string, strings
    for the rest, a string or a list of them for repeatable options, true or false for flags."""
    write_config(tree / ".wordcount.toml", text + "\n")
    result = invoke("-q")
    assert result.exit_code == 0, result.stderr


def test_sizes_and_flags_from_config(tree: pathlib.Path) -> None:
    """max-filesize takes a SIZE string or a number of bytes; a flag the file sets can be unset."""
    (tree / "big.txt").write_text("x " * 6000)
    for value in ("'10k'", "10240"):
        write_config(tree / ".wordcount.toml", f"max-filesize = {value}\nhidden = true\n")
        (tree / ".hidden.txt").write_text("hidden words\n")
        document = report()[1]
        assert document["skipped"] == [{"path": "./big.txt", "reason": "too-large"}]
        assert document["totals"]["files"] == 6  # with the two hidden files
        assert report("--no-hidden")[1]["totals"]["files"] == 4


# --------------------------------------------------------------------------- scoped rules


SCOPED = """
    max-words = 100
    forbid = ["FIXME"]

    [[rules]]
    glob = "docs/**/*.md"
    max-words = 5
    forbid = ["TODO"]

    [[rules]]
    glob = "*.txt"
    min-words = 10
    no-bom = true
"""


def test_rules_scoped_by_glob(tree: pathlib.Path) -> None:
    """A [[rules]] table applies to the files its glob matches (gitignore syntax, relative to
    the config file's folder): its values win over the run's, its forbidden words add to them."""
    write_config(tree / ".wordcount.toml", SCOPED)
    code, document = report()
    assert code == 1
    assert [(v["rule"], v["path"], v.get("match")) for v in document["violations"]] == [
        ("max-words", "./docs/guide.md", None),
        ("forbid", "./docs/guide.md", "TODO"),
        ("min-words", "./docs/readme.txt", None),
        ("forbid", "./notes/todo.md", "FIXME"),
    ]


def test_scope_globs_are_relative_to_the_config_folder(tree: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from a subfolder, or naming paths another way, the same files match the same globs;
    files outside the config's folder match no glob."""
    write_config(tree / "pyproject.toml", "[tool.wordcount]\n" + textwrap.dedent(SCOPED).replace("[[rules]]", "[[tool.wordcount.rules]]"))
    monkeypatch.chdir(tree / "docs")
    document = report(".", str(tree / "notes"))[1]
    assert [(v["rule"], pathlib.Path(v["path"]).resolve().relative_to(tree).as_posix()) for v in document["violations"]] == [
        ("max-words", "docs/guide.md"), ("forbid", "docs/guide.md"), ("min-words", "docs/readme.txt"),
        ("forbid", "notes/todo.md"),
    ]
    outside = tree.parent / f"{tree.name}-outside"
    (outside / "docs").mkdir(parents=True)
    (outside / "docs" / "x.md").write_text("TODO one two three four five six\n")
    assert report("--config", str(tree / "pyproject.toml"), str(outside))[1]["violations"] == []


def test_scoped_rules_in_workers_equal_serial(tree: pathlib.Path) -> None:
    """The workers match the globs themselves: -j 2 through a pool reports what -j 1 does."""
    write_config(tree / ".wordcount.toml", SCOPED)
    for index in range(40):
        (tree / "docs" / f"gen{index:02}.md").write_text("word " * (20_000 + index) + ("TODO\n" if index % 3 else "\n"))
    outputs = [invoke("--format", "json", "-j", jobs, "-q").stdout for jobs in ("1", "2")]
    assert outputs[0] == outputs[1]
    found = json.loads(outputs[0])["violations"]
    assert sum(v["rule"] == "max-words" for v in found) == 41
    assert sum(v["rule"] == "forbid" and v["path"].startswith("./docs/gen") for v in found) == 26


# --------------------------------------------------------------------------- where the search starts


@pytest.fixture
def project(tmp_path: pathlib.Path) -> pathlib.Path:
    """A project with its own config (max-words = 2), and a working folder elsewhere whose own
    config must not apply to it."""
    root = tmp_path / "srv" / "repo"
    write_config(root / ".wordcount.toml", "max-words = 2\n")
    write_config(root / "docs" / "guide.md", "one two three\n")
    write_config(root / "notes" / "todo.md", "four five six\n")
    elsewhere = tmp_path / "elsewhere"
    write_config(elsewhere / ".wordcount.toml", "max-words = 100\n")
    return root


def test_the_config_is_found_from_the_paths_not_the_working_folder(project: pathlib.Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`cd elsewhere && wordcount /srv/repo/docs` uses the repository's config: the search starts
    in the deepest folder holding every path (a folder holds itself, a file its folder)."""
    monkeypatch.chdir(project.parent.parent / "elsewhere")
    for paths in ([project / "docs"], [project / "docs" / "guide.md"], [project / "docs", project / "notes"]):
        code, document = report(*map(str, paths))
        assert code == 1 and {v["rule"] for v in document["violations"]} == {"max-words"}, paths
        assert document["config"] == str(project / ".wordcount.toml")
    # Paths in two places share only a folder above the project: its config is not theirs.
    (project.parent.parent / "other.txt").write_text("a b c d\n")
    code, document = report(str(project / "docs"), str(project.parent.parent / "other.txt"))
    assert code == 0 and document["config"] is None


def test_without_a_path_the_search_starts_in_the_working_folder(project: pathlib.Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """With no path (the folder or standard input) or a list of names, the working folder is
    where the search starts."""
    monkeypatch.chdir(project / "docs")
    assert report()[1]["config"] == str(project / ".wordcount.toml")
    result = invoke("--format", "json", "-q", "--files-from", "-", input="guide.md\n")
    assert result.exit_code == 1 and json.loads(result.stdout)["config"] == str(project / ".wordcount.toml")


@pytest.mark.parametrize("marker", [".git/", ".git", ".hg/"])
def test_the_search_stops_at_the_top_of_a_repository(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                                     marker: str) -> None:
    """As black stops at `.git` (a folder, or a linked worktree's file) or `.hg`: a config above
    a checkout does not apply to it; one at its top does."""
    write_config(tmp_path / ".wordcount.toml", "max-words = 1\n")
    repo = tmp_path / "checkout"
    write_config(repo / "docs" / "a.md", "one two three\n")
    monkeypatch.chdir(tmp_path)
    assert report(str(repo / "docs"))[0] == 1  # no repository yet: the config above applies
    if marker.endswith("/"):
        (repo / marker).mkdir()
    else:
        (repo / marker).write_text("gitdir: /somewhere/else\n")
    code, document = report(str(repo / "docs"))
    assert code == 0 and document["config"] is None
    write_config(repo / "pyproject.toml", "[tool.wordcount]\nmax-words = 2\n")
    assert report(str(repo / "docs"))[1]["config"] == str(repo / "pyproject.toml")


def test_config_option_wins_and_is_named_as_given(project: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project.parent.parent / "elsewhere")
    code, document = report("--config", ".wordcount.toml", str(project / "docs"))
    assert code == 0 and document["config"] == ".wordcount.toml"
    summary = json.loads(invoke("--format", "jsonl", "-q", str(project)).stdout.splitlines()[-1])
    assert summary["config"] == str(project / ".wordcount.toml")


def test_verbose_says_which_config_applies(project: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--verbose says on stderr which config file applies and how it was found; -q silences it."""
    monkeypatch.chdir(project.parent.parent / "elsewhere")
    docs = project / "docs"
    lines = invoke("-v", "--top", "0", str(docs)).stderr.splitlines()
    assert f"wordcount: config file {project / '.wordcount.toml'} (found from {docs} up)" in lines
    lines = invoke("--verbose", "--config", ".wordcount.toml", str(docs)).stderr.splitlines()
    assert "wordcount: config file .wordcount.toml (--config)" in lines
    (project / ".wordcount.toml").unlink()
    (project / ".git").mkdir()
    lines = invoke("-v", str(docs)).stderr.splitlines()
    assert f"wordcount: no config file found from {docs} up" in lines
    assert "wordcount: no path given: counting this folder" in invoke("-v").stderr.splitlines()
    assert invoke("-v", "-q", str(docs)).stderr == ""


def test_a_broken_pyproject_on_the_way_up_is_a_usage_error(tree: pathlib.Path) -> None:
    """A pyproject.toml that is not TOML, met while looking for the config: exit 2 naming it."""
    (tree / "docs" / "pyproject.toml").write_text("x = \n")
    result = invoke(str(tree / "docs"))
    assert result.exit_code == 2
    assert result.stderr == f"wordcount: config file {tree / 'docs' / 'pyproject.toml'}: not valid TOML: " \
        "Invalid value (at line 1, column 5)\n"

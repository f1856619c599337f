"""Fuzzing the command line: any combination of options, with odd values, ends in 0, 1, 2 or 3.

Each example runs wordcount in this process (CliRunner, exceptions not caught, so a traceback is
a test failure) on a small tree: a few sample files, a binary and a Latin-1 file, a gzip file and a
truncated one. Usage errors (exit 2) must be one line on stderr that names the option at fault.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import pathlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from wordcount.cli.command import app

REPO = pathlib.Path(__file__).resolve().parent.parent

# Values that are odd for almost any option: empty, blank, negative, huge, not a number, not
# UTF-8 (surrogate escapes, as Python gives undecodable argv bytes), a NUL, option-like.
ODD = [
    "", " ", "-", "--", "0", "-1", "1.5", "1e309", "nan", "inf", "x", "99999999999999999999999",
    "9" * 5000, "\udcff\udcfe", "caf\udce9", "a\0b", "\n", "=", "*", "[", "!x", "--top", "١٢",
]


@dataclass(frozen=True)
class Tree:
    root: pathlib.Path  # the files counted
    scratch: pathlib.Path  # the working folder: relative --output and --cache-dir land here
    good_config: pathlib.Path
    bad_config: pathlib.Path
    stopwords: pathlib.Path
    scheduler_file: pathlib.Path


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    base = tmp_path_factory.mktemp("fuzz")
    root = base / "tree"
    (root / "sub").mkdir(parents=True)
    shutil.copy(REPO / "fixtures" / "sample" / "en" / "quick-count.txt", root / "quick.txt")
    shutil.copy(REPO / "fixtures" / "sample" / "images" / "pixel.bin", root / "pixel.bin")
    shutil.copy(REPO / "fixtures" / "sample" / "utf16" / "bom.txt", root / "sub" / "utf16.txt")
    shutil.copy(REPO / "fixtures" / "encodings" / "western" / "fr.latin-1.txt", root / "sub" / "latin1.txt")
    (root / "sub" / "empty.txt").write_bytes(b"")
    (root / "todo.md").write_text("TODO: nothing much\n" * 3)
    (root / "page.html").write_text("<p>TODO &amp; <code>x</code></p>\n")
    packed = gzip.compress("TODO: compressed words\n".encode() * 50)
    (root / "sub" / "notes.txt.gz").write_bytes(packed)
    (root / "sub" / "cut.txt.gz").write_bytes(packed[: len(packed) // 2])  # truncated: an error with -z
    (root / ".hidden").write_text("hidden words\n")
    scratch = base / "scratch"
    scratch.mkdir()
    good = base / "good.toml"
    good.write_text("top = 3\nforbid = ['TODO']\n[[rules]]\nglob = '*.md'\nmax-words = 2\n")
    bad = base / "bad.toml"
    bad.write_text("top = \n")
    (base / "typed.toml").write_text("type = ['md', 'txt']\ntype-not = ['html']\nglob = ['!sub/cut*']\n")
    (base / "bad-type.toml").write_text("type = ['nope']\n")
    stopwords = base / "stop.txt"
    stopwords.write_text("the\nand\n")
    scheduler_file = base / "scheduler.json"
    scheduler_file.write_text("{not json")
    return Tree(root, scratch, good, bad, stopwords, scheduler_file)


def values(*good: str) -> st.SearchStrategy[str]:
    """Good values for an option (most of the time, so that runs get past the checks), odd ones,
    and random text."""
    return st.integers(0, 9).flatmap(
        lambda pick: st.sampled_from(good) if pick < 8 else st.sampled_from(ODD) if pick == 8 else st.text(max_size=8)
    )


# Whole numbers at and past the options' bounds (values.MAX_JOBS, MAX_COUNT, MAX_SIZE): past a C
# integer's size, past Python's conversion limit, negative.
EDGES = [bound + step for bound in (8192, 10**18, 2**63 - 1) for step in (-1, 0, 1)] + [2**64, 10**20, -2**63]
HUGE = (st.sampled_from(EDGES) | st.integers(-2**70, 2**70)).map(str) | st.sampled_from(
    ["9" * 4300, "1" + "0" * 4400, "-" + "9" * 4400])


def numbers(*good: str, unit: str = "") -> st.SearchStrategy[str]:
    """`values(*good)`, or (half of the time) a huge whole number, with `unit` after it."""
    return st.one_of(values(*good), HUGE.map(lambda number: number + unit))


FLAGS = [
    "--ignore-case", "--no-ignore-case", "--nfkc", "--no-nfkc", "--per-file", "--no-per-file", "--cache",
    "--no-cache", "-q", "--quiet", "--no-quiet", "--hidden", "--no-hidden", "--no-ignore", "--ignore",
    "--follow-links", "--no-follow-links", "--forbid-ignore-case", "--no-forbid-ignore-case", "--no-bom",
    "--allow-bom", "--ship-bytes", "--no-ship-bytes", "--no-require-git", "--require-git", "--reverse",
    "--no-reverse", "-l", "--lines", "-w", "--words", "-m", "--chars", "-c", "--bytes", "-L", "--max-line-length",
    "--markup-code", "--no-markup-code",
    "-z", "--decompress", "--no-decompress", "--type-list",
    "-v", "--verbose", "--no-verbose",
]
ENCODINGS = ("utf-8", "utf-16", "UTF-32", "latin-1", "cp1252", "gbk", "ascii", "utf-7", "base64", "rot13", "idna",
             "punycode", "klingon", "*.txt=utf-16", "sub/**=latin-1", "=gbk", "*.txt=", "!x=gbk", "[z-a]=gbk")


def option_values(tree: Tree) -> dict[str, st.SearchStrategy[str]]:
    """Every option that takes a value, with the values it is tried with."""
    root, base = str(tree.root), tree.root.parent
    return {
        "--jobs": numbers("1", "2"),  # the tree is too small for a pool: -j 8192 counts here too
        "--top": numbers("0", "1", "3", "10"),
        "--word-mode": values("whitespace", "unicode", "cjk", "jieba"),
        "--total": values("auto", "always", "only", "never"),
        "--by": st.one_of(values("ext", "dir", "dir:2", "dir:0", "dir:x", "ext:1"), HUGE.map("dir:{}".format)),
        "--files0-from": values("-", str(tree.good_config), str(base / "missing.list"), root),
        "--files-from": values("-", str(tree.good_config), str(base / "missing.list"), root),
        "--min-length": numbers("0", "2", "100"),
        "--stopwords": values("en", "zh", str(tree.stopwords), str(base / "missing.txt"), root),
        "--format": values("table", "json", "csv", "wc", "github", "sarif", "jsonl", "html"),
        "--sort": values("path", "lines", "words", "chars", "bytes", "max-line-length"),
        "--markup": values("none", "auto"),
        "--output": values("report.out", "-", str(base / "missing" / "r.json"), root, "out/", str(tree.scratch)),
        "--encoding": values(*ENCODINGS),
        "--fallback-encoding": values(*ENCODINGS[:13]),
        "--progress": values("auto", "bar", "log", "none"),
        "--cache-dir": values("cache", str(base / "missing" / "cache"), str(tree.root / "quick.txt")),
        "--log-interval": values("0", "0.01", "30", "86400", "86400.5", "1e300"),
        "--exclude": values("*.txt", "sub/", "**", "!*.md", "#x", "/", "\\", "[!", "*.md\n*.txt", "{a,b", "*.{md,txt}",
                            str(tree.root / "sub"), str(tree.root.parent / "missing"), str(tree.scratch)),
        "--glob": values("*.txt", "!*.txt", "sub/**", "!sub/", "*.{md,html}", "{", "a}", "{a,{b}}", "!", "**", "[z-a]",
                         "/quick.txt", str(tree.root / "sub" / "*.txt"), str(tree.scratch), "#x", "\\"),
        "--type": values("md", "txt", "html", "all", "py", "markdown", "nope", "MD", ""),
        "--type-not": values("md", "txt", "all", "c", "nope", ""),
        "--max-depth": numbers("0", "1", "2"),
        "--max-filesize": numbers("0", "10", "1k", "1.5M", "10X", ".5k", "k", unit="G"),
        "--max-words": numbers("0", "3", "1000"),
        "--min-words": numbers("0", "3", "1000"),
        "--max-total-words": numbers("0", "10", "100000"),
        "--forbid": values("TODO", "re:TO+", "re:(", "re:x*", "re:", "re:\\p{Nope}", "C++", "straße"),
        "--require-encoding": values(*ENCODINGS[:13]),
        "--fail-on": values("binary", "undecodable", "skipped", "errors"),
        "--connect-timeout": values("0", "0.1", "10", "86400", "1e300"),  # unused without --scheduler, but checked
        "--config": values(str(tree.good_config), str(tree.bad_config), str(base / "missing.toml"), root,
                           str(base / "typed.toml"), str(base / "bad-type.toml")),
    }


# How the short options read in an error line.
LONG = {"-j": "--jobs", "-o": "--output", "-q": "--quiet", "-h": "--help", "-l": "--lines", "-w": "--words",
        "-m": "--chars", "-c": "--bytes", "-L": "--max-line-length", "-v": "--verbose", "-g": "--glob", "-t": "--type",
        "-T": "--type-not"}


@st.composite
def command_lines(draw: st.DrawFn, tree: Tree) -> list[str]:
    """A command line: some paths, some flags, some options with values, in any order."""
    strategies = option_values(tree)
    groups: list[list[str]] = []  # an option and its value stay together when shuffled
    names = draw(st.lists(st.sampled_from(sorted(strategies)), max_size=6))
    for name in names:
        short = {"--jobs": "-j", "--output": "-o", "--glob": "-g", "--type": "-t", "--type-not": "-T"}
        spelling = short.get(name, name) if draw(st.booleans()) else name
        value = draw(strategies[name])
        groups.append([f"{name}={value}"] if draw(st.integers(0, 9)) == 0 else [spelling, value])
    groups += [[flag] for flag in draw(st.lists(st.sampled_from(FLAGS), max_size=4))]
    if draw(st.integers(0, 19)) == 0:
        groups.append([draw(st.sampled_from(["--bogus", "--jobss", "-x", "--hidden=1", "--version", "--help",
                                             "--top"]))])
    good_paths = [str(tree.root), str(tree.root / "sub"), str(tree.root / "quick.txt"), str(tree.root / "pixel.bin")]
    odd_paths = [str(tree.root / "nope"), "", "-", "\udcff", "a\0b"]
    groups += [[path] for path in draw(st.lists(st.sampled_from(good_paths * 12 + odd_paths), min_size=1,
                                                max_size=3))]
    args = [arg for group in draw(st.permutations(groups)) for arg in group]
    if "--jobs" not in names:
        args = ["-j", "1", *args]
    return args


def _names(args: list[str]) -> set[str]:
    return {LONG.get(arg, arg.split("=")[0]) for arg in args if arg.startswith("-") and len(arg) > 1}


def check(result: Any, args: list[str]) -> None:
    """The contract: exit 0-3, no traceback; a usage error is one line naming the option."""
    exit_code, stderr = result.exit_code, result.stderr
    assert exit_code in (0, 1, 2, 3), (exit_code, stderr)
    assert "Traceback" not in stderr
    if exit_code == 2:
        # One line, the last (warnings may come before it when the error is found only at the end,
        # like a report that cannot be written), naming the option at fault; or the config file,
        # the cluster (--scheduler's own words).
        *before, line = stderr.splitlines()
        assert line.startswith("wordcount: ") and all(earlier.startswith("wordcount: ") for earlier in before), stderr
        named = [name for name in _names(args) if name in line]
        assert named or any(words in line for words in ("config file", "Dask")), line


@contextlib.contextmanager
def working_folder(path: pathlib.Path) -> Iterator[None]:
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run(tree: Tree, args: list[str]) -> Any:
    """wordcount ARGS in this process, in the scratch folder, with its own cache folder and no
    cluster from the environment; an exception is raised, not caught."""
    env = {"XDG_CACHE_HOME": str(tree.scratch / "xdg"), "DASK_SCHEDULER_ADDRESS": None}
    with working_folder(tree.scratch):
        return CliRunner().invoke(app, args, env=env, catch_exceptions=False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_any_command_line_ends_in_a_known_exit_code(tree: Tree, data: st.DataObject) -> None:
    """Every option, flags in both forms, odd values and paths, in any order: exit 0-3, no traceback,
    and a usage error that names the option (a few paths ahead of it: a binary, Latin-1, UTF-16)."""
    args = data.draw(command_lines(tree), label="args")
    result = run(tree, args)
    event(f"exit {result.exit_code}")
    check(result, args)


NUMBERS = {"--jobs": "", "--top": "", "--min-length": "", "--max-depth": "", "--max-words": "", "--min-words": "",
           "--max-total-words": "", "--max-filesize": "G", "--by": "dir:"}
SECONDS = ["86400", "86400.5", "1e18", "1e300", str(2**64)]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_numbers_of_any_size_end_in_a_known_exit_code(tree: Tree, data: st.DataObject) -> None:
    """Each numeric option with a number at or past its bound, past what a C integer holds, past
    what Python converts: taken, or a usage error naming the option; never an overflow once
    counted (as `--top 99999999999999999999` once was)."""
    name = data.draw(st.sampled_from(sorted(NUMBERS) + ["--log-interval", "--connect-timeout"]), label="option")
    if name in NUMBERS:
        number = data.draw(HUGE, label="number")
        value = number + NUMBERS[name] if name == "--max-filesize" else NUMBERS[name] + number
    else:
        value = data.draw(st.sampled_from(SECONDS), label="seconds")
    flags = data.draw(st.lists(st.sampled_from(["--per-file", "-z", "--format=html", "--progress=log", "--cache"]),
                               max_size=3), label="flags")
    args = [*flags, name, value, str(tree.root), *([] if name == "--jobs" else ["-j", "1"])]
    result = run(tree, args)
    event(f"exit {result.exit_code}")
    check(result, args)


# Options tried by their own tests below, or that end the run before anything else is checked
# (the completion options in test_help.py: --install-completion would write to ~/.bashrc).
TRIED_ELSEWHERE = {"--scheduler", "--scheduler-file", "--version", "--help", "-h", "--install-completion",
                   "--show-completion"}


def test_the_fuzzing_knows_every_option_of_the_cli(tree: Tree) -> None:
    """An option added to the CLI is fuzzed too: this fails until it is in FLAGS or option_values."""
    import typer.main

    command = typer.main.get_command(app)
    spellings = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    fuzzed = set(FLAGS) | set(option_values(tree)) | set(LONG) | TRIED_ELSEWHERE
    assert {name for name in spellings if name.startswith("-")} - fuzzed == set()


@pytest.mark.parametrize("args", [
    ["--scheduler", "tcp://127.0.0.1:9"],
    ["--scheduler", "not an address"],
    ["--scheduler", ""],
    ["--scheduler", "\udcff"],
    ["--scheduler-file", "{scheduler_file}"],
    ["--scheduler-file", ""],
    ["--scheduler", "tcp://127.0.0.1:9", "--scheduler-file", "{scheduler_file}"],
])
def test_odd_scheduler_values_end_in_a_usage_error(tree: Tree, args: list[str]) -> None:
    """A cluster that cannot be reached or named is exit 2 with one line, within --connect-timeout."""
    args = [arg.format(scheduler_file=tree.scheduler_file) for arg in args]
    args += ["--connect-timeout", "0.5", "-j", "1", str(tree.root)]
    result = run(tree, args)
    check(result, args)
    assert result.exit_code == 2

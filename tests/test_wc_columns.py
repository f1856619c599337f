"""wc's own interface: the column options -l -w -m -c -L, --files0-from and --files-from, --total,
and the word mode's name (`--word-mode`; `-w/--words` is only wc's column option).

The oracle is the GNU wc installed here (`LC_ALL=C.UTF-8`), as in test_wc_format.py; and for
-L, the C library's own `wcwidth` and `iswprint`, code point by code point.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wordcount.counting.line_width import LineWidth, char_width

from conftest import invoke, invoke_json, repo_env
from test_wc_format import WC_ENV, contents, names, needs_gnu_wc, ours, write_files

FLAGS = ("-l", "-w", "-m", "-c", "-L")


def gnu_wc(*args: bytes | str) -> bytes:
    """What `LC_ALL=C.UTF-8 wc ARGS…` prints on stdout."""
    return subprocess.run(["wc", *args], capture_output=True, env=WC_ENV).stdout


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.dictionaries(names(), contents(), min_size=1, max_size=4),
       flags=st.lists(st.sampled_from(FLAGS), unique=True, max_size=5))
@needs_gnu_wc
def test_column_options_are_gnu_wc_byte_for_byte(files: dict[str, bytes], flags: list[str]) -> None:
    """Any files, any of -l -w -m -c -L in any order: the columns wc prints, in wc's order, with
    wc's widths (one file and one column: no padding)."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_files(tmp, files)
        assert ours(*flags, tmp) == gnu_wc(*flags, "--", *map(os.fsencode, paths))


@needs_gnu_wc
def test_column_options_on_the_bundled_samples_and_a_real_process() -> None:
    """The bundled corpora (legacy encodings, UTF-16, Chinese and Japanese) through a pool."""
    root = pathlib.Path(__file__).parent.parent / "fixtures"
    paths = sorted(os.fsencode(str(path)) for path in root.rglob("*") if path.is_file())
    for flags in (["-L"], ["-lwmcL"], ["-c", "-m"]):
        result = subprocess.run([sys.executable, "-m", "wordcount", "-q", "-j", "2", "--hidden", "--no-ignore",
                                 "--format", "wc", *flags, str(root)], capture_output=True,
                                env={**repo_env(), "LC_ALL": "C.UTF-8"})
        assert result.returncode == 0, result.stderr
        assert result.stdout == gnu_wc(*flags, "--", *paths), flags


@needs_gnu_wc
def test_files0_from_is_wc_files0_from(tmp_path: pathlib.Path) -> None:
    """`find … -print0 | wordcount --files0-from=- --format wc` prints what wc prints for the same
    list: from a pipe nothing is padded; from a regular list file, columns fit the sizes."""
    paths = write_files(str(tmp_path), {"a b": b"one two\n", "c": "日本語 テキスト\n".encode() * 40, "d\n": b"x"})
    listing = b"".join(os.fsencode(path) + b"\0" for path in paths)
    for flags in ([], ["-L", "-c"]):
        piped = subprocess.run([sys.executable, "-m", "wordcount", "-q", "--format", "wc", "--files0-from=-", *flags],
                               input=listing, capture_output=True, env={**repo_env(), "LC_ALL": "C.UTF-8"})
        expected = subprocess.run(["wc", "--files0-from=-", *flags], input=listing, capture_output=True, env=WC_ENV)
        assert piped.stdout == expected.stdout
        (tmp_path / "list").write_bytes(listing)
        stored = ours(f"--files0-from={tmp_path / 'list'}", *flags)
        assert stored == gnu_wc(f"--files0-from={tmp_path / 'list'}", *flags)
    assert gnu_wc(f"--files0-from={tmp_path / 'list'}").startswith(b"  1 ")  # the comparison above: padded columns


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.dictionaries(names(), contents(), min_size=2, max_size=5), data=st.data())
@needs_gnu_wc
def test_files0_from_keeps_the_lists_order(files: dict[str, bytes], data: st.DataObject) -> None:
    """A list in any order, with a folder among its names: wc's lines in the list's order, from a
    regular list file and from a pipe, a folder's files at its place in path order."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "folder")
        os.mkdir(folder)
        inside = write_files(folder, {"z": b"last by name\n", "a": b"first by name\n"})
        names = data.draw(st.permutations([*write_files(tmp, files), folder]))
        listing = b"".join(os.fsencode(name) + b"\0" for name in names)
        expanded = b"".join(os.fsencode(path) + b"\0" for name in names for path in (inside if name == folder else [name]))
        pathlib.Path(tmp, "list").write_bytes(listing)
        pathlib.Path(tmp, "expanded").write_bytes(expanded)
        assert ours(f"--files0-from={tmp}/list") == gnu_wc(f"--files0-from={tmp}/expanded")
        piped = invoke("-q", "--hidden", "--no-ignore", "--format", "wc", "--files0-from=-", input=listing)
        assert piped.stdout_bytes == subprocess.run(["wc", "--files0-from=-"], input=expanded, capture_output=True,
                                                    env=WC_ENV).stdout


def test_files0_from_reports_what_wc_reports(tmp_path: pathlib.Path) -> None:
    """An empty name, `-` in a list read from standard input, and a missing file are each that
    entry's error (exit 3); the other names are counted."""
    (tmp_path / "a").write_text("one two\n")
    listing = f"{tmp_path / 'a'}\0\0-\0{tmp_path / 'missing'}".encode()  # the last NUL left out
    result = invoke("--files0-from=-", "--format", "json", "-q", input=listing)
    report = json.loads(result.stdout)
    assert result.exit_code == 3
    assert report["totals"]["files"] == 1 and report["totals"]["words"] == 2
    assert report["errors"] == [
        {"path": "-", "error": "when reading file names from standard input, no file name of '-' allowed"},
        {"path": "-:2", "error": "invalid zero-length file name"},
        {"path": str(tmp_path / "missing"), "error": "No such file or directory"},
    ]


def test_files_from_takes_a_name_a_line_and_folders_are_walked(tmp_path: pathlib.Path) -> None:
    """--files-from: one name a line, empty lines skipped; a folder named is walked; a file named
    twice (or found again in a folder named) is counted once."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.txt").write_text("three little words\n")
    (tmp_path / "y.txt").write_text("two words\n")
    (tmp_path / "list").write_text(f"{tmp_path / 'y.txt'}\n\n{tmp_path / 'sub'}\n{tmp_path / 'sub' / 'x.txt'}\n")
    report = invoke_json(f"--files-from={tmp_path / 'list'}")
    assert (report["totals"]["files"], report["totals"]["words"]) == (2, 5)
    assert report["errors"] == []


@pytest.mark.parametrize(("args", "message"), [
    (["--files0-from=-", "x"], "--files0-from: file operands cannot be combined with it (extra operand 'x')"),
    (["--files-from=/no/such/list"], "--files-from: cannot open '/no/such/list' for reading: No such file or directory"),
    (["--files0-from=-", "--files-from=-"], "give --files0-from or --files-from, not both"),
    (["--by", "dir:0"], "--by: the depth in 'dir:0' is not a whole number of at least 1"),
    (["--by", "lang"], "--by: 'lang' is not one of ext, dir, dir:N"),
    (["--by", "ext", "--format", "wc"], "--by: --format wc has no place for groups (use table, json, csv, jsonl or html)"),
    (["--total", "some"], "--total: 'some' is not one of auto, always, only, never"),
])
def test_usage_errors_name_the_option(args: list[str], message: str) -> None:
    result = invoke(*args, input=b"")
    assert result.exit_code == 2
    assert result.stderr == f"wordcount: {message}\n"


def test_an_empty_list_counts_nothing(tmp_path: pathlib.Path) -> None:
    """No names is no files (not the working folder), as wc --files0-from counts nothing."""
    (tmp_path / "a").write_text("words here\n")
    result = invoke("--files0-from=-", "--format", "wc", input=b"")
    assert (result.exit_code, result.stdout) == (0, "")


# --------------------------------------------------------------------------- --total


@pytest.fixture
def two(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / "a").write_text("a b\n")
    (tmp_path / "b").write_text("hello world foo\n\tx\n")
    return tmp_path


@pytest.mark.parametrize(("mode", "expected"), [
    ("auto", " 1  2  4 {a}\n 2  4 19 {b}\n 3  6 23 total\n"),
    ("always", " 1  2  4 {a}\n 2  4 19 {b}\n 3  6 23 total\n"),
    ("only", "3 6 23\n"),  # wc 9.2+: no padding, no name
    ("never", " 1  2  4 {a}\n 2  4 19 {b}\n"),
])
def test_total_in_wc_format_is_wc_total(two: pathlib.Path, mode: str, expected: str) -> None:
    """wc 9.2's --total, written out from its source (the wc here, 9.1, has no --total)."""
    assert ours(f"--total={mode}", str(two)).decode() == expected.format(a=two / "a", b=two / "b")


def test_total_always_and_never_for_one_file(two: pathlib.Path) -> None:
    assert ours("--total=always", "-lw", str(two / "a")).decode() == f"1 2 {two / 'a'}\n1 2 total\n"
    assert ours("--total=auto", "-lw", str(two / "a")).decode() == f"1 2 {two / 'a'}\n"


def test_total_in_the_other_formats(two: pathlib.Path) -> None:
    """only: no per-file rows; never: no total; the CSV's total row has an empty path."""
    assert "files" not in invoke_json("--per-file", "--total=only", str(two))
    assert "totals" not in invoke_json("--per-file", "--total=never", str(two))
    table = invoke("--per-file", "--total=never", "--top", "0", str(two)).stdout
    assert table.splitlines()[-1].endswith(str(two / "b")) and "total (" not in table
    only = invoke("--per-file", "--total=only", "--top", "0", str(two)).stdout
    assert only.splitlines()[:2] == ["files  lines  words  chars  bytes", "    2      3      6     23     23"]
    csv_rows = invoke("--per-file", "--total=always", "--format", "csv", "-l", "-c", str(two)).stdout.splitlines()
    assert csv_rows == ["path,lines,bytes,encoding,replaced,confidence", f"{two / 'a'},1,4,utf-8,0,1.00",
                        f"{two / 'b'},2,19,utf-8,0,1.00", ",3,23,,,"]
    jsonl = invoke("--format", "jsonl", "--total=only", str(two)).stdout.splitlines()
    assert [json.loads(line)["type"] for line in jsonl] == ["summary"]


# --------------------------------------------------------------------------- columns elsewhere


def test_columns_select_the_json_totals_and_rows(two: pathlib.Path) -> None:
    report = invoke_json("--per-file", "-L", "-l", str(two))
    assert report["totals"] == {"files": 2, "lines": 3, "max_line_length": 15}
    assert [{key: row[key] for key in ("path", "lines", "max_line_length")} for row in report["files"]] == [
        {"path": str(two / "a"), "lines": 1, "max_line_length": 3},
        {"path": str(two / "b"), "lines": 2, "max_line_length": 15},
    ]
    assert "words" not in report["files"][0] and "bytes" not in report["files"][0]
    table = invoke("-w", "-m", "--top", "0", str(two)).stdout
    assert table.splitlines()[:2] == ["files  words  chars", "    2      6     23"]


def test_max_line_length_is_the_same_with_any_number_of_jobs_and_cut_files(tmp_path: pathlib.Path) -> None:
    """A file large enough to be cut into pieces is measured whole (a line may run over a cut):
    -j 1 and -j 2 give the same report, and it is wc's figure."""
    line = "word " * 30 + "\t" + "日本" * 9
    (tmp_path / "big.txt").write_text((line + "\n") * 400_000 + "x" * 500 + "\n")
    (tmp_path / "small.txt").write_text("short\n")
    reports = [invoke("--per-file", "--format", "json", "-L", "-j", jobs, str(tmp_path)).stdout for jobs in ("1", "2")]
    assert reports[0] == reports[1]
    report = json.loads(reports[0])
    assert report["totals"]["max_line_length"] == 500
    if os.path.exists("/usr/bin/wc"):
        assert gnu_wc("-L", str(tmp_path / "big.txt")).split()[0] == b"500"


# --------------------------------------------------------------------------- -L's widths


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    libc.setlocale.restype = ctypes.c_char_p
    libc.wcwidth.argtypes = [ctypes.c_wchar]
    libc.iswprint.argtypes = [ctypes.c_wchar]
    return libc


def test_widths_are_glibc_wcwidth_in_c_utf8() -> None:
    """Every code point's width, as wc -L adds it up: glibc's wcwidth when iswprint, else 0."""
    libc = _libc()
    if libc is None or "glibc" not in " ".join(os.confstr("CS_GNU_LIBC_VERSION").split()[:1]):
        pytest.skip("no glibc")
    previous = libc.setlocale(0, None)
    if not libc.setlocale(0, b"C.UTF-8"):
        pytest.skip("no C.UTF-8 locale")
    try:
        wrong = [point for point in range(0x110000) if not 0xD800 <= point < 0xE000 and chr(point) not in "\t\n\r\f"
                 and char_width(chr(point)) != (max(libc.wcwidth(chr(point)), 0) if libc.iswprint(chr(point)) else 0)]
    finally:
        libc.setlocale(0, previous)
    assert wrong == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab \t\n\r\f\v\x01\x7fé中\u0301\u200b😀\U00020000\ufffd\u2028"),
                    max_size=120),
       cuts=st.lists(st.integers(0, 120), max_size=4))
def test_line_width_does_not_depend_on_how_the_text_is_cut(text: str, cuts: list[int]) -> None:
    """Fed in pieces cut anywhere, the widest line is that of a simple one-pass reference."""
    widths = LineWidth()
    previous = 0
    for cut in sorted(min(cut, len(text)) for cut in cuts) + [len(text)]:
        widths.feed(text[previous:cut])
        previous = cut
    position = widest = 0
    for char in text:  # the reference: wc's loop, written out
        if char in "\n\r\f":
            widest, position = max(widest, position), 0
        elif char == "\t":
            position += 8 - position % 8
        else:
            position += char_width(char)
    assert widths.longest == max(widest, position)


# --------------------------------------------------------------------------- --word-mode


@needs_gnu_wc
def test_words_before_a_folder_named_like_a_word_mode_counts_that_folder(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-w/--words is wc's column option and nothing else: `--words unicode` shows the word count
    of what is in the folder `unicode`, as `wc -w` does for its file (the word mode's old
    spelling `--words MODE` is gone)."""
    (tmp_path / "unicode").mkdir()
    (tmp_path / "unicode" / "a.txt").write_text("don't stop-me now\n")  # 3 words as wc counts, 5 as unicode
    monkeypatch.chdir(tmp_path)
    expected = subprocess.run(["wc", "-w", "unicode/a.txt"], capture_output=True, env=WC_ENV, check=True).stdout
    assert expected == b"3 unicode/a.txt\n"
    for spelling in ("--words", "-w"):
        result = invoke("--format", "wc", spelling, "unicode")
        assert (result.exit_code, result.stdout_bytes, result.stderr) == (0, expected, "")
    assert invoke_json("--words", "unicode")["totals"] == {"files": 1, "words": 3}


def test_the_word_mode_is_only_word_mode(two: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`--words=MODE` and the config key `words = "MODE"` are no word mode any more: usage errors."""
    result = invoke("--words=unicode", str(two))
    assert (result.exit_code, result.stderr) == (2, "wordcount: --words: takes no value\n")
    config = tmp_path_factory.mktemp("config") / "wordcount.toml"
    config.write_text('words = "cjk"\n')
    result = invoke("--config", str(config), str(two))
    assert result.exit_code == 2 and "words: not true or false: 'cjk'" in result.stderr
    config.write_text("words = true\nlines = true\n")
    assert invoke_json("--config", str(config), str(two))["totals"] == {"files": 2, "lines": 3, "words": 6}


def test_max_line_length_of_a_marked_up_file_is_the_files(tmp_path: pathlib.Path) -> None:
    """With --markup auto, lines and -L stay the file's (code and URLs included); words are the prose's."""
    (tmp_path / "page.md").write_text("# Title\n\n```\n" + "code " * 30 + "\n```\n\n[link](https://example.com/a/long/path)\n")
    plain, prose = (invoke_json("-L", "-l", "-w", "--markup", mode, str(tmp_path))["totals"] for mode in ("none", "auto"))
    assert plain["max_line_length"] == prose["max_line_length"] == len("code " * 30)
    assert plain["lines"] == prose["lines"] and prose["words"] < plain["words"]


def test_the_new_options_together_on_compressed_and_marked_up_files(tmp_path: pathlib.Path) -> None:
    """-L on a file counted with -z is its text's; a gzip file named .md is compressed first (skipped
    as `compressed` without -z, counted as plain text with it); --by groups show the stored sizes."""
    import gzip

    text = "# heading\n\n    indented code line\n" + "wide 日本語\tline\n" * 3
    (tmp_path / "plain.txt").write_text(text)
    (tmp_path / "packed.txt.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "page.md").write_bytes(gzip.compress(text.encode()))
    skipped = invoke_json("--markup", "auto", str(tmp_path))["skipped"]
    assert {item["reason"] for item in skipped} == {"compressed"} and len(skipped) == 2
    report = invoke_json("-z", "--markup", "auto", "-L", "-w", "--per-file", "--by", "ext", str(tmp_path))
    rows = {pathlib.Path(row["path"]).name: row for row in report["files"]}
    assert rows["packed.txt.gz"]["max_line_length"] == rows["plain.txt"]["max_line_length"] == 22
    assert rows["page.md"]["words"] == rows["plain.txt"]["words"]  # read as the plain text it holds
    groups = {group["group"]: group for group in report["groups"]}
    assert ".gz" not in groups  # packed.txt.gz is counted as its text, a .txt
    assert groups[".txt"]["stored"] == (tmp_path / "packed.txt.gz").stat().st_size + (tmp_path / "plain.txt").stat().st_size
    assert groups[".md"]["stored"] == (tmp_path / "page.md").stat().st_size

"""`--format wc` is GNU wc: the same bytes on stdout for the same files, whatever they hold.

The oracle is the `wc` installed here, run in `LC_ALL=C.UTF-8` on the files in the order
wordcount prints them (the order of the paths given; a folder's files sorted by path). `--format wc` follows wc before 9.5 (coreutils 8.x to
9.4, checked against 9.1): on a newer wc, whose word rule changed, the comparison is skipped.
"""

from __future__ import annotations

import functools
import io
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wordcount.counting import reader, wc_words
from wordcount.report import layout, render
from wordcount.counting.spec import Counting
from wordcount.progress import NoProgress
from wordcount.model import FileCounts
from wordcount.report.layout import WC_DEFAULT_COLUMNS, Layout
from wordcount.report.summary import Summary

from conftest import invoke, repo_env

WC_ENV = {"LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


@functools.lru_cache(maxsize=None)
def gnu_wc_problem() -> str | None:
    """Why the installed wc cannot be the oracle, or None when it can."""
    if shutil.which("wc") is None:
        return "no wc on PATH"
    version = subprocess.run(["wc", "--version"], capture_output=True, env=WC_ENV).stdout.decode(errors="replace")
    first = version.splitlines()[0] if version else ""
    if "GNU coreutils" not in first:
        return f"wc is not GNU coreutils: {first!r}"
    number = tuple(int(part) for part in first.rsplit(" ", 1)[1].split(".")[:2])
    if number >= (9, 5):
        return f"wc {first.rsplit(' ', 1)[1]} counts words by the 9.5 rule; --format wc follows wc before 9.5"
    charmap = subprocess.run(["locale", "charmap"], capture_output=True, env=WC_ENV).stdout.strip()
    if charmap != b"UTF-8":
        return "no C.UTF-8 locale here"
    return None


def gnu_wc(paths: list[bytes]) -> bytes:
    """What `LC_ALL=C.UTF-8 wc PATHS…` prints on stdout."""
    return subprocess.run([b"wc", b"--", *paths], capture_output=True, env=WC_ENV).stdout


needs_gnu_wc = pytest.mark.skipif(gnu_wc_problem() is not None, reason=str(gnu_wc_problem()))


def ours(*args: str) -> bytes:
    """What `wordcount -q --hidden --no-ignore -j 1 --format wc ARGS…` prints, run in-process."""
    result = invoke("-q", "--hidden", "--no-ignore", "-j", "1", "--format", "wc", *args)
    return result.stdout_bytes  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- random files

_SPACES = " \t\n\v\f\r\u00a0\u1680\u2003\u2007\u2028\u2029\u202f\u205f\u2060\u3000"
_ODD = "\x00\x01\x1b\x1f\x7f\x85\u00ad\u200b\ufeff\ue000\U0001f600\U000e0001\u0378\uffff"
_LETTERS = "ab日本語éßЖ€“ ”"
TEXT = st.text(alphabet=st.sampled_from(_SPACES + _ODD + _LETTERS), max_size=60)
ENCODINGS = ("utf-8", "latin-1", "cp1252", "shift_jis", "utf-16", "utf-8-sig", "utf-16-le")


@st.composite
def contents(draw: st.DrawFn) -> bytes:
    """A file's bytes: text in one of several encodings, binary, invalid UTF-8 or nothing."""
    kind = draw(st.sampled_from(["text", "text", "binary", "invalid", "empty"]))
    if kind == "empty":
        return b""
    if kind == "binary":
        return draw(st.binary(max_size=80))
    if kind == "invalid":  # UTF-8 with broken, truncated, overlong and out-of-range sequences
        parts = st.sampled_from([b"ab", b" ", b"\n", "日".encode(), b"\xe6\x97", b"\xff", b"\xc0\x80", b"\xed\xa0\x80",
                                 b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\x80", b"\x00", b"\xc2\xa0", b"\xe2\x80"])
        return b"".join(draw(st.lists(parts, max_size=20)))
    encoding = draw(st.sampled_from(ENCODINGS))
    text = draw(TEXT)
    data = text.encode(encoding, "ignore" if encoding in ("latin-1", "cp1252", "shift_jis") else "surrogatepass")
    if draw(st.booleans()):
        data += "\n".encode(encoding).removeprefix(b"\xff\xfe").removeprefix(b"\xef\xbb\xbf")
    return data


_NAME_PIECES = ["a", "b", " ", "\n", "\t", "'", '"', "$", "\\", "é", "日本", "@", "?", "*", "~", "#", "=", "\x01", "\x7f",
                "\x85", "\u2028", "\u00a0", "\U0001f600", "\ufeff", ":", "-", "\udcff", "\udce9", "\udce6\udc97"]


@st.composite
def names(draw: st.DrawFn) -> str:
    """A file name as os.fsdecode gives it: spaces, newlines, quotes, non-UTF-8 bytes (as
    surrogate escapes), UTF-8 letters and control characters."""
    name = "".join(draw(st.lists(st.sampled_from(_NAME_PIECES), min_size=1, max_size=6)))
    if name in (".", ".."):
        name += "x"
    return name


def write_files(folder: str, files: dict[str, bytes]) -> list[str]:
    """Write each file (names as os.fsdecode gives them) into `folder`; their paths, sorted."""
    paths = []
    for name, data in files.items():
        path = os.path.join(folder, name)
        with open(os.fsencode(path), "wb") as handle:
            handle.write(data)
        paths.append(path)
    return sorted(paths)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.dictionaries(names(), contents(), min_size=1, max_size=5),
       nested=st.booleans())
@needs_gnu_wc
def test_wc_format_is_gnu_wc_byte_for_byte(files: dict[str, bytes], nested: bool) -> None:
    """Any names, any contents: --format wc prints what wc prints for the same files in the
    same order (wordcount's: sorted by path)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "sub dir\n") if nested else tmp
        os.makedirs(folder, exist_ok=True)
        expected = gnu_wc([os.fsencode(path) for path in write_files(folder, files)])
        assert ours(tmp) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=st.dictionaries(names(), st.one_of(contents(), st.dictionaries(names(), contents(), max_size=3)),
                            min_size=1, max_size=5),
       data=st.data())
@needs_gnu_wc
def test_operands_keep_the_order_they_were_given_in(tree: dict[str, bytes | dict[str, bytes]],
                                                    data: st.DataObject) -> None:
    """Files and folders named in any order: wc's lines in that order, a folder's files at its
    place in path order (what `wc` prints given the folder's files, `find DIR -type f | sort`)."""
    with tempfile.TemporaryDirectory() as tmp:
        reached: dict[str, list[str]] = {}
        for name, content in tree.items():
            path = os.path.join(tmp, name)
            if isinstance(content, bytes):
                reached[path] = write_files(tmp, {name: content})
            else:
                os.mkdir(os.fsencode(path))
                reached[path] = write_files(path, content)
        operands = data.draw(st.permutations(sorted(reached)))
        files = [file for operand in operands for file in reached[operand]]
        if not files:
            return  # wc would read standard input
        assert ours(*operands) == gnu_wc([os.fsencode(file) for file in files])


@needs_gnu_wc
def test_wc_format_in_a_real_process_with_jobs(tmp_path: pathlib.Path) -> None:
    """The same through a real process and a pool: binary, legacy encodings and odd names."""
    files = {
        "binary.bin": bytes(range(256)) * 3,
        "latin1 é.txt".encode(): "café au lait\nnaïve\n".encode("latin-1"),
        b"sjis\xff.txt": "日本語 テキスト\u3000です\n".encode("shift_jis"),
        b"new\nline": "utf-16 text\n".encode("utf-16"),
        b"empty": b"",
        b"no-newline": "a\u00a0b\u2028c d".encode(),
    }
    for name, data in files.items():
        (tmp_path / os.fsdecode(name)).write_bytes(data)
    expected = gnu_wc(sorted(os.fsencode(str(tmp_path / os.fsdecode(name))) for name in files))
    result = subprocess.run([sys.executable, "-m", "wordcount", "-q", "-j", "2", "--format", "wc", str(tmp_path)],
                            capture_output=True, env={**repo_env(), "LC_ALL": "C.UTF-8"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


def test_audits_still_see_binary_files_and_forbidden_words(tmp_path: pathlib.Path) -> None:
    """Counted rather than skipped, a binary file still fails `--fail-on binary`; forbidden
    words are found in the text as wc reads it (UTF-8); the report keeps its shape."""
    (tmp_path / "data.bin").write_bytes(b"\x00\x01TODO\x00")
    (tmp_path / "notes.txt").write_text("one TODO here\n")
    plain = ours(str(tmp_path))
    audited = invoke("--format", "wc", "--fail-on", "binary", "--forbid", "TODO", str(tmp_path))
    assert audited.exit_code == 1
    assert audited.stdout_bytes == plain
    assert "fail-on-binary" in audited.stderr and "notes.txt:1:5: forbid" in audited.stderr


# --------------------------------------------------------------------------- columns


@needs_gnu_wc
def test_stdin_from_a_file_is_sized_like_a_file_and_a_pipe_is_seven_wide(tmp_path: pathlib.Path) -> None:
    """wc sizes its columns from the regular files' sizes (standard input too, when it is one)
    and makes them 7 wide when an input is a pipe."""
    text = tmp_path / "a.txt"
    text.write_bytes(b"one two\nthree\n")
    command = [sys.executable, "-m", "wordcount", "-q", "--format", "wc", "-"]
    with open(text, "rb") as stdin:
        redirected = subprocess.run(command, stdin=stdin, capture_output=True, env=repo_env())
    with open(text, "rb") as stdin:
        assert redirected.stdout == subprocess.run(["wc", "-"], stdin=stdin, capture_output=True, env=WC_ENV).stdout
    piped = subprocess.run(command, input=text.read_bytes(), capture_output=True, env=repo_env())
    assert piped.stdout == b"      2       3      14 -\n"


@needs_gnu_wc
def test_a_missing_operand_is_left_out_as_wc_leaves_it_out(tmp_path: pathlib.Path) -> None:
    """`wc A missing B` says why on stderr and counts A and B: the same lines on stdout, the
    missing name on stderr, and exit 3 (wc's 1: some input could not be read)."""
    (tmp_path / "a.txt").write_bytes(b"one two\nthree\n")
    (tmp_path / "b.txt").write_bytes(b"four\n" * 300)
    paths = [str(tmp_path / name) for name in ("a.txt", "missing", "b.txt")]
    result = invoke("-q", "--format", "wc", *paths)
    assert result.exit_code == 3
    assert result.stdout_bytes == gnu_wc([os.fsencode(path) for path in paths])
    assert invoke("--format", "wc", *paths).stderr == f"wordcount: {paths[1]}: No such file or directory\n"


@needs_gnu_wc
@pytest.mark.skipif(not os.path.exists("/proc/version"), reason="no procfs here")
def test_files_whose_size_says_nothing_are_sized_as_wc_sizes_them(tmp_path: pathlib.Path) -> None:
    """A procfs file is a regular file of size 0 to wc, a sysfs one of size 4096: the columns are
    as wide as those sizes and the regular files' make them, whatever the files hold."""
    (tmp_path / "a.txt").write_bytes(b"one two\n" * 200)
    sysfs = [path for path in ["/sys/devices/system/cpu/possible"] if os.path.exists(path)]
    for paths in (["/proc/version"], ["/proc/version", str(tmp_path / "a.txt")], [*sysfs, "/proc/version"],
                  ["/proc/version", *sysfs, str(tmp_path / "a.txt")]):
        assert ours(*paths) == gnu_wc([os.fsencode(path) for path in paths]), paths
        bytes_only = subprocess.run(["wc", "-c", "--", *paths], capture_output=True, env=WC_ENV).stdout
        assert ours("-c", *paths) == bytes_only, paths


def test_the_given_order_puts_each_file_at_the_path_that_reached_it() -> None:
    """A file named, or found in a folder named (written with a separator at its end or not, or
    two), is at that path's place; a file reached by two paths at the first's; a folder's
    files in path order; `-` at its place."""
    key = layout.given_order(["b", "a/", "-", "c//", ".", "a/x.txt", "/"])
    paths = ["./z", "a/y", "a/x.txt", "-", "b", "c//q", "c//p", "/etc/f"]
    assert sorted(paths, key=key) == ["b", "a/x.txt", "a/y", "-", "c//p", "c//q", "./z", "/etc/f"]
    assert sorted(["b", "a"], key=layout.given_order([])) == ["a", "b"]  # reached by none given: by path


@pytest.mark.parametrize("reverse", [[], ["--reverse"]])
def test_sort_by_a_count_keeps_ties_in_the_given_order(tmp_path: pathlib.Path, reverse: list[str]) -> None:
    """`--sort words` with --format wc: the most words first (the fewest with --reverse), files with
    as many in the order given."""
    for name, text in {"a": "one\n", "b": "one two\n", "c": "three\n"}.items():
        (tmp_path / name).write_text(text)
    printed = ours("--sort", "words", *reverse, str(tmp_path / "c"), str(tmp_path / "b"), str(tmp_path / "a"))
    names = [line.rsplit(" ", 1)[1] for line in printed.decode().splitlines()[:-1]]
    assert names == [str(tmp_path / name) for name in (["c", "a", "b"] if reverse else ["b", "c", "a"])]


def test_widths_come_from_the_regular_files_only() -> None:
    """A pipe among the inputs makes every column at least 7 wide; its bytes do not count
    towards the width, as wc never knew them before reading."""
    rows = [FileCounts("a", 1, 1, 2, 2, "utf-8"), FileCounts("/dev/fd/63", 9, 9, 123456789, 123456789, "utf-8", regular=False)]
    summary = Summary(per_file=True, layout=Layout(rows=True, columns=WC_DEFAULT_COLUMNS))
    for row in rows:
        summary.add(row)
    lines = render.render_wc(summary).splitlines()
    assert lines[0] == "      9       9 123456789 /dev/fd/63"
    assert lines[1] == "      1       1       2 a"


# --------------------------------------------------------------------------- names


@needs_gnu_wc
@pytest.mark.parametrize("name", [b"plain", b"sp ace", b"new\nline", b"nl\n\xff\xfe", b"nl\n\x01\x7f", b"it's\nhere",
                                  "nl\n\u00e9\u65e5".encode(), b"nl\n\xc2\x85", b"\n", b"a\n'", b"tab\t\n\\$x",
                                  "nl\n\u2028\U0001f600".encode(), b"trunc\n\xe6\x97", b"q'\"\n@?*"])
def test_names_are_quoted_as_wc_quotes_them(tmp_path: pathlib.Path, name: bytes) -> None:
    """Only a name with a newline is quoted, in shell-escape style; others are printed raw."""
    path = os.fsencode(tmp_path) + b"/" + name
    with open(path, "wb") as handle:
        handle.write(b"x\n")
    expected = gnu_wc([path]).split(b" ", 3)[3]  # the name, after "1 1 2"
    assert render.wc_name(os.fsdecode(path)).encode("utf-8", "surrogateescape") + b"\n" == expected


# --------------------------------------------------------------------------- the rule


def test_the_word_rule_is_glibc_iswprint_and_iswspace_in_c_utf8() -> None:
    """wc before 9.5 ignores what glibc's iswprint calls unprintable, and splits words at what
    iswspace calls a space and at four no-break spaces: the tables in count agree with the C
    library for every code point (skipped where there is no glibc C.UTF-8 to ask)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None or sys.platform != "linux":
        pytest.skip("needs glibc")
    libc = ctypes.CDLL(name)
    libc.setlocale.restype = ctypes.c_char_p
    previous = libc.setlocale(0, None)  # LC_CTYPE
    if not libc.setlocale(0, b"C.UTF-8"):
        pytest.skip("no C.UTF-8 locale")
    try:
        if unicodedata.unidata_version != "14.0.0":  # glibc 2.35 to 2.38 know Unicode 14
            pytest.skip(f"Python's Unicode {unicodedata.unidata_version} may not be the C library's")
        libc.iswprint.argtypes = libc.iswspace.argtypes = [ctypes.c_uint32]
        every = "".join(chr(point) for point in range(0x110000) if not 0xD800 <= point <= 0xDFFF)
        kept = wc_words.wc_clean(every)
        printable = [char for char in every if libc.iswprint(ord(char)) or char in "\t\n\v\f\r"]
        assert len(kept) == len(printable)
        assert [char.isspace() for char in kept] == [
            bool(libc.iswspace(ord(char))) or char in "\u00a0\u2007\u202f\u2060" for char in printable
        ]
        assert [char for char in kept if not char.isspace()] == [char for char in printable if not char.isspace()
                                                                 and char != "\u2060"]
    finally:
        libc.setlocale(0, previous)


def wc_count(data: bytes) -> FileCounts:
    """Count bytes as --format wc does."""
    counted = reader.count_stream(io.BytesIO(data), "x", Counting(wc=True), None, NoProgress())
    assert isinstance(counted, FileCounts)
    return counted


@pytest.mark.parametrize(("data", "lines", "words"), [
    (b"", 0, 0),
    (b"a b\n", 1, 2),
    (b"a\x00b", 0, 1),  # NUL and other control characters neither start nor end a word
    (b"\x00 \x01 \x7f\n", 1, 0),
    (b"a\xffb c", 0, 2),  # a byte that is not UTF-8 is ignored too
    (b"\xff \xfe", 0, 0),
    ("a\u00a0b\u2007c\u202fd\u2060e".encode(), 0, 5),  # the no-break spaces separate
    ("a\u2028b".encode(), 0, 1),  # U+2028 is a space to iswspace but not printable: ignored
    ("\ufeffword".encode(), 0, 1),  # a BOM is a printable character, part of the word
    ("日本語\u3000テキスト".encode(), 0, 2),
    (b"\xe6\x97", 0, 0),  # a character cut off by the end of the file
])
def test_wc_counts(data: bytes, lines: int, words: int) -> None:
    counted = wc_count(data)
    assert (counted.lines, counted.words, counted.bytes) == (lines, words, len(data))


def test_wc_counts_do_not_depend_on_block_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    """A character or a word cut by a block boundary is counted once, as in one block."""
    data = "日本 語\u3000テ\xa0キ\U0001f600スト\x01 a\xffb\n".encode() * 7
    whole = wc_count(data)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 5)
    assert wc_count(data) == whole


def test_a_binary_file_counted_as_wc_counts_it_is_in_no_encoding(tmp_path: pathlib.Path) -> None:
    """`--require-encoding` on a binary file that `--format wc` counts: a violation (the file is
    in no encoding), not a crash on the encoding name `binary`."""
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01 two words\n")
    (tmp_path / "ok.txt").write_text("fine\n")
    result = invoke(str(tmp_path), "--format", "wc", "--require-encoding", "utf-8")
    assert result.exit_code == 1
    assert "blob.bin: require-encoding: not utf-8: it is binary" in result.stderr
    assert "ok.txt" not in result.stderr

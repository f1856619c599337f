"""Issue 11: no traceback for any input or option; the tool's own words for every usage error."""

from __future__ import annotations

import codecs
import errno
import json
import os
import re
import pathlib
import stat
import threading
from collections import Counter
from collections.abc import Iterator

import pytest

from tests.conftest import invoke, invoke_json
from wordcount.counting import freq
from wordcount.text import decoding
from wordcount.counting.reader import count_file
from wordcount.counting.spec import Counting
from wordcount.progress import NoProgress
from wordcount.model import Failed, FileCounts
from wordcount.counting.tally import normalized

TEXT = "hello wide world\nzwei Wörter\n"


@pytest.mark.parametrize(
    ("forced", "data", "encoding"),
    [
        ("utf-16", TEXT.encode("utf-16-le"), "utf-16-le"),
        ("utf-16", TEXT.encode("utf-16-be"), "utf-16-be"),
        ("UTF16", codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        ("utf-32", TEXT.encode("utf-32-le"), "utf-32-le"),
        ("utf-32", TEXT.encode("utf-32-be"), "utf-32-be"),
        ("utf-32", codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),
    ],
    ids=["utf16-le", "utf16-be", "utf16-bom", "utf32-le", "utf32-be", "utf32-bom"],
)
def test_forced_utf16_or_32_without_bom_is_read(tmp_path: pathlib.Path, forced: str, data: bytes,
                                                 encoding: str) -> None:
    """--encoding utf-16 on a BOM-less file once crashed the run (exit 1, a traceback): the byte
    order now comes from the BOM, else from the text, and the report names the codec used."""
    (tmp_path / "t.txt").write_bytes(data)
    result = invoke(str(tmp_path), "--encoding", forced, "--per-file", "--format", "json", "-j", "1")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["files"][0]
    assert (row["encoding"], row["chars"], row["words"], row["lines"]) == (encoding, len(TEXT), 5, 2)
    assert data.decode(encoding) in (TEXT, "\ufeff" + TEXT)


def test_forced_utf16_on_short_ascii_defaults_to_little_endian() -> None:
    """No BOM and too little text to tell: little-endian, as Windows writes it."""
    assert decoding.decide(b"ab", "utf-16") == decoding.Decoding("utf-16-le", 0, "utf-16-le")


class _Refusing(codecs.IncrementalDecoder):
    def decode(self, input: object, final: bool = False) -> str:
        raise UnicodeError("this codec refuses every file")


def _search(name: str) -> codecs.CodecInfo | None:
    if name != "wordcount_test_refusing":
        return None
    return codecs.CodecInfo(codecs.latin_1_encode, codecs.latin_1_decode, name=name,
                            incrementaldecoder=_Refusing)


@pytest.fixture
def refusing_codec() -> Iterator[str]:
    codecs.register(_search)
    yield "wordcount_test_refusing"
    codecs.unregister(_search)


def test_a_codec_that_raises_makes_the_file_an_error_not_a_crash(tmp_path: pathlib.Path, refusing_codec: str) -> None:
    """Any codec error while decoding one file is that file's problem: an `errors` entry, exit 3,
    and the other files are counted."""
    (tmp_path / "a.bin.txt").write_bytes(b"refused text\n")
    (tmp_path / "b.txt").write_bytes(b"fine text\n")
    outcome = count_file(str(tmp_path / "a.bin.txt"), Counting(encoding=refusing_codec), None, NoProgress())
    assert isinstance(outcome, Failed) and "refuses every file" in outcome.error
    assert isinstance(count_file(str(tmp_path / "b.txt"), Counting(), None, NoProgress()), FileCounts)
    result = invoke(str(tmp_path), "--encoding", f"*.bin.txt={refusing_codec}", "--format", "json", "-j", "1")
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert report["totals"]["files"] == 1
    assert [error["path"] for error in report["errors"]] == [str(tmp_path / "a.bin.txt")]
    assert "Traceback" not in result.stderr


SAMPLE = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "sample"


@pytest.mark.parametrize("name", ["rot13", "base64", "hex", "zlib", "bz2", "uu", "quopri", "idna", "punycode",
                                  "undefined"])
@pytest.mark.parametrize("option", ["--encoding", "--encoding=*.txt=", "--require-encoding", "--fallback-encoding"])
def test_only_text_encodings_are_accepted(name: str, option: str) -> None:
    """Codecs that are not text encodings (or not for files) passed validation and then crashed
    the run, or silently called every file binary: now a usage error naming the option."""
    args = [option, name] if not option.endswith("=") else [option + name]
    result = invoke(str(SAMPLE), "-j", "1", *args)
    assert result.exit_code == 2, result.output
    flag = option.split("=")[0]
    assert f"{flag}: not a text encoding: {name} (bytes-to-bytes and domain-name codecs cannot read files)" \
        in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("key", ["encoding", "require-encoding", "fallback-encoding"])
def test_only_text_encodings_in_the_config_file(tmp_path: pathlib.Path, key: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".wordcount.toml").write_text(f"{key} = 'base64'\n")
    (tmp_path / "t.txt").write_text("a b\n")
    monkeypatch.chdir(tmp_path)
    result = invoke()
    assert result.exit_code == 2
    assert f"{key}: not a text encoding: base64" in result.stderr


def test_text_encodings_stay_accepted() -> None:
    """The deny-list is narrow: real text codecs, aliases and odd spellings still pass."""
    assert [decoding.canonical(name) for name in ("UTF8", "latin-1", "GBK", "utf_16", "cp1252", "unicode_escape")] == [
        "utf-8", "iso8859-1", "gb18030", "utf-16", "cp1252", "unicode-escape"]
    with pytest.raises(LookupError, match="unknown encoding"):
        decoding.canonical("a\0b")



@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--jobs", "x"], "--jobs: expected a whole number of at least 1, got 'x'"),
        (["-j", "0"], "--jobs: expected a whole number of at least 1, got '0'"),
        (["--jobs", "9" * 5000], "--jobs: expected a whole number of at most 8,192, got '" + "9" * 5000 + "'"),
        (["--jobs", "99999999999999999999"], "--jobs: expected a whole number of at most 8,192, got "
                                             "'99999999999999999999'"),
        (["-j", "8193"], "--jobs: expected a whole number of at most 8,192, got '8193'"),
        (["--top", "99999999999999999999"], "--top: expected a whole number of at most 1,000,000,000,000,000,000, "
                                            "got '99999999999999999999'"),
        (["--top", "-" + "9" * 5000], "--top: expected a whole number of at least 0, got '-" + "9" * 5000 + "'"),
        (["--max-words", str(2**64)], "--max-words: expected a whole number of at most 1,000,000,000,000,000,000, "
                                      f"got '{2**64}'"),
        (["--by", "dir:" + "9" * 5000], "--by: the depth in 'dir:" + "9" * 5000 + "' is more than "
                                        "1,000,000,000,000,000,000"),
        (["--max-filesize", "8589934592G"], "--max-filesize: too large a size: '8589934592G' (at most "
                                            "9,223,372,036,854,775,807 bytes, the largest file size)"),
        (["--log-interval", "1e300"], "--log-interval: expected at most 86,400 seconds (a day), got '1e300'"),
        (["--connect-timeout", "86401"], "--connect-timeout: expected at most 86,400 seconds (a day), got '86401'"),
        (["--top", "-1"], "--top: expected a whole number of at least 0, got '-1'"),
        (["--max-depth", "1.5"], "--max-depth: expected a whole number of at least 0, got '1.5'"),
        (["--log-interval", "soon"], "--log-interval: expected a number of seconds of at least 0, got 'soon'"),
        (["--connect-timeout", "nan"], "--connect-timeout: expected a number of seconds of at least 0, got 'nan'"),
        (["--connect-timeout", "-1"], "--connect-timeout: expected a number of seconds of at least 0, got '-1'"),
        (["--format", "xml"], "--format: 'xml' is not one of table, json, csv, wc, github, sarif, jsonl, html"),
        (["--word-mode", "all"], "--word-mode: 'all' is not one of whitespace, unicode, cjk, jieba"),
        (["--progress", "yes"], "--progress: 'yes' is not one of auto, bar, log, none"),
        (["--fail-on", "x"], "--fail-on: 'x' is not one of binary, undecodable, skipped, errors"),
        (["--max-filesize", "10X"], "--max-filesize: not a size: '10X' (use bytes, or a number with k, M or G, like 10M)"),
        (["--bogus"], "unknown option --bogus (see wordcount --help)"),
        (["--jobss", "2"], "unknown option --jobss (did you mean --jobs?)"),
        (["--hiden"], "unknown option --hiden (did you mean --hidden?)"),
        (["-x"], "unknown option -x (see wordcount --help)"),
        (["--hidden=yes"], "--hidden: takes no value"),
        (["--top"], "--top: needs a value"),
        (["--encoding", "klingon"], "--encoding: unknown encoding: klingon"),
        (["--require-encoding", "klingon"], "--require-encoding: unknown encoding: klingon"),
        (["--exclude", "\\"], "--exclude: not a glob: '\\\\' (it ends in a lone backslash)"),
        (["--config", "a\nb\x85c"], "config file a\\nb\\x85c: No such file or directory"),
        (["--stopwords", "/no/such/list"], "--stopwords: cannot read the stopwords in /no/such/list: No such file or "
                                           "directory (built-in lists: en, zh)"),
    ],
)
def test_usage_errors_are_one_line_in_our_words(args: list[str], line: str) -> None:
    """Usage errors once showed click's usage block and the validation library's words
    ("Input should be greater than or equal to 0", "Value error, …", "Invalid value:" without the
    option); `--bogus` suggested `--jobs`. Now: one line naming the option, exit 2."""
    result = invoke(str(SAMPLE), *args)
    assert result.exit_code == 2
    assert result.stderr == f"wordcount: {line}\n"
    assert result.stdout == ""


@pytest.mark.parametrize(("args", "same_as"), [
    (["--top", str(10**18)], ["--top", "1000"]),  # a full list: every word of the sample, as with any N past it
    (["-j", "8192"], ["-j", "1"]),
    (["--max-depth", str(10**18)], []),
    (["--min-length", str(10**18)], ["--min-length", "2000"]),  # no word is that long: no frequencies
    (["--max-words", str(10**18), "--max-total-words", str(10**18)], []),
    (["--by", f"dir:{10**18}"], ["--by", "dir:1000"]),
    (["-z", "--max-filesize", "8589934591G"], ["-z"]),
    (["--progress", "log", "--log-interval", "86400", "-q"], []),
])
def test_the_largest_values_of_numeric_options_are_taken(args: list[str], same_as: list[str]) -> None:
    """Each bound is a value the option takes: past every real count, it is the same as no limit
    (values past these bounds once overflowed a C integer after counting: --top, -j, sizes)."""
    result = invoke(str(SAMPLE), "--format", "json", "--per-file", *args)
    assert result.exit_code == 0, result.stderr
    expected = invoke_json(str(SAMPLE), "--per-file", *same_as)
    assert {**json.loads(result.stdout), "by": None} == {**expected, "by": None}  # `by` says the grouping as given


@pytest.mark.parametrize(("value", "message"), [
    ("", "the file name is empty"),
    ("missing-folder/", "names a folder, not a file"),
    ("a\0b", "cannot hold a NUL character"),
    ("x" * 300, "longer than the"),
])
def test_odd_output_names_are_usage_errors_before_counting(tmp_path: pathlib.Path, value: str, message: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """`-o ''` counted everything, then crashed on the rename (exit 1, a traceback)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.txt").write_text("a b\n")
    counted: list[object] = []
    monkeypatch.setattr("wordcount.pipeline.run", lambda *args: counted.append(args))
    result = invoke("-j", "1", "-o", value, "t.txt")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("wordcount: --output: cannot write the report: ") and message in result.stderr
    assert result.stdout == "" and counted == [] and sorted(os.listdir(tmp_path)) == ["t.txt"]


def test_output_dash_is_standard_output(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`-o -` writes the report to stdout, as `-` reads stdin; no file named '-' appears."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.txt").write_text("a b\n")
    result = invoke("-j", "1", "--format", "json", "-o", "-", "t.txt")
    assert result.exit_code == 0 and json.loads(result.stdout)["totals"]["words"] == 2
    assert sorted(os.listdir(tmp_path)) == ["t.txt"]


def test_output_to_a_fifo_is_written_in_place(tmp_path: pathlib.Path) -> None:
    """A FIFO (or /dev/stdout) is written to as a shell's `>` would, not renamed over."""
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    (tmp_path / "t.txt").write_text("a b\n")
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        result = invoke("-j", "1", "--format", "json", "-o", str(fifo), str(tmp_path / "t.txt"))
    finally:
        if reader.is_alive() and stat.S_ISFIFO(os.stat(fifo).st_mode):
            with open(fifo, "wb"):  # unblock the reader if the report never came
                pass
        reader.join(10)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(got[0])["totals"]["words"] == 2


def test_a_failed_report_write_is_a_usage_error(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report that cannot be written after all (disk full) is exit 2 with one line, no traceback."""
    (tmp_path / "t.txt").write_text("a b\n")

    def full(path: str, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("wordcount.report.atomic.write_atomically", full)
    target = tmp_path / "report.json"
    result = invoke("-j", "1", "-o", str(target), str(tmp_path / "t.txt"))
    assert result.exit_code == 2
    assert result.stderr == f"wordcount: --output: cannot write the report to {target}: No space left on device\n"


def test_a_long_word_cut_inside_a_character_is_not_a_crash(tmp_path: pathlib.Path) -> None:
    """Found by the CLI fuzz test: a word carried to the next block (or to the end of a file that
    does not end in whitespace) is kept to its first 1,025 bytes, which may end inside a character;
    folding it (--ignore-case, with a cache) crashed."""
    assert freq.as_dict(normalized(freq.new_table({"é".encode() * 512 + b"\xc3": 1, b"Word": 2}), Counting(ignore_case=True))) == \
        dict({"é".encode() * 512 + b"\xc3": 1, b"word": 2})
    (tmp_path / "t.txt").write_bytes(b"a " * 10 + "é".encode() * 2000)
    result = invoke(str(tmp_path / "t.txt"), "-j", "1", "--ignore-case", "--cache-dir", str(tmp_path / "cache"),
                    "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["words"] == 11


def test_count_nouns_agree_with_their_numbers(tmp_path: pathlib.Path) -> None:
    """`total (1 files)`, `1 rule violations`, `top 1 words`, `1 words, more than …` and the
    like: the noun now agrees with the number, in the table, the violations and the log."""
    (tmp_path / "one.txt").write_text("word\n")
    result = invoke(str(tmp_path), "-j", "1", "--per-file", "--max-words", "0", "--word-mode", "cjk")
    assert result.exit_code == 1
    table = result.stdout
    assert "total (1 file)" in table and "top 1 word\n" in table and "1 rule violation:" in table
    assert "0 of the words are single CJK characters" in table
    assert "max-words: 1 word, more than the 0 allowed" in result.stderr
    (tmp_path / "two.txt").write_text("漢 two\n")
    table = invoke(str(tmp_path), "-j", "1", "--per-file", "--word-mode", "cjk").stdout
    assert "total (2 files)" in table and "top 3 words\n" in table and "1 of the words is a single CJK character" in table


def test_the_log_line_says_file_and_word_as_the_numbers_need(tmp_path: pathlib.Path) -> None:
    from wordcount.report.live import ProgressLog

    log = ProgressLog(30, clock=lambda: 10.0)
    log.expect(1, 2048, done=True)
    log((1, 1024, 1))
    assert log.line(12.0).startswith("1/1 file, 1.0 KiB/2.0 KiB, 1 word, 512 B/s")


def test_the_bar_says_kib_mib_gib_as_the_log_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """tqdm with unit_divisor=1024 showed MiB values as `MB` and `MB/s`; the log says MiB."""
    import io

    from wordcount.report.live import ProgressBar

    screen = io.StringIO()
    monkeypatch.setattr("sys.stderr", screen)
    bar = ProgressBar()
    bar.expect(2, 3 << 20, done=True)
    bar((1, 2 << 20, 5))
    bar.close()
    shown = screen.getvalue()
    assert "2.0 MiB/3.0 MiB" in shown and "1/2 files, 5 words" in shown
    assert re.search(r"[\d.,]+ (B|KiB|MiB|GiB)/s", shown), shown
    assert not re.search(r"\d(k|M|G)B", shown), shown

"""The command line, in-process: every option, the report formats, exit codes."""

from __future__ import annotations

import codecs
import csv
import io
import json
import importlib.util
import os
import pathlib
import random
import shutil
import subprocess
import sys
import unicodedata

import pytest

from conftest import SAMPLE, invoke, invoke_json, reference_counts, reference_top, repo_env, run_process
from wordcount import __version__, values
from wordcount.counting import core
from wordcount.execute.local import pool
from wordcount.report import atomic

# The true encoding of every text file in the sample corpus, and the name the report gives it.
SAMPLE_TEXTS = {
    "empty.txt": ("utf-8", "utf-8"),
    "en/notes/counting.md": ("utf-8", "utf-8"),
    "en/quick-count.txt": ("utf-8", "utf-8"),
    "ja/shift-jis.txt": ("shift_jis", None),
    "nested/one/two/three/deep.txt": ("utf-8", "utf-8"),
    "utf16/bom.txt": ("utf-16", "utf-16"),
    "zh/gbk.txt": ("gbk", "gb18030"),
    "zh/utf8.txt": ("utf-8", "utf-8"),
}


def sample_text(relative: str) -> str:
    return (SAMPLE / relative).read_bytes().decode(SAMPLE_TEXTS[relative][0])


def test_sample_matches_an_independent_count() -> None:
    """Per-file counts, totals and top words of the sample equal an independent computation."""
    report = invoke_json(str(SAMPLE), "--per-file", "--top", "15")
    rows = {pathlib.Path(row["path"]).relative_to(SAMPLE).as_posix(): row for row in report["files"]}
    assert sorted(rows) == sorted(SAMPLE_TEXTS)
    for relative, (true_encoding, reported) in SAMPLE_TEXTS.items():
        row, text = rows[relative], sample_text(relative)
        assert {key: row[key] for key in ("lines", "words", "chars")} == reference_counts(text), relative
        assert row["bytes"] == (SAMPLE / relative).stat().st_size
        if reported:
            assert row["encoding"] == reported
        assert (SAMPLE / relative).read_bytes().decode(row["encoding"]).lstrip("\ufeff") == text
    texts = [sample_text(relative) for relative in SAMPLE_TEXTS]
    expected = {key: sum(reference_counts(text)[key] for text in texts) for key in ("lines", "words", "chars")}
    assert report["totals"] == {"files": 8, **expected, "bytes": sum(row["bytes"] for row in rows.values())}
    assert report["top"] == reference_top(texts, 15)
    # The binary is skipped with a reason; the hidden and the ignored file are left out silently.
    assert report["skipped"] == [{"path": str(SAMPLE / "images" / "pixel.bin"), "reason": "binary"}]
    assert report["errors"] == []


def make_tree(root: pathlib.Path, files: int = 48, words_per_file: int = 9000) -> pathlib.Path:
    """A tree large enough for the pool to be used, in several encodings."""
    rng = random.Random(7)
    vocabulary = "the of and to a in is you that it 中文 词语 日本語 café naïve Straße".split()
    for index in range(files):
        text = " ".join(rng.choice(vocabulary) for _ in range(words_per_file)) + "\n"
        encoding = ["utf-8", "gb18030", "utf-16"][index % 3]
        data = text.encode(encoding) if encoding != "gb18030" else text.replace("日本語", "日本").encode(encoding)
        target = root / f"part{index % 4}" / f"file{index:03}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def test_jobs_give_byte_identical_reports(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-j 1 (no pool) and -j 2 / -j 4 (a real pool) print byte-identical per-file JSON."""
    tree = make_tree(tmp_path / "tree")
    used: list[str] = []
    for name in ("run_serial", "run_pool"):
        original = getattr(pool, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            used.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(pool, name, spy)
    monkeypatch.setattr(pool, "default_jobs", lambda: 4)  # a real pool of 4 even on fewer CPUs
    outputs = {}
    for jobs in ("1", "2", "4"):
        used.clear()
        result = invoke(str(tree), "--per-file", "--format", "json", "-j", jobs, "--top", "50")
        assert result.exit_code == 0
        outputs[jobs] = result.stdout
        assert used == (["run_serial"] if jobs == "1" else ["run_pool"])
    assert outputs["1"] == outputs["2"] == outputs["4"]
    assert json.loads(outputs["1"])["totals"]["files"] == 48


def test_jobs_above_the_cpus_are_capped_with_a_note(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-j above the CPUs this process may use starts no more workers than CPUs (more would only
    take turns) and says so in one line on stderr (not with -q); the report is -j 1's."""
    tree = make_tree(tmp_path / "tree")
    pools: list[int] = []
    original = pool.run_pool
    monkeypatch.setattr(pool, "run_pool", lambda tasks, job, jobs, *rest: pools.append(jobs) or original(tasks, job, jobs, *rest))
    monkeypatch.setattr(pool, "default_jobs", lambda: 2)
    many = invoke(str(tree), "--format", "json", "-j", "64")
    assert many.exit_code == 0 and pools == [2]
    assert many.stderr == "wordcount: --jobs 64: this process may use 2 CPUs; counting with 2\n"
    assert many.stdout == invoke(str(tree), "--format", "json", "-j", "1").stdout
    assert invoke(str(tree), "-j", "64", "-q").stderr == "" and invoke(str(tree), "-j", "2").stderr == ""
    assert pools == [2, 2, 2]


def test_jobs_are_capped_to_the_cpus_given_by_taskset(tmp_path: pathlib.Path) -> None:
    """The CPUs are those this process may run on (`taskset`), not the machine's."""
    taskset = shutil.which("taskset")
    if taskset is None:
        pytest.skip("taskset (util-linux) is not installed")
    (tmp_path / "a.txt").write_text("one two\n")
    done = subprocess.run([taskset, "-c", "0", sys.executable, "-m", "wordcount", str(tmp_path), "-j", "3"],
                          capture_output=True, env=repo_env(), timeout=60)
    assert done.returncode == 0
    assert done.stderr.decode() == "wordcount: --jobs 3: this process may use 1 CPU; counting with 1\n"


def test_small_input_runs_serially(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An input too small to gain from a pool is counted without one, even with -j 4."""
    (tmp_path / "a.txt").write_text("one two\n")
    monkeypatch.setattr(pool, "run_pool", lambda *a, **k: pytest.fail("pool started for a tiny input"))
    assert invoke_json(str(tmp_path), "-j", "4")["totals"]["words"] == 2


def test_top_ties_are_broken_by_word(tmp_path: pathlib.Path) -> None:
    """--top N keeps the N most frequent words; equal counts are ordered by the word."""
    (tmp_path / "t.txt").write_text("pear apple fig apple pear fig kiwi date\n")
    report = invoke_json(str(tmp_path), "--top", "3")
    assert report["top"] == [
        {"word": "apple", "count": 2},
        {"word": "fig", "count": 2},
        {"word": "pear", "count": 2},
    ]


def test_top_zero_turns_frequencies_off(tmp_path: pathlib.Path) -> None:
    """--top 0 gives no word list but the same totals."""
    (tmp_path / "t.txt").write_text("a b c a\n")
    report = invoke_json(str(tmp_path), "--top", "0")
    assert report["top"] == []
    assert report["totals"]["words"] == 4
    assert "top" not in invoke(str(tmp_path), "--top", "0").stdout


def test_ignore_case(tmp_path: pathlib.Path) -> None:
    """--ignore-case merges words that differ only by case."""
    (tmp_path / "t.txt").write_text("Word word WORD other\n")
    assert invoke_json(str(tmp_path))["top"][0] == {"word": "WORD", "count": 1}
    assert invoke_json(str(tmp_path), "--ignore-case")["top"][0] == {"word": "word", "count": 3}


def test_csv_per_file_rows_stay_parseable(tmp_path: pathlib.Path) -> None:
    """CSV --per-file gives one row per file; commas and newlines in names are quoted."""
    (tmp_path / "plain.txt").write_text("one two\n")
    (tmp_path / "comma, and\nnewline.txt").write_text("three\n")
    result = invoke(str(tmp_path), "--format", "csv", "--per-file")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["path", "lines", "words", "chars", "bytes", "encoding", "replaced", "confidence"]
    by_name = {pathlib.Path(row[0]).name: row for row in rows[1:]}
    assert by_name["comma, and\nnewline.txt"][1:] == ["1", "1", "6", "6", "utf-8", "0", "1.00"]
    assert by_name["plain.txt"][2] == "2"


def test_csv_without_per_file_gives_word_counts(tmp_path: pathlib.Path) -> None:
    """CSV without --per-file gives `word,count` rows of the top words."""
    (tmp_path / "t.txt").write_text("b a b\n")
    rows = list(csv.reader(io.StringIO(invoke(str(tmp_path), "--format", "csv").stdout)))
    assert rows == [["word", "count"], ["b", "2"], ["a", "1"]]


def test_the_table_shortens_long_top_words_by_display_width(tmp_path: pathlib.Path) -> None:
    """A top word wider than 40 columns (a URL, a hash, a line of CJK without spaces) is shown
    in the table as its start and `…`, 40 columns in all, wide characters counted as 2; JSON
    and CSV keep every word whole."""
    ascii_word, cjk_word, fits = "b" * 1000, "漢" * 300, "c" * 40
    (tmp_path / "t.txt").write_text(" ".join([cjk_word] * 3 + [ascii_word] * 2 + [fits, "short"]) + "\n")

    def width(text: str) -> int:  # the sample's characters: wide East Asian or one column
        return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)

    table = invoke(str(tmp_path)).stdout.splitlines()
    shown = [line.split()[1] for line in table[table.index("  count  word") + 1 :]]
    assert shown == ["漢" * 19 + "…", "b" * 39 + "…", fits, "short"]
    assert all(width(word) <= 40 for word in shown) and max(map(len, table)) < 60
    whole = [cjk_word, ascii_word, fits, "short"]
    assert [item["word"] for item in invoke_json(str(tmp_path))["top"]] == whole
    assert [row[0] for row in csv.reader(io.StringIO(invoke(str(tmp_path), "--format", "csv").stdout))][1:] == whole


def test_table_shows_totals_top_and_problems(tmp_path: pathlib.Path) -> None:
    """The table has the totals, the top words and how many files were skipped."""
    (tmp_path / "t.txt").write_text("alpha beta alpha\n")
    (tmp_path / "b.bin").write_bytes(b"\0\1\2")
    out = invoke(str(tmp_path)).stdout
    lines = out.splitlines()
    assert lines[0].split() == ["files", "lines", "words", "chars", "bytes"]
    assert lines[1].split() == ["1", "1", "3", "17", "17"]
    assert "top 2 words" in out and "alpha" in out
    assert "skipped 1 (binary: 1)" in out
    per_file = invoke(str(tmp_path), "--per-file").stdout
    assert "total (1 file)" in per_file and "t.txt" in per_file


def test_output_file_is_written_atomically(tmp_path: pathlib.Path) -> None:
    """-o writes the report there (nothing on stdout) and leaves no temporary file."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "t.txt").write_text("x y z\n")
    target = tmp_path / "out" / "report.json"
    target.parent.mkdir()
    result = invoke(str(tmp_path / "in"), "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["totals"]["words"] == 3
    assert os.listdir(target.parent) == ["report.json"]
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # a normal file's mode, not mkstemp's


def test_failed_write_leaves_no_file(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If writing fails half way, neither the report nor a temporary file is left behind."""

    def broken_fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    target = tmp_path / "report.json"
    with pytest.raises(OSError):
        atomic.write_atomically(str(target), b"{}")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where", ["missing/report.json", "folder"])
def test_unwritable_output_is_a_usage_error(tmp_path: pathlib.Path, where: str) -> None:
    """An --output in a missing folder (or naming a folder) exits 2 before anything is counted."""
    (tmp_path / "folder").mkdir()
    result = invoke(str(SAMPLE), "-o", str(tmp_path / where))
    assert result.exit_code == 2
    assert "cannot write the report" in result.stderr
    assert result.stdout == ""


def test_progress_and_quiet(tmp_path: pathlib.Path) -> None:
    """--progress bar draws on stderr; none and --quiet keep stderr silent; stdout is the same."""
    (tmp_path / "t.txt").write_text("word " * 1000)
    bar = invoke(str(tmp_path), "--progress", "bar", "--format", "json")
    none = invoke(str(tmp_path), "--progress", "none", "--format", "json")
    quiet = invoke(str(tmp_path), "--progress", "bar", "-q", "--format", "json")
    assert "counting" in bar.stderr and "1/1 file," in bar.stderr and "1,000 words" in bar.stderr
    assert none.stderr == "" and quiet.stderr == ""
    assert bar.stdout == none.stdout == quiet.stdout


def test_stdin(tmp_path: pathlib.Path) -> None:
    """'-' reads standard input, and may be mixed with paths."""
    (tmp_path / "t.txt").write_text("from a file\n")
    result = invoke("-", str(tmp_path), "--format", "json", "--per-file", input="hello from stdin\n")
    report = json.loads(result.stdout)
    assert [row["path"] for row in report["files"]] == ["-", str(tmp_path / "t.txt")]
    assert report["totals"]["words"] == 6


def test_no_path_means_current_folder(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a path the current folder is counted, and paths read like `find .` prints them."""
    (tmp_path / "t.txt").write_text("a b\n")
    monkeypatch.chdir(tmp_path)
    report = invoke_json("--per-file")
    assert [row["path"] for row in report["files"]] == ["./t.txt"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--encoding", "klingon", str(SAMPLE)], "unknown encoding: klingon"),
        (["--encoding", "legacy/**=klingon", str(SAMPLE)], "unknown encoding: klingon"),
        (["--encoding", "=gbk", str(SAMPLE)], "the glob before '=' is empty"),
        (["--encoding", "legacy/**=", str(SAMPLE)], "no encoding name"),
        (["--encoding", "gbk", "--encoding", "big5", str(SAMPLE)], "only one encoding may be given without a glob"),
        (["--encoding", "!legacy/**=gbk", str(SAMPLE)], "cannot be negated"),
        (["--encoding", "[z-a]=gbk", str(SAMPLE)], "bad glob"),
        (["--jobs", "0", str(SAMPLE)], "--jobs"),
        (["--top", "-1", str(SAMPLE)], "--top"),
        (["--format", "xml", str(SAMPLE)], "--format"),
        (["--no-such-flag"], "no-such-flag"),
        (["--max-filesize", "10X", str(SAMPLE)], "not a size: '10X'"),
        (["--max-filesize", "1.5", str(SAMPLE)], "not a size: '1.5'"),
        (["--max-filesize", "-1", str(SAMPLE)], "not a size: '-1'"),
        (["--max-filesize", "", str(SAMPLE)], "not a size: ''"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    """Bad flags and bad values exit 2 with a message on stderr and no report."""
    result = invoke(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("text", "size"),
    [("0", 0), ("4096", 4096), ("64k", 65536), ("64K", 65536), ("10M", 10 << 20), ("1.5G", 3 << 29), (".5k", 512)],
)
def test_max_filesize_values(text: str, size: int) -> None:
    """SIZE is bytes, or a number (a fraction too) with k/K, M or G, in powers of 1024."""
    assert values.parse_size(text) == size


def test_dangling_link_argument_is_an_error_of_its_own(tmp_path: pathlib.Path) -> None:
    """A path argument that is a link to nothing does not exist: listed in the errors, exit 3."""
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    result = invoke("--format", "json", "-q", str(tmp_path / "dangling"))
    assert result.exit_code == 3
    assert json.loads(result.stdout)["errors"] == [{"path": str(tmp_path / "dangling"), "error": "No such file or directory"}]


def test_forced_encoding(tmp_path: pathlib.Path) -> None:
    """--encoding reads every file with that codec, named in the report as Python names it."""
    (tmp_path / "t.txt").write_bytes("café".encode("utf-8"))
    row = invoke_json(str(tmp_path), "--per-file", "--encoding", "latin-1")["files"][0]
    assert row["encoding"] == "iso8859-1" and row["chars"] == 5  # é read as two Latin-1 characters


def test_replaced_bytes_are_reported(tmp_path: pathlib.Path) -> None:
    """A file with bytes its codec cannot decode is counted, and its row says how many."""
    (tmp_path / "t.txt").write_bytes(codecs.BOM_UTF8 + b"ok \xff\xfe ok\n")
    row = invoke_json(str(tmp_path), "--per-file")["files"][0]
    assert row["replaced"] == 2 and row["words"] == 3 and row["encoding"] == "utf-8-sig"


def test_version() -> None:
    """--version prints the version and the core in use; `python -m wordcount` works too, and
    WORDCOUNT_PURE_PYTHON=1 forces the pure-Python core."""
    expected = f"wordcount {__version__} ({core.describe()})\n"
    assert invoke("--version").stdout == expected
    completed = run_process(["--version"])
    assert completed.returncode == 0 and completed.stdout.decode() == expected
    pure = run_process(["--version"], env={**os.environ, "WORDCOUNT_PURE_PYTHON": "1"})
    built = importlib.util.find_spec("wordcount.counting._core") is not None
    why = "WORDCOUNT_PURE_PYTHON=1" if built else "the compiled one was not built"
    assert pure.stdout.decode() == f"wordcount {__version__} (pure-Python counting core: {why})\n"


def test_unreadable_file_is_an_error_and_exits_3(tmp_path: pathlib.Path) -> None:
    """A file that cannot be read is listed in errors with the OS message; the rest is counted."""
    (tmp_path / "ok.txt").write_text("still counted\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden words\n")
    secret.chmod(0)
    try:
        completed = run_process([str(tmp_path), "--format", "json"], unprivileged=True)
    finally:
        secret.chmod(0o644)
    assert completed.returncode == 3, completed.stderr
    report = json.loads(completed.stdout)
    assert report["errors"] == [{"path": str(secret), "error": "Permission denied"}]
    assert report["totals"]["words"] == 2
    assert f"wordcount: {secret}: Permission denied" in completed.stderr.decode()

"""Compressed corpora (issue 14, part 2): `-z` counts gzip, bzip2, xz and zstd files as their text.

Oracles: the plain file counted by wordcount (its counts are tested elsewhere against GNU wc and
Python), the system's `gzip`, `bzip2`, `xz` and `zstd` (they compress, and they decompress into
GNU `wc`), and the standard library's decompressors for the stream itself.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import pathlib
import shutil
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import invoke, invoke_json, repo_env
from wordcount.counting import core, reader
from wordcount.execute import planning
from wordcount.text import compressed, decoding
from wordcount.counting.spec import Counting, Job
from wordcount.progress import NoProgress
from wordcount.model import FileCounts, FileEntry, Shipped, Skipped

ZSTD = compressed.zstd_module()
WITH_CHECKSUM = {ZSTD.CompressionParameter.checksum_flag: 1}  # as the zstd command writes by default

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
    "zst": lambda data: ZSTD.compress(data, options=WITH_CHECKSUM),
}
TOOLS = {"gz": "gzip", "bz2": "bzip2", "xz": "xz", "zst": "zstd"}
FORMAT_NAMES = {"gz": "gzip", "bz2": "bzip2", "xz": "xz", "zst": "zstd"}
WC_ENV = {"LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

TEXT = ("The quick brown fox jumps over the lazy dog. Ünïcödé wörds, 中文字符 and more\n" * 40).encode()
BIG_TEXT = b"".join(f"line {index} of some text with words\n".encode() for index in range(80_000))  # ~2.8 MB


def write(path: pathlib.Path, data: bytes) -> pathlib.Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def counts(report: dict[str, Any]) -> dict[str, int]:
    totals = report["totals"]
    return {key: totals[key] for key in ("files", "lines", "words", "chars", "bytes")}


def row_counts(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in ("lines", "words", "chars", "bytes", "encoding")}


# --------------------------------------------------------------------------- recognising them


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
@pytest.mark.parametrize("text", [b"", b"a", b"two words\n", TEXT, BIG_TEXT], ids=["empty", "a", "two", "text", "big"])
def test_each_format_counts_as_its_plain_text(tmp_path: pathlib.Path, suffix: str, text: bytes) -> None:
    """Compressed by the standard library (zstd: its backport), counted with -z: the counts,
    frequencies and encoding of the plain text; the stored size is the compressed file's."""
    plain = write(tmp_path / "plain.txt", text)
    packed = write(tmp_path / f"packed.txt.{suffix}", COMPRESSORS[suffix](text))
    expected = invoke_json(str(plain), "--per-file", "-z", "--top", "20")
    got = invoke_json(str(packed), "--per-file", "-z", "--top", "20")
    assert row_counts(got["files"][0]) == row_counts(expected["files"][0])
    assert got["top"] == expected["top"]
    assert got["files"][0]["stored"] == packed.stat().st_size
    assert "stored" not in expected["files"][0]  # a plain file's row has no stored size of its own
    assert got["totals"]["stored"] == packed.stat().st_size and got["totals"]["bytes"] == len(text)
    assert got["skipped"] == got["errors"] == got["warnings"] == []


@pytest.mark.parametrize("suffix", sorted(TOOLS))
def test_files_the_system_tools_compress_count_as_zcat_piped_to_wc(tmp_path: pathlib.Path, suffix: str) -> None:
    """Files compressed by gzip, bzip2, xz and zstd themselves, counted with -z, and each tool's
    `-dc FILE | wc -l -w -c` (GNU wc, C.UTF-8) agree; also for two members (gzip -c a b > ab)."""
    tool = TOOLS[suffix]
    if shutil.which(tool) is None:
        pytest.skip(f"no {tool} on PATH")
    first, second = write(tmp_path / "a.txt", TEXT), write(tmp_path / "b.txt", BIG_TEXT)
    packed = tmp_path / f"ab.txt.{suffix}"
    with open(packed, "wb") as out:
        for source in (first, second):  # two members or frames, one after the other
            subprocess.run([tool, "-c", "-q", str(source)], stdout=out, check=True)
    piped = subprocess.run(f"{tool} -dc '{packed}' | wc -l -w -c", shell=True, env=WC_ENV, capture_output=True,
                           check=True).stdout.split()
    got = invoke_json(str(packed), "-z")
    assert [got["totals"][key] for key in ("lines", "words", "bytes")] == [int(value) for value in piped]
    assert got["totals"]["stored"] == packed.stat().st_size


def test_compressed_files_are_recognised_by_their_bytes_not_their_name(tmp_path: pathlib.Path) -> None:
    """A text file named x.gz is text; a gzip file named x.txt is compressed; text that starts with
    bzip2's "BZh9" is text."""
    write(tmp_path / "text.gz", b"just text\n")
    write(tmp_path / "packed.txt", gzip.compress(b"packed text here\n"))
    write(tmp_path / "bz.txt", b"BZh9 is how bzip2 files begin\n")
    report = invoke_json(str(tmp_path), "--per-file")
    assert [row["path"] for row in report["files"]] == [str(tmp_path / "bz.txt"), str(tmp_path / "text.gz")]
    assert report["skipped"] == [{"path": str(tmp_path / "packed.txt"), "reason": "compressed"}]
    assert compressed.kind(b"BZh9 is how") is None and compressed.kind(bz2.compress(b"")) == "bzip2"


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
@pytest.mark.parametrize("text", [b"", b"x", b"hello world\n"], ids=["empty", "x", "hello"])
@pytest.mark.parametrize("per_file", [True, False], ids=["one-by-one", "batched"])
def test_small_compressed_files_are_never_counted_as_text(tmp_path: pathlib.Path, suffix: str, text: bytes,
                                                          per_file: bool) -> None:
    """Tiny compressed files, empty content too, are skipped as `compressed` (not `binary`, and
    never counted as text) by whichever core runs, whether files are counted one by one or a
    batch at once (`_core.count_files`)."""
    write(tmp_path / f"t.{suffix}", COMPRESSORS[suffix](text))
    report = invoke_json(str(tmp_path), *(["--per-file"] if per_file else []))
    assert report["totals"]["files"] == 0
    assert report["skipped"] == [{"path": str(tmp_path / f"t.{suffix}"), "reason": "compressed"}]


def test_the_compiled_core_declines_a_file_that_starts_as_bzip2_does(tmp_path: pathlib.Path) -> None:
    """bzip2's magic is ASCII: a file of bzip2 magic and UTF-8 bytes without a NUL would be text to
    the compiled core's fast path; it declines it, and wordcount calls it compressed (-z: not
    valid bzip2 data, exit 3)."""
    path = write(tmp_path / "fake.bz2", b"BZh91AY&SY" + "nothing but text here\n".encode() * 3)
    compiled = core.compiled()
    if compiled is not None and hasattr(compiled, "count_file"):
        assert compiled.count_file(str(path), None, 1 << 20) is None
        assert compiled.count_files([str(path)], None, 1 << 20)[1] == [0]  # declined
    assert invoke_json(str(path))["skipped"] == [{"path": str(path), "reason": "compressed"}]
    result = invoke("--format", "json", str(path), "-z")
    assert result.exit_code == 3
    assert json.loads(result.stdout)["errors"][0]["error"].startswith("not valid bzip2 data")


def test_one_layer_only_a_compressed_file_inside_is_data(tmp_path: pathlib.Path) -> None:
    """As `zcat` gives it: a gzip file inside a gzip file is binary text."""
    path = write(tmp_path / "twice.gz", gzip.compress(gzip.compress(TEXT)))
    assert invoke_json(str(path), "-z")["skipped"] == [{"path": str(path), "reason": "binary"}]


# --------------------------------------------------------------------------- without -z


def test_without_z_they_are_skipped_as_compressed_and_the_footer_says_so(tmp_path: pathlib.Path) -> None:
    for suffix, compress in COMPRESSORS.items():
        write(tmp_path / f"c.{suffix}", compress(TEXT))
    write(tmp_path / "plain.txt", TEXT)
    write(tmp_path / "blob.bin", b"\0\1\2")
    table = invoke(str(tmp_path)).stdout
    assert "skipped 5 (binary: 1, compressed: 4):" in table
    assert table.rstrip().endswith("4 compressed files skipped (-z counts them)")
    report = invoke_json(str(tmp_path))
    assert {item["reason"] for item in report["skipped"]} == {"binary", "compressed"}
    assert counts(report)["files"] == 1 and "stored" not in report["totals"]
    one = invoke(str(tmp_path / "c.gz")).stdout
    assert "1 compressed file skipped (-z counts it)" in one
    counted = invoke(str(tmp_path), "-z").stdout
    assert "compressed" not in counted and "skipped 1 (binary: 1)" in counted


def test_the_footer_stays_when_the_skipped_files_are_too_many_to_list(tmp_path: pathlib.Path) -> None:
    for index in range(25):
        write(tmp_path / f"f{index:02}.gz", gzip.compress(b"x\n"))
    table = invoke(str(tmp_path)).stdout
    assert "skipped 25 (compressed: 25)\n25 compressed files skipped (-z counts them)" in table
    assert "f00.gz" not in table


# --------------------------------------------------------------------------- faults and bombs


def truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


def corrupted(data: bytes) -> bytes:
    middle = len(data) * 2 // 3
    return data[:middle] + bytes(byte ^ 0x5A for byte in data[middle : middle + 64]) + data[middle + 64 :]


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
@pytest.mark.parametrize("damage", [truncated, corrupted])
def test_damaged_data_is_an_error_counted_as_far_as_it_was_read(tmp_path: pathlib.Path, suffix: str,
                                                                damage: Callable[[bytes], bytes]) -> None:
    """Exit 3; the file is in `errors` in our words naming the format, and in the totals and the
    rows with what was read before the fault (for truncated data, a prefix of the text); the other
    files are counted."""
    path = write(tmp_path / f"bad.txt.{suffix}", damage(COMPRESSORS[suffix](BIG_TEXT)))
    write(tmp_path / "good.txt", b"one two three\n")
    result = invoke("--format", "json", str(tmp_path), "-z", "--per-file")
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    name = FORMAT_NAMES[suffix]
    [error] = report["errors"]
    assert error["path"] == str(path)
    assert error["error"].startswith((f"truncated {name} data", f"not valid {name} data"))
    assert error["error"].endswith("counted what was read")
    bad = next(row for row in report["files"] if row["path"] == str(path))
    assert 0 <= bad["bytes"] < len(BIG_TEXT) and bad["stored"] == path.stat().st_size
    if damage is truncated:  # corrupt data may decode to other text before the fault shows
        prefix = BIG_TEXT[: bad["bytes"]]
        assert (bad["lines"], bad["words"]) == (prefix.count(b"\n"), len(prefix.split()))
    assert report["totals"]["files"] == 2 and report["totals"]["words"] == bad["words"] + 3
    assert f"{path}: {error['error']}" in result.stderr


def test_a_truncated_gzip_says_truncated_and_counts_most_of_it(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / "cut.gz", gzip.compress(BIG_TEXT)[:-20])
    report = invoke_json(str(path), "-z")
    assert report["errors"][0]["error"].startswith("truncated gzip data")
    assert len(BIG_TEXT) - 2 * compressed.STEP < report["totals"]["bytes"] < len(BIG_TEXT)


def write_bomb(path: pathlib.Path, megabytes: int) -> None:
    """`megabytes` MiB of one short line over and over, gzip'd (about 1,000:1), written a MiB at a time."""
    line = b"spam " * 12 + b"\n"
    block = line * (1024 * 1024 // len(line))
    with gzip.open(path, "wb", compresslevel=9) as out:
        for _ in range(megabytes):
            out.write(block)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """200 MiB of text in ~200 KB of gzip."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.txt.gz"
    write_bomb(path, 200)
    return path


def test_a_decompression_bomb_stops_at_max_filesize(bomb: pathlib.Path, tmp_path: pathlib.Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """200 MiB of text in ~200 KB of gzip, with --max-filesize 1M: skipped `too-large`, as discovery
    skips a large file, after decompressing little more than the limit, in little memory."""
    assert bomb.stat().st_size < 1024 * 1024  # so discovery lets it through: its text is what is too large
    produced: list[int] = []
    real_step = compressed.Decompressed._step

    def step(self: compressed.Decompressed, size: int) -> bytes:
        data = real_step(self, size)
        produced.append(len(data))
        return data

    monkeypatch.setattr(compressed.Decompressed, "_step", step)
    tracemalloc.start()
    try:
        result = invoke("--format", "json", "-j", "1", str(bomb), "-z", "--max-filesize", "1M")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["skipped"] == [{"path": str(bomb), "reason": "too-large"}]
    assert sum(produced) <= 1024 * 1024 + compressed.STEP
    assert peak < 32 * 1024 * 1024
    # Within the limit, a smaller one is counted: the limit is that of the text, not of the file.
    small = tmp_path / "small.gz"
    write_bomb(small, 4)
    fits = invoke_json(str(small), "-z", "--max-filesize", "5M", "--top", "0")
    assert fits["totals"]["bytes"] == 4 * (1024 * 1024 // 61 * 61) and fits["skipped"] == []
    assert invoke_json(str(small), "-z", "--max-filesize", "3M")["skipped"][0]["reason"] == "too-large"


def test_a_text_exactly_at_max_filesize_is_counted(tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / "k.gz", gzip.compress(b"a\n" * 512))  # 1,024 bytes of text
    assert invoke_json(str(path), "-z", "--max-filesize", "1k")["totals"]["bytes"] == 1024
    assert invoke_json(str(path), "-z", "--max-filesize", "1023")["skipped"][0]["reason"] == "too-large"


def test_a_bomb_is_bounded_in_a_real_process_too(bomb: pathlib.Path) -> None:
    """The peak memory of a real run on a 200 MiB bomb with --max-filesize 1M stays small (the
    process's own high-water mark: getrusage would count the memory of the pytest that forked it)."""
    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs /proc/self/status for the peak memory")
    script = ("import sys, runpy; sys.argv = ['wordcount', '-z', '--max-filesize', '1M', '-j', '1', "
              f"'--format', 'json', {str(bomb)!r}]\n"
              "try:\n    runpy.run_module('wordcount', run_name='__main__')\nexcept SystemExit as end:\n"
              "    peak = [line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')]\n"
              "    print(end.code, *peak, file=sys.stderr)\n")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120, env=repo_env())
    code, peak_kib = completed.stderr.decode().split()[-2:]
    assert code == "0" and json.loads(completed.stdout)["skipped"][0]["reason"] == "too-large"
    assert int(peak_kib) < 150 * 1024  # a Python with wordcount loaded is ~60 MB; the text would be 200


# --------------------------------------------------------------------------- what else applies


def test_encodings_are_detected_in_the_text(tmp_path: pathlib.Path) -> None:
    """cp1252 and UTF-16 text inside gzip read as they would be plain, also when the first byte
    that is not UTF-8 comes after the first two blocks (the file is read again from its start)."""
    latin = "Café crème brûlée, naïve façade, déjà vu. Le garçon a reçu son reçu.\n".encode("cp1252") * 200
    late = b"plain ascii words\n" * 150_000 + latin  # ~2.7 MB of ASCII first
    texts = {"latin": latin, "utf16": "Grüße aus Köln\n".encode("utf-16") * 300, "late": late}
    for name, text in texts.items():
        write(tmp_path / "plain" / f"{name}.txt", text)
        write(tmp_path / "packed" / f"{name}.txt", gzip.compress(text))
    plain = invoke_json(str(tmp_path / "plain"), "--per-file")["files"]
    packed = invoke_json(str(tmp_path / "packed"), "--per-file", "-z")["files"]
    assert [row_counts(row) for row in packed] == [row_counts(row) for row in plain]
    assert [row["encoding"] for row in packed] == ["cp1252", "cp1252", "utf-16"]


def test_encoding_rules_reach_the_text_by_its_name_without_the_suffix(tmp_path: pathlib.Path) -> None:
    """`--encoding '*.txt=koi8-r'` pins the text of notes.txt.gz too (a rule may also name the
    suffix: the first rule that matches either name wins); without -z the rule changes nothing."""
    text = "Все люди рождаются свободными и равными в своем достоинстве и правах.\n".encode("koi8-r") * 50
    write(tmp_path / "notes.txt.gz", gzip.compress(text))
    write(tmp_path / "notes.txt", text)
    rows = invoke_json(str(tmp_path), "--per-file", "-z", "--encoding", "*.txt=koi8-r", "--top", "3")["files"]
    assert [(row["encoding"], row["confidence"]) for row in rows] == [("koi8-r", 1.0), ("koi8-r", 1.0)]
    assert row_counts(rows[0]) == row_counts(rows[1])
    first = invoke_json(str(tmp_path), "--per-file", "-z", "--encoding", "*.gz=cp1251", "--encoding", "*.txt=koi8-r")
    assert [row["encoding"] for row in first["files"]] == ["koi8-r", "cp1251"]


@pytest.mark.parametrize("mode", ["unicode", "cjk"])
def test_word_modes_apply_to_the_text(tmp_path: pathlib.Path, mode: str) -> None:
    plain = write(tmp_path / "p.txt", TEXT)
    packed = write(tmp_path / "p.txt.xz", lzma.compress(TEXT))
    expected = invoke_json(str(plain), "--word-mode", mode, "--top", "5")
    got = invoke_json(str(packed), "--word-mode", mode, "--top", "5", "-z")
    assert counts(got) == counts(expected) and got["top"] == expected["top"]


def test_forbidden_words_are_found_at_their_line_in_the_text(tmp_path: pathlib.Path) -> None:
    """--forbid reports the line and column in the decompressed text, as for the plain file."""
    text = BIG_TEXT + b"a TODO here\n" + BIG_TEXT[:1000] + b"\n  and TODO: there\n"
    write(tmp_path / "plain" / "notes.txt", text)
    write(tmp_path / "packed" / "notes.txt", bz2.compress(text))
    found = []
    for folder, extra in (("plain", []), ("packed", ["-z"])):
        result = invoke("--format", "json", str(tmp_path / folder), "--forbid", "TODO", *extra)
        assert result.exit_code == 1
        found.append([(item["line"], item["column"], item["match"]) for item in json.loads(result.stdout)["violations"]])
    second = text.count(b"\n", 0, text.rindex(b"TODO")) + 1
    assert found[0] == found[1] == [(80_001, 3, "TODO"), (second, 7, "TODO")]


def test_the_cache_key_changes_with_z(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-z counts are not reused without -z (nor the other way round); each is reused by a run like
    it, which reads no file; a damaged file is never cached."""
    read: list[str] = []
    real = reader.count_file

    def spy(path: str, *args: Any, **kwargs: Any) -> Any:
        read.append(os.path.basename(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(reader, "count_file", spy)
    write(tmp_path / "tree" / "a.txt.gz", gzip.compress(TEXT))
    write(tmp_path / "tree" / "b.txt", b"plain words\n")
    write(tmp_path / "tree" / "cut.gz", gzip.compress(BIG_TEXT)[:5000])
    tree, store = str(tmp_path / "tree"), str(tmp_path / "cache")
    runs = []
    for flags in (["-z"], ["-z"], [], [], ["-z"]):
        read.clear()
        result = invoke("--format", "json", "-j", "1", "--per-file", tree, "--cache-dir", store, *flags)
        runs.append((json.loads(result.stdout), sorted(read), result.exit_code))
    (z1, read1, code1), (z2, read2, code2), (n1, read3, _), (n2, read4, _), (z3, read5, _) = runs
    assert read1 == ["a.txt.gz", "b.txt", "cut.gz"] and code1 == 3
    assert z2 == z1 and read2 == ["cut.gz"] and code2 == 3  # the damaged file is read again
    assert read3 == ["a.txt.gz", "b.txt", "cut.gz"] and read4 == []  # without -z: counted apart, then cached
    assert n1 == n2 and {item["reason"] for item in n1["skipped"]} == {"compressed"}
    assert z3 == z1 and read5 == ["cut.gz"]


def test_jobs_1_and_2_give_the_same_report(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Many compressed files of every format, plain ones, a damaged one and a bomb: byte-identical
    JSON (and CSV) from -j 1 and -j 2, through a real pool."""
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    for index in range(24):
        suffix = sorted(COMPRESSORS)[index % 4]
        text = TEXT * (index + 1) + f"file {index}\n".encode()
        write(tmp_path / "tree" / f"d{index % 3}" / f"f{index:02}.txt.{suffix}", COMPRESSORS[suffix](text))
        write(tmp_path / "tree" / f"d{index % 3}" / f"p{index:02}.txt", text)
    write(tmp_path / "tree" / "cut.xz", truncated(lzma.compress(BIG_TEXT)))
    write_bomb(tmp_path / "tree" / "bomb.gz", 4)
    args = [str(tmp_path / "tree"), "-z", "--per-file", "--max-filesize", "3M", "--top", "30"]
    outputs = {}
    for jobs in ("1", "2"):
        result = invoke("--format", "json", "-j", jobs, *args)
        assert result.exit_code == 3
        outputs[jobs] = (result.stdout, invoke("--format", "csv", "-j", jobs, *args).stdout)
    assert outputs["1"] == outputs["2"]
    report = json.loads(outputs["1"][0])
    assert report["totals"]["files"] == 49 and report["skipped"][0]["reason"] == "too-large"


def test_a_large_compressed_file_is_counted_whole(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Larger than the size at which files are cut into pieces, a compressed file is not cut (a
    plain one of that size is), and -j 2 counts it as -j 1 does."""
    monkeypatch.setattr(planning, "SPLIT_BYTES", 64 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 16 * 1024)
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    text = os.urandom(400_000).hex().encode() + b"\n" + BIG_TEXT  # compresses to more than SPLIT_BYTES
    for suffix, compress in COMPRESSORS.items():
        path = write(tmp_path / f"big.txt.{suffix}", compress(text))
        assert path.stat().st_size > planning.SPLIT_BYTES
        with monkeypatch.context() as patched:  # even if its first block held no NUL, to look like text
            patched.setattr(decoding, "decide", lambda head, forced=None: decoding.UTF8)
            assert planning.cut_file(FileEntry(str(path), path.stat().st_size), 2, Job(Counting(decompress=True))) is None
    plain = write(tmp_path / "plain" / "big.txt", text)
    assert planning.cut_file(FileEntry(str(plain), plain.stat().st_size), 2, Job(Counting())) is not None
    one = invoke_json(str(tmp_path), "-z", "-j", "1", "--per-file")
    two = invoke_json(str(tmp_path), "-z", "-j", "2", "--per-file")
    assert one == two
    assert len({json.dumps(row_counts(row)) for row in one["files"]}) == 1  # all five alike


def test_format_wc_counts_the_text_as_zcat_piped_to_wc(tmp_path: pathlib.Path) -> None:
    """With -z, `--format wc` prints for each compressed file what `zcat FILE | wc` prints, its
    columns sized as for a pipe; without -z, what `wc FILE` prints for the compressed bytes."""
    packed = write(tmp_path / "a.gz", gzip.compress(TEXT))
    write(tmp_path / "b.txt", b"one two\n")
    piped = subprocess.run(f"zcat '{packed}' | wc", shell=True, env=WC_ENV, capture_output=True, check=True).stdout
    lines = invoke("--format", "wc", "-z", str(packed)).stdout
    assert lines == piped.decode().rstrip("\n") + f" {packed}\n"
    raw = subprocess.run(["wc", str(packed)], env=WC_ENV, capture_output=True, check=True).stdout.decode()
    assert invoke("--format", "wc", str(packed)).stdout == raw


def test_standard_input_can_be_compressed(tmp_path: pathlib.Path) -> None:
    data = bz2.compress(TEXT)
    expected = invoke_json(str(write(tmp_path / "t.txt", TEXT)))
    result = invoke("--format", "json", "-z", "-", input=data)
    assert counts(json.loads(result.stdout)) == counts(expected)
    assert json.loads(invoke("--format", "json", "-", input=data).stdout)["skipped"][0]["reason"] == "compressed"


def test_shipped_bytes_are_decompressed_too(tmp_path: pathlib.Path) -> None:
    """--ship-bytes hands a worker the file's bytes: they are decompressed as the file would be,
    and the client's verdict on whether the file changed while it was read is kept."""
    data = lzma.compress(BIG_TEXT)
    path = write(tmp_path / "s.xz", data)
    counting = Counting(frequencies=False, decompress=True)
    shipped = reader.count_file(str(path), counting, None, NoProgress(), shipped=Shipped(str(path), data, size=len(data)))
    direct = reader.count_file(str(path), counting, None, NoProgress())
    assert isinstance(shipped, FileCounts) and shipped == direct
    assert not shipped.changed and shipped.stored == len(data) and shipped.bytes == len(BIG_TEXT)
    grown = reader.count_file(str(path), counting, None, NoProgress(),
                             shipped=Shipped(str(path), data, size=len(data), changed=True))
    assert isinstance(grown, FileCounts) and grown.changed


def test_the_table_and_csv_show_the_stored_size(tmp_path: pathlib.Path) -> None:
    packed = write(tmp_path / "a.gz", gzip.compress(TEXT))
    write(tmp_path / "b.txt", b"one two\n")
    stored = packed.stat().st_size + 8
    table = invoke(str(tmp_path), "-z", "--top", "0").stdout.splitlines()
    assert table[0].split() == ["files", "lines", "words", "chars", "bytes", "stored"]
    assert table[1].split()[-2:] == [f"{len(TEXT) + 8:,}", f"{stored:,}"]
    rows = invoke(str(tmp_path), "-z", "--per-file", "--format", "csv").stdout.splitlines()
    assert rows[0].endswith(",confidence,stored") and rows[1].endswith(f",{packed.stat().st_size}")
    assert rows[2].endswith(",8")
    assert invoke(str(tmp_path), "--per-file", "--format", "csv").stdout.splitlines()[0].endswith(",confidence")


def test_decompress_is_a_config_key(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a.gz", gzip.compress(b"three little words\n"))
    write(tmp_path / ".wordcount.toml", b"decompress = true\n")
    monkeypatch.chdir(tmp_path)
    assert invoke_json("a.gz")["totals"]["words"] == 3
    assert invoke_json("a.gz", "--no-decompress")["skipped"][0]["reason"] == "compressed"


# --------------------------------------------------------------------------- the stream itself


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(sorted(COMPRESSORS)),
       moves=st.lists(st.tuples(st.integers(0, 3500), st.integers(0, 2000)), max_size=8))
def test_decompressed_reads_and_seeks_as_the_text_would(data: bytes, suffix: str, moves: list[tuple[int, int]]
                                                        ) -> None:
    """Any seeks (back and forth) and reads give the text's bytes at those offsets."""
    name = compressed.kind(COMPRESSORS[suffix](data))
    assert name is not None
    with compressed.Decompressed(io.BytesIO(COMPRESSORS[suffix](data)), name) as text:
        assert text.read(7) == data[:7]
        for offset, size in moves:
            assert text.seek(offset) == min(offset, len(data))
            assert text.read(size) == data[offset : offset + size]
        text.seek(0)
        assert text.read() == data and text.fault is None


def test_an_unreadable_compressed_file_is_an_os_error_not_a_fault() -> None:
    """A read error of the file itself stays an OSError (the file fails with the system's
    message), even where the decompressor raises OSError for bad data (bz2)."""

    class Failing(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 0:
                raise OSError(5, "Input/output error")
            return super().read(min(size or 0, 20) if size and size > 0 else 20)

    blob = bz2.compress(os.urandom(50_000))
    with pytest.raises(OSError, match="Input/output error"):
        with compressed.Decompressed(Failing(blob), "bzip2") as text:
            text.read(1 << 20)


class Recorded:
    """A progress sink that adds up what it is told."""

    def __init__(self) -> None:
        self.files = self.bytes = self.words = 0

    def add(self, files: int, nbytes: int, words: int) -> None:
        self.files, self.bytes, self.words = self.files + files, self.bytes + nbytes, self.words + words


@pytest.mark.parametrize("limit", [None, 1024])
def test_progress_is_told_in_stored_bytes(tmp_path: pathlib.Path, limit: int | None) -> None:
    """The live progress, sized by the files as stored, gets a compressed file's stored size (its
    text's words), also when the file is read twice (not UTF-8 at first) or skipped as too large."""
    text = b"ascii words\n" * 200_000 + "café crème\n".encode("cp1252") * 50
    path = write(tmp_path / "t.gz", gzip.compress(text))
    recorded = Recorded()
    outcome = reader.count_file(str(path), Counting(decompress=True, max_decompressed=limit), None, recorded)
    assert recorded.files == 1 and recorded.bytes == path.stat().st_size
    if limit is None:
        assert isinstance(outcome, FileCounts) and recorded.words == outcome.words == 400_100
    else:
        assert outcome == Skipped(str(path), "too-large") and recorded.words == 0


def test_workers_import_the_decompressors_only_for_a_compressed_file(tmp_path: pathlib.Path) -> None:
    """Counting plain files (with -z on) loads neither gzip nor Zstandard; a gzip file loads gzip."""
    write(tmp_path / "plain.txt", TEXT)
    write(tmp_path / "packed.gz", gzip.compress(TEXT))
    script = ("import sys\nfrom wordcount.counting import reader\nfrom wordcount.counting.spec import Counting\n"
              "from wordcount.progress import NoProgress\n"
              "for path in sys.argv[1:]:\n"
              "    reader.count_file(path, Counting(decompress=True), None, NoProgress())\n"
              "    print(sorted(m for m in ('gzip', 'backports.zstd', 'compression.zstd') if m in sys.modules))\n")
    completed = subprocess.run([sys.executable, "-c", script, str(tmp_path / "plain.txt"), str(tmp_path / "packed.gz")],
                               capture_output=True, text=True, env=repo_env(), timeout=60, check=True)
    assert completed.stdout.splitlines() == ["[]", "['gzip']"]

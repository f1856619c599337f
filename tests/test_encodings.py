"""Encodings: every family read as its true text, confidence and the uncertain list, BOM-less
UTF-16/32 against real binaries, coloured legacy logs, and --encoding GLOB=NAME rules."""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import importlib.util
import io
import json
import math
import os
import pathlib
import pickle
import py_compile
import re
import sqlite3
import struct
import subprocess
import sys
import tarfile
import wave
import zipfile
import zlib
from collections.abc import Callable
from types import ModuleType

import chardet.registry
import pytest

from conftest import REPO, invoke, invoke_json, reference_counts, repo_env
from wordcount import globs
from wordcount.counting import reader
from wordcount.execute import planning
from wordcount.execute.local import pool
from wordcount.text import decoding
from wordcount.counting.reader import count_stream
from wordcount.counting.spec import Counting
from wordcount.progress import NoProgress
from wordcount.model import UNCERTAIN_BELOW, FileCounts, Skipped

FIXTURES = REPO / "fixtures" / "encodings"
FIXTURE_FILES = sorted(FIXTURES.rglob("*.txt"))
FAMILIES = {"unicode", "cyrillic", "greek", "hebrew", "arabic", "turkish", "thai", "vietnamese",
            "central-european", "baltic", "western", "korean", "japanese", "chinese", "logs"}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_encodings", REPO / "fixtures" / "make_encodings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _script()
UDHR: dict[str, str] = MAKE.UDHR
LOGS: dict[str, str] = MAKE.LOGS


def true_encoding(path: pathlib.Path) -> str:
    """Fixtures are named LANGUAGE.ENCODING.txt after their true encoding."""
    return path.name.split(".")[1]


def count_bytes(data: bytes, options: Counting = Counting()) -> FileCounts | Skipped:
    return count_stream(io.BytesIO(data), "mem", options, None, NoProgress())


def counts(row: FileCounts | dict) -> dict[str, int]:
    if isinstance(row, dict):
        return {key: row[key] for key in ("lines", "words", "chars")}
    return {"lines": row.lines, "words": row.words, "chars": row.chars}


# --------------------------------------------------------------------------- the fixtures


@pytest.fixture(scope="module")
def fixture_report() -> dict:
    return invoke_json(str(FIXTURES), "--per-file", "--top", "0")


def test_fixtures_are_what_the_script_makes(tmp_path: pathlib.Path) -> None:
    """The committed fixtures are exactly what fixtures/make_encodings.py writes, in every family."""
    MAKE.main(tmp_path / "encodings")
    made = {path.relative_to(tmp_path / "encodings"): path.read_bytes() for path in (tmp_path / "encodings").rglob("*.*")}
    assert made == {path.relative_to(FIXTURES): path.read_bytes() for path in FIXTURES.rglob("*.*")}
    assert {path.parent.name for path in FIXTURE_FILES} == FAMILIES


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda path: path.relative_to(FIXTURES).as_posix())
def test_fixture_is_read_as_its_true_text(fixture_report: dict, path: pathlib.Path) -> None:
    """The encoding reported decodes the file to its true text, and the counts are that text's."""
    (row,) = [row for row in fixture_report["files"] if row["path"] == str(path)]
    data = path.read_bytes()
    text = data.decode(true_encoding(path))  # a BOM is not part of the text
    assert data.decode(row["encoding"]) == text, row["encoding"]
    assert counts(row) == reference_counts(text)
    assert row["bytes"] == len(data)
    assert "replaced" not in row
    assert 0.0 <= row["confidence"] <= 1.0 and round(row["confidence"], 2) == row["confidence"]
    if path.parent.name == "unicode":
        assert row["confidence"] >= decoding.MIN_TEXT_SHARE


def test_fixture_run_skips_nothing(fixture_report: dict) -> None:
    assert len(fixture_report["files"]) == len(FIXTURE_FILES)
    assert fixture_report["skipped"] == [] and fixture_report["errors"] == []


# --------------------------------------------------------------------------- names


def report_names() -> set[str]:
    """Every encoding name a report can give for a file that was not forced."""
    names = {"utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"}
    names |= {name for _, name, _ in decoding._BOMS}
    names |= {decoding.canonical(name) for name in chardet.registry.REGISTRY}
    names |= set(decoding._DETECTED_SUPERSETS.values()) | set(decoding._DETECTED_PREFERRED.values())
    return names


def test_every_reported_name_round_trips_through_codecs(fixture_report: dict) -> None:
    """Each name is the one Python's codecs gives itself, so open(path, encoding=name) reads it."""
    names = report_names()
    for name in names:
        assert codecs.lookup(name).name == name
    assert {row["encoding"] for row in fixture_report["files"]} <= names


@pytest.mark.parametrize("alias, name", [("latin-1", "iso8859-1"), ("UTF8", "utf-8"), ("sjis", "shift_jis"),
                                         ("GBK", "gb18030"), ("windows-1251", "cp1251")])
def test_forced_names_are_codecs_names(tmp_path: pathlib.Path, alias: str, name: str) -> None:
    (tmp_path / "t.txt").write_bytes(b"plain\n")
    (row,) = invoke_json(str(tmp_path), "--per-file", "--encoding", alias)["files"]
    assert row["encoding"] == name == codecs.lookup(name).name


def test_detected_supersets_hold_every_character_of_the_subset() -> None:
    """Each widening of a detected answer reads every byte (or byte pair) the way the subset
    does, but for C1 control characters, which text does not hold."""
    for subset, superset in decoding._DETECTED_SUPERSETS.items():
        codes = [bytes([byte]) for byte in range(256)]
        if subset == "euc_kr":
            codes = [bytes([lead, trail]) for lead in range(0xA1, 0xFF) for trail in range(0xA1, 0xFF)]
        for code in codes:
            try:
                char = code.decode(subset)
            except UnicodeDecodeError:
                continue
            if len(char) == 1 and 0x80 <= ord(char) <= 0x9F:
                continue
            assert code.decode(superset, "replace") == char, (subset, superset, code)


@pytest.mark.parametrize("detected, sample, read_as", [
    ("iso8859-1", "café, déjà vu".encode("latin-1"), "cp1252"),
    ("iso8859-1", "café\x85déjà vu".encode("latin-1"), "iso8859-1"),  # a C1 control: cp1252 reads …
    ("iso8859-1", "café\x81".encode("latin-1"), "iso8859-1"),  # a byte cp1252 leaves undefined
    ("tis-620", "ภาษาไทย".encode("tis-620"), "cp874"),
    ("euc_kr", "한국어".encode("euc_kr"), "cp949"),
    ("euc_kr", "똠".encode("euc_kr"), "euc_kr"),  # a KS X 1001 make-up sequence, which cp949 does not read
    ("shift_jis_2004", "C:\\表示".encode("shift_jis"), "cp932"),
    ("shift_jis_2004", "𠀋".encode("shift_jis_2004"), "shift_jis_2004"),  # JIS X 0213 only
    ("koi8-r", "Привет".encode("koi8-r"), "koi8-r"),
])
def test_detected_answers_are_widened_only_when_the_sample_reads_the_same(detected: str, sample: bytes, read_as: str) -> None:
    assert decoding.widen(detected, sample) == read_as


# --------------------------------------------------------------------------- confidence


def test_certain_readings_have_confidence_1(tmp_path: pathlib.Path) -> None:
    """ASCII, UTF-8, a BOM and a forced encoding leave no doubt: 1.0."""
    assert count_bytes(b"plain ascii\n").confidence == 1.0  # type: ignore[union-attr]
    assert count_bytes("déjà vu\n".encode()).confidence == 1.0  # type: ignore[union-attr]
    assert count_bytes(codecs.BOM_UTF16_LE + "bom\n".encode("utf-16-le")).confidence == 1.0  # type: ignore[union-attr]
    forced = count_bytes(b"caf\xe9\n", Counting(encoding="cp1252"))
    assert isinstance(forced, FileCounts) and (forced.encoding, forced.confidence) == ("cp1252", 1.0)


def test_detected_confidence_is_chardets_rounded() -> None:
    """A detected encoding carries chardet's confidence in it, to 2 decimals."""
    text = UDHR["ru"]
    counted = count_bytes(text.encode("koi8-r"))
    assert isinstance(counted, FileCounts) and counted.encoding == "koi8-r"
    answer = chardet.detect(text.encode("koi8-r"), compat_names=False)
    assert counted.confidence == round(answer["confidence"], 2)
    assert 0.0 < counted.confidence < 1.0


def test_uncertain_encodings_are_listed_whatever_per_file(tmp_path: pathlib.Path) -> None:
    """Files whose confidence is under the limit are listed, sorted by path, with or without
    --per-file; the list is there, empty, when nothing is uncertain; it changes no exit code."""
    (tmp_path / "a-plain.txt").write_text("plain words\n")
    (tmp_path / "b-russian.txt").write_bytes(UDHR["ru"].encode("cp1251"))
    (tmp_path / "c-short.txt").write_bytes(b"caf\xe9\n")
    (tmp_path / "d-short.txt").write_bytes(b"\x80\x81\x82\x83 abc\n")
    result = invoke(str(tmp_path), "--format", "json", "--per-file")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    expected = [
        {"path": row["path"], "encoding": row["encoding"], "confidence": row["confidence"]}
        for row in report["files"]
        if row["confidence"] < UNCERTAIN_BELOW
    ]
    assert [pathlib.Path(item["path"]).name for item in expected] == ["c-short.txt", "d-short.txt"]
    assert report["uncertain"] == expected
    assert invoke_json(str(tmp_path))["uncertain"] == expected
    assert invoke_json(str(tmp_path / "a-plain.txt"))["uncertain"] == []
    # Pinned, nothing is uncertain any more.
    assert invoke_json(str(tmp_path), "--encoding", "c-*=latin-1", "--encoding", "d-*=cp1252")["uncertain"] == []


def test_table_and_csv_show_confidence(tmp_path: pathlib.Path) -> None:
    (tmp_path / "plain.txt").write_text("plain words\n")
    (tmp_path / "short.txt").write_bytes(b"caf\xe9\n")
    report = invoke_json(str(tmp_path), "--per-file")
    short = next(row for row in report["files"] if row["path"].endswith("short.txt"))
    table = invoke(str(tmp_path), "--per-file").stdout
    assert table.splitlines()[0].split() == ["lines", "words", "chars", "bytes", "confidence", "encoding", "path"]
    assert re.search(rf"\s{short['confidence']:.2f}\s+{short['encoding']}\s+\S*short\.txt", table)
    assert f"1 read with an uncertain encoding (confidence below {UNCERTAIN_BELOW:.2f}" in table
    assert f"{tmp_path / 'short.txt'}: {short['encoding']} ({short['confidence']:.2f})" in table
    assert "uncertain" in invoke(str(tmp_path)).stdout  # the table mentions them without --per-file too
    rows = {pathlib.Path(line.split(",")[0]).name: line.split(",") for line in invoke(str(tmp_path), "--per-file", "--format", "csv").stdout.splitlines()}
    assert rows["path"][-1] == "confidence"
    assert rows["plain.txt"][-1] == "1.00" and rows["short.txt"][-1] == f"{short['confidence']:.2f}"


def test_the_uncertain_section_fits_80_columns(tmp_path: pathlib.Path) -> None:
    """The table's section of uncertain encodings: a heading that fits 80 columns, a line per
    file (its path, as long as it is), and a last line that says how to pin them."""
    for name in ("short.txt", "other.txt"):
        (tmp_path / name).write_bytes(b"caf\xe9\n")
    table = invoke(str(tmp_path), "--top", "0").stdout.splitlines()
    start = next(index for index, line in enumerate(table) if "uncertain encoding" in line)
    section = table[start:]
    assert section[0] == f"2 read with an uncertain encoding (confidence below {UNCERTAIN_BELOW:.2f}):"
    assert [line.split(": ")[0].strip() for line in section[1:3]] == [str(tmp_path / "other.txt"),
                                                                      str(tmp_path / "short.txt")]
    assert section[3:] == ["pin them with --encoding 'GLOB=NAME'"]
    assert max(len(section[0]), len(section[3])) <= 80


def test_uncertain_list_is_identical_for_any_number_of_jobs(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Doubts travel from the workers as data: -j 1, 2 and 7 (a real pool) print the same report."""
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    monkeypatch.setattr(planning, "MIN_BATCH_BYTES", 1)
    pools: list[int] = []
    original = pool.run_pool

    def spy(tasks, options, jobs, on_progress, more=None):  # type: ignore[no-untyped-def]
        pools.append(jobs)
        return original(tasks, options, jobs, on_progress, more)

    monkeypatch.setattr(pool, "run_pool", spy)
    monkeypatch.setattr(pool, "default_jobs", lambda: 7)  # a real pool of 7 even on fewer CPUs
    for index in range(30):
        data = [b"caf\xe9 %d\n" % index, UDHR["el"].encode("cp1253"), b"plain %d\n" % index][index % 3]
        (tmp_path / f"d{index % 4}" / f"f{index:02}.txt").parent.mkdir(exist_ok=True)
        (tmp_path / f"d{index % 4}" / f"f{index:02}.txt").write_bytes(data)
    reports = [invoke(str(tmp_path), "--format", "json", "-j", jobs).stdout for jobs in ("1", "2", "7")]
    assert pools == [2, 7]
    assert reports[0] == reports[1] == reports[2]
    assert len(json.loads(reports[0])["uncertain"]) == 10


# --------------------------------------------------------------------------- legacy text


@pytest.mark.parametrize("language, encoding", [("ru", "cp1251"), ("ru", "koi8-r"), ("zh-hans", "gbk")])
def test_coloured_legacy_logs_are_text(language: str, encoding: str) -> None:
    """ANSI colour escapes and other control characters do not make a legacy log binary, nor
    lead detection astray."""
    text = LOGS[language] + "\x07\x08\x0b\x0c\x7f bell, backspace, tabs and delete are text too\n"
    data = text.encode(encoding)
    assert decoding.decide(data) == decoding.UTF8  # only a NUL would make it binary
    counted = count_bytes(data)
    assert isinstance(counted, FileCounts)
    assert data.decode(counted.encoding) == text, counted.encoding
    assert counts(counted) == reference_counts(text)


def test_shift_jis_keeps_backslash_and_tilde() -> None:
    """chardet's answer for Shift_JIS (shift_jis_2004) reads 0x5C and 0x7E as ¥ and ‾; the
    Windows code page, taken instead, reads a path and a home folder as written."""
    text = ("使い方: コマンド [オプション]... ファイル...\n  -v, --verbose     詳しく表示する\n"
            "  -q, --quiet       何も表示しない\nパスの区切りはバックスラッシュ (\\) で、ホームは ~ です。\n")
    data = text.encode("shift_jis")
    assert chardet.detect(data, compat_names=False)["encoding"] == "shift_jis_2004"
    counted = count_bytes(data)
    assert isinstance(counted, FileCounts) and counted.encoding == "cp932"
    assert data.decode(counted.encoding) == text


def test_a_few_legacy_lines_in_a_mostly_ascii_file_decide() -> None:
    """The sample holds the lines that are not ASCII: three Hebrew lines among English ones."""
    hebrew = "\n".join(UDHR["he"].splitlines()[1:4]) + "\n"
    text = UDHR["en"] * 12 + hebrew + UDHR["en"] * 12
    data = text.encode("cp1255")
    counted = count_bytes(data)
    assert isinstance(counted, FileCounts)
    assert data.decode(counted.encoding) == text, counted.encoding


def test_detection_does_not_depend_on_how_the_file_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample is taken from the file around its first byte that is not UTF-8, whatever the
    block that byte was met in: the same answer, and confidence, for any block size."""
    text = "an ascii line before the legacy text\n" * 2000 + UDHR["ru"] * 3
    data = text.encode("koi8-r")
    whole = count_bytes(data)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 100)
    in_blocks = count_bytes(data)
    assert isinstance(whole, FileCounts) and isinstance(in_blocks, FileCounts)
    assert (whole.encoding, whole.confidence) == (in_blocks.encoding, in_blocks.confidence) == ("koi8-r", whole.confidence)
    assert counts(whole) == counts(in_blocks) == reference_counts(text)


@pytest.mark.parametrize("data", [
    b"\\newcommand{\\x}{~{y}} a LaTeX line with ~{z~} in it\n",
    b"\x1b(B\x1b[m\x1b[1mbold\x1b(B\x1b[m plain log line from tput\n",
    b"echo ${HOME} $PATH \x1b$ alone\n",
])
def test_ascii_that_looks_escaped_stays_utf8(data: bytes) -> None:
    """ISO-2022 and HZ are looked for only where their escapes are, and must decode."""
    counted = count_bytes(data * 5)
    assert isinstance(counted, FileCounts) and (counted.encoding, counted.confidence) == ("utf-8", 1.0)


# --------------------------------------------------------------------------- UTF-16 and UTF-32 without a BOM

WIDE_TEXTS = {
    "en": UDHR["en"],
    "ru": UDHR["ru"],
    "el": UDHR["el"],
    "ja": UDHR["ja"],
    "ko": UDHR["ko"],
    "zh": UDHR["zh-hans"],
    "zh-without-ascii": re.sub(r"[\x00-\x7f]", "", UDHR["zh-hans"]),  # NULs only from 一 (U+4E00)
    "emoji": "Smile \U0001f600, wave \U0001f44b, rocket \U0001f680: astral characters are one each.\n" * 3,
}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("language", sorted(WIDE_TEXTS))
def test_utf16_and_utf32_without_bom_are_text(codec: str, language: str) -> None:
    text = WIDE_TEXTS[language]
    data = text.encode(codec)
    assert b"\0" in data
    counted = count_bytes(data)
    assert isinstance(counted, FileCounts), counted
    assert counted.encoding == codec
    assert counts(counted) == reference_counts(text)
    assert counted.replaced == 0
    assert decoding.MIN_TEXT_SHARE <= counted.confidence <= 1.0


def _png(tmp_path: pathlib.Path) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(b"\0" + b"".join(bytes((x * 16, y * 16, 128, 255)) for x in range(16)) for y in range(16))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 6, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _zip(tmp_path: pathlib.Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("udhr/en.txt", UDHR["en"] * 20)
        archive.writestr("udhr/ru.txt", UDHR["ru"] * 20)
    return buffer.getvalue()


def _sqlite(tmp_path: pathlib.Path) -> bytes:
    with sqlite3.connect(tmp_path / "db.sqlite") as connection:
        connection.execute("create table article (number integer, language text, body text)")
        connection.executemany("insert into article values (?, ?, ?)",
                               [(1, language, text) for language, text in UDHR.items()])
    return (tmp_path / "db.sqlite").read_bytes()


def _tar(tmp_path: pathlib.Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = UDHR["en"].encode()
        info = tarfile.TarInfo("udhr/en.txt")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _pyc(tmp_path: pathlib.Path) -> bytes:
    (tmp_path / "module.py").write_text("ARTICLES = {}\n" + "".join(f"ARTICLES[{n!r}] = {t!r}\n" for n, t in UDHR.items()))
    return pathlib.Path(py_compile.compile(str(tmp_path / "module.py"), cfile=str(tmp_path / "module.pyc"))).read_bytes()


def _wav(tmp_path: pathlib.Path) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)  # 16-bit samples: pairs of bytes, like UTF-16
        sound.setframerate(8000)
        sound.writeframes(b"".join(struct.pack("<h", int(3000 * math.sin(i / 10))) for i in range(8000)))
    return buffer.getvalue()


BINARIES: dict[str, Callable[[pathlib.Path], bytes]] = {
    "elf": lambda tmp_path: pathlib.Path(os.path.realpath(sys.executable)).read_bytes(),
    "png": _png,
    "zip": _zip,
    "gzip": lambda tmp_path: gzip.compress((UDHR["en"] * 50).encode(), mtime=0),
    "sqlite": _sqlite,
    "tar": _tar,
    "pyc": _pyc,
    "wav": _wav,
}


@pytest.mark.parametrize("kind", sorted(BINARIES))
def test_real_binaries_stay_binary(tmp_path: pathlib.Path, kind: str) -> None:
    """Binary files are skipped as binary; a gzip file as compressed (issue 14: -z counts it)."""
    data = BINARIES[kind](tmp_path)
    assert b"\0" in data[: reader.BLOCK_BYTES]
    assert count_bytes(data) == Skipped("mem", "compressed" if kind == "gzip" else "binary")


STRAY_NULS = {
    "ascii": UDHR["en"].encode() + b"\0" + UDHR["en"].encode(),
    "utf-8": UDHR["ru"].encode() + b"\0" + UDHR["ja"].encode(),
    "utf-8, short": b"\0" + "gamma x déjà x".encode(),  # paired up, it would decode as UTF-16 text
    "latin-1": UDHR["fr"].encode("latin-1").replace(b" ", b"\0", 1),
    "latin-1, short": "y der\0echos y, dotados como están ".encode("latin-1"),  # the same
    "cp1251": UDHR["ru"].encode("cp1251")[:200] + b"\0" + UDHR["ru"].encode("cp1251")[200:],
    "find -print0": b"\0".join(b"src/module%d.py" % index for index in range(60)),
    "find -print0, short names": b"\0".join(b"./%d" % index for index in range(1, 40)),  # the same
}


@pytest.mark.parametrize("name", sorted(STRAY_NULS))
def test_text_with_stray_nuls_stays_binary(name: str) -> None:
    """A NUL in 8-bit text still makes it binary: it is not taken for UTF-16 of paired bytes,
    even where the pairs would decode to plausible text."""
    assert count_bytes(STRAY_NULS[name]) == Skipped("mem", "binary")


def test_a_tree_with_bomless_utf16_and_binaries(tmp_path: pathlib.Path) -> None:
    """Through the command line: the BOM-less texts are counted, the binaries skipped."""
    (tmp_path / "notes.utf16").write_bytes(UDHR["de"].encode("utf-16-le"))
    (tmp_path / "notes.utf32").write_bytes(UDHR["ko"].encode("utf-32-be"))
    (tmp_path / "tree").mkdir()
    for kind in ("png", "zip", "sqlite"):
        (tmp_path / "tree" / f"data.{kind}").write_bytes(BINARIES[kind](tmp_path))
    for name in ("notes.utf16", "notes.utf32"):
        (tmp_path / name).rename(tmp_path / "tree" / name)
    report = invoke_json(str(tmp_path / "tree"), "--per-file")
    assert [(pathlib.Path(row["path"]).name, row["encoding"]) for row in report["files"]] == [
        ("notes.utf16", "utf-16-le"), ("notes.utf32", "utf-32-be")]
    assert report["totals"]["words"] == len(UDHR["de"].split()) + len(UDHR["ko"].split())
    assert {pathlib.Path(item["path"]).name: item["reason"] for item in report["skipped"]} == {
        "data.png": "binary", "data.zip": "binary", "data.sqlite": "binary"}


# --------------------------------------------------------------------------- --encoding GLOB=NAME


@pytest.fixture
def corpus(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """corpus/legacy/a.txt (GBK), corpus/jp/b.sjis (Shift_JIS), corpus/c.txt and corpus/d.dat (UTF-8)."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "corpus"
    (root / "legacy").mkdir(parents=True)
    (root / "jp").mkdir()
    (root / "legacy" / "a.txt").write_bytes(UDHR["zh-hans"].encode("gbk"))
    (root / "jp" / "b.sjis").write_bytes(UDHR["ja"].encode("shift_jis"))
    (root / "c.txt").write_bytes("café\n".encode())
    (root / "d.dat").write_bytes("naïve\n".encode())
    return root


def encodings(*rules: str) -> dict[str, str]:
    """Each file's reported encoding when corpus is counted with these --encoding values."""
    args = [arg for rule in rules for arg in ("--encoding", rule)]
    report = invoke_json("corpus", "--per-file", *args)
    return {row["path"]: row["encoding"] for row in report["files"]}


def test_encoding_rules_pick_files_by_glob(corpus: pathlib.Path) -> None:
    """A rule reads the files its glob matches, at any depth ('legacy/**' matches
    corpus/legacy/a.txt); the others are detected."""
    report = invoke_json("corpus", "--per-file", "--encoding", "legacy/**=gbk", "--encoding", "*.sjis=shift_jis")
    rows = {row["path"]: row for row in report["files"]}
    assert rows["corpus/legacy/a.txt"]["encoding"] == "gb18030"
    assert rows["corpus/jp/b.sjis"]["encoding"] == "shift_jis"  # detection says cp932
    assert rows["corpus/legacy/a.txt"]["confidence"] == rows["corpus/jp/b.sjis"]["confidence"] == 1.0
    assert counts(rows["corpus/jp/b.sjis"]) == reference_counts(UDHR["ja"])
    assert (rows["corpus/c.txt"]["encoding"], rows["corpus/d.dat"]["encoding"]) == ("utf-8", "utf-8")
    assert encodings()["corpus/jp/b.sjis"] == "cp932"


def test_first_matching_rule_wins_and_a_plain_name_is_the_fallback(corpus: pathlib.Path) -> None:
    assert encodings("legacy/**=latin-1", "*.txt=cp1251", "koi8-r") == {
        "corpus/legacy/a.txt": "iso8859-1", "corpus/c.txt": "cp1251", "corpus/jp/b.sjis": "koi8-r",
        "corpus/d.dat": "koi8-r"}
    # The other order: the first rule now matches legacy/a.txt too; the plain name may come first.
    assert encodings("koi8-r", "*.txt=cp1251", "legacy/**=latin-1") == {
        "corpus/legacy/a.txt": "cp1251", "corpus/c.txt": "cp1251", "corpus/jp/b.sjis": "koi8-r",
        "corpus/d.dat": "koi8-r"}
    # A rule that reads the file wrongly is still obeyed: Latin-1 reads every byte as a character.
    row = next(row for row in invoke_json("corpus", "--per-file", "--encoding", "legacy/**=latin-1")["files"]
               if row["path"] == "corpus/legacy/a.txt")
    assert row["chars"] == len(UDHR["zh-hans"].encode("gbk"))


def test_encoding_globs_are_matched_relative_to_the_folder_given(corpus: pathlib.Path) -> None:
    """As every glob: a leading '/' anchors at the folder given, not at the path as written;
    an absolute glob inside that folder works; a file named is matched from the current folder."""
    assert encodings("/legacy/**=latin-1")["corpus/legacy/a.txt"] == "iso8859-1"
    assert encodings("/corpus/legacy/**=latin-1")["corpus/legacy/a.txt"] == "gb18030"  # no corpus/ in corpus: detected
    absolute = str(corpus / "legacy") + "/*.txt=latin-1"
    for given in (str(corpus), "corpus", "./corpus/"):
        report = invoke_json(given, "--per-file", "--encoding", absolute)
        assert [row["encoding"] for row in report["files"] if row["path"].endswith("a.txt")] == ["iso8859-1"], given
    named = invoke_json("corpus/legacy/a.txt", "--per-file", "--encoding", "corpus/legacy/*.txt=latin-1")
    assert named["files"][0]["encoding"] == "iso8859-1"
    assert invoke_json("corpus/legacy/a.txt", "--per-file", "--encoding", "legacy/*=latin-1")["files"][0]["encoding"] \
        == "gb18030"  # anchored: there is no legacy/ in the current folder


def test_encoding_rules_reach_workers_and_pieces(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules travel to the workers in Counting and decide for pieces of cut files too:
    -j 2 (a real pool, a file cut into pieces) reports what -j 1 does."""
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    monkeypatch.setattr(planning, "MIN_BATCH_BYTES", 1)
    monkeypatch.setattr(planning, "SPLIT_BYTES", 64 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 16 * 1024)
    cut: list[int] = []
    original = planning.plan_pieces

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        pieces = original(*args, **kwargs)
        cut.append(len(pieces or []))
        return pieces

    monkeypatch.setattr(planning, "plan_pieces", spy)
    (tmp_path / "legacy").mkdir()
    big = (UDHR["ru"] * 400).encode("cp1251")
    (tmp_path / "legacy" / "big.txt").write_bytes(big)
    for index in range(12):
        (tmp_path / "legacy" / f"small{index}.txt").write_bytes(UDHR["ru"].encode("cp1251"))
        (tmp_path / f"other{index}.txt").write_bytes(UDHR["ru"].encode("utf-8"))
    args = [str(tmp_path), "--per-file", "--format", "json", "--encoding", "legacy/**=latin-1"]
    reports = [invoke(*args, "-j", jobs).stdout for jobs in ("1", "2")]
    assert cut and cut[0] > 2
    assert reports[0] == reports[1]
    rows = {pathlib.Path(row["path"]).relative_to(tmp_path).as_posix(): row for row in json.loads(reports[1])["files"]}
    assert rows["legacy/big.txt"]["encoding"] == "iso8859-1" and rows["legacy/big.txt"]["chars"] == len(big)
    assert {row["encoding"] for name, row in rows.items() if name.startswith("legacy/")} == {"iso8859-1"}
    assert {row["encoding"] for name, row in rows.items() if name.startswith("other")} == {"utf-8"}


def test_count_options_with_rules_pickle() -> None:
    """What the pool initializer hands to workers under spawn or forkserver survives pickling."""
    options = Counting(encoding="cp1252", encoding_rules=(("legacy/**", "gb18030"), ("*.sjis", "shift_jis")))
    again = pickle.loads(pickle.dumps(options))
    assert again == options
    assert [again.encoding_for(path) for path in ("legacy/a.txt", "x/b.sjis", "c.txt")] == ["gb18030", "shift_jis", "cp1252"]
    # With the folders given (as settings makes them): 'legacy/**' is matched below each of them.
    based = dataclasses.replace(options, glob_bases=(globs.base("corpus"), globs.base(None)))
    again = pickle.loads(pickle.dumps(based))
    assert again == based
    assert [again.encoding_for(path) for path in ("corpus/legacy/a.txt", "legacy/a.txt", "x/legacy/a.txt")] == [
        "gb18030", "gb18030", "cp1252"]


def test_workers_import_no_glob_library_for_rules(tmp_path: pathlib.Path) -> None:
    """Start-up time: --encoding rules are matched by the project's own globs (`re` alone)."""
    (tmp_path / "t.txt").write_text("plain words\n")
    code = (
        "import sys\n"
        "from wordcount.settings import parse_encodings\n"
        "from wordcount.counting.reader import count_file\nfrom wordcount.counting.spec import Counting\nfrom wordcount.progress import NoProgress\n"
        "rules, fallback = parse_encodings(['*.txt=cp1252'])\n"
        f"count_file({str(tmp_path / 't.txt')!r}, Counting(encoding_rules=rules), None, NoProgress())\n"
        "print('pathspec' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, env=repo_env(), timeout=60)
    assert completed.stdout.decode().split() == ["False"], completed.stderr.decode()

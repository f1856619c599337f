"""Files that are not valid UTF-8: UTF-8 with a few bad bytes stays UTF-8 (those bytes replaced
and counted), whole or in pieces, whatever the block; other files are read with
--fallback-encoding when it is given, else as detected. Python's codecs are the oracle."""

from __future__ import annotations

import codecs
import gzip
import importlib.util
import io
import json
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, invoke, invoke_json, reference_counts
from wordcount.counting import reader
from wordcount.execute import planning
from wordcount.text import not_utf8
from wordcount.counting.reader import count_stream
from wordcount.counting.spec import Counting
from wordcount.progress import NoProgress
from wordcount.model import FileCounts

_spec = importlib.util.spec_from_file_location("make_encodings", REPO / "fixtures" / "make_encodings.py")
assert _spec is not None and _spec.loader is not None
_make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_make)
UDHR: dict[str, str] = _make.UDHR

ACCENTED = UDHR["fr"] + UDHR["de"] + UDHR["es"] + UDHR["pt"]  # real text, a few accents a line
LATIN1_TAIL = b" caf\xe9 na\xefve\n"


def counted(data: bytes, counting: Counting = Counting()) -> FileCounts:
    result = count_stream(io.BytesIO(data), "mem", counting, None, NoProgress())
    assert isinstance(result, FileCounts)
    return result


def as_replaced(data: bytes) -> str:
    """What a reader of UTF-8 shows: each bad sequence one U+FFFD (Python's decoder)."""
    return data.decode("utf-8", "replace")


def bad_bytes(data: bytes) -> int:
    """The bytes a UTF-8 reader replaces (Python's decoder escapes each one apart)."""
    return sum(1 for char in data.decode("utf-8", "surrogateescape") if "\udc80" <= char <= "\udcff")


def row_of(report: dict, name: str) -> dict:
    return next(row for row in report["files"] if row["path"].endswith(name))


# --------------------------------------------------------------------------- a few bad bytes


def test_a_long_utf8_list_with_latin1_at_its_end_is_utf8(tmp_path: pathlib.Path) -> None:
    """Megabytes of accented UTF-8 text and ` caf\\xe9 na\\xefve` at the end were read as a
    legacy code page, every accented word mojibake: it is UTF-8, the two bytes replaced."""
    data = (ACCENTED * 1200).encode() + LATIN1_TAIL
    assert len(data) > 2 * reader.BLOCK_BYTES
    (tmp_path / "words.txt").write_bytes(data)
    for jobs in ("1", "2"):
        row = row_of(invoke_json(str(tmp_path), "--per-file", "--top", "0", "-j", jobs), "words.txt")
        assert (row["encoding"], row["replaced"]) == ("utf-8", 2)
        assert {key: row[key] for key in ("lines", "words", "chars")} == reference_counts(as_replaced(data))
        assert row["confidence"] >= not_utf8.MIN_SHARE


def test_bad_bytes_far_apart_are_all_replaced_and_the_verdict_is_the_first_ones() -> None:
    """A bad byte past the window of the first one (and past the first block) is replaced too:
    the file was judged UTF-8 at its first bad byte, and is read to its end as UTF-8."""
    text = (ACCENTED * 700).encode()
    data = text[:500_000] + b"\xff" + text[500_000:] + b"\x80" + text + LATIN1_TAIL
    assert len(data) > 500_000 + not_utf8.AFTER_BYTES + reader.BLOCK_BYTES
    result = counted(data)
    assert (result.encoding, result.replaced) == ("utf-8", 4)
    assert {"lines": result.lines, "words": result.words, "chars": result.chars} == reference_counts(as_replaced(data))


@pytest.mark.parametrize("block", [100, 4096, 1 << 20])
def test_the_verdict_does_not_depend_on_the_block(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    """The window around the first bad byte is taken from the file, not from the block it was
    met in: the same reading, confidence and counts for any block size."""
    data = (ACCENTED * 40).encode() + b"caf\xe9 " + (ACCENTED * 40).encode()
    monkeypatch.setattr(reader, "BLOCK_BYTES", block)
    result = counted(data)
    assert (result.encoding, result.replaced, result.confidence) == ("utf-8", 1, 0.99)
    assert result.chars == len(as_replaced(data))


def test_a_cut_file_with_a_few_bad_bytes_reads_as_uncut(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces counted in parallel find the file is not UTF-8; the first bad piece's window
    decides it is UTF-8 all the same: -j 2 gives the report of -j 1, bad bytes counted once."""
    monkeypatch.setattr(planning, "SPLIT_BYTES", 64 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 16 * 1024)
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    text = (ACCENTED * 150).encode()
    data = text + b"Bastian K\xf6cher\n" + text + b"na\xefve\n" + text
    (tmp_path / "big.txt").write_bytes(data)
    (tmp_path / "small.txt").write_text("a few more words\n")
    reports = [invoke(str(tmp_path), "--per-file", "--format", "json", "-j", jobs).stdout for jobs in ("1", "2")]
    assert reports[0] == reports[1]
    row = row_of(json.loads(reports[1]), "big.txt")
    assert (row["encoding"], row["replaced"], row["chars"]) == ("utf-8", 2, len(as_replaced(data)))


def test_a_compressed_changelog_with_one_latin1_name_is_utf8(tmp_path: pathlib.Path) -> None:
    """As in `flex`'s changelog.gz: UTF-8 entries and one old Latin-1 name, read with -z."""
    entries = "".join(f"2016-03-{day:02}  Ana Lía Núñez <ana@example.org>\n\n\t* Fix the “scanner”.\n\n"
                      for day in range(1, 29)).encode()
    data = entries + b"2016-03-14  Bastian K\xf6cher <git@kchr.de>\n\n\t* Build.\n" + entries
    (tmp_path / "changelog.gz").write_bytes(gzip.compress(data))
    row = row_of(invoke_json(str(tmp_path), "-z", "--per-file", "--top", "0"), "changelog.gz")
    assert (row["encoding"], row["replaced"], row["chars"]) == ("utf-8", 1, len(as_replaced(data)))


def test_a_marked_up_file_is_judged_alike(tmp_path: pathlib.Path) -> None:
    """A Markdown file counted by its prose is decoded by the same rule."""
    data = b"# Notes\n\n" + (ACCENTED * 3).encode() + b"\nMore notes, caf\xe9.\n"
    (tmp_path / "notes.md").write_bytes(data)
    row = row_of(invoke_json(str(tmp_path), "--markup", "auto", "--per-file", "--top", "0"), "notes.md")
    assert (row["encoding"], row["replaced"]) == ("utf-8", 1)


@pytest.mark.parametrize("data", [
    "“Quoted” text, and caf".encode() + b"\xe9.\n",  # 2 valid characters: too few to tell
    "€5 or £4, caf".encode() + b"\xe9 na\xefve r\xe9sum\xe9 \xe0 la cr\xe8me\n",  # 2 valid of 8
])
def test_too_little_utf8_is_not_evidence(data: bytes) -> None:
    """A few valid characters among bad bytes do not make a file UTF-8: the fallback reads it."""
    assert counted(data, Counting(fallback_encoding="cp1252")).encoding == "cp1252"


@pytest.mark.parametrize("language, encoding", [("ja", "euc_jp"), ("ja", "shift_jis"), ("zh-hans", "gbk"),
                                                ("ko", "euc_kr"), ("ru", "cp1251"), ("th", "tis-620")])
def test_legacy_text_whose_bytes_look_like_utf8_is_still_detected(language: str, encoding: str) -> None:
    """Double-byte text often pairs bytes into valid UTF-8 (EUC-JP: 30% of its sequences):
    far from the share that makes a file UTF-8, it is read in its own encoding."""
    text = UDHR[language] * 3
    result = counted(text.encode(encoding))
    assert result.encoding != "utf-8"
    assert text.encode(encoding).decode(result.encoding) == text


ALPHABET = st.sampled_from([b"a", b" ", b"\n", "é".encode(), "中".encode(), "😀".encode(), "\ufffd".encode(),
                            b"\xe9", b"\x80", b"\xc3", b"\xe4\xb8", b"\xf0\x9f\x98", b"\xff", b"\xc0\x80"])


@given(parts=st.lists(ALPHABET, max_size=60))
@settings(max_examples=300, deadline=None)
def test_the_share_counts_what_pythons_decoder_sees(parts: list[bytes]) -> None:
    """Valid characters and bad sequences, as counted at C speed, are those of a decoder whose
    error handler is called once for each sequence it replaces; U+FFFD in the file is valid."""
    data = b"".join(parts)
    calls: list[int] = []

    def handler(error: UnicodeError) -> tuple[str, int]:
        assert isinstance(error, UnicodeDecodeError)
        calls.append(error.end)
        return "", error.end

    codecs.register_error("test-not-utf8-count", handler)
    text = data.decode("utf-8", "test-not-utf8-count")
    share = not_utf8.share_of(data)
    assert (share.valid, share.invalid) == (sum(1 for char in text if char > "\x7f"), len(calls))


# --------------------------------------------------------------------------- --fallback-encoding


LATIN1_WORDS = "\n".join(sorted(set(ACCENTED.split()))) + "\n"


def test_the_fallback_reads_files_that_are_not_utf8(tmp_path: pathlib.Path) -> None:
    """A Latin-1 word list is read as Latin-1, not as chardet's guess; UTF-8 files beside it stay UTF-8."""
    data = LATIN1_WORDS.encode("latin-1")
    (tmp_path / "latin1.txt").write_bytes(data)
    (tmp_path / "utf8.txt").write_text(LATIN1_WORDS, encoding="utf-8")
    report = invoke_json(str(tmp_path), "--fallback-encoding", "latin-1", "--per-file", "--top", "0")
    latin1, utf8 = row_of(report, "latin1.txt"), row_of(report, "utf8.txt")
    assert (latin1["encoding"], latin1["confidence"]) == ("iso8859-1", 1.0)
    assert {key: latin1[key] for key in ("lines", "words", "chars")} == reference_counts(LATIN1_WORDS)
    assert utf8["encoding"] == "utf-8" and report["uncertain"] == []


def test_the_fallback_does_not_override_what_a_file_says(tmp_path: pathlib.Path) -> None:
    """A BOM, UTF-8 with a few bad bytes, and --encoding all come before the fallback."""
    (tmp_path / "bom.txt").write_bytes(codecs.BOM_UTF8 + b"caf\xe9\n")
    (tmp_path / "mostly.txt").write_bytes((ACCENTED * 3).encode() + LATIN1_TAIL)
    (tmp_path / "pinned.txt").write_bytes("Привет, мир\n".encode("koi8-r"))
    report = invoke_json(str(tmp_path), "--fallback-encoding", "cp1251", "--encoding", "pinned.txt=koi8-r",
                         "--per-file", "--top", "0")
    assert [(row["path"].rsplit("/", 1)[1], row["encoding"]) for row in report["files"]] == [
        ("bom.txt", "utf-8-sig"), ("mostly.txt", "utf-8"), ("pinned.txt", "koi8-r")]


def test_fallback_utf8_never_detects(tmp_path: pathlib.Path) -> None:
    data = UDHR["ru"].encode("cp1251")
    (tmp_path / "ru.txt").write_bytes(data)
    row = row_of(invoke_json(str(tmp_path), "--fallback-encoding", "UTF8", "--per-file", "--top", "0"), "ru.txt")
    assert (row["encoding"], row["replaced"], row["chars"]) == ("utf-8", bad_bytes(data), len(as_replaced(data)))


def test_a_cut_file_uses_the_fallback_like_an_uncut_one(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(planning, "SPLIT_BYTES", 64 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 16 * 1024)
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    text = "plain ascii words first\n" * 4000 + UDHR["ru"] * 200
    (tmp_path / "big.txt").write_bytes(text.encode("cp1251"))
    reports = [invoke(str(tmp_path), "--fallback-encoding", "koi8-r", "--per-file", "--format", "json", "-j", jobs).stdout
               for jobs in ("1", "2")]
    assert reports[0] == reports[1]
    assert json.loads(reports[1])["files"][0]["encoding"] == "koi8-r"


def test_the_fallback_is_a_config_key(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".wordcount.toml").write_text("fallback-encoding = 'latin-1'\nper-file = true\ntop = 0\n")
    (tmp_path / "latin1.txt").write_bytes(LATIN1_WORDS.encode("latin-1"))
    monkeypatch.chdir(tmp_path)
    assert invoke_json("--format", "json")["files"][0]["encoding"] == "iso8859-1"
    (tmp_path / ".wordcount.toml").write_text("fallback-encoding = 'klingon'\n")
    result = invoke()
    assert result.exit_code == 2 and "fallback-encoding: unknown encoding: klingon" in result.stderr


@pytest.mark.parametrize("name, message", [
    ("klingon", "--fallback-encoding: unknown encoding: klingon"),
    ("base64", "--fallback-encoding: not a text encoding: base64"),
    ("utf-16", "--fallback-encoding: utf-16 cannot be a fallback"),
    ("UTF-32-LE", "--fallback-encoding: UTF-32-LE cannot be a fallback"),
])
def test_a_bad_fallback_is_a_usage_error(tmp_path: pathlib.Path, name: str, message: str) -> None:
    result = invoke(str(tmp_path), "--fallback-encoding", name)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("wordcount: ") and message in line

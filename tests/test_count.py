"""Counting: the definitions of line, word and character, encodings, blocks and frequencies."""

from __future__ import annotations

import codecs
import io
import os
import pathlib
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import WC_SPACES, reference_counts, reference_words
from wordcount.counting import freq, reader, tally
from wordcount.text import decoding
from wordcount.counting.batch import count_batch
from wordcount.counting.reader import count_stream
from wordcount.counting.spec import Counting, Job
from wordcount.progress import NoProgress
from wordcount.report.summary import Summary
from wordcount.model import BatchResult, FileCounts, Skipped, Totals

# Text that exercises the word rule: every kind of whitespace, CJK, combining marks, controls.
ALPHABET = st.sampled_from(
    list("ab Zé\n\t\r\v\f,.'-中文日本語한국어\u0301\x01\x1b\x1c\x85\u200b")
    + sorted(WC_SPACES)
    + ["\U0001f600", "\ufeff"]
)
TEXTS = st.text(alphabet=ALPHABET, max_size=300)


def count_bytes(data: bytes, options: Counting = Counting(), words: freq.Words | None = None):
    """Count an in-memory file."""
    return count_stream(io.BytesIO(data), "mem", options, words, NoProgress())


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch):
    """Make the block size small enough that every file spans many blocks."""

    def set_block(size: int) -> None:
        monkeypatch.setattr(reader, "BLOCK_BYTES", size)

    return set_block


@pytest.mark.parametrize(
    "text, lines, words",
    [
        ("", 0, 0),
        ("one", 0, 1),
        ("one two\n", 1, 2),
        ("  leading and trailing  \n\n", 2, 3),
        ("no\u00a0break\u2007spaces\u202fand\u2060joiner", 0, 5),
        ("ideographic\u3000space and\u2028line\u2029separators", 0, 5),
        ("controls\x01are\x1bpart\x1cof\x85words", 0, 1),  # ≥ 9.5: a non-printable char is a word's own
        ("zero\u200bwidth", 0, 1),  # U+200B is not whitespace for glibc
        ("中文没有空格。日本語も。", 0, 1),  # wc's rule: a run without spaces is one word
    ],
)
def test_definitions(text: str, lines: int, words: int) -> None:
    """Lines are newlines; words are runs of non-whitespace with wc's whitespace set."""
    counted = count_bytes(text.encode("utf-8"))
    assert isinstance(counted, FileCounts)
    assert (counted.lines, counted.words, counted.chars) == (lines, words, len(text))
    assert counted.bytes == len(text.encode("utf-8"))


@given(text=TEXTS, block=st.integers(min_value=1, max_value=16), frequencies=st.booleans())
@settings(max_examples=300, deadline=None)
def test_utf8_any_block_size(text: str, block: int, frequencies: bool) -> None:
    """Blocks cut at any byte offset give the counts of the whole text, with or without frequencies."""
    original = reader.BLOCK_BYTES
    reader.BLOCK_BYTES = block
    try:
        words = freq.new_table() if frequencies else None
        counted = count_bytes(text.encode("utf-8"), Counting(frequencies=frequencies), words)
    finally:
        reader.BLOCK_BYTES = original
    assert isinstance(counted, FileCounts)
    # A leading U+FEFF in UTF-8 is a byte order mark: it is not counted as a character.
    body = text[1:] if text.startswith("\ufeff") else text
    assert {"lines": counted.lines, "words": counted.words, "chars": counted.chars} == reference_counts(body)
    if frequencies:
        assert freq.as_dict(words) == Counter(word.encode("utf-8") for word in reference_words(body))  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-16-le", "utf-32", "shift_jis", "big5"])
@given(block=st.integers(min_value=1, max_value=9), data=st.data())
@settings(max_examples=60, deadline=None)
def test_forced_codec_any_block_size(encoding: str, block: int, data: st.DataObject) -> None:
    """Multibyte encodings split at any byte offset still decode and count exactly."""
    alphabet = "ab \n\t中文字" + ("日本語カナ" if encoding == "shift_jis" else "") + ("\u3000" if encoding != "big5" else "")
    text = data.draw(st.text(alphabet=alphabet, max_size=120))
    original = reader.BLOCK_BYTES
    reader.BLOCK_BYTES = block
    try:
        words = freq.new_table()
        counted = count_bytes(text.encode(encoding), Counting(encoding=decoding.canonical(encoding)), words)
    finally:
        reader.BLOCK_BYTES = original
    assert isinstance(counted, FileCounts)
    assert {"lines": counted.lines, "words": counted.words, "chars": counted.chars} == reference_counts(text)
    assert freq.as_dict(words) == Counter(word.encode("utf-8") for word in reference_words(text))
    assert counted.replaced == 0


@pytest.mark.parametrize(
    "bom_encoding, reported",
    [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("utf-16-be", "utf-16"), ("utf-32", "utf-32")],
)
def test_bom_decides(bom_encoding: str, reported: str, tiny_blocks) -> None:
    """A BOM decides the encoding (even with NUL bytes) and is not counted as a character."""
    text = "naïve café\n中文 テキスト\n"
    data = text.encode(bom_encoding)
    if bom_encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    tiny_blocks(5)
    counted = count_bytes(data)
    assert isinstance(counted, FileCounts)
    assert counted.encoding == reported
    assert (counted.lines, counted.words, counted.chars, counted.bytes) == (2, 4, len(text), len(data))


def test_nul_means_binary() -> None:
    """A NUL byte in the first block makes a file binary, skipped with that reason."""
    assert count_bytes(b"text\x00more") == Skipped("mem", "binary")
    assert isinstance(count_bytes(b"plain text, no nul"), FileCounts)


@pytest.mark.parametrize(
    "text, encoding",
    [
        ("今天的天气很好，我们一起去公园散步。张喆和朱镕坐在湖边的长椅上，讨论着一本关于历史的书。" * 4, "gbk"),
        ("東京の図書館には、古い本も新しい本もたくさんあります。言葉を数えることは難しい仕事です。" * 4, "shift_jis"),
        ("Ça coûte très cher, à peu près deux cents euros pour un réveil. Déjà vu, naïve façade!\n" * 4, "latin-1"),
        ("한국어 텍스트입니다. 이것은 테스트입니다. 서울은 큰 도시입니다. 우리는 함께 공부합니다.\n" * 4, "euc_kr"),
        ("Привет, это русский текст для проверки кодировки. Москва большой город.\n" * 4, "koi8_r"),
    ],
)
def test_detected_encoding_decodes_to_the_same_text(text: str, encoding: str) -> None:
    """A file that is not UTF-8 is detected; the encoding named decodes it to the true text."""
    data = text.encode(encoding)
    counted = count_bytes(data)
    assert isinstance(counted, FileCounts)
    assert data.decode(counted.encoding) == text
    assert counted.replaced == 0
    assert {"lines": counted.lines, "words": counted.words, "chars": counted.chars} == reference_counts(text)


def test_gbk_only_characters_survive() -> None:
    """GB2312/GBK answers are read as GB18030, so characters GB2312 lacks are not replaced."""
    text = "张喆和朱镕坐在湖边的长椅上，讨论着一本关于历史的书。今天的天气很好，我们一起去公园散步。" * 3
    counted = count_bytes(text.encode("gbk"))
    assert isinstance(counted, FileCounts)
    assert counted.encoding == "gb18030"
    assert counted.replaced == 0


def test_late_invalid_byte_restarts_with_detection(tiny_blocks) -> None:
    """A file that is ASCII for many blocks and then Latin-1 is read again, whole, as Latin-1."""
    tiny_blocks(64)
    text = "plain ascii words here\n" * 50 + "café crème brûlée\n"
    counted = count_bytes(text.encode("latin-1"))
    assert isinstance(counted, FileCounts)
    assert counted.encoding in ("cp1252", "iso8859-1", "iso8859-15")
    assert {"lines": counted.lines, "words": counted.words, "chars": counted.chars} == reference_counts(text)


def test_escape_sequences_are_text() -> None:
    """A Latin-1 log with ANSI colour escapes is text, not binary, and is decoded."""
    text = "\x1b[31mERROR\x1b[0m échec de la connexion à la base de données\n" * 20
    counted = count_bytes(text.encode("latin-1"))
    assert isinstance(counted, FileCounts)
    assert counted.encoding in ("cp1252", "iso8859-1", "iso8859-15")
    assert counted.words == len(reference_words(text))


def test_undecodable_bytes_are_replaced_and_reported() -> None:
    """Bytes the chosen codec cannot decode are replaced, counted, and the file still counts."""
    data = "déjà vu".encode("latin-1") + b" \xff\xfe tail\n"
    counted = count_bytes(data, Counting(encoding="utf-8"))
    assert isinstance(counted, FileCounts)
    assert counted.replaced == 4  # é, à, \xff, \xfe: each an undecodable byte
    assert counted.words == 4
    assert counted.chars == len("d\ufffdj\ufffd vu \ufffd\ufffd tail\n")


def test_replaced_bytes_are_counted_per_file_when_threads_count_at_once(tmp_path: pathlib.Path) -> None:
    """Two threads count at once (as a Dask worker's threads do): a clean file and one full of
    bad bytes, both read with a codec. Each gets its own count of replaced bytes, every time."""
    clean = tmp_path / "clean.txt"
    clean.write_bytes("naïve café déjà vu\n".encode() * 60_000)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"caf\xe9 \xff\xfe word\n" * 60_000)
    options = Counting(encoding="utf-8", frequencies=False)

    def replaced(path: pathlib.Path) -> int:
        counted = reader.count_file(str(path), options, None, NoProgress())
        assert isinstance(counted, FileCounts)
        return counted.replaced

    start = threading.Barrier(2)

    def together(path: pathlib.Path) -> int:
        start.wait(10)
        return replaced(path)

    with ThreadPoolExecutor(2) as pool:
        for _ in range(15):
            assert list(pool.map(together, [clean, bad])) == [0, 3 * 60_000]


def test_utf8_bom_file_with_bad_bytes_stays_utf8() -> None:
    """A UTF-8 BOM still says UTF-8: bad bytes after it are replaced, not re-detected."""
    data = codecs.BOM_UTF8 + b"good text \xff bad byte\n"
    counted = count_bytes(data)
    assert isinstance(counted, FileCounts)
    assert (counted.encoding, counted.replaced, counted.words) == ("utf-8-sig", 1, 5)


def test_long_tokens_count_as_words_but_not_frequencies(tiny_blocks) -> None:
    """A token longer than MAX_WORD_BYTES is a word, carried with bounded memory, never in top."""
    tiny_blocks(100)
    long_token = b"x" * (tally.MAX_WORD_BYTES * 3)
    words = freq.new_table()
    counted = count_bytes(b"short " + long_token + b" short\n", Counting(), words)
    assert isinstance(counted, FileCounts)
    assert counted.words == 3
    assert freq.as_dict(words)[b"short"] == 2
    # What is kept of a token running over many blocks stays bounded by the limit and a block.
    assert max(len(word) for word in freq.as_dict(words)) <= tally.MAX_WORD_BYTES + 1 + 100
    summary = Summary(top=10)
    summary.add_batch(BatchResult(Totals(), table=words))
    assert summary.top() == [("short", 2)]


def test_ignore_case_folds_frequencies_not_totals() -> None:
    """--ignore-case casefolds words (ß → ss) for frequencies only, when a worker hands them over."""
    words = freq.new_table()
    options = Counting(ignore_case=True)
    counted = count_bytes("The the THE Straße STRASSE\n".encode(), options, words)
    assert isinstance(counted, FileCounts)
    assert counted.words == 5
    assert freq.as_dict(tally.normalized(words, options)) == {b"the": 3, b"strasse": 2}


def test_count_batch_reports_missing_files(tmp_path) -> None:
    """A file that vanished before its count is a Failed outcome; the batch goes on."""
    good = tmp_path / "good.txt"
    good.write_text("one two three\n")
    result = count_batch([str(tmp_path / "gone.txt"), str(good)], Job(per_file=True), NoProgress(), None)
    assert result.totals.files == 1 and result.totals.words == 3
    assert [row.path for row in result.files] == [str(good)]
    assert len(result.problems) == 1
    assert result.problems[0].path.endswith("gone.txt")
    assert "No such file" in result.problems[0].error  # type: ignore[union-attr]


def test_pipe_that_is_not_utf8_is_spooled_and_detected() -> None:
    """A stream that cannot seek is still read again with the detected codec."""

    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

    text = "今天的天气很好，我们一起去公园散步。张喆和朱镕坐在湖边的长椅上。" * 5
    counted = count_stream(Pipe(text.encode("gbk")), "-", Counting(), None, NoProgress())
    assert isinstance(counted, FileCounts)
    assert counted.encoding == "gb18030"
    assert counted.chars == len(text)


def test_normalize_spaces_covers_every_multibyte_space() -> None:
    """Each non-ASCII whitespace character becomes one ASCII space; nothing else changes."""
    for space in sorted(WC_SPACES):
        if ord(space) < 0x80:
            continue
        assert tally.normalize_spaces(f"a{space}b".encode()) == b"a b", hex(ord(space))
    untouched = "“quoted” — dash… €".encode()
    assert tally.normalize_spaces(untouched) == untouched


class ChangingFile(io.FileIO):
    """A real file that `change`s itself right after its second read (and the read it gives)."""

    def __init__(self, path: str, change: Callable[[str], None]) -> None:
        super().__init__(path, "rb")
        self.change = change
        self.calls = 0

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        self.calls += 1
        if self.calls == 2:
            self.change(self.name)
        return data


def grow(path: str) -> None:
    with open(path, "ab") as handle:
        handle.write(b"four five\n")


def shrink(path: str) -> None:
    os.truncate(path, 4)


@pytest.mark.parametrize("change", [grow, shrink])
def test_file_changed_while_read_is_counted_as_read_and_marked(
    tmp_path: pathlib.Path, tiny_blocks: Callable[[int], None], change: Callable[[str], None]
) -> None:
    """A file that grows or shrinks after its last read: what was read is counted, marked `changed`."""
    tiny_blocks(8)  # two reads: 8 bytes, then 6 (short: the last), then the file changes
    path = tmp_path / "t.txt"
    path.write_bytes(b"one two three\n")
    with ChangingFile(str(path), change) as stream:
        counted = count_stream(stream, str(path), Counting(), freq.new_table(), NoProgress())
    assert stream.calls == 2
    assert counted == FileCounts(str(path), 1, 3, 14, 14, "utf-8", changed=True)


def test_unchanged_files_and_other_streams_are_not_marked(
    tmp_path: pathlib.Path, tiny_blocks: Callable[[int], None]
) -> None:
    """An unchanged file is not marked; standard input and in-memory streams are never checked."""
    tiny_blocks(8)
    path = tmp_path / "t.txt"
    path.write_bytes(b"one two three\n")
    with open(path, "rb", buffering=0) as stream:
        counted = count_stream(stream, str(path), Counting(), None, NoProgress())
    assert counted == FileCounts(str(path), 1, 3, 14, 14, "utf-8")
    with ChangingFile(str(path), grow) as stream:
        assert count_stream(stream, "-", Counting(), None, NoProgress()).changed is False  # type: ignore[union-attr]
    assert count_bytes(b"one two three\n").changed is False  # type: ignore[union-attr]


class Dribble(io.FileIO):
    """A file, or a pipe, each read of which gives at most `most` bytes, as a pipe whose writer
    is slow, or a procfs file, gives less than asked before its end; `calls` counts the reads."""

    def __init__(self, source: str | int, most: int = 5) -> None:
        super().__init__(source, "rb")
        self.most = most
        self.calls = 0

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        return super().read(size if size < 0 else min(size, self.most))


@pytest.mark.parametrize("wc", [False, True])
@pytest.mark.parametrize("source", ["file", "pipe"])
def test_a_read_that_gives_less_than_asked_is_not_the_end(tmp_path: pathlib.Path, wc: bool, source: str) -> None:
    """A read that gives less than asked ends a regular file only at its size by fstat; a pipe
    is read until a read gives nothing: all of it is counted, in both ways of counting."""
    data = "one two three\nfour five six seven\n".encode() * 3
    if source == "file":
        (tmp_path / "t.txt").write_bytes(data)
        stream = Dribble(str(tmp_path / "t.txt"))
    else:
        reader, writer = os.pipe()
        os.write(writer, data)
        os.close(writer)
        stream = Dribble(reader)
    with stream:
        counted = count_stream(stream, "t.txt", Counting(wc=wc), None, NoProgress())
    assert isinstance(counted, FileCounts)
    assert (counted.lines, counted.words, counted.bytes, counted.changed) == (6, 21, len(data), False)
    assert counted.regular == (source == "file") and counted.stat_size is None


def test_a_regular_file_whose_size_is_right_takes_no_more_reads(tmp_path: pathlib.Path) -> None:
    """A small file is read in one read: a read that gives less than asked at its size is its end."""
    (tmp_path / "t.txt").write_bytes(b"one two three\n")
    with Dribble(str(tmp_path / "t.txt"), most=1 << 30) as stream:
        counted = count_stream(stream, "t.txt", Counting(), None, NoProgress())
    assert isinstance(counted, FileCounts) and counted.bytes == 14 and stream.calls == 1


def test_a_file_whose_size_says_nothing_keeps_that_size() -> None:
    """A procfs file (size 0 by fstat) is read to its end, not marked changed, and its size by
    fstat is kept for wc's column widths."""
    data = pathlib.Path("/proc/version").read_bytes() if os.path.exists("/proc/version") else None
    if data is None:
        pytest.skip("no procfs here")
    with open("/proc/version", "rb", buffering=0) as stream:
        counted = count_stream(stream, "/proc/version", Counting(), None, NoProgress())
    assert isinstance(counted, FileCounts) and counted.bytes == len(data) > 0
    assert counted.words == len(data.split()) and not counted.changed and counted.stat_size == 0

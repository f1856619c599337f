"""Large files are cut into pieces counted in parallel: the pieces must add up to the whole."""

from __future__ import annotations

import codecs
import json
import pathlib
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import invoke, reference_counts, reference_words
from wordcount.counting import freq, reader
from wordcount.execute import planning
from wordcount.text import decoding
from wordcount.counting.reader import count_piece
from wordcount.counting.spec import Counting, Job
from wordcount.progress import NoProgress
from wordcount.model import CHANGED_WHILE_READ, BatchResult, Changed, Piece, PieceResult, Totals

ALPHABET = list("ab Zé\n\t,.中文字\u3000\u00a0") + ["\U0001f600"]
ENCODINGS = {
    # name: (how the bytes are made, the decoding the engine would decide)
    "utf-8": (lambda text: text.encode("utf-8"), decoding.UTF8),
    "gb18030": (lambda text: text.encode("gb18030"), decoding.Decoding("gb18030", 0, "gb18030")),
    "utf-16": (lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"), decoding.Decoding("utf-16", 2, "utf-16-le")),
    "utf-16-be": (lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"), decoding.Decoding("utf-16", 2, "utf-16-be")),
}


def count_in_pieces(path: pathlib.Path, offsets: list[int], chosen: decoding.Decoding) -> tuple[Totals, dict[bytes, int], int]:
    """Count a file as pieces cut at nominal `offsets`, and add the pieces up."""
    starts = [0, *sorted(set(offset for offset in offsets if offset > 0))]
    totals, words, replaced = Totals(), Counter(), 0
    for index, start in enumerate(starts):
        stop = starts[index + 1] if index + 1 < len(starts) else None
        result = count_piece(Piece(str(path), index, start, stop, chosen), Counting(), NoProgress())
        assert result.error is None and result.sample is None
        totals += result.totals
        words.update(freq.as_dict(result.table))
        replaced += result.replaced
    return totals, dict(words), replaced


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@given(text=st.text(alphabet=ALPHABET, max_size=200), offsets=st.lists(st.integers(0, 900), max_size=6),
       block=st.integers(1, 64))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_pieces_add_up_to_the_whole(tmp_path: pathlib.Path, encoding: str, text: str, offsets: list[int], block: int) -> None:
    """Cut at any byte offsets, in UTF-8, GB18030 and UTF-16, the pieces' counts and word
    frequencies equal those of the unsplit file."""
    make, chosen = ENCODINGS[encoding]
    data = make(text)
    path = tmp_path / "file.txt"
    path.write_bytes(data)
    original = reader.BLOCK_BYTES
    reader.BLOCK_BYTES = block
    try:
        totals, words, replaced = count_in_pieces(path, offsets, chosen)
    finally:
        reader.BLOCK_BYTES = original
    expected = reference_counts(text)
    assert (totals.lines, totals.words, totals.chars, totals.bytes) == (
        expected["lines"], expected["words"], expected["chars"], len(data)
    )
    assert words == Counter(word.encode("utf-8") for word in reference_words(text))
    assert replaced == 0


def test_a_piece_without_whitespace_is_empty(tmp_path: pathlib.Path) -> None:
    """A nominal range inside one long token moves past it: nothing is counted twice."""
    path = tmp_path / "long.txt"
    path.write_bytes(b"a" * 5000 + b" tail\n")
    totals, words, _ = count_in_pieces(path, [1000, 2000, 3000], decoding.UTF8)
    assert (totals.words, totals.lines, totals.bytes) == (2, 1, 5006)
    assert words[b"tail"] == 1


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut files of a few hundred kilobytes, so the tests stay small."""
    monkeypatch.setattr(planning, "SPLIT_BYTES", 64 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 16 * 1024)
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "gb18030", "big5"])  # utf-16-le: no BOM
def test_cut_files_report_like_uncut(tmp_path: pathlib.Path, small_pieces: None, encoding: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the pool, a cut file gives the byte-identical report of -j 1, also when its
    pieces first find that it is not UTF-8 and it is cut again for the encoding detected."""
    text = "中華民國的首都是臺北。我們今天一起去圖書館看書 the words 圖書館裡有很多舊書和新書。\n" * 4000
    (tmp_path / "big.txt").write_bytes(text.encode(encoding))
    (tmp_path / "small.txt").write_text("a few more words\n")
    cut: list[int] = []
    original = planning.plan_pieces

    def spy(*args, **kwargs):
        pieces = original(*args, **kwargs)
        cut.append(len(pieces or []))
        return pieces

    monkeypatch.setattr(planning, "plan_pieces", spy)
    reports = [invoke(str(tmp_path), "--per-file", "--format", "json", "-j", jobs).stdout for jobs in ("1", "2")]
    assert cut and cut[0] > 4  # the pool really cut the file
    assert reports[0] == reports[1]
    row = next(row for row in json.loads(reports[1])["files"] if row["path"].endswith("big.txt"))
    assert row["words"] == len(reference_words(text)) and row["chars"] == len(text)


@pytest.mark.parametrize("size", [3000, 5000])
def test_a_cut_file_that_changed_size_is_marked(tmp_path: pathlib.Path, size: int) -> None:
    """Pieces that add up to another size than the file has now: counted as read, with a warning."""
    path = tmp_path / "grows.txt"
    path.write_bytes(b"x " * (size // 2))
    tasks = [Piece(str(path), index, index * 2000, None, decoding.UTF8) for index in range(2)]
    assembly = planning.Assembly(tasks, Job(per_file=True))
    assert assembly.add(PieceResult(str(path), 0, Totals(0, 0, 1000, 2000, 2000))) is None
    whole = assembly.add(PieceResult(str(path), 1, Totals(0, 0, 500, 1000, 1000)))
    assert isinstance(whole, BatchResult)
    assert whole.totals.bytes == 3000 and whole.files[0].changed == (size != 3000)
    assert whole.warnings == ((Changed(str(path), CHANGED_WHILE_READ),) if size != 3000 else ())


def test_a_cut_file_found_not_utf8_late_is_detected_as_uncut(tmp_path: pathlib.Path, small_pieces: None) -> None:
    """When several pieces find a file is not UTF-8, the sample is the first such piece's, taken
    from the file around its first byte that is not: -j 2 detects what -j 1 does, with the same
    confidence."""
    text = "plain ascii words before the legacy part\n" * 3000
    text += "Все люди рождаются свободными и равными в своем достоинстве и правах.\n" * 500
    text += "Всички хора се раждат свободни и равни по достойнство и права.\n" * 2000  # later pieces differ
    data = text.encode("koi8-r")
    (tmp_path / "late.txt").write_bytes(data)
    reports = [invoke(str(tmp_path), "--per-file", "--format", "json", "-j", jobs).stdout for jobs in ("1", "2")]
    assert reports[0] == reports[1]
    (row,) = json.loads(reports[1])["files"]
    assert data.decode(row["encoding"]) == text and row["chars"] == len(text)

"""Merging: the same results in any order, grouping or number of workers give the same report."""

from __future__ import annotations

import pathlib
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import invoke
from wordcount.counting import freq
from wordcount.execute import planning
from wordcount.execute.local import pool
from wordcount.text import decoding
from wordcount.counting.spec import Job
from wordcount.report.render import render_csv, render_json, render_table
from wordcount.report.summary import Summary
from wordcount.model import BatchResult, Failed, FileCounts, Piece, PieceResult, Skipped, Totals

words = st.dictionaries(st.sampled_from([b"a", b"b", b"c", "\u00e9t\u00e9".encode(), "\u4e2d".encode(), b"x" * 5]),
                        st.integers(1, 50), max_size=6)
paths = st.text(st.sampled_from("abc/\n,\t \u00e9"), min_size=1, max_size=8)


@st.composite
def batches(draw: st.DrawFn) -> list[BatchResult]:
    """Batch results as workers return them: disjoint files, some problems, some words."""
    names = draw(st.lists(paths, unique=True, max_size=12))
    results = []
    position = 0
    while position < len(names):
        size = draw(st.integers(1, 4))
        rows, problems = [], []
        for path in names[position : position + size]:
            kind = draw(st.sampled_from(["counted", "counted", "skipped", "failed"]))
            if kind == "counted":
                lines, nwords, chars = (draw(st.integers(0, 99)) for _ in range(3))
                rows.append(FileCounts(path, lines, nwords, chars, chars + draw(st.integers(0, 9)), "utf-8"))
            elif kind == "skipped":
                problems.append(Skipped(path, "binary"))
            else:
                problems.append(Failed(path, "Permission denied"))
        totals = sum((row.totals for row in rows), Totals())
        results.append(BatchResult(totals, tuple(rows), tuple(problems), draw(words)))
        position += size
    return results


def merged(results: list[BatchResult], top: int) -> Summary:
    summary = Summary(top=top, per_file=True)
    for result in results:
        summary.add_batch(result)
    return summary


@settings(max_examples=200, deadline=None)
@given(batches(), st.randoms(use_true_random=False), st.integers(1, 8))
def test_merge_order_does_not_change_the_report(results: list[BatchResult], rng: random.Random, top: int) -> None:
    """Results arrive in any order: every renderer gives the same text."""
    shuffled = results[:]
    rng.shuffle(shuffled)
    first, second = merged(results, top), merged(shuffled, top)
    for render in (render_json, render_csv, render_table):
        assert render(first) == render(second)
    expected = Counter[bytes]()
    for result in results:
        expected.update(freq.as_dict(result.table))
    assert freq.as_dict(first.table) == expected
    assert first.totals == sum((result.totals for result in results), Totals())


@given(st.lists(st.tuples(*(st.integers(0, 10**12) for _ in range(5))), max_size=6), st.randoms(use_true_random=False))
def test_totals_add_up_in_any_grouping(values: list[tuple[int, ...]], rng: random.Random) -> None:
    """Totals form a commutative monoid, so batches may be merged in any tree."""
    parts = [Totals(*value) for value in values]
    left = sum(parts, Totals())
    shuffled = parts[:]
    rng.shuffle(shuffled)
    middle = len(shuffled) // 2
    right = sum(shuffled[:middle], Totals()) + sum(shuffled[middle:], Totals())
    assert left == right
    assert left == Totals(*(sum(column) for column in zip(*values)))  # zero Totals when empty


@given(
    st.lists(st.tuples(st.integers(0, 99), st.integers(0, 99), words), min_size=1, max_size=6),
    st.randoms(use_true_random=False),
)
def test_pieces_assemble_the_same_in_any_order(pieces: list[tuple[int, int, dict[bytes, int]]],
                                               rng: random.Random) -> None:
    """A cut file's result does not depend on the order its pieces come back in."""
    tasks = [Piece("big.txt", index, index * 100, None, decoding.UTF8) for index in range(len(pieces))]
    results = [
        PieceResult("big.txt", index, Totals(0, lines, count, count, count), 0, found)
        for index, (lines, count, found) in enumerate(pieces)
    ]
    outcomes = []
    for order in (results, rng.sample(results, len(results))):
        assembly = planning.Assembly(tasks, Job(per_file=True))
        answers = [assembly.add(result) for result in order]
        assert all(answer is None for answer in answers[:-1])
        outcomes.append(answers[-1])
    assert outcomes[0] == outcomes[1]
    whole = outcomes[0]
    assert isinstance(whole, BatchResult)
    assert whole.totals.files == 1 and whole.totals.words == sum(count for _, count, _ in pieces)
    assert whole.files[0].lines == sum(lines for lines, _, _ in pieces)
    expected = Counter[bytes]()
    for _, _, found in pieces:
        expected.update(found)
    assert freq.as_dict(whole.table) == expected


def test_per_file_json_is_identical_for_any_number_of_jobs(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """Tens of thousands of files, some binary, some not UTF-8: -j 1, -j 2 and -j 7 give the
    byte-identical per-file report."""
    monkeypatch.setattr(pool, "default_jobs", lambda: 7)  # a real pool of 7 even on fewer CPUs
    rng = random.Random(7)
    vocabulary = ["alpha", "beta", "gamma", "d\u00e9j\u00e0", "\u4e2d\u6587", "x"]
    for index in range(20_000):
        folder = tmp_path / f"d{index % 97:02d}" / f"e{index % 13}"
        folder.mkdir(parents=True, exist_ok=True)
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 60))) + "\n"
        if index % 500 == 1:
            data = b"\0binary" + text.encode()
        elif index % 500 == 2:
            data = text.encode("gb18030")
        else:
            data = text.encode()
        (folder / f"f{index}.txt").write_bytes(data)
    reports = [invoke(str(tmp_path), "--per-file", "--format", "json", "-j", jobs).stdout for jobs in ("1", "2", "7")]
    assert '"files": 19960' in reports[0]  # 40 binaries skipped, every other file counted
    assert reports[0] == reports[1] == reports[2]

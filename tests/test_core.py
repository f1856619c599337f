"""The compiled counting core (wordcount/_core.c) against the Python reference.

Property tests: any input (valid or not UTF-8) cut anywhere into blocks gives what tally.Tally
and a plain decode-and-split give; the Table behaves as a Counter. Plus corrupt buffers and a
leak check. Built in place by `python setup.py build_ext --inplace`.
"""

from __future__ import annotations

import importlib
import io
import os
import pathlib
import pickle
import random
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator, Mapping

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import core_reference as ref
from conftest import REPO
from wordcount.counting import batch, freq, reader, tally, whole_files
from wordcount.counting.spec import Counting, Job
from wordcount.progress import NoProgress
from wordcount.model import Failed, FileCounts

_core = pytest.importorskip(
    "wordcount.counting._core",
    reason="wordcount.counting._core is not built (no C compiler when installed?): run `python setup.py build_ext --inplace`",
)

MAX = tally.MAX_WORD_BYTES

valid_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=12).map(str.encode)
valid_piece = st.one_of(
    st.sampled_from(ref.VALID_PIECES), st.sampled_from(ref.SPACE_PIECES), st.sampled_from(ref.HUGE_PIECES), valid_text
)
any_piece = st.one_of(
    valid_piece,
    st.sampled_from(ref.INVALID_PIECES),
    st.binary(max_size=6),
    st.text(max_size=6).map(lambda text: text.encode("utf-8", "surrogatepass")),  # surrogates encoded
)
valid_data = st.lists(valid_piece, max_size=40).map(b"".join)
any_data = st.lists(any_piece, max_size=40).map(b"".join)


def cuts_for(data: bytes) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, len(data)), max_size=12)


def test_max_word_bytes_is_tallys() -> None:
    assert _core.MAX_WORD_BYTES == tally.MAX_WORD_BYTES == 1024


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), valid_data)
def test_valid_utf8_cut_anywhere(data: st.DataObject, raw: bytes) -> None:
    ref.check(_core, raw, data.draw(cuts_for(raw)))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), any_data)
def test_any_bytes_cut_anywhere(data: st.DataObject, raw: bytes) -> None:
    ref.check(_core, raw, data.draw(cuts_for(raw)))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9])
def test_blocks_of_every_small_size(size: int) -> None:
    """Cuts inside every multibyte character, wide spaces included, and 0-byte blocks."""
    raw = b"a".join(ref.SPACE_PIECES + ref.NEAR_SPACE_PIECES + ref.OTHER_PIECES) + b" end\n"
    cuts = list(range(0, len(raw), size))
    ref.check(_core, raw, cuts)
    ref.check(_core, raw, cuts + cuts)  # every other block empty


@pytest.mark.parametrize("raw", [b"", b" ", b"\n", b"x", b"\xe2", b"\xe2\x80", b"\x80", "\u3000".encode()])
def test_tiny_inputs(raw: bytes) -> None:
    for cuts in ([], [0], [len(raw)], [0, len(raw)], list(range(len(raw) + 1))):
        ref.check(_core, raw, cuts)
    scanner = _core.Scanner(_core.Table())
    assert scanner.finish() == 0 and scanner.words == 0  # no block at all


def test_rejects_at_the_offset_decode_gives() -> None:
    for bad in ref.INVALID_PIECES:
        raw = b"ok words\n" + bad + b" more"
        expected = ref.reference(raw)
        assert isinstance(expected, int)
        for cut in range(len(raw) + 1):
            ref.check(_core, raw, [cut])


def test_a_cut_character_at_the_end_is_not_utf8() -> None:
    scanner = _core.Scanner()
    scanner.feed(b"abc \xf0\x9f", last=False)
    with pytest.raises(_core.NotUtf8) as caught:
        scanner.feed(b"\x98", last=True)
    assert caught.value.offset == 4
    scanner = _core.Scanner()
    scanner.feed(b"abc \xf0\x9f")
    with pytest.raises(_core.NotUtf8) as caught:  # finish() with no last block: the input ended cut
        scanner.finish()
    assert caught.value.offset == 4


def test_not_utf8_is_a_value_error_that_pickles() -> None:
    with pytest.raises(ValueError) as caught:
        _core.Scanner().feed(b"x" * 100 + b"\xff")
    error = caught.value
    assert isinstance(error, _core.NotUtf8) and error.offset == 100
    assert pickle.loads(pickle.dumps(error)).offset == 100


def test_long_blocks_match() -> None:
    """Blocks long enough to be scanned without the GIL, 8 bytes a step over ASCII."""
    rng = random.Random(7)
    for invalid in (0.0, 0.0001):
        raw = ref.random_data(rng, 200_000, invalid)
        ref.check(_core, raw, [len(raw) // 3, len(raw) // 3 + 1, 2 * len(raw) // 3])


def test_threads_count_alike() -> None:
    """Long blocks are validated without the GIL: scanners in several threads agree."""
    import threading

    raw = ref.random_data(random.Random(11), 100_000, 0.0) * 4
    blocks = ref.blocks_of(raw, list(range(0, len(raw), 1 << 17)))
    expected = ref.scanned(_core, blocks)
    results: list[object] = []

    def work() -> None:
        results.append(ref.scanned(_core, blocks))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 4


def test_long_tokens_count_but_stay_out_of_the_table() -> None:
    table = _core.Table()
    scanner = _core.Scanner(table)
    for _ in range(1000):  # 1 MB without whitespace: one word, nothing kept
        scanner.feed(b"x" * 1000)
    scanner.feed(b" " + b"y" * MAX + b" " + b"z" * (MAX + 1), last=True)
    scanner.finish()
    assert scanner.words == 3 and table.to_dict() == {b"y" * MAX: 1}
    table = _core.Table()
    scanner = _core.Scanner(table)
    for part in (b"a" * 500, b"a" * 524, b" ", b"b" * 1024, b"b", b" c"):  # across blocks: 1024 is in, 1025 not
        scanner.feed(part)
    scanner.finish()
    assert table.to_dict() == {b"a" * 1024: 1, b"c": 1} and scanner.words == 3


def test_scanner_types() -> None:
    with pytest.raises(TypeError):
        _core.Scanner({})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        _core.Scanner().feed("text")  # type: ignore[arg-type]
    table = _core.Table()
    scanner = _core.Scanner(table)
    assert scanner.table is table and _core.Scanner().table is None
    assert scanner.feed(bytearray(b"a b")) + scanner.feed(memoryview(b" c d"), True) == 4
    with pytest.raises(AttributeError):
        scanner.words = 0  # type: ignore[misc]


# --- Table ---------------------------------------------------------------------------------

words_st = st.one_of(st.binary(max_size=5), st.sampled_from([b"a", b"a\xff", b"ab", b"", b"b", b"q" * (MAX + 1)]))
counts_st = st.integers(0, 10**6)
ops_st = st.lists(
    st.one_of(
        st.tuples(st.just("add"), words_st, counts_st),
        st.tuples(st.just("update"), st.dictionaries(words_st, counts_st, max_size=6)),
        st.tuples(st.just("merge"), st.dictionaries(words_st, counts_st, max_size=6)),
        st.tuples(st.just("mapping"), st.dictionaries(words_st, counts_st, max_size=6)),
        st.tuples(st.just("self")),
        st.tuples(st.just("loads")),
        st.tuples(st.just("pickle"), st.integers(0, pickle.HIGHEST_PROTOCOL)),
        st.tuples(st.just("clear")),
    ),
    max_size=30,
)


class Frozen(Mapping[bytes, int]):
    """A mapping that is not a dict."""

    def __init__(self, data: dict[bytes, int]) -> None:
        self.data = data

    def __getitem__(self, key: bytes) -> int:
        return self.data[key]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def expected_top(counter: Counter[bytes], n: int) -> list[tuple[bytes, int]]:
    ranked = sorted(((w, c) for w, c in counter.items() if len(w) <= MAX), key=lambda pair: (-pair[1], pair[0]))
    return ranked[: max(n, 0)]


@settings(max_examples=200)
@given(ops_st, st.integers(-2, 12))
def test_table_is_a_counter(ops: list[tuple], n: int) -> None:
    table, counter = _core.Table(), Counter[bytes]()
    for op in ops:
        if op[0] == "add":
            table.add(op[1], op[2])
            counter[op[1]] += op[2]
        elif op[0] == "update":
            table.update(op[1])
            counter.update(op[1])
        elif op[0] == "merge":
            table.update(_core.Table(op[1]))
            counter.update(op[1])
        elif op[0] == "mapping":
            table.update(Frozen(op[1]))
            counter.update(op[1])
        elif op[0] == "self":
            table.update(table)
            counter.update(dict(counter))
        elif op[0] == "loads":
            table = _core.Table.loads(table.dumps())
        elif op[0] == "pickle":
            table = pickle.loads(pickle.dumps(table, protocol=op[1]))
        else:
            table.clear()
            counter.clear()
        assert table.to_dict() == counter
    assert len(table) == len(counter) and table.total() == counter.total()
    assert dict(table.items()) == counter
    assert table.top(n) == expected_top(counter, n)
    if all(count > 0 for count in counter.values()):
        assert table.top(n) == freq.ranking(counter, n)
    for word in (b"a", b"zz", b""):
        assert table.get(word) == counter.get(word, 0) and table.get(word, None) == counter.get(word)
        assert (word in table) == (word in counter)
    assert table == _core.Table(counter) and not table != _core.Table(counter)


def test_table_top_ties_and_limits() -> None:
    table = _core.Table({b"b": 2, b"a\xff": 2, b"a": 2, b"ab": 2, b"c": 3, b"x" * (MAX + 1): 9, b"": 1})
    assert table.top(4) == [(b"c", 3), (b"a", 2), (b"ab", 2), (b"a\xff", 2)]
    assert table.top(100) == table.top(len(table)) == expected_top(Counter(table.to_dict()), 100)
    assert table.top(0) == table.top(-5) == [] and _core.Table().top(3) == []
    assert b"x" * (MAX + 1) in table.to_dict()  # kept, only never ranked


def test_table_top_on_many_words() -> None:
    rng = random.Random(3)
    counter = Counter({f"w{i}".encode(): rng.randrange(1, 50) for i in range(50_000)})
    table = _core.Table(counter)
    for n in (1, 10, 1000):
        assert table.top(n) == freq.ranking(counter, n)


def test_table_misc() -> None:
    table = _core.Table()
    table.add(b"x")
    table.add(bytearray(b"x"), 2)
    assert table.get(b"x") == 3 and 1 not in table and "x" not in table
    with pytest.raises(TypeError):
        hash(table)
    with pytest.raises(TypeError):
        table.update([b"x"])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        table.update({"x": 1})  # type: ignore[dict-item]
    with pytest.raises(OverflowError):
        table.add(b"x", 2**64)
    assert (table == {b"x": 3}) is False  # only another Table compares equal
    assert "1 words" in repr(table)
    table.clear()
    assert len(table) == 0 and table.to_dict() == {} and table.total() == 0


# --- byte form -----------------------------------------------------------------------------


def test_loads_refuses_every_truncation() -> None:
    table = _core.Table({b"alpha": 1, b"": 5, b"\x00\xff": 2**40, "😀".encode(): 3})
    packed = table.dumps()
    assert _core.Table.loads(packed) == table
    for cut in range(len(packed)):
        with pytest.raises(ValueError):
            _core.Table.loads(packed[:cut])
    with pytest.raises(ValueError):
        _core.Table.loads(packed + b"\x00")
    with pytest.raises(TypeError):
        _core.Table.loads("text")  # type: ignore[arg-type]


def test_loads_refuses_duplicates_and_huge_counts() -> None:
    one = _core.Table({b"w": 1}).dumps()
    entry = one[12:]
    twice = one[:4] + (2).to_bytes(8, "little") + entry + entry
    with pytest.raises(ValueError, match="twice"):
        _core.Table.loads(twice)
    with pytest.raises(ValueError):  # a header claiming 2**60 words is refused before any allocation
        _core.Table.loads(one[:4] + (2**60).to_bytes(8, "little") + entry)
    with pytest.raises(ValueError):  # a word length past the end
        _core.Table.loads(one[:12] + (2**32 - 1).to_bytes(4, "little") + entry[4:])


@settings(max_examples=300)
@given(st.binary(max_size=64), st.booleans())
@example(b"", True)
def test_loads_random_bytes(noise: bytes, with_header: bool) -> None:
    buffer = (b"WCT\x01" + noise) if with_header else noise
    try:
        table = _core.Table.loads(buffer)
    except ValueError:
        return
    assert _core.Table.loads(table.dumps()) == table


@settings(max_examples=200)
@given(st.dictionaries(st.binary(max_size=6), st.integers(-(2**63), 2**63 - 1), max_size=8), st.data())
def test_loads_flipped_bytes(words: dict[bytes, int], data: st.DataObject) -> None:
    table = _core.Table(words)
    packed = bytearray(table.dumps())
    assert _core.Table.loads(packed) == table and table.to_dict() == words
    for _ in range(data.draw(st.integers(1, 3))):
        packed[data.draw(st.integers(0, len(packed) - 1))] = data.draw(st.integers(0, 255))
    try:
        loaded = _core.Table.loads(bytes(packed))
    except ValueError:
        return
    assert _core.Table.loads(loaded.dumps()) == loaded


# --- which core, memory --------------------------------------------------------------------


def test_core_module_chooses(monkeypatch: pytest.MonkeyPatch) -> None:
    from wordcount.counting import core

    try:
        monkeypatch.setenv("WORDCOUNT_PURE_PYTHON", "1")
        assert importlib.reload(core).CORE == "python" and core.compiled() is None
        monkeypatch.setenv("WORDCOUNT_PURE_PYTHON", "0")
        assert importlib.reload(core).CORE == "c" and core.compiled() is _core
    finally:
        monkeypatch.delenv("WORDCOUNT_PURE_PYTHON")
        importlib.reload(core)


# The peak RSS of this process, in KiB. Not ru_maxrss: on Linux a child started by fork and exec
# keeps its parent's (pytest's, larger) as a floor, which would hide any growth below it.
PEAK = textwrap.dedent(
    """
    import resource

    def peak():
        try:
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        except (OSError, StopIteration):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    """
)

LEAK_SCRIPT = PEAK + textwrap.dedent(
    """
    import pickle, sys
    from wordcount.counting import _core

    text = (b"lorem ipsum dolor sit amet, \\xc3\\xa9t\\xc3\\xa9 \\xe2\\x80\\x83 caf\\xc3\\xa9\\n" * 40
            + b"".join(b"w%d " % i for i in range(200)))

    def once(i):
        table = _core.Table()
        scanner = _core.Scanner(table)
        scanner.feed(text[: i % 50 + 1], False)
        scanner.feed(text[i % 50 + 1 :], False)
        scanner.feed(b"x" * 1100 + b" tail", True)
        scanner.finish()
        other = _core.Table({b"k%d" % (i % 7): 1})
        other.update(table)
        other.update({b"m": 2})
        packed = other.dumps()
        back = _core.Table.loads(packed)
        back.top(5)
        back.to_dict()
        pickle.loads(pickle.dumps(back))
        for broken in (packed[:-1], packed[:5], packed + b"!"):
            try:
                _core.Table.loads(broken)
            except ValueError:
                pass
        try:
            _core.Scanner(back).feed(b"ok \\xff")
        except _core.NotUtf8:
            pass
        back.clear()

    rounds = int(sys.argv[1])
    for i in range(rounds // 2):
        once(i)
    half = peak()
    for i in range(rounds // 2, rounds):
        once(i)
    print(peak() - half)
    """
)


def test_no_leak() -> None:
    """200k rounds of count/merge/dumps/loads/free: the peak RSS of the second half does not grow."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.run([sys.executable, "-c", LEAK_SCRIPT, "200000"], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    grown_kib = int(run.stdout.split()[-1])
    assert grown_kib < 4096, f"RSS grew by {grown_kib} KiB over 100,000 rounds"


def test_no_leak_is_sensitive() -> None:
    """The measure above sees a leak of about the size of a round."""
    script = PEAK + textwrap.dedent(
        """
        keep = []
        for i in range(100_000):
            keep.append(bytes(100))
        half = peak()
        for i in range(100_000):
            keep.append(bytes(100))
        print(peak() - half)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert int(run.stdout.split()[-1]) > 4096


def test_fuzz_loop() -> None:
    """The loop the sanitizer build runs, on this build."""
    ref.fuzz(_core, rounds=300, seed=1)



def test_a_table_merges_another_tables_bytes_as_it_would_the_table() -> None:
    """update(bytes of dumps) adds what update(Table) adds, without a Table made of the bytes;
    bytes that are not a whole table's add nothing and say so."""
    rng = random.Random(7)
    for _ in range(50):
        words = [rng.randbytes(rng.randrange(0, 20)) for _ in range(rng.randrange(0, 300))]
        into, other = _core.Table(), _core.Table()
        for word in words[: len(words) // 2]:
            into.add(word, rng.randrange(1, 5))
        for word in words[len(words) // 3 :]:
            other.add(word, rng.randrange(1, 5))
        by_table = _core.Table(into)
        by_table.update(other)
        into.update(other.dumps())
        assert into == by_table
        data = other.dumps()
        if len(data) > 12:
            before = into.dumps()
            with pytest.raises(ValueError):
                into.update(data[: rng.randrange(12, len(data))])
            assert into.dumps() == before
    with pytest.raises(ValueError):
        _core.Table().update(b"not a table")


def test_a_pure_table_takes_what_a_compiled_core_hands_over() -> None:
    """A pure-Python parent (WORDCOUNT_PURE_PYTHON=1 here, a Dask worker built with the compiled
    core) adds a compiled table, or its bytes, as the same counts."""
    compiled = _core.Table({b"a": 2, b"b": 1})
    pure = freq.PyTable({b"a": 1})
    freq.merge(pure, compiled)
    freq.merge(pure, compiled.dumps())
    freq.merge(pure, freq.carried(compiled))  # type: ignore[arg-type]
    assert pure == {b"a": 7, b"b": 3}
    assert freq.carried(_core.Table()) == b"" and freq.carried(pure) is pure


SMALL_FILE_PIECES = [b"word ", b"\n", b"\xc3\xa9t\xc3\xa9 ", b"\xe3\x80\x80", b"\x00", b"\xff", b"\xef\xbb\xbf",
                     b"\xff\xfe", b"\x1b$B", b"~{", b"~ {", b"\xe4\xb8\xad\xe6\x96\x87", b"\t", b"x" * 1100]


@given(st.lists(st.sampled_from(SMALL_FILE_PIECES), max_size=40), st.booleans())
@settings(max_examples=300, deadline=None)
def test_a_small_file_counted_in_one_call_counts_as_the_long_way(tmp_path_factory: pytest.TempPathFactory,
                                                                  pieces: list[bytes], frequencies: bool) -> None:
    """_core.count_file either gives exactly what reader.count_stream gives (counts, encoding, the
    words added) or declines (None) having counted nothing: BOMs, NULs, escapes, bytes that are not
    UTF-8 and files over the limit are left to the long way."""
    data = b"".join(pieces)
    path = tmp_path_factory.mktemp("small") / "f.txt"
    path.write_bytes(data)
    table = _core.Table() if frequencies else None
    fast = _core.count_file(str(path), table, 4096)
    if fast is None:
        assert table is None or len(table) == 0
        assert len(data) > 4096 or data[:2] in (b"\xef\xbb", b"\xff\xfe", b"\xfe\xff") or b"\0" in data or \
            b"\x1b" in data or b"~{" in data or not _is_utf8(data)
        return
    long_table = freq.new_table() if frequencies else None
    counted = reader.count_stream(io.BytesIO(data), str(path), Counting(frequencies=frequencies), long_table,
                                 NoProgress())
    assert isinstance(counted, FileCounts) and counted.encoding == "utf-8"
    assert fast == (counted.lines, counted.words, counted.chars, counted.bytes, len(data), False)
    if frequencies:
        assert table is not None and long_table is not None and table.to_dict() == freq.as_dict(long_table)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_count_file_reads_a_file_whose_size_says_nothing_to_its_end() -> None:
    """A file whose size (fstat) is not what it holds (a /proc file: 0) is read to its end, as wc
    reads it, and is not called changed while it was read: it did not change. Its size by fstat
    comes back beside what was read, and the long way keeps it as the compiled core does."""
    data = pathlib.Path("/proc/version").read_bytes()
    fast = _core.count_file("/proc/version", None, 1 << 20)
    expected = ref.reference(data)
    assert not isinstance(expected, int) and len(data) > 0
    assert fast == (expected[0], expected[1], expected[2], len(data), 0, False)
    counted = reader.count_file("/proc/version", Counting(frequencies=False), None, NoProgress())
    assert counted == FileCounts("/proc/version", *expected[:3], len(data), "utf-8", stat_size=0)
    assert whole_files.count_small("/proc/version", Counting(frequencies=False), None, "", 1 << 20) == counted


def test_count_file_names_the_file_it_cannot_open(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError) as error:
        _core.count_file(str(tmp_path / "gone.txt"), None, 100)
    assert error.value.filename == str(tmp_path / "gone.txt")
    assert _core.count_file(str(tmp_path), None, 100) is None  # a folder is not a regular file


@given(st.lists(st.lists(st.sampled_from(SMALL_FILE_PIECES), max_size=12), max_size=12), st.booleans())
@settings(max_examples=100, deadline=None)
def test_a_batch_counted_in_one_call_gives_what_counting_file_by_file_gives(
    tmp_path_factory: pytest.TempPathFactory, files: list[list[bytes]], frequencies: bool
) -> None:
    """batch.count_batch with _core.count_files (the files it can count together, the rest one by
    one) gives the batch result of counting every file one by one: totals, problems, warnings,
    words; a missing file is still reported as the error it is."""
    folder = tmp_path_factory.mktemp("batch")
    paths = []
    for index, pieces in enumerate(files):
        path = folder / f"f{index}.txt"
        path.write_bytes(b"".join(pieces))
        paths.append(str(path))
    paths.append(str(folder / "gone.txt"))
    job = Job(Counting(frequencies=frequencies))
    together = freq.new_table() if frequencies else None
    one_by_one = freq.new_table() if frequencies else None
    fast = batch.count_batch(paths, job, NoProgress(), together)
    original = whole_files.count_whole
    try:
        whole_files.count_whole = lambda paths, *args: paths  # type: ignore[assignment]
        slow = batch.count_batch(paths, job, NoProgress(), one_by_one)
    finally:
        whole_files.count_whole = original  # type: ignore[assignment]
    assert fast.totals == slow.totals
    assert sorted(fast.problems, key=repr) == sorted(slow.problems, key=repr)
    assert fast.warnings == slow.warnings and fast.uncertain == slow.uncertain
    assert paths[-1] in [problem.path for problem in fast.problems if isinstance(problem, Failed)]
    if frequencies:
        assert freq.as_dict(together) == freq.as_dict(one_by_one)  # type: ignore[arg-type]


def test_count_files_adds_up_and_says_what_it_left() -> None:
    """count_files: totals of what it counted, the indices it declined (errors included), and
    those that changed while read: none here, a /proc file (its size by fstat 0) included."""
    import glob

    paths = sorted(glob.glob(str(REPO / "wordcount" / "*.py")))[:5] + ["/nonexistent", "/proc/self/status"]
    (files, lines, words, chars, nbytes), declined, changed = _core.count_files(paths, None, 1 << 20)
    singles = [_core.count_file(path, None, 1 << 20) if os.path.exists(path) else None for path in paths]
    counted = [single for single in singles if single is not None]
    assert files == len(counted) and declined == [index for index, single in enumerate(singles) if single is None]
    assert (lines, words, chars, nbytes) == tuple(sum(single[k] for single in counted) for k in range(4))
    assert changed == [] and singles[-1] is not None and singles[-1][3] > 0

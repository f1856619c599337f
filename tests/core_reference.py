"""What the compiled core (wordcount/counting/_core.c) must compute, in Python, and a seeded fuzz loop.

Shared by tests/test_core.py and the sanitizer run of tests/test_core_sanitizers.py, which
imports its own build of the module: every function here takes the module as `core`.

Two references: `reference` decodes the whole input and splits it one character at a time
(independent of wordcount); `tally_reference` feeds the same blocks to the pure core's
scanner (tally.PyScanner) as count._count_pass does. Results are (lines, words, chars, frequencies
without the words longer than MAX_WORD_BYTES), or the offset where the input is not UTF-8.
"""

from __future__ import annotations

import pickle
import random
from collections import Counter
from types import ModuleType
from typing import Union

from wc_reference import WC_SPACES, reference_words
from wordcount.counting.freq import PyTable
from wordcount.choices import WordMode
from wordcount.counting.tally import MAX_WORD_BYTES, PyScanner
from wordcount.text.not_utf8 import NotUtf8

# Whitespace, as written out in wc_reference.py rather than taken from counting/tally.py.
SPACES = "".join(sorted(WC_SPACES))

Counts = tuple[int, int, int, Counter]  # lines, words, chars, frequencies
Result = Union[Counts, int]  # an int: the offset of the first byte that is not UTF-8

# Pieces that random inputs are made of.
ASCII_PIECES = [b"a", b"the", b"word", b"x1", b"\x00", b"Zz", b"-", b"\x1c\x1d", b"\x7f", b"\x0b", b"\r\n"]
SPACE_PIECES = [char.encode() for char in SPACES]
# Characters that share a prefix with a wide space, and are not one.
NEAR_SPACE_PIECES = [char.encode() for char in "\u0085\u00a1\u009f\u1681\u167f\u200b\u2027\u202a\u202e\u2030\u205e\u2061\u3001\u2fff"]
OTHER_PIECES = [char.encode() for char in "é中😀\U0010ffff\u07ff\u0800\uffff\U00010000\ud7ff\ue000ß"]
HUGE_PIECES = [b"x" * 1023, b"y" * MAX_WORD_BYTES, b"z" * (MAX_WORD_BYTES + 1), "é".encode() * 512,
               "é".encode() * 513, "😀".encode() * 257, b"w" * 3000]
INVALID_PIECES = [
    b"\x80", b"\xbf", b"\xc0\x80", b"\xc1\xbf", b"\xe0\x80\x80", b"\xe0\x9f\xbf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
    b"\xf0\x80\x80\x80", b"\xf0\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8", b"\xfe", b"\xff",
    b"\xc3", b"\xe2\x80", b"\xf0\x9f\x98", b"\xe2\x41", b"\xf0\x9f\x41", b"\xc2\xc2",
]
VALID_PIECES = ASCII_PIECES + SPACE_PIECES + NEAR_SPACE_PIECES + OTHER_PIECES


def frequencies(words: list[bytes]) -> Counter:
    return Counter(word for word in words if len(word) <= MAX_WORD_BYTES)


def reference(data: bytes) -> Result:
    """Decode everything, split one character at a time."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    words = reference_words(text)
    return text.count("\n"), len(words), len(text), frequencies([word.encode() for word in words])


def blocks_of(data: bytes, cuts: list[int]) -> list[bytes]:
    """`data` cut at the given offsets (in any order, repeats give empty blocks)."""
    edges = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in zip(edges, edges[1:])]


def tally_reference(blocks: list[bytes]) -> tuple[Result, list[int]]:
    """tally.PyScanner, the pure core, fed as count._count_pass feeds a scanner; also the words
    each block started."""
    table = PyTable()
    scanner = PyScanner(WordMode.whitespace, table)
    started: list[int] = []
    for index, block in enumerate(blocks):
        try:
            started.append(scanner.feed(block, index == len(blocks) - 1))
        except NotUtf8 as error:
            return error.offset, started
    scanner.finish()
    return (scanner.lines, scanner.words, scanner.chars, frequencies(list(table.elements()))), started


def scanned(core: ModuleType, blocks: list[bytes], table: bool = True) -> tuple[Result, list[int]]:
    """The compiled Scanner fed the same blocks; checks that a rejected block changed nothing."""
    words = core.Table() if table else None
    scanner = core.Scanner(words)
    started: list[int] = []
    for index, block in enumerate(blocks):
        before = (scanner.lines, scanner.words, scanner.chars, scanner.fed, words.dumps() if words is not None else None)
        try:
            started.append(scanner.feed(block, index == len(blocks) - 1))
        except core.NotUtf8 as error:
            after = (scanner.lines, scanner.words, scanner.chars, scanner.fed, words.dumps() if words is not None else None)
            assert after == before, "a rejected block was counted"
            offset = int(error.offset)
            assert isinstance(error, ValueError)
            return offset, started
    assert scanner.finish() == 0
    assert sum(started) == scanner.words
    assert scanner.fed == sum(map(len, blocks))
    freq = Counter(words.to_dict()) if words is not None else Counter()
    return (scanner.lines, scanner.words, scanner.chars, freq), started


def check(core: ModuleType, data: bytes, cuts: list[int]) -> None:
    """The compiled core agrees with both references on `data` cut at `cuts`."""
    blocks = blocks_of(data, cuts)
    expected = reference(data)
    by_tally, tally_started = tally_reference(blocks)
    got, got_started = scanned(core, blocks)
    totals, totals_started = scanned(core, blocks, table=False)
    assert by_tally == expected
    if isinstance(expected, int):
        assert got == expected, f"rejected at {got}, not at {expected}"
        assert totals == expected
        return
    assert got == expected
    assert got_started == tally_started  # a word is counted in the block where it starts
    assert isinstance(totals, tuple)
    assert totals[:3] == expected[:3] and totals_started == tally_started


def random_data(rng: random.Random, pieces: int, invalid: float) -> bytes:
    parts = []
    for _ in range(pieces):
        roll = rng.random()
        if roll < invalid:
            parts.append(rng.choice(INVALID_PIECES) if rng.random() < 0.7 else rng.randbytes(rng.randrange(1, 5)))
        elif roll < invalid + 0.01:
            parts.append(rng.choice(HUGE_PIECES))
        else:
            parts.append(rng.choice(VALID_PIECES))
    return b"".join(parts)


def random_cuts(rng: random.Random, size: int) -> list[int]:
    return [rng.randint(0, size) for _ in range(rng.randrange(0, 12))]


def edges(core: ModuleType) -> None:
    """Corners that random inputs rarely reach: counts that wrap, empty words, huge headers."""
    table = core.Table()
    table.add(b"w", 2**63 - 1)
    table.add(b"w", 1)  # wraps as int64 arithmetic does, without undefined behaviour
    table.add(b"v", -(2**63))
    assert table.get(b"w") == -(2**63) and table.total() == 0
    table.add(b"", 0)
    assert table.top(10) == [(b"", 0), (b"v", -(2**63)), (b"w", -(2**63))]
    assert core.Table.loads(table.dumps()) == table
    for header in (b"WCT\x01" + b"\xff" * 8, b"WCT\x01" + (1).to_bytes(8, "little") + b"\xff" * 12):
        try:
            core.Table.loads(header)
        except ValueError:
            pass
        else:
            raise AssertionError("a corrupt header was taken")
    grown = core.Table({i.to_bytes(3, "little"): i for i in range(20_000)})  # many resizes
    grown.update(grown)
    assert grown.get((19_999).to_bytes(3, "little")) == 39_998 and len(grown.top(20_001)) == 20_000
    scanner = core.Scanner(core.Table())
    scanner.feed(b"\xf0", False)
    scanner.feed(b"", False)
    scanner.feed(b"\x9f", False)
    scanner.feed(b"\x98", False)
    assert scanner.feed(b"\x80 " + b"x" * 5000, True) == 2 and scanner.finish() == 0
    assert scanner.table is not None and scanner.table.to_dict() == {"😀".encode(): 1}


def fuzz(core: ModuleType, rounds: int, seed: int = 0) -> None:
    """Random inputs, random cuts, random table operations and corrupt buffers."""
    edges(core)
    proc_round(core)
    rng = random.Random(seed)
    for round_ in range(rounds):
        data = random_data(rng, rng.randrange(0, 60), invalid=rng.choice([0.0, 0.0, 0.01, 0.05]))
        check(core, data, random_cuts(rng, len(data)))
        if round_ % 50 == 0:  # a long block: the GIL is let go, 8-byte steps over ASCII
            big = random_data(rng, 40_000, invalid=0.0)
            check(core, big, random_cuts(rng, len(big)))
        table_round(core, rng)
        if round_ % 10 == 0:
            file_round(core, data)


def file_round(core: ModuleType, data: bytes) -> None:
    """count_file on `data` written to a file: declined, or what decoding and splitting give."""
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".txt") as handle:
        handle.write(data)
        handle.flush()
        table = core.Table()
        got = core.count_file(handle.name, table, 1 << 20)
        together = core.Table()
        totals, declined, changed = core.count_files([handle.name, handle.name + ".gone"], together, 1 << 20)
    expected = reference(data)
    assert changed == [] and (declined == [0, 1] if got is None else declined == [1])
    if got is None:
        assert len(table) == 0 and len(together) == 0 and totals == (0, 0, 0, 0, 0)
        return
    assert totals == (1, *got[:4]) and together == table
    assert not isinstance(expected, int), "a file that is not UTF-8 was counted"
    assert got == (expected[0], expected[1], expected[2], len(data), len(data), False)
    assert Counter(table.to_dict()) == expected[3]


def table_round(core: ModuleType, rng: random.Random) -> None:
    words = [rng.randbytes(rng.randrange(0, 4)) for _ in range(12)] + [b"q" * (MAX_WORD_BYTES + 1)]
    table, counter = core.Table(), Counter[bytes]()
    for _ in range(rng.randrange(1, 40)):
        word, count = rng.choice(words), rng.randrange(0, 5)
        table.add(word, count)
        counter[word] += count
    other = core.Table({word: rng.randrange(1, 9) for word in rng.sample(words, 5)})
    table.update(other)
    counter.update(other.to_dict())
    assert table.to_dict() == counter and len(table) == len(counter) and table.total() == counter.total()
    expected = sorted(((w, c) for w, c in counter.items() if len(w) <= MAX_WORD_BYTES), key=lambda p: (-p[1], p[0]))
    n = rng.randrange(-1, 16)
    assert table.top(n) == expected[: max(n, 0)]
    packed = table.dumps()
    assert core.Table.loads(packed) == table == pickle.loads(pickle.dumps(table))
    corrupt(core, packed, rng)


def corrupt(core: ModuleType, packed: bytes, rng: random.Random) -> None:
    """Broken buffers make ValueError or, by chance, a valid table; never a crash."""
    cut = rng.randrange(0, len(packed))
    try:
        core.Table.loads(packed[:cut])
    except ValueError:
        pass
    else:
        raise AssertionError(f"a buffer cut at {cut} of {len(packed)} was taken")
    flipped = bytearray(packed)
    for _ in range(rng.randrange(1, 4)):
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    for buffer in (bytes(flipped), packed[:4] + rng.randbytes(rng.randrange(0, 40))):
        try:
            loaded = core.Table.loads(buffer)
        except ValueError:
            continue
        assert core.Table.loads(loaded.dumps()) == loaded


# Files whose size by fstat (0) is not what they hold; /proc/crypto takes several reads.
PROC_FILES = ("/proc/version", "/proc/crypto")


def proc_round(core: ModuleType) -> None:
    """count_file and count_files on /proc files: read to their end whatever their size (0) says,
    under limits about their length (declined above it), and not called changed. A file whose
    bytes differ between reads before and after is not compared: it changed meanwhile."""
    import os

    for path in PROC_FILES:
        if not os.path.exists(path):
            continue
        with open(path, "rb") as handle:
            data = handle.read()
        expected = reference(data)
        assert not isinstance(expected, int) and b"\0" not in data, path
        for limit in sorted({0, 1, 4095, 4096, 4097, len(data) - 1, len(data), len(data) + 1, 1 << 20}):
            table = core.Table()
            got = core.count_file(path, table, limit)
            totals, declined, changed = core.count_files([path, path], core.Table(), limit)
            with open(path, "rb") as handle:
                if handle.read() != data:
                    continue
            assert changed == [], path
            if limit < len(data):
                assert got is None and len(table) == 0 and declined == [0, 1], (path, limit)
                continue
            assert got == (expected[0], expected[1], expected[2], len(data), 0, False), (path, limit)
            assert table.to_dict() == dict(expected[3]) and totals == (2, *[2 * n for n in got[:4]])

"""Speed of the compiled counting core (wordcount.counting._core) against Python, on one core.

    python setup.py build_ext --inplace        # once, to build wordcount/counting/_core*.so
    python bench/core.py                       # 64 MB of each corpus, best of 3
    python bench/core.py --mb 256 --repeat 5 --corpus kernel

Measures MB/s (10^6 bytes a second) over 1 MiB blocks, as counting/reader.py reads files, of:
  counter   Counter.update(block.split())              (the floor: no validation, no counts)
  tally     tally.PyScanner (the pure core) with frequencies, fed as count._count_pass feeds it
  c-table   _core.Scanner with a Table
  tally-0   tally.PyScanner without frequencies (--top 0)
  c-totals  _core.Scanner without a table (--top 0)
and prints the ratios. Corpora: `kernel`, the .c files of the Linux tree that bench/corpora.py
unpacks (those that are UTF-8, concatenated), and `zipf`, English-like text with Zipf-distributed
words (bench/corpora.py's one-file corpus when built, else generated here). A corpus missing from
the cache is skipped (kernel) or generated (zipf); nothing is downloaded. Not a test.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import random
import sys
import time
from collections import Counter
from collections.abc import Callable

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from wordcount.counting.freq import PyTable  # noqa: E402
from wordcount.choices import WordMode  # noqa: E402
from wordcount.counting.tally import PyScanner  # noqa: E402

try:
    from wordcount.counting import _core
except ImportError:
    sys.exit("wordcount.counting._core is not built: run `python setup.py build_ext --inplace` first")

CACHE = pathlib.Path(os.environ.get("WORDCOUNT_BENCH_CACHE", pathlib.Path.home() / ".cache" / "wordcount-bench"))
BLOCK = 1 << 20


def kernel_corpus(size: int) -> bytes | None:
    tree = CACHE / "kernel" / "tree"
    if not tree.is_dir():
        return None
    parts, total = [], 0
    for path in sorted(tree.rglob("*.c")):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        parts.append(data)
        total += len(data)
        if total >= size:
            break
    return b"".join(parts)[:size]


def zipf_corpus(size: int) -> bytes:
    onefile = CACHE / "onefile" / "all.txt"
    if onefile.exists() and onefile.stat().st_size >= size:
        with open(onefile, "rb") as stream:
            data = stream.read(size)
        return data[: data.rfind(b"\n") + 1]
    rng = random.Random(1)  # made up words, ranks weighted 1/r
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    vocabulary = list({"".join(rng.choices(letters, k=rng.randint(2, 11))) for _ in range(60_000)})
    weights = [1 / rank for rank in range(1, len(vocabulary) + 1)]
    lines, total = [], 0
    while total < size:
        line = " ".join(rng.choices(vocabulary, weights, k=12)) + "\n"
        lines.append(line)
        total += len(line)
    return "".join(lines).encode()[:size]


def blocks_of(data: bytes) -> list[bytes]:
    return [data[i : i + BLOCK] for i in range(0, len(data), BLOCK)]


def run_counter(blocks: list[bytes]) -> int:
    counter: Counter[bytes] = Counter()
    for block in blocks:
        counter.update(block.split())
    return len(counter)


def run_tally(blocks: list[bytes], frequencies: bool) -> int:
    scanner = PyScanner(WordMode.whitespace, PyTable() if frequencies else None)
    for index, block in enumerate(blocks):
        scanner.feed(block, index == len(blocks) - 1)
    scanner.finish()
    return scanner.words


def run_scanner(blocks: list[bytes], table: bool) -> int:
    scanner = _core.Scanner(_core.Table() if table else None)
    for index, block in enumerate(blocks):
        scanner.feed(block, index == len(blocks) - 1)
    scanner.finish()
    return scanner.words


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(name: str, data: bytes, repeat: int) -> None:
    blocks = blocks_of(data)
    ascii_share = sum(block.isascii() for block in blocks) / max(len(blocks), 1)
    words = run_scanner(blocks, False)
    assert words == run_tally(blocks, False) == run_scanner(blocks, True)
    print(f"\n{name}: {len(data) / 1e6:.0f} MB, {words:,} words, {ascii_share:.0%} of the blocks ASCII")
    runs = {
        "counter": lambda: run_counter(blocks),
        "tally": lambda: run_tally(blocks, True),
        "c-table": lambda: run_scanner(blocks, True),
        "tally-0": lambda: run_tally(blocks, False),
        "c-totals": lambda: run_scanner(blocks, False),
    }
    speed = {key: len(data) / 1e6 / best(run, repeat) for key, run in runs.items()}
    for key, value in speed.items():
        print(f"  {key:9} {value:9.1f} MB/s")
    print(f"  c-table / counter  {speed['c-table'] / speed['counter']:5.1f}x    "
          f"c-table / tally    {speed['c-table'] / speed['tally']:5.1f}x")
    print(f"  c-totals / tally-0 {speed['c-totals'] / speed['tally-0']:5.1f}x    "
          f"c-totals {speed['c-totals'] / 1000:.2f} GB/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=64, help="megabytes of each corpus (default 64)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measure; the best counts")
    parser.add_argument("--corpus", choices=["kernel", "zipf", "all"], default="all")
    args = parser.parse_args()
    size = args.mb * 1_000_000
    if args.corpus in ("kernel", "all"):
        data = kernel_corpus(size)
        if data is None:
            print(f"kernel: not in {CACHE} (python bench/corpora.py kernel builds it); skipped")
        else:
            measure("kernel .c files", data, args.repeat)
    if args.corpus in ("zipf", "all"):
        measure("zipf text", zipf_corpus(size), args.repeat)


if __name__ == "__main__":
    main()

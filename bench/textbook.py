"""The textbook parallel word count the benchmark compares against (kept naive on purpose).

Pool.map over every file, one `Counter` per file returned to the parent and merged there one
by one: the classic shape, as tutorials write it.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from multiprocessing import Pool


def count(path: str) -> Counter[str]:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return Counter(handle.read().split())


def main(root: str) -> None:
    paths = [os.path.join(folder, name) for folder, _, names in os.walk(root) for name in names]
    paths = [path for path in paths if os.path.isfile(path)]
    with Pool() as pool:
        counters = pool.map(count, paths)
    total: Counter[str] = Counter()
    for counter in counters:
        total.update(counter)
    print(sum(total.values()), total.most_common(10))


if __name__ == "__main__":
    main(sys.argv[1])

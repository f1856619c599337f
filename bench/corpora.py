"""Build the benchmark corpora in a cache folder outside the repository (never committed).

- kernel: the Linux source tree from Debian's `linux-source-6.1` package (~79,000 files, 1.3 GB)
- zipf:   ~2,000 files, ~1 GB of English-like text whose words follow Zipf's law, drawn from
          Debian's `wamerican` word list
- zipfgz: the zipf corpus with every file gzip'd (`gzip -6`, the default), for `-z`
- onefile: the zipf corpus as one ~1 GB file
- small:  100,000 files of ~1 KB
- tiny:   a folder of 3 small files

Each corpus is built once; a marker file says it is complete, so an interrupted build is
redone. `python bench/corpora.py [NAME…]` builds them without running the benchmark.
"""

from __future__ import annotations

import functools
import glob
import os
import pathlib
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable

CACHE = pathlib.Path(os.environ.get("WORDCOUNT_BENCH_CACHE", pathlib.Path.home() / ".cache" / "wordcount-bench"))
DONE = ".complete"
ZIPF_FILES = 2000
ZIPF_BYTES = 1_000_000_000
SMALL_FILES = 100_000


def _debian_package(name: str, work: pathlib.Path) -> pathlib.Path:
    """Download a Debian package (not installing it) and unpack its files under `work`."""
    debs = CACHE / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{name}_*.deb"))
    if not found:
        subprocess.run(["apt-get", "download", name], cwd=debs, check=True)
        found = sorted(debs.glob(f"{name}_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(found[-1]), str(work)], check=True)
    return work


def _corpus(name: str, result: str) -> Callable[[Callable[[pathlib.Path], None]], Callable[[], pathlib.Path]]:
    """Build a corpus into CACHE/name once, and return the path of `result` inside it.

    A marker written last says the build is complete, so an interrupted one is redone.
    """

    def wrap(build: Callable[[pathlib.Path], None]) -> Callable[[], pathlib.Path]:
        @functools.wraps(build)
        def cached() -> pathlib.Path:
            target = CACHE / name
            if not (target / DONE).exists():
                shutil.rmtree(target, ignore_errors=True)
                target.mkdir(parents=True)
                build(target)
                (target / DONE).write_text("")
            return target / result

        return cached

    return wrap


@_corpus("kernel", "tree")
def kernel(target: pathlib.Path) -> None:
    """The Linux 6.1 source tree, unpacked from Debian's linux-source-6.1 package."""
    with tempfile.TemporaryDirectory(dir=CACHE) as work:
        _debian_package("linux-source-6.1", pathlib.Path(work))
        (tarball,) = glob.glob(os.path.join(work, "usr/src/linux-source-6.1*.tar.*"))
        (target / "tree").mkdir()
        subprocess.run(["tar", "-xf", tarball, "-C", str(target / "tree"), "--strip-components=1"], check=True)


def _word_list() -> list[str]:
    path = pathlib.Path("/usr/share/dict/american-english")
    if not path.exists():
        unpacked = CACHE / "wamerican"
        if not (unpacked / "usr/share/dict/american-english").exists():
            _debian_package("wamerican", unpacked)
        path = unpacked / "usr/share/dict/american-english"
    return path.read_text(encoding="utf-8").split()


def _zipf_pool(size: int, seed: int) -> list[str]:
    """`size` words drawn from the word list with Zipf weights (rank r has weight 1/r)."""
    rng = random.Random(seed)
    words = _word_list()
    rng.shuffle(words)
    weights = [1.0 / rank for rank in range(1, len(words) + 1)]
    return rng.choices(words, weights, k=size)


def _text(pool: list[str], start: int, count: int, per_line: int = 12) -> str:
    """`count` words of the pool from `start` (wrapping), `per_line` to a line."""
    doubled = pool + pool[: count + per_line]
    chunk = doubled[start : start + count]
    return "\n".join(" ".join(chunk[i : i + per_line]) for i in range(0, len(chunk), per_line)) + "\n"


@_corpus("zipf", "tree")
def zipf(target: pathlib.Path) -> None:
    """~1 GB of Zipf-distributed English-like text in ~2,000 files of varied sizes."""
    pool = _zipf_pool(3_000_000, seed=1)
    rng = random.Random(2)
    average_words = ZIPF_BYTES // ZIPF_FILES // 9  # ~9 bytes a word with its space
    for index in range(ZIPF_FILES):
        count = int(average_words * rng.uniform(0.2, 1.8))
        folder = target / "tree" / f"part{index % 20:02}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"doc{index:04}.txt").write_text(_text(pool, rng.randrange(len(pool)), count), encoding="utf-8")


@_corpus("zipfgz", "tree")
def zipfgz(target: pathlib.Path) -> None:
    """The zipf corpus, each file compressed by the system's gzip (two at a time), as `.txt.gz`."""
    source = zipf()
    copies = target / "tree"
    copies.mkdir()
    subprocess.run(["cp", "-r", f"{source}/.", str(copies)], check=True)
    subprocess.run(f"find {shlex.quote(str(copies))} -name '*.txt' -print0 | xargs -0 -n 50 -P 2 gzip -6",
                   shell=True, check=True)


@_corpus("onefile", "all.txt")
def onefile(target: pathlib.Path) -> None:
    """The zipf corpus concatenated into one file."""
    source = zipf()
    with open(target / "all.txt", "wb") as out:
        for path in sorted(source.rglob("*.txt")):
            with open(path, "rb") as part:
                shutil.copyfileobj(part, out, 1 << 20)


@_corpus("small", "tree")
def small(target: pathlib.Path) -> None:
    """100,000 files of about 1 KB, 1,000 to a folder."""
    pool = _zipf_pool(1_000_000, seed=3)
    rng = random.Random(4)
    for index in range(SMALL_FILES):
        folder = target / "tree" / f"d{index // 1000:03}"
        if index % 1000 == 0:
            folder.mkdir(parents=True)
        (folder / f"f{index:06}.txt").write_text(_text(pool, rng.randrange(len(pool)), 110), encoding="utf-8")


@_corpus("tiny", "tree")
def tiny(target: pathlib.Path) -> None:
    """A folder of 3 small files: start-up time is all there is to measure."""
    (target / "tree").mkdir()
    for index, text in enumerate(["one small file\n", "two small files\n", "three small files\n"]):
        (target / "tree" / f"f{index}.txt").write_text(text)


BUILDERS = {"kernel": kernel, "zipf": zipf, "zipfgz": zipfgz, "onefile": onefile, "small": small, "tiny": tiny}


if __name__ == "__main__":
    for name in sys.argv[1:] or list(BUILDERS):
        print(f"{name}: {BUILDERS[name]()}", flush=True)

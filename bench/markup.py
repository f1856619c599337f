"""`--markup auto` against plain counting of the same Markdown files, timed in one run.

    python bench/markup.py CORPUS --gather DIR [--gather DIR…]   # build CORPUS first, then time
    python bench/markup.py CORPUS [--runs 5] [--before CHECKOUT]

CORPUS is a folder of Markdown files outside the repository (never committed). `--gather` fills it,
when it holds no file yet, with a copy of every `.md` and `.markdown` file found under each DIR
(say a public repository of documentation and /usr/share/doc), each DIR in a folder of its own;
`--bytes` then copies files again, in turn, until the corpus reaches that size (default: none).

Each side runs alternately `--runs` times and the medians are printed: wordcount with `--markup
auto` and without it on CORPUS, and their ratio (how many times plain counting's time prose
counting takes). With `--before`, another checkout of wordcount (its compiled core built) is timed
the same way in the same run, and its per-file JSON report with `--markup auto` is compared with
this checkout's: the files whose counts differ are listed.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent.parent
MARKDOWN = (".md", ".markdown")


def gather(corpus: pathlib.Path, sources: list[str], size: int) -> None:
    """Copy the Markdown files under each source into `corpus` (symlinks and empty files left
    out), then copies of them, in turn, until `corpus` holds `size` bytes."""
    copied: list[pathlib.Path] = []
    for index, source in enumerate(sources):
        root = pathlib.Path(source)
        for folder, _, names in os.walk(root):
            for name in sorted(names):
                path = pathlib.Path(folder, name)
                if not name.lower().endswith(MARKDOWN) or path.is_symlink() or path.stat().st_size == 0:
                    continue
                target = corpus / f"{index}-{root.name}" / path.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                copied.append(target)
    total = sum(path.stat().st_size for path in copied)
    for round_ in range(1, 100):
        for path in copied:
            if total >= size:
                return
            copy = corpus / f"copy{round_}" / path.relative_to(corpus)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
            total += path.stat().st_size
        if not copied:
            return


def files_and_bytes(corpus: pathlib.Path) -> tuple[int, int]:
    sizes = [path.stat().st_size for path in corpus.rglob("*") if path.is_file()]
    return len(sizes), sum(sizes)


def _cpu() -> float:
    """Processor time (user and system) of the child processes ended so far, workers included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(checkout: pathlib.Path, args: list[str]) -> tuple[float, float, bytes]:
    """Wall time, processor time and standard output of `python -m wordcount -q ARGS` run from
    `checkout`. On a machine shared with other work, processor time is the steadier figure."""
    start, cpu = time.perf_counter(), _cpu()
    completed = subprocess.run([sys.executable, "-m", "wordcount", "-q", *args], cwd=checkout,
                               capture_output=True, env={**os.environ, "PYTHONPATH": str(checkout)})
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    if completed.returncode not in (0, 3):
        raise SystemExit(f"failed ({completed.returncode}) in {checkout}: {args}\n{completed.stderr.decode()[-2000:]}")
    return elapsed, cpu, completed.stdout


def differing(before: bytes, after: bytes) -> list[str]:
    """The files whose rows differ between two per-file JSON reports."""
    rows = [{row["path"]: row for row in json.loads(report)["files"]} for report in (before, after)]
    return sorted(path for path in rows[0].keys() | rows[1].keys() if rows[0].get(path) != rows[1].get(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=pathlib.Path, help="a folder of Markdown files (outside the repository)")
    parser.add_argument("--gather", action="append", default=[], metavar="DIR",
                        help="build the corpus from the Markdown files under DIR (repeatable)")
    parser.add_argument("--bytes", type=int, default=0, help="with --gather: copy files again up to this size")
    parser.add_argument("--before", type=pathlib.Path, help="another checkout of wordcount, timed the same way")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each side (default 3)")
    parser.add_argument("--jobs", default="2", help="wordcount's -j (default 2)")
    options = parser.parse_args()
    corpus = options.corpus.resolve()
    if options.gather and not (corpus.is_dir() and any(corpus.iterdir())):
        corpus.mkdir(parents=True, exist_ok=True)
        gather(corpus, options.gather, options.bytes)
    count, size = files_and_bytes(corpus)
    print(f"corpus {corpus}: {count:,} files, {size / 1e6:.1f} MB", flush=True)

    checkouts = {"after": HERE} | ({"before": options.before.resolve()} if options.before else {})
    sides: dict[tuple[str, bool], list[tuple[float, float]]] = {
        (name, markup): [] for name in checkouts for markup in (False, True)}
    reports: dict[str, bytes] = {}
    for name, checkout in checkouts.items():
        *_, reports[name] = run(checkout, ["--per-file", "--format", "json", "-j", options.jobs, "--markup", "auto",
                                          str(corpus)])
    for _ in range(options.runs):
        for (name, markup), times in sides.items():
            args = ["-j", options.jobs, *(["--markup", "auto"] if markup else []), str(corpus)]
            times.append(run(checkouts[name], args)[:2])
    for index, what in enumerate(("wall", "processor")):
        medians = {side: statistics.median(time[index] for time in times) for side, times in sides.items()}
        for name in checkouts:
            plain, prose = medians[name, False], medians[name, True]
            print(f"{name}, {what} time: plain {plain:.2f} s, --markup auto {prose:.2f} s: "
                  f"{prose / plain:.2f}× plain's time")
        if options.before:
            before, after = medians["before", True], medians["after", True]
            print(f"--markup auto, {what} time: {before / after:.2f}× faster than before ({before:.2f} s → {after:.2f} s)")
    if options.before:
        changed = differing(reports["before"], reports["after"])
        print(f"files whose --markup auto counts differ from before: {len(changed)}")
        for path in changed:
            print(f"  {path}")
    print(f"medians of {options.runs} alternating runs, -j {options.jobs}")


if __name__ == "__main__":
    main()

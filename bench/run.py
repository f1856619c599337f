"""The benchmark: wordcount against the tools it replaces, side by side, on this machine.

    python bench/run.py                 # every case, 3 alternating runs of each side
    python bench/run.py --runs 5 zipf   # some cases, more runs

Corpora are built on first use in a cache folder outside the repository (bench/corpora.py;
WORDCOUNT_BENCH_CACHE moves it). Each case runs its sides alternately, several times, and
prints the median wall time of each, their ratio, the peak memory (summed over the whole
process tree, sampled every 50 ms in a thread of its own) and whether the target is met. Before timing, it checks that
wordcount's report with -j 2 equals the one with -j 1 for the case's corpus.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpora  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
WORDCOUNT = [PY, "-m", "wordcount"]


@dataclass
class Side:
    name: str
    command: str  # run with bash, so pipelines work
    times: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)


@dataclass
class Case:
    name: str
    corpus: str
    ours: Side
    reference: Side
    target: str
    needs: float  # reference time / our time must be at least this
    memory_limit: str | None = None  # "reference": our peak ≤ the reference's; or a byte count
    runs: int | None = None  # fewer runs for very slow references
    reference_first: bool = False  # each of our runs needs the reference's run just before it
    cluster: bool = False  # runs beside a Dask LocalCluster (bench/cluster.py), its memory counted with ours


def _tree_rss(root: int) -> int:
    """Resident memory of `root` and all its descendants, in bytes."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


SAMPLE_SECONDS = 0.05  # how often the memory of the process tree is read (each read costs ~1 ms of CPU)


def measure(command: str, also: int | None = None) -> tuple[float, int]:
    """Wall time and peak tree memory of one run of a shell command (its output discarded);
    `also`: a process whose tree's memory counts too (a cluster the command runs on).

    The time is taken when the command ends (this thread waits for it); the memory is sampled
    meanwhile by another thread, every SAMPLE_SECONDS: reading /proc for every process costs
    about a millisecond of CPU, which every 10 ms took a tenth of a core from the command."""
    peak = 0
    done = threading.Event()

    def sample(pid: int) -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(pid) + (_tree_rss(also) if also is not None else 0))
            done.wait(SAMPLE_SECONDS)

    start = time.perf_counter()
    process = subprocess.Popen(["bash", "-c", command], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = threading.Thread(target=sample, args=(process.pid,), daemon=True)
    sampler.start()
    stderr = process.stderr.read() if process.stderr is not None else b""
    process.wait()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in (0, 3):
        raise SystemExit(f"failed ({process.returncode}): {command}\n{stderr.decode()[-2000:]}")
    return elapsed, peak


def wc(args: str) -> str:
    return " ".join(map(shlex.quote, WORDCOUNT)) + " -q " + args


def cases() -> list[Case]:
    textbook = f"{shlex.quote(PY)} {shlex.quote(os.path.join(HERE, 'textbook.py'))}"
    return [
        # --no-ignore --hidden: Debian's .gitignore ignores the whole top level ("/*"), and find
        # reads every file, hidden ones too.
        Case("kernel, totals only", "kernel",
             Side("wordcount --top 0", wc("--no-ignore --hidden --top 0 {corpus}")),
             Side("find | wc -w --files0-from", "find {corpus} -type f -print0 | wc -w --files0-from=-"),
             "≥ 3× faster than wc", 3.0),
        Case("kernel, totals only vs reading the files", "kernel",
             Side("wordcount --top 0", wc("--no-ignore --hidden --top 0 {corpus}")),
             Side("find | xargs -P2 cat", "find {corpus} -type f -print0 | xargs -0 -P2 cat >/dev/null"),
             "within 1.5× of reading the files", 1 / 1.5),
        Case("kernel, frequencies vs textbook", "kernel",
             Side("wordcount --top 10", wc("--no-ignore --hidden --top 10 {corpus}")),
             Side("textbook Pool.map + Counter", f"{textbook} {{corpus}}"),
             "≥ 5× faster, peak memory ≤ textbook's", 5.0, memory_limit="reference"),
        Case("kernel, frequencies vs tr|sort|uniq", "kernel",
             Side("wordcount --top 10", wc("--no-ignore --hidden --top 10 {corpus}")),
             Side("tr | sort | uniq -c",
                  "find {corpus} -type f -print0 | xargs -0 cat | tr -s '[:space:]' '\\n' | sort | uniq -c | sort -rn | head"),
             "≥ 5× faster", 5.0, runs=1),
        Case("kernel, second run with --cache", "kernel",
             Side("second run, --cache", wc("--no-ignore --hidden --cache-dir {cache} {corpus}")),
             Side("first run, --cache", f"rm -rf {{cache}} && {wc('--no-ignore --hidden --cache-dir {cache} {corpus}')}"),
             "≥ 5× faster than the first run", 5.0, reference_first=True),
        Case("zipf corpus, frequencies", "zipf",
             Side("wordcount -j 2", wc("-j 2 {corpus}")),
             Side("wordcount -j 1", wc("-j 1 {corpus}")),
             "-j 2 ≥ 1.8× faster than -j 1", 1.8),
        Case("zipf corpus, compiled core vs pure Python, one process", "zipf",
             Side("wordcount -j 1", wc("-j 1 {corpus}")),
             Side("WORDCOUNT_PURE_PYTHON=1 wordcount -j 1", "WORDCOUNT_PURE_PYTHON=1 " + wc("-j 1 {corpus}")),
             "compiled ≥ 3× faster than pure", 3.0),
        Case("zipf corpus, 2-worker Dask LocalCluster", "zipf",
             Side("wordcount --scheduler-file (2 workers)", wc("--scheduler-file {scheduler} {corpus}")),
             Side("wordcount -j 2", wc("-j 2 {corpus}")),
             "none: the ratio is reported", 0.0, cluster=True),
        # -z: each file decompressed and counted in a worker, against one zcat piped to wc.
        Case("zipf corpus gzip'd, -z, totals only", "zipfgz",
             Side("wordcount -z --top 0", wc("-z --top 0 {corpus}")),
             Side("find | xargs zcat | wc -w", "find {corpus} -type f -name '*.gz' -print0 | xargs -0 zcat | wc -w"),
             "at least as fast as zcat | wc -w", 1.0),
        Case("zipf corpus gzip'd, -z, frequencies", "zipfgz",
             Side("wordcount -z", wc("-z {corpus}")),
             Side("find | xargs zcat | wc -w", "find {corpus} -type f -name '*.gz' -print0 | xargs -0 zcat | wc -w"),
             "none: the ratio is reported", 0.0),
        Case("one 1 GB file, frequencies", "onefile",
             Side("wordcount -j 2", wc("-j 2 {corpus}")),
             Side("wordcount -j 1", wc("-j 1 {corpus}")),
             "-j 2 ≥ 1.7× faster than -j 1", 1.7),
        Case("one 1 GB file, totals only", "onefile",
             Side("wordcount -j 2 --top 0", wc("-j 2 --top 0 {corpus}")),
             Side("wordcount -j 1 --top 0", wc("-j 1 --top 0 {corpus}")),
             "peak memory ≤ 256 MB", 0.0, memory_limit=str(256 * 1024 * 1024)),
        Case("100,000 small files, totals only", "small",
             Side("wordcount --top 0", wc("--top 0 {corpus}")),
             Side("find | wc -w --files0-from", "find {corpus} -type f -print0 | wc -w --files0-from=-"),
             "at least as fast as wc", 1.0),
        Case("a folder of 3 small files", "tiny",
             Side("wordcount", wc("{corpus}")),
             Side("python3 -c pass", f"{shlex.quote(PY)} -c pass"),
             "wall time ≤ 4× python3 -c pass", 0.25),
    ]


CHECK_FLAGS = {"zipfgz": ["-z"]}  # what a corpus is counted with when -j 2 is compared with -j 1


def check_equal(corpus: str, name: str) -> bool:
    """wordcount -j 2 and -j 1 give the same per-file report on this corpus."""
    outputs = []
    for jobs in ("1", "2"):
        completed = subprocess.run([*WORDCOUNT, "-q", "--per-file", "--format", "json", "-j", jobs,
                                    *CHECK_FLAGS.get(name, []), corpus], capture_output=True)
        outputs.append(completed.stdout)
    return outputs[0] == outputs[1]


class Cluster:
    """A LocalCluster of bench/cluster.py, started for the cases that need one."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="wordcount-bench-cluster-")
        self.scheduler_file = os.path.join(self.folder, "scheduler.json")
        self.process = subprocess.Popen([PY, os.path.join(HERE, "execute/dask/backend.py"), self.scheduler_file],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not os.path.exists(self.scheduler_file):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise SystemExit("the Dask LocalCluster did not start (is 'wordcount[dask]' installed?)")
            time.sleep(0.1)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def check_cluster_equal(corpus: str, scheduler_file: str) -> bool:
    """wordcount on the cluster gives the per-file report of -j 1 on this corpus."""
    outputs = []
    for where in (["-j", "1"], ["--scheduler-file", scheduler_file]):
        completed = subprocess.run([*WORDCOUNT, "-q", "--per-file", "--format", "json", *where, corpus],
                                   capture_output=True)
        outputs.append(completed.stdout)
    return outputs[0] == outputs[1]


def human(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="corpora to run (kernel, zipf, zipfgz, onefile, small, tiny)")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs of each side (default 3)")
    options = parser.parse_args()
    selected = [case for case in cases() if not options.only or case.corpus in options.only]
    checked: dict[str, bool] = {}
    cache = os.path.join(corpora.CACHE, "wordcount-cache")  # the --cache-dir of the cache case
    rows = []
    for case in selected:
        corpus = str(corpora.BUILDERS[case.corpus]())
        if case.corpus not in checked:
            checked[case.corpus] = check_equal(corpus, case.corpus)
            print(f"[{case.corpus}] -j 2 report equals -j 1: {checked[case.corpus]}", flush=True)
        runs = min(options.runs, case.runs or options.runs)
        cluster = Cluster() if case.cluster else None
        try:
            scheduler = cluster.scheduler_file if cluster else ""
            if cluster is not None:
                same = check_cluster_equal(corpus, scheduler)
                checked[f"{case.corpus} on the cluster"] = same
                print(f"[{case.corpus}] report on the Dask cluster equals -j 1: {same}", flush=True)
            for _ in range(runs):
                for side in (case.reference, case.ours) if case.reference_first else (case.ours, case.reference):
                    command = side.command.format(corpus=shlex.quote(corpus), cache=shlex.quote(cache),
                                                  scheduler=shlex.quote(scheduler))
                    elapsed, peak = measure(command, cluster.process.pid if cluster and side is case.ours else None)
                    side.times.append(elapsed)
                    side.peaks.append(peak)
        finally:
            if cluster is not None:
                cluster.close()
        ours, theirs = statistics.median(case.ours.times), statistics.median(case.reference.times)
        ratio = theirs / ours
        peak_ours, peak_theirs = max(case.ours.peaks), max(case.reference.peaks)
        met = ratio >= case.needs
        if case.memory_limit == "reference":
            met = met and peak_ours <= peak_theirs
        elif case.memory_limit:
            met = met and peak_ours <= int(case.memory_limit)
        rows.append((case, ours, theirs, ratio, peak_ours, peak_theirs, runs, met))
        print(f"  {case.name}: {case.ours.name} {ours:.2f} s ({human(peak_ours)}) vs {case.reference.name} "
              f"{theirs:.2f} s ({human(peak_theirs)}): {ratio:.2f}x, runs {runs}: {'met' if met else 'NOT met'}",
              flush=True)
    print()
    print("| case | wordcount | reference | ratio | peak memory (ours / ref) | target | met |")
    print("|---|---|---|---|---|---|---|")
    for case, ours, theirs, ratio, peak_ours, peak_theirs, runs, met in rows:
        cells = [case.name, f"{case.ours.name}: {ours:.2f} s", f"{case.reference.name}: {theirs:.2f} s",
                 f"{ratio:.2f}×", f"{human(peak_ours)} / {human(peak_theirs)}", case.target, "yes" if met else "NO"]
        print("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    print(f"\nresults equal to -j 1: {all(checked.values())} ({', '.join(checked)}); medians of alternating runs")


if __name__ == "__main__":
    main()

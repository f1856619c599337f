"""The Dask backend (--scheduler) on real clusters: the same report as a local run, whatever
the options; workers killed mid-run; a file that kills every worker; an unreachable scheduler;
a missing extra. Clusters and their processes are started and cleaned up by fixtures, and
every wait has a timeout, so nothing can hang the suite."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import pathlib
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import REPO, SAMPLE, invoke, repo_env, run_process, write_busy_corpus
from wordcount.execute import planning

# Each scheduler also serves HTTP (health checks), on 8787 if it is free: a second one says so.
pytestmark = pytest.mark.filterwarnings("ignore:Port 8787 is already in use")

WORKER_DIED = "worker died while counting this file"
CLUSTER_TIMEOUT = 60  # seconds for a cluster to start or stop


def _distributed() -> Any:
    return pytest.importorskip("distributed")


@pytest.fixture(scope="module", params=[(2, 1), (1, 2)], ids=["2x1-thread", "1x2-threads"])
def local_cluster(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A real LocalCluster on the loopback: two worker processes of one thread each, or one
    process that counts in two threads at once (as `dask worker` and LocalCluster do by default)."""
    distributed = _distributed()
    workers, threads = request.param
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                                       host="127.0.0.1", dashboard_address=None, timeout=CLUSTER_TIMEOUT)
    try:
        yield cluster
    finally:
        cluster.close(timeout=CLUSTER_TIMEOUT)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A tree with a bit of everything: the sample corpus (encodings, a binary, CJK), files large
    enough to be cut into pieces (UTF-8, UTF-16, GB18030, one found not to be UTF-8 only past
    its first block, and one UTF-8 but for a Latin-1 name in its middle), many small files, a file holding forbidden words, and compressed files
    (`-z`: one larger than a piece, one truncated)."""
    root = tmp_path_factory.mktemp("mixed")
    subprocess.run(["cp", "-r", str(SAMPLE), str(root / "sample")], check=True)
    text = "中華民國的首都是臺北。我們今天一起去圖書館看書 the words 圖書館裡有很多舊書和新書。\n" * 4000
    (root / "big-utf8.txt").write_bytes(text.encode("utf-8"))
    (root / "big-utf16.txt").write_bytes(text.encode("utf-16"))
    (root / "big-gb18030.txt").write_bytes(text.encode("gb18030"))
    late = "plain ascii words before the legacy part\n" * 30_000  # more than one block of ASCII
    late += "Все люди рождаются свободными и равными в своем достоинстве и правах.\n" * 2000
    (root / "late-koi8.txt").write_bytes(late.encode("koi8-r"))
    (root / "late-latin1.txt").write_bytes(text.encode() + b"Bastian K\xf6cher\n" + text.encode())  # UTF-8 still
    packed = root / "packed"
    packed.mkdir()
    (packed / "utf16.txt.gz").write_bytes(gzip.compress(text.encode("utf-16")))
    noise = random.Random(7).randbytes(100_000).hex() + "\n"
    (packed / "large.txt.bz2").write_bytes(bz2.compress((noise + text).encode()))  # larger than a piece as stored
    (packed / "cut-koi8.txt.xz").write_bytes(lzma.compress(late.encode("koi8-r"))[:-40])  # truncated
    docs = root / "docs"  # --markup auto: a page larger than a piece, and an HTML one
    docs.mkdir()
    page = "---\ntitle: TODO not prose\n---\n\n# Guide\n\nSee [the TODO list](https://x.test/TODO).\n\n```\ncode TODO\n```\n\n"
    (docs / "guide.md").write_text(page + "Plain prose with a TODO and `inline code` here.\n\n" * 3000)
    (docs / "page.html").write_text("<html><head><style>p {}</style></head><body><p>TODO &amp; more</p>"
                                    "<pre>code TODO</pre></body></html>\n")
    small = root / "small"
    small.mkdir()
    for index in range(300):
        (small / f"s{index:03d}.txt").write_text(f"Small file {index} with TODO words w{index % 7} and more\n" * (index % 5))
    return root


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut files of a few hundred kilobytes (the client plans the pieces, so this reaches it)."""
    monkeypatch.setattr(planning, "SPLIT_BYTES", 64 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 16 * 1024)


OPTIONS = {
    "json": ["--per-file", "--format", "json"],
    "words": ["--per-file", "--format", "json", "--word-mode", "cjk", "--ignore-case", "--nfkc", "--min-length", "2",
              "--stopwords", "en", "--top", "25"],
    "unicode-table": ["--per-file", "--word-mode", "unicode", "--top", "15"],
    "audit": ["--format", "json", "--max-words", "2000", "--forbid", "TODO", "--forbid", "re:w[35]\\b", "--no-bom",
              "--fail-on", "binary", "--require-encoding", "utf-8"],
    "totals-only": ["--top", "0", "--format", "json"],
    "wc": ["--format", "wc"],
    "csv": ["--per-file", "--format", "csv"],
    "decompress": ["--per-file", "--format", "json", "-z", "--top", "20"],
    "globs-types": ["--per-file", "--format", "json", "--encoding", "*.txt=latin-1", "--encoding", "zh/=gbk", "-g",
                    "!*.bin", "-T", "md"],
    "markup-columns-by": ["--per-file", "--format", "json", "--markup", "auto", "--forbid", "TODO", "-L", "-l", "-w",
                          "--by", "dir", "--sort", "words"],
}


def _local_and_cluster(address: str, args: list[str], ship_bytes: bool = False) -> tuple[Any, Any]:
    local = invoke("-j", "1", "--progress", "none", *args)
    remote = invoke("--scheduler", address, "--progress", "none", *(["--ship-bytes"] if ship_bytes else []), *args)
    return local, remote


@pytest.mark.parametrize("ship_bytes", [False, True], ids=["shared-files", "ship-bytes"])
def test_a_file_whose_size_says_nothing_is_read_to_its_end(local_cluster: Any, ship_bytes: bool) -> None:
    """A procfs file (size 0 by fstat) counts what it holds on the workers, or shipped by the
    client, as here: not said to have changed while it was read."""
    if not os.path.exists("/proc/version"):
        pytest.skip("no procfs here")
    args = ["--per-file", "--format", "json", "/proc/version"]
    local, remote = _local_and_cluster(local_cluster.scheduler_address, args, ship_bytes)
    assert remote.exit_code == local.exit_code == 0 and remote.stdout == local.stdout, remote.output
    report = json.loads(remote.stdout)
    assert report["warnings"] == [] and report["totals"]["bytes"] == len(pathlib.Path("/proc/version").read_bytes())


@pytest.mark.parametrize("ship_bytes", [False, True], ids=["shared-files", "ship-bytes"])
@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_cluster_report_equals_local(local_cluster: Any, mixed: pathlib.Path, small_pieces: None, name: str,
                                     ship_bytes: bool) -> None:
    """Byte for byte the report of -j 1, with cut files, word modes, audits and every format."""
    local, remote = _local_and_cluster(local_cluster.scheduler_address, [*OPTIONS[name], str(mixed)], ship_bytes)
    assert remote.exit_code == local.exit_code, remote.output
    assert remote.stdout == local.stdout
    if name == "json":
        report = json.loads(remote.stdout)
        assert {row["encoding"] for row in report["files"]} >= {"utf-8", "utf-16", "gb18030", "koi8-r"}
        assert report["skipped"] and report["uncertain"] is not None
    if name == "markup-columns-by":  # the prose only: not the front matter (line 2) nor the code (line 10)
        report = json.loads(remote.stdout)
        lines = {item["line"] for item in report["violations"] if item["path"].endswith("guide.md")}
        assert 7 in lines and not lines & {2, 10} and report["groups"] and "max_line_length" in report["totals"]
    if name == "decompress":
        report = json.loads(remote.stdout)
        assert remote.exit_code == 3 and report["errors"][0]["error"].startswith("truncated xz data")
        assert {row["path"] for row in report["files"] if "stored" in row} == {
            str(mixed / "packed" / name) for name in ("utf16.txt.gz", "large.txt.bz2", "cut-koi8.txt.xz")}


def test_cluster_cuts_large_files(local_cluster: Any, mixed: pathlib.Path, small_pieces: None,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Large files really are cut into pieces for the cluster, and put together again."""
    cut: list[str] = []
    original = planning.plan_pieces

    def spy(path: str, *args: Any, **kwargs: Any) -> Any:
        pieces = original(path, *args, **kwargs)
        if pieces:
            cut.append(os.path.basename(path))
        return pieces

    monkeypatch.setattr(planning, "plan_pieces", spy)
    local, remote = _local_and_cluster(local_cluster.scheduler_address, [*OPTIONS["json"], str(mixed)])
    assert {"big-utf8.txt", "big-utf16.txt", "big-gb18030.txt", "late-koi8.txt", "late-latin1.txt"} <= set(cut)
    assert remote.stdout == local.stdout


def test_cluster_jsonl_and_standard_input(local_cluster: Any, mixed: pathlib.Path) -> None:
    """jsonl: the same records (the cluster sends one merged batch) and the same summary;
    standard input is read by the client."""
    args = ["--format", "jsonl", str(mixed / "sample")]
    local, remote = _local_and_cluster(local_cluster.scheduler_address, args)
    assert sorted(remote.stdout.splitlines()) == sorted(local.stdout.splitlines())
    assert remote.stdout.splitlines()[-1] == local.stdout.splitlines()[-1]
    piped = invoke("--scheduler", local_cluster.scheduler_address, "--format", "json", "-", str(mixed / "small"),
                   input="words from the pipe\n")
    alone = invoke("-j", "1", "--format", "json", "-", str(mixed / "small"), input="words from the pipe\n")
    assert piped.stdout == alone.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_scheduler_is_exit_2_within_the_timeout() -> None:
    """Nothing listening, or a peer that accepts and never answers: one line naming the
    address, exit 2, within --connect-timeout (plus start-up)."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    done = run_process(["--scheduler", address, "--connect-timeout", "1", str(SAMPLE)], timeout=60)
    assert done.returncode == 2
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and address in lines[0] and lines[0].startswith("wordcount: cannot reach"), lines
    assert time.monotonic() - started < 30

    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        done = run_process(["--scheduler", address, "--connect-timeout", "1", str(SAMPLE)], timeout=60)
    assert done.returncode == 2
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and address in lines[0], lines


def test_scheduler_file_that_cannot_be_read_is_exit_2(tmp_path: pathlib.Path) -> None:
    _distributed()
    done = run_process(["--scheduler-file", str(tmp_path / "missing.json"), str(SAMPLE)], timeout=60)
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        f"wordcount: cannot read the Dask scheduler file {tmp_path / 'missing.json'}: No such file or directory"
    ]


def test_without_the_extra_scheduler_is_a_usage_error() -> None:
    """As if dask were not installed (its imports fail, in a process of its own): a usage error
    that says what to install."""
    script = ("import sys; sys.modules['dask'] = sys.modules['distributed'] = None\n"
              "from wordcount import cli; sys.argv = ['wordcount', *sys.argv[1:]]; cli.main()")
    for args in (["--scheduler", "tcp://127.0.0.1:8786"], ["--scheduler-file", "scheduler.json"]):
        done = subprocess.run([sys.executable, "-c", script, *args, str(SAMPLE)], capture_output=True,
                              env=repo_env(), cwd=REPO, timeout=120)
        assert done.returncode == 2
        assert "pip install 'wordcount[dask]'" in done.stderr.decode()
    result = invoke("--ship-bytes", str(SAMPLE))
    assert result.exit_code == 2 and "--ship-bytes needs --scheduler" in result.output


def test_local_runs_never_import_dask() -> None:
    """Start-up time: a local run (pool workers included) does not load the Dask backend."""
    script = ("import sys, runpy; sys.argv = ['wordcount', '-q', '-j', '2', sys.argv[1]]\n"
              "try:\n    runpy.run_module('wordcount', run_name='__main__')\n"
              "except SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'wordcount.execute.dask.backend')))")
    done = subprocess.run([sys.executable, "-c", script, str(SAMPLE)], capture_output=True, env=repo_env(),
                          cwd=REPO, timeout=120)
    assert done.stdout.decode().strip().splitlines()[-1] == "[]", done.stderr.decode()


# A real `dask scheduler` and `dask worker` pair, as a user starts them.


def _dask(*args: str, log: pathlib.Path, cwd: pathlib.Path = REPO) -> subprocess.Popen[bytes]:
    handle = open(log, "wb")
    process = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "dask"), *args], stdout=handle,
                               stderr=subprocess.STDOUT, env=repo_env(), cwd=cwd, start_new_session=True)
    handle.close()
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process group: politely, then for sure."""
    for signum, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    try:
        os.killpg(process.pid, signal.SIGKILL)  # whatever of the group is left
    except ProcessLookupError:
        pass


@pytest.fixture
def dask_pair(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    """`dask scheduler` and `dask worker` (two nanny-watched worker processes) as subprocesses;
    yields the scheduler file. The worker runs in a folder of its own, as on another machine."""
    distributed = _distributed()
    scheduler_file = tmp_path / "scheduler.json"
    home = tmp_path / "worker-home"
    home.mkdir()
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(scheduler_file), log=tmp_path / "scheduler.log")
    worker = None
    try:
        deadline = time.monotonic() + CLUSTER_TIMEOUT
        while not scheduler_file.exists():
            assert scheduler.poll() is None, (tmp_path / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler never wrote its file"
            time.sleep(0.1)
        worker = _dask("worker", "--scheduler-file", str(scheduler_file), "--nworkers", "2", "--nthreads", "1",
                       "--host", "127.0.0.1", "--no-dashboard", "--memory-limit", "0",
                       log=tmp_path / "worker.log", cwd=home)
        with distributed.Client(scheduler_file=str(scheduler_file), timeout=CLUSTER_TIMEOUT) as client:
            client.wait_for_workers(2, timeout=CLUSTER_TIMEOUT)
        yield scheduler_file
    finally:
        if worker is not None:
            _stop(worker)
        _stop(scheduler)


FILES = 40


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """About 130 MB in FILES files: seconds of counting for two workers."""
    return write_busy_corpus(tmp_path_factory.mktemp("cluster-corpus"), FILES)


REPORT = ["--per-file", "--format", "json", "--progress", "none", "--word-mode", "unicode"]


def test_dask_pair_report_equals_local(dask_pair: pathlib.Path, corpus: pathlib.Path, mixed: pathlib.Path) -> None:
    """`--scheduler-file`, `--scheduler` and DASK_SCHEDULER_ADDRESS: each gives the local report."""
    address = json.loads(dask_pair.read_text())["address"]
    for root, args in ((mixed, ["--per-file", "--format", "json"]), (corpus, ["--format", "json"])):
        local = run_process(["-j", "1", *args, str(root)])
        by_file = run_process(["--scheduler-file", str(dask_pair), *args, str(root)])
        by_flag = run_process(["--scheduler", address, "--ship-bytes", *args, str(root)])
        by_env = run_process([*args, str(root)], env={**repo_env(), "DASK_SCHEDULER_ADDRESS": address})
        assert local.returncode == 0, local.stderr.decode()
        for remote in (by_file, by_flag, by_env):
            assert (remote.returncode, remote.stderr, remote.stdout) == (0, b"", local.stdout)


def test_relative_paths_are_read_in_the_clients_folder(dask_pair: pathlib.Path, mixed: pathlib.Path,
                                                      small_pieces: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers run in a folder of their own: a path the user typed relative to the client's
    folder is still found, whole files, pieces of large files and shipped bytes alike, and the
    report shows it as typed: the report of a local run in the same folder."""
    address = json.loads(dask_pair.read_text())["address"]
    monkeypatch.chdir(mixed.parent)
    args = ["--per-file", "--format", "json", mixed.name]
    local = run_process(["-j", "1", *args], cwd=mixed.parent)
    remote = run_process(["--scheduler", address, *args], cwd=mixed.parent)
    assert local.returncode == 0, local.stderr.decode()
    assert (remote.returncode, remote.stderr, remote.stdout) == (0, b"", local.stdout)
    paths = [row["path"] for row in json.loads(remote.stdout)["files"]]
    assert paths and all(path.startswith(mixed.name + os.sep) for path in paths)
    # Config rules scoped by globs relative to the config's folder (here, the client's).
    config = mixed.parent / "relative-rules.toml"
    config.write_text('[[rules]]\nglob = "*/small/*.txt"\nmax-words = 20\n')
    scoped = ["--config", str(config), *args]
    local = run_process(["-j", "1", *scoped], cwd=mixed.parent)
    remote = run_process(["--scheduler", address, *scoped], cwd=mixed.parent)
    assert local.returncode == 1 and json.loads(local.stdout)["violations"], local.stderr.decode()
    assert (remote.returncode, remote.stdout) == (1, local.stdout)
    typed = os.path.join(".", mixed.name)
    for ship_bytes in (False, True):  # in this process, so that small_pieces cuts files
        local_run, remote_run = _local_and_cluster(address, [*OPTIONS["json"], typed], ship_bytes)
        assert (remote_run.exit_code, remote_run.stdout) == (local_run.exit_code, local_run.stdout)
        assert json.loads(remote_run.stdout)["files"][0]["path"].startswith(typed + os.sep)


def _worker_pids(scheduler_file: pathlib.Path) -> dict[str, int]:
    distributed = _distributed()
    with distributed.Client(scheduler_file=str(scheduler_file), timeout=CLUSTER_TIMEOUT) as client:
        busy = [address for address, keys in client.processing().items() if keys]
        return client.run(os.getpid, workers=busy) if busy else {}


@pytest.mark.parametrize("ship_bytes", [False, True], ids=["shared-files", "ship-bytes"])
def test_a_worker_killed_mid_run_changes_nothing(dask_pair: pathlib.Path, corpus: pathlib.Path,
                                                 ship_bytes: bool) -> None:
    """SIGKILL a worker while it counts: the nanny starts another, Dask computes again what was
    lost, and the report is exactly the local one: nothing lost, nothing counted twice."""
    args = [*REPORT, *(["--ship-bytes"] if ship_bytes else []), str(corpus)]
    local = run_process(["-j", "1", *REPORT, str(corpus)])
    process = subprocess.Popen([sys.executable, "-m", "wordcount", "--scheduler-file", str(dask_pair), *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=repo_env(), cwd=REPO,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (busy := _worker_pids(dask_pair)):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no task ever ran"
            time.sleep(0.05)
        time.sleep(0.3)  # let it count a little
        assert process.poll() is None, "the run ended before a worker could be killed"
        os.kill(next(iter(busy.values())), signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        _stop(process)
    assert process.returncode == 0, stderr.decode()
    assert stdout == local.stdout
    assert "Traceback" not in stderr.decode()


POISON = "poison.txt"

try:
    from distributed import WorkerPlugin
except ImportError:  # the tests that need it are skipped
    WorkerPlugin = object  # type: ignore[misc,assignment]


class Poison(WorkerPlugin):  # type: ignore[misc]
    """A worker plugin that makes counting the poison file kill the worker, as the OOM killer
    would; registered plugins also run on the workers that nannies start in place of dead ones."""

    name = "wordcount-poison"

    def setup(self, worker: Any) -> None:
        from wordcount.counting import reader

        real = reader.count_file

        def deadly(path: str, *args: Any, **kwargs: Any) -> Any:
            if path.endswith(POISON):
                os.kill(os.getpid(), signal.SIGKILL)
            return real(path, *args, **kwargs)

        reader.count_file = deadly

    def teardown(self, worker: Any) -> None:
        pass


def test_a_file_that_kills_every_worker_ends_in_errors(tmp_path: pathlib.Path) -> None:
    """A batch that keeps killing workers: KilledWorker, caught; the batch is counted file by
    file, the poison file alone ends in `errors` (exit 3), and everything else is exact."""
    distributed = _distributed()
    import dask

    root = tmp_path / "tree"
    root.mkdir()
    for index in range(12):
        (root / f"f{index:02d}.txt").write_text(f"some words {index} here\n" * 50)
    (root / POISON).write_text("never counted\n")
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                           dashboard_address=None, timeout=CLUSTER_TIMEOUT)
    try:
        with distributed.Client(cluster, timeout=CLUSTER_TIMEOUT) as client:
            client.register_plugin(Poison())
        done = run_process(["--scheduler", cluster.scheduler_address, "--per-file", "--format", "json", str(root)],
                           timeout=180)
    finally:
        cluster.close(timeout=CLUSTER_TIMEOUT)
    assert done.returncode == 3, done.stderr.decode()
    report = json.loads(done.stdout)
    assert report["errors"] == [{"path": str(root / POISON), "error": WORKER_DIED}]
    local = json.loads(invoke("-j", "1", "--per-file", "--format", "json", "--exclude", POISON, str(root)).stdout)
    assert report["files"] == local["files"] and report["totals"] == local["totals"] and report["top"] == local["top"]
    assert "Traceback" not in done.stderr.decode()
    assert f"{root / POISON}: {WORKER_DIED}" in done.stderr.decode()


@pytest.fixture(scope="module")
def cluster_module() -> Any:
    _distributed()
    from wordcount.execute.dask import tasks as cluster

    return cluster


def test_merging_on_the_cluster_in_any_grouping_gives_the_same_report(cluster_module: Any) -> None:
    """merge_task, fanned in at any width and in any order, renders what merging every batch
    in the parent does; its inputs are left unchanged (Dask may still hold them)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from test_merge import batches, merged
    from wordcount.report.render import render_json, render_table
    from wordcount.report.summary import Summary

    @settings(max_examples=150, deadline=None)
    @given(batches(), st.randoms(use_true_random=False), st.integers(1, 5))
    def check(results: list[Any], rng: Any, width: int) -> None:
        before = [dict(result.table) for result in results]
        level = results[:]
        rng.shuffle(level)
        while len(level) > 1:
            level = [cluster_module.merge_task(*level[i : i + max(2, width)]) for i in range(0, len(level), max(2, width))]
        summary = Summary(top=5, per_file=True)
        for result in level:
            summary.add_batch(result)
        expected = merged(results, 5)
        assert render_json(summary) == render_json(expected)
        assert render_table(summary) == render_table(expected)
        assert [dict(result.table) for result in results] == before

    check()

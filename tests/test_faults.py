"""Faults injected into real runs: workers killed mid-count, a file that kills every worker,
and signals. Each run is a real process watched with timeouts: a hang fails the test."""

from __future__ import annotations

import json
import multiprocessing
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from typing import Any

import pytest

from conftest import REPO, busy_text, write_busy_corpus
from test_processes import children_of, group_alive

WORKER_DIED = "worker died while counting this file"
FILES = 48


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """About 150 MB in FILES files: a few seconds of counting for two workers."""
    return write_busy_corpus(tmp_path_factory.mktemp("faults"), FILES)


def expected(root: pathlib.Path, paths: list[str] | None = None) -> dict[str, Any]:
    """The report's rows, totals and top words for `paths` (default: every file), computed here."""
    rows, words = [], Counter()
    for index in range(FILES):
        path = str(root / f"f{index:02d}.txt")
        if paths is not None and path not in paths:
            continue
        data = busy_text(index)
        tokens = data.split()
        words.update(tokens)
        rows.append({"path": path, "lines": data.count(b"\n"), "words": len(tokens), "chars": len(data),
                     "bytes": len(data), "encoding": "utf-8", "confidence": 1.0})
    totals = {"files": len(rows), **{key: sum(row[key] for row in rows) for key in ("lines", "words", "chars", "bytes")}}
    top = sorted(words.items(), key=lambda pair: (-pair[1], pair[0]))[:10]
    return {"files": rows, "totals": totals, "top": [{"word": w.decode(), "count": c} for w, c in top]}


def start(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """wordcount as a real process in its own process group. The pure core counts, so that a run
    lasts long enough for a fault to hit it mid-count (the compiled core reads the corpus in a
    fraction of a second); what is tested, the pool's handling of faults, is the same for both."""
    env = {**os.environ, "WORDCOUNT_PURE_PYTHON": "1", **kwargs.pop("env", {})}
    return subprocess.Popen([sys.executable, "-m", "wordcount", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, cwd=REPO, env=env, **kwargs)


def wait_for_workers(process: subprocess.Popen[bytes], count: int = 2) -> list[int]:
    """The worker pids, once `count` of them run and have had a moment to start counting."""
    deadline = time.monotonic() + 30
    while len(workers := children_of(process.pid)) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the pool never started"
        time.sleep(0.02)
    time.sleep(0.4)
    assert process.poll() is None, "the run ended before the fault could be injected"
    return workers


def finish(process: subprocess.Popen[bytes], timeout: float = 90) -> tuple[int, bytes, bytes]:
    """Wait for the run (a hang is a failure) and make sure none of its processes is left."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        if group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, stdout, stderr


REPORT = ["--per-file", "--format", "json", "-j", "2", "--progress", "none"]


def check_report(root: pathlib.Path, code: int, stdout: bytes, stderr: bytes) -> dict[str, Any]:
    """Every file is either counted exactly or listed as lost with a dead worker; nothing twice."""
    assert code in (0, 3), stderr.decode()
    report = json.loads(stdout)
    lost = [error["path"] for error in report["errors"]]
    assert all(error["error"] == WORKER_DIED for error in report["errors"]), report["errors"]
    assert (code == 3) == bool(lost)
    counted = [str(root / f"f{index:02d}.txt") for index in range(FILES)]
    want = expected(root, [path for path in counted if path not in lost])
    assert report["files"] == want["files"]
    assert report["totals"] == want["totals"]
    assert report["top"] == want["top"]
    assert "Traceback" not in stderr.decode()
    return report


def test_a_worker_killed_mid_run_is_replaced_and_nothing_is_lost(corpus: pathlib.Path) -> None:
    """SIGKILL one worker while it counts: its batch is counted again, the report is exact."""
    process = start([*REPORT, str(corpus)])
    victim = wait_for_workers(process)[0]
    os.kill(victim, signal.SIGKILL)
    code, stdout, stderr = finish(process)
    report = check_report(corpus, code, stdout, stderr)
    assert code == 0 and report["errors"] == []  # one death: the batch is retried and succeeds


@pytest.mark.parametrize("together", [True, False], ids=["together", "one-after-the-other"])
def test_two_killed_workers_never_hang_nor_miscount(corpus: pathlib.Path, together: bool) -> None:
    """Kill both workers at once, or one and then a worker of the pool that replaced it."""
    process = start([*REPORT, str(corpus)])
    workers = wait_for_workers(process)
    if together:
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
    else:
        os.kill(workers[0], signal.SIGKILL)
        deadline = time.monotonic() + 20
        while True:  # a worker of the new pool: one that is not new any more a moment later
            fresh = set(children_of(process.pid)) - set(workers)
            time.sleep(0.3)
            if settled := fresh & set(children_of(process.pid)):
                break
            assert time.monotonic() < deadline and process.poll() is None, "no new worker"
        os.kill(min(settled), signal.SIGKILL)
    code, stdout, stderr = finish(process)
    check_report(corpus, code, stdout, stderr)


POISON = """
import os, signal, sys
from wordcount.cli import command
from wordcount.counting import reader

real = reader.count_file

def deadly(path, *args, **kwargs):
    if path.endswith("poison.txt"):
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would
    return real(path, *args, **kwargs)

reader.count_file = deadly
sys.argv = ["wordcount", *sys.argv[1:]]
command.main()
"""


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="workers inherit the patch by fork")
@pytest.mark.parametrize("frequencies", [True, False])
def test_a_file_that_kills_every_worker_is_reported_and_the_rest_counted(
    tmp_path: pathlib.Path, frequencies: bool
) -> None:
    """A file whose every count kills its worker: exit 3 naming that file alone, never a hang."""
    write_busy_corpus(tmp_path, FILES // 4)
    (tmp_path / "poison.txt").write_bytes(b"never counted\n" * 1000)
    args = [*REPORT, str(tmp_path)] + ([] if frequencies else ["--top", "0"])
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(POISON), *args], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    code, stdout, stderr = finish(process)
    assert code == 3, stderr.decode()
    report = json.loads(stdout)
    assert report["errors"] == [{"path": str(tmp_path / "poison.txt"), "error": WORKER_DIED}]
    counted = [str(tmp_path / f"f{index:02d}.txt") for index in range(FILES // 4)]
    want = expected(tmp_path, counted)
    assert report["files"] == want["files"]
    assert report["totals"] == want["totals"]
    assert report["top"] == (want["top"] if frequencies else [])
    assert f"{tmp_path / 'poison.txt'}: {WORKER_DIED}" in stderr.decode()


@pytest.mark.parametrize(
    ("signum", "code", "message"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["SIGINT", "SIGTERM"],
)
@pytest.mark.parametrize("to_group", [True, False], ids=["to-group", "to-parent"])
def test_signals_stop_the_run_promptly_and_cleanly(
    corpus: pathlib.Path, tmp_path: pathlib.Path, signum: int, code: int, message: str, to_group: bool
) -> None:
    """Mid-run: the documented exit code within 2 s, one line on stderr, no process of the run
    left (checked by process group), and no report file, not even a partial one."""
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    process = start([*REPORT, "-o", str(out), str(corpus)])
    wait_for_workers(process)
    sent = time.monotonic()
    if to_group:
        os.killpg(process.pid, signum)  # a terminal's Ctrl-C, or a service manager
    else:
        os.kill(process.pid, signum)  # `kill PID` from a script or cron
    try:
        process.wait(timeout=10)
        elapsed = time.monotonic() - sent
        time.sleep(0.2)
        left = group_alive(process.pid)
    finally:
        returned, stdout, stderr = finish(process)
    assert returned == code
    assert elapsed < 2.0
    assert stderr.decode().strip() == f"wordcount: {message}"
    assert stdout == b""
    assert not left, "a process of the run is still alive"
    assert list(out.parent.iterdir()) == []  # neither the report nor a temporary file

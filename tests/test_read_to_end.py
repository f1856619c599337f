"""Files are read to their end, as GNU wc reads them, whatever their size by fstat says.

procfs files say 0 and sysfs files 4096 whatever they hold; a pipe has no size. Both cores read
them to the end, count what wc counts, and warn "changed while being read" only for a file that
changed: its size or modification time moved while it was read. The oracle is the `wc`
installed here, run on the same files: /proc/version (fixed while the machine runs), the maps
of a stopped process (nothing changes them while it is stopped: it runs no code), a sysfs
file of the hardware, and a text file that a preloaded `read` grows while it is being read.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from conftest import REPO, reference_top, repo_env, run_process
from test_wc_format import WC_ENV, gnu_wc_problem
from wordcount.counting import core
from wordcount.model import CHANGED_WHILE_READ

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/version"), reason="no procfs here")

SYSFS_FILE = "/sys/devices/system/cpu/possible"  # "0-1\n", said to be 4096 bytes long
CORES = ["c", "python"]


def core_env(which: str) -> dict[str, str]:
    """The environment of a real process that counts with the compiled core or the pure one."""
    if which == "c" and core.loaded() is None:
        pytest.skip("the compiled core is not built")
    env = repo_env()
    env.pop("WORDCOUNT_PURE_PYTHON", None)
    return {**env, "WORDCOUNT_PURE_PYTHON": "1"} if which == "python" else env


@pytest.fixture(scope="module")
def stopped() -> Iterator[int]:
    """The pid of a Python process stopped once started: its /proc files stay as they are."""
    child = subprocess.Popen([sys.executable, "-c", "import sys, time; print('ready', flush=True); time.sleep(600)"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        os.kill(child.pid, signal.SIGSTOP)
        deadline = time.monotonic() + 30
        while pathlib.Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
            assert time.monotonic() < deadline, "the child did not stop"
            time.sleep(0.01)
        yield child.pid
    finally:
        child.kill()
        child.wait()


@pytest.fixture(scope="module")
def unsized(stopped: int) -> list[str]:
    """Files whose size by fstat is not what they hold, and whose bytes do not change: one read
    at once, one that takes several reads (over 4096 bytes), and a sysfs file when there is one."""
    maps = f"/proc/{stopped}/maps"
    assert os.stat(maps).st_size == 0 and len(pathlib.Path(maps).read_bytes()) > 3 * 4096
    return ["/proc/version", maps, *([SYSFS_FILE] if os.path.exists(SYSFS_FILE) else [])]


def gnu_counts(paths: list[str]) -> list[list[int]]:
    """`wc -lwmc` of the paths: each file's lines, words, chars and bytes, then the total's."""
    if gnu_wc_problem() is not None:
        pytest.skip(str(gnu_wc_problem()))
    printed = subprocess.run(["wc", "-lwmc", "--", *paths], capture_output=True, env=WC_ENV, check=True).stdout
    return [[int(number) for number in line.split()[:4]] for line in printed.decode().splitlines()]


def stable(paths: list[str]) -> dict[str, bytes]:
    """The files' bytes, read twice: the test is meaningless for a file that is not stable."""
    first = {path: pathlib.Path(path).read_bytes() for path in paths}
    assert first == {path: pathlib.Path(path).read_bytes() for path in paths}, "a file changed between reads"
    return first


@pytest.mark.parametrize("which", CORES)
@pytest.mark.parametrize("per_file", [True, False])
@pytest.mark.parametrize("top", ["10", "0"])
def test_unsized_files_count_as_wc_counts_them(unsized: list[str], which: str, per_file: bool, top: str) -> None:
    """Both cores, with and without per-file rows, with frequencies and without (`--top 0`): the
    counts are wc's, the top words those of the bytes read to the end, and nothing is said to
    have changed while it was read."""
    texts = stable(unsized)
    expected = gnu_counts(unsized)
    run = run_process(["--format", "json", "--top", top, *(["--per-file"] if per_file else []), *unsized],
                      env=core_env(which))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["warnings"] == [] and run.stderr == b""
    fields = ["lines", "words", "chars", "bytes"]
    assert [report["totals"][field] for field in fields] == expected[-1]
    if per_file:
        rows = {row["path"]: [row[field] for field in fields] for row in report["files"]}
        assert rows == dict(zip(unsized, expected))
    assert report["top"] == (reference_top([text.decode() for text in texts.values()], 10) if top == "10" else [])
    assert texts == stable(unsized)


@pytest.mark.parametrize("which", CORES)
def test_the_table_warns_of_nothing(which: str) -> None:
    """What the user ran: `wordcount /proc/version --per-file` prints wc's 1 16 125 (for this
    file), with no warning on stderr or in the table."""
    expected = gnu_counts(["/proc/version"])[0]
    run = run_process(["/proc/version", "--per-file"], env=core_env(which))
    assert run.returncode == 0 and run.stderr == b"", run.stderr
    row = run.stdout.decode().splitlines()[1].split()
    assert [int(number.replace(",", "")) for number in row[:4]] == expected and row[-1] == "/proc/version"
    assert "warning" not in run.stdout.decode()


@pytest.mark.parametrize("which", CORES)
@pytest.mark.parametrize("wc_format", [False, True])
def test_a_named_pipe_is_read_to_its_end(tmp_path: pathlib.Path, which: str, wc_format: bool) -> None:
    """A pipe whose writer pauses between lines gives less than asked before its end: it is read
    on until the writer closes it, in the table and as `--format wc` reads it."""
    fifo = tmp_path / "slow"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb", buffering=0) as pipe:
            for _ in range(3):
                pipe.write(b"hello world\n")
                time.sleep(0.3)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        run = run_process(["--top", "0", *(["--format", "wc"] if wc_format else ["--format", "json"]), str(fifo)],
                          env=core_env(which), timeout=60)
    finally:
        thread.join(timeout=60)
    assert run.returncode == 0, run.stderr
    if wc_format:
        assert run.stdout == f"      3       6      36 {fifo}\n".encode()  # wc's width for a pipe: 7
    else:
        assert json.loads(run.stdout)["totals"] == {"files": 1, "lines": 3, "words": 6, "chars": 36, "bytes": 36}


GROWING_READ = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* libc's read(), but the first read that gives bytes of the file named by $GROW_AFTER_READ
 * appends a line to it: the file changes while it is being read. */
ssize_t read(int fd, void *buf, size_t n)
{
    static ssize_t (*real)(int, void *, size_t);
    static int grown;
    if (!real) real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
    ssize_t got = real(fd, buf, n);
    const char *target = getenv("GROW_AFTER_READ");
    struct stat read_from, named;
    if (got > 0 && !grown && target && fstat(fd, &read_from) == 0 && stat(target, &named) == 0
        && read_from.st_dev == named.st_dev && read_from.st_ino == named.st_ino) {
        int out = open(target, O_WRONLY | O_APPEND);
        if (out >= 0) {
            grown = 1;
            if (write(out, "grown\n", 6) != 6) grown = 2;
            close(out);
        }
    }
    return got;
}
"""


@pytest.fixture(scope="module")
def growing_read(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A shared library to preload whose read() grows a file while it is read (GROWING_READ)."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None or not sys.platform.startswith("linux"):
        pytest.skip("no C compiler to build the preloaded read() with")
    folder = tmp_path_factory.mktemp("preload")
    (folder / "grow.c").write_text(GROWING_READ)
    built = subprocess.run([gcc, "-shared", "-fPIC", "-O1", "-o", str(folder / "grow.so"), str(folder / "grow.c"),
                            "-ldl"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return str(folder / "grow.so")


@pytest.mark.parametrize("which", CORES)
def test_only_a_file_that_really_changed_is_said_to_have(tmp_path: pathlib.Path, growing_read: str,
                                                         which: str) -> None:
    """A regular file that grows while it is read is still warned of, in both cores; beside it,
    in the same run, a steady file and /proc/version (size 0) are not."""
    growing, steady = tmp_path / "growing.txt", tmp_path / "steady.txt"
    growing.write_text("one two three\n")
    steady.write_text("four five\n")
    env = {**core_env(which), "LD_PRELOAD": growing_read, "GROW_AFTER_READ": str(growing)}
    run = run_process(["--format", "json", "--per-file", "-j", "1", str(growing), str(steady), "/proc/version"],
                      env=env)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert growing.read_text() == "one two three\ngrown\n"  # the preloaded read() did grow it
    assert report["warnings"] == [{"path": str(growing), "warning": CHANGED_WHILE_READ}]
    assert f"wordcount: {growing}: {CHANGED_WHILE_READ}".encode() in run.stderr
    rows = {row["path"]: row for row in report["files"]}
    assert rows[str(steady)]["words"] == 2 and rows["/proc/version"]["bytes"] == len(
        pathlib.Path("/proc/version").read_bytes())
    assert rows[str(growing)]["words"] in (3, 4)  # what was read: before the line was added, or with it

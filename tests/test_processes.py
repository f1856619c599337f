"""Real processes: Ctrl-C with workers running, the progress bar on a terminal."""

from __future__ import annotations

import fcntl
import os
import pathlib
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

from conftest import REPO, terminal_output


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_ctrl_c_exits_130_and_leaves_no_process(tmp_path: pathlib.Path) -> None:
    """SIGINT to the whole process group (as a terminal sends it) while workers are busy:
    exit 130 promptly, a one-line message, no traceback, and no process of the run left."""
    big = tmp_path / "big.txt"
    big.write_bytes(b"some words to count\n" * 200_000)  # enough work for a pool
    fifos = [tmp_path / "pipe1", tmp_path / "pipe2"]
    for fifo in fifos:
        os.mkfifo(fifo)  # named on the command line, so read: a worker blocks on it until killed
    process = subprocess.Popen(
        [sys.executable, "-m", "wordcount", str(big), *map(str, fifos), "-j", "2", "--progress", "none"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=REPO,
    )
    pgid = process.pid
    try:
        deadline = time.monotonic() + 30
        while len(children_of(process.pid)) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the pool never started"
            time.sleep(0.05)
        time.sleep(0.3)  # let the workers take their batches
        sent = time.monotonic()
        os.killpg(pgid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=10)
        elapsed = time.monotonic() - sent
    finally:
        if group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
    assert process.returncode == 130
    assert elapsed < 2.0
    assert stderr.decode().strip() == "wordcount: interrupted"
    assert stdout == b""
    time.sleep(0.2)
    assert not group_alive(pgid), "a process of the run is still alive"


def read_terminal(command: list[str], timeout: float = 120) -> tuple[int, str]:
    """Run `command` with stderr on a pseudo-terminal; return its exit code and what it drew."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # rows, columns
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=terminal, cwd=REPO)
    os.close(terminal)
    deadline = time.monotonic() + timeout
    try:
        chunks = list(terminal_output(controller, process, deadline))
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
    return code, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("files", [1, 2])
def test_bar_moves_while_large_files_are_read(tmp_path: pathlib.Path, files: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal (--progress auto), the bar's word and byte counts grow while files are still
    being read: in this process for one file, through the workers' shared counters for two.
    The pure core counts, so that reading lasts long enough to be watched (the compiled one
    reads the 160 MB in a fraction of a second)."""
    monkeypatch.setenv("WORDCOUNT_PURE_PYTHON", "1")
    line = b"alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n"
    repeats = 150 // files  # about 160 MB in all
    paths = [tmp_path / f"big-{index}.txt" for index in range(files)]
    for path in paths:
        with open(path, "wb") as handle:
            block = line * 16_000
            for _ in range(repeats):
                handle.write(block)
    total_words = 12 * 16_000 * repeats * files
    code, drawn = read_terminal([sys.executable, "-m", "wordcount", *map(str, paths), "-j", "2"])
    assert code == 0, drawn
    frames = [frame for frame in re.split(r"[\r\n]", drawn) if "counting" in frame]
    pattern = re.compile(r"0/%d files?, ([\d,]+) words" % files)  # no file finished yet
    partial = [int(m.group(1).replace(",", "")) for frame in frames if (m := pattern.search(frame))]
    partial = [count for count in partial if 0 < count < total_words]
    assert len(set(partial)) >= 2, frames  # at least two different values before any file is done
    assert partial == sorted(partial)
    assert any(re.search(r"\|\s*[\d.,]+ (B|KiB|MiB|GiB)/", frame) for frame in frames)  # bytes done shown too

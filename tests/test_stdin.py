"""Standard input without a path: read when it is a pipe, a file or a socket, as ripgrep decides;
the current folder is counted when it is a terminal, `/dev/null` or closed.

Real processes, each in a folder holding a file that must be counted only when standard input is
not; the oracle for what is read is GNU wc given the same standard input.
"""

from __future__ import annotations

import json
import os
import pathlib
import pty
import shutil
import socket
import subprocess
import sys
from typing import Any

import pytest

from conftest import invoke, repo_env

WC_ENV = {"LC_ALL": "C.UTF-8", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
TEXT = b"one two\nthree four five\n"
needs_wc = pytest.mark.skipif(shutil.which("wc") is None, reason="no wc on PATH")


@pytest.fixture
def folder(tmp_path: pathlib.Path) -> pathlib.Path:
    """A working folder with one file of its own: counted only when standard input is not."""
    (tmp_path / "here.txt").write_bytes(b"words of the folder itself\n")
    return tmp_path


def ours(folder: pathlib.Path, args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    """`python -m wordcount -q ARGS` with no path, run in `folder`."""
    return subprocess.run([sys.executable, "-m", "wordcount", "-q", *args], capture_output=True, cwd=folder,
                          env=repo_env(), timeout=60, **kwargs)


def gnu_wc(args: list[str], **kwargs: Any) -> bytes:
    return subprocess.run(["wc", *args], capture_output=True, env=WC_ENV, timeout=60, check=True, **kwargs).stdout


def counted_paths(done: subprocess.CompletedProcess[bytes]) -> list[str]:
    assert done.returncode == 0, done.stderr
    return [row["path"] for row in json.loads(done.stdout)["files"]]


@needs_wc
@pytest.mark.parametrize("columns", [[], ["-w"], ["-l", "-c"], ["-m"]])
def test_a_pipe_is_read_as_wc_reads_it(folder: pathlib.Path, columns: list[str]) -> None:
    """`printf … | wordcount --format wc` prints what `printf … | wc` prints: standard input's
    counts, unnamed (wc names it `-` only when `-` is given), not the folder's."""
    done = ours(folder, [*columns, "--format", "wc"], input=TEXT)
    assert done.returncode == 0, done.stderr
    assert done.stdout == gnu_wc(columns, input=TEXT)


@needs_wc
def test_a_redirected_file_is_read_as_wc_reads_it(folder: pathlib.Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`wordcount --format wc < FILE` is `wc < FILE`: sized as a regular file."""
    source = tmp_path_factory.mktemp("input") / "input.txt"
    source.write_bytes(TEXT * 50)
    with open(source, "rb") as stdin:
        done = ours(folder, ["--format", "wc"], stdin=stdin)
    with open(source, "rb") as stdin:
        assert done.stdout == gnu_wc([], stdin=stdin)


@needs_wc
def test_a_socket_is_read_as_wc_reads_it(folder: pathlib.Path) -> None:
    """A socket on standard input (a service manager's socket activation) is read, as ripgrep reads it."""
    outputs = []
    for command in ("ours", "wc"):
        reading, writing = socket.socketpair()
        with reading, writing:
            writing.sendall(TEXT)
            writing.shutdown(socket.SHUT_WR)
            if command == "ours":
                done = ours(folder, ["--format", "wc"], stdin=reading)
                assert done.returncode == 0, done.stderr
                outputs.append(done.stdout)
            else:
                outputs.append(gnu_wc([], stdin=reading))
    assert outputs[0] == outputs[1]


def test_dev_null_counts_the_current_folder(folder: pathlib.Path) -> None:
    """/dev/null is a device, not input (a cron job's or CI's standard input): the folder is counted."""
    done = ours(folder, ["--format", "json", "--per-file"], stdin=subprocess.DEVNULL)
    assert counted_paths(done) == ["./here.txt"]


def test_a_closed_standard_input_counts_the_current_folder(folder: pathlib.Path) -> None:
    """No standard input at all (`wordcount <&-`): the folder is counted."""
    done = ours(folder, ["--format", "json", "--per-file"], stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert counted_paths(done) == ["./here.txt"]


def test_a_terminal_counts_the_current_folder_without_waiting(folder: pathlib.Path) -> None:
    """Typed at a terminal, `wordcount` counts the folder and does not wait for input."""
    controller, terminal = pty.openpty()
    try:
        done = ours(folder, ["--format", "json", "--per-file"], stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)
    assert counted_paths(done) == ["./here.txt"]


def test_a_path_given_wins_over_a_pipe(folder: pathlib.Path) -> None:
    """With a path, standard input is not read, piped or not; `-` reads it beside paths."""
    assert counted_paths(ours(folder, ["--format", "json", "--per-file", "."], input=TEXT)) == ["./here.txt"]
    both = ours(folder, ["--format", "json", "--per-file", ".", "-"], input=TEXT)
    assert counted_paths(both) == ["-", "./here.txt"]


def test_in_process_runs_without_a_path_count_the_current_folder(folder: pathlib.Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A test runner's standard input (no descriptor) is no input: the folder is counted, as the
    suite's in-process runs without a path expect."""
    monkeypatch.chdir(folder)
    result = invoke("--format", "json", "--per-file", input="not read\n")
    assert [row["path"] for row in json.loads(result.stdout)["files"]] == ["./here.txt"]


def test_verbose_says_what_is_counted_without_a_path(folder: pathlib.Path) -> None:
    """--verbose says whether standard input or the folder was counted, for a CI job that wonders."""
    command = [sys.executable, "-m", "wordcount", "-v", "--top", "0"]
    piped = subprocess.run(command, input=TEXT, capture_output=True, cwd=folder, env=repo_env(), timeout=60)
    assert ("wordcount: no path given: counting standard input, which is not a terminal (give . to count this "
            "folder)") in piped.stderr.decode().splitlines()
    alone = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, cwd=folder, env=repo_env(),
                           timeout=60)
    assert "wordcount: no path given: counting this folder" in alone.stderr.decode().splitlines()

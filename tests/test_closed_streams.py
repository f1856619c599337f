"""Standard streams closed by the caller (`<&-`, `>&-`, `2>&-`) or that cannot be written
(`>/dev/full`): no traceback; a report that cannot be written is a usage error (exit 2, one
line), a stderr that cannot take anything changes neither the report nor the exit code, and a
closed stdin read as `-` is that input's error (wc: "Bad file descriptor").

Each test runs wordcount as a real process whose descriptors are closed before it starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence

import pytest

from conftest import SAMPLE, repo_env

CLOSED_STDOUT = "wordcount: cannot write the report: standard output is closed (write it to a file with -o FILE)\n"


def run_closed(args: Sequence[str], closed: Sequence[int], stdout: int | None = subprocess.PIPE,
               stderr: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    """`python -m wordcount ARGS` with the descriptors `closed` closed when it starts."""

    def close() -> None:
        for descriptor in closed:
            os.close(descriptor)

    return subprocess.run([sys.executable, "-m", "wordcount", *args], stdin=subprocess.DEVNULL, stdout=stdout,
                          stderr=stderr, preexec_fn=close, env=repo_env(), timeout=120)


def normal(*args: str) -> subprocess.CompletedProcess[bytes]:
    return run_closed(args, ())


@pytest.mark.parametrize("form", ["csv", "json", "jsonl", "table"])
def test_a_closed_stdout_is_a_usage_error_before_counting(form: str) -> None:
    result = run_closed([str(SAMPLE), "--format", form], closed=[1])
    assert (result.returncode, result.stderr.decode()) == (2, CLOSED_STDOUT)


def test_a_closed_stdout_does_not_matter_with_an_output_file(tmp_path: os.PathLike[str]) -> None:
    report = os.path.join(tmp_path, "report.json")
    result = run_closed([str(SAMPLE), "--format", "json", "-o", report], closed=[1])
    assert (result.returncode, result.stderr) == (0, b"")
    with open(report, "rb") as handle:
        assert handle.read() == normal(str(SAMPLE), "--format", "json").stdout


@pytest.mark.parametrize("progress", ["auto", "bar", "log", "none"])
def test_a_closed_stderr_changes_neither_the_report_nor_the_exit_code(tmp_path: os.PathLike[str],
                                                                     progress: str) -> None:
    """With something to say on stderr (an unreadable input, a skipped binary, progress): the
    report and the exit code (3) are those of a run whose stderr is open."""
    listed = os.path.join(tmp_path, "list")
    with open(listed, "w") as handle:
        handle.write(f"{SAMPLE / 'en' / 'quick-count.txt'}\n{SAMPLE / 'images' / 'pixel.bin'}\nmissing.txt\n")
    args = ["--files-from", listed, "--format", "json", "--progress", progress, "--log-interval", "0"]
    expected = normal(*args)
    assert expected.returncode == 3 and b"missing.txt" in expected.stderr
    result = run_closed(args, closed=[2], stderr=None)
    assert (result.returncode, result.stdout) == (3, expected.stdout)


def test_stderr_that_cannot_be_written_changes_nothing() -> None:
    """`2>/dev/full`: every write to stderr fails (No space left on device); the bar and the
    messages are dropped, the report and the exit code stay."""
    expected = normal(str(SAMPLE), "--format", "json").stdout
    with open("/dev/full", "wb") as full:
        for progress in ("bar", "log"):
            result = run_closed([str(SAMPLE), "--format", "json", "--progress", progress], (), stderr=full.fileno())
            assert (result.returncode, result.stdout) == (0, expected)
        bad = run_closed([str(SAMPLE), "--top", "x"], (), stderr=full.fileno())
        assert (bad.returncode, bad.stdout) == (2, b"")  # a usage error, though it cannot be said
        missing = run_closed([str(SAMPLE), "nope", "--format", "json"], (), stderr=full.fileno())
        assert missing.returncode == 3 and b'"nope"' in missing.stdout  # the missing path, in the report


@pytest.mark.parametrize("form", ["json", "jsonl"])
def test_stdout_that_cannot_be_written_is_a_usage_error(form: str) -> None:
    """`>/dev/full`: the report cannot be written: one line, exit 2, as for an -o file on a full disk."""
    with open("/dev/full", "wb") as full:
        result = run_closed([str(SAMPLE), "--format", form], (), stdout=full.fileno())
    assert result.returncode == 2
    assert result.stderr.decode() == "wordcount: cannot write the report to standard output: No space left on device\n"


def test_a_closed_stdin_read_as_dash_is_that_inputs_error() -> None:
    result = run_closed(["-", str(SAMPLE / "en"), "--format", "json"], closed=[0])
    assert result.returncode == 3
    report = json.loads(result.stdout)
    assert report["errors"] == [{"path": "-", "error": "Bad file descriptor"}]
    assert report["totals"]["files"] == 2  # the folder's files are counted
    assert result.stderr.decode() == "wordcount: -: Bad file descriptor\n"


@pytest.mark.parametrize("option", ["--files-from", "--files0-from"])
def test_a_closed_stdin_as_the_list_of_names_is_a_usage_error(option: str) -> None:
    result = run_closed([option, "-"], closed=[0])
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == f"wordcount: {option}: cannot open '-' for reading: Bad file descriptor\n"


def test_a_closed_stdin_is_not_read_when_not_asked_for() -> None:
    result = run_closed([str(SAMPLE), "--format", "json"], closed=[0])
    assert (result.returncode, result.stdout) == (0, normal(str(SAMPLE), "--format", "json").stdout)


def test_every_stream_closed_with_an_output_file_and_a_cache(tmp_path: os.PathLike[str]) -> None:
    report, cache = os.path.join(tmp_path, "report.json"), os.path.join(tmp_path, "cache")
    for _ in range(2):  # the second run takes every count from the cache
        result = run_closed([str(SAMPLE), "--format", "json", "-o", report, "--cache-dir", cache, "--progress", "bar"],
                            closed=[0, 1, 2], stdout=None, stderr=None)
        assert result.returncode == 0
        with open(report, "rb") as handle:
            assert handle.read() == normal(str(SAMPLE), "--format", "json").stdout


def test_closed_descriptors_are_kept_from_the_files_the_run_opens(tmp_path: os.PathLike[str]) -> None:
    """Given /dev/null (streams.reserve): the next file opened does not take descriptor 1 or 2,
    where whatever writes to "standard error" (a C library, a child process) would write into it."""
    opened = os.path.join(tmp_path, "opened")
    code = ("import os, sys; from wordcount import streams; streams.reserve(); "
            "descriptor = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT); os.write(2, b'to stderr'); "
            "os.write(descriptor, repr((descriptor, sys.stdin, sys.stdout, sys.stderr)).encode())")

    def close() -> None:
        for descriptor in (0, 1, 2):
            os.close(descriptor)

    subprocess.run([sys.executable, "-c", code, opened], preexec_fn=close, env=repo_env(), timeout=60, check=True)
    with open(opened) as handle:
        assert handle.read() == "(3, None, None, None)"

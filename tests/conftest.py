"""Shared helpers: running the CLI in-process and as a real process, and an independent count."""

from __future__ import annotations

import json
import os
import pathlib
import select
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from typer.testing import CliRunner

from wc_reference import WC_SPACES, reference_words  # noqa: F401  (tests import them from here)
from wordcount.cli.command import app

REPO = pathlib.Path(__file__).resolve().parent.parent
SAMPLE = REPO / "fixtures" / "sample"



def reference_counts(text: str) -> dict[str, int]:
    """Lines, words and characters of decoded text, computed independently of wordcount."""
    return {"lines": text.count("\n"), "words": len(reference_words(text)), "chars": len(text)}


def reference_top(texts: Sequence[str], n: int, fold: bool = False) -> list[dict[str, Any]]:
    """The n most frequent words over texts, ties broken by the word."""
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update(w.casefold() if fold else w for w in reference_words(text))
    ranked = sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))
    return [{"word": word, "count": count} for word, count in ranked[:n]]


def invoke(*args: str, input: bytes | str | None = None) -> Any:
    """Run wordcount in this process (Typer's CliRunner); returns the click Result."""
    runner = CliRunner()
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def invoke_json(*args: str) -> dict[str, Any]:
    """Run wordcount with --format json in-process and parse the report."""
    result = invoke("--format", "json", *args)
    assert result.exit_code in (0, 3), result.output
    return json.loads(result.stdout)


def repo_env() -> dict[str, str]:
    """The environment for a real process, with this checkout first on the import path.

    Without it, a test that runs in another folder would import whatever copy of wordcount is
    installed, not the code under test.
    """
    paths = [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def run_process(
    args: Sequence[str],
    *,
    unprivileged: bool = False,
    timeout: float = 120,
    **kwargs: Any,
) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m wordcount ARGS` (this checkout's) as a real process.

    With `unprivileged`, a root user gives up the capabilities that let it read any file, so
    that permission tests mean the same as for an ordinary user (CI runs as root).
    """
    command = [sys.executable, "-m", "wordcount", *args]
    if unprivileged and os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("running as root needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    kwargs.setdefault("env", repo_env())
    if "input" not in kwargs:  # without a path, a piped standard input would be counted instead of the folder
        kwargs.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(command, capture_output=True, timeout=timeout, **kwargs)


def busy_text(index: int) -> bytes:
    """File `index` of a corpus that keeps two workers busy for seconds: a few MB of lines
    whose counts are known exactly."""
    line = f"alpha beta w{index % 5} gamma{index} delta alpha\n".encode()
    return line * (60_000 + 4_000 * (index % 7))


def write_busy_corpus(root: pathlib.Path, files: int) -> pathlib.Path:
    """`files` files of `busy_text` in `root`, named f00.txt, f01.txt, …"""
    for index in range(files):
        (root / f"f{index:02d}.txt").write_bytes(busy_text(index))
    return root


@pytest.fixture(autouse=True)
def no_personal_git_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's own git config and global excludes file out of every test (in this
    process and in the processes it starts): git's global config is an empty file, and
    `$XDG_CONFIG_HOME/git/ignore`, the default global excludes file, lies in an empty folder."""
    home = tmp_path_factory.getbasetemp() / "git-home"
    home.mkdir(exist_ok=True)
    (home / "gitconfig").touch()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg"))


@pytest.fixture
def sample() -> pathlib.Path:
    return SAMPLE


def terminal_output(controller: int, process: subprocess.Popen[bytes], deadline: float, poll: float = 0.5
                    ) -> Iterator[bytes]:
    """What `process` writes to the pseudo-terminal whose controlling side is `controller`, chunk by
    chunk, until it closes its side, it exits, or `deadline` (a `time.monotonic()`) passes."""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], poll)
        if ready:
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO: the other side is closed
                return
            if not data:
                return
            yield data
        elif process.poll() is not None:
            return

"""The pre-commit hook (issue 6): `pre-commit try-repo` against this repository, on a sample
git repository, fails when a staged file breaks a rule and passes once it does not."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from conftest import REPO


def git(*args: str, cwd: pathlib.Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_pre_commit_hook_fails_then_passes(tmp_path: pathlib.Path) -> None:
    """The hook installs this package into pre-commit's own environment (from the registry),
    reads the sample repository's .wordcount.toml, fails (exit 1) on a staged file that is too
    long and has a forbidden word, shows why, and passes once the file is fixed."""
    sample = tmp_path / "sample"
    sample.mkdir()
    git("init", "-q", cwd=sample)
    # Scoped to Markdown: the config file is staged text too, and is audited like the rest.
    (sample / ".wordcount.toml").write_text('[[rules]]\nglob = "*.md"\nmax-words = 5\nforbid = ["TODO"]\n')
    (sample / "notes.md").write_text("one two three four five six TODO\n")
    (sample / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")  # not text: pre-commit never passes it
    git("add", ".", cwd=sample)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PYTHONPATH"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "wordcount", "--color", "never"]

    failing = subprocess.run(command, cwd=sample, env=env, capture_output=True, text=True, timeout=900)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "notes.md: max-words: 7 words, more than the 5 allowed" in failing.stdout
    assert "notes.md:1:29: forbid: a forbidden word: TODO" in failing.stdout
    assert "image.png" not in failing.stdout

    (sample / "notes.md").write_text("one two three\n")
    git("add", "notes.md", cwd=sample)
    passing = subprocess.run(command, cwd=sample, env=env, capture_output=True, text=True, timeout=900)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout

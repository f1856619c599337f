"""The suite runs with the compiled core when it is built; the counting tests run again here with
the pure-Python one (WORDCOUNT_PURE_PYTHON=1), so that both give what the tests say."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO
from wordcount.counting import core

COUNTING_TESTS = [
    "tests/test_count.py", "tests/test_words.py", "tests/test_encodings.py", "tests/test_split.py",
    "tests/test_merge.py", "tests/test_audit.py", "tests/test_failures.py", "tests/test_hostile.py",
    "tests/test_wc_format.py", "tests/test_end_to_end.py", "tests/test_core.py", "tests/test_compressed.py",
    "tests/test_not_utf8.py", "tests/test_declared.py",
]


@pytest.mark.skipif(core.CORE != "c", reason="the suite already runs with the pure-Python core")
def test_the_counting_tests_pass_with_the_pure_core() -> None:
    env = {**os.environ, "WORDCOUNT_PURE_PYTHON": "1"}
    check = subprocess.run([sys.executable, "-m", "wordcount", "--version"], env=env, cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert "pure-Python counting core" in check.stdout, check.stdout + check.stderr
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *COUNTING_TESTS],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=1500,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert " passed" in completed.stdout.splitlines()[-1]

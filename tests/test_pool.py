"""The local backend where multiprocessing cannot make a pool (no semaphores, no shared memory)."""

from __future__ import annotations

import multiprocessing
import pathlib
from typing import Any

import pytest

from conftest import invoke
from test_cli import make_tree
from wordcount import pool


@pytest.mark.parametrize("part", ["Pool", "Array"])
def test_no_pool_counts_serially_with_one_warning(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                                  part: str) -> None:
    """As flake8 does: a host without semaphores or shared memory counts in this process, with
    one warning on stderr, and prints the report -j 1 prints."""
    tree = make_tree(tmp_path / "tree")
    args = [str(tree), "--per-file", "--format", "json", "--progress", "none"]
    serial = invoke(*args, "-j", "1")

    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(multiprocessing.get_context(), part, refuse)
    started: list[str] = []
    real_serial = pool.run_serial

    def spy(*args: Any, **kwargs: Any) -> Any:
        started.append("serial")
        return real_serial(*args, **kwargs)

    monkeypatch.setattr(pool, "run_serial", spy)
    fallback = invoke(*args, "-j", "2")
    assert fallback.exit_code == serial.exit_code == 0
    assert fallback.stdout == serial.stdout
    assert started == ["serial"]
    warnings = [line for line in fallback.stderr.splitlines() if "cannot start worker processes" in line]
    assert warnings == ["wordcount: cannot start worker processes here ([Errno 38] Function not implemented); "
                        "counting in this process"]

"""Hostile input (issue 4): files that change or vanish while counted, strange names, a reader
that goes away, huge files without newlines. Never hang, never lose a count, say what happened."""

from __future__ import annotations

import csv
import io
import json
import os
import pathlib
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from conftest import REPO, invoke, invoke_json, repo_env
from wordcount import audit, pipeline
from wordcount.counting import freq, reader, whole_files
from wordcount.execute import planning
from wordcount.execute.local import pool
from wordcount.counting.spec import Job
from wordcount.walk.discover import WalkOptions, discover
from wordcount.model import CHANGED_WHILE_READ, Failed, FileEntry

NO_SUCH_FILE = "No such file or directory"

# --------------------------------------------------------------------------- files that change


def test_file_changed_while_counted_is_counted_as_read_with_a_warning(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files that grow right after being read: counted as read, exit 0, listed (sorted) in the
    JSON `warnings`, in the table and on stderr (not with -q); an unchanged run has no warnings."""
    texts = {"c.txt": "three words here\n", "a.txt": "one two\n", "b.txt": "steady file\n"}
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    assert invoke_json(str(tmp_path))["warnings"] == []

    real = reader._count_seekable

    def growing(stream: Any, path: str, *args: Any) -> Any:
        counted = real(stream, path, *args)
        if not path.endswith("b.txt"):
            with open(path, "a") as handle:
                handle.write("appended after the count\n")
        return counted

    monkeypatch.setattr(reader, "_count_seekable", growing)
    monkeypatch.setattr(whole_files, "count_small", lambda *args: None)  # the long way, which the spy watches
    monkeypatch.setattr(whole_files, "count_whole", lambda paths, *args: paths)
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    result = invoke(str(tmp_path), "--format", "json", "-j", "1")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["warnings"] == [
        {"path": str(tmp_path / "a.txt"), "warning": CHANGED_WHILE_READ},
        {"path": str(tmp_path / "c.txt"), "warning": CHANGED_WHILE_READ},
    ]
    assert report["totals"]["words"] == 7 and report["totals"]["bytes"] == sum(map(len, texts.values()))
    assert report["errors"] == []
    assert f"wordcount: {tmp_path / 'a.txt'}: {CHANGED_WHILE_READ}" in result.stderr

    for name, text in texts.items():
        (tmp_path / name).write_text(text)
    table = invoke(str(tmp_path), "-j", "1", "-q")
    assert table.exit_code == 0 and table.stderr == ""
    assert "2 counted with a warning:" in table.stdout
    assert f"  {tmp_path / 'c.txt'}: {CHANGED_WHILE_READ}" in table.stdout.splitlines()


# --------------------------------------------------------------------------- files that vanish


def write_tree(root: pathlib.Path, files: int, size: int) -> dict[str, bytes]:
    """`files` files of about `size` bytes each, with different words; their paths and contents."""
    root.mkdir()
    contents = {}
    for index in range(files):
        line = f"alpha beta w{index} gamma{index % 3}\n".encode()
        contents[str(root / f"f{index}.txt")] = line * (size // len(line))
    for path, data in contents.items():
        pathlib.Path(path).write_bytes(data)
    return contents


@pytest.mark.parametrize("jobs", [1, 2])
def test_file_deleted_between_walk_and_count(tmp_path: pathlib.Path, jobs: int) -> None:
    """A file gone by the time it is counted is a Failed entry naming it; every other file is
    counted exactly, in the serial path and in a pool (the tree is large enough for one)."""
    contents = write_tree(tmp_path / "tree", 6, 512 * 1024)
    entries = [item for item in discover([str(tmp_path / "tree")], WalkOptions()) if isinstance(item, FileEntry)]
    assert sum(entry.size for entry in entries) >= planning.SERIAL_BELOW
    victim = str(tmp_path / "tree" / "f2.txt")
    os.unlink(victim)
    results = list(pool.run(entries, Job(per_file=True), jobs))

    problems = [problem for result in results for problem in result.problems]
    assert problems == [Failed(victim, NO_SUCH_FILE)]
    kept = {path: data for path, data in contents.items() if path != victim}
    rows = sorted((row for result in results for row in result.files), key=lambda row: row.path)
    assert [(row.path, row.words, row.lines, row.bytes) for row in rows] == [
        (path, len(data.split()), data.count(b"\n"), len(data)) for path, data in sorted(kept.items())
    ]
    words: Counter[bytes] = Counter()
    for result in results:
        words.update(freq.as_dict(result.table))
    assert words == Counter(word for data in kept.values() for word in data.split())


def test_file_deleted_between_walk_and_count_is_reported(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the command line: exit 3, the file in `errors` and on stderr, the rest counted."""
    contents = write_tree(tmp_path / "tree", 3, 1024)
    victim = str(tmp_path / "tree" / "f1.txt")

    def walk_then_delete(paths: Sequence[str], options: WalkOptions) -> Iterator[Any]:
        found = list(discover(paths, options))
        os.unlink(victim)
        yield from found

    monkeypatch.setattr(pipeline, "discover", walk_then_delete)
    result = invoke(str(tmp_path / "tree"), "--format", "json", "-j", "1")
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert report["errors"] == [{"path": victim, "error": NO_SUCH_FILE}]
    kept = [data for path, data in contents.items() if path != victim]
    assert report["totals"]["files"] == 2
    assert report["totals"]["words"] == sum(len(data.split()) for data in kept)
    assert f"wordcount: {victim}: {NO_SUCH_FILE}" in result.stderr


# --------------------------------------------------------------------------- strange names


def test_names_that_are_not_utf8_are_reported_losslessly(tmp_path: pathlib.Path) -> None:
    """A name with a byte that is not UTF-8: JSON gives it back exactly (through os.fsencode);
    the table and CSV rows show it escaped, without a crash."""
    name = b"caf\xe9.txt"
    raw = os.path.join(os.fsencode(tmp_path), name)
    with open(raw, "wb") as handle:
        handle.write(b"un deux trois\n")
    (tmp_path / "plain.txt").write_text("four\n")

    report = invoke_json(str(tmp_path), "--per-file")
    paths = [os.fsencode(row["path"]) for row in report["files"]]
    assert sorted(paths) == sorted([raw, os.fsencode(tmp_path / "plain.txt")])
    assert report["totals"]["words"] == 4

    escaped = str(tmp_path / "caf") + "\\udce9.txt"
    table = invoke(str(tmp_path), "--per-file")
    assert table.exit_code == 0
    assert len([line for line in table.stdout.splitlines() if line.endswith(escaped)]) == 1
    result = invoke(str(tmp_path), "--per-file", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 3 and escaped in [row[0] for row in rows]


NAMES = ["new\nline.txt", "tab\there.txt", "comma,here.txt", "all, of\tthem\n.txt", "plain.txt"]


def test_names_with_newlines_tabs_and_commas_keep_rows_intact(tmp_path: pathlib.Path) -> None:
    """CSV reads back exactly one row per file with the exact path; the table keeps one line per
    file (control characters escaped); JSON keeps the exact name."""
    for index, name in enumerate(NAMES):
        (tmp_path / name).write_text("word " * (index + 1))
    expected = {str(tmp_path / name): index + 1 for index, name in enumerate(NAMES)}

    result = invoke(str(tmp_path), "--per-file", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 1 + len(NAMES)
    assert {row[0]: int(row[2]) for row in rows[1:]} == expected

    table = invoke(str(tmp_path), "--per-file").stdout.splitlines()
    body = table[1 : table.index(next(line for line in table if "total (" in line))]
    assert len(body) == len(NAMES)
    for name in NAMES:
        shown = str(tmp_path / name).replace("\n", "\\n").replace("\t", "\\t")
        assert sum(line.endswith(shown) for line in body) == 1, shown

    report = invoke_json(str(tmp_path), "--per-file")
    assert {row["path"]: row["words"] for row in report["files"]} == expected


# --------------------------------------------------------------------------- a reader that goes away


@pytest.mark.parametrize("reader", ["head", "gone"])
def test_stdout_closed_early_is_not_an_error(tmp_path: pathlib.Path, reader: str) -> None:
    """`wordcount --per-file TREE | head -1` with a report much larger than the pipe holds, and a
    pipe whose reader is gone before anything is written: exit 0 with nothing on stderr (no
    traceback), head gets the first line, nothing hangs."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for index in range(4000):
        (tree / f"a-file-with-a-rather-long-name-{index:05d}.txt").write_text("a few words\n")
    command = [sys.executable, "-m", "wordcount", "--per-file", str(tree)]
    producer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=repo_env())
    head = None
    if reader == "head":
        head = subprocess.Popen(["head", "-1"], stdin=producer.stdout, stdout=subprocess.PIPE)
    producer.stdout.close()  # type: ignore[union-attr]  # once head exits (if any), the pipe is broken
    try:
        first, _ = head.communicate(timeout=60) if head else (None, None)
        _, stderr = producer.communicate(timeout=60)
    finally:
        for process in (producer, head):
            if process is not None and process.poll() is None:
                process.kill()
    if head:
        assert first.split() == [b"lines", b"words", b"chars", b"bytes", b"confidence", b"encoding", b"path"]
    assert stderr == b""
    assert producer.returncode == 0


# --------------------------------------------------------------------------- huge files

MEASURE = textwrap.dedent(
    """
    import json, resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], capture_output=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, of the largest descendant
    json.dump({"code": done.returncode, "stdout": done.stdout.decode(), "stderr": done.stderr.decode(),
               "peak": peak * 1024}, sys.stdout)
    """
)
MEMORY_LIMIT = 256 * 1024 * 1024


def measured(args: Sequence[str], timeout: float = 300, code: int = 0) -> tuple[dict[str, Any], int]:
    """Run `python -m wordcount -q --format json ARGS` under a wrapper; its report and the
    peak resident memory of its largest process (the wrapper's own children only)."""
    wrapper = [sys.executable, "-c", MEASURE, sys.executable, "-m", "wordcount", "-q", "--format", "json", *args]
    completed = subprocess.run(wrapper, capture_output=True, timeout=timeout, env=repo_env(), cwd=REPO)
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout)
    assert outcome["code"] == code and outcome["stderr"] == "", outcome
    return json.loads(outcome["stdout"]), outcome["peak"]


CHUNK = b"word " * ((1 << 20) // 5)  # just under 1 MiB, no newline anywhere
GIGABYTE_CHUNKS = 1024


@pytest.fixture(scope="module")
def gigabyte(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pathlib.Path]:
    """A 1 GB file of b"word " without a single newline, removed after the module's tests."""
    path = tmp_path_factory.mktemp("huge") / "one-line.txt"
    with open(path, "wb") as handle:
        for _ in range(GIGABYTE_CHUNKS):
            handle.write(CHUNK)
    yield path
    path.unlink()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_gigabyte_without_newline_is_counted_in_bounded_memory(gigabyte: pathlib.Path, jobs: str) -> None:
    """1 GB on a single line: counted exactly (0 lines), with every process under 256 MB."""
    report, peak = measured(["-j", jobs, "--top", "10", str(gigabyte)])
    words = GIGABYTE_CHUNKS * (len(CHUNK) // 5)
    assert report["totals"] == {"files": 1, "lines": 0, "words": words, "chars": len(CHUNK) * GIGABYTE_CHUNKS,
                                "bytes": len(CHUNK) * GIGABYTE_CHUNKS}
    assert report["top"] == [{"word": "word", "count": words}]
    assert peak < MEMORY_LIMIT, f"peak memory {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_one_giant_token_is_one_word_in_bounded_memory(tmp_path: pathlib.Path, jobs: str) -> None:
    """64 MB without any whitespace: one word, left out of the top words, memory bounded."""
    path = tmp_path / "token.txt"
    with open(path, "wb") as handle:
        for _ in range(64):
            handle.write(b"x" * (1 << 20))
    try:
        report, peak = measured(["-j", jobs, "--top", "10", str(path)])
    finally:
        path.unlink()
    assert report["totals"] == {"files": 1, "lines": 0, "words": 1, "chars": 64 << 20, "bytes": 64 << 20}
    assert report["top"] == []
    assert peak < MEMORY_LIMIT, f"peak memory {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_searching_a_giant_line_stays_in_bounded_memory(tmp_path: pathlib.Path, jobs: str) -> None:
    """64 MB on one line searched for a pattern that matches all of it and a word that is in
    it now and then: memory stays bounded, the long match is reported in bounded parts and
    the words at their exact columns."""
    path = tmp_path / "line.txt"
    block = b"x" * ((1 << 20) - 6) + b" TODO "
    with open(path, "wb") as handle:
        for _ in range(64):
            handle.write(block)
    try:
        report, peak = measured(["-j", jobs, "--forbid", "re:x+", "--forbid", "TODO", str(path)], code=1)
    finally:
        path.unlink()
    found = report["violations"]
    todo = [v for v in found if v["match"] == "TODO"]
    assert [(v["line"], v["column"]) for v in todo] == [(1, n * len(block) + len(block) - 4) for n in range(64)]
    runs = [v for v in found if v["rule"] == "forbid" and v["match"] != "TODO"]
    assert len(runs) >= 64 and all(0 < len(v["match"]) <= audit.MAX_MATCH_CHARS for v in runs)
    assert peak < MEMORY_LIMIT, f"peak memory {peak / 2**20:.0f} MiB"

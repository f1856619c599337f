"""Breakdowns (`--by ext|dir|dir:N`): each group's totals are the sums of its files' rows, in every
format, sorted by words (ties by name), the same with any number of jobs or from the cache."""

from __future__ import annotations

import csv
import io
import json
import os
import pathlib
from collections import defaultdict

import pytest

from conftest import invoke, invoke_json

SAMPLE = pathlib.Path(__file__).parent.parent / "fixtures" / "sample"
COUNTS = ("files", "lines", "words", "chars", "bytes")


def reference(rows: list[dict[str, object]], name_of) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """Groups summed up here from the per-file rows, the most words first, ties by name."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in rows:
        group = sums[name_of(str(row["path"]))]
        group["files"] += 1
        for key in COUNTS[1:]:
            group[key] += int(row[key])  # type: ignore[call-overload]
    return [{"group": name, **sums[name]} for name in sorted(sums, key=lambda name: (-sums[name]["words"], name))]


def by_folder(root: pathlib.Path, depth: int):  # type: ignore[no-untyped-def]
    def name_of(path: str) -> str:
        parts = pathlib.Path(path).relative_to(root).parts[:-1]
        return str(root.joinpath(*parts[:depth]))
    return name_of


@pytest.mark.parametrize(("by", "name_of"), [
    ("ext", lambda path: os.path.splitext(os.path.basename(path))[1] or "(none)"),
    ("dir", by_folder(SAMPLE, 1)),
    ("dir:2", by_folder(SAMPLE, 2)),
    ("dir:9", by_folder(SAMPLE, 9)),
])
def test_groups_are_the_sums_of_the_rows(by: str, name_of) -> None:  # type: ignore[no-untyped-def]
    rows = invoke_json("--per-file", "--hidden", str(SAMPLE))["files"]
    report = invoke_json("--by", by, "--hidden", str(SAMPLE))
    assert report["by"] == by
    assert report["groups"] == reference(rows, name_of)
    assert len(report["groups"]) > 2
    assert "files" not in report  # the rows were kept to be grouped, not shown


def test_the_table_and_csv_show_the_groups() -> None:
    groups = invoke_json("--by", "ext", str(SAMPLE))["groups"]
    table = invoke("--by", "ext", "--top", "0", str(SAMPLE)).stdout.splitlines()
    start = table.index("files  lines  words  chars  bytes  by extension")
    shown = [line.split() for line in table[start + 1 : start + 1 + len(groups)]]
    assert shown == [[f"{g[key]:,}" for key in COUNTS] + [g["group"]] for g in groups]
    rows = list(csv.reader(io.StringIO(invoke("--by", "dir", "--format", "csv", "-w", str(SAMPLE)).stdout)))
    assert rows[0] == ["group", "files", "words"]
    dirs = invoke_json("--by", "dir", str(SAMPLE))["groups"]
    assert rows[1:] == [[g["group"], str(g["files"]), str(g["words"])] for g in dirs]
    summary = json.loads(invoke("--by", "dir", "--format", "jsonl", str(SAMPLE)).stdout.splitlines()[-1])
    assert summary["groups"] == dirs


def test_a_file_named_is_in_its_own_folder_and_ties_go_by_name(tmp_path: pathlib.Path) -> None:
    for name in ("b/x.txt", "a/y.txt", "top.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("same two\n")
    report = invoke_json("--by", "dir", str(tmp_path), str(tmp_path / "top.txt"))
    assert [group["group"] for group in report["groups"]] == [str(tmp_path), str(tmp_path / "a"), str(tmp_path / "b")]
    named = invoke_json("--by", "dir", str(tmp_path / "top.txt"))
    assert [group["group"] for group in named["groups"]] == [str(tmp_path)]


def test_groups_do_not_depend_on_jobs_or_the_cache(tmp_path: pathlib.Path) -> None:
    args = ["--by", "dir:2", "--format", "json", "--per-file", "--sort", "words", "-L", str(SAMPLE)]
    reports = {invoke("-j", jobs, *args).stdout for jobs in ("1", "2")}
    reports |= {invoke("-j", "2", "--cache-dir", str(tmp_path), *args).stdout for _ in range(2)}
    assert len(reports) == 1


def test_a_file_counted_as_its_text_is_grouped_by_its_texts_extension(tmp_path: pathlib.Path) -> None:
    """With -z a compressed file is counted as its text: `notes.txt.gz` joins the `.txt` group
    (the extension inside the compression suffix), `log.xz` has none, and a text file named
    `x.gz` (not compressed: read as it is) stays `.gz`."""
    import gzip
    import lzma

    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"one two three\n"))
    (tmp_path / "plain.txt").write_text("four five\n")
    (tmp_path / "log.xz").write_bytes(lzma.compress(b"six\n"))
    (tmp_path / "x.gz").write_text("not compressed at all\n")
    rows = invoke_json("--per-file", "-z", str(tmp_path))["files"]

    def inner(path: str) -> str:
        name = pathlib.PurePath(path).name
        if name in ("notes.txt.gz", "log.xz"):  # compressed: the name of their text
            name = name.rsplit(".", 1)[0]
        return pathlib.PurePath(name).suffix or "(none)"

    groups = invoke_json("--by", "ext", "-z", str(tmp_path))["groups"]
    assert [{key: value for key, value in group.items() if key != "stored"} for group in groups] == reference(rows, inner)
    assert [(group["group"], group["files"]) for group in groups] == [(".txt", 2), (".gz", 1), ("(none)", 1)]

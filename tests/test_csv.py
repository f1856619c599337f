"""The shapes of `--format csv`: one table for every combination of --by, --per-file, --total and
--top, each checked against the JSON report of the same run (docs/reports.md, "CSV")."""

from __future__ import annotations

import csv
import io
import pathlib

import pytest

from conftest import REPO, invoke, invoke_json

SAMPLE = REPO / "fixtures" / "sample"
COUNTS = ["lines", "words", "chars", "bytes"]
ASKED = {"words": [], "no words": ["--top", "0"], "per-file": ["--per-file"], "by": ["--by", "ext"],
         "per-file and by": ["--per-file", "--by", "ext"]}
# For each --total, the table each of ASKED gets; "+ total": it ends in a total row.
SHAPES = {
    "auto": {"words": "words", "no words": "totals", "per-file": "files", "by": "groups", "per-file and by": "groups"},
    "always": {"words": "totals", "no words": "totals", "per-file": "files + total", "by": "groups + total",
               "per-file and by": "groups + total"},
    "only": {"words": "totals", "no words": "totals", "per-file": "totals", "by": "groups + total",
             "per-file and by": "groups + total"},
    "never": {"words": "words", "no words": "words", "per-file": "files", "by": "groups", "per-file and by": "groups"},
}


def cells(record: dict[str, object], keys: list[str]) -> list[str]:
    return ["" if record.get(key) is None else str(record[key]) for key in keys]


def expected_table(shape: str, report: dict[str, object]) -> list[list[str]]:
    """What the CSV holds in `shape`, made from a JSON report with every part (`--total always
    --per-file --by ext`)."""
    totals: dict[str, object] = report["totals"]  # type: ignore[assignment]
    table, _, total = shape.partition(" + ")
    if table == "words":
        return [["word", "count"], *([row["word"], str(row["count"])] for row in report["top"])]  # type: ignore[attr-defined]
    if table == "totals":
        return [list(totals), cells(totals, list(totals))]
    if table == "groups":
        header = ["group", "files", *COUNTS]
        rows = [cells(group, header) for group in report["groups"]]  # type: ignore[attr-defined]
        return [header, *rows, *([["", *cells(totals, header[1:])]] if total else [])]
    header = ["path", *COUNTS, "encoding", "replaced", "confidence"]
    rows = [cells({**row, "replaced": row.get("replaced", 0), "confidence": f"{row['confidence']:.2f}"}, header)
            for row in report["files"]]  # type: ignore[attr-defined]
    return [header, *rows, *([["", *cells(totals, COUNTS), "", "", ""]] if total else [])]


@pytest.fixture(scope="module")
def reports() -> dict[str, dict[str, object]]:
    """The sample's JSON report with every part, with its top words and without."""
    whole = ["--total", "always", "--per-file", "--by", "ext", str(SAMPLE)]
    return {"words": invoke_json(*whole, "--top", "3"), "no words": invoke_json(*whole, "--top", "0")}


@pytest.mark.parametrize("asked", list(ASKED))
@pytest.mark.parametrize("total", list(SHAPES))
def test_every_combination_gives_one_documented_table(reports: dict[str, dict[str, object]], total: str,
                                                      asked: str) -> None:
    """--total only gives the totals (`files,lines,…`, one row), always adds a total row to the
    files or groups and gives the totals instead of the top words, which have no total row;
    --top 0 gives the totals unless --total never."""
    result = invoke(str(SAMPLE), "--format", "csv", "--total", total, "--top", "3", *ASKED[asked])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    report = reports["no words" if asked == "no words" else "words"]
    assert rows == expected_table(SHAPES[total][asked], report)
    assert len({len(row) for row in rows}) == 1  # one rectangle: a reader gets one table


def test_the_totals_follow_the_columns_the_word_mode_and_z(tmp_path: pathlib.Path) -> None:
    """The totals table has JSON's `totals` keys: the count columns asked for, `cjk_chars` with
    --word-mode cjk, `stored` with -z; and -z adds `stored` to the groups and their total too."""
    (tmp_path / "a.txt").write_text("中文 words here\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("more\n", encoding="utf-8")
    for args in (["-l", "-w"], ["--word-mode", "cjk"], ["-z", "-c"]):
        rows = list(csv.reader(io.StringIO(invoke(str(tmp_path), "--format", "csv", "--total", "only", *args).stdout)))
        totals = invoke_json(str(tmp_path), *args)["totals"]
        assert rows == [list(totals), [str(value) for value in totals.values()]]
    rows = list(csv.reader(io.StringIO(invoke(str(tmp_path), "--format", "csv", "--by", "ext", "--total", "always",
                                              "-z", "-w").stdout)))
    report = invoke_json(str(tmp_path), "--by", "ext", "-z", "-w")
    assert rows == [["group", "files", "words", "stored"],
                    *([g["group"], str(g["files"]), str(g["words"]), str(g["stored"])] for g in report["groups"]),
                    ["", "2", str(report["totals"]["words"]), str(report["totals"]["stored"])]]

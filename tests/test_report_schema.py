"""The JSON report against its published schema (docs/report.schema.json), checked by the
jsonschema library: every option that shapes the report, and the jsonl summary record."""

from __future__ import annotations

import bz2
import gzip
import json
import os
import pathlib
from typing import Any

import jsonschema
import pytest

from conftest import invoke

ROOT = pathlib.Path(__file__).parent.parent
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text(encoding="utf-8"))
SAMPLE = ROOT / "fixtures" / "sample"


def validate(document: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator.validate(document)


def test_the_schema_is_a_valid_schema_and_the_docs_point_at_it() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert "report.schema.json" in (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The sample, with compressed files (one truncated), an unreadable entry, a Markdown page and a
    file in a legacy encoding detected with little confidence."""
    root = tmp_path_factory.mktemp("schema")
    os.system(f"cp -r {SAMPLE} {root / 'sample'}")
    (root / "a.txt.gz").write_bytes(gzip.compress(b"compressed TODO words\n" * 20))
    (root / "cut.txt.bz2").write_bytes(bz2.compress(b"more words\n" * 200)[:-20])
    (root / "page.md").write_text("# Title\n\nTODO prose `code`\n")
    (root / "old.txt").write_bytes("naïve café déjà vu".encode("cp1252"))
    (root / "dangling").symlink_to(root / "nowhere")
    return root


OPTIONS = [
    [],
    ["--per-file"],
    ["--per-file", "-l", "-L"],
    ["--per-file", "-z", "--by", "ext"],
    ["--by", "dir:2", "-w", "-m", "--total", "never"],
    ["--per-file", "--total", "only", "--word-mode", "cjk"],
    ["--per-file", "--markup", "auto", "--forbid", "TODO", "--max-words", "3", "--max-total-words", "5",
     "--fail-on", "binary", "--no-bom", "--require-encoding", "utf-8"],
    ["--top", "0", "--hidden", "--no-ignore", "--follow-links"],
]


@pytest.mark.parametrize("args", OPTIONS, ids=lambda args: " ".join(args) or "default")
def test_every_report_shape_validates(tree: pathlib.Path, args: list[str]) -> None:
    result = invoke("--format", "json", "-q", *args, str(tree))
    assert result.exit_code in (0, 1, 3), result.output
    validate(json.loads(result.stdout))
    summary = invoke("--format", "jsonl", "-q", *args, str(tree)).stdout.splitlines()[-1]
    validate(json.loads(summary))


def test_the_schema_refuses_what_the_report_never_holds(tree: pathlib.Path) -> None:
    """The check is real: an unknown key, a negative count or a missing list is refused."""
    report = json.loads(invoke("--format", "json", "-q", "--per-file", str(tree)).stdout)
    for broken in ({**report, "extra": 1}, {**report, "totals": {**report["totals"], "words": -1}},
                   {key: value for key, value in report.items() if key != "errors"},
                   {**report, "files": [{**report["files"][0], "colour": "red"}]}):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)


def test_the_config_used_is_named_and_validates(tree: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """`config` is the config file that applied (a string) or null; nothing else validates."""
    settings = tmp_path / "strict.toml"
    settings.write_text("top = 2\n")
    report = json.loads(invoke("--format", "json", "-q", "--config", str(settings), str(tree)).stdout)
    assert report["config"] == str(settings)
    validate(report)
    assert json.loads(invoke("--format", "json", "-q", str(tree)).stdout)["config"] is None
    for broken in ({**report, "config": 3}, {key: value for key, value in report.items() if key != "config"}):
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)

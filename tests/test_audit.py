"""Audit rules (issue 6): per-file and total word limits, forbidden words, encodings, BOMs,
--fail-on, the violations in the report, and the exit code."""

from __future__ import annotations

import codecs
import json
import pathlib
from typing import Any

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import invoke, invoke_json, run_process
from wordcount import audit
from wordcount.counting import reader
from wordcount.execute import planning
from wordcount.execute.local import pool
from wordcount.audit import Searcher, compile_forbidden
from wordcount.counting.reader import count_file
from wordcount.counting.spec import Counting
from wordcount.progress import NoProgress
from wordcount.model import FileCounts


def violations(*args: str) -> list[dict[str, Any]]:
    """The violations of an in-process JSON run, which must exit 1 when there are any."""
    result = invoke("--format", "json", "-q", *args)
    report = json.loads(result.stdout)
    assert result.exit_code == (1 if report["violations"] else 0), result.output
    return report["violations"]


def write(folder: pathlib.Path, name: str, data: str | bytes) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


# --------------------------------------------------------------------------- word limits


def test_word_limits_per_file_and_in_total(tmp_path: pathlib.Path) -> None:
    """--max-words / --min-words judge each file (a file at the limit passes); --max-total-words
    judges the sum. Each failure names the rule, the file and the numbers."""
    short = write(tmp_path, "short.txt", "one two\n")
    write(tmp_path, "exact.txt", "one two three\n")  # at both limits: passes
    long = write(tmp_path, "long.txt", "one two three four five\n")
    assert violations(str(tmp_path), "--max-words", "3", "--min-words", "3") == [
        {"rule": "max-words", "path": long, "line": None, "column": None,
         "message": "5 words, more than the 3 allowed"},
        {"rule": "min-words", "path": short, "line": None, "column": None,
         "message": "2 words, fewer than the 3 required"},
    ]
    assert violations(str(tmp_path), "--max-words", "5", "--min-words", "2", "--max-total-words", "10") == []
    assert violations(str(tmp_path), "--max-total-words", "9") == [
        {"rule": "max-total-words", "path": None, "line": None, "column": None,
         "message": "10 words in all, more than the 9 allowed"},
    ]


def test_word_limits_follow_the_word_mode(tmp_path: pathlib.Path) -> None:
    """The limits count words as --words counts them: 中文字符 is one word as wc counts, four in cjk."""
    write(tmp_path, "zh.txt", "中文字符\n")
    assert violations(str(tmp_path), "--max-words", "1") == []
    assert [v["rule"] for v in violations(str(tmp_path), "--max-words", "1", "--word-mode", "cjk")] == ["max-words"]


# --------------------------------------------------------------------------- forbidden words


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("TODO", "TODO: fix (TODO) TODO.", ["TODO", "TODO", "TODO"]),
        ("TODO", "TODOS MYTODO TODO_X X_TODO todo 2TODO", []),
        ("e-mail", "send e-mail, e-mails, re-e-mail", ["e-mail", "e-mail"]),  # a hyphen is no word character
        ("C++", "C++ and C++11 and ObjC++", ["C++", "C++"]),  # only the ends that are word characters need a boundary
        ("naïve", "naïve naïveté", ["naïve"]),
        ("中文", "中文 中文字符 说中文", ["中文"]),  # a run of Han characters is one run of letters
        ("re:FIX(ME)?", "FIX FIXME PREFIX", ["FIX", "FIXME", "FIX"]),
        ("re:^#", "# heading\ntext # not at the start\n#", ["#", "#"]),
        ("re:\\d{3}$", "call 555\n1234 x\nend 42", ["555"]),
        ("re:a.b", "a\nb axb", ["axb"]),  # `.` does not match a newline
    ],
)
def test_what_a_forbidden_pattern_matches(tmp_path: pathlib.Path, pattern: str, text: str, found: list[str]) -> None:
    """A plain pattern matches as a whole word; `re:` is a regular expression, line by line anchors."""
    write(tmp_path, "t.txt", text)
    assert [v["match"] for v in violations(str(tmp_path), "--forbid", pattern)] == found


def test_forbid_ignore_case_folds_fully(tmp_path: pathlib.Path) -> None:
    """--forbid-ignore-case matches any case, with full Unicode case folding (ß = SS)."""
    write(tmp_path, "t.txt", "Todo TODO todo STRASSE\n")
    assert violations(str(tmp_path), "--forbid", "todo") == [
        {"rule": "forbid", "path": str(tmp_path / "t.txt"), "line": 1, "column": 11,
         "message": "a forbidden word: todo", "match": "todo"},
    ]
    found = violations(str(tmp_path), "--forbid", "todo", "--forbid", "straße", "--forbid-ignore-case")
    assert [(v["column"], v["match"]) for v in found] == [(1, "Todo"), (6, "TODO"), (11, "todo"), (16, "STRASSE")]


def test_forbidden_positions_are_lines_and_characters(tmp_path: pathlib.Path) -> None:
    """Line and column are 1-based; the column counts characters (not bytes), after any BOM;
    CRLF endings and tabs are one character each."""
    path = write(tmp_path, "t.txt", codecs.BOM_UTF8 + "中文 TODO\r\n\tcafé TODO\nTODO".encode())
    found = violations(path, "--forbid", "TODO")
    assert [(v["line"], v["column"]) for v in found] == [(1, 4), (2, 7), (3, 1)]
    assert {v["message"] for v in found} == {"a forbidden word: TODO"}
    regex_found = violations(path, "--forbid", "re:caf.")
    assert regex_found[0]["message"] == "the forbidden pattern caf.: café"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "gb18030"])
@pytest.mark.parametrize("shift", [-3, -2, -1, 0])
def test_a_match_across_the_block_boundary_is_found(tmp_path: pathlib.Path, encoding: str, shift: int) -> None:
    """A forbidden word that straddles the 1 MiB boundary between two reads is found once, at
    its true line and column, in UTF-8 (the fast path) and in transcoded encodings."""
    head = "中文 words\n" * 100 + "x"
    unit = len("x".encode(encoding)) if encoding != "utf-16" else 2
    # Enough padding that "FIXME" begins `shift` characters before the end of the first block.
    skip = 2 if encoding == "utf-16" else 0
    padding = (reader.BLOCK_BYTES - skip - len(head.encode(encoding if encoding != "utf-16" else "utf-16-le"))) // unit
    text = head + "y" * (padding + shift) + " FIXME tail\n"
    data = text.encode(encoding)  # Python's utf-16 writes a BOM
    path = write(tmp_path, "big.txt", data)
    found = violations(path, "--forbid", "FIXME", "--forbid", "re:FIXME tail")
    start = text.index("FIXME")
    expected_column = start - text.rfind("\n", 0, start)
    assert [(v["line"], v["column"], v["match"]) for v in found] == [
        (101, expected_column, "FIXME"), (101, expected_column, "FIXME tail"),
    ]


ALPHABET = list("ab TODO\r\n中é_")
PATTERNS = ["TODO", "re:a{1,3}b", "re:^ab", "re:b$", "中", "re:(?<=\\n)a", "re:\\bba", "é"]


def reference_hits(text: str, pattern: str) -> list[tuple[int, int, str]]:
    """Every match of `pattern` in the whole text at once, with its line and column."""
    found = []
    for match in compile_forbidden(pattern, False).finditer(text):
        if match.start() == match.end():
            continue
        start = match.start()
        found.append((text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start), match.group()))
    return found


@given(
    parts=st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=12),
    pattern=st.sampled_from(PATTERNS),
)
@settings(max_examples=400, deadline=None)
def test_searching_in_pieces_finds_what_searching_the_whole_finds(parts: list[str], pattern: str) -> None:
    """However the text arrives, in pieces of any size, the searcher (kept small here: matches
    of up to 8 characters, 4 of context) finds exactly what one search of the whole text finds."""
    searcher = Searcher("f", ((pattern, compile_forbidden(pattern, False)),), max_match=8, context=4)
    for index, part in enumerate(parts):
        searcher.feed(part, last=index == len(parts) - 1)
    if not parts:
        searcher.feed("", last=True)
    found = [(v.line, v.column, v.match) for v in searcher.violations()]
    assert found == reference_hits("".join(parts), pattern)
    assert len(searcher.buffer) == 0


@given(text=st.text(alphabet=ALPHABET, max_size=300), block=st.integers(4, 40),
       encoding=st.sampled_from(["utf-8", "utf-16", "gb18030", "utf-8-sig"]))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_files_read_in_small_blocks_are_searched_exactly(
    tmp_path: pathlib.Path, text: str, block: int, encoding: str
) -> None:
    """Read through `count` in blocks of a few bytes, in several encodings, a file gives the
    matches and positions of a search of its whole text."""
    path = tmp_path / "t.txt"
    path.write_bytes(text.encode(encoding))
    patterns = tuple((pattern, compile_forbidden(pattern, False)) for pattern in PATTERNS)
    original = reader.BLOCK_BYTES
    reader.BLOCK_BYTES = block
    try:
        # GB18030 is named: detection cannot tell from a few bytes, and is not what is tested here.
        forced = "gb18030" if encoding == "gb18030" else None
        options = Counting(frequencies=False, encoding=forced)
        counted = count_file(str(path), options, None, NoProgress(), patterns)
    finally:
        reader.BLOCK_BYTES = original
    assert isinstance(counted, FileCounts)
    found = sorted((v.line, v.column, v.match, v.message) for v in counted.hits)
    expected = sorted(
        (line, column, match, f"{audit.describe(pattern)}: {match}")
        for pattern in PATTERNS
        for line, column, match in reference_hits(text, pattern)
    )
    assert found == expected


def test_matches_beyond_the_limit_are_counted_not_listed(tmp_path: pathlib.Path) -> None:
    """A file with more matches than MAX_HITS_PER_FILE lists that many and says how many more."""
    path = write(tmp_path, "t.txt", "TODO\n" * (audit.MAX_HITS_PER_FILE + 5))
    found = violations(path, "--forbid", "TODO")
    assert len(found) == audit.MAX_HITS_PER_FILE + 1
    assert found[0] == {"rule": "forbid", "path": path, "line": None, "column": None,
                        "message": "5 more matches of a forbidden word not listed"}
    assert found[-1]["line"] == audit.MAX_HITS_PER_FILE


def test_a_long_match_is_reported_short(tmp_path: pathlib.Path) -> None:
    """A match longer than the message shows is cut there, and the `match` is bounded."""
    path = write(tmp_path, "t.txt", "x" * 10_000 + "\n")
    found = violations(path, "--forbid", "re:x+")
    assert found[0]["message"] == "the forbidden pattern x+: " + "x" * audit.SHOWN_CHARS + "…"
    assert all(len(v["match"]) <= audit.MAX_MATCH_CHARS for v in found)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [("re:(", "bad regular expression"), ("re:x*", "matches empty text"), (" ", "not a word"), ("re:", "matches empty text")],
)
def test_bad_forbidden_patterns_are_usage_errors(tmp_path: pathlib.Path, pattern: str, message: str) -> None:
    result = invoke(str(tmp_path), "--forbid", pattern)
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""


def test_patterns_are_searched_in_workers_identically_whatever_jobs(tmp_path: pathlib.Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Through a real pool (-j 2, -j 3) the violations, like the rest, are those of -j 1."""
    monkeypatch.setattr(pool, "default_jobs", lambda: 3)  # a real pool of 3 even on fewer CPUs
    for index in range(60):
        lines = [f"line {n} of file {index}" + (" TODO" if (n + index) % 7 == 0 else "") for n in range(4000)]
        write(tmp_path, f"d{index % 3}/f{index:02}.txt", "\n".join(lines) + "\n")
    args = [str(tmp_path), "--format", "json", "--forbid", "TODO", "--max-words", "20571", "--top", "3"]
    outputs = {jobs: invoke(*args, "-j", jobs) for jobs in ("1", "2", "3")}
    assert {result.exit_code for result in outputs.values()} == {1}
    assert outputs["1"].stdout == outputs["2"].stdout == outputs["3"].stdout
    found = json.loads(outputs["1"].stdout)["violations"]
    assert sum(v["rule"] == "forbid" for v in found) == sum(
        1 for index in range(60) for n in range(4000) if (n + index) % 7 == 0
    )
    assert {v["rule"] for v in found} == {"forbid", "max-words"}


def test_a_file_that_is_searched_is_not_cut(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large file is cut into pieces, but not when it is searched for forbidden words (one
    reader gives exact line numbers); rules on counts still judge the assembled pieces."""
    monkeypatch.setattr(planning, "SPLIT_BYTES", 64 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 16 * 1024)
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    big = write(tmp_path, "big.txt", codecs.BOM_UTF8 + b"word TODO\n" * 40_000)
    write(tmp_path, "small.txt", "few words\n")
    cut: list[str] = []
    original = planning.plan_pieces

    def spy(path: str, *args: Any) -> Any:
        cut.append(path)
        return original(path, *args)

    monkeypatch.setattr(planning, "plan_pieces", spy)
    counted = violations(str(tmp_path), "-j", "2", "--max-words", "5", "--no-bom")
    assert cut == [big]
    assert [v["rule"] for v in counted] == ["max-words", "no-bom"]
    cut.clear()
    searched = violations(str(tmp_path), "-j", "2", "--max-words", "5", "--no-bom", "--forbid", "TODO")
    assert cut == []
    assert len(searched) == audit.MAX_HITS_PER_FILE + 1 + 2  # the matches listed, "N more", max-words, no-bom
    assert searched[-1] == {"rule": "forbid", "path": big, "line": audit.MAX_HITS_PER_FILE, "column": 6,
                            "message": "a forbidden word: TODO", "match": "TODO"}


# --------------------------------------------------------------------------- encodings and BOMs


ENCODED = {
    "ascii.txt": b"plain ascii\n",
    "utf8.txt": "café\n".encode(),
    "bom8.txt": codecs.BOM_UTF8 + "café\n".encode(),
    "utf16.txt": "café\n".encode("utf-16"),
    "latin1.txt": "café crème brûlée à la façon de chez nous, où l'on mange très bien\n".encode("latin-1"),
    "broken8.txt": codecs.BOM_UTF8 + b"ok \xff\xfe ok\n",
}


@pytest.mark.parametrize(
    ("required", "failing"),
    [
        ("utf-8", {"utf16.txt", "latin1.txt", "broken8.txt"}),
        ("UTF8", {"utf16.txt", "latin1.txt", "broken8.txt"}),
        ("ascii", {"utf8.txt", "bom8.txt", "utf16.txt", "latin1.txt", "broken8.txt"}),
        ("utf-16", {"ascii.txt", "utf8.txt", "bom8.txt", "latin1.txt", "broken8.txt"}),
    ],
)
def test_require_encoding(tmp_path: pathlib.Path, required: str, failing: set[str]) -> None:
    """--require-encoding: a file must be cleanly in that encoding; ASCII is UTF-8, a BOM does
    not change the encoding, and a file whose bytes had to be replaced is not clean."""
    for name, data in ENCODED.items():
        write(tmp_path, name, data)
    found = violations(str(tmp_path), "--require-encoding", required)
    assert {pathlib.Path(v["path"]).name for v in found} == failing
    assert {v["rule"] for v in found} == {"require-encoding"}
    messages = {pathlib.Path(v["path"]).name: v["message"] for v in found}
    if required == "utf-8":
        assert messages["broken8.txt"] == "not utf-8: 2 bytes are not valid utf-8-sig"
        assert messages["utf16.txt"] == "not utf-8: it is utf-16"


def test_unknown_required_encoding_is_a_usage_error(tmp_path: pathlib.Path) -> None:
    result = invoke(str(tmp_path), "--require-encoding", "klingon")
    assert result.exit_code == 2 and "unknown encoding: klingon" in result.stderr


def test_no_bom(tmp_path: pathlib.Path) -> None:
    """--no-bom: a file that starts with a UTF-8, UTF-16 or UTF-32 BOM fails, also when
    --encoding forces a codec that would swallow it."""
    for name, data in ENCODED.items():
        write(tmp_path, name, data)
    write(tmp_path, "utf32.txt", "x\n".encode("utf-32"))
    found = violations(str(tmp_path), "--no-bom")
    assert [(pathlib.Path(v["path"]).name, v["message"]) for v in found] == [
        ("bom8.txt", "starts with a byte order mark (utf-8-sig)"),
        ("broken8.txt", "starts with a byte order mark (utf-8-sig)"),
        ("utf16.txt", "starts with a byte order mark (utf-16)"),
        ("utf32.txt", "starts with a byte order mark (utf-32)"),
    ]
    forced = violations(str(tmp_path / "bom8.txt"), "--no-bom", "--encoding", "utf-8-sig")
    assert [v["rule"] for v in forced] == ["no-bom"]


# --------------------------------------------------------------------------- --fail-on and exit codes


def test_fail_on_binary_skipped_and_undecodable(tmp_path: pathlib.Path) -> None:
    """--fail-on turns binary, skipped and undecodable files into violations; without it they
    are reported but do not fail."""
    binary = write(tmp_path, "b.bin", b"\0\1\2")
    large = write(tmp_path, "large.txt", "word " * 100)
    broken = write(tmp_path, "broken.txt", ENCODED["broken8.txt"])
    (tmp_path / "link").symlink_to(tmp_path / "large.txt")
    args = [str(tmp_path), "--max-filesize", "100"]
    assert violations(*args) == []
    assert [(v["rule"], v["path"]) for v in violations(*args, "--fail-on", "binary")] == [("fail-on-binary", binary)]
    assert [(v["rule"], v["path"], v["message"]) for v in violations(*args, "--fail-on", "skipped")] == [
        ("fail-on-skipped", binary, "skipped: binary"),
        ("fail-on-skipped", large, "skipped: too-large"),
        ("fail-on-skipped", str(tmp_path / "link"), "skipped: symlink"),
    ]
    both = violations(*args, "--fail-on", "skipped", "--fail-on", "binary")
    assert [v["rule"] for v in both] == ["fail-on-binary", "fail-on-skipped", "fail-on-skipped"]
    assert violations(*args, "--fail-on", "undecodable") == [
        {"rule": "fail-on-undecodable", "path": broken, "line": None, "column": None,
         "message": "2 bytes could not be decoded as utf-8-sig"},
    ]
    result = invoke(str(tmp_path), "--fail-on", "sometimes")
    assert result.exit_code == 2 and "--fail-on" in result.stderr


def test_exit_codes_of_rules_and_unreadable_inputs(tmp_path: pathlib.Path) -> None:
    """A failed rule exits 1 even when inputs could not be read (which alone exits 3);
    --fail-on errors makes an unreadable input a failed rule. Violations go to stderr too."""
    write(tmp_path, "ok.txt", "one two three\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden words\n")
    secret.chmod(0)
    try:
        alone = run_process([str(tmp_path), "--format", "json"], unprivileged=True)
        both = run_process([str(tmp_path), "--format", "json", "--max-words", "2"], unprivileged=True)
        fail_on = run_process([str(tmp_path), "--format", "json", "--fail-on", "errors"], unprivileged=True)
        quiet = run_process([str(tmp_path), "-q", "--max-words", "2"], unprivileged=True)
    finally:
        secret.chmod(0o644)
    assert alone.returncode == 3 and json.loads(alone.stdout)["violations"] == []
    assert both.returncode == 1
    assert [v["rule"] for v in json.loads(both.stdout)["violations"]] == ["max-words"]
    assert f"wordcount: {tmp_path / 'ok.txt'}: max-words: 3 words, more than the 2 allowed" in both.stderr.decode()
    assert fail_on.returncode == 1
    assert json.loads(fail_on.stdout)["violations"] == [
        {"rule": "fail-on-errors", "path": str(secret), "line": None, "column": None,
         "message": "could not be read: Permission denied"},
    ]
    assert quiet.returncode == 1 and quiet.stderr == b""


def test_no_rule_means_no_violation_and_exit_0(tmp_path: pathlib.Path) -> None:
    """Without rules the report still has an empty `violations` list, and the table no section."""
    write(tmp_path, "t.txt", "TODO\n")
    assert invoke_json(str(tmp_path))["violations"] == []
    table = invoke(str(tmp_path))
    assert table.exit_code == 0 and "violation" not in table.stdout


def test_table_lists_violations(tmp_path: pathlib.Path) -> None:
    """The table ends with the violations, one a line, sorted: path:line:column: rule: message."""
    path = write(tmp_path, "t.txt", "a TODO\nb c d e\n")
    result = invoke(str(tmp_path), "--forbid", "TODO", "--max-words", "3", "--max-total-words", "4", "-q")
    assert result.exit_code == 1
    assert result.stdout.endswith(
        "3 rule violations:\n"
        "  max-total-words: 6 words in all, more than the 4 allowed\n"
        f"  {path}: max-words: 6 words, more than the 3 allowed\n"
        f"  {path}:1:3: forbid: a forbidden word: TODO\n"
    )
    assert result.stderr == ""


def test_stdin_is_audited(tmp_path: pathlib.Path) -> None:
    """Standard input is searched and judged like a file, under the path '-'."""
    result = invoke("-", "--format", "json", "--forbid", "TODO", "--min-words", "5", input="x TODO\n")
    found = json.loads(result.stdout)["violations"]
    assert result.exit_code == 1
    assert [(v["rule"], v["path"], v["line"], v["column"]) for v in found] == [
        ("min-words", "-", None, None), ("forbid", "-", 1, 3),
    ]


def test_compiled_pattern_is_the_documented_one() -> None:
    """The plain rule, spelled out: boundaries only at ends that are word characters."""
    assert compile_forbidden("TODO", False).pattern == r"(?<![\p{L}\p{M}\p{N}_])TODO(?![\p{L}\p{M}\p{N}_])"
    assert compile_forbidden("--x", False).pattern == regex.escape("--x") + r"(?![\p{L}\p{M}\p{N}_])"

"""Word modes, normalisation of the frequencies, and wc compatibility."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import unicodedata
from collections import Counter

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import REPO, WC_SPACES, invoke, invoke_json
from wordcount import settings as wordcount_settings
from wordcount.choices import WordMode
from wordcount.counting.tally import TextTally

# The first article of the Universal Declaration of Human Rights, in the official Chinese and
# Japanese translations (free to use).
UDHR_ZH = "人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待。"
UDHR_JA = (
    "すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。"
    "人間は、理性と良心とを授けられており、互いに同胞の精神をもって行動しなければならない。"
)


def _word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LMN"


def _cjk_char(char: str) -> bool:
    """Han, Hiragana or Katakana, by the character's Unicode name (not by script property)."""
    name = unicodedata.name(char, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "IDEOGRAPHIC ITERATION MARK",
                             "HIRAGANA LETTER", "HIRAGANA ITERATION MARK", "KATAKANA LETTER", "KATAKANA ITERATION MARK",
                             "HALFWIDTH KATAKANA LETTER", "KATAKANA-HIRAGANA PROLONGED",
                             "HALFWIDTH KATAKANA-HIRAGANA PROLONGED"))


def _attaches(char: str) -> bool:
    """A mark that belongs to the character before it (a voiced sound mark, an accent)."""
    return unicodedata.category(char).startswith("M") or unicodedata.name(char, "").startswith(
        ("HALFWIDTH KATAKANA VOICED", "HALFWIDTH KATAKANA SEMI-VOICED"))


def word_count_like_microsoft_word(text: str) -> tuple[int, int]:
    """Words as Microsoft Word counts them, one character at a time: each CJK character is a
    word; a run of other letters, marks and digits is a word, kept whole across an apostrophe,
    hyphen or period between two of them. Returns (words, CJK character words)."""
    words = cjk = 0
    in_run = after_cjk = False
    for index, char in enumerate(text):
        if after_cjk and _attaches(char):
            continue
        after_cjk = False
        if _cjk_char(char):
            words += 1
            cjk += 1
            in_run = False
            after_cjk = True
        elif _word_char(char):
            if not in_run:
                words += 1
            in_run = True
        elif (char in "'\u2019-\u2010\u2011." and in_run and index + 1 < len(text)
              and _word_char(text[index + 1]) and not _cjk_char(text[index + 1])):
            continue  # the run goes on
        else:
            in_run = False
    return words, cjk


def test_unicode_mode_keeps_words_whole_and_drops_punctuation(tmp_path: pathlib.Path) -> None:
    """Letters, marks and digits make words; ' - . inside keep them whole; punctuation is no word."""
    text = "Don't e-mail me 3.14 times -- ok? ... naïve na\u0308ive caf\u00e9 ¿Qué? 한국어 문장. _ x_y\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    report = invoke_json(str(tmp_path), "--word-mode", "unicode", "--top", "30")
    found = {entry["word"]: entry["count"] for entry in report["top"]}
    expected = ["Don't", "e-mail", "me", "3.14", "times", "ok", "naïve", "na\u0308ive", "café", "Qué", "한국어", "문장",
                "x", "y"]
    assert found == {word: 1 for word in expected}
    assert report["totals"]["words"] == len(expected)
    assert "cjk_chars" not in report["totals"]


@pytest.mark.parametrize("text", [UDHR_ZH, UDHR_JA, UDHR_ZH + " Article 1, e-mail 3.14. " + UDHR_JA,
                                  "ｶﾞｷﾞ ｰ ｶﾀｶﾅ half-width, 々 漢字かな交じり文。"])
def test_cjk_mode_counts_like_microsoft_word(tmp_path: pathlib.Path, text: str) -> None:
    """Clean Chinese and Japanese text: --words cjk equals the Microsoft Word rule, computed
    above character by character; JSON totals say how many words were CJK characters."""
    (tmp_path / "a.txt").write_text(text + "\n", encoding="utf-8")
    report = invoke_json(str(tmp_path), "--word-mode", "cjk")
    words, cjk = word_count_like_microsoft_word(text)
    assert (report["totals"]["words"], report["totals"]["cjk_chars"]) == (words, cjk)
    assert cjk > 0


def test_cjk_counts_of_the_udhr_by_hand(tmp_path: pathlib.Path) -> None:
    """The Chinese article has 39 characters, each a word (6 + 11 + 9 + 13 between its punctuation)."""
    (tmp_path / "zh.txt").write_text(UDHR_ZH, encoding="utf-8")
    report = invoke_json(str(tmp_path), "--word-mode", "cjk")
    assert report["totals"]["words"] == report["totals"]["cjk_chars"] == 39
    table = invoke(str(tmp_path), "--word-mode", "cjk").stdout
    assert "39 of the words are single CJK characters" in table


def test_jieba_finds_chinese_words(tmp_path: pathlib.Path) -> None:
    """--words jieba segments Chinese into real multi-character words; other text as unicode."""
    text = "我们今天一起去图书馆看书，图书馆里有很多旧书。中华人民共和国的首都是北京。Hello, world!\n" * 3
    (tmp_path / "zh.txt").write_text(text, encoding="utf-8")
    report = invoke_json(str(tmp_path), "--word-mode", "jieba", "--top", "40")
    found = {entry["word"]: entry["count"] for entry in report["top"]}
    assert found["图书馆"] == 6 and found["中华人民共和国"] == 3 and found["北京"] == 3
    assert found["Hello"] == 3 and "," not in found and "，" not in found
    assert report["totals"]["words"] == sum(found.values())


def test_jieba_missing_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wordcount_settings, "jieba_available", lambda: False)
    result = invoke(str(REPO / "fixtures" / "sample"), "--word-mode", "jieba")
    assert result.exit_code == 2
    assert "pip install 'wordcount[zh]'" in result.stderr


mixed = st.text(st.sampled_from(list("ab1 .-'\u2019\n中文かなカナｶﾞﾟ\u3099한국\u0308,。") + ["\u3000"]), max_size=80)


@settings(max_examples=300, deadline=None)
@given(mixed, st.lists(st.integers(0, 80), max_size=4), st.sampled_from([WordMode.unicode, WordMode.cjk]))
@example(text="かﾞ", cuts=[1], mode=WordMode.cjk)  # a voiced sound mark that begins the next block
def test_text_modes_do_not_depend_on_block_boundaries(text: str, cuts: list[int], mode: WordMode) -> None:
    """Feeding text in blocks cut anywhere gives the counts and words of feeding it whole."""
    whole_words: Counter[bytes] = Counter()
    whole = TextTally(mode, whole_words)
    whole.feed(text.encode(), text.isascii(), text)
    whole.finish()
    parts_words: Counter[bytes] = Counter()
    parts = TextTally(mode, parts_words)
    points = sorted({min(cut, len(text)) for cut in cuts} | {0, len(text)})
    for start, stop in zip(points, points[1:]):
        block = text[start:stop]
        parts.feed(block.encode(), block.isascii(), block)
    parts.finish()
    assert (parts.words, parts.cjk, parts.lines) == (whole.words, whole.cjk, whole.lines)
    assert parts_words == whole_words
    assert whole.words == sum(whole_words.values())
    if mode is WordMode.cjk:
        assert (whole.words, whole.cjk) == word_count_like_microsoft_word(text)


@pytest.mark.parametrize("mode", ["unicode", "cjk", "jieba"])
def test_modes_give_the_same_report_for_any_jobs(tmp_path: pathlib.Path, mode: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A file cut into pieces and many small files: -j 1 and -j 2 give byte-identical JSON."""
    from wordcount.execute import planning

    monkeypatch.setattr(planning, "SPLIT_BYTES", 64 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 16 * 1024)
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    (tmp_path / "big.txt").write_text((UDHR_ZH + " e-mail don't 3.14\n" + UDHR_JA + "\n") * 800, encoding="utf-8")
    for index in range(20):
        (tmp_path / f"s{index}.txt").write_text(UDHR_JA[index:] + f" word{index}\n", encoding="utf-8")
    reports = [invoke(str(tmp_path), "--word-mode", mode, "--per-file", "--format", "json", "-j", jobs).stdout
               for jobs in ("1", "2")]
    assert reports[0] == reports[1]
    assert json.loads(reports[0])["totals"]["words"] > 0


def test_normalisation_changes_frequencies_not_totals(tmp_path: pathlib.Path) -> None:
    """--ignore-case (casefold), --nfkc (full width to ASCII), --min-length and built-in stopwords."""
    text = "The the THE Straße STRASSE ＡＢＣ ABC a an of ｶﾞ ガ 的 中文 中文\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    plain = invoke_json(str(tmp_path), "--top", "50")
    assert {e["word"]: e["count"] for e in plain["top"]}["The"] == 1
    folded = invoke_json(str(tmp_path), "--top", "50", "--ignore-case", "--nfkc")
    counts = {e["word"]: e["count"] for e in folded["top"]}
    assert counts["the"] == 3 and counts["strasse"] == 2 and counts["abc"] == 2 and counts["ガ"] == 2
    assert folded["totals"] == plain["totals"]
    short = invoke_json(str(tmp_path), "--top", "50", "--min-length", "3")
    assert {e["word"] for e in short["top"]} == {"The", "the", "THE", "Straße", "STRASSE", "ＡＢＣ", "ABC"}
    stopped = invoke_json(str(tmp_path), "--top", "50", "--stopwords", "en", "--stopwords", "zh")
    words = {e["word"] for e in stopped["top"]}
    assert not words & {"The", "the", "THE", "a", "an", "of", "的"}  # stopwords whatever their case
    assert {"中文", "ABC", "Straße"} <= words
    assert stopped["totals"] == plain["totals"]


def test_stopwords_from_a_file(tmp_path: pathlib.Path) -> None:
    (tmp_path / "a.txt").write_text("alpha beta gamma alpha Beta\n", encoding="utf-8")
    (tmp_path / "stop.txt").write_text("\ufeffbeta\n\n gamma \n", encoding="utf-8")
    report = invoke_json(str(tmp_path / "a.txt"), "--stopwords", str(tmp_path / "stop.txt"))
    assert report["top"] == [{"word": "alpha", "count": 2}]
    missing = invoke(str(tmp_path / "a.txt"), "--stopwords", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and "nope.txt" in missing.stderr


def test_normalisation_survives_the_pool(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers fold their words before handing them over: the same top for -j 1 and -j 2."""
    from wordcount.execute import planning

    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    for index in range(30):
        (tmp_path / f"f{index}.txt").write_text("The the ＴＨＥ of Word word\n" * (index + 1), encoding="utf-8")
    args = ["--ignore-case", "--nfkc", "--stopwords", "en", "--format", "json"]
    reports = [invoke(str(tmp_path), *args, "-j", jobs).stdout for jobs in ("1", "2")]
    assert reports[0] == reports[1]
    assert json.loads(reports[0])["top"] == [{"word": "word", "count": 2 * 465}]


def _source(relative: pathlib.Path) -> bool:
    """A text file of the repository itself: no caches, builds or hidden folders."""
    hidden = any(part.startswith((".", "__")) or part.endswith(".egg-info") or part == "build" for part in relative.parts)
    return not hidden and relative.suffix in {".py", ".md", ".toml", ".txt"}


def _printable_only(data: bytes) -> bool:
    """UTF-8 text (no BOM) of printable characters and whitespace only."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not text.startswith("\ufeff") and all(char.isprintable() or char in WC_SPACES for char in text)


@pytest.mark.skipif(shutil.which("wc") is None, reason="needs GNU wc")
def test_wc_format_matches_gnu_wc() -> None:
    """On this repository's own UTF-8 text files, --format wc prints exactly what GNU wc prints
    for the same files (where wc's version cannot matter: files with only printable text)."""
    files = sorted(
        str(path.relative_to(REPO)) for path in REPO.rglob("*")
        if path.is_file() and _source(path.relative_to(REPO)) and _printable_only(path.read_bytes())
    )
    assert len(files) > 10
    env = {"LC_ALL": "C.UTF-8", "PATH": os.environ["PATH"], "PYTHONPATH": str(REPO)}
    ours = subprocess.run([sys.executable, "-m", "wordcount", "-q", "--format", "wc", *files], cwd=REPO,
                          capture_output=True, env=env)
    theirs = subprocess.run(["wc", *files], cwd=REPO, capture_output=True, env=env)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout


def test_wc_format_one_file_and_stdin(tmp_path: pathlib.Path) -> None:
    """No total line for one file; standard input widens the columns to 7, as wc does."""
    (tmp_path / "a.txt").write_text("hello world\nfoo\n")
    assert invoke("--format", "wc", str(tmp_path / "a.txt")).stdout == f" 2  3 16 {tmp_path / 'a.txt'}\n"
    result = invoke("--format", "wc", "-", input="one two\n")
    assert result.stdout == "      1       2       8 -\n"

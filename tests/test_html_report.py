"""`--format html`: one self-contained page with the totals, the charts and the problem tables.

The page is read back with a strict parser (`page.Page`): every tag closed in order, every chart
holding one mark per number, every name escaped, nothing fetched, long lists cut short. The
numbers on the page are checked against the JSON report of the same run."""

from __future__ import annotations

import math
import os
import pathlib
import re
import subprocess
import sys

import pytest

from conftest import SAMPLE, invoke, invoke_json, repo_env, run_process
from page import Page
from wordcount.report import svg
from wordcount.report.layout import CURVE_RANKS
from wordcount.report.html import LARGEST, LISTED, sampled_ranks, word_bins


class Pages:
    """Runs that write the HTML report to a file (with --output, as people write it)."""

    def __init__(self, folder: pathlib.Path) -> None:
        self.target = folder / "report.html"

    def __call__(self, *args: str, code: int = 0) -> str:
        """The page of a run with these arguments, which ends with exit code `code`."""
        result = invoke("--format", "html", "-q", "-o", str(self.target), *args)
        assert result.exit_code == code, result.output
        assert result.stdout == ""
        return self.target.read_text(encoding="utf-8")


@pytest.fixture
def html(tmp_path: pathlib.Path) -> Pages:
    return Pages(tmp_path)


def tip_count(tip: str) -> int:
    """The number a tooltip ends with: `the: 17 times` → 17."""
    return int(re.search(r": ([\d,]+)(?: \w+)?$", tip).group(1).replace(",", ""))  # type: ignore[union-attr]


def test_sample_page_shows_what_the_json_report_says(html: Pages) -> None:
    text = html(str(SAMPLE), "--by", "ext")
    report = invoke_json(str(SAMPLE), "--by", "ext")
    page = Page(text)
    assert text.startswith("<!DOCTYPE html>\n")
    assert page.sections() == ["totals", "top", "zipf", "per-file", "groups", "files", "problems"]

    cards = [e for e in page.texts if e[0] == "totals" and e[1][-1:] == ("strong",)]
    totals = report["totals"]
    assert [data for _, _, data in cards] == [f"{totals[key]:,}" for key in ("files", "lines", "words", "chars", "bytes")]

    bars = page.find("rect", "top", "bar")
    assert [(tip.split(": ")[0], tip_count(tip)) for tip in page.titles("top")] == [
        (item["word"], item["count"]) for item in report["top"]]
    widths = [float(str(bar.attrs["width"])) for bar in bars]
    for width, item in zip(widths, report["top"]):  # each bar as long as its count, to a tenth of a pixel
        assert width == pytest.approx(widths[0] * item["count"] / report["top"][0]["count"], abs=0.1)

    vocabulary = invoke_json(str(SAMPLE), "--top", "100000")["top"]
    points = page.titles("zipf")[1:]  # the first is the Zipf guide's
    assert len(page.find("circle", "zipf", "point")) == len(points) == len(sampled_ranks(len(vocabulary)))
    assert points[0] == f"rank 1: {vocabulary[0]['count']:,}"
    assert points[-1] == f"rank {len(vocabulary):,}: {vocabulary[-1]['count']:,}"
    assert f"{len(vocabulary):,} distinct words" in page.text("zipf")

    bins = page.titles("per-file")
    assert len(page.find("rect", "per-file", "bin")) == len(bins)
    assert sum(tip_count(tip) for tip in bins) == totals["files"]

    assert [tip_count(tip) for tip in page.titles("groups")] == [group["words"] for group in report["groups"]]
    assert [row[0] for row in page.rows("groups")] == [group["group"] for group in report["groups"]]

    largest = sorted(invoke_json(str(SAMPLE), "--per-file")["files"], key=lambda row: (-row["words"], row["path"]))
    assert [row[-1] for row in page.rows("files")] == [row["path"] for row in largest[:LARGEST]]
    skipped = page.rows("problems")
    assert ["binary", "1"] in skipped and [report["skipped"][0]["path"], "binary"] in skipped


def test_page_loads_nothing_and_runs_nothing(html: Pages) -> None:
    text = html(str(SAMPLE))
    page = Page(text)
    assert not page.find("script") and not page.find("link") and not page.find("img") and not page.find("iframe")
    for element in page.elements:
        for name, value in element.attrs.items():
            if name in ("src", "href", "xlink:href", "action", "srcset"):
                pytest.fail(f"<{element.tag} {name}={value!r}> refers to something outside the page")
    assert "@import" not in text and "url(" not in text
    assert "://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # the SVG namespace is a name
    policy = [e for e in page.find("meta") if e.attrs.get("http-equiv") == "Content-Security-Policy"]
    assert len(policy) == 1 and "default-src 'none'" in str(policy[0].attrs["content"])


def test_hostile_names_and_words_are_shown_as_text(html: Pages, tmp_path: pathlib.Path) -> None:
    tree = tmp_path / "<t>&amp;"
    tree.mkdir()
    (tree / "<script>alert(1)<script> & \"q'.txt").write_text("<img src=x onerror=alert(1)> & <b>bold</b>\n")
    with open(os.path.join(os.fsencode(tree), b"caf\xe9 <i>.txt"), "wb") as handle:
        handle.write(b"one two\n")
    (tree / "new\nline.txt").write_text("three\n")
    (tree / "<b>bin.bin").write_bytes(b"\x00\x01binary")
    text = html(str(tree), "--per-file", "--top", "20")
    page = Page(text)

    assert not page.find("script") and not page.find("img") and not page.find("b") and not page.find("i")
    assert "<script>" not in text and "<img" not in text
    assert [data for _, tags, data in page.texts if tags[-1:] == ("title",) and "svg" not in tags] == [
        f"wordcount: {tree}"]
    paths = [row[-1] for row in page.rows("files")]
    assert sorted(paths) == sorted([f"{tree}/<script>alert(1)<script> & \"q'.txt", f"{tree}/caf\\udce9 <i>.txt",
                                    f"{tree}/new\\nline.txt"])
    assert [f"{tree}/<b>bin.bin", "binary"] in page.rows("problems")
    words = [tip.split(": ")[0] for tip in page.titles("top")]
    assert {"<img", "src=x", "onerror=alert(1)>", "&", "<b>bold</b>"} <= set(words)


def test_long_lists_show_their_first_rows_and_how_many_more(html: Pages, tmp_path: pathlib.Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    for index in range(130):
        (tree / f"t{index:03d}.txt").write_text("word " * (index + 1))
    for index in range(70):
        (tree / f"b{index:03d}.bin").write_bytes(b"\x00" * 10)
    page = Page(html(str(tree), "--per-file", "--max-words", "1", code=1))

    assert len(page.rows("files")) == LISTED
    assert [row[-1] for row in page.rows("files")] == [f"{tree}/t{index:03d}.txt" for index in range(LISTED)]
    more = [data for where, tags, data in page.texts if tags[-1:] == ("p",) and data.startswith("and ")]
    assert more == [f"and {130 - LISTED} more files", f"and {70 - LISTED} more files", f"and {129 - LISTED} more rows"]
    problems = page.rows("problems")
    assert len(problems) == 1 + LISTED + LISTED  # the reasons, the files skipped, the violations
    assert "Rule violations: 129" in page.text("problems")


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """5,000 files in 50 folders, of 0 to 399 words each, from a vocabulary of thousands."""
    root = tmp_path_factory.mktemp("big")
    for folder in range(50):
        (root / f"d{folder:02d}").mkdir()
        for index in range(100):
            number = folder * 100 + index
            words = [f"w{(number * 7 + k * k) % 9_000}" for k in range(number % 400 if number % 97 else 0)]
            (root / f"d{folder:02d}" / f"f{index:03d}.txt").write_text(" ".join(words) + "\n")
    return root


def test_a_big_tree_gives_a_small_page_the_same_with_any_number_of_workers(html: Pages, big_tree: pathlib.Path) -> None:
    one = html(str(big_tree), "-j", "1", "--per-file", "--by", "dir", "--top", "2000")
    two = html(str(big_tree), "-j", "2", "--per-file", "--by", "dir", "--top", "2000")
    assert one == two
    assert len(one.encode()) < 250_000, len(one.encode())  # 5,000 files: tables and charts stay summarised
    page = Page(one)
    assert len(page.rows("files")) == LISTED and len(page.rows("groups")) == LISTED
    assert len(page.rows("top")) == 10 * LISTED  # the top words' table, past the chart's bars
    assert len(page.find("circle", "zipf")) <= 125
    assert len(page.find("rect", "top", "bar")) < 50


def test_a_run_served_by_the_cache_draws_the_same_page(html: Pages, tmp_path: pathlib.Path) -> None:
    """More distinct words than the curve draws and the cache keeps ranked: the cached run's
    curve (from the ranked words) is the counted run's (from the whole table)."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "many.txt").write_text(" ".join(f"w{k} " * (1 + k % 13) for k in range(CURVE_RANKS + 2_000)))
    (tree / "few.txt").write_text("alpha beta alpha\n")
    cache = str(tmp_path / "cache")
    counted = html(str(tree))
    stored = html(str(tree), "--cache-dir", cache)
    served = html(str(tree), "--cache-dir", cache)
    assert counted == stored == served
    assert f"the {CURVE_RANKS:,} most frequent words" in Page(served).text("zipf")


def test_without_word_frequencies_the_page_has_no_word_charts(html: Pages) -> None:
    page = Page(html(str(SAMPLE), "--top", "0"))
    assert page.sections() == ["totals", "per-file", "files", "problems"]


def test_report_to_standard_output_and_html_is_not_loaded_for_other_formats() -> None:
    result = invoke("--format", "html", "-q", str(SAMPLE))
    assert result.exit_code == 0 and result.stdout.startswith("<!DOCTYPE html>")
    script = ("import sys\nfrom wordcount.cli.command import main\nsys.argv = ['wordcount', '-q', sys.argv[1]]\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in ('wordcount.report.html', 'wordcount.report.svg') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", script, str(SAMPLE)], capture_output=True, env=repo_env(), timeout=120)
    assert done.returncode == 0 and done.stderr.decode().strip().endswith("[]"), done.stderr


def test_bins_are_log_spaced_and_hold_every_file() -> None:
    assert word_bins([0, 1, 3, 7, 150]) == ([0, 1, 2, 5, 10, 20, 50, 100, 200], [1, 1, 1, 1, 0, 0, 0, 1])
    assert word_bins([30, 40]) == ([20, 50], [2])
    assert word_bins([0, 0]) == ([0, 1], [2])
    assert word_bins([1, 1_000_000]) == ([1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000,
                                          50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000],
                                         [1] + [0] * 17 + [1])


def test_ranks_are_sampled_log_evenly() -> None:
    assert sampled_ranks(5) == [1, 2, 3, 4, 5]
    ranks = sampled_ranks(CURVE_RANKS)
    assert ranks[0] == 1 and ranks[-1] == CURVE_RANKS and ranks == sorted(set(ranks)) and len(ranks) <= 120
    steps = [math.log(b / a) for a, b in zip(ranks, ranks[1:]) if a >= 300]
    assert max(steps) < 1.1 * min(steps)  # past the first ranks, where rounding to whole ranks shows


def test_axis_numbers_are_short() -> None:
    assert [svg.short(n) for n in (0, 7, 999, 1_000, 1_500, 12_000, 999_999, 2_000_000)] == [
        "0", "7", "999", "1k", "1.5k", "12k", "1M", "2M"]


def test_html_is_offered_in_the_help_and_written_by_a_real_process() -> None:
    assert "html" in invoke("--help").stdout
    done = run_process(["--format", "html", str(SAMPLE / "en")])
    assert done.returncode == 0 and done.stdout.decode().endswith("</html>\n")


def test_counts_of_one_are_in_the_singular(html: Pages, tmp_path: pathlib.Path) -> None:
    """Every count the page writes beside a noun agrees with it: `1 file`, `1 distinct word,
    1 rank drawn`, `the: 1 time`, `1 of the words is a single CJK character`; and 2 in the plural."""
    one = tmp_path / "one"
    one.mkdir()
    (one / "a.txt").write_text("字\n", encoding="utf-8")
    page = Page(html(str(one), "--word-mode", "cjk", "--by", "ext"))
    cards = [(strong, name) for (_, tags, strong), (_, _, name) in zip(page.texts, page.texts[1:])
             if tags[-1:] == ("strong",)]
    assert cards[:3] == [("1", "file"), ("1", "line"), ("1", "word")]
    assert "1 distinct word, 1 rank drawn" in page.text("zipf")
    assert "1 of the words is a single CJK character" in page.text("totals")
    assert page.titles("top") == ["字: 1 time"] and page.titles("groups") == [".txt: 1 word"]
    assert svg.bars([("x", 1)], "the most frequent word", unit="time").count("x: 1 time<") == 1
    whole = page.text()
    assert not re.search(r"(?<![\d,.])1 (files|lines|words|chars|bytes|ranks|times|distinct words)\b", whole), whole

    (one / "b.txt").write_text("字 字\n", encoding="utf-8")
    page = Page(html(str(one), "--word-mode", "cjk"))
    assert "1 distinct word, 1 rank drawn" in page.text("zipf")
    assert page.titles("top") == ["字: 3 times"]
    assert "3 of the words are single CJK characters" in page.text("totals")

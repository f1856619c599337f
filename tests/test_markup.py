"""Prose-only counting of Markdown and HTML (issue 14, part 4): `--markup auto` and `--markup-code`.

Oracles: documents counted by hand; a second, independent extraction (Markdown rendered by marko,
another CommonMark parser with GFM tables, and the text of its HTML, or of an HTML file, taken by
lxml's libxml2 parser) compared word for word on generated documents; and the places of forbidden
words, known by construction as the documents are generated.
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
from typing import Any

import lxml.html
import marko
import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import invoke, reference_counts, reference_words, repo_env
from wordcount.execute import planning
from wordcount.text import markup

# --------------------------------------------------------------------------- hand-counted documents

GUIDE = """\
---
title: A guide with TODO in its front matter
tags: [one, two]
---
# Getting *started* here

Install the [command line tool](https://example.com/install "TODO title") first,
then run `wordcount --help` and read &amp; enjoy.

```sh
pip install wordcount  # TODO
```

    indented code words

- one item
- two <b>bold</b> items <!-- a comment TODO -->

| column | other |
|--------|-------|
| cell   | `code` |

![An image](https://example.com/i.png) and <https://example.com/x>.
"""
# Prose words, counted by hand, line by line:
#   Getting started here                                         3
#   Install the command line tool first,                         6
#   then run and read & enjoy.                                   6
#   one item / two bold items                                    2 + 3
#   column other cell                                            3
#   An image / and https://example.com/x.                        2 + 2
GUIDE_WORDS = 3 + 6 + 6 + 5 + 3 + 4
# With --markup-code: `wordcount --help` (2), the fenced line (5: pip install wordcount # TODO), the
# indented line (3), `code` (1).
GUIDE_CODE_WORDS = GUIDE_WORDS + 2 + 5 + 3 + 1

PAGE = """\
<!DOCTYPE html>
<html lang="en"><head><title>Page title</title>
<meta charset="utf-8"><style>body { color: red }</style>
<script>var words = "not prose at all";</script></head>
<body class="main">
<h1>Hello&nbsp;world</h1>
<p>One <a href="https://example.com/long/url">linked text</a> and <b>bo</b>ld &amp; more.</p>
<pre>code line here</pre>
<p>Use <code>ls -l</code> now.<br>Next<img src="x.png" alt="a cat"></p>
</body></html>
"""
# Page title (2) / Hello world (2: &nbsp; is U+00A0, a space for wc) / One linked text and bold & more. (7)
# Use now. (2) / Next (1) / a cat (2)
PAGE_WORDS = 2 + 2 + 7 + 2 + 1 + 2
PAGE_CODE_WORDS = PAGE_WORDS + 3 + 2  # code line here; ls -l


def write(folder: pathlib.Path, name: str, data: str | bytes) -> pathlib.Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def per_file(*args: str) -> dict[str, dict[str, Any]]:
    result = invoke("--format", "json", "-q", "--per-file", *args)
    assert result.exit_code in (0, 1, 3), result.output
    return {row["path"]: row for row in json.loads(result.stdout)["files"]}


def test_hand_counted_markdown_and_html(tmp_path: pathlib.Path) -> None:
    """Only the prose counts: words and characters are the prose's, lines and bytes the file's."""
    guide, page = write(tmp_path, "guide.md", GUIDE), write(tmp_path, "page.html", PAGE)
    rows = per_file(str(tmp_path), "--markup", "auto")
    assert rows[str(guide)]["words"] == GUIDE_WORDS
    assert rows[str(page)]["words"] == PAGE_WORDS
    for path, text in ((guide, GUIDE), (page, PAGE)):
        assert rows[str(path)]["lines"] == text.count("\n")
        assert rows[str(path)]["bytes"] == len(text.encode())
    prose = markup.extract(GUIDE, "markdown")
    assert rows[str(guide)]["chars"] == len(prose.text)
    assert "TODO" not in prose.text and "example.com/install" not in prose.text and "--help" not in prose.text
    coded = per_file(str(tmp_path), "--markup", "auto", "--markup-code")
    assert coded[str(guide)]["words"] == GUIDE_CODE_WORDS
    assert coded[str(page)]["words"] == PAGE_CODE_WORDS


def test_markup_none_counts_as_wc(tmp_path: pathlib.Path) -> None:
    """The default, and `--markup none`, count marked-up files as plain text, as wc does."""
    write(tmp_path, "guide.md", GUIDE)
    write(tmp_path, "page.htm", PAGE)
    for args in ((), ("--markup", "none"), ("--markup-code",)):
        rows = per_file(str(tmp_path), *args)
        for name, text in (("guide.md", GUIDE), ("page.htm", PAGE)):
            expected = reference_counts(text)
            assert {key: rows[str(tmp_path / name)][key] for key in expected} == expected


def test_only_markdown_and_html_names_are_marked_up(tmp_path: pathlib.Path) -> None:
    """By the name's ending, in any case; other files (and standard input) stay plain text."""
    text = "`code` [link](http://x.y/z)\n"
    for name in ("a.md", "b.MARKDOWN", "c.Html", "d.htm", "e.txt", "f.mdx", "g"):
        write(tmp_path, name, text)
    rows = per_file(str(tmp_path), "--markup", "auto")
    words = {pathlib.Path(path).name: row["words"] for path, row in rows.items()}
    assert words == {"a.md": 1, "b.MARKDOWN": 1, "c.Html": 2, "d.htm": 2, "e.txt": 2, "f.mdx": 2, "g": 2}
    piped = json.loads(invoke("--format", "json", "--markup", "auto", "-", input=text).stdout)
    assert piped["totals"]["words"] == 2


TASKS = """\
- [ ] write the docs
- [x] fix ~~every~~ the bug
- [X] ship it
1. [ ] ordered task
> - [ ] quoted task
- [ ]
- [x]no box here

| Left | Centre | Right |
|:-----|:------:|------:|
| one \\| two | `x` | www.example.com |
"""
# Prose words, by hand: write the docs (3) / fix every the bug (4) / ship it (2) / ordered task (2) /
# quoted task (2) / [ ] (2: no text after the box, so no task box) / [x]no box here (3) /
# Left Centre Right (3) / one | two (3: an escaped pipe is text) / www.example.com (1).
TASKS_WORDS = 3 + 4 + 2 + 2 + 2 + 2 + 3 + 3 + 3 + 1


def test_task_boxes_and_table_pipes_are_not_prose(tmp_path: pathlib.Path) -> None:
    """GitHub's task boxes, table pipes and delimiter rows are left out; the words of the tasks,
    the cells and struck-through text count. Checked by hand and against marko's GFM."""
    path = write(tmp_path, "tasks.md", TASKS)
    assert per_file(str(path), "--markup", "auto")[str(path)]["words"] == TASKS_WORDS
    prose = markup.extract(TASKS, "markdown").text
    assert reference_words(prose) == reference_words(lxml_prose(GFM.convert(TASKS), False))
    assert "[x]" not in prose.split() and "[X]" not in prose.split() and "|:-----|" not in prose


def test_top_words_are_the_proses(tmp_path: pathlib.Path) -> None:
    write(tmp_path, "a.md", "word [word](http://url.example/url) `url`\n\n```\nurl url url\n```\n")
    top = json.loads(invoke("--format", "json", "--markup", "auto", str(tmp_path)).stdout)["top"]
    assert top == [{"word": "word", "count": 2}]


# --------------------------------------------------------------------------- forbidden words, placed


def template(text: str) -> tuple[str, list[tuple[int, int]]]:
    """A source written with «» around the start of each forbidden word found in its prose: the
    source without them, and the (line, column) of each."""
    places = []
    source = ""
    for index, part in enumerate(re.split("«|»", text)):
        if index % 2:
            before = source
            places.append((before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1))
        source += part
    return source, places


def github_places(*args: str) -> dict[str, list[tuple[int, int]]]:
    """The (line, column) of each `::error` of --format github, by file."""
    result = invoke("--format", "github", "-q", *args)
    found: dict[str, list[tuple[int, int]]] = {}
    for match in re.finditer(r"::error file=([^,]+),line=(\d+),col=(\d+)", result.stdout):
        found.setdefault(match[1], []).append((int(match[2]), int(match[3])))
    return found


PLACED_MARKDOWN = """\
---
title: TODO in the front matter
---
# A «TODO» heading with &amp; an entity

Text [a «TODO» link](http://example.com/TODO "the TODO title") then \\*«TODO»\\* and &copy; «&#x54;ODO»,
and `TODO code` and «T&#79;DO» again ![«TODO» alt](TODO.png) «TODO».

```
TODO fenced
```

    TODO indented

<div title="TODO">
&lt;«TODO» in a block &amp; <!-- TODO -->
</div>

> quoted «TODO»
"""

PLACED_HTML = """\
<html><head><title>«TODO» title</title><script>TODO()</script></head>
<body><!-- TODO --><p class="TODO">caf&eacute; «TODO» &amp; «&#84;ODO»
<a href="/TODO">«TODO»</a><pre>TODO</pre><img alt="an «TODO» image" src="TODO.png">
</p></body></html>
"""


@pytest.mark.parametrize("name, text", [("doc.md", PLACED_MARKDOWN), ("doc.html", PLACED_HTML)])
def test_forbidden_words_are_placed_in_the_source(tmp_path: pathlib.Path, name: str, text: str) -> None:
    """`::error` lines point at the forbidden word in the file, past front matter, code, link
    destinations and entities; a word that begins with an entity is placed at its `&`."""
    source, places = template(text)
    path = write(tmp_path, name, source)
    assert github_places(str(path), "--markup", "auto", "--forbid", "TODO") == {str(path): places}
    plain = github_places(str(path), "--forbid", "TODO")[str(path)]
    assert len(plain) > len(places)  # without --markup, code, URLs and attributes are searched too


def test_forbidden_words_are_placed_in_utf16_files_with_a_bom(tmp_path: pathlib.Path) -> None:
    source, places = template("# héllo\n\n`TODO` «TODO» [x](y) «TODO»\n")
    path = write(tmp_path, "wide.md", "\ufeff".encode("utf-16-le") + source.encode("utf-16-le"))
    assert github_places(str(path), "--markup", "auto", "--forbid", "TODO") == {str(path): places}
    rows = per_file(str(path), "--markup", "auto")
    assert rows[str(path)]["encoding"] == "utf-16" and rows[str(path)]["words"] == 4


# --------------------------------------------------------------------------- generated documents

WORDS = ["alpha", "beta", "TODO", "naïve", "日本語", "x1", "a_b", "ünïcode"]
Piece = tuple[str, list[int]]  # source text, and the offsets in it where a prose TODO begins


def shifted(prefix: str, piece: Piece, suffix: str) -> Piece:
    return prefix + piece[0] + suffix, [mark + len(prefix) for mark in piece[1]]


def joined(pieces: list[Piece], separator: str) -> Piece:
    text, marks = "", []
    for index, (part, part_marks) in enumerate(pieces):
        if index:
            text += separator
        marks += [mark + len(text) for mark in part_marks]
        text += part
    return text, marks


word = st.sampled_from(WORDS).map(lambda w: (w, [0] if w == "TODO" else []))
words = st.lists(word, min_size=1, max_size=3).map(lambda ws: joined(ws, " "))
plain_inline = st.one_of(
    word,
    st.sampled_from([("&#x54;ODO", [0]), ("T&#79;DO", [0]), ("&amp;", []), ("&copy;", []), ("\\*", [])]),
)
inline = st.one_of(
    plain_inline,
    words.map(lambda p: shifted("*", p, "*")),
    words.map(lambda p: shifted("**", p, "**")),
    st.sampled_from(["`TODO code`", "``TODO ` x``", "<code>TODO</code>", "<!-- TODO -->", "<kbd>ok</kbd>"]).map(
        lambda s: (s, [])),
    words.map(lambda p: shifted("[", p, '](http://x.example/TODO "TODO title")')),
    words.map(lambda p: shifted("[", p, "](</a TODO>)")),
    words.map(lambda p: shifted("![", p, "](img/TODO.png)")),
    st.just(("<http://x.example/TODO>", [len("<http://x.example/")])),
    st.just(("https://x.example/TODO", [len("https://x.example/")])),  # a GFM autolink: its text is shown
    words.map(lambda p: shifted("~~", p, "~~")),
    words.map(lambda p: shifted('<span title="TODO">', p, "</span>")),
)


@st.composite
def line(draw: st.DrawFn) -> Piece:
    """A line of inline Markdown that starts with a word (so that it opens no other block)."""
    return joined([draw(word)] + draw(st.lists(inline, max_size=5)), " ")


@st.composite
def block(draw: st.DrawFn) -> Piece:
    kind = draw(st.sampled_from(["paragraph", "heading", "quote", "list", "tasks", "fence", "html", "table", "rule"]))
    if kind == "paragraph":
        return joined(draw(st.lists(line(), min_size=1, max_size=3)), "\n")
    if kind == "heading":
        return shifted("#" * draw(st.integers(1, 6)) + " ", draw(line()), "")
    if kind == "quote":
        return shifted("> ", draw(line()), "")
    if kind == "list":
        return joined([shifted("- ", item, "") for item in draw(st.lists(line(), min_size=1, max_size=3))], "\n")
    if kind == "tasks":
        boxes = st.sampled_from(["- [ ] ", "- [x] ", "- [X] ", "* [ ] ", "1. [x] "])
        items = draw(st.lists(st.tuples(boxes, line()), min_size=1, max_size=3))
        return joined([shifted(box, item, "") for box, item in items], "\n")
    if kind == "fence":
        return "```python\nTODO = 1  # code\n\nprint(TODO)\n```", []
    if kind == "html":
        return shifted("<div class=\"TODO\">\n", joined(draw(st.lists(plain_inline, min_size=1, max_size=4)), " "),
                       "\n</div>")
    if kind == "table":
        cells = draw(st.lists(st.tuples(line(), line()), min_size=1, max_size=3))
        rows = [joined([("| ", []), a, (" | ", []), b, (" |", [])], "") for a, b in cells]
        delimiter = draw(st.sampled_from(["|---|---|", "|:-:|--:|", "| :--- | ---: |", "---|:-"]))
        return joined([("| head | TODO |", [len("| head | ")]), (delimiter, []), *rows], "\n")
    return "***", []


@st.composite
def markdown_document(draw: st.DrawFn) -> tuple[str, str, list[int]]:
    """(front matter, body, offsets of the prose TODOs in front matter + body)."""
    front = draw(st.sampled_from(["", "---\ntitle: TODO\n---\n", "+++\ntitle = 'TODO'\n+++\n"]))
    body, marks = joined(draw(st.lists(block(), min_size=1, max_size=6)), "\n\n")
    return front, body + "\n", [mark + len(front) for mark in marks]


BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "blockquote", "pre", "table", "thead",
          "tbody", "tr", "td", "th", "br", "hr", "title", "head", "body", "html"}


def lxml_prose(document: str, code: bool) -> str:
    """The text of an HTML document as lxml parses it: no script, style or template; no pre or
    code unless `code`; alt text apart; block elements apart."""
    if not document.strip():
        return ""
    parts: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else None  # None: a comment
        if tag is not None:
            apart = tag in BLOCKS
            parts.append("\n" if apart else "")
            if tag == "img":
                parts.extend(["\n", element.get("alt") or "", "\n"])
            if tag not in ("script", "style", "template") and (code or tag not in ("pre", "code")):
                parts.append(element.text or "")
                for child in element:
                    walk(child)
            parts.append("\n" if apart else "")
        parts.append(element.tail or "")

    walk(lxml.html.document_fromstring(document))
    return "".join(parts)


GFM = marko.Markdown(extensions=["gfm"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=markdown_document(), code=st.booleans())
def test_markdown_prose_is_what_another_parser_reads(document: tuple[str, str, list[int]], code: bool) -> None:
    """The same words as marko's HTML read by lxml, in the same order."""
    front, body, _ = document
    ours = markup.extract(front + body, "markdown", code).text
    theirs = lxml_prose(GFM.convert(body), code)
    assert reference_words(ours) == reference_words(theirs)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=markdown_document())
def test_forbidden_words_are_where_the_generator_put_them(document: tuple[str, str, list[int]]) -> None:
    front, body, marks = document
    source = front + body
    prose = markup.extract(source, "markdown")
    found = [prose.position(match.start()) for match in re.finditer(r"(?<![\w])TODO(?![\w])", prose.text)]
    assert found == [position(source, mark) for mark in marks]


def position(source: str, offset: int) -> tuple[int, int]:
    before = source[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


element_text = st.lists(st.sampled_from(WORDS + ["&amp;", "&lt;", "&#x54;ODO", "&eacute;", " ", "\n"]),
                        max_size=4).map(" ".join)


INLINE_TAGS = ["b", "i", "a", "code", "span", "img", "br", "script", "style", "comment"]


@st.composite
def html_element(draw: st.DrawFn, depth: int = 0, inline_only: bool = False) -> str:
    """Valid HTML (inline elements hold only inline ones, as do p, h2 and li): where a document
    is not, parsers rebuild it each their own way, before HTML5 (libxml2) or after."""
    tags = INLINE_TAGS + ([] if inline_only else ["p", "div", "pre", "h2", "li"])
    tag = draw(st.sampled_from(tags))
    if tag == "img":
        return f'<img src="TODO.png" alt="{draw(st.sampled_from(WORDS))} {draw(st.sampled_from(WORDS))}">'
    if tag == "br":
        return "<br>"
    if tag == "comment":
        return "<!-- TODO -->"
    if tag in ("script", "style"):
        return f"<{tag}>var TODO = 1 < 2;</{tag}>"
    inner = draw(element_text)
    if depth < 2 and tag != "pre":
        inline = tag != "div"
        inner += "".join(draw(st.lists(html_element(depth + 1, inline), max_size=3)))
    attrs = ' href="http://x.example/TODO"' if tag == "a" else ' class="TODO"'
    return f"<{tag}{attrs}>{inner}{draw(element_text)}</{tag}>"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.lists(html_element(), max_size=6).map("".join), code=st.booleans())
def test_html_prose_is_what_lxml_reads(body: str, code: bool) -> None:
    document = f"<html><head><title>A title</title></head><body>{body}</body></html>"
    assert reference_words(markup.extract(document, "html", code).text) == reference_words(lxml_prose(document, code))


# --------------------------------------------------------------------------- the run around it


def json_report(*args: str) -> str:
    result = invoke("--format", "json", "-q", "--per-file", *args)
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def corpus(root: pathlib.Path) -> None:
    for index in range(12):
        write(root, f"docs/page{index}.md", GUIDE * (index + 1))
        write(root, f"site/page{index}.html", PAGE * (index + 1))
        write(root, f"notes/n{index}.txt", "plain `text` TODO\n" * 300 * (index + 1))


def test_one_and_two_jobs_give_the_same_report(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """-j 1 and -j 2 (a real pool; large files cut into pieces, but not marked-up ones) agree byte
    for byte."""
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    monkeypatch.setattr(planning, "SPLIT_BYTES", 4 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 1024)
    corpus(tmp_path)
    cut: list[str] = []  # the files planned in pieces
    original = planning.plan_pieces
    monkeypatch.setattr(planning, "plan_pieces", lambda path, *args: cut.append(path) or original(path, *args))
    for args in (["--markup", "auto"], ["--markup", "auto", "--markup-code", "--forbid", "TODO", "--word-mode", "unicode"]):
        one = json_report(str(tmp_path), "-j", "1", *args)
        two = json_report(str(tmp_path), "-j", "2", *args)
        assert one == two
        assert all(path.endswith(".txt") for path in cut)  # no page was cut
        assert bool(cut) is ("--forbid" not in args)  # large text files were, unless searched
        assert one != json_report(str(tmp_path), "-j", "1")
        cut.clear()


def test_documents_are_batched_by_the_cost_of_their_prose() -> None:
    """Parsing Markdown costs about 20 times plain counting per byte: batches of documents are
    that much smaller, or one worker is left with most of the parsing (a 25 MB tree's last
    batch held 9 MB, 60% of the run, while the other worker waited). Plain text is batched as
    before, and so are documents without --markup auto."""
    from wordcount.choices import Markup
    from wordcount.counting.spec import Counting, Job
    from wordcount.model import FileEntry

    documents = [FileEntry(f"docs/page{index}.md", 100_000) for index in range(250)]
    texts = [FileEntry(f"notes/n{index}.txt", 100_000) for index in range(250)]
    prose, plain = Job(Counting(markup=Markup.auto)), Job()

    def largest(tasks: list[Any], entries: list[FileEntry]) -> int:
        sizes = {entry.path: entry.size for entry in entries}
        return max(sum(sizes[path] for path in task) for task in tasks)

    for tasks in (list(planning.stream_tasks(iter(documents), 2, prose, [])), planning.make_tasks(documents, 2, prose)):
        assert largest(tasks, documents) <= 1_000_000 and len(tasks) >= 16
    for entries, job in ((texts, prose), (documents, plain)):
        assert largest(list(planning.stream_tasks(iter(entries), 2, job, [])), entries) >= 8_000_000
    assert planning.work(documents, prose.counting) > planning.SERIAL_BELOW > planning.work(documents[:10], plain.counting)
    assert planning.work(documents[:10], prose.counting) > planning.SERIAL_BELOW  # a pool for 1 MB of Markdown


def test_the_cache_keeps_counts_apart_per_markup(tmp_path: pathlib.Path) -> None:
    root, store = tmp_path / "tree", tmp_path / "cache"
    corpus(root)
    fresh = {args: json_report(str(root), *args) for args in (("--markup", "auto"), ("--markup", "none"),
                                                            ("--markup", "auto", "--markup-code"))}
    for _ in range(2):
        for args, expected in fresh.items():
            assert json_report(str(root), "--cache-dir", str(store), *args) == expected


def test_config_keys(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "guide.md", GUIDE)
    monkeypatch.chdir(tmp_path)
    write(tmp_path, ".wordcount.toml", 'markup = "auto"\nmarkup-code = true\n')
    assert per_file("guide.md")["guide.md"]["words"] == GUIDE_CODE_WORDS
    assert per_file("guide.md", "--no-markup-code")["guide.md"]["words"] == GUIDE_WORDS
    assert per_file("guide.md", "--markup", "none")["guide.md"]["words"] == reference_counts(GUIDE)["words"]
    write(tmp_path, ".wordcount.toml", 'markup = "yes"\n')
    result = invoke("guide.md")
    assert result.exit_code == 2 and "markup" in result.stderr


def test_bad_markup_value_is_a_usage_error() -> None:
    result = invoke("--markup", "rst", ".")
    assert result.exit_code == 2 and "--markup" in result.stderr


def test_encodings_and_binary_files(tmp_path: pathlib.Path) -> None:
    """Marked-up files are read as any file is: the same encodings, replaced bytes, binary files."""
    latin = write(tmp_path, "latin.md", ("Caf\xe9 cr\xe8me br\xfbl\xe9e et na\xefvet\xe9 `code` ici. " * 20).encode("latin-1"))
    broken = write(tmp_path, "broken.md", b"\xef\xbb\xbfgood \xff\xfe words `x`\n" + b"plain words here\n" * 5)
    binary = write(tmp_path, "image.html", b"<p>\0\0\0</p>")
    report = json.loads(invoke("--format", "json", "--per-file", "--markup", "auto", str(tmp_path)).stdout)
    rows = {row["path"]: row for row in report["files"]}
    plain = {row["path"]: row for row in json.loads(invoke("--format", "json", "--per-file", str(tmp_path)).stdout)["files"]}
    assert rows[str(latin)]["words"] == 6 * 20  # Café crème brûlée et naïveté ici.
    assert rows[str(broken)]["replaced"] == 2 and rows[str(broken)]["words"] == 3 + 15
    for path in (latin, broken):
        for key in ("encoding", "confidence", "replaced", "lines", "bytes"):
            assert rows[str(path)].get(key) == plain[str(path)].get(key)
    assert rows[str(latin)]["encoding"] != "utf-8"
    assert {"path": str(binary), "reason": "binary"} in report["skipped"]


def test_a_document_the_parser_fails_on_is_that_files_error(tmp_path: pathlib.Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "bad.md", "text\n")
    write(tmp_path, "good.txt", "two words\n")

    def failing(source: str, kind: str, code: bool = False) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(markup, "extract", failing)
    result = invoke("--format", "json", "-j", "1", "--markup", "auto", str(tmp_path))
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert report["totals"]["words"] == 2
    assert [error["path"] for error in report["errors"]] == [str(tmp_path / "bad.md")]
    assert "markdown" in report["errors"][0]["error"]


MARKUP_ALPHABET = st.sampled_from(list("ab T\n\t\r*_`[]()<>!&#;:/\\|-=+~\"'.1") + ["&amp;", "<b>", "</b>", "<code>", "```",
                                                                                  "<!--", "-->", "---\n", "\u00a0", "\0"])


@settings(max_examples=500, deadline=None)
@given(source=st.lists(MARKUP_ALPHABET, max_size=60).map("".join), kind=st.sampled_from(["markdown", "html"]),
       code=st.booleans())
def test_any_text_gives_prose_that_maps_into_the_source(source: str, kind: str, code: bool) -> None:
    """Whatever the text, extraction ends, and each character of the prose taken from the source
    as it stands maps to that very character; every one maps to a place inside the source."""
    prose = markup.extract(source, kind, code)
    if kind == "markdown":
        # A lone CR ends no line for wc: Markdown reads it as a space; NUL is U+FFFD for CommonMark.
        source = re.sub("\r(?!\n)", " ", source).replace("\0", "\ufffd")
    for index, start in enumerate(prose.starts):
        stop = prose.starts[index + 1] if index + 1 < len(prose.starts) else len(prose.text)
        origin = prose.origins[index]
        assert 0 <= origin <= len(source)
        if prose.verbatim[index]:
            assert source[origin : origin + stop - start] == prose.text[start:stop]
    for offset in range(len(prose.text)):
        line, column = prose.position(offset)
        assert 1 <= line <= source.count("\n") + 1 and column >= 1


def test_workers_import_the_parsers_only_for_a_marked_up_file(tmp_path: pathlib.Path) -> None:
    """Workers stay cheap to import: markdown-it-py and html.parser come in only when a Markdown
    or HTML file is counted with --markup auto (a fresh process, whose imports are its own)."""
    write(tmp_path, "a.md", "*x*\n")
    write(tmp_path, "b.txt", "x\n")
    parsers = "[name in sys.modules for name in ('markdown_it', 'html.parser')]"
    code = (
        "import sys\nfrom wordcount.counting.batch import count_batch\nfrom wordcount.counting.spec import Counting, Job\n"
        "from wordcount.progress import NoProgress\nfrom wordcount.choices import Markup\n"
        f"count_batch([{str(tmp_path / 'a.md')!r}, {str(tmp_path / 'b.txt')!r}], Job(), NoProgress(), None)\n"
        f"print({parsers})\n"
        f"count_batch([{str(tmp_path / 'b.txt')!r}], Job(Counting(markup=Markup.auto)), NoProgress(), None)\n"
        f"print({parsers})\n"
        f"count_batch([{str(tmp_path / 'a.md')!r}], Job(Counting(markup=Markup.auto)), NoProgress(), None)\n"
        f"print({parsers})\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, env=repo_env(), timeout=60)
    assert completed.stdout.decode().split() == ["[False,", "False]"] * 2 + ["[True,", "True]"], completed.stderr


RENDERED_ALPHABET = st.sampled_from(list("ab T\n*_`[]()<>!&#;:/\\|-.1~") + ["&amp;", "<b>", "</b>", "```", "    ",
                                                                            "- [ ] ", "[x] ", "|---|"])
MARKDOWN_IT = MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(tasklists_plugin)  # as text/markup.py parses


@settings(max_examples=300, deadline=None)
@given(source=st.lists(RENDERED_ALPHABET, max_size=40).map("".join), code=st.booleans())
def test_any_markdown_reads_as_its_rendered_html(source: str, code: bool) -> None:
    """On any text, the words walked out of markdown-it-py's tokens are those of the HTML it
    renders, as lxml reads it: the walk loses and invents nothing, whatever the syntax. (HTML
    comments and code tags are left out of the alphabet: where HTML is malformed, parsers rebuild
    it each their own way.)"""
    ours = markup.extract(source, "markdown", code).text
    theirs = lxml_prose(f"<html><body>{MARKDOWN_IT.render(source)}</body></html>", code)
    assert reference_words(ours) == reference_words(theirs)


def test_unfinished_tags_and_comments_at_the_end_hold_no_prose() -> None:
    assert markup.extract("some text <b class='x", "html").text.split() == ["some", "text"]
    assert markup.extract("words\n\n<!-- never closed\nTODO\n", "markdown").text.split() == ["words"]
    assert markup.extract("a < b &am", "html").text.split() == ["a", "<", "b", "&am"]


# --------------------------------------------------------------------------- the parser's shortcuts

LINK_ALPHABET = st.sampled_from(list("ab :/()<>\\\"' \n\t\x01\x7f#?&%é") + ["http", "https:", "HTTPS://", "mailto:", "ftp:",
                                                                      "javascript:", "JavaScript:", "data:",
                                                                      "data:image/png;", "vbscript:", "file:",
                                                                      "&amp;", "&#58;", "\\)", "](", "[", "]"])


@settings(max_examples=1000, deadline=None)
@given(text=st.lists(LINK_ALPHABET, max_size=20).map("".join), start=st.integers(0, 3))
def test_the_fast_destination_scan_is_markdown_it_pys(text: str, start: int) -> None:
    from markdown_it.helpers import parseLinkDestination

    from wordcount.text.markdown_links import parse_destination

    start = min(start, len(text))
    theirs = parseLinkDestination(text, start, len(text))
    ours = parse_destination(text, start, len(text))
    assert (ours.ok, ours.pos, ours.str) == (theirs.ok, theirs.pos, theirs.str)


@settings(max_examples=1000, deadline=None)
@given(url=st.lists(LINK_ALPHABET, max_size=8).map("".join))
def test_links_are_valid_exactly_when_markdown_it_py_says(url: str) -> None:
    """Destinations are not normalised, but `javascript:` and the like are still no links."""
    from markdown_it.common.normalize_url import normalizeLink, validateLink

    assert markup._parser().validateLink(url) == validateLink(normalizeLink(url))


def tokens(parsed: list[Any]) -> list[Any]:
    """The tokens as the walk reads them (not `href` and `src`, which it never reads)."""
    return [(token.type, token.content, token.map, token.markup, token.info, tokens(token.children or []))
            for token in parsed]


@settings(max_examples=300, deadline=None)
@given(source=st.one_of(markdown_document().map(lambda doc: doc[0] + doc[1]),
                        st.lists(st.one_of(LINK_ALPHABET, RENDERED_ALPHABET), max_size=40).map("".join)))
def test_the_prose_parser_gives_markdown_it_pys_tokens(source: str) -> None:
    plain = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("text_join").use(tasklists_plugin)
    assert tokens(markup._parser().parse(source)) == tokens(plain.parse(source))

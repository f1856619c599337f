"""Which files are marked up (`--markup auto`), and the prose of Markdown.

A file ending in `.md` or `.markdown` is Markdown, parsed as CommonMark with GitHub's tables,
strikethrough and task lists (markdown-it-py, and mdit-py-plugins for task lists); one ending in `.html` or `.htm` is HTML (`text/html_prose.py`). Their
prose (`prose_map.Prose`) is what is counted and searched. Prose in Markdown: the text of paragraphs,
headings, list items (a task list item's text, not its box `[ ]` or `[x]`), block quotes and table
cells (not the pipes between them, nor the row under the header), link text, image alt text, an autolink's
address as written (the text shown), and the text inside HTML blocks and inline HTML (read as HTML is read).
Not prose: front matter (YAML between `---` lines, TOML between `+++` lines, at the very top),
link destinations and titles, reference definitions, HTML tags, attributes and comments, and code
(fenced and indented blocks, code spans) unless code counts.

markdown-it-py gives each block's source lines but no columns: each piece of text is looked for
in its block's source, going forward, so that it is placed where it stands in the file.

Workers load this module (through `counting/spec.py`): it stays cheap to import; markdown-it-py and the
HTML reader are imported only when a marked-up file is read.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

from wordcount.text.prose_map import Prose, ProseBuilder, line_starts

KINDS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}
_FRONT_MATTER = (
    re.compile(r"\A---[ \t]*\r?\n(?:.*?\n)??(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL),
    re.compile(r"\A\+\+\+[ \t]*\r?\n(?:.*?\n)??\+\+\+[ \t]*(?:\r?\n|\Z)", re.DOTALL),
)
_LONE_CR = re.compile(r"\r(?!\n)")


def kind_of(path: str) -> str | None:
    """The markup of the file at `path`, by its name's ending (in any case): `markdown`, `html`,
    or None for a file read as plain text."""
    return KINDS.get(os.path.splitext(path)[1].lower())


def extract(source: str, kind: str, code: bool = False) -> Prose:
    """The prose of `source`, a whole decoded document of `kind`; `code`: code is prose too."""
    if kind == "html":
        from wordcount.text.html_prose import prose_of_html

        return prose_of_html(source, code).prose()
    return _Markdown(source, code).walk().prose()


def blank_front_matter(source: str) -> str:
    """`source` with its front matter, if it starts with one, made blank (spaces; its line
    breaks kept), so that offsets and line numbers stay those of the file."""
    for pattern in _FRONT_MATTER:
        found = pattern.match(source)
        if found is not None:
            end = found.end()
            return re.sub(r"[^\r\n]", " ", source[:end]) + source[end:]
    return source


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    """CommonMark with GFM tables, strikethrough and task lists (a task box becomes an `<input>`
    tag, no text); escapes and entities kept as tokens of their own (no `text_join`), so that the
    text tokens are the source's own text."""
    from mdit_py_plugins.tasklists import tasklists_plugin

    from wordcount.text.markdown_links import ProseParser

    return ProseParser("commonmark").enable(["table", "strikethrough"]).disable("text_join").use(tasklists_plugin)


class _Markdown:
    """One Markdown document walked, token by token, into its prose."""

    def __init__(self, source: str, code: bool) -> None:
        # Lone carriage returns end lines for CommonMark, not for wc: spaces keep the lines as wc
        # counts them. NUL is U+FFFD for CommonMark: so in the text its tokens are looked for in.
        self.body = _LONE_CR.sub(" ", blank_front_matter(source)).replace("\0", "\ufffd")
        self.code = code
        self.builder = ProseBuilder(self.body)
        self.lines = line_starts(self.body)
        from wordcount.text.html_prose import HtmlState

        self.html = HtmlState(self.builder, code)

    def _offset(self, line: int) -> int:
        """Where the 0-based `line` begins (the end of the document past the last line)."""
        return self.lines[line] if line < len(self.lines) else len(self.body)

    def walk(self) -> ProseBuilder:
        """Every block's prose, with a break between blocks."""
        builder = self.builder
        at, end, done = 0, len(self.body), 0
        for token in _parser().parse(self.body):
            if token.map is not None:
                at, end = self._offset(token.map[0]), self._offset(token.map[1])
            if token.type == "inline":
                depth = len(self.html.hidden)
                # Table cells share their row's lines: each goes on where the one before it stopped.
                done = self._inline(token.children or [], max(at, done), end)
                del self.html.hidden[depth:]  # inline HTML left open ends with its paragraph
            elif token.type in ("fence", "code_block"):
                if self.code:
                    self._code(token.content, self._offset(token.map[0] + 1) if token.type == "fence" else at, end)
            elif token.type == "html_block":
                found = self.body.find(token.content, at, end)
                self.html.read(token.content, found if found >= 0 else at, verbatim=found >= 0)
            builder.brk(at)
        return builder

    def _code(self, content: str, cursor: int, end: int) -> None:
        """A code block's lines, each found in the source (its indentation or quote marks aside)."""
        builder = self.builder
        builder.brk(cursor)
        for line in content.split("\n"):  # lines end at U+000A only, as wc counts them
            cursor = builder.found(line, cursor, end)
            builder.brk(cursor)

    def _inline(self, children: list[Any], cursor: int, end: int) -> int:
        """The prose of a block's inline tokens, looked for from `cursor`; returns where the
        search stopped."""
        builder, body = self.builder, self.body
        tokens = iter(children)
        for child in tokens:
            kind = child.type
            if kind == "html_inline":  # a task box is one too, not in the source: an `<input>`, no text
                found = body.find(child.content, cursor, end)
                at = found if found >= 0 else cursor
                self.html.read(child.content, at, verbatim=found >= 0)
                cursor = at + len(child.content) if found >= 0 else cursor
            elif kind in ("softbreak", "hardbreak"):
                builder.brk(cursor)
            elif kind == "link_open" and child.markup == "autolink":
                for inner in tokens:  # its text is the address, as written
                    if inner.type == "link_close":
                        break
                cursor = self._autolink(cursor, end)
            elif kind == "link_close":
                cursor = _after_link(body, cursor, end)
            elif kind == "image":
                cursor = self._image(child, cursor, end)
            elif kind == "code_inline":
                cursor = self._code_span(child, cursor, end)
            elif self.html.hiding:
                continue
            elif kind == "text":
                cursor = builder.found(child.content, cursor, end)
            elif kind == "text_special":  # an escape or an entity, placed at its source
                found = body.find(child.markup, cursor, end)
                at = found if found >= 0 else cursor
                builder.add(child.content, at, verbatim=False)
                cursor = at + len(child.markup) if found >= 0 else cursor
        return cursor

    def _autolink(self, cursor: int, end: int) -> int:
        """An autolink's address as written between its `<` and `>` (the text shown, unlike the
        parser's, which decodes %-escapes); returns the position past its `>`."""
        opened = self.body.find("<", cursor, end)
        closed = self.body.find(">", opened, end) if opened >= 0 else -1
        if closed < 0:
            return cursor
        if not self.html.hiding:
            self.builder.add(self.body[opened + 1 : closed], opened + 1)
        return closed + 1

    def _image(self, image: Any, cursor: int, end: int) -> int:
        """An image's alt text (apart from the words around it), then past its destination."""
        cursor = _after(self.body, "![", cursor, end)
        if not self.html.hiding:
            self.builder.brk(cursor)
            cursor = self._inline(image.children or [], cursor, end)
            self.builder.brk(cursor)
        return _after_link(self.body, cursor, end)

    def _code_span(self, span: Any, cursor: int, end: int) -> int:
        """A code span: its text when code counts; the search goes on past its closing backticks."""
        opened = self.body.find(span.markup, cursor, end)
        if opened < 0:
            if self.code and not self.html.hiding:
                self.builder.add(span.content, cursor, verbatim=False)
            return cursor
        inside = opened + len(span.markup)
        found = self.body.find(span.content, inside, end)
        if self.code and not self.html.hiding:
            self.builder.found(span.content, inside, end)
        after = found + len(span.content) if found >= 0 else inside
        return _after(self.body, span.markup, after, end)


def _after(body: str, text: str, cursor: int, end: int) -> int:
    """Just past the next `text` from `cursor` (`cursor` itself if there is none before `end`)."""
    found = body.find(text, cursor, end)
    return cursor if found < 0 else found + len(text)


def _after_link(body: str, cursor: int, end: int) -> int:
    """Past the end of a link (or image) whose text ends at `cursor`: past `](destination "title")`,
    `][label]` or `]`, whichever follows."""
    from markdown_it.helpers import parseLinkTitle

    from wordcount.text.markdown_links import parse_destination

    close = body.find("]", cursor, end)
    if close < 0:
        return cursor
    at = close + 1
    if body.startswith("[", at):
        return _after(body, "]", at + 1, end)
    if not body.startswith("(", at):
        return at
    at = _skip_space(body, at + 1, end)
    destination = parse_destination(body, at, end)
    if destination.ok:
        at = _skip_space(body, destination.pos, end)
        title = parseLinkTitle(body, at, end)
        if title.ok:
            at = _skip_space(body, title.pos, end)
    return at + 1 if body.startswith(")", at) else at


def _skip_space(body: str, at: int, end: int) -> int:
    """Past the spaces, tabs and line breaks from `at`."""
    while at < end and body[at] in " \t\r\n":
        at += 1
    return at

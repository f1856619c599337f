"""The prose of HTML: the text a reader reads, without tags, attributes, comments or scripts.

Read with the standard library's `html.parser`, its character references left as they stand
(`convert_charrefs=False`), so that each piece of text is the source's own text, at the place the
parser reports, and each reference (`&amp;`, `&#x54;`) is decoded on its own, placed at its `&`.

What is prose: the text of every element but `<script>`, `<style>` and `<template>` (never) and
`<pre>` and `<code>` (only when code counts); an image's `alt` text, which a reader is given in
its stead (as vale's `alt` scope reads it). Block elements and `<br>` break the text, so that
words on either side stay apart; inline ones (`<b>`, `<a>`) do not.

Loaded only when a file is counted with `--markup auto` (`markup.extract`).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from wordcount.text.prose_map import ProseBuilder, line_starts

NEVER = frozenset({"script", "style", "template"})
CODE = frozenset({"pre", "code"})
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "head",
    "header", "hgroup", "hr", "html", "legend", "li", "main", "nav", "ol", "option", "p", "pre", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
})
_UNFINISHED = re.compile(r"<[A-Za-z!/?]")
_ALT = re.compile(r"""\salt\s*=\s*(["']?)""", re.IGNORECASE)


class HtmlState:
    """What outlives one piece of HTML in a document: the elements open whose text is not
    prose (a Markdown paragraph's `<code>` and `</code>` come as two pieces)."""

    def __init__(self, builder: ProseBuilder, code: bool) -> None:
        self.builder = builder
        self.code = code
        self.hidden: list[str] = []  # open elements whose text is left out, innermost last

    @property
    def hiding(self) -> bool:
        """Whether text met now is left out."""
        return bool(self.hidden)

    def opened(self, tag: str) -> None:
        if tag in NEVER or (tag in CODE and not self.code):
            self.hidden.append(tag)

    def closed(self, tag: str) -> None:
        if tag in self.hidden:
            del self.hidden[len(self.hidden) - 1 - self.hidden[::-1].index(tag) :]

    def read(self, chunk: str, origin: int, verbatim: bool = True) -> None:
        """Take the prose of `chunk`, a piece of HTML found at `origin` in the source (not
        `verbatim`: a piece that stands for the source there, all of it placed at `origin`)."""
        reader = _Reader(self, chunk, origin, verbatim)
        reader.feed(chunk)
        if not _UNFINISHED.match(reader.rawdata):  # what the parser holds back: an unfinished tag or
            reader.close()  # comment at the end has no text for a browser; anything else is text


class _Reader(HTMLParser):
    """One piece of HTML read into the document's prose."""

    def __init__(self, state: HtmlState, chunk: str, origin: int, verbatim: bool) -> None:
        super().__init__(convert_charrefs=False)
        self.state = state
        self.chunk = chunk
        self.origin = origin
        self.verbatim = verbatim  # False: the chunk is not the source's text, all of it stands at `origin`
        self.lines = line_starts(chunk)

    def _local(self) -> int:
        """The offset in the chunk of what the parser is at."""
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def _at(self) -> int:
        """The source offset of what the parser is at."""
        return self.origin + self._local() if self.verbatim else self.origin

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        state = self.state
        if tag in BLOCKS and not state.hiding:
            state.builder.brk(self._at())
        if tag == "img" and not state.hiding:
            self._alt(dict(attrs).get("alt"))
        state.opened(tag)

    def handle_endtag(self, tag: str) -> None:
        self.state.closed(tag)
        if tag in BLOCKS and not self.state.hiding:
            self.state.builder.brk(self._at())

    def _alt(self, alt: str | None) -> None:
        """An image's alt text, placed at its value in the tag (the tag's start if not found)."""
        if not alt or not alt.strip():
            return
        at, raw = self._at(), self.get_starttag_text() or ""
        builder = self.state.builder
        builder.brk(at)
        found = _ALT.search(raw)
        if found is None:
            builder.add(alt, at, verbatim=False)
        else:
            verbatim = self.verbatim and raw.startswith(alt, found.end())
            builder.add(alt, at + found.end() if self.verbatim else at, verbatim=verbatim)
        builder.brk(at)

    def handle_data(self, data: str) -> None:
        if self.state.hiding:
            return
        builder, at = self.state.builder, self._at()
        if builder.ends_block:  # the space after a break: the break stands for it
            text = data.lstrip()
            at, data = at + len(data) - len(text), text
        builder.add(data, at, verbatim=self.verbatim)

    def handle_entityref(self, name: str) -> None:
        self._reference("&" + name)

    def handle_charref(self, name: str) -> None:
        self._reference("&#" + name)

    def _reference(self, raw: str) -> None:
        """A character reference, decoded, placed at its `&`."""
        if self.state.hiding:
            return
        at = self._at()
        if self.chunk.startswith(";", self._local() + len(raw)):
            raw += ";"
        self.state.builder.add(html.unescape(raw), at, verbatim=False)


def prose_of_html(source: str, code: bool) -> ProseBuilder:
    """The prose of a whole HTML document, put together."""
    builder = ProseBuilder(source)
    HtmlState(builder, code).read(source, 0)
    return builder

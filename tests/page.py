"""A strict reader of the HTML report for the tests: every element with its attributes and the
section it lies in, the text of each section, and a check that every tag is closed in order."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

VOID = {"meta", "link", "br", "img", "hr", "input", "source", "wbr", "area", "base", "col", "embed", "track"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    section: str | None  # the id of the <section> it lies in


class Page(HTMLParser):
    """The page `text`, parsed; AssertionError when a tag is closed out of order or left open."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []  # (tag, the section's id)
        self.elements: list[Element] = []
        self.texts: list[tuple[str | None, tuple[str, ...], str]] = []  # (section, open tags, text)
        self.body_rows: list[tuple[str | None, list[str]]] = []  # (section, cells) of each <tbody> row
        self.feed(text)
        self.close()
        assert not self.stack, f"left open: {self.stack}"

    def _section(self) -> str | None:
        return self.stack[-1][1] if self.stack else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        section = found.get("id") if tag == "section" else self._section()
        self.elements.append(Element(tag, found, section))
        if tag == "tr" and any(open_tag == "tbody" for open_tag, _ in self.stack):
            self.body_rows.append((section, []))
        elif tag == "td" and self.body_rows:
            self.body_rows[-1][1].append("")
        if tag not in VOID:
            self.stack.append((tag, section))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs), self._section()))

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes {self.stack[-1:] or 'nothing'}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        tags = tuple(tag for tag, _ in self.stack)
        self.texts.append((self._section(), tags, data))
        if tags[-1:] == ("td",) and "tbody" in tags:
            self.body_rows[-1][1][-1] += data

    def find(self, tag: str, section: str | None = None, cls: str | None = None) -> list[Element]:
        """The elements `tag` (in `section`; of class `cls`), in page order."""
        return [e for e in self.elements if e.tag == tag and (section is None or e.section == section)
                and (cls is None or cls in (e.attrs.get("class") or "").split())]

    def text(self, section: str | None = None) -> str:
        """The text of the page or of one section, pieces joined by newlines."""
        return "\n".join(data for where, _, data in self.texts if section is None or where == section)

    def titles(self, section: str) -> list[str]:
        """The tooltips (`<title>` texts) of one section's charts, in order."""
        return [data for where, tags, data in self.texts if where == section and tags[-1:] == ("title",)
                and "svg" in tags[:-1] and tags[-2] != "svg"]

    def sections(self) -> list[str]:
        return [str(e.attrs.get("id")) for e in self.find("section")]

    def rows(self, section: str) -> list[list[str]]:
        """The cells of a section's table rows (header rows left out), tables one after another."""
        return [cells for where, cells in self.body_rows if where == section]

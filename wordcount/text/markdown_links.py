"""A markdown-it-py parser that spends nothing on link destinations, which are not prose.

Most of what markdown-it-py does for a link is for its destination: it scans it one character at
a time and normalises it (parsed as a URL, its host name punycoded, %-encoded), all for the
rendered `href`, which prose never reads. Link-heavy documents (changelogs, indexes) spent a third
of their time there. `ProseParser` keeps the destination as written and only decides, as
markdown-it-py does, whether it is a valid link (`javascript:` and the like are not, and such a
"link" stays text); `parse_destination` scans a destination with one regular expression where
it can. Both give the very tokens and positions markdown-it-py gives: only the `href` differs.

Loaded with markdown-it-py, only when a Markdown file is counted by its prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt, helpers
from markdown_it.common.normalize_url import normalizeLink, validateLink
from markdown_it.common.utils import unescapeAll

# A destination that cannot be a forbidden one once normalised: no scheme at all (normalising
# never adds a colon), or one of the schemes markdown-it-py keeps (normalising keeps the scheme).
_SURELY_VALID = re.compile(r"[^:]*\Z|(?:https?|mailto|ftp):", re.IGNORECASE)
# Characters that end a destination, or need the full scan: space and controls, parentheses, `\`.
_PLAIN_RUN = re.compile(r"[^\x00-\x20\x7f()\\]*")
_SIMPLE_END = frozenset(chr(code) for code in range(0x21)) | {"\x7f", ")"}


@dataclass(frozen=True, slots=True)
class _Destination:
    """What `parseLinkDestination` answers, as its rules read it."""

    ok: bool
    pos: int
    str: str


def parse_destination(string: str, pos: int, maximum: int) -> Any:
    """markdown-it-py's `parseLinkDestination`, the same result; a destination without `<`,
    parentheses or backslashes (nearly all) is scanned by one regular expression, not one
    character at a time."""
    if pos < maximum and string[pos] != "<":
        end = _PLAIN_RUN.match(string, pos, maximum).end()  # type: ignore[union-attr]
        if end > pos and (end == maximum or string[end] in _SIMPLE_END):
            return _Destination(True, end, unescapeAll(string[pos:end]))
    return helpers.parseLinkDestination(string, pos, maximum)


class _Helpers:
    """markdown-it-py's link helpers, with the faster destination scan (the others named here,
    as each link asks for them; any other, from the module)."""

    parseLinkDestination = staticmethod(parse_destination)
    parseLinkLabel = staticmethod(helpers.parseLinkLabel)
    parseLinkTitle = staticmethod(helpers.parseLinkTitle)

    def __getattr__(self, name: str) -> Any:
        return getattr(helpers, name)


class ProseParser(MarkdownIt):
    """A `MarkdownIt` that keeps link destinations as written (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helpers = _Helpers()  # type: ignore[assignment]

    def normalizeLink(self, url: str) -> str:
        return url

    def normalizeLinkText(self, link: str) -> str:
        return link

    def validateLink(self, url: str) -> bool:
        """Whether markdown-it-py would take `url`, normalised, as a link."""
        return _SURELY_VALID.match(url) is not None or validateLink(normalizeLink(url))

"""What GNU wc (>= 9.5, UTF-8) calls whitespace, and words split one character at a time by it: the
slow, obviously right reference of the tests. Standard library only: the sanitizer run of the
compiled core (tests/core_reference.py) imports it without pytest or wordcount."""

from __future__ import annotations

# glibc's iswspace plus wc's four no-break spaces, written out by hand, independently of the byte
# tables in wordcount.counting.tally.
WC_SPACES = frozenset(
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u2060\u3000"
)


def reference_words(text: str) -> list[str]:
    """Split text into words one character at a time: the slow, obviously right way."""
    words: list[str] = []
    current: list[str] = []
    for char in text:
        if char in WC_SPACES:
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
    if current:
        words.append("".join(current))
    return words

"""Word-frequency tables: the compiled core's `Table`, or its pure-Python twin, behind one interface.

A table maps a word's UTF-8 bytes to how often it was found. Workers fill one per process (the
compiled scanner adds each token without making a Python object of it), hand it over whole (a
compiled table crosses processes as one compact buffer, not a pickled dict of millions of
`bytes`), and the parent merges them (in C). Only the few words shown, normalising, the cache and
each file's own words see them as a `dict`. Both kinds give the same words, counts and ranking.

Workers load this module: it stays cheap to import.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import ItemsView, Mapping
from typing import Any, Protocol, Union

from wordcount.counting import core

# Tokens longer than this count as words but are left out of the frequencies (base64 blobs,
# minified code); it also bounds what a file without whitespace keeps in memory.
MAX_WORD_BYTES = 1024


class Words(Protocol):
    """What the rest of the code asks of a frequency table, whichever core made it."""

    def __len__(self) -> int: ...

    def add(self, word: bytes, count: int = 1) -> None: ...

    def update(self, other: Any) -> None: ...  # another table, or a mapping of word → count

    def items(self) -> ItemsView[bytes, int]: ...

    def top(self, n: int) -> list[tuple[bytes, int]]: ...

    def to_dict(self) -> dict[bytes, int]: ...


class PyTable(Counter):  # type: ignore[type-arg]
    """The pure-Python table: a `Counter` of bytes with the compiled `Table`'s methods."""

    def add(self, word: bytes, count: int = 1) -> None:
        """Count `word` `count` more times."""
        self[word] += count

    def top(self, n: int) -> list[tuple[bytes, int]]:
        """The `n` most frequent words (see `ranking`)."""
        return ranking(self, n)

    def to_dict(self) -> dict[bytes, int]:
        """The table as a plain dict."""
        return dict(self)


# What a batch carries: a table, a mapping, or a compiled table's bytes (see `carried`).
Carried = Union[Words, Mapping[bytes, int], bytes]


def new_table(other: Carried | None = None) -> Words:
    """An empty table of the core in use (or one holding a copy of `other`)."""
    compiled = core.compiled()
    table: Words = compiled.Table() if compiled is not None else PyTable()
    if other:
        merge(table, other)
    return table


def carried(table: Words) -> Words | bytes:
    """A table as a worker hands it over: a compiled one as its bytes, which the parent adds up
    straight from the buffer (no table is built of them first), b"" when empty; a pure one as
    it is (pickled as a Counter)."""
    if isinstance(table, PyTable):
        return table
    return table.dumps() if len(table) else b""  # type: ignore[attr-defined,no-any-return]


def merge(table: Words, other: Carried) -> None:
    """Add `other` to `table`: a table of either core, a mapping, or a compiled table's bytes
    (b"": an empty one)."""
    if not other:
        return
    if isinstance(table, PyTable) and not isinstance(other, Mapping):
        other = as_dict(other)  # a pure parent given a compiled table (a Dask worker of another build)
    table.update(other)


def as_dict(table: Carried) -> dict[bytes, int]:
    """A table, a mapping or a compiled table's bytes as a plain dict of word → count."""
    if not table:
        return {}
    if isinstance(table, Mapping):
        return dict(table)
    if isinstance(table, bytes):
        if core.loaded() is None:
            raise ValueError("a compiled table's bytes, but the compiled core is not built here")
        return core.loaded().Table.loads(table).to_dict()  # type: ignore[union-attr,no-any-return]
    return table.to_dict()


def ranking(table: Mapping[bytes, int], wanted: int) -> list[tuple[bytes, int]]:
    """The `wanted` most frequent words (too long ones left out), ties broken by the word.

    Only the words whose count reaches the N-th largest count are looked at closely, so
    a vocabulary of millions costs one pass, not a sort. (The compiled table's `top` does the
    same in C.)
    """
    if wanted <= 0 or not table:
        return []
    reach = wanted
    while True:
        cutoff = heapq.nlargest(reach, table.values())[-1] if reach < len(table) else 0
        eligible = [
            (word, count)
            for word, count in table.items()
            if count >= cutoff and len(word) <= MAX_WORD_BYTES
        ]
        if len(eligible) >= wanted or cutoff == 0:
            break
        reach *= 4  # too many of the most frequent were too long to be words
    # UTF-8 byte order is code point order, so sorting the bytes sorts the words.
    eligible.sort(key=lambda pair: (-pair[1], pair[0]))
    return eligible[:wanted]

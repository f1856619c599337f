"""Breakdowns of the counted files (`--by ext|dir|dir:N`): the totals of each extension, or of
each folder at a depth below the path it was found under, as tokei and scc give per language.

Groups are made in the parent from the per-file rows, after the merge: they cost nothing to
count, and the same rows give the same groups whatever the number of workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wordcount.counting.spec import COMPRESSED_SUFFIXES
from wordcount.model import STDIN, FileCounts, Totals

NO_EXTENSION = "(none)"


@dataclass(frozen=True, slots=True)
class Grouping:
    """How files are grouped: by extension (`ext`), or by folder `depth` levels below the path
    they were found under (`dir`)."""

    kind: str  # "ext" or "dir"
    depth: int = 1

    @property
    def label(self) -> str:
        """The option's value that asks for this grouping: `ext`, `dir` or `dir:3`."""
        return self.kind if self.kind == "ext" or self.depth == 1 else f"{self.kind}:{self.depth}"

    @property
    def title(self) -> str:
        """What the groups are, for people: `by extension`, `by folder, 2 levels down`."""
        if self.kind == "ext":
            return "by extension"
        return "by folder" + ("" if self.depth == 1 else f", {self.depth} levels down")


def parse_grouping(text: str, deepest: int) -> Grouping:
    """`ext`, `dir` or `dir:N` (N from 1 to `deepest`) as a Grouping; ValueError names what is wrong."""
    kind, colon, depth = text.partition(":")
    if kind == "ext" and not colon:
        return Grouping("ext")
    if kind == "dir":
        if not colon:
            return Grouping("dir")
        try:
            number = int(depth) if depth.isascii() and depth.isdigit() else 0
        except ValueError:  # more digits than Python converts
            number = deepest + 1
        if number > deepest:
            raise ValueError(f"the depth in {text!r} is more than {deepest:,}")
        if number >= 1:
            return Grouping("dir", number)
        raise ValueError(f"the depth in {text!r} is not a whole number of at least 1")
    raise ValueError(f"{text!r} is not one of ext, dir, dir:N")


@dataclass(frozen=True, slots=True)
class Group:
    """One group's name and the totals of its files."""

    name: str
    totals: Totals


def extension(path: str, decompressed: bool = False) -> str:
    """A file's extension as written (`.md`), or NO_EXTENSION; a leading dot names no extension.
    `decompressed`: the file was counted as its text (`-z`), whose extension is the one inside
    the compression suffix: `notes.txt.gz` is `.txt`, `notes.gz` has none."""
    name = os.path.basename(path)
    stem, suffix = os.path.splitext(name)
    if decompressed and suffix in COMPRESSED_SUFFIXES:
        name = stem
    return os.path.splitext(name)[1] or NO_EXTENSION


def folder(path: str, roots: Sequence[str], depth: int) -> str:
    """The folder `depth` levels below the root `path` was found under (shallower when the file is
    less deep), written as the path is: `corpus/en` for `corpus/en/notes/a.md` at depth 1."""
    if path == STDIN:
        return STDIN
    for root in roots:
        base = root.rstrip(os.sep) or os.sep
        if path == root:  # a file named on the command line: its own folder
            return os.path.dirname(path) or os.curdir
        prefix = base if base.endswith(os.sep) else base + os.sep
        if path.startswith(prefix):
            parts = path[len(prefix) :].split(os.sep)[:-1]
            return os.path.join(base, *parts[:depth])
    return os.path.dirname(path) or os.curdir


def grouped(rows: Iterable[FileCounts], grouping: Grouping, roots: Sequence[str]) -> list[Group]:
    """The groups of the rows, the most words first, ties by name (so output is deterministic)."""
    sums: dict[str, Totals] = {}
    for row in rows:
        name = extension(row.path, row.stored is not None) if grouping.kind == "ext" else folder(
            row.path, roots, grouping.depth)
        sums[name] = sums.get(name, Totals()) + row.totals
    return [Group(name, totals) for name, totals in sorted(sums.items(), key=lambda item: (-item[1].words, item[0]))]

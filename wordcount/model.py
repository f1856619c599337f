"""The small frozen values that flow between the stages: discovery, counting, merging.

Every stage speaks this vocabulary and nothing else, so a worker's answer is a handful of
plain values that pickle cheaply and a renderer never needs to know how they were made.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the stages' own types, named here only in annotations: the model imports no stage
    from wordcount.counting.freq import Carried
    from wordcount.text.decoding import Decoding
    from wordcount.text.not_utf8 import Sample

STDIN = "-"  # the path that means standard input
# A detected encoding with a lower confidence is listed as uncertain, for the user to pin it.
# chardet is rarely sure of a single-byte encoding even when right: on bench/encodings.py's
# ~1,450 real files, below 0.25 holds 24 of the 30 read wrong and 226 of the 1,425 read right.
UNCERTAIN_BELOW = 0.25


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A file that takes part in the count: its path as reached from the arguments, its size,
    and its modification time (0 when it is not a regular file: such a file is never cached)."""

    path: str
    size: int
    mtime_ns: int = 0


@dataclass(frozen=True, slots=True)
class Totals:
    """Line, word, character and byte counts of some number of files; they add up."""

    files: int = 0
    lines: int = 0
    words: int = 0
    chars: int = 0
    bytes: int = 0
    cjk_chars: int = 0  # words that are one CJK character (`--word-mode cjk`)
    max_line_length: int = 0  # the widest line's display width (`-L`): the largest, not a sum
    inflated: int = 0  # how many more bytes the text of compressed files has than they take stored (`-z`)

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.files + other.files,
            self.lines + other.lines,
            self.words + other.words,
            self.chars + other.chars,
            self.bytes + other.bytes,
            self.cjk_chars + other.cjk_chars,
            max(self.max_line_length, other.max_line_length),
            self.inflated + other.inflated,
        )

    @property
    def stored_bytes(self) -> int:
        """The files' size as stored: `bytes`, with compressed files at their compressed size."""
        return self.bytes - self.inflated


@dataclass(frozen=True, slots=True)
class FileCounts:
    """The counts of one file, and how its bytes were read as text."""

    path: str
    lines: int
    words: int
    chars: int
    bytes: int
    encoding: str
    replaced: int = 0  # undecodable bytes that were replaced by U+FFFD
    changed: bool = False  # it changed (its size or modification time) while it was read: counted as read
    cjk_chars: int = 0
    bom: bool = False  # it starts with a byte order mark
    hits: tuple[Violation, ...] = ()  # forbidden words found while it was read
    confidence: float = 1.0  # how sure `encoding` is: 1.0 unless it was detected
    regular: bool = True  # read from a regular file (not a pipe): wc sizes its columns from these
    max_line_length: int = 0  # its widest line's display width, measured only with `-L`
    stored: int | None = None  # a compressed file's size as stored (`-z`; `bytes` is its text's); None: not compressed
    fault: str | None = None  # why a compressed file's text ended early (truncated, corrupt): counted as far as read
    # Its size by fstat, where that is not what it holds though it did not change while read (a
    # procfs or sysfs file: 0, 4096): wc sizes its columns by it; a cache cannot tell it unchanged.
    stat_size: int | None = None

    def as_read(self, size: int, changed: bool) -> FileCounts:
        """These counts of a regular file whose size by fstat was `size` when it was opened:
        marked `changed` when it changed while it was read; else, when `size` is not the size
        read (a procfs or sysfs file, whose size says nothing of what it holds), with `size` kept."""
        if changed:
            return replace(self, changed=True)
        return self if size == self.stored_bytes else replace(self, stat_size=size)

    @property
    def totals(self) -> Totals:
        return Totals(1, self.lines, self.words, self.chars, self.bytes, self.cjk_chars,
                      max_line_length=self.max_line_length, inflated=self.bytes - self.stored_bytes)

    @property
    def stored_bytes(self) -> int:
        """The file's size as stored: its compressed size, or the bytes counted."""
        return self.bytes if self.stored is None else self.stored

    @property
    def uncertain(self) -> bool:
        """Whether its encoding was detected with too little confidence to be trusted blindly."""
        return self.confidence < UNCERTAIN_BELOW

    def doubt(self) -> Uncertain:
        """This file as an entry of the report's `uncertain` list."""
        return Uncertain(self.path, self.encoding, self.confidence)


@dataclass(frozen=True, slots=True)
class Uncertain:
    """A counted file whose detected encoding is uncertain, for the user to pin with --encoding."""

    path: str
    encoding: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file met but not counted, for a reason other than the user's filters (binary, fifo, …)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Failed:
    """An input that could not be read; `error` is the operating system's message."""

    path: str
    error: str


@dataclass(frozen=True, slots=True)
class LeftOut:
    """How many files and folders a walk left out at the user's word, by reason (a folder
    counts once, whatever it holds): hidden, ignored by ignore files, or excluded by
    `--exclude`, `--glob`, `--type` or `--max-depth`. Counts, not lists: a tree can leave out millions."""

    hidden: int = 0
    ignored: int = 0
    excluded: int = 0

    def __add__(self, other: LeftOut) -> LeftOut:
        return LeftOut(self.hidden + other.hidden, self.ignored + other.ignored, self.excluded + other.excluded)

    @property
    def total(self) -> int:
        return self.hidden + self.ignored + self.excluded


CHANGED_WHILE_READ = "changed while being read; counted what was read"


@dataclass(frozen=True, slots=True)
class Changed:
    """A file that was counted but deserves a word of warning, such as `CHANGED_WHILE_READ`."""

    path: str
    note: str


Outcome = FileCounts | Skipped | Failed


@dataclass(frozen=True, slots=True)
class Violation:
    """An audit rule that failed: where (`path` None: the whole run; `line` and `column`,
    1-based, where a position applies) and why. `match` is the forbidden text found."""

    rule: str
    path: str | None
    message: str
    line: int | None = None
    column: int | None = None
    match: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.path or "", self.line or 0, self.column or 0, self.rule, self.message, self.match or "")

    @property
    def location(self) -> str:
        """`path:line:column`, `path`, or "" for the whole run."""
        if self.path is None:
            return ""
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What counting one batch of files gives back to the parent.

    `files` holds the per-file rows only when they were asked for; `totals` always adds up
    every counted file. `problems` lists the files of the batch that were skipped or failed;
    `warnings` the files counted with a warning, and `uncertain` those whose encoding is
    uncertain (they are in the totals too); `violations` the per-file audit rules its files
    failed. `table` maps UTF-8 encoded words to their frequency
    in the batch: a `freq` table, or a compiled one's bytes (`freq.carried`); empty when off.
    """

    totals: Totals
    files: tuple[FileCounts, ...] = ()
    problems: tuple[Skipped | Failed, ...] = ()
    table: Carried = field(default_factory=dict)
    warnings: tuple[Changed, ...] = ()
    violations: tuple[Violation, ...] = ()
    uncertain: tuple[Uncertain, ...] = ()
    file_words: tuple[tuple[str, bytes], ...] = ()  # (path, packed frequencies) per file, for the cache


def merge_batches(first: BatchResult, second: BatchResult) -> BatchResult:
    """One result holding both: totals added, lists joined. The frequencies are the caller's to
    merge, where their tables are (`freq.merge`): the result keeps `first`'s.

    Neither argument is changed (a cluster may still hold them). The parent's `Summary`
    sorts what it renders, so the order of the joined lists does not matter.
    """
    return BatchResult(
        first.totals + second.totals,
        first.files + second.files,
        first.problems + second.problems,
        first.table,
        first.warnings + second.warnings,
        first.violations + second.violations,
        first.uncertain + second.uncertain,
        first.file_words + second.file_words,
    )


@dataclass(frozen=True, slots=True)
class Shipped:
    """A file's bytes as the client read them, for workers that cannot read it (`--ship-bytes`).

    `data` starts at offset `base` of the file. `size` is the file's size by fstat (None when
    it is not a regular file) and `changed` whether it changed while it was read; `error` is the
    operating system's message when the client could not read it. For a piece of a large file,
    `bounds` is the byte range it really covers, found by the client (`cut_points.piece_bounds`).
    """

    path: str
    data: bytes = b""
    base: int = 0
    size: int | None = None
    error: str | None = None
    bounds: tuple[int, int | None] | None = None
    changed: bool = False


@dataclass(frozen=True, slots=True)
class Piece:
    """A byte range of a large file, counted apart from the rest (`stop` None: to the end).

    The range is nominal: its ends move forward to the next whitespace, see `cut_points.find_cut`.
    """

    path: str
    index: int
    start: int
    stop: int | None
    decoding: Decoding


@dataclass(frozen=True, slots=True)
class PieceResult:
    """The counts of one piece; `sample` is set when the piece turned out not to be UTF-8 (what
    `not_utf8.decide_again` decides from, taken around the piece's first byte that is not)."""

    path: str
    index: int
    totals: Totals = Totals()
    replaced: int = 0
    table: Carried = field(default_factory=dict)  # a table, or a compiled one's bytes
    sample: Sample | None = None
    error: str | None = None
    bom: bool = False

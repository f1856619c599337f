"""What every worker is told once: what is counted (`Counting`) and what a batch gives back (`Job`).

`Counting` alone decides a file's counts and frequencies, so it, with the audit rules, is what
a cache's stored counts depend on (`settings.Settings.cache_key`). `Job` adds what each batch
returns beside its totals (the per-file rows, each file's own frequencies for the cache) and
the audit rules checked as files are counted. Both are small frozen values: a pool hands them
to its initializer, a cluster to each task.

Workers load this module: it stays cheap to import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from wordcount import globs
from wordcount.audit import Audit
from wordcount.choices import Markup, WordMode
from wordcount.text.decoding import Decoding, decide
from wordcount.text.declared import is_html

EncodingRules = tuple[tuple[str, str], ...]  # (glob, codec) pairs, the first that matches wins
COMPRESSED_SUFFIXES = frozenset({".gz", ".bz2", ".xz", ".lzma", ".zst"})  # what a compressed file's name usually ends in


@dataclass(frozen=True, slots=True)
class Counting:
    """The settings that change what is counted.

    `encoding_rules` say how the files their glob matches are read; `encoding` reads the files no
    rule matches (None: detect); `fallback_encoding` reads the files found not to be UTF-8 that
    say nothing of their encoding, instead of chardet (`not_utf8.decide_again`). A rule's glob is matched
    relative to the folder given that a path lies in, as every glob is (`globs`): `glob_bases` are
    those folders, then the current folder for files named by themselves (empty without rules: the
    cache key stays the same). `wc` counts raw bytes as GNU wc before 9.5 does (`--format wc`).
    `line_width` measures each file's widest line (`-L`).
    The four word rules (`ignore_case`, `nfkc`, `min_length`, `stopwords`) rewrite the
    frequencies before they leave a worker (`tally.normalized`). `markup` counts the prose of
    Markdown and HTML files (`counting/marked_up.py`), their code too with `markup_code`.
    `decompress` counts compressed
    files as their text (`-z`), skipping those whose text is longer than `max_decompressed` bytes.
    """

    frequencies: bool = True
    word_mode: WordMode = WordMode.whitespace
    ignore_case: bool = False
    nfkc: bool = False
    min_length: int = 0
    stopwords: frozenset[str] = frozenset()  # casefolded
    encoding: str | None = None
    encoding_rules: EncodingRules = ()
    fallback_encoding: str | None = None
    glob_bases: tuple[globs.Base, ...] = ()
    wc: bool = False
    line_width: bool = False
    markup: Markup = Markup.none  # `--markup`
    markup_code: bool = False  # `--markup-code`: code in marked-up files is prose too
    decompress: bool = False
    max_decompressed: int | None = None  # `--max-filesize` with `-z`: None without either

    def may_cut(self, path: str) -> bool:
        """Whether the large file `path` may be cut into pieces counted apart. Not when it is
        counted as GNU wc counts it (pieces are planned for decoded text), nor when its widest
        line is measured (a line may run over a cut), nor when it is marked up and counted by its
        prose (it is parsed whole)."""
        return not (self.wc or self.line_width) and self.markup_for(path) is None

    @property
    def normalizes(self) -> bool:
        """Whether the frequencies are rewritten before they leave a worker."""
        return self.ignore_case or self.nfkc or self.min_length > 1 or bool(self.stopwords)

    def markup_for(self, path: str) -> str | None:
        """The markup `path` is read as (`markup.kind_of`), or None: as plain text."""
        if self.markup is Markup.none:
            return None
        from wordcount.text.markup import kind_of  # only with --markup auto: it costs every run 3 ms to load

        return kind_of(path)

    def encoding_for(self, path: str) -> str | None:
        """The codec `path` must be read with, or None to detect it. A rule's glob matches a
        compressed file's name with its compression suffix or without it (`*.txt` reaches the
        text of `notes.txt.gz`, which is all `-z` decodes)."""
        if not self.encoding_rules:  # every small file asks: answer without looking at its name
            return self.encoding
        names = self._names(path)
        bases = self.glob_bases or (globs.base(None),)
        found = [globs.located(name, bases[:-1], bases[-1]) for name in names]
        for glob, encoding in self.encoding_rules:
            if any(globs.matches(glob, where, rel) for rel, where in found):
                return encoding
        return self.encoding

    def is_html(self, path: str) -> bool:
        """Whether `path` is an HTML file by its name (`declared.is_html`; with -z, a compressed
        one's name without its compression suffix too), whose `<meta>` charset is looked for."""
        return any(is_html(name) for name in self._names(path))

    def decoding_for(self, path: str, head: bytes) -> Decoding:
        """How the file at `path`, whose first block is `head`, is read (`decoding.decide`)."""
        return decide(head, self.encoding_for(path), self.is_html(path))

    def _names(self, path: str) -> tuple[str, ...]:
        """The names a file's rules match: its own, and with -z its name without a compression suffix."""
        stem, suffix = os.path.splitext(path)
        return (path, stem) if suffix in COMPRESSED_SUFFIXES and self.decompress else (path,)


@dataclass(frozen=True, slots=True)
class Job:
    """A run's counting settings and what each batch gives back: its files' rows (`per_file`), each
    file's own frequencies packed for the cache (`file_words`), the audit rules' violations."""

    counting: Counting = Counting()
    per_file: bool = False
    file_words: bool = False
    audit: Audit | None = None  # None: no audit rule

    @property
    def keeps_file_words(self) -> bool:
        """Whether each file's own frequencies come back (only when there are frequencies)."""
        return self.file_words and self.counting.frequencies


def check_encoding_rules(rules: EncodingRules) -> None:
    """ValueError for a rule whose glob is no glob, so that it fails before anything is counted."""
    for glob, _ in rules:
        globs.check(glob)

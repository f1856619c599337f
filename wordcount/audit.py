"""Audit rules: what each one checks, which apply to a file, and the search for forbidden words.

Workers load this module (through `count`): it must stay cheap to import. `regex` is imported
only when a forbidden pattern is used; scoped rules' globs are matched as every glob is (`globs`).

Where each rule is checked:
- `forbid`: in the worker, while the file is read (`Searcher`, fed block by block);
- `max-words`, `min-words`, `require-encoding`, `no-bom`, `fail-on undecodable`: on a file's
  counts (`Audit.check_counts`), in the worker, or in the parent for a file cut into pieces;
- `fail-on binary|skipped|errors` and `max-total-words`: in the parent, on the merged summary.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

from wordcount import globs
from wordcount.choices import FailOn
from wordcount.text import decoding
from wordcount.model import STDIN, Failed, FileCounts, Skipped, Totals, Violation
from wordcount.messages import plural

# Every rule, by the id the reports use, and what it says (SARIF's rule descriptions).
RULES: dict[str, str] = {
    "fail-on-binary": "A binary file was met (--fail-on binary).",
    "fail-on-errors": "An input could not be read (--fail-on errors).",
    "fail-on-skipped": "A file was skipped: binary, special file, link, too large (--fail-on skipped).",
    "fail-on-undecodable": "Bytes of a file could not be decoded and were replaced (--fail-on undecodable).",
    "forbid": "A forbidden word or pattern was found (--forbid).",
    "max-total-words": "All files together have more words than allowed (--max-total-words).",
    "max-words": "A file has more words than allowed (--max-words).",
    "min-words": "A file has fewer words than required (--min-words).",
    "no-bom": "A file starts with a byte order mark (--no-bom).",
    "require-encoding": "A file is not in the required encoding, or not cleanly (--require-encoding).",
}
REGEX_PREFIX = "re:"
# Forbidden matches listed per file; beyond that they are only counted, in one more violation.
MAX_HITS_PER_FILE = 1000
# A match is found whole, across block boundaries, when it is at most this many characters
# long (lookarounds included); a longer one may be found in parts, and is reported cut there.
MAX_MATCH_CHARS = 4096
# A match is reported with at most this many characters of it (and at most the first 80 in
# the message): a pattern such as `re:x+` may match a whole line of a gigabyte.
SHOWN_CHARS = 80
# Characters kept before the search position, so that lookbehinds and `^` see real text.
CONTEXT_CHARS = 256

_WORD_CHARS = r"\p{L}\p{M}\p{N}_"
# Encodings that are one encoding as far as a rule is concerned: a BOM is `no-bom`'s business.
_FAMILY = {"utf-8-sig": "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16", "utf-32-le": "utf-32", "utf-32-be": "utf-32"}


@dataclass(frozen=True, slots=True)
class Rules:
    """The rules for one file; None / () / False: not checked."""

    max_words: int | None = None
    min_words: int | None = None
    forbid: tuple[str, ...] = ()
    require_encoding: str | None = None
    no_bom: bool = False

    def __bool__(self) -> bool:
        return self != Rules()

    def then(self, other: Rules) -> Rules:
        """These rules with `other`'s on top: its values win, its forbidden patterns add up."""
        forbid = self.forbid + tuple(pattern for pattern in other.forbid if pattern not in self.forbid)
        return Rules(
            other.max_words if other.max_words is not None else self.max_words,
            other.min_words if other.min_words is not None else self.min_words,
            forbid,
            other.require_encoding or self.require_encoding,
            other.no_bom or self.no_bom,
        )


@dataclass(frozen=True, slots=True)
class Scope:
    """Rules for the files a glob matches (`globs`: relative to the config's folder)."""

    glob: str
    rules: Rules


@dataclass(frozen=True, slots=True)
class Audit:
    """Every audit rule of a run; given to the workers once, inside the `spec.Job`."""

    rules: Rules = Rules()
    scopes: tuple[Scope, ...] = ()
    base: str = "."  # the folder scope globs are relative to: the config file's
    forbid_ignore_case: bool = False
    max_total_words: int | None = None
    fail_on: frozenset[FailOn] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.rules or self.scopes or self.max_total_words is not None or self.fail_on)

    def rules_for(self, path: str) -> Rules:
        """The rules for the file at `path`: the run's, then those of each scope that matches it."""
        if not self.scopes or path == STDIN:
            return self.rules
        relative = os.path.relpath(os.path.abspath(path), self.base).replace(os.sep, "/")
        if relative == ".." or relative.startswith("../"):
            return self.rules
        rules, where = self.rules, _base(self.base)
        for scope in self.scopes:
            if globs.matches(scope.glob, where, relative):
                rules = rules.then(scope.rules)
        return rules

    def searches(self, path: str) -> bool:
        """Whether the file at `path` is searched for forbidden words."""
        return bool(self.rules_for(path).forbid)

    def patterns(self, rules: Rules) -> tuple[tuple[str, Any], ...]:
        """The compiled forbidden patterns of `rules`."""
        return tuple((pattern, compile_forbidden(pattern, self.forbid_ignore_case)) for pattern in rules.forbid)

    def check_counts(self, row: FileCounts, rules: Rules) -> list[Violation]:
        """The rules a counted file fails, judged on its counts and its encoding."""
        found: list[Violation] = []
        path = row.path
        if rules.max_words is not None and row.words > rules.max_words:
            found.append(Violation("max-words", path, f"{plural(row.words, 'word')}, more than the {rules.max_words:,} allowed"))
        if rules.min_words is not None and row.words < rules.min_words:
            found.append(Violation("min-words", path, f"{plural(row.words, 'word')}, fewer than the {rules.min_words:,} required"))
        if rules.require_encoding is not None and not encoding_is(row, rules.require_encoding):
            if row.replaced:
                why = f"{plural(row.replaced, 'byte')} {'is' if row.replaced == 1 else 'are'} not valid {row.encoding}"
            else:
                why = f"it is {row.encoding}"
            found.append(Violation("require-encoding", path, f"not {rules.require_encoding}: {why}"))
        if rules.no_bom and row.bom:
            found.append(Violation("no-bom", path, f"starts with a byte order mark ({row.encoding})"))
        if FailOn.binary in self.fail_on and row.encoding == "binary":  # counted, as --format wc counts them
            found.append(Violation("fail-on-binary", path, "binary file"))
        if FailOn.undecodable in self.fail_on and row.replaced:
            found.append(
                Violation("fail-on-undecodable", path, f"{plural(row.replaced, 'byte')} could not be decoded as {row.encoding}")
            )
        return found

    def check_problem(self, problem: Skipped | Failed) -> Violation | None:
        """The `--fail-on` rule a file that was not counted fails, if any."""
        if isinstance(problem, Failed):
            if FailOn.errors in self.fail_on:
                return Violation("fail-on-errors", problem.path, f"could not be read: {problem.error}")
            return None
        if problem.reason == "binary" and FailOn.binary in self.fail_on:
            return Violation("fail-on-binary", problem.path, "binary file")
        if FailOn.skipped in self.fail_on:
            return Violation("fail-on-skipped", problem.path, f"skipped: {problem.reason}")
        return None

    def check_total(self, totals: Totals) -> Violation | None:
        """The `max-total-words` rule, on the totals of the whole run."""
        if self.max_total_words is not None and totals.words > self.max_total_words:
            return Violation(
                "max-total-words", None, f"{plural(totals.words, 'word')} in all, more than the {self.max_total_words:,} allowed"
            )
        return None


@functools.lru_cache(maxsize=16)
def _base(folder: str) -> globs.Base:
    """The config file's folder as the base its scopes' globs are matched from."""
    return globs.base(folder, folder)


def check_glob(glob: str) -> None:
    """Raise ValueError if `glob` is not a usable glob for a scope (`globs.check`)."""
    globs.check(glob)


def family(name: str) -> str:
    """The encoding a rule means by `name`: `codecs`' name, BOM and byte order aside."""
    canonical = decoding.canonical(name)
    return _FAMILY.get(canonical, canonical)


def encoding_is(row: FileCounts, required: str) -> bool:
    """Whether a file is cleanly in the `required` encoding. ASCII is UTF-8, and a UTF-8 file
    without a BOM whose bytes are all ASCII is ASCII. A binary file (counted by `--format wc`) is
    in no encoding."""
    if row.replaced or row.encoding == "binary":
        return False
    want, have = family(required), family(row.encoding)
    if want == have or (want == "utf-8" and have == "ascii"):
        return True
    return want == "ascii" and have == "utf-8" and not row.bom and row.chars == row.bytes


@functools.lru_cache(maxsize=None)
def compile_forbidden(pattern: str, ignore_case: bool) -> Any:
    """A forbidden pattern as a compiled `regex` pattern; raises ValueError for a bad one.

    `re:REGEX` is a regular expression (`^` and `$` match at each line's start and end). Any
    other pattern is literal text that must stand as a whole word: where it begins (ends) with
    a letter, mark, digit or underscore, the character before (after) it must not be one.
    """
    import regex

    flags = regex.MULTILINE | (regex.IGNORECASE | regex.FULLCASE if ignore_case else 0)
    if pattern.startswith(REGEX_PREFIX):
        source = pattern[len(REGEX_PREFIX) :]
    else:
        if not pattern.strip() or "\n" in pattern:
            raise ValueError(f"not a word: {pattern!r}")
        word = regex.compile(rf"[{_WORD_CHARS}]")
        source = regex.escape(pattern)
        if word.match(pattern[0]):
            source = rf"(?<![{_WORD_CHARS}])" + source
        if word.match(pattern[-1]):
            source += rf"(?![{_WORD_CHARS}])"
    try:
        compiled = regex.compile(source, flags)
    except regex.error as error:
        raise ValueError(f"bad regular expression {source!r}: {error}") from None
    if compiled.search("") is not None:
        raise ValueError(f"{pattern!r} matches empty text")
    return compiled


def describe(pattern: str) -> str:
    """How a violation names a forbidden pattern."""
    if pattern.startswith(REGEX_PREFIX):
        return f"the forbidden pattern {pattern[len(REGEX_PREFIX):]}"
    return "a forbidden word"


class Searcher:
    """Finds forbidden patterns in the text of one file, fed in blocks as it is read.

    Only a bounded tail of the text is kept between blocks: a match that begins in the last
    `max_match` characters of what has arrived is looked for again once more text is there, so
    a match of up to `max_match` characters is found whole across block boundaries, and
    `context` characters before the search position are kept for lookbehinds and `^`.
    """

    __slots__ = ("path", "patterns", "buffer", "line", "column", "next", "hits", "more", "max_match", "context")

    def __init__(
        self,
        path: str,
        patterns: tuple[tuple[str, Any], ...],
        max_match: int = MAX_MATCH_CHARS,
        context: int = CONTEXT_CHARS,
    ) -> None:
        self.path = path
        self.patterns = patterns
        self.buffer = ""
        self.line = 1  # the position of buffer[0]
        self.column = 1
        self.next = [0] * len(patterns)  # per pattern: where in `buffer` its next match may begin
        self.hits: list[Violation] = []
        self.more = [0] * len(patterns)  # matches beyond MAX_HITS_PER_FILE, only counted
        self.max_match = max_match
        self.context = context

    def feed(self, text: str, last: bool = False) -> None:
        """Search the next piece of the file's text; `last`: nothing follows it."""
        buffer = self.buffer + text if self.buffer else text
        limit = len(buffer) if last else len(buffer) - self.max_match
        for index, (pattern, compiled) in enumerate(self.patterns):
            position = self.next[index]
            if position >= limit:
                continue
            # The line and column of buffer[line_start], and how far newlines were counted.
            line, line_start, first_column, counted = self.line, 0, self.column, 0
            for match in compiled.finditer(buffer, position):
                start, end = match.span()
                if start >= limit:
                    break
                position = end
                if start == end:
                    continue
                if len(self.hits) >= MAX_HITS_PER_FILE:
                    self.more[index] += 1
                    continue
                newlines = buffer.count("\n", counted, start)
                if newlines:
                    line += newlines
                    line_start, first_column = buffer.rfind("\n", counted, start) + 1, 1
                counted = start
                column = first_column + start - line_start
                found = buffer[start : min(end, start + self.max_match)]
                shown = found if len(found) <= SHOWN_CHARS else found[:SHOWN_CHARS] + "…"
                self.hits.append(Violation("forbid", self.path, f"{describe(pattern)}: {shown}", line, column, found))
            self.next[index] = max(position, limit)
        if last:
            self.buffer = ""
            return
        cut = max(0, min(self.next) - self.context)
        if cut:
            newline = buffer.rfind("\n", 0, cut)
            if newline >= 0:
                self.line += buffer.count("\n", 0, cut)
                self.column = cut - newline
            else:
                self.column += cut
            self.next = [position - cut for position in self.next]
        self.buffer = buffer[cut:]

    def violations(self) -> tuple[Violation, ...]:
        """What was found: each match (up to MAX_HITS_PER_FILE), then how many more there were."""
        extra = [
            Violation("forbid", self.path, f"{plural(count, 'more match', 'more matches')} of {describe(pattern)} not listed")
            for (pattern, _), count in zip(self.patterns, self.more)
            if count
        ]
        return tuple(self.hits + extra)

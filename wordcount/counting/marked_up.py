"""A marked-up document counted by its prose (`--markup auto`): read whole, decoded as any file is,
its prose extracted (`markup.extract`), counted and searched.

What its counts are: words, characters and the word frequencies are the prose's (with one newline
between blocks); lines, the longest line (`-L`) and bytes stay the file's as stored, so that `wc -l` and `wc -c` habits
hold. Forbidden words are looked for in the prose and reported at their line and column in the
file. A document is read whole, in memory: it is never cut into pieces.

Workers load this module only for a marked-up file.
"""

from __future__ import annotations

import dataclasses
import io
from typing import BinaryIO

from wordcount.text import markup
from wordcount.audit import Searcher
from wordcount.counting.reader import BLOCK_BYTES, Patterns
from wordcount.text.decoding import Decoding, starts_with_bom
from wordcount.text.not_utf8 import decide_again, sample_at
from wordcount.text.transcode import Undecodable, decoded_text
from wordcount.counting.freq import Words
from wordcount.counting.spec import Counting
from wordcount.counting.line_width import LineWidth
from wordcount.progress import Progress
from wordcount.text.prose_map import Prose, line_starts
from wordcount.model import FileCounts, Skipped, Violation
from wordcount.counting.tally import new_scanner


def count_document(
    stream: BinaryIO, path: str, kind: str, counting: Counting, table: Words | None, progress: Progress,
    forbid: Patterns = (),
) -> FileCounts | Skipped:
    """Count the document of `kind` (`markup.kind_of`) in `stream`, from its start, by its prose;
    `table` receives the prose's frequencies. A binary file is skipped as any file is; a document
    its parser fails on is that file's error (`Undecodable`, as for a codec that refuses it)."""
    data = stream.read()
    decoding = counting.decoding_for(path, data[:BLOCK_BYTES])
    if decoding.binary:
        return Skipped(path, "binary")
    source, decoding, replaced = _decoded(data, decoding, counting.fallback_encoding)
    try:
        prose = markup.extract(source, kind, counting.markup_code)
    except Exception as error:  # a parser's bug on odd input: this file's problem, not the run's
        raise Undecodable(f"cannot be read as {kind}: {type(error).__name__}: {error}") from None
    scanner = new_scanner(counting.word_mode, table)
    started = scanner.feed(prose.text.encode("utf-8"), True)
    progress.add(0, len(data), started + scanner.finish())
    hits: tuple[Violation, ...] = ()
    if forbid:
        searcher = Searcher(path, forbid)
        searcher.feed(prose.text, True)
        hits = placed(searcher.violations(), prose)
    widths = LineWidth()
    if counting.line_width:
        widths.feed(source)  # the file's lines, as `lines` counts them
    return FileCounts(
        path, source.count("\n"), scanner.words, scanner.chars, len(data), decoding.encoding or "utf-8", replaced,
        cjk_chars=getattr(scanner, "cjk", 0), bom=starts_with_bom(data), hits=hits, confidence=decoding.confidence,
        max_line_length=widths.longest,
    )


def _decoded(data: bytes, decoding: Decoding, fallback: str | None) -> tuple[str, Decoding, int]:
    """The text of a whole file (its BOM aside) as `counting/reader.py` reads it: UTF-8 when it is, else as
    `decide_again` reads it from the same sample (`fallback`: `--fallback-encoding`); with how many
    bytes had to be replaced."""
    body = data[decoding.skip :]
    if decoding.codec is None:
        try:
            return body.decode("utf-8"), decoding, 0
        except UnicodeDecodeError as error:
            decoding = decide_again(decoding, sample_at(io.BytesIO(data), decoding.skip + error.start), fallback)
    text, replaced = decoded_text(body, decoding.codec or "utf-8")
    return text, decoding, replaced


def placed(violations: tuple[Violation, ...], prose: Prose) -> tuple[Violation, ...]:
    """Violations found in the prose, moved to their line and column in the source."""
    starts = line_starts(prose.text) if violations else ()
    moved = []
    for violation in violations:
        if violation.line is not None and violation.column is not None:
            line, column = prose.position(starts[violation.line - 1] + violation.column - 1)
            violation = dataclasses.replace(violation, line=line, column=column)
        moved.append(violation)
    return tuple(moved)

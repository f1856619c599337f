"""Where text goes: the report to stdout or --output, and one-line messages to people on stderr."""

from __future__ import annotations

import os
import sys

from wordcount.report import atomic
from wordcount.report.render import nothing_counted_hint, violation_line
from wordcount.report.summary import Summary
from wordcount.messages import os_message, plural, say



class WriteFailed(Exception):
    """The report could not be written to --output (a usage error: exit 2, one line)."""


def write_report(text: str, output: str | None, errors: str = "backslashreplace") -> None:
    """Write the report to `output` atomically, or to stdout when it is None.

    `errors` says how undecodable bytes of file names (`\\udcXX`) are written: by default as
    that text, so they stay visible; "surrogateescape" (`--format wc`) writes the bytes."""
    data = text.encode("utf-8", errors)
    if output is None:
        write_stdout(text, errors)
        return
    try:
        atomic.write_atomically(output, data)
    except OSError as error:  # checked before counting, but a disk fills up, a folder goes away
        raise WriteFailed(f"--output: cannot write the report to {output}: {error.strerror or error}") from None


def write_stdout(text: str, errors: str = "backslashreplace") -> None:
    """Write to stdout now (flushed); a reader that went away is not an error, but a stdout that
    was closed (`>&-`) or cannot be written (`>/dev/full`) is: WriteFailed. `errors` as in
    `write_report`."""
    data = text.encode("utf-8", errors)
    if sys.stdout is None:
        raise WriteFailed("cannot write the report: standard output is closed")
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say.
        _discard_stdout()
    except OSError as error:
        _discard_stdout()
        raise WriteFailed(f"cannot write the report to standard output: {os_message(error)}") from None


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so that what is left in its buffer is flushed there at exit
    instead of failing again, with a traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class Records:
    """Where `--format jsonl` records go as files are merged: straight to stdout, or (with
    --output, which is written at the end, in one piece) kept until then."""

    def __init__(self, held: bool) -> None:
        self.held = held
        self.kept: list[str] = []

    def __call__(self, text: str) -> None:
        if self.held:
            self.kept.append(text)
        else:
            write_stdout(text)

    def text(self) -> str:
        """The records kept so far, to go before the final record."""
        return "".join(self.kept)


def tell(summary: Summary, annotated: bool = False) -> None:
    """What people should know after a run, on stderr: warnings, unreadable inputs, failed rules,
    and why nothing was counted when everything was left out. `annotated`: the report on stdout
    is GitHub's annotations, which the log already shows one by one; the failed rules are then
    only counted."""
    for warning in summary.sorted_warnings():
        say(f"{warning.path}: {warning.note}")
    for failure in summary.sorted_errors():
        say(f"{failure.path}: {failure.error}")
    violations = summary.sorted_violations()
    if annotated and violations:
        say(f"{plural(len(violations), 'rule violation')}, each annotated in the report")
    else:
        for violation in violations:
            say(violation_line(violation))
    if not summary.totals.files and summary.left_out.total:
        say(nothing_counted_hint(summary.left_out))

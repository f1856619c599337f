"""How things are said to people: nouns that agree with their numbers, text made printable, one
line on stderr, and option values as typed. Standard library only: workers and the progress bar
import it."""

from __future__ import annotations

import sys
from enum import Enum

PROG = "wordcount"


class Choice(str, Enum):
    """The base of an option's fixed set of values: one is written as the value typed (`json`,
    not `Format.json`), which is also how Typer before 0.29 maps it back to the member."""

    def __str__(self) -> str:
        return str(self.value)


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`count` with thousands separators and `noun`, in the plural unless `count` is 1:
    `1 file`, `2 files`, `1,000 words`, `1 match` / `2 matches` (give the plural when it is not
    the noun plus 's')."""
    return f"{count:,} {noun if count == 1 else plural_noun or noun + 's'}"


def printable(text: str) -> str:
    """`text` with control characters (newlines and tabs in file names) shown as escapes."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def say(message: str) -> None:
    """A line for people, on stderr: one line, whatever the message holds (newlines and other
    control characters, and bytes of names that are not UTF-8, are shown as escapes). Said to
    no one when stderr was closed (`2>&-`) or cannot be written: the run goes on the same."""
    if sys.stderr is None:
        return
    try:
        sys.stderr.write(f"{PROG}: {printable(message)}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # ValueError: a stream already closed
        pass


def os_message(error: OSError) -> str:
    """The operating system's words for an error, without Python's decoration."""
    return error.strerror or str(error)

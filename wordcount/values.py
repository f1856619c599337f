"""Option values: the usage error, the bounds of numbers, and the parsers of values in our words.

Each parser takes a string (the command line) or a value already typed (a config file, a
default) and gives the value, or raises `UsageError` saying what is wrong with it. Whoever calls
it names the option: the command line (`--jobs: expected …`), the config file (`jobs: …`).
No Typer here: settings.py and config.py use them without importing the command line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from enum import Enum
from typing import Any, NoReturn, TypeVar

from wordcount.report.groups import Grouping, parse_grouping


class UsageError(Exception):
    """A value or a combination of options that cannot be used (exit 2). The command line shows
    the message as one line; it names the option, unless a parser raised it (then its caller does)."""


def usage_error(message: str) -> NoReturn:
    """Stop with a usage error (exit 2); `message` names the option or argument at fault."""
    raise UsageError(message)


Parser = TypeVar("Parser", bound=Callable[..., Any])


def config_types(*kinds: type) -> Callable[[Parser], Parser]:
    """Mark a parser with the TOML types a config file may give it (`config.default_map` checks
    them); an option whose parser has no mark takes a string there."""

    def mark(parser: Parser) -> Parser:
        parser.config_types = kinds  # type: ignore[attr-defined]
        return parser

    return mark


def shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


# The largest value each kind of option takes: past them a value can only be a mistake, and the
# C library would refuse some of them (a size past a signed 64-bit offset, a timeout past time_t).
MAX_COUNT = 10**18  # words, ranks, characters, folder levels: more than any count reaches
MAX_JOBS = 8192  # processes: the most CPUs a Linux kernel runs on (NR_CPUS)
MAX_SIZE = 2**63 - 1  # bytes: the largest file size there is (a signed 64-bit offset)
MAX_SECONDS = 86_400  # a day


def whole_number(minimum: int, maximum: int = MAX_COUNT) -> Callable[[object], int]:
    """A parser of whole numbers from `minimum` to `maximum`."""

    @config_types(int)
    def parse(value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number: int | None = value
        else:
            text = str(value).strip()
            try:
                number = int(text) if re.fullmatch(r"[+-]?[0-9]+", text, re.ASCII) else None
            except ValueError:  # more digits than Python converts
                number = minimum - 1 if text.startswith("-") else maximum + 1
        if number is None or number < minimum:
            raise UsageError(f"expected a whole number of at least {minimum}, got {shown(value)}")
        if number > maximum:
            raise UsageError(f"expected a whole number of at most {maximum:,}, got {shown(value)}")
        return number

    return parse


@config_types(int, float)
def seconds(value: object) -> float:
    """A parser of a duration in seconds: a finite number from 0 to MAX_SECONDS."""
    number: float | None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number < 0:
        raise UsageError(f"expected a number of seconds of at least 0, got {shown(value)}")
    if number > MAX_SECONDS:
        raise UsageError(f"expected at most {MAX_SECONDS:,} seconds (a day), got {shown(value)}")
    return number


def choice(kind: type[Enum]) -> Callable[[object], Any]:
    """A parser of one of an Enum's values."""
    names = [str(member.value) for member in kind]

    def parse(value: object) -> Any:
        if isinstance(value, kind):
            return value
        if isinstance(value, str) and value in names:
            return kind(value)
        raise UsageError(f"{shown(value)} is not one of {', '.join(names)}")

    return parse


def choices(kind: type[Enum]) -> str:
    """An Enum's values as an option's metavar: `none|auto`."""
    return "|".join(str(member.value) for member in kind)


_SIZE = re.compile(r"([0-9]*)(?:\.([0-9]*))?([kKMG]?)")
_UNITS = {"": 1, "k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


@config_types(int, str)
def parse_size(text: str) -> int:
    """Bytes from `4096`, `64k`, `10M` or `1.5G` (powers of 1024); a fraction needs a unit."""
    if isinstance(text, int) and not isinstance(text, bool):  # from a config file: `max-filesize = 1048576`
        text = str(text)
    match = _SIZE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or not (match[1] or match[2]) or (match[2] is not None and not match[3]):
        raise UsageError(f"not a size: {text!r} (use bytes, or a number with k, M or G, like 10M)")
    whole, fraction, unit = match[1] or "0", match[2] or "", _UNITS[match[3]]
    try:
        size = int(whole) * unit + int(fraction or "0") * unit // 10 ** len(fraction)
    except ValueError:  # more digits than Python converts
        size = MAX_SIZE + 1
    if size > MAX_SIZE:
        raise UsageError(f"too large a size: {text!r} (at most {MAX_SIZE:,} bytes, the largest file size)")
    return size


def type_name(value: object) -> str:
    """The parser of `--type` and `--type-not`: a type of `--type-list`."""
    from wordcount.walk.filetypes import check

    try:
        return check(str(value))
    except ValueError as error:
        raise UsageError(str(error)) from None


def grouping(value: object) -> Grouping:
    """The parser of `--by`: `ext`, `dir` or `dir:N`."""
    if isinstance(value, Grouping):
        return value
    try:
        return parse_grouping(str(value), MAX_COUNT)
    except ValueError as error:
        raise UsageError(str(error)) from None

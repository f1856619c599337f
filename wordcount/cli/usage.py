"""Usage errors in the tool's own words, and the parsers of option values.

Every usage error, whether click's parser, a value's parser, the config file or the settings'
own checks found it, ends as one line `wordcount: MESSAGE` naming the option, exit 2.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from enum import Enum
from typing import Any, NoReturn, TypeVar

import typer
from typer._click.exceptions import BadOptionUsage, NoSuchOption, UsageError
from typer.core import TyperCommand

from wordcount.report.groups import Grouping, parse_grouping
from wordcount.messages import PROG, say


def usage_error(message: str) -> NoReturn:
    """Stop with a usage error (exit 2); `message` names the option or argument at fault."""
    raise typer.BadParameter(message)


class UsageLine(UsageError):
    """A usage error already in the tool's words: shown as one line on stderr."""

    def show(self, file: Any = None) -> None:
        say(self.message)


def _option_name(param: Any) -> str:
    """How an error names a parameter: its first long option (`--jobs`), else its name."""
    names = [*param.opts, *param.secondary_opts]
    return next((name for name in names if name.startswith("--")), names[0] if names else param.name)


def usage_message(error: UsageError, command: Any) -> str:
    """A click usage error in the tool's words, naming the option: `--jobs: expected …`."""
    if isinstance(error, NoSuchOption):
        known = [name for param in command.params for name in (*param.opts, *param.secondary_opts)
                 if name.startswith("-")]
        close = difflib.get_close_matches(error.option_name, known, n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]}?)" if close else f" (see {PROG} --help)"
        return f"unknown option {error.option_name}{hint}"
    if isinstance(error, BadOptionUsage):
        param = next((param for param in command.params if error.option_name in (*param.opts, *param.secondary_opts)),
                     None)
        if param is not None and getattr(param, "is_flag", False):
            return f"{error.option_name}: takes no value"
        return f"{error.option_name}: needs a value"
    if isinstance(error, typer.BadParameter) and error.param is not None:
        return f"{_option_name(error.param)}: {error.message}"
    return error.message


ARGS = "wordcount.args"  # where the command line's arguments wait in the click context's `meta`


def operands(ctx: Any) -> list[str]:
    """The path operands of the command line, as click parses them, for an option's callback
    run before click has given them their values (the config file's, looked for from them)."""
    try:
        values, _, _ = ctx.command.make_parser(ctx).parse_args(list(ctx.meta.get(ARGS, ())))
    except UsageError:  # click reports it when it parses the arguments for real
        return []
    return list(values.get("paths") or ())


_ORDER = "wordcount.order"  # where the parameters' names wait in the click context, one per option given


def given_order(ctx: Any, values: dict[str, list[Any] | None]) -> list[tuple[str, Any]]:
    """The values of some repeatable options as (parameter name, value) in the order they were
    given, across options (`-t md -T rst -t txt`): a config file's first (its keys have no
    order: in the order of `values`), then the command line's, as typed."""
    from_file = [name for name in values if getattr(ctx.get_parameter_source(name), "name", None) != "COMMANDLINE"]
    ordered = [(name, value) for name in from_file for value in values[name] or ()]
    left = {name: list(values[name] or ()) for name in values if name not in from_file}
    for name in ctx.meta.get(_ORDER, ()):
        if left.get(name):
            ordered.append((name, left[name].pop(0)))
    return ordered


class Command(TyperCommand):
    """The command, with every usage error turned into the tool's one line (`usage_message`)
    and the help grouped into sections (cli/help.py)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta[ARGS] = tuple(args)  # for `operands`: the config is looked for from the paths
        return super().parse_args(ctx, args)  # type: ignore[no-any-return]

    def make_parser(self, ctx: Any) -> Any:
        """click's parser, which also keeps the order the options were given in (`given_order`)."""
        parser = super().make_parser(ctx)
        parse = parser.parse_args

        def parse_in_order(args: list[str]) -> Any:
            opts, rest, order = parse(args=args)
            ctx.meta[_ORDER] = tuple(param.name for param in order)
            return opts, rest, order

        parser.parse_args = parse_in_order  # type: ignore[method-assign]
        return parser

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except UsageLine:
            raise
        except UsageError as error:
            raise UsageLine(usage_message(error, self)) from None

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The grouped help of cli/help.py (imported only now: start-up stays cheap)."""
        from wordcount.cli import help

        formatter.write(help.render(self, ctx, formatter.width or 80))

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        """Completions, each option described by its short text of the grouped help."""
        from wordcount.cli import help

        return help.described(super().shell_complete(ctx, incomplete), self, ctx)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageLine:
            raise
        except UsageError as error:
            raise UsageLine(usage_message(error, self)) from None


# Parsers of option values: the tool's own messages instead of the validation library's. Each
# takes a string (the command line) or a value already typed (a config file, a default).

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
            raise typer.BadParameter(f"expected a whole number of at least {minimum}, got {shown(value)}")
        if number > maximum:
            raise typer.BadParameter(f"expected a whole number of at most {maximum:,}, got {shown(value)}")
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
        raise typer.BadParameter(f"expected a number of seconds of at least 0, got {shown(value)}")
    if number > MAX_SECONDS:
        raise typer.BadParameter(f"expected at most {MAX_SECONDS:,} seconds (a day), got {shown(value)}")
    return number


def choice(kind: type[Enum]) -> Callable[[object], Any]:
    """A parser of one of an Enum's values."""
    names = [str(member.value) for member in kind]

    def parse(value: object) -> Any:
        if isinstance(value, kind):
            return value
        if isinstance(value, str) and value in names:
            return kind(value)
        raise typer.BadParameter(f"{shown(value)} is not one of {', '.join(names)}")

    return parse


def choices(kind: type[Enum]) -> str:
    return "|".join(str(member.value) for member in kind)


def completion(kind: type[Enum]) -> Callable[[str], list[str]]:
    """Shell completion of an option whose values are an Enum's: those that begin with what was
    typed (the values are parsed by `choice`, so click knows nothing of them)."""
    names = [str(member.value) for member in kind]

    def complete(incomplete: str) -> list[str]:
        return [name for name in names if name.startswith(incomplete)]

    return complete


def choice_option(kind: type[Enum], *names: str, help: str) -> Any:
    """A Typer option whose value is one of an Enum's: parsed in our words (`choice`), shown as
    its values (`choices`), completed in shells (`completion`)."""
    return typer.Option(*names, parser=choice(kind), metavar=choices(kind), autocompletion=completion(kind), help=help)


_SIZE = re.compile(r"([0-9]*)(?:\.([0-9]*))?([kKMG]?)")
_UNITS = {"": 1, "k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


@config_types(int, str)
def parse_size(text: str) -> int:
    """Bytes from `4096`, `64k`, `10M` or `1.5G` (powers of 1024); a fraction needs a unit."""
    if isinstance(text, int) and not isinstance(text, bool):  # from a config file: `max-filesize = 1048576`
        text = str(text)
    match = _SIZE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or not (match[1] or match[2]) or (match[2] is not None and not match[3]):
        raise typer.BadParameter(f"not a size: {text!r} (use bytes, or a number with k, M or G, like 10M)")
    whole, fraction, unit = match[1] or "0", match[2] or "", _UNITS[match[3]]
    try:
        size = int(whole) * unit + int(fraction or "0") * unit // 10 ** len(fraction)
    except ValueError:  # more digits than Python converts
        size = MAX_SIZE + 1
    if size > MAX_SIZE:
        raise typer.BadParameter(f"too large a size: {text!r} (at most {MAX_SIZE:,} bytes, the largest file size)")
    return size


def file_type(value: object) -> str:
    """The parser of `--type` and `--type-not`: a type of `--type-list`."""
    from wordcount.walk.filetypes import check

    try:
        return check(str(value))
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def grouping(value: object) -> Grouping:
    """The parser of `--by`: `ext`, `dir` or `dir:N`."""
    if isinstance(value, Grouping):
        return value
    try:
        return parse_grouping(str(value), MAX_COUNT)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None

"""Usage errors in the tool's own words, and the click command that says them.

Every usage error, whether click's parser, a value's parser (values.py), the config file or the
settings' own checks (values.UsageError) found it, ends as one line `wordcount: MESSAGE` naming
the option, exit 2.
"""

from __future__ import annotations

import difflib
from typing import Any

import typer
from typer._click.exceptions import BadOptionUsage, NoSuchOption, UsageError
from typer.core import TyperCommand

from wordcount import values
from wordcount.messages import PROG, say


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
        except values.UsageError as error:  # the settings' checks: the message names the option
            raise UsageLine(str(error)) from None

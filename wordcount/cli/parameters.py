"""The command's Typer parameters, made from the options declared in wordcount/options.py.

Typer reads a command's parameters from its function's signature: the command function takes
`**values`, and `declared_options` gives it the signature of one keyword parameter per field of
`options.Flags`, annotated as Typer wants (`Annotated[int | None, typer.Option("-j", "--jobs", …)]`).
Typer then makes the click parameters, their conversions and their shell completion as for any
hand-written signature, and calls the function with every value by its field's name.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from enum import Enum
from typing import Annotated, Any, TypeVar

import typer

from wordcount.options import Declared, declared
from wordcount.values import UsageError

Function = TypeVar("Function", bound=Callable[..., Any])


def in_click_words(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`parse` for click: its usage error becomes click's, which the command names the option in
    (`--jobs: expected …`, see usage.usage_message)."""

    @functools.wraps(parse)
    def convert(value: Any) -> Any:
        try:
            return parse(value)
        except UsageError as error:
            raise typer.BadParameter(str(error)) from None

    return convert


def completion(kind: type[Enum]) -> Callable[[str], list[str]]:
    """Shell completion of an option whose values are an Enum's: those that begin with what was
    typed (the values are parsed by `values.choice`, so click knows nothing of them)."""
    names = [str(member.value) for member in kind]

    def complete(incomplete: str) -> list[str]:
        return [name for name in names if name.startswith(incomplete)]

    return complete


def parameter(item: Declared, callbacks: Mapping[str, Callable[..., Any]]) -> inspect.Parameter:
    """The keyword parameter Typer makes the click parameter of one declared option from; an
    eager option does what `callbacks` has for it."""
    option = item.option
    info: Any
    if item.is_argument:
        info = typer.Argument(help=option.long)
    else:
        info = typer.Option(
            *option.names,
            parser=in_click_words(option.parse) if option.parse else None,
            metavar=option.metavar,
            help=option.long,
            autocompletion=completion(option.choices) if option.choices else None,
            callback=callbacks[item.name] if option.eager else None,
            is_eager=option.eager,
            envvar=option.envvar,
        )
    return inspect.Parameter(item.name, inspect.Parameter.KEYWORD_ONLY, default=item.default,
                             annotation=Annotated[item.type, info])


def declared_options(callbacks: Mapping[str, Callable[..., Any]]) -> Callable[[Function], Function]:
    """Give a command function `(ctx, **values)` the signature Typer makes the declared options
    from: its own parameters before `**values`, then one keyword parameter per option."""

    def with_options(function: Function) -> Function:
        own = [param for param in inspect.signature(function, eval_str=True).parameters.values()
               if param.kind is not inspect.Parameter.VAR_KEYWORD]
        made = [parameter(item, callbacks) for item in declared()]
        function.__signature__ = inspect.Signature([*own, *made])  # type: ignore[attr-defined]
        return function

    return with_options

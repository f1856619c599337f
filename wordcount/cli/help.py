"""The grouped `--help`: the options in sections, everyday ones first, one or two lines each.

click lists 50-odd options in one block with their types and both halves of every switch
(`--no-ignore / --ignore [default: ignore]`). Here each option shows in its section (as declared
in options.py), as the switch a user types (the other half undoes a config file's setting, as the
footer says), with its short text, written for 80 columns; its long text is the man page's
(cli/manpage.py). Imported only when help is rendered.
"""

from __future__ import annotations

import textwrap
from typing import Any, NamedTuple

from wordcount import options


class Entry(NamedTuple):
    """One option in the help: the click parameter's name, what stands for its value (None: the
    parameter's own metavar, "": none) and the short text."""

    name: str
    value: str | None
    text: str


# Options that click and Typer add to the command (their spellings and long text are theirs):
# where each shows, before the option named ("": last), and its short text.
ADDED = (
    ("install_completion", "version", "Install completion for the current shell (bash, zsh or fish)."),
    ("show_completion", "version", "Print the completion script for the current shell."),
    ("help", "", "Show this help and exit."),
)


def sections() -> list[tuple[str, list[Entry]]]:
    """The options in sections, in the order shown: as declared (options.py), and the ones
    click and Typer add among the general ones."""
    placed: dict[str, list[Entry]] = {title: [] for title in options.SECTIONS}
    for item in options.declared():
        if not item.is_argument:
            placed[item.option.section].append(Entry(item.name, item.option.short_metavar, item.option.short))
    general = placed[options.GENERAL]
    for name, before, text in ADDED:
        at = next((index for index, entry in enumerate(general) if entry.name == before), len(general))
        general.insert(at, Entry(name, None, text))
    return list(placed.items())


def path_text() -> str:
    """The short text of the path argument."""
    return next(item.option.short for item in options.declared() if item.is_argument)


FOOTER = ("A switch set in a config file is undone by its other spelling (--no-hidden, --ignore, "
          "--allow-bom, …). Exit codes: 0 counted, 1 audit failed, 2 usage, 3 unreadable files, "
          "130 interrupted. Full reference: man wordcount (python -m wordcount.cli.manpage).")

LEFT = 26  # the column where an option's text starts
GAP = 2


def params_by_name(command: Any, ctx: Any) -> dict[str, Any]:
    """The command's parameters, --help included, by name."""
    return {param.name: param for param in command.get_params(ctx)}


def option_names(param: Any) -> list[str]:
    """An option's names, the short ones first, each kind in the order declared (click hands
    the help option's names over from a set, in an order that changes from run to run)."""
    return sorted(param.opts, key=lambda name: name.startswith("--"))


def spelling(param: Any, value: str | None) -> str:
    """How the help names an option: its short and long names (only the switch that changes the
    default, not its opposite), then what stands for its value."""
    names = ", ".join(option_names(param))
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return names
    shown = param.metavar if value is None else value
    return f"{names} {shown}" if shown else names


def two_columns(left: str, text: str, width: int) -> list[str]:
    """`left` indented, then `text` from column LEFT (on the next line if `left` is too long),
    wrapped to `width`."""
    left = "  " + left
    wrapped = textwrap.wrap(text, max(width - LEFT, 20))
    if len(left) + GAP <= LEFT:
        first = [left.ljust(LEFT) + wrapped[0]]
        return first + [" " * LEFT + line for line in wrapped[1:]]
    return [left] + [" " * LEFT + line for line in wrapped]


def render(command: Any, ctx: Any, width: int = 80) -> str:
    """The whole help at `width` columns: usage, what the tool does, the sections, the footer."""
    params = params_by_name(command, ctx)
    out = [f"Usage: {ctx.command_path} [OPTIONS] [PATH]...", ""]
    out += textwrap.wrap(command.help or "", width - 2, initial_indent="  ", subsequent_indent="  ")
    out += [""] + two_columns("PATH", path_text(), width)
    for title, entries in sections():
        out += ["", f"{title}:"]
        for entry in entries:
            if entry.name in params:
                out += two_columns(spelling(params[entry.name], entry.value), entry.text, width)
    out += [""] + textwrap.wrap(FOOTER, width)
    return "\n".join(out) + "\n"


def brief(text: str, limit: int = 60) -> str:
    """An option's short text cut to `limit` characters, for a shell's completion menu."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def described(items: list[Any], command: Any, ctx: Any) -> list[Any]:
    """Completion items (click's `CompletionItem`s) with each option's short text as its
    description: the full help is too long for a menu (Typer's fish script breaks it in lines)."""
    params = params_by_name(command, ctx)
    texts: dict[str, str] = {}
    for _, entries in sections():
        for entry in (entry for entry in entries if entry.name in params):
            param = params[entry.name]
            texts.update(dict.fromkeys(param.opts, brief(entry.text)))
            texts.update(dict.fromkeys(param.secondary_opts, f"Undo {param.opts[-1]} (set in a config file)."))
    for item in items:
        if item.value in texts:
            item.help = texts[item.value]
    return items

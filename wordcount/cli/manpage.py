"""The man page, written in roff from the command's own definitions: `python -m wordcount.cli.manpage`.

Each option's long text, its section and their order are declared once (wordcount/options.py), as
the grouped help's short texts are, so the page, `--help` and the CLI cannot disagree. It is committed as
man/wordcount.1 (a test keeps it equal to what this prints), which the wheel installs into
PREFIX/share/man/man1, where `man` looks; elsewhere `python -m wordcount.cli.manpage > FILE`.
Like __main__, an entry point: it imports the CLI, and nothing imports it.
"""

from __future__ import annotations

import datetime
import os
import sys
from typing import Any

from wordcount import __version__
from wordcount.cli import help

EXIT_CODES = [
    ("0", "Everything was counted (skipped binary or ignored files are not errors)."),
    ("1", "An audit rule failed."),
    ("2", "Usage error: a bad option, a missing path, an unwritable report, an unreachable cluster."),
    ("3", "Some files could not be read or decoded; they are listed in the report."),
    ("130, 143", "Interrupted (SIGINT, Ctrl-C) or terminated (SIGTERM)."),
]


def roff(text: str) -> str:
    """Plain text made safe for roff: backslashes, hyphens of option names, characters beyond
    ASCII (as \\[uXXXX]), and a dot or quote that would start a line as a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = "".join(char if ord(char) < 128 else f"\\[u{ord(char):04X}]" for char in text)
    return "\\&" + text if text.startswith((".", "'")) else text


def bold(text: str) -> str:
    return f"\\fB{roff(text)}\\fR"


def option_item(param: Any) -> list[str]:
    """One option as a tagged paragraph: its spellings, its value in italics (every choice
    spelled out), its full help, its opposite, and its default where one is worth telling."""
    names = ", ".join(bold(name) for name in help.option_names(param))
    if not getattr(param, "is_flag", False) and param.metavar:
        names += f" \\fI{roff(param.metavar)}\\fR"
    text = param.help or ""
    if param.secondary_opts:
        text += f" {' or '.join(param.secondary_opts)} undoes it (as set in a config file)."
    default = param.default
    if not getattr(param, "is_flag", False) and default not in (None, (), []) and "default" not in text.casefold():
        text += f" Default: {getattr(default, 'value', default)}."
    return [".TP", names, roff(text)]


def render(command: Any, ctx: Any, date: str) -> str:
    """The whole page: name, synopsis, description, options by section, exit status, files."""
    params = help.params_by_name(command, ctx)
    out = [f'.TH WORDCOUNT 1 "{date}" "wordcount {__version__}" "User Commands"',
           ".nh",  # no hyphenation: an option name broken over two lines cannot be searched for
           ".SH NAME", "wordcount \\- " + roff("count lines, words, characters and bytes, and word frequencies"),
           ".SH SYNOPSIS", f"{bold('wordcount')} [\\fIOPTIONS\\fR] [\\fIPATH\\fR]...",
           ".SH DESCRIPTION", roff(command.help or ""), ".PP", roff(help.path_text()),
           ".SH OPTIONS"]
    for title, entries in help.sections():
        out += [f".SS {roff(title)}"]
        for entry in (entry for entry in entries if entry.name in params):
            out += option_item(params[entry.name])
    out += [".SH EXIT STATUS"]
    for code, meaning in EXIT_CODES:
        out += [".TP", bold(code), roff(meaning)]
    out += [".SH FILES", ".TP", bold(".wordcount.toml"),
            roff("Settings, or [tool.wordcount] in pyproject.toml: the first found from the working folder up."),
            ".SH ENVIRONMENT", ".TP", bold("DASK_SCHEDULER_ADDRESS"), roff("The default of --scheduler."),
            ".SH SEE ALSO", "\\fBwc\\fR(1)"]
    return "\n".join(out) + "\n"


def main() -> None:
    """Print the page on stdout, dated by SOURCE_DATE_EPOCH when set (reproducible builds)."""
    import typer.main

    from wordcount.cli.command import app

    command = typer.main.get_command(app)
    ctx = command.make_context("wordcount", [], resilient_parsing=True)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch else datetime.datetime.now()
    sys.stdout.write(render(command, ctx, when.strftime("%Y-%m-%d")))


if __name__ == "__main__":
    main()

"""The grouped `--help`: the options in sections, everyday ones first, one or two lines each.

click lists 50-odd options in one block with their types and both halves of every switch
(`--no-ignore / --ignore [default: ignore]`). Here each option belongs to one section of
`SECTIONS`, shows the switch a user types (the other half undoes a config file's setting, as the
footer says) and a short text written for 80 columns; the full text of each option is its `help=`
in cli/command.py, which the man page (cli/manpage.py) prints. Imported only when help is rendered.
"""

from __future__ import annotations

import textwrap
from typing import Any, NamedTuple


class Entry(NamedTuple):
    """One option in the help: the click parameter's name, what stands for its value (None: the
    parameter's own metavar, "": none) and the short text."""

    name: str
    value: str | None
    text: str


def _e(name: str, text: str, value: str | None = None) -> Entry:
    return Entry(name, value, text)


# Sections in the order shown, the everyday options first in each; every option of the CLI is
# in exactly one (tests/test_help.py checks it).
SECTIONS: list[tuple[str, list[Entry]]] = [
    ("Counting", [
        _e("lines", "Show the line counts (as wc -l); with any of -l -w -m -c -L, only the "
           "columns asked for."),
        _e("words", "Show the word counts (as wc -w)."),
        _e("chars", "Show the character counts (as wc -m)."),
        _e("count_bytes", "Show the byte counts (as wc -c)."),
        _e("max_line_length", "Show the width of the longest line (as wc -L)."),
        _e("jobs", "Worker processes (default: the CPUs this process may use)."),
        _e("decompress", "Count gzip, bzip2, xz and zstd files as their text."),
        _e("encoding", "Read files matching GLOB as NAME, not detected (repeatable); a NAME "
           "alone: all other files."),
        _e("fallback_encoding", "Read non-UTF-8 files that declare nothing as NAME."),
        _e("markup", "auto: count only the prose of Markdown and HTML files (default: none).", "none|auto"),
        _e("markup_code", "With --markup auto, count code blocks and spans too."),
    ]),
    ("Words", [
        _e("top", "Show the N most frequent words (default: 10; 0: none)."),
        _e("word_mode", "What a word is: whitespace (as wc, the default), unicode, cjk or jieba.",
           "MODE"),
        _e("ignore_case", "Fold case in the frequencies."),
        _e("nfkc", "Normalise words to NFKC in the frequencies."),
        _e("min_length", "Leave words shorter than N characters out of the frequencies."),
        _e("stopwords", "Leave these words out: en, zh, or a FILE of one word a line (repeatable)."),
    ]),
    ("Output", [
        _e("output_format", "table (default), json, csv, wc, github, sarif, jsonl, html.", "FORMAT"),
        _e("output", "Write the report to FILE (atomically) instead of standard output."),
        _e("per_file", "Add one row per file to the report."),
        _e("sort", "Order of those rows: path (default) or a count, largest first.", "KEY"),
        _e("reverse", "Reverse the order of --sort."),
        _e("total", "When to show the total, as wc: auto (default), always, only or never.", "WHEN"),
        _e("by", "Add the totals of each extension, or of each folder N levels down."),
        _e("progress", "auto (a bar on a terminal), bar, log (heartbeat lines) or none.", "MODE"),
        _e("log_interval", "Seconds between the lines of --progress log (default: 30)."),
        _e("quiet", "No progress, warnings or violations on standard error."),
        _e("verbose", "Say which config file applies, and what is counted without a path."),
    ]),
    ("Files", [
        _e("hidden", "Include hidden files and folders."),
        _e("exclude", "Leave out paths matching GLOB (gitignore syntax; repeatable)."),
        _e("glob", "Count only paths matching GLOB; !GLOB leaves them out (repeatable)."),
        _e("file_type", "Count only files of TYPE, like md or py (repeatable)."),
        _e("file_type_not", "Leave out files of TYPE (repeatable)."),
        _e("type_list", "Show the types of --type, with their globs, and exit."),
        _e("no_ignore", "Count the files that .gitignore, .ignore and git's excludes leave out."),
        _e("no_require_git", "Honour .gitignore files outside a git work tree too."),
        _e("max_depth", "Descend at most N folders below each path."),
        _e("max_filesize", "Skip files larger than SIZE (bytes, or with k, M or G, like 10M)."),
        _e("follow_links", "Follow symbolic links met while walking."),
        _e("files_from", "Count the files named in FILE, one a line ('-': standard input)."),
        _e("files0_from", "Count the files named in FILE, each ended by a NUL (find -print0)."),
    ]),
    ("Audit (exit 1 when a rule fails)", [
        _e("max_words", "Fail for a file of more than N words."),
        _e("min_words", "Fail for a file of fewer than N words."),
        _e("max_total_words", "Fail when all files together have more than N words."),
        _e("forbid", "Fail where PATTERN is found: a word, or a regex after 're:' (repeatable)."),
        _e("forbid_ignore_case", "Match --forbid patterns in any case."),
        _e("require_encoding", "Fail for a file not cleanly in NAME (ASCII is UTF-8)."),
        _e("no_bom", "Fail for a file that starts with a byte order mark."),
        _e("fail_on", "Fail for binary, undecodable, skipped or unreadable (errors) files "
           "(repeatable).", "KIND"),
    ]),
    ("Cache", [
        _e("use_cache", "Reuse the counts of files unchanged since the last run."),
        _e("cache_dir", "Keep the cache in DIR (implies --cache)."),
    ]),
    ("Cluster (needs wordcount[dask])", [
        _e("scheduler", "Count on the Dask cluster at ADDRESS ($DASK_SCHEDULER_ADDRESS)."),
        _e("scheduler_file", "Count on the Dask cluster whose scheduler wrote FILE."),
        _e("ship_bytes", "Send the files' bytes to the workers (no shared filesystem)."),
        _e("connect_timeout", "Seconds to reach the cluster (default: 10)."),
    ]),
    ("General", [
        _e("config_file", "Read settings from FILE (default: .wordcount.toml or pyproject.toml "
           "found from the paths up)."),
        _e("install_completion", "Install completion for the current shell (bash, zsh or fish)."),
        _e("show_completion", "Print the completion script for the current shell."),
        _e("version", "Show the version and the counting core, and exit."),
        _e("help", "Show this help and exit."),
    ]),
]

FOOTER = ("A switch set in a config file is undone by its other spelling (--no-hidden, --ignore, "
          "--allow-bom, …). Exit codes: 0 counted, 1 audit failed, 2 usage, 3 unreadable files, "
          "130 interrupted. Full reference: man wordcount (python -m wordcount.cli.manpage).")

PATH_TEXT = "Files and folders to count (default: .); '-' reads standard input."

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
    out += [""] + two_columns("PATH", PATH_TEXT, width)
    for title, entries in SECTIONS:
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
    for _, entries in SECTIONS:
        for entry in (entry for entry in entries if entry.name in params):
            param = params[entry.name]
            texts.update(dict.fromkeys(param.opts, brief(entry.text)))
            texts.update(dict.fromkeys(param.secondary_opts, f"Undo {param.opts[-1]} (set in a config file)."))
    for item in items:
        if item.value in texts:
            item.help = texts[item.value]
    return items

"""Every option of the command line, declared once: the fields of `Flags`.

Each field of `Flags` is one option (or the path argument) and carries, through `option()`, all
that is said about it: its spellings, type and default (the field's), the parser of its value,
its metavar, its section of the grouped `--help`, its short text (`--help` at 80 columns, shell
completion) and its long text (the man page). From them cli/ makes the Typer parameters, the
help, the completion's descriptions and the man page, and config.py the keys of a config file.
The fields are in the order of the help, section by section, the everyday options first.
No Typer here: settings.py and config.py read it without importing the command line.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from wordcount.choices import FailOn, Format, Markup, ProgressMode, SortKey, TotalMode, WordMode
from wordcount.report.groups import Grouping
from wordcount.values import MAX_JOBS, choice, choices, grouping, parse_size, seconds, type_name, whole_number

# The sections of the help, in the order shown.
COUNTING = "Counting"
WORDS = "Words"
OUTPUT = "Output"
FILES = "Files"
AUDIT = "Audit (exit 1 when a rule fails)"
CACHE = "Cache"
CLUSTER = "Cluster (needs wordcount[dask])"
GENERAL = "General"
SECTIONS = (COUNTING, WORDS, OUTPUT, FILES, AUDIT, CACHE, CLUSTER, GENERAL)


@dataclass(frozen=True)
class Option:
    """What is said about one option, beside its name, type and default (its field's)."""

    names: tuple[str, ...]  # as Typer takes them: "-j", "--jobs", "--cache/--no-cache"; none: the argument
    section: str
    short: str  # for --help, which wraps it to 80 columns in one or two lines, and shell completion
    long: str  # for the man page
    parse: Callable[[Any], Any] | None = None  # the value from a string or a config file's value
    metavar: str | None = None  # what stands for the value
    short_metavar: str | None = None  # what --help shows for it instead, when the metavar is too long
    choices: type[Enum] | None = None  # the values it takes, for shell completion
    envvar: str | None = None  # the environment variable that gives its default
    eager: bool = False  # acted on before the other options (the command line attaches what it does)
    setting: bool = True  # may be set in a config file

    @property
    def key(self) -> str:
        """The option's key in a config file: its first long name, without the dashes ("": the argument)."""
        return next((name.split("/")[0][2:] for name in self.names if name.startswith("--")), "")


@dataclass(frozen=True)
class Declared:
    """An option as declared: the field's name (the click parameter's), type and default."""

    name: str
    type: Any  # the field's type, resolved: `int | None`, `list[str] | None`, `Format`, …
    default: Any
    option: Option

    @property
    def is_argument(self) -> bool:
        return not self.option.names

    @property
    def is_flag(self) -> bool:
        return self.type is bool

    @property
    def multiple(self) -> bool:
        """Whether the option may be given more than once (a list of values)."""
        kinds = typing.get_args(self.type) or (self.type,)
        return any(typing.get_origin(kind) is list for kind in kinds)


_OPTION = "wordcount.option"  # the key of a field's metadata that holds its Option
T = TypeVar("T")


def option(*names: str, default: T, section: str, short: str, long: str, **more: Any) -> T:
    """A field of `Flags` that is the option `names` (see `Option` for `more`)."""
    declared = Option(names, section, short, long, **more)
    return typing.cast(T, dataclasses.field(default=default, metadata={_OPTION: declared}))


def switch(*names: str, section: str, short: str, long: str, **more: Any) -> bool:
    """An option that is on or off, off unless given."""
    return option(*names, default=False, section=section, short=short, long=long, **more)


def one_of(kind: type[Enum], *names: str, default: Any, section: str, short: str, long: str, **more: Any) -> Any:
    """An option whose values are an Enum's, shown (`--format table|json|…`) and completed."""
    return option(*names, default=default, section=section, short=short, long=long, parse=choice(kind),
                  metavar=choices(kind), choices=kind, **more)


def count(*names: str, default: T, section: str, short: str, long: str) -> T:
    """An option whose value is a whole number of 0 or more."""
    return option(*names, default=default, section=section, short=short, long=long, parse=whole_number(0),
                  metavar="N")


def argument(*, short: str, long: str) -> list[str] | None:
    """The field of the path argument."""
    return option(default=None, section="", short=short, long=long, setting=False)


def declared() -> tuple[Declared, ...]:
    """Every option and the argument, in the order of the help."""
    types = typing.get_type_hints(Flags)
    return tuple(Declared(field.name, types[field.name], field.default, field.metadata[_OPTION])
                 for field in dataclasses.fields(Flags) if _OPTION in field.metadata)


def by_key() -> dict[str, Declared]:
    """The options a config file may set, by their key (`max-words`)."""
    return {item.option.key: item for item in declared() if not item.is_argument and item.option.setting}


@dataclass(frozen=True)
class Flags:
    """The command line's values as parsed (config file values included), before any is derived."""

    paths: list[str] | None = argument(
        short="Files and folders to count (default: .); '-' reads standard input.",
        long="Files and folders to count; '-' reads standard input. Default: '.'.")

    lines: bool = switch(
        "-l", "--lines", section=COUNTING,
        short="Show the line counts (as wc -l); with any of -l -w -m -c -L, only the columns asked for.",
        long="Show the line counts (as wc -l; with any of -l -w -m -c -L, only the columns asked for, in wc's order).")
    words: bool = switch("-w", "--words", section=COUNTING, short="Show the word counts (as wc -w).",
                         long="Show the word counts (as wc -w).")
    chars: bool = switch("-m", "--chars", section=COUNTING, short="Show the character counts (as wc -m).",
                         long="Show the character counts (as wc -m).")
    bytes: bool = switch("-c", "--bytes", section=COUNTING, short="Show the byte counts (as wc -c).",
                         long="Show the byte counts (as wc -c).")
    max_line_length: bool = switch(
        "-L", "--max-line-length", section=COUNTING, short="Show the width of the longest line (as wc -L).",
        long="Show the display width of the longest line (as wc -L).")
    jobs: int | None = option(
        "-j", "--jobs", default=None, section=COUNTING, parse=whole_number(1, MAX_JOBS), metavar="N",
        short="Worker processes (default: the CPUs this process may use).",
        long="Worker processes. Default: the CPUs this process may use.")
    decompress: bool = switch(
        "-z", "--decompress/--no-decompress", section=COUNTING,
        short="Count gzip, bzip2, xz and zstd files as their text.",
        long="Count gzip, bzip2, xz and zstd files as their text (else they are skipped as compressed).")
    encoding: list[str] | None = option(
        "--encoding", default=None, section=COUNTING, metavar="[GLOB=]NAME",
        short="Read files matching GLOB as NAME, not detected (repeatable); a NAME alone: all other files.",
        long="Read files matching GLOB with encoding NAME instead of detecting it (repeatable; the first matching GLOB "
        "wins); a NAME alone reads every other file.")
    fallback_encoding: str | None = option(
        "--fallback-encoding", default=None, section=COUNTING, metavar="NAME",
        short="Read non-UTF-8 files that declare nothing as NAME.",
        long="Read files that are not UTF-8 and declare no encoding (no BOM, no <meta> charset or XML declaration) "
        "with encoding NAME instead of detecting it.")
    markup: Markup = one_of(
        Markup, "--markup", default=Markup.none, section=COUNTING, short_metavar="none|auto",
        short="auto: count only the prose of Markdown and HTML files (default: none).",
        long="auto: count only the prose of Markdown (.md, .markdown) and HTML (.html, .htm) files: no tags, "
        "attributes, front matter, code or link destinations.")
    markup_code: bool = switch("--markup-code/--no-markup-code", section=COUNTING,
                               short="With --markup auto, count code blocks and spans too.",
                               long="With --markup auto, count code blocks and spans too.")

    top: int = count("--top", default=10, section=WORDS,
                      short="Show the N most frequent words (default: 10; 0: none).",
                      long="Show the N most frequent words; 0 turns frequencies off.")
    word_mode: WordMode = one_of(
        WordMode, "--word-mode", default=WordMode.whitespace, section=WORDS, short_metavar="MODE",
        short="What a word is: whitespace (as wc, the default), unicode, cjk or jieba.",
        long="What a word is: whitespace (as wc), unicode (runs of letters and digits), cjk (unicode, and each "
        "Chinese or Japanese character is a word), jieba (Chinese segmented into words).")
    ignore_case: bool = switch("--ignore-case/--no-ignore-case", section=WORDS, short="Fold case in the frequencies.",
                               long="Fold case (Unicode casefold) in the frequencies.")
    nfkc: bool = switch("--nfkc/--no-nfkc", section=WORDS, short="Normalise words to NFKC in the frequencies.",
                        long="Normalise words to NFKC in the frequencies (full-width to half-width, …).")
    min_length: int = count("--min-length", default=0, section=WORDS,
                             short="Leave words shorter than N characters out of the frequencies.",
                             long="Leave words shorter than N characters out of the frequencies.")
    stopwords: list[str] | None = option(
        "--stopwords", default=None, section=WORDS, metavar="en|zh|FILE",
        short="Leave these words out: en, zh, or a FILE of one word a line (repeatable).",
        long="Leave these words out of the frequencies: 'en' or 'zh' (built in), or a FILE with one word a line "
        "(repeatable).")

    output_format: Format = one_of(Format, "--format", default=Format.table, section=OUTPUT, short_metavar="FORMAT",
                                   short="table (default), json, csv, wc, github, sarif, jsonl, html.",
                                   long="Report format.")
    output: str | None = option("-o", "--output", default=None, section=OUTPUT, metavar="FILE",
                                short="Write the report to FILE (atomically) instead of standard output.",
                                long="Write the report to FILE, atomically.")
    per_file: bool = switch("--per-file/--no-per-file", section=OUTPUT, short="Add one row per file to the report.",
                            long="Add one row per file to the report.")
    sort: SortKey = one_of(
        SortKey, "--sort", default=SortKey.path, section=OUTPUT, short_metavar="KEY",
        short="Order of those rows: path (default) or a count, largest first.",
        long="Order of the per-file rows (ties by path): path, or the most lines, words, chars or bytes, or the "
        "widest line, first.")
    reverse: bool = switch("--reverse/--no-reverse", section=OUTPUT, short="Reverse the order of --sort.",
                           long="Reverse the order of --sort.")
    total: TotalMode = one_of(
        TotalMode, "--total", default=TotalMode.auto, section=OUTPUT, short_metavar="WHEN",
        short="When to show the total, as wc: auto (default), always, only or never.",
        long="When to show the total, as wc: auto (as each format does), always, only (no per-file rows), never.")
    by: Grouping | None = option(
        "--by", default=None, section=OUTPUT, parse=grouping, metavar="ext|dir|dir:N",
        short="Add the totals of each extension, or of each folder N levels down.",
        long="Add the totals of each extension, or of each folder N levels below the paths given (dir: 1), the most "
        "words first.")
    progress: ProgressMode = one_of(
        ProgressMode, "--progress", default=ProgressMode.auto, section=OUTPUT, short_metavar="MODE",
        short="auto (a bar on a terminal), bar, log (heartbeat lines) or none.",
        long="Progress on stderr: a bar (auto: when stderr is a terminal), or log heartbeat lines.")
    log_interval: float = option("--log-interval", default=30, section=OUTPUT, parse=seconds, metavar="SECONDS",
                                 short="Seconds between the lines of --progress log (default: 30).",
                                 long="Seconds between heartbeat lines of --progress log.")
    quiet: bool = switch("-q", "--quiet/--no-quiet", section=OUTPUT,
                         short="No progress, warnings or violations on standard error.",
                         long="No progress, warnings or violations on stderr.")
    verbose: bool = switch("-v", "--verbose/--no-verbose", section=OUTPUT,
                           short="Say which config file applies, and what is counted without a path.",
                           long="Say on stderr which config file applies, and what is counted without a path.")

    hidden: bool = switch("--hidden/--no-hidden", section=FILES, short="Include hidden files and folders.",
                          long="Include hidden files and folders.")
    exclude: list[str] | None = option("--exclude", default=None, section=FILES, metavar="GLOB",
                                       short="Leave out paths matching GLOB (gitignore syntax; repeatable).",
                                       long="Leave out paths matching GLOB (gitignore syntax; repeatable).")
    glob: list[str] | None = option(
        "-g", "--glob", default=None, section=FILES, metavar="GLOB",
        short="Count only paths matching GLOB; !GLOB leaves them out (repeatable).",
        long="Count only the paths matching GLOB; '!GLOB' leaves them out (as ripgrep's -g: gitignore syntax, "
        "relative to each folder given; repeatable, the last that matches wins).")
    file_type: list[str] | None = option("-t", "--type", default=None, section=FILES, parse=type_name, metavar="TYPE",
                                         short="Count only files of TYPE, like md or py (repeatable).",
                                         long="Count only files of TYPE (see --type-list; repeatable).")
    file_type_not: list[str] | None = option("-T", "--type-not", default=None, section=FILES, parse=type_name,
                                             metavar="TYPE", short="Leave out files of TYPE (repeatable).",
                                             long="Leave out files of TYPE (repeatable).")
    type_list: bool = switch("--type-list", section=FILES, eager=True, setting=False,
                             short="Show the types of --type, with their globs, and exit.",
                             long="Show the file types of --type and --type-not, and exit.")
    no_ignore: bool = switch("--no-ignore/--ignore", section=FILES,
                             short="Count the files that .gitignore, .ignore and git's excludes leave out.",
                             long="Do not honour ignore files (.gitignore, .ignore, git's excludes).")
    no_require_git: bool = switch(
        "--no-require-git/--require-git", section=FILES, short="Honour .gitignore files outside a git work tree too.",
        long="Honour .gitignore files outside a git work tree too (.ignore files always apply).")
    max_depth: int | None = count("--max-depth", default=None, section=FILES,
                                   short="Descend at most N folders below each path.",
                                   long="Descend at most N folders below each path.")
    max_filesize: int | None = option(
        "--max-filesize", default=None, section=FILES, parse=parse_size, metavar="SIZE",
        short="Skip files larger than SIZE (bytes, or with k, M or G, like 10M).",
        long="Skip files larger than SIZE: bytes, or with k, M or G (1024-based), like 10M.")
    follow_links: bool = switch("--follow-links/--no-follow-links", section=FILES,
                                short="Follow symbolic links met while walking.",
                                long="Follow symbolic links met while walking.")
    files_from: str | None = option(
        "--files-from", default=None, section=FILES, metavar="FILE",
        short="Count the files named in FILE, one a line ('-': standard input).",
        long="Count the files named in FILE, one a line; '-' reads the names from standard input.")
    files0_from: str | None = option(
        "--files0-from", default=None, section=FILES, metavar="FILE",
        short="Count the files named in FILE, each ended by a NUL (find -print0).",
        long="Count the files named in FILE, each name ended by a NUL (find -print0); '-' reads the names from "
        "standard input.")

    max_words: int | None = count("--max-words", default=None, section=AUDIT,
                                   short="Fail for a file of more than N words.",
                                   long="Audit: fail (exit 1) for a file of more than N words.")
    min_words: int | None = count("--min-words", default=None, section=AUDIT,
                                   short="Fail for a file of fewer than N words.",
                                   long="Audit: fail for a file of fewer than N words.")
    max_total_words: int | None = count("--max-total-words", default=None, section=AUDIT,
                                         short="Fail when all files together have more than N words.",
                                         long="Audit: fail when all files have more than N words.")
    forbid: list[str] | None = option(
        "--forbid", default=None, section=AUDIT, metavar="PATTERN",
        short="Fail where PATTERN is found: a word, or a regex after 're:' (repeatable).",
        long="Audit: fail where PATTERN is found: a whole word, or a regular expression after 're:' (repeatable).")
    forbid_ignore_case: bool = switch("--forbid-ignore-case/--no-forbid-ignore-case", section=AUDIT,
                                      short="Match --forbid patterns in any case.",
                                      long="Match --forbid patterns in any case.")
    require_encoding: str | None = option(
        "--require-encoding", default=None, section=AUDIT, metavar="NAME",
        short="Fail for a file not cleanly in NAME (ASCII is UTF-8).",
        long="Audit: fail for a file not cleanly in this encoding (ASCII is UTF-8).")
    no_bom: bool = switch("--no-bom/--allow-bom", section=AUDIT,
                          short="Fail for a file that starts with a byte order mark.",
                          long="Audit: fail for a file that starts with a byte order mark.")
    fail_on: list[FailOn] | None = one_of(
        FailOn, "--fail-on", default=None, section=AUDIT, short_metavar="KIND",
        short="Fail for binary, undecodable, skipped or unreadable (errors) files (repeatable).",
        long="Audit: fail for binary, undecodable, skipped or unreadable files (repeatable).")

    use_cache: bool = switch("--cache/--no-cache", section=CACHE,
                             short="Reuse the counts of files unchanged since the last run.",
                             long="Reuse the counts of files unchanged since the last run (user cache folder).")
    cache_dir: str | None = option("--cache-dir", default=None, section=CACHE, metavar="DIR",
                                   short="Keep the cache in DIR (implies --cache).",
                                   long="Keep the cache in DIR (implies --cache).")

    scheduler: str | None = option(
        "--scheduler", default=None, section=CLUSTER, metavar="ADDRESS", envvar="DASK_SCHEDULER_ADDRESS",
        short="Count on the Dask cluster at ADDRESS ($DASK_SCHEDULER_ADDRESS).",
        long="Count on the Dask cluster whose scheduler is at ADDRESS (needs 'wordcount[dask]').")
    scheduler_file: str | None = option(
        "--scheduler-file", default=None, section=CLUSTER, metavar="FILE",
        short="Count on the Dask cluster whose scheduler wrote FILE.",
        long="Count on the Dask cluster whose scheduler wrote FILE (dask scheduler --scheduler-file).")
    ship_bytes: bool = switch(
        "--ship-bytes/--no-ship-bytes", section=CLUSTER,
        short="Send the files' bytes to the workers (no shared filesystem).",
        long="With --scheduler: read the files here and send their bytes (no shared filesystem).")
    connect_timeout: float = option("--connect-timeout", default=10, section=CLUSTER, parse=seconds, metavar="SECONDS",
                                    short="Seconds to reach the cluster (default: 10).",
                                    long="Seconds to reach the Dask scheduler and find a worker.")

    config_file: str | None = option(
        "--config", default=None, section=GENERAL, metavar="FILE", eager=True, setting=False,
        short="Read settings from FILE (default: .wordcount.toml or pyproject.toml found from the paths up).",
        long="Read settings from FILE instead of the .wordcount.toml or pyproject.toml found from the paths up.")
    version: bool = switch("--version", section=GENERAL, eager=True, setting=False,
                           short="Show the version and the counting core, and exit.",
                           long="Show the version, and which counting core runs (compiled or pure Python), and exit.")

    # Not an option: the names of --type (False) and --type-not (True) in the order given, across
    # both (`-t md -T rst -t txt`), which the command line knows.
    types: tuple[tuple[str, bool], ...] = ()

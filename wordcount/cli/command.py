"""The command line: the Typer signature, flags → settings, and the run inside one exit-code handler.

settings.from_flags (every derived value, usage errors) → pipeline.run (discover, count, report)
→ the exit code (docs/failures.md, "Exit codes").
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from typing import Annotated, NoReturn

import typer

from wordcount import __version__, config, pipeline, settings, streams
from wordcount.counting import core
from wordcount.execute.backend import Unavailable
from wordcount.report.output import WriteFailed, tell
from wordcount.messages import say
from wordcount.report.groups import Grouping
from wordcount.choices import FailOn, Format, Markup, ProgressMode, SortKey, TotalMode, WordMode
from wordcount.report.summary import ExitCode
from wordcount.cli.usage import (MAX_JOBS, Command, choice_option, file_type, given_order, grouping, operands, parse_size,
                             seconds, usage_error, whole_number)

app = typer.Typer(add_completion=True, pretty_exceptions_enable=False, rich_markup_mode=None)


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C does, so that workers and temp files are cleaned up."""


def _signal_handler(main_pid: int) -> Callable[[int, object], None]:
    """What Ctrl-C and SIGTERM do: unwind this process (exit 130 or 143, workers stopped).

    A worker forked just as the signal came runs this handler until its initializer replaces
    it: there it ends quietly instead.
    """

    def on_signal(signum: int, frame: object) -> NoReturn:
        if os.getpid() != main_pid:
            os._exit(128 + signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated

    return on_signal


@contextlib.contextmanager
def exit_codes() -> Iterator[None]:
    """Run the body with Ctrl-C and SIGTERM turned into exceptions, and each way a run can stop
    early turned into its exit code and one line on stderr (as pre-commit's error_handler does):
    interrupted 130, terminated 143, an unreachable cluster or an unwritable report 2."""
    on_signal = _signal_handler(os.getpid())
    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except Unavailable as error:
        say(str(error))
        raise typer.Exit(ExitCode.USAGE) from None
    except WriteFailed as error:
        usage_error(str(error))
    except KeyboardInterrupt:
        say("interrupted")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except Terminated:
        say("terminated")
        raise typer.Exit(ExitCode.TERMINATED) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _version(value: bool) -> None:
    if value:
        print(f"wordcount {__version__} ({core.describe()})")
        raise typer.Exit()


def _type_list(value: bool) -> None:
    if value:
        from wordcount.walk.filetypes import listing

        print(listing(), end="")
        raise typer.Exit()


_CONFIG = "wordcount.config"  # where the loaded config waits in the click context's `meta`
_FOUND = "wordcount.config.found"  # and which one applies, and how it was found


def _load_config(ctx: typer.Context, value: str | None) -> str | None:
    """Read the config file (`--config FILE`, or the one found from the paths' common folder up)
    into the context's default_map, before the other options take their values."""
    try:
        if value is not None:
            found = config.Found(value)
        else:
            start = config.search_start(operands(ctx))
            found = config.Found(config.find(start), start)
        ctx.meta[_FOUND] = found
        if found.path is None:
            return None
        loaded = config.load(found.path)
        defaults = config.default_map(loaded, ctx)
    except config.ConfigError as error:
        ctx.fail(str(error))
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    ctx.meta[_CONFIG] = loaded
    return found.path


def _say_verbose(found: config.Found | None, chosen: settings.Settings, flags: settings.Flags) -> None:
    """What `--verbose` says on stderr before the count: which config file applies and why, and
    what is counted when no path was given."""
    if found is not None:
        say(found.describe())
    if not flags.paths and flags.files0_from is None and flags.files_from is None:
        say("no path given: counting standard input, which is not a terminal (give . to count this folder)"
            if chosen.output.layout.unnamed else "no path given: counting this folder")


@app.command(cls=Command, context_settings={"help_option_names": ["-h", "--help"]})
def wordcount(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None, typer.Argument(help="Files and folders to count; '-' reads standard input. Default: '.'.")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("-j", "--jobs", parser=whole_number(1, MAX_JOBS), metavar="N", help="Worker processes. Default: the CPUs this process may use.")
    ] = None,
    top: Annotated[
        int,
        typer.Option(parser=whole_number(0), metavar="N", help="Show the N most frequent words; 0 turns frequencies off."),
    ] = 10,
    lines: Annotated[bool, typer.Option("-l", "--lines", help="Show the line counts (as wc -l; with any of "
                                        "-l -w -m -c -L, only the columns asked for, in wc's order).")] = False,
    words: Annotated[bool, typer.Option("-w", "--words", help="Show the word counts (as wc -w).")] = False,
    chars: Annotated[bool, typer.Option("-m", "--chars", help="Show the character counts (as wc -m).")] = False,
    count_bytes: Annotated[bool, typer.Option("-c", "--bytes", help="Show the byte counts (as wc -c).")] = False,
    max_line_length: Annotated[
        bool, typer.Option("-L", "--max-line-length", help="Show the display width of the longest line (as wc -L).")
    ] = False,
    total: Annotated[
        TotalMode,
        choice_option(TotalMode, help="When to show the total, as wc: auto (as each format does), always, only (no "
                      "per-file rows), never."),
    ] = TotalMode.auto,
    word_mode: Annotated[
        WordMode,
        choice_option(WordMode, "--word-mode",
                      help="What a word is: whitespace (as wc), unicode (runs of letters and digits), cjk (unicode, "
                      "and each Chinese or Japanese character is a word), jieba (Chinese segmented into words)."),
    ] = WordMode.whitespace,
    ignore_case: Annotated[
        bool, typer.Option("--ignore-case/--no-ignore-case", help="Fold case (Unicode casefold) in the frequencies.")
    ] = False,
    nfkc: Annotated[
        bool,
        typer.Option("--nfkc/--no-nfkc", help="Normalise words to NFKC in the frequencies (full-width to half-width, …)."),
    ] = False,
    min_length: Annotated[
        int,
        typer.Option(parser=whole_number(0), help="Leave words shorter than N characters out of the frequencies.",
                     metavar="N"),
    ] = 0,
    stopwords: Annotated[
        list[str] | None,
        typer.Option(
            help="Leave these words out of the frequencies: 'en' or 'zh' (built in), or a FILE with one word a "
            "line (repeatable).",
            metavar="en|zh|FILE",
        ),
    ] = None,
    markup: Annotated[
        Markup,
        choice_option(Markup, help="auto: count only the prose of Markdown (.md, .markdown) and HTML (.html, .htm) "
                      "files: no tags, attributes, front matter, code or link destinations."),
    ] = Markup.none,
    markup_code: Annotated[
        bool, typer.Option("--markup-code/--no-markup-code", help="With --markup auto, count code blocks and spans too.")
    ] = False,
    per_file: Annotated[bool, typer.Option("--per-file/--no-per-file", help="Add one row per file to the report.")] = False,
    sort: Annotated[
        SortKey,
        choice_option(SortKey, "--sort", help="Order of the per-file rows (ties by path): path, or the most lines, "
                      "words, chars or bytes, or the widest line, first."),
    ] = SortKey.path,
    reverse: Annotated[bool, typer.Option("--reverse/--no-reverse", help="Reverse the order of --sort.")] = False,
    by: Annotated[
        Grouping | None,
        typer.Option(parser=grouping, metavar="ext|dir|dir:N",
                     help="Add the totals of each extension, or of each folder N levels below the paths given "
                     "(dir: 1), the most words first."),
    ] = None,
    files0_from: Annotated[
        str | None,
        typer.Option(help="Count the files named in FILE, each name ended by a NUL (find -print0); '-' reads "
                     "the names from standard input.", metavar="FILE"),
    ] = None,
    files_from: Annotated[
        str | None,
        typer.Option(help="Count the files named in FILE, one a line; '-' reads the names from standard input.",
                     metavar="FILE"),
    ] = None,
    output_format: Annotated[
        Format, choice_option(Format, "--format", help="Report format.")
    ] = Format.table,
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write the report to FILE, atomically.", metavar="FILE")
    ] = None,
    encoding: Annotated[
        list[str] | None,
        typer.Option(
            help="Read files matching GLOB with encoding NAME instead of detecting it (repeatable; the first "
            "matching GLOB wins); a NAME alone reads every other file.",
            metavar="[GLOB=]NAME",
        ),
    ] = None,
    fallback_encoding: Annotated[
        str | None,
        typer.Option(help="Read files that are not UTF-8 and declare no encoding (no BOM, no <meta> charset or XML "
                     "declaration) with encoding NAME instead of detecting it.", metavar="NAME"),
    ] = None,
    progress: Annotated[
        ProgressMode,
        choice_option(ProgressMode, help="Progress on stderr: a bar (auto: when stderr is a terminal), or log "
                      "heartbeat lines."),
    ] = ProgressMode.auto,
    use_cache: Annotated[
        bool,
        typer.Option("--cache/--no-cache", help="Reuse the counts of files unchanged since the last run (user cache folder)."),
    ] = False,
    cache_dir: Annotated[
        str | None, typer.Option(help="Keep the cache in DIR (implies --cache).", metavar="DIR")
    ] = None,
    log_interval: Annotated[
        float, typer.Option(parser=seconds, help="Seconds between heartbeat lines of --progress log.", metavar="SECONDS")
    ] = 30,
    quiet: Annotated[
        bool, typer.Option("-q", "--quiet/--no-quiet", help="No progress, warnings or violations on stderr.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose/--no-verbose",
                           help="Say on stderr which config file applies, and what is counted without a path.")
    ] = False,
    hidden: Annotated[bool, typer.Option("--hidden/--no-hidden", help="Include hidden files and folders.")] = False,
    no_ignore: Annotated[
        bool, typer.Option("--no-ignore/--ignore", help="Do not honour ignore files (.gitignore, .ignore, git's excludes).")
    ] = False,
    no_require_git: Annotated[
        bool,
        typer.Option(
            "--no-require-git/--require-git",
            help="Honour .gitignore files outside a git work tree too (.ignore files always apply).",
        ),
    ] = False,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Leave out paths matching GLOB (gitignore syntax; repeatable).", metavar="GLOB")
    ] = None,
    glob: Annotated[
        list[str] | None,
        typer.Option("-g", "--glob", help="Count only the paths matching GLOB; '!GLOB' leaves them out (as ripgrep's "
                     "-g: gitignore syntax, relative to each folder given; repeatable, the last that matches wins).",
                     metavar="GLOB"),
    ] = None,
    file_type: Annotated[
        list[str] | None,
        typer.Option("-t", "--type", parser=file_type, help="Count only files of TYPE (see --type-list; repeatable).",
                     metavar="TYPE"),
    ] = None,
    file_type_not: Annotated[
        list[str] | None,
        typer.Option("-T", "--type-not", parser=file_type, help="Leave out files of TYPE (repeatable).", metavar="TYPE"),
    ] = None,
    type_list: Annotated[
        bool, typer.Option("--type-list", callback=_type_list, is_eager=True,
                           help="Show the file types of --type and --type-not, and exit.")
    ] = False,
    max_depth: Annotated[
        int | None, typer.Option(parser=whole_number(0), help="Descend at most N folders below each path.", metavar="N")
    ] = None,
    follow_links: Annotated[
        bool, typer.Option("--follow-links/--no-follow-links", help="Follow symbolic links met while walking.")
    ] = False,
    max_filesize: Annotated[
        int | None,
        typer.Option(
            parser=parse_size,
            help="Skip files larger than SIZE: bytes, or with k, M or G (1024-based), like 10M.",
            metavar="SIZE",
        ),
    ] = None,
    decompress: Annotated[
        bool,
        typer.Option("-z", "--decompress/--no-decompress",
                     help="Count gzip, bzip2, xz and zstd files as their text (else they are skipped as compressed).")
    ] = False,
    max_words: Annotated[
        int | None,
        typer.Option(parser=whole_number(0), help="Audit: fail (exit 1) for a file of more than N words.", metavar="N"),
    ] = None,
    min_words: Annotated[
        int | None, typer.Option(parser=whole_number(0), help="Audit: fail for a file of fewer than N words.", metavar="N")
    ] = None,
    max_total_words: Annotated[
        int | None,
        typer.Option(parser=whole_number(0), help="Audit: fail when all files have more than N words.", metavar="N"),
    ] = None,
    forbid: Annotated[
        list[str] | None,
        typer.Option(
            help="Audit: fail where PATTERN is found: a whole word, or a regular expression after 're:' "
            "(repeatable).",
            metavar="PATTERN",
        ),
    ] = None,
    forbid_ignore_case: Annotated[
        bool, typer.Option("--forbid-ignore-case/--no-forbid-ignore-case", help="Match --forbid patterns in any case.")
    ] = False,
    require_encoding: Annotated[
        str | None,
        typer.Option(help="Audit: fail for a file not cleanly in this encoding (ASCII is UTF-8).", metavar="NAME"),
    ] = None,
    no_bom: Annotated[
        bool, typer.Option("--no-bom/--allow-bom", help="Audit: fail for a file that starts with a byte order mark.")
    ] = False,
    fail_on: Annotated[
        list[FailOn] | None,
        choice_option(FailOn, help="Audit: fail for binary, undecodable, skipped or unreadable files (repeatable).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            envvar="DASK_SCHEDULER_ADDRESS",
            help="Count on the Dask cluster whose scheduler is at ADDRESS (needs 'wordcount[dask]').",
            metavar="ADDRESS",
        ),
    ] = None,
    scheduler_file: Annotated[
        str | None,
        typer.Option(help="Count on the Dask cluster whose scheduler wrote FILE (dask scheduler --scheduler-file).",
                     metavar="FILE"),
    ] = None,
    ship_bytes: Annotated[
        bool,
        typer.Option("--ship-bytes/--no-ship-bytes",
                     help="With --scheduler: read the files here and send their bytes (no shared filesystem)."),
    ] = False,
    connect_timeout: Annotated[
        float, typer.Option(parser=seconds, help="Seconds to reach the Dask scheduler and find a worker.", metavar="SECONDS")
    ] = 10,
    config_file: Annotated[
        str | None,
        typer.Option(
            "--config",
            callback=_load_config,
            is_eager=True,
            help="Read settings from FILE instead of the .wordcount.toml or pyproject.toml found from the paths up.",
            metavar="FILE",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version, and which counting core runs (compiled or pure Python), and exit.")
    ] = False,
) -> None:
    """Count lines, words, characters and bytes, and the most frequent words, in files and trees."""
    flags = settings.Flags(
        paths=paths,
        jobs=jobs,
        top=top,
        word_mode=word_mode,
        lines=lines,
        words=words,
        chars=chars,
        bytes=count_bytes,
        max_line_length=max_line_length,
        total=total,
        by=by,
        files0_from=files0_from,
        files_from=files_from,
        ignore_case=ignore_case,
        nfkc=nfkc,
        min_length=min_length,
        stopwords=stopwords,
        per_file=per_file,
        sort=sort,
        reverse=reverse,
        output_format=output_format,
        output=output,
        encoding=encoding,
        fallback_encoding=fallback_encoding,
        progress=progress,
        use_cache=use_cache,
        cache_dir=cache_dir,
        log_interval=log_interval,
        quiet=quiet,
        hidden=hidden,
        no_ignore=no_ignore,
        no_require_git=no_require_git,
        exclude=exclude,
        max_depth=max_depth,
        follow_links=follow_links,
        max_filesize=max_filesize,
        max_words=max_words,
        min_words=min_words,
        max_total_words=max_total_words,
        forbid=forbid,
        forbid_ignore_case=forbid_ignore_case,
        require_encoding=require_encoding,
        no_bom=no_bom,
        fail_on=fail_on,
        scheduler=scheduler,
        scheduler_file=scheduler_file,
        ship_bytes=ship_bytes,
        connect_timeout=connect_timeout,
        markup=markup,
        markup_code=markup_code,
        decompress=decompress,
        glob=glob,
        types=[(name, parameter == "file_type_not")
               for parameter, name in given_order(ctx, {"file_type": file_type, "file_type_not": file_type_not})],
    )
    chosen = settings.from_flags(flags, ctx.meta.get(_CONFIG))
    if verbose and not quiet:
        _say_verbose(ctx.meta.get(_FOUND), chosen, flags)
    with exit_codes():
        summary = pipeline.run(chosen)
    if not chosen.output.quiet:
        tell(summary, chosen.output.annotated)
    raise typer.Exit(summary.exit_code)


def main() -> None:
    """Console-script entry point."""
    streams.reserve()
    app()

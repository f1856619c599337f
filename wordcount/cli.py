"""The command line: flags → settings, wiring the stages, the progress bar, the exit code.

discover → engine (count in workers) → report.Summary (merge) → render → stdout or --output.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Callable
from enum import Enum
from typing import Annotated, NoReturn

import typer

from wordcount import __version__, atomic, decode, engine
from wordcount.count import CountOptions
from wordcount.discover import WalkOptions, discover
from wordcount.results import STDIN, FileEntry
from wordcount.report import RENDERERS, ExitCode, Summary

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class ProgressMode(str, Enum):
    auto = "auto"
    bar = "bar"
    none = "none"


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


def _say(message: str) -> None:
    """A line for people, on stderr."""
    sys.stderr.write(f"wordcount: {message}\n")
    sys.stderr.flush()


def _version(value: bool) -> None:
    if value:
        print(f"wordcount {__version__}")
        raise typer.Exit()


class ProgressBar:
    """A tqdm bar on stderr fed with live totals: bytes as the bar, files and words beside it."""

    def __init__(self, total_files: int, total_bytes: int) -> None:
        import tqdm  # imported only when a bar is drawn: it costs start-up time

        tqdm.tqdm.monitor_interval = 0  # no monitor thread, which forking workers would copy
        self.total_files = total_files
        try:
            sized = os.get_terminal_size(sys.stderr.fileno()).columns > 0
        except (OSError, ValueError):
            sized = False
        self.bar = tqdm.tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            # A terminal that reports no size (a bare pty) would get no bar at all.
            dynamic_ncols=sized,
            ncols=None if sized else 100,
            nrows=None if sized else 24,
            leave=False,
            desc="counting",
        )

    def __call__(self, snapshot: engine.Snapshot) -> None:
        files, nbytes, words = snapshot
        self.bar.set_postfix_str(f"{files:,}/{self.total_files:,} files, {words:,} words", refresh=False)
        self.bar.update(nbytes - self.bar.n)

    def close(self) -> None:
        self.bar.refresh()  # the last totals, even if they came within tqdm's minimum interval
        self.bar.close()


def _usage_error(message: str) -> NoReturn:
    raise typer.BadParameter(message)


_SIZE = re.compile(r"(\d*)(?:\.(\d*))?([kKMG]?)")
_UNITS = {"": 1, "k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str) -> int:
    """Bytes from `4096`, `64k`, `10M` or `1.5G` (powers of 1024); a fraction needs a unit."""
    match = _SIZE.fullmatch(text.strip())
    if match is None or not (match[1] or match[2]) or (match[2] is not None and not match[3]):
        raise typer.BadParameter(f"not a size: {text!r} (use bytes, or a number with k, M or G, like 10M)")
    whole, fraction, unit = match[1] or "0", match[2] or "", _UNITS[match[3]]
    return int(whole) * unit + int(fraction or "0") * unit // 10 ** len(fraction)


def parse_encodings(values: list[str]) -> tuple[tuple[tuple[str, str], ...], str | None]:
    """The (glob, codec) rules and the fallback codec of the --encoding values, in their order.

    `GLOB=NAME` is a rule; a plain `NAME` (at most one) reads the files no rule matches. Names
    are checked and given as Python's `codecs` names them.
    """
    rules: list[tuple[str, str]] = []
    fallback: str | None = None
    for value in values:
        glob, equals, name = value.rpartition("=")
        if equals and not glob:
            _usage_error(f"--encoding {value!r}: the glob before '=' is empty")
        if not name:
            _usage_error(f"--encoding {value!r}: no encoding name")
        try:
            codec = decode.canonical(name)
        except LookupError:
            _usage_error(f"unknown encoding: {name}")
        if not equals:
            if fallback is not None:
                _usage_error(f"--encoding {value!r}: only one encoding may be given without a glob")
            fallback = codec
        elif glob.startswith("!"):
            _usage_error(f"--encoding {value!r}: a glob cannot be negated with '!'")
        else:
            rules.append((glob, codec))
    try:
        decode.check_rules(tuple(rules))
    except (ValueError, re.error) as error:
        _usage_error(f"--encoding: bad glob: {error}")
    return tuple(rules), fallback


def _write_report(text: str, output: str | None) -> None:
    data = text.encode("utf-8", "backslashreplace")  # undecodable file names stay visible, as \udcXX
    if output is not None:
        atomic.write_atomically(output, data)
        return
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say, and no traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


@app.command(context_settings={"help_option_names": ["-h", "--help"]})
def wordcount(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Files and folders to count; '-' reads standard input. Default: '.'.")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("-j", "--jobs", min=1, help="Worker processes. Default: the CPUs this process may use.")
    ] = None,
    top: Annotated[int, typer.Option(min=0, help="Show the N most frequent words; 0 turns frequencies off.")] = 10,
    ignore_case: Annotated[bool, typer.Option("--ignore-case", help="Fold case before counting frequencies.")] = False,
    per_file: Annotated[bool, typer.Option("--per-file", help="Add one row per file to the report.")] = False,
    output_format: Annotated[Format, typer.Option("--format", help="Report format.")] = Format.table,
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
    progress: Annotated[
        ProgressMode, typer.Option(help="Progress bar on stderr; auto: when stderr is a terminal.")
    ] = ProgressMode.auto,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress and no warnings on stderr.")] = False,
    hidden: Annotated[bool, typer.Option("--hidden", help="Include hidden files and folders.")] = False,
    no_ignore: Annotated[bool, typer.Option("--no-ignore", help="Do not honour .gitignore and .ignore files.")] = False,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Leave out paths matching GLOB (gitignore syntax; repeatable).", metavar="GLOB")
    ] = None,
    max_depth: Annotated[
        int | None, typer.Option(min=0, help="Descend at most N folders below each path.", metavar="N")
    ] = None,
    follow_links: Annotated[
        bool, typer.Option("--follow-links", help="Follow symbolic links met while walking.")
    ] = False,
    max_filesize: Annotated[
        int | None,
        typer.Option(
            parser=parse_size,
            help="Skip files larger than SIZE: bytes, or with k, M or G (1024-based), like 10M.",
            metavar="SIZE",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Count lines, words, characters and bytes, and the most frequent words, in files and trees."""
    roots = paths or ["."]
    encoding_rules, fallback = parse_encodings(encoding or [])
    for root in roots:
        if root != STDIN:
            try:
                os.stat(root)
            except FileNotFoundError:  # a dangling link named here does not exist either
                _usage_error(f"no such file or folder: {root}")
            except OSError:
                pass  # it exists but cannot be looked at: discovery reports it in `errors`
    if output is not None and (problem := atomic.check_writable(output)):
        _usage_error(f"cannot write the report: {problem}")

    count_options = CountOptions(
        frequencies=top > 0, ignore_case=ignore_case, encoding=fallback, per_file=per_file,
        encoding_rules=encoding_rules,
    )
    walk_options = WalkOptions(
        hidden=hidden,
        use_ignore_files=not no_ignore,
        excludes=tuple(exclude or ()),
        max_depth=max_depth,
        follow_links=follow_links,
        max_filesize=max_filesize,
    )
    show_bar = not quiet and (
        progress is ProgressMode.bar or (progress is ProgressMode.auto and sys.stderr.isatty())
    )
    on_signal = _signal_handler(os.getpid())
    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        summary = _run(roots, walk_options, count_options, jobs or engine.default_jobs(), top, show_bar)
        _write_report(RENDERERS[output_format.value](summary), output)
    except KeyboardInterrupt:
        _say("interrupted")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except Terminated:
        _say("terminated")
        raise typer.Exit(ExitCode.TERMINATED) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if not quiet:
        for warning in summary.sorted_warnings():
            _say(f"{warning.path}: {warning.note}")
        for failure in summary.sorted_errors():
            _say(f"{failure.path}: {failure.error}")
    raise typer.Exit(summary.exit_code)


def _run(
    roots: list[str], walk_options: WalkOptions, count_options: CountOptions, jobs: int, top: int, show_bar: bool
) -> Summary:
    """Discover, count and merge: the whole pipeline short of rendering."""
    summary = Summary(top=top, per_file=count_options.per_file)
    entries: list[FileEntry] = []
    for found in discover(roots, walk_options):
        if isinstance(found, FileEntry):
            entries.append(found)
        else:
            summary.add(found)
    bar = ProgressBar(len(entries), sum(entry.size for entry in entries)) if show_bar else None
    try:
        for batch in engine.run(entries, count_options, jobs, bar):
            summary.add_batch(batch)
    finally:
        if bar is not None:
            bar.close()
    return summary


def main() -> None:
    """Console-script entry point."""
    app()

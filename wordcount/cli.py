"""The command line: flags → settings, wiring the stages, the progress bar, the exit code.

discover → pool (count in workers) → report.Summary (merge) → render → stdout or --output.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import re
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import BadOptionUsage, NoSuchOption, UsageError
from typer.core import TyperCommand

from wordcount import __version__, atomic, config, decode, pool, report
from wordcount.backend import Unavailable
from wordcount.progress import Snapshot
from wordcount import stopwords as stopword_lists
from wordcount.audit import Audit, Rules, check_glob, compile_forbidden
from wordcount.count import CountOptions
from wordcount.discover import WalkOptions, discover
from wordcount.results import STDIN, FileCounts, FileEntry, LeftOut, Skipped, Violation
from wordcount.report import RENDERERS, ExitCode, Summary
from wordcount.tally import fold, jieba_available
from wordcount.wording import plural

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
PROG = "wordcount"


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    wc = "wc"
    github = "github"
    sarif = "sarif"
    jsonl = "jsonl"


class FailOn(str, Enum):
    binary = "binary"
    undecodable = "undecodable"
    skipped = "skipped"
    errors = "errors"


class WordMode(str, Enum):
    whitespace = "whitespace"
    unicode = "unicode"
    cjk = "cjk"
    jieba = "jieba"


class ProgressMode(str, Enum):
    auto = "auto"
    bar = "bar"
    log = "log"
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
    """A line for people, on stderr: one line, whatever the message holds (newlines and other
    control characters, and bytes of names that are not UTF-8, are shown as escapes)."""
    sys.stderr.write(f"{PROG}: {report.printable(message)}\n")
    sys.stderr.flush()


def _version(value: bool) -> None:
    if value:
        print(f"wordcount {__version__}")
        raise typer.Exit()


_CONFIG = "wordcount.config"  # where the loaded config waits in the click context's `meta`


def _load_config(ctx: typer.Context, value: str | None) -> str | None:
    """Read the config file (`--config FILE`, or the one found from the working folder up) into
    the context's default_map, before the other options take their values."""
    path = value if value is not None else config.find(os.getcwd())
    if path is None:
        return None
    try:
        loaded = config.load(path)
        defaults = config.default_map(loaded, ctx)
    except config.ConfigError as error:
        ctx.fail(str(error))
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    ctx.meta[_CONFIG] = loaded
    return path


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
        self.bar = _binary_units(tqdm.tqdm)(
            total=total_bytes,
            # tqdm's own sizes say MB for MiB: the sizes and the rate are written by _size, as in the log.
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {sizes} [{elapsed}<{remaining}, {speed}{postfix}]",
            file=sys.stderr,
            # A terminal that reports no size (a bare pty) would get no bar at all.
            dynamic_ncols=sized,
            ncols=None if sized else 100,
            nrows=None if sized else 24,
            leave=False,
            desc="counting",
        )

    def __call__(self, snapshot: Snapshot) -> None:
        files, nbytes, words = snapshot
        self.bar.set_postfix_str(f"{files:,}/{plural(self.total_files, 'file')}, {plural(words, 'word')}", refresh=False)
        self.bar.update(nbytes - self.bar.n)

    def close(self) -> None:
        self.bar.refresh()  # the last totals, even if they came within tqdm's minimum interval
        self.bar.close()


def _binary_units(base: Any) -> Any:
    """A tqdm class whose bar can show `{sizes}` (done/total) and `{speed}` in KiB, MiB, GiB."""

    class Bar(base):  # type: ignore[misc,valid-type]
        @property
        def format_dict(self) -> dict[str, Any]:
            fields: dict[str, Any] = super().format_dict
            elapsed = fields.get("elapsed") or 0
            fields["sizes"] = f"{_size(fields['n'])}/{_size(fields['total'] or 0)}"
            # The average since the start, as the log's rate.
            fields["speed"] = f"{_size(fields['n'] / elapsed)}/s" if elapsed > 0 else "?/s"
            return fields

    return Bar


class ProgressLog:
    """Progress for unattended runs: a heartbeat line on stderr every `interval` seconds, with
    files, bytes, words, the rate and the time left; one more when the run ends."""

    def __init__(self, total_files: int, total_bytes: int, interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.due = self.start + interval
        self.last: Snapshot = Snapshot()

    def __call__(self, snapshot: Snapshot) -> None:
        self.last = snapshot
        now = self.clock()
        if now >= self.due:
            self.due = now + self.interval
            _say(self.line(now))

    def line(self, now: float) -> str:
        files, nbytes, words = self.last
        elapsed = max(now - self.start, 1e-9)
        rate = nbytes / elapsed
        left = (self.total_bytes - nbytes) / rate if rate > 0 else None
        eta = "?" if left is None else _duration(max(left, 0.0))
        return (f"{files:,}/{plural(self.total_files, 'file')}, {_size(nbytes)}/{_size(self.total_bytes)}, "
                f"{plural(words, 'word')}, "
                f"{_size(rate)}/s, elapsed {_duration(elapsed)}, ETA {eta}")

    def close(self) -> None:
        _say(self.line(self.clock()) + " (done)")


def _size(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if nbytes < 1024 or unit == "GiB":
            return f"{nbytes:,.0f} {unit}" if unit == "B" else f"{nbytes:,.1f} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _usage_error(message: str) -> NoReturn:
    """Stop with a usage error (exit 2); `message` names the option or argument at fault."""
    raise typer.BadParameter(message)


# Usage errors: every one, whether click's parser, a value's parser, the config file or the
# command's own checks found it, ends as one line `wordcount: MESSAGE` naming the option, exit 2.


class _UsageLine(UsageError):
    """A usage error already in the tool's words: shown as one line on stderr."""

    def show(self, file: Any = None) -> None:
        _say(self.message)


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


class _Command(TyperCommand):
    """The command, with every usage error turned into the tool's one line (`usage_message`)."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _UsageLine:
            raise
        except UsageError as error:
            raise _UsageLine(usage_message(error, self)) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _UsageLine:
            raise
        except UsageError as error:
            raise _UsageLine(usage_message(error, self)) from None


# Parsers of option values: the tool's own messages instead of the validation library's. Each
# takes a string (the command line) or a value already typed (a config file, a default).


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def whole_number(minimum: int) -> Callable[[object], int]:
    """A parser of whole numbers of at least `minimum`."""

    def parse(value: object) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number: int | None = value
        else:
            text = str(value).strip()
            try:
                number = int(text) if re.fullmatch(r"[+-]?[0-9]+", text, re.ASCII) else None
            except ValueError:  # more digits than Python converts
                number = None
        if number is None or number < minimum:
            raise typer.BadParameter(f"expected a whole number of at least {minimum}, got {_shown(value)}")
        return number

    return parse


def seconds(value: object) -> float:
    """A parser of a duration in seconds: a finite number, at least 0."""
    number: float | None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number) or number < 0:
        raise typer.BadParameter(f"expected a number of seconds of at least 0, got {_shown(value)}")
    return number


def choice(kind: type[Enum]) -> Callable[[object], Any]:
    """A parser of one of an Enum's values."""
    names = [str(member.value) for member in kind]

    def parse(value: object) -> Any:
        if isinstance(value, kind):
            return value
        if isinstance(value, str) and value in names:
            return kind(value)
        raise typer.BadParameter(f"{_shown(value)} is not one of {', '.join(names)}")

    return parse


def _choices(kind: type[Enum]) -> str:
    return "|".join(str(member.value) for member in kind)


_SIZE = re.compile(r"([0-9]*)(?:\.([0-9]*))?([kKMG]?)")
_UNITS = {"": 1, "k": 1 << 10, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str) -> int:
    """Bytes from `4096`, `64k`, `10M` or `1.5G` (powers of 1024); a fraction needs a unit."""
    if isinstance(text, int) and not isinstance(text, bool):  # from a config file: `max-filesize = 1048576`
        text = str(text)
    match = _SIZE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or not (match[1] or match[2]) or (match[2] is not None and not match[3]):
        raise typer.BadParameter(f"not a size: {text!r} (use bytes, or a number with k, M or G, like 10M)")
    whole, fraction, unit = match[1] or "0", match[2] or "", _UNITS[match[3]]
    try:
        return int(whole) * unit + int(fraction or "0") * unit // 10 ** len(fraction)
    except ValueError:  # more digits than Python converts
        raise typer.BadParameter(f"not a size: {text!r} (too many digits)") from None


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
        except LookupError as error:
            _usage_error(f"--encoding: {error}")
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


def _write_report(text: str, output: str | None, errors: str = "backslashreplace") -> None:
    data = text.encode("utf-8", errors)  # by default, undecodable file names stay visible, as \udcXX
    if output is not None:
        try:
            atomic.write_atomically(output, data)
        except OSError as error:  # checked before counting, but a disk fills up, a folder goes away
            _usage_error(f"--output: cannot write the report to {output}: {error.strerror or error}")
    else:
        _write_stdout(text, errors)


def _write_stdout(text: str, errors: str = "backslashreplace") -> None:
    """Write to stdout now (flushed); a reader that went away is not an error. `errors` says
    how undecodable bytes of file names (`\\udcXX`) are written: as that text, or (with
    "surrogateescape", for `--format wc`) as the bytes themselves."""
    data = text.encode("utf-8", errors)
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more to say, and no traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


@app.command(cls=_Command, context_settings={"help_option_names": ["-h", "--help"]})
def wordcount(
    ctx: typer.Context,
    paths: Annotated[
        list[str] | None, typer.Argument(help="Files and folders to count; '-' reads standard input. Default: '.'.")
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("-j", "--jobs", parser=whole_number(1), metavar="N", help="Worker processes. Default: the CPUs this process may use.")
    ] = None,
    top: Annotated[
        int,
        typer.Option(parser=whole_number(0), metavar="N", help="Show the N most frequent words; 0 turns frequencies off."),
    ] = 10,
    words: Annotated[
        WordMode,
        typer.Option(
            "--words",
            parser=choice(WordMode),
            metavar=_choices(WordMode),
            help="What a word is: whitespace (as wc), unicode (runs of letters and digits), cjk (unicode, and "
            "each Chinese or Japanese character is a word), jieba (Chinese segmented into words).",
        ),
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
    per_file: Annotated[bool, typer.Option("--per-file/--no-per-file", help="Add one row per file to the report.")] = False,
    output_format: Annotated[
        Format, typer.Option("--format", parser=choice(Format), metavar=_choices(Format), help="Report format.")
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
    progress: Annotated[
        ProgressMode,
        typer.Option(parser=choice(ProgressMode), metavar=_choices(ProgressMode),
                     help="Progress on stderr: a bar (auto: when stderr is a terminal), or log heartbeat lines."),
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
        typer.Option(parser=choice(FailOn), metavar=_choices(FailOn),
                     help="Audit: fail for binary, undecodable, skipped or unreadable files (repeatable).")
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
            help="Read settings from FILE instead of the .wordcount.toml or pyproject.toml found from here up.",
            metavar="FILE",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Count lines, words, characters and bytes, and the most frequent words, in files and trees."""
    roots = paths or ["."]
    encoding_rules, fallback = parse_encodings(encoding or [])
    for glob in exclude or ():
        try:
            check_glob(glob)  # a pattern the walk could not compile fails here, before anything is counted
        except ValueError as error:
            _usage_error(f"--exclude: {error}")
    for root in roots:
        if root != STDIN:
            try:
                os.stat(root)
            except FileNotFoundError:  # a dangling link named here does not exist either
                _usage_error(f"no such file or folder: {root}")
            except ValueError:  # a NUL in the name: no such file can exist
                _usage_error(f"no such file or folder: {root!r}")
            except OSError:
                pass  # it exists but cannot be looked at: discovery reports it in `errors`
    if output == STDIN:
        output = None  # `-o -` is standard output, as `-` is standard input
    if output is not None and (problem := atomic.check_writable(output)):
        _usage_error(f"--output: cannot write the report: {problem}")

    cluster_settings = _cluster_settings(scheduler, scheduler_file, ship_bytes, connect_timeout)
    if words is WordMode.jieba and not jieba_available():
        _usage_error("--words jieba needs the jieba segmenter: pip install 'wordcount[zh]'")
    loaded: config.Config | None = ctx.meta.get(_CONFIG)
    rules = Rules(max_words, min_words, tuple(dict.fromkeys(forbid or ())), require_encoding, no_bom)
    audit = Audit(
        rules,
        loaded.scopes if loaded else (),
        loaded.folder if loaded else os.getcwd(),
        forbid_ignore_case,
        max_total_words,
        frozenset(item.value for item in fail_on or ()),
    )
    _check_audit(audit)
    count_options = CountOptions(
        frequencies=top > 0 and output_format not in (Format.wc, Format.github, Format.sarif),
        ignore_case=ignore_case,
        encoding=fallback,
        encoding_rules=encoding_rules,
        per_file=per_file or output_format in (Format.wc, Format.jsonl),
        words=words.value,
        nfkc=nfkc,
        min_length=min_length,
        stopwords=_stopwords(stopwords or [], nfkc),
        audit=audit if audit else None,
        wc=output_format is Format.wc and words is WordMode.whitespace,  # wc's own word rule, on raw bytes
    )
    walk_options = WalkOptions(
        hidden=hidden,
        use_ignore_files=not no_ignore,
        excludes=tuple(exclude or ()),
        max_depth=max_depth,
        follow_links=follow_links,
        max_filesize=max_filesize,
        require_git=not no_require_git,
    )
    if quiet:
        progress = ProgressMode.none
    elif progress is ProgressMode.auto:
        progress = ProgressMode.bar if sys.stderr.isatty() else ProgressMode.none
    summary = Summary(
        top=top,
        per_file=per_file or output_format is Format.wc,
        cjk=count_options.words == "cjk",
        audit=count_options.audit,
    )
    streamed: list[str] = []  # jsonl records kept for --output, which is written at the end
    on_records = None
    if output_format is Format.jsonl:
        on_records = streamed.append if output is not None else _write_stdout
    cache_folder = cache_dir
    if use_cache and cache_folder is None:
        from wordcount.cache import default_folder  # sqlite3 and friends only when asked for

        cache_folder = default_folder()
    how = _How(jobs or pool.default_jobs(), progress, log_interval, cache_folder, quiet, on_records)
    on_signal = _signal_handler(os.getpid())
    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        if cluster_settings is not None:
            from wordcount import cluster

            how = dataclasses.replace(how, cluster=cluster.connect(cluster_settings))
        try:
            _run(summary, roots, walk_options, count_options, how)
        finally:
            if how.cluster is not None:
                how.cluster.close()
        # wc writes names as their bytes; the other formats show undecodable bytes as \udcXX.
        errors = "surrogateescape" if output_format is Format.wc else "backslashreplace"
        _write_report("".join(streamed) + RENDERERS[output_format.value](summary), output, errors)
    except Unavailable as error:
        _say(str(error))
        raise typer.Exit(ExitCode.USAGE) from None
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
        for violation in summary.sorted_violations():
            _say(report.violation_line(violation))
        if not summary.totals.files and summary.left_out.total:
            _say(report.nothing_counted_hint(summary.left_out))
    raise typer.Exit(summary.exit_code)


def _cluster_settings(
    scheduler: str | None, scheduler_file: str | None, ship_bytes: bool, connect_timeout: float
) -> Any:
    """The cluster to count on (a `cluster.Settings`), or None to count here.

    The Dask backend is imported only here, when a cluster is asked for: a missing extra is a
    usage error that says how to install it.
    """
    if scheduler is None and scheduler_file is None:
        if ship_bytes:
            _usage_error("--ship-bytes needs --scheduler ADDRESS or --scheduler-file FILE")
        return None
    if scheduler is not None and scheduler_file is not None:
        _usage_error("give --scheduler or --scheduler-file, not both")
    try:
        from wordcount import cluster
    except ImportError as error:
        _usage_error(f"--scheduler needs Dask ({error}): pip install 'wordcount[dask]'")
    return cluster.Settings(scheduler, scheduler_file, connect_timeout, ship_bytes)


def _check_audit(audit: Audit) -> None:
    """Usage errors in the audit rules: bad patterns, unknown encodings."""
    for pattern in audit.rules.forbid:
        try:
            compile_forbidden(pattern, audit.forbid_ignore_case)
        except ValueError as error:
            _usage_error(f"--forbid {pattern}: {error}")
    if audit.rules.require_encoding is not None:
        try:
            decode.canonical(audit.rules.require_encoding)
        except LookupError as error:
            _usage_error(f"--require-encoding: {error}")


def _stopwords(sources: list[str], nfkc: bool) -> frozenset[str]:
    """The stopwords of built-in lists and files, folded as words are (NFKC, casefold)."""
    found: set[str] = set()
    for source in sources:
        if source in stopword_lists.BUILT_IN:
            found |= stopword_lists.BUILT_IN[source]
            continue
        try:
            with open(source, encoding="utf-8-sig") as handle:
                found.update(line.strip() for line in handle)
        except (OSError, UnicodeDecodeError, ValueError) as error:  # ValueError: a NUL in the name
            reason = error.strerror if isinstance(error, OSError) else (
                "not UTF-8 text" if isinstance(error, UnicodeDecodeError) else "not a file name")
            _usage_error(f"--stopwords: cannot read the stopwords in {source}: {reason} (built-in lists: en, zh)")
    options = CountOptions(nfkc=nfkc, ignore_case=True)
    return frozenset(fold(word, options) for word in found if word)


@dataclass(frozen=True)
class _How:
    """How a run goes, beside what it counts: workers, progress, cache, streamed records."""

    jobs: int
    progress: ProgressMode
    log_interval: float
    cache_folder: str | None = None
    quiet: bool = False
    on_records: Callable[[str], object] | None = None  # jsonl: each file's record as it is merged
    cluster: Any = None  # a connected `cluster.Session` to count on instead of local workers


def _run(summary: Summary, roots: list[str], walk_options: WalkOptions, count_options: CountOptions, how: _How) -> None:
    """Discover, count and merge into `summary`: the whole pipeline short of rendering.

    With a cache, the files unchanged since the last run take their counts from it, and the
    rest are counted and stored.
    """
    entries: list[FileEntry] = []
    for found in discover(roots, walk_options):
        if isinstance(found, FileEntry):
            entries.append(found)
        elif isinstance(found, LeftOut):
            summary.add(found)
        else:
            summary.add(found)
            if how.on_records is not None:
                how.on_records(report.jsonl_records([found]))
    store = None
    if how.cache_folder is not None:
        from wordcount import cache

        scope = json.dumps([os.getcwd(), roots, dataclasses.asdict(walk_options)], default=repr)
        try:
            store = cache.Cache(how.cache_folder, count_options, scope)
        except cache.CacheError as error:
            if not how.quiet:
                _say(f"{error}; counting without it")
    if store is None:
        _count(entries, summary, count_options, how)
        return
    if store.warning and not how.quiet:
        _say(store.warning)
    try:
        lookup = store.split(entries)
        for row in lookup.hits:
            summary.add(row)  # a FileCounts brings its `uncertain` entry along
        summary.violations.extend(lookup.violations)
        if how.on_records is not None and lookup.hits:
            how.on_records(report.jsonl_records(sorted(lookup.hits, key=lambda row: row.path)))
        if count_options.frequencies:
            summary.ranked = store.ranked(lookup, summary.top_n)
            if summary.ranked is None:
                summary.words.update(store.words(lookup))
        counted, packed, violations = _count(
            list(lookup.misses), summary, dataclasses.replace(count_options, per_file=True, file_words=True), how
        )
        store.save(lookup, counted, packed, violations, summary.words)
    finally:
        store.close()


def _count(
    entries: list[FileEntry], summary: Summary, count_options: CountOptions, how: _How
) -> tuple[list[FileCounts | Skipped], dict[str, bytes], dict[str, list[Violation]]]:
    """Count `entries` into `summary`, with progress; returns what a cache stores: the rows,
    packed frequencies and violations of each file (only asked for when there is a cache)."""
    counted: list[FileCounts | Skipped] = []
    packed: dict[str, bytes] = {}
    violations: dict[str, list[Violation]] = {}
    total_bytes = sum(entry.size for entry in entries)
    bar: ProgressBar | ProgressLog | None = None
    if how.progress is ProgressMode.bar:
        bar = ProgressBar(len(entries), total_bytes)
    elif how.progress is ProgressMode.log:
        bar = ProgressLog(len(entries), total_bytes, how.log_interval)
    try:
        if how.cluster is not None:
            batches = how.cluster.run(entries, count_options, bar)
        else:
            batches = pool.run(entries, count_options, how.jobs, bar, _say)
        for batch in batches:
            summary.add_batch(batch)
            if how.on_records is not None and (batch.files or batch.problems):
                how.on_records(report.jsonl_batch(batch))
            if count_options.file_words:
                counted.extend(batch.files)
                counted.extend(item for item in batch.problems if isinstance(item, Skipped) and item.reason == "binary")
                packed.update(batch.file_words)
                for violation in batch.violations:
                    if violation.path is not None:
                        violations.setdefault(violation.path, []).append(violation)
    finally:
        if bar is not None:
            bar.close()
    return counted, packed, violations


def main() -> None:
    """Console-script entry point."""
    app()

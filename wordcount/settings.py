"""Every setting of a run, derived once from the flags: what is counted, which files take part,
what the report looks like, and how the run goes.

What is counted (`spec.Counting`, inside the `spec.Job` every worker is given) stays apart from the
report's shape (`OutputShape`) and the run's (`RunShape`); the cache key is made of the first. Checks that can fail are made here, before anything
is counted: each failure is a usage error naming the option.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from dataclasses import dataclass
from enum import Enum
from typing import Any


from wordcount import __version__, globs
from wordcount.execute.local import pool
from wordcount.report import atomic
from wordcount.text import decoding
from wordcount.counting import stopwords as stopword_lists
from wordcount.audit import Audit, Rules, compile_forbidden
from wordcount.config import Config
from wordcount.counting.spec import Counting, Job, check_encoding_rules
from wordcount.counting.tally import fold, jieba_available
from wordcount.walk.discover import WalkOptions
from wordcount.report.layout import COLUMNS, CURVE_RANKS, DEFAULT_COLUMNS, WC_DEFAULT_COLUMNS, Layout
from wordcount.walk.lists import ListError, read_names, readable_stdin
from wordcount.model import STDIN, Failed
from wordcount.options import Flags
from wordcount.values import usage_error
from wordcount.choices import Format, ProgressMode, SortKey, WordMode


@dataclass(frozen=True)
class OutputShape:
    """What the report looks like and where it goes."""

    format: Format
    output: str | None  # None: standard output
    top: int
    file_rows: bool  # the summary keeps a row per file: to show them (--per-file, wc's shape) or group them
    quiet: bool  # nothing for people on stderr: no progress, warnings or violations
    layout: Layout = Layout()

    @property
    def name_errors(self) -> str:
        """How undecodable bytes of file names are written: wc writes names as their bytes, the
        other formats show them as \\udcXX."""
        return "surrogateescape" if self.format is Format.wc else "backslashreplace"

    @property
    def ranks(self) -> int:
        """How many ranked words a cache gives back: the top words, and with the HTML report
        at least those its rank-frequency curve draws."""
        return max(self.top, CURVE_RANKS) if self.format is Format.html else self.top

    @property
    def annotated(self) -> bool:
        """Whether the report on standard output is GitHub's annotations, which show each
        violation where people read the log (stderr then only counts them)."""
        return self.format is Format.github and self.output is None

    @property
    def streams_records(self) -> bool:
        """Whether each file's record is written as soon as it is merged (`--format jsonl`)."""
        return self.format is Format.jsonl


@dataclass(frozen=True)
class RunShape:
    """How a run goes, beside what it counts: workers, progress, cache, cluster."""

    jobs: int
    progress: ProgressMode  # resolved: never `auto`
    log_interval: float
    cache_folder: str | None = None  # None: no cache
    cluster: Any = None  # a `scheduler.Settings` to count on a Dask cluster; None: count here
    jobs_asked: int | None = None  # `-j N` above the CPUs this process may use, capped to `jobs`


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, each value derived once."""

    roots: tuple[str, ...]
    job: Job
    walk: WalkOptions
    output: OutputShape
    how: RunShape
    listed: tuple[Failed, ...] = ()  # the names of a --files0-from/--files-from list that are no file name
    config: str | None = None  # the config file that applies, for the report to say

    def cache_scope(self) -> str:
        """What, beside the counting settings, a cache's stored run depends on: the working
        folder, the paths and the walk's settings."""
        return json.dumps([os.getcwd(), list(self.roots), dataclasses.asdict(self.walk)], default=repr)

    def cache_key(self) -> str:
        """What a cache's stored counts depend on: the tool's version, the counting settings, and
        the audit rules (the violations found in a file are stored with it)."""
        audit = dataclasses.asdict(self.job.audit) if self.job.audit is not None else None
        counting = {KEY_NAMES.get(name, name): value for name, value in dataclasses.asdict(self.job.counting).items()}
        fields = [__version__, _canonical(counting), _canonical(audit)]
        import hashlib  # only with a cache

        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=repr).encode()).hexdigest()

    def cache_job(self) -> Job:
        """The job when a cache stores the counts: each file's row and words come back too."""
        return dataclasses.replace(self.job, per_file=True, file_words=True)


# The names the cache key gives counting settings renamed since it was made, so that the caches
# written before still answer.
KEY_NAMES = {"word_mode": "words"}


def _canonical(value: object) -> object:
    """`value` with sets sorted, tuples as lists and choices as their values, so that equal
    settings give equal text."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(item) for item in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


def from_flags(flags: Flags, loaded: Config | None) -> Settings:
    """The run's settings from the flags and the config file `loaded` (its scoped rules); a
    usage error (exit 2) for the first value that cannot be used."""
    roots, listed, streamed = _roots(flags)
    encoding_rules, fallback = parse_encodings(flags.encoding or [])
    check_walk_globs(flags, roots)
    output = None if flags.output == STDIN else flags.output  # `-o -` is standard output, as `-` is standard input
    if output is not None and (problem := atomic.check_writable(output)):
        usage_error(f"--output: cannot write the report: {problem}")
    if output is None and sys.stdout is None:
        usage_error("cannot write the report: standard output is closed (write it to a file with -o FILE)")
    cluster = cluster_settings(flags.scheduler, flags.scheduler_file, flags.ship_bytes, flags.connect_timeout)
    if flags.word_mode is WordMode.jieba and not jieba_available():
        usage_error("--word-mode jieba needs the jieba segmenter: pip install 'wordcount[zh]'")
    if flags.by is not None and flags.output_format in (Format.wc, Format.github, Format.sarif):
        usage_error(f"--by: --format {flags.output_format.value} has no place for groups (use table, json, csv, jsonl or html)")
    audit = _audit(flags, loaded)
    layout = _layout(flags, roots, streamed)
    counting = Counting(
        frequencies=flags.top > 0 and flags.output_format not in (Format.wc, Format.github, Format.sarif),
        word_mode=flags.word_mode,
        ignore_case=flags.ignore_case,
        nfkc=flags.nfkc,
        min_length=flags.min_length,
        stopwords=read_stopwords(flags.stopwords or [], flags.nfkc),
        encoding=fallback,
        encoding_rules=encoding_rules,
        fallback_encoding=parse_fallback_encoding(flags.fallback_encoding),
        glob_bases=glob_bases(roots) if encoding_rules else (),
        wc=flags.output_format is Format.wc and flags.word_mode is WordMode.whitespace,  # wc's rule, on raw bytes
        line_width="max_line_length" in layout.columns or flags.sort is SortKey.max_line_length,
        markup=flags.markup,
        markup_code=flags.markup_code,
        decompress=flags.decompress,
        max_decompressed=flags.max_filesize if flags.decompress else None,  # a bomb is too large by its text
    )
    # The HTML report charts the words per file, so it keeps the rows as --by does.
    file_rows = layout.rows or layout.by is not None or flags.output_format is Format.html
    # Rows for the report, or for the jsonl records streamed as files are merged.
    job = Job(counting, per_file=file_rows or flags.output_format is Format.jsonl, audit=audit if audit else None)
    walk = WalkOptions(
        hidden=flags.hidden,
        use_ignore_files=not flags.no_ignore,
        excludes=tuple(flags.exclude or ()),
        globs=tuple(flags.glob or ()),
        types=tuple(flags.types),
        max_depth=flags.max_depth,
        follow_links=flags.follow_links,
        max_filesize=flags.max_filesize,
        require_git=not flags.no_require_git,
    )
    shape = OutputShape(flags.output_format, output, flags.top, file_rows, flags.quiet, layout)
    return Settings(roots, job, walk, shape, _run_shape(flags, cluster), listed, loaded.path if loaded else None)


def _roots(flags: Flags) -> tuple[tuple[str, ...], tuple[Failed, ...], bool]:
    """The paths to count: the arguments, or the names of a --files0-from/--files-from list
    (with the entries of the list that are no file name, as errors, and whether the list was
    read as a stream: see `lists.Names`); without either, standard input when it is readable
    (a pipe, a file), else the current folder."""
    given = flags.files0_from is not None, flags.files_from is not None
    if not any(given):
        return tuple(flags.paths or [STDIN if readable_stdin() else "."]), (), False
    option = "--files0-from" if given[0] else "--files-from"
    if all(given):
        usage_error("give --files0-from or --files-from, not both")
    if flags.paths:
        usage_error(f"{option}: file operands cannot be combined with it (extra operand {flags.paths[0]!r})")
    try:
        names = read_names(flags.files0_from or flags.files_from or "", nul=given[0])
    except ListError as error:
        usage_error(f"{option}: {error}")
    return names.paths, names.problems, names.streamed


def _layout(flags: Flags, roots: tuple[str, ...], streamed: bool) -> Layout:
    """The report's layout: the count columns asked for (in wc's order; none: the format's own),
    the per-file rows and their order, the total and the breakdown; `streamed`: the files'
    names were read as a stream (`--format wc` then aligns no column, as wc does not)."""
    asked = {"lines": flags.lines, "words": flags.words, "chars": flags.chars, "bytes": flags.bytes,
             "max_line_length": flags.max_line_length}
    columns = tuple(column for column in COLUMNS if asked[column])
    if not columns:
        columns = WC_DEFAULT_COLUMNS if flags.output_format is Format.wc else DEFAULT_COLUMNS
    rows = flags.per_file or flags.output_format is Format.wc
    stored = flags.decompress and flags.output_format is not Format.wc  # wc prints what `zcat | wc` prints
    unnamed = roots == (STDIN,) and not flags.paths and flags.files0_from is None and flags.files_from is None
    return Layout(rows, (flags.sort, flags.reverse), columns, flags.total, flags.by, roots, streamed, stored,
                  unnamed)


def _audit(flags: Flags, loaded: Config | None) -> Audit:
    """The audit rules of the flags and of the config file's scopes, checked."""
    rules = Rules(flags.max_words, flags.min_words, tuple(dict.fromkeys(flags.forbid or ())), flags.require_encoding,
                  flags.no_bom)
    audit = Audit(
        rules,
        loaded.scopes if loaded else (),
        loaded.folder if loaded else os.getcwd(),
        flags.forbid_ignore_case,
        flags.max_total_words,
        frozenset(flags.fail_on or ()),
    )
    check_audit(audit)
    return audit


def _run_shape(flags: Flags, cluster: Any) -> RunShape:
    """Workers, the progress shown (auto: a bar when stderr is a terminal), the cache folder."""
    progress = flags.progress
    if flags.quiet or sys.stderr is None:  # stderr closed (2>&-): no one to show progress to
        progress = ProgressMode.none
    elif progress is ProgressMode.auto:
        progress = ProgressMode.bar if sys.stderr.isatty() else ProgressMode.none
    cache_folder = flags.cache_dir
    if flags.use_cache and cache_folder is None:
        from wordcount.cache import default_folder  # sqlite3 and friends only when asked for

        cache_folder = default_folder()
    cpus = pool.default_jobs()
    capped = cluster is None and flags.jobs is not None and flags.jobs > cpus  # more would only take turns
    return RunShape(cpus if capped or flags.jobs is None else flags.jobs, progress, flags.log_interval, cache_folder,
                    cluster, flags.jobs if capped else None)


def check_walk_globs(flags: Flags, roots: tuple[str, ...]) -> None:
    """Usage errors for the globs of `--exclude` and `--glob`: one the walk could not compile,
    and an absolute path outside every folder given, which could leave out nothing."""
    folders: tuple[str, ...] | None = None
    for option, values in (("--exclude", flags.exclude), ("--glob", flags.glob)):
        for glob in values or ():
            try:
                globs.check(glob, negation=True)
            except ValueError as error:
                usage_error(f"{option}: {error}")
            if glob.lstrip("!").startswith("/"):
                folders = folders if folders is not None else tuple(root for root in roots if _is_folder(root))
                if (path := globs.outside(glob, folders)) is not None:
                    usage_error(f"{option} {glob}: {path} lies outside the folders counted ({', '.join(folders)}); "
                                "a glob is matched relative to each folder given")


def _is_folder(path: str) -> bool:
    try:
        return path != STDIN and os.path.isdir(path)
    except ValueError:  # a NUL in the name
        return False


def glob_bases(roots: tuple[str, ...]) -> tuple[globs.Base, ...]:
    """The folders given, in order, then the current folder (for files named by themselves):
    where the --encoding globs are matched from."""
    return (*(globs.base(root) for root in roots if _is_folder(root)), globs.base(None))


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
            usage_error(f"--encoding {value!r}: the glob before '=' is empty")
        if not name:
            usage_error(f"--encoding {value!r}: no encoding name")
        try:
            codec = decoding.canonical(name)
        except LookupError as error:
            usage_error(f"--encoding: {error}")
        if not equals:
            if fallback is not None:
                usage_error(f"--encoding {value!r}: only one encoding may be given without a glob")
            fallback = codec
        elif glob.startswith("!"):
            usage_error(f"--encoding {value!r}: a glob cannot be negated with '!'")
        else:
            rules.append((glob, codec))
    try:
        check_encoding_rules(tuple(rules))
    except ValueError as error:
        usage_error(f"--encoding: bad glob: {error}")
    return tuple(rules), fallback


def parse_fallback_encoding(name: str | None) -> str | None:
    """The codec of --fallback-encoding, checked as --encoding's names are. UTF-16 and UTF-32 are
    refused: their text is found by its BOM or its NUL bytes, never by falling back."""
    if name is None:
        return None
    try:
        codec = decoding.canonical(name)
    except LookupError as error:
        usage_error(f"--fallback-encoding: {error}")
    if decoding.is_wide(codec):
        usage_error(f"--fallback-encoding: {name} cannot be a fallback: UTF-16 and UTF-32 files are found by "
                    "their BOM or their NUL bytes (use --encoding to pin them)")
    return codec


def cluster_settings(
    scheduler: str | None, scheduler_file: str | None, ship_bytes: bool, connect_timeout: float
) -> Any:
    """The cluster to count on (a `scheduler.Settings`), or None to count here.

    The Dask backend is imported only here, when a cluster is asked for: a missing extra is a
    usage error that says how to install it.
    """
    if scheduler is None and scheduler_file is None:
        if ship_bytes:
            usage_error("--ship-bytes needs --scheduler ADDRESS or --scheduler-file FILE")
        return None
    if scheduler is not None and scheduler_file is not None:
        usage_error("give --scheduler or --scheduler-file, not both")
    try:
        from wordcount.execute.dask.scheduler import Settings as ClusterSettings
    except ImportError as error:
        usage_error(f"--scheduler needs Dask ({error}): pip install 'wordcount[dask]'")
    return ClusterSettings(scheduler, scheduler_file, connect_timeout, ship_bytes)


def check_audit(audit: Audit) -> None:
    """Usage errors in the audit rules: bad patterns, unknown encodings."""
    for pattern in audit.rules.forbid:
        try:
            compile_forbidden(pattern, audit.forbid_ignore_case)
        except ValueError as error:
            usage_error(f"--forbid {pattern}: {error}")
    if audit.rules.require_encoding is not None:
        try:
            decoding.canonical(audit.rules.require_encoding)
        except LookupError as error:
            usage_error(f"--require-encoding: {error}")


def read_stopwords(sources: list[str], nfkc: bool) -> frozenset[str]:
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
            usage_error(f"--stopwords: cannot read the stopwords in {source}: {reason} (built-in lists: en, zh)")
    return frozenset(fold(word, nfkc, ignore_case=True) for word in found if word)

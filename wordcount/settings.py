"""Every setting of a run, derived once from the flags: what is counted, which files take part,
what the report looks like, and how the run goes.

What is counted (`job.Counting`, inside the `job.Job` every worker is given) stays apart from the
report's shape (`OutputShape`) and the run's (`RunShape`); the cache key is made of the first. Checks that can fail are made here, before anything
is counted: each failure is a usage error naming the option.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

import typer

from wordcount import __version__, atomic, decode, pool
from wordcount import stopwords as stopword_lists
from wordcount.audit import Audit, Rules, check_glob, compile_forbidden
from wordcount.config import Config
from wordcount.job import Counting, Job, check_encoding_rules
from wordcount.tally import fold, jieba_available
from wordcount.discover import WalkOptions
from wordcount.progress import ProgressMode
from wordcount.results import STDIN
from wordcount.usage import usage_error
from wordcount.wording import Choice


class Format(Choice):
    table = "table"
    json = "json"
    csv = "csv"
    wc = "wc"
    github = "github"
    sarif = "sarif"
    jsonl = "jsonl"


class FailOn(Choice):
    binary = "binary"
    undecodable = "undecodable"
    skipped = "skipped"
    errors = "errors"


class SortKey(Choice):
    """How per-file rows are ordered (`--sort`): by path, or the largest counts first."""

    path = "path"
    lines = "lines"
    words = "words"
    chars = "chars"
    bytes = "bytes"


class WordMode(Choice):
    whitespace = "whitespace"
    unicode = "unicode"
    cjk = "cjk"
    jieba = "jieba"


@dataclass(frozen=True)
class Flags:
    """The command line's values as parsed (config file values included), before any is derived.

    No defaults here: the Typer signature is the one place that says them."""

    paths: list[str] | None
    jobs: int | None
    top: int
    words: WordMode
    ignore_case: bool
    nfkc: bool
    min_length: int
    stopwords: list[str] | None
    per_file: bool
    sort: SortKey
    reverse: bool
    output_format: Format
    output: str | None
    encoding: list[str] | None
    progress: ProgressMode
    use_cache: bool
    cache_dir: str | None
    log_interval: float
    quiet: bool
    hidden: bool
    no_ignore: bool
    no_require_git: bool
    exclude: list[str] | None
    max_depth: int | None
    follow_links: bool
    max_filesize: int | None
    max_words: int | None
    min_words: int | None
    max_total_words: int | None
    forbid: list[str] | None
    forbid_ignore_case: bool
    require_encoding: str | None
    no_bom: bool
    fail_on: list[FailOn] | None
    scheduler: str | None
    scheduler_file: str | None
    ship_bytes: bool
    connect_timeout: float
    decompress: bool


@dataclass(frozen=True)
class OutputShape:
    """What the report looks like and where it goes."""

    format: Format
    output: str | None  # None: standard output
    top: int
    file_rows: bool  # the report has a row per file: --per-file, or wc's own shape
    quiet: bool  # nothing for people on stderr: no progress, warnings or violations
    sort: str = "path"  # the per-file rows' order (`--sort`): path, or a count, largest first
    reverse: bool = False

    @property
    def name_errors(self) -> str:
        """How undecodable bytes of file names are written: wc writes names as their bytes, the
        other formats show them as \\udcXX."""
        return "surrogateescape" if self.format is Format.wc else "backslashreplace"

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


@dataclass(frozen=True)
class Settings:
    """Everything a run needs, each value derived once."""

    roots: tuple[str, ...]
    job: Job
    walk: WalkOptions
    output: OutputShape
    how: RunShape

    def cache_scope(self) -> str:
        """What, beside the counting settings, a cache's stored run depends on: the working
        folder, the paths and the walk's settings."""
        return json.dumps([os.getcwd(), list(self.roots), dataclasses.asdict(self.walk)], default=repr)

    def cache_key(self) -> str:
        """What a cache's stored counts depend on: the tool's version, the counting settings, and
        the audit rules (the violations found in a file are stored with it)."""
        audit = dataclasses.asdict(self.job.audit) if self.job.audit is not None else None
        fields = [__version__, _canonical(dataclasses.asdict(self.job.counting)), _canonical(audit)]
        return hashlib.sha256(json.dumps(fields, sort_keys=True, default=repr).encode()).hexdigest()

    def cache_job(self) -> Job:
        """The job when a cache stores the counts: each file's row and words come back too."""
        return dataclasses.replace(self.job, per_file=True, file_words=True)


def _canonical(value: object) -> object:
    """`value` with sets sorted and tuples as lists, so that equal settings give equal text."""
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
    roots = tuple(flags.paths or ["."])
    encoding_rules, fallback = parse_encodings(flags.encoding or [])
    for glob in flags.exclude or ():
        try:
            check_glob(glob)  # a pattern the walk could not compile fails here, before anything is counted
        except ValueError as error:
            usage_error(f"--exclude: {error}")
    check_roots(roots)
    output = None if flags.output == STDIN else flags.output  # `-o -` is standard output, as `-` is standard input
    if output is not None and (problem := atomic.check_writable(output)):
        usage_error(f"--output: cannot write the report: {problem}")
    cluster = cluster_settings(flags.scheduler, flags.scheduler_file, flags.ship_bytes, flags.connect_timeout)
    if flags.words is WordMode.jieba and not jieba_available():
        usage_error("--words jieba needs the jieba segmenter: pip install 'wordcount[zh]'")
    audit = _audit(flags, loaded)
    file_rows = flags.per_file or flags.output_format is Format.wc
    counting = Counting(
        frequencies=flags.top > 0 and flags.output_format not in (Format.wc, Format.github, Format.sarif),
        words=flags.words.value,
        ignore_case=flags.ignore_case,
        nfkc=flags.nfkc,
        min_length=flags.min_length,
        stopwords=read_stopwords(flags.stopwords or [], flags.nfkc),
        encoding=fallback,
        encoding_rules=encoding_rules,
        wc=flags.output_format is Format.wc and flags.words is WordMode.whitespace,  # wc's own word rule, on raw bytes
        decompress=flags.decompress,
        max_decompressed=flags.max_filesize if flags.decompress else None,  # a bomb is too large by its text
    )
    # Rows for the report, or for the jsonl records streamed as files are merged.
    job = Job(counting, per_file=file_rows or flags.output_format is Format.jsonl, audit=audit if audit else None)
    walk = WalkOptions(
        hidden=flags.hidden,
        use_ignore_files=not flags.no_ignore,
        excludes=tuple(flags.exclude or ()),
        max_depth=flags.max_depth,
        follow_links=flags.follow_links,
        max_filesize=flags.max_filesize,
        require_git=not flags.no_require_git,
    )
    shape = OutputShape(flags.output_format, output, flags.top, file_rows, flags.quiet, flags.sort.value, flags.reverse)
    return Settings(roots, job, walk, shape, _run_shape(flags, cluster))


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
        frozenset(item.value for item in flags.fail_on or ()),
    )
    check_audit(audit)
    return audit


def _run_shape(flags: Flags, cluster: Any) -> RunShape:
    """Workers, the progress shown (auto: a bar when stderr is a terminal), the cache folder."""
    progress = flags.progress
    if flags.quiet:
        progress = ProgressMode.none
    elif progress is ProgressMode.auto:
        progress = ProgressMode.bar if sys.stderr.isatty() else ProgressMode.none
    cache_folder = flags.cache_dir
    if flags.use_cache and cache_folder is None:
        from wordcount.cache import default_folder  # sqlite3 and friends only when asked for

        cache_folder = default_folder()
    return RunShape(flags.jobs or pool.default_jobs(), progress, flags.log_interval, cache_folder, cluster)


def check_roots(roots: tuple[str, ...]) -> None:
    """A usage error for a path named on the command line that does not exist."""
    for root in roots:
        if root != STDIN:
            try:
                os.stat(root)
            except FileNotFoundError:  # a dangling link named here does not exist either
                usage_error(f"no such file or folder: {root}")
            except ValueError:  # a NUL in the name: no such file can exist
                usage_error(f"no such file or folder: {root!r}")
            except OSError:
                pass  # it exists but cannot be looked at: discovery reports it in `errors`


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
            usage_error(f"--encoding {value!r}: the glob before '=' is empty")
        if not name:
            usage_error(f"--encoding {value!r}: no encoding name")
        try:
            codec = decode.canonical(name)
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
    except (ValueError, re.error) as error:
        usage_error(f"--encoding: bad glob: {error}")
    return tuple(rules), fallback


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
        from wordcount.scheduler import Settings as ClusterSettings
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
            decode.canonical(audit.rules.require_encoding)
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

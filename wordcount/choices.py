"""The closed sets of values options take (`--format`, `--word-mode`, `--sort`, …), each an enum
whose members print as the value typed (`messages.Choice`)."""

from __future__ import annotations

from wordcount.messages import Choice


class Format(Choice):
    table = "table"
    json = "json"
    csv = "csv"
    wc = "wc"
    github = "github"
    sarif = "sarif"
    jsonl = "jsonl"
    html = "html"


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
    max_line_length = "max-line-length"  # the widest line first (measured as -L measures it)


class Markup(Choice):
    """Whether Markdown and HTML files are counted by their prose (`--markup`)."""

    none = "none"
    auto = "auto"


class WordMode(Choice):
    whitespace = "whitespace"
    unicode = "unicode"
    cjk = "cjk"
    jieba = "jieba"


class TotalMode(Choice):
    """When the report shows a total (`--total`, as GNU wc 9.2 has it)."""

    auto = "auto"
    always = "always"
    only = "only"
    never = "never"


class ProgressMode(Choice):
    """What shows the run's progress on stderr (`--progress`): `auto` is a bar when stderr is a terminal."""

    auto = "auto"
    bar = "bar"
    log = "log"
    none = "none"

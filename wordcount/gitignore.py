"""Ignore patterns as git reads and matches them, and where git keeps its repository-wide ones.

Git is the oracle (tests/test_git_oracle.py compares with `git ls-files`). A pattern matches one
path, never what lies below it: a walker leaves an ignored folder out and so never asks about
its contents, which is how git makes a file below an excluded folder impossible to re-include.
The syntax is gitignore(5): `#` comments, `\\` escapes, trailing spaces dropped unless escaped,
`!` to re-include, a trailing `/` for folders only, a `/` at the start or in the middle to
anchor to the file's folder, `*`, `?`, `[…]` never matching `/`, and `**` between slashes
matching any number of folders.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v", "upper": "A-Z", "xdigit": "0-9a-fA-F",
}
_NEVER = "(?!)"  # a regular expression that matches nothing: git's answer for a broken pattern


@dataclass(frozen=True, slots=True)
class Pattern:
    """One pattern line: what it matches, whether it re-includes, and how a path is offered to it."""

    regex: re.Pattern[str]
    negated: bool
    folders_only: bool  # it ended in '/'
    basename: bool  # it has no '/' but a trailing one: it matches a name at any depth

    def matches(self, path: str, is_dir: bool) -> bool:
        """Whether this pattern matches `path` ('/'-separated, relative to the pattern's folder)."""
        if self.folders_only and not is_dir:
            return False
        return self.regex.fullmatch(path.rpartition("/")[2] if self.basename else path) is not None


def parse(lines: list[str]) -> tuple[Pattern, ...]:
    """The patterns of an ignore file's lines, in order; blank lines and comments give none."""
    patterns = (parse_line(line) for line in lines)
    return tuple(pattern for pattern in patterns if pattern is not None)


def parse_line(line: str, strict: bool = False) -> Pattern | None:
    """One line as git reads it, or None for a blank line or a comment. `strict`: a ValueError
    for what git quietly takes as matching nothing (see `translate`), as for a glob a user typed."""
    line = _trim_trailing_spaces(line)
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    folders_only = line.endswith("/")
    if folders_only:
        line = line[:-1]
    basename = "/" not in line
    if line.startswith("/"):
        line = line[1:]
    if not line:
        return None
    start = 0 if basename else _literal_prefix(line)
    return Pattern(re.compile(translate(line, start, strict), re.DOTALL), negated, folders_only, basename)


def _literal_prefix(glob: str) -> int:
    """How many leading characters of `glob` are plain (before the first `*`, `?`, `[` or `\\`).

    Git compares that much of a path pattern literally and wildmatches the rest as a pattern of
    its own, so a `**` right after it counts as standing at the pattern's start: `a**/*` ignores
    `a.txt` (git 2.39's dir.c `match_pathname`, found by tests/test_git_oracle.py).
    """
    for index, char in enumerate(glob):
        if char in "*?[\\":
            return index
    return len(glob)


def _trim_trailing_spaces(line: str) -> str:
    """`line` less its trailing spaces, but for one escaped by a backslash (`a\\ `)."""
    end = len(line)
    while end and line[end - 1] == " ":
        end -= 1
    if end < len(line) and end and _escaped(line, end):
        end += 1
    return line[:end]


def _escaped(line: str, index: int) -> bool:
    """Whether the character at `index` follows an odd number of backslashes."""
    slashes = 0
    while index - slashes - 1 >= 0 and line[index - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


def translate(glob: str, start: int = 0, strict: bool = False) -> str:
    """A regular expression for a wildmatch glob (git's WM_PATHNAME mode), to be full-matched.

    A `**` at `start` is taken to begin the pattern (see `_literal_prefix`). Git takes a broken
    pattern (a lone `\\` at the end, an unclosed `[`, an unknown `[:class:]`) as matching
    nothing, and a reversed range (`[z-a]`) as its low end; `strict` makes them a ValueError."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if char == "\\":
            if i + 1 == len(glob):
                if strict:
                    raise ValueError("it ends in a lone backslash")
                return _NEVER  # a pattern ending in a lone backslash matches nothing
            out.append(re.escape(glob[i + 1]))
            i += 2
        elif char == "*":
            i, part = _stars(glob, i, start)
            out.append(part)
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            i, klass = _bracket(glob, i, strict)
            if klass is None:
                if strict:
                    raise ValueError("a '[' is not closed, or names no character class")
                return _NEVER  # an unclosed bracket: git's wildmatch gives up on the pattern
            out.append(klass)
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _stars(glob: str, i: int, start: int = 0) -> tuple[int, str]:
    """A run of `*` at `i`: `**` between slashes (or at an end, or at `start`) crosses folders,
    else `*`."""
    end = i
    while end < len(glob) and glob[end] == "*":
        end += 1
    bordered = (i == start or glob[i - 1] == "/") and (end == len(glob) or glob[end] == "/")
    if end - i < 2 or not bordered:
        return end, "[^/]*"
    if end < len(glob):
        return end + 1, "(?:.*/)?"  # `**/`: zero or more folders
    return end, ".*"


def _bracket(glob: str, i: int, strict: bool = False) -> tuple[int, str | None]:
    """A bracket expression at `i` as a regex class that never matches '/' (None: unclosed)."""
    j = i + 1
    negated = j < len(glob) and glob[j] in "!^"
    if negated:
        j += 1
    items: list[str] = []
    first = True
    while j < len(glob) and (glob[j] != "]" or first):
        first = False
        if glob.startswith("[:", j) and (close := glob.find(":]", j + 2)) != -1:
            name = glob[j + 2 : close]
            if name not in _CLASSES:
                return len(glob), None
            items.append(_CLASSES[name])
            j = close + 2
            continue
        if glob[j] == "\\" and j + 1 < len(glob):
            j += 1
        char = glob[j]
        if j + 2 < len(glob) and glob[j + 1] == "-" and glob[j + 2] != "]":
            high_at = j + 3 if glob[j + 2] == "\\" and j + 3 < len(glob) else j + 2
            high = glob[high_at]
            if strict and high < char:
                raise ValueError(f"the range {char}-{high} runs backwards")
            # git's wildmatch compares the low end alone first: a reversed range (`z-a`) matches it only
            items.append(f"{re.escape(char)}-{re.escape(high)}" if char <= high else re.escape(char))
            j = high_at + 1
        else:
            items.append(re.escape(char))
            j += 1
    if j >= len(glob):
        return len(glob), None
    body = "".join(items)
    return j + 1, (f"[^/{body}]" if negated else f"(?!/)[{body}]")


# --------------------------------------------------------------------------- git's own files


def git_dir(folder: str) -> str | None:
    """The git directory of the work tree whose top is `folder`: `.git`, or where a `.git` file
    (a linked worktree, a submodule) points; None when `folder` holds no `.git`."""
    dot_git = os.path.join(folder, ".git")
    if os.path.isdir(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8") as handle:
            first = handle.readline().strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not first.startswith("gitdir:"):
        return None
    return os.path.join(folder, first[len("gitdir:") :].strip())


def exclude_files(top: str) -> list[str]:
    """The repository-wide exclude files of the work tree at `top`, lowest precedence first:
    the global excludes file (`core.excludesFile`, else `$XDG_CONFIG_HOME/git/ignore`), then
    `info/exclude` of the repository (in the common git directory of a linked worktree)."""
    where = git_dir(top)
    configs = _config_files(where)
    found = None
    for config in configs:
        value = config_value(config, "core", "excludesfile")
        if value is not None:
            found = value
    if found is None:
        found = os.path.join(_xdg_config_home(), "git", "ignore")
    files = [os.path.join(top, os.path.expanduser(found))]
    if where is not None:
        files.append(os.path.join(common_dir(where), "info", "exclude"))
    return files


def _xdg_config_home() -> str:
    return os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")


def common_dir(where: str) -> str:
    """The git directory shared by all worktrees: `commondir` of a linked worktree's git dir."""
    try:
        with open(os.path.join(where, "commondir"), encoding="utf-8") as handle:
            return os.path.join(where, handle.readline().strip())
    except (OSError, UnicodeDecodeError):
        return where


def _config_files(where: str | None) -> list[str]:
    """git's config files, lowest precedence first: system, global, the repository's."""
    files: list[str] = []
    if not os.environ.get("GIT_CONFIG_NOSYSTEM"):
        files.append(os.environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig")
    if "GIT_CONFIG_GLOBAL" in os.environ:
        files.append(os.environ["GIT_CONFIG_GLOBAL"])
    else:
        files += [os.path.join(_xdg_config_home(), "git", "config"), os.path.expanduser("~/.gitconfig")]
    if where is not None:
        files.append(os.path.join(common_dir(where), "config"))
    return files


def config_value(path: str, section: str, key: str) -> str | None:
    """The last value of `section.key` in git config file `path` (names in any case), or None.

    Enough of git's config syntax for a path setting: `[section]` headers, `key = value`,
    double quotes, and `#` or `;` comments; `include` directives are not followed.
    """
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    current, value = "", None
    for raw in lines:
        line = raw.strip()
        if line.startswith("["):
            current = line[1:].split("]", 1)[0].split(None, 1)[0].strip('"').lower()
            continue
        name, sep, rest = line.partition("=")
        if sep and current == section and name.strip().lower() == key:
            value = _config_text(rest.strip())
    return value


def _config_text(text: str) -> str:
    """A config value without its quotes and trailing comment."""
    out, quoted, i = [], False, 0
    while i < len(text):
        char = text[i]
        if char == '"':
            quoted = not quoted
        elif char == "\\" and i + 1 < len(text):
            i += 1
            out.append({"n": "\n", "t": "\t"}.get(text[i], text[i]))
        elif char in "#;" and not quoted:
            break
        else:
            out.append(char)
        i += 1
    return "".join(out).strip()

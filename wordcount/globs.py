"""The globs users give: `--exclude`, `-g/--glob`, `--encoding GLOB=NAME` and `[[rules]]` globs.

One syntax, one matcher and one base for all of them. The syntax is a `.gitignore` line's, as
git matches it (`wordcount.gitignore`: `*.md` matches at any depth, `docs/*.md` and `/x` are
anchored, a trailing `/` means folders only), with ripgrep's `{a,b}` alternatives. A glob is
matched against a path relative to its base: the folder given on the command line that the path
was found under, or, for a file named by itself, the current folder (`Base`); `[[rules]]` globs'
base is the config file's folder. A glob that starts with the absolute path of its base (or
that path with its links resolved) is taken relative to it, so `--exclude /srv/corpus/drafts`
works while counting `/srv/corpus`.

A file matches a glob when the glob matches it or a folder above it (below the base), as the
walk leaves out a whole folder that `--exclude` matches: `--encoding 'legacy/=gbk'` reads the
files in `legacy/`. Only the walk's include globs (`--glob` without `!`) must match the file
itself, as ripgrep's `-g` globs do.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from wordcount import gitignore

Patterns = tuple[gitignore.Pattern, ...]


@dataclass(frozen=True, slots=True)
class Base:
    """A folder globs are matched from: how the paths found under it begin (`prefix`: the folder
    as given, ending in a separator; "" for files named by themselves) and its absolute
    spellings (the first is where relative paths start; the others are other ways to write it:
    its links resolved, the shell's `$PWD`)."""

    prefix: str
    spellings: tuple[str, ...]


def base(folder: str | None, here: str | None = None) -> Base:
    """The base of the folder `folder` as given (None: the current folder, for files named);
    `here` is the working folder (default: this process's)."""
    here = here or os.getcwd()
    absolute = os.path.normpath(os.path.join(here, folder or "."))
    spellings = [absolute, os.path.realpath(absolute)]
    if folder is None or os.path.normpath(folder) == ".":
        logical = os.environ.get("PWD")  # the working folder as the shell spells it (through links)
        if logical and os.path.isabs(logical) and _same(logical, absolute):
            spellings.append(os.path.normpath(logical))
    prefix = "" if folder is None else folder if folder.endswith(os.sep) else folder + os.sep
    return Base(prefix, tuple(dict.fromkeys(spellings)))


def _same(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


ROOT = Base("", (os.sep,))  # the base of a file named outside the current folder: its absolute path


def located(path: str, bases: tuple[Base, ...], here: Base) -> tuple[str, Base]:
    """`path` ('/'-separated) relative to its base, and that base: the first folder of `bases`
    whose paths it begins as, else (a file named by itself) the current folder `here`, or the
    filesystem's root for a file outside it. Only string operations: a cluster's workers run in
    folders of their own."""
    for candidate in bases:
        if candidate.prefix and path.startswith(candidate.prefix):
            return _slashed(path[len(candidate.prefix) :]), candidate
    top = here.spellings[0]
    full = os.path.normpath(os.path.join(top, path))
    relative = os.path.relpath(full, top)  # both absolute: no working folder is asked
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return _slashed(full.lstrip(os.sep)), ROOT
    return _slashed(relative), here


def _slashed(path: str) -> str:
    return path if os.sep == "/" else path.replace(os.sep, "/")


@functools.lru_cache(maxsize=4096)
def anchored(glob: str, where: Base) -> str:
    """`glob` as matched below `where`: one that starts with an absolute spelling of the base
    is taken relative to it (`/srv/corpus/drafts` below `/srv/corpus` is `/drafts`); any other
    is as given (a leading `/` anchors it at the base)."""
    negated = glob.startswith("!")
    body = glob[1:] if negated else glob
    for spelling in where.spellings:
        prefix = spelling if spelling.endswith(os.sep) else spelling + os.sep
        if body.startswith(prefix) and len(body) > len(prefix):
            body = "/" + _slashed(body[len(prefix) :])
            break
    return ("!" if negated else "") + body


@functools.lru_cache(maxsize=4096)
def compiled(glob: str) -> Patterns:
    """The patterns of one glob, one per `{a,b}` alternative; ValueError for one that is no
    glob (blank, a comment, nothing after `!`, unbalanced or nested braces, what git would take
    as matching nothing: an unclosed `[`, a reversed range), as ripgrep refuses them."""
    if not glob.strip() or glob.lstrip().startswith("#") or "\n" in glob or "\r" in glob:
        raise ValueError(f"not a glob: {glob!r}")
    patterns = []
    for alternative in alternatives(glob):
        try:
            pattern = gitignore.parse_line(alternative, strict=True)
        except ValueError as error:
            raise ValueError(f"not a glob: {glob!r} ({error})") from None
        if pattern is None:
            raise ValueError(f"not a glob: {glob!r}")
        patterns.append(pattern)
    return tuple(patterns)


def alternatives(glob: str) -> list[str]:
    """The globs `glob` stands for: `*.{md,rst}` is `*.md` and `*.rst` (ripgrep's extension).
    A backslash escapes a brace or a comma; braces do not nest."""
    found = [""]
    i = 0
    while i < len(glob):
        char = glob[i]
        if char == "\\" and i + 1 < len(glob):
            found = [text + glob[i : i + 2] for text in found]
            i += 2
        elif char == "{":
            choices, i = _choices(glob, i)
            found = [text + choice for text in found for choice in choices]
        elif char == "}":
            raise ValueError(f"not a glob: {glob!r} (a '}}' closes no '{{')")
        else:
            found = [text + char for text in found]
            i += 1
    return found


def _choices(glob: str, start: int) -> tuple[list[str], int]:
    """The choices of the braces opened at `start`, and where the text after them begins."""
    choices: list[str] = []
    current, i = "", start + 1
    while i < len(glob):
        char = glob[i]
        if char == "\\" and i + 1 < len(glob):
            current += glob[i : i + 2]
            i += 2
            continue
        if char == "{":
            raise ValueError(f"not a glob: {glob!r} (braces do not nest)")
        if char == "}":
            return [*choices, current], i + 1
        if char == ",":
            choices.append(current)
            current = ""
        else:
            current += char
        i += 1
    raise ValueError(f"not a glob: {glob!r} (a '{{' is not closed)")


def matches_file(glob: str, rel: str) -> bool:
    """Whether `glob` (not negated) matches the file at `rel` or a folder above it."""
    patterns = compiled(glob)
    if any(pattern.matches(rel, False) for pattern in patterns):
        return True
    cut = rel.find("/")
    while cut != -1:
        if any(pattern.matches(rel[:cut], True) for pattern in patterns):
            return True
        cut = rel.find("/", cut + 1)
    return False


def matches(glob: str, where: Base, rel: str) -> bool:
    """Whether `glob` matches the file at `rel` below `where` (or a folder above it there)."""
    return matches_file(anchored(glob, where), rel)


def check(glob: str, negation: bool = False) -> None:
    """ValueError if `glob` is not a usable glob; a `!` is one only where it means something."""
    compiled(glob)
    if glob.startswith("!") and not negation:
        raise ValueError(f"{glob!r}: a glob cannot be negated with '!' here")


def outside(glob: str, folders: tuple[str, ...]) -> str | None:
    """The absolute path that a glob without wildcards names, when it exists, lies in none of
    `folders` (the folders given) and names nothing in them read as anchored: it can match
    nothing, and the user meant a path. None otherwise."""
    body = glob[1:] if glob.startswith("!") else glob
    if not body.startswith("/") or any(char in body for char in "*?[\\{"):
        return None
    target = body.rstrip("/") or "/"
    if not os.path.lexists(target) or not folders:
        return None
    for folder in folders:
        where = base(folder)
        if anchored(body, where) != body or os.path.lexists(os.path.join(where.spellings[0], target.lstrip("/"))):
            return None
    return target


@dataclass(frozen=True, slots=True)
class Overrides:
    """The walk's `--glob` globs below one base, as ripgrep's overrides (`ignore::overrides`):
    the last glob that matches a path decides, a plain glob taking it whatever else would
    leave it out (hidden, ignored, of another type), a `!GLOB` leaving it out; a file no glob
    matches is left out when some glob is plain. A folder no glob matches is walked."""

    patterns: Patterns
    includes: bool

    def verdict(self, rel: str, is_dir: bool) -> bool | None:
        """True: taken; False: left out; None: these globs have no say."""
        for pattern in reversed(self.patterns):
            if pattern.matches(rel, is_dir):
                return not pattern.negated  # for a --glob, `!` leaves out
        return False if self.includes and not is_dir else None


def overrides(globs: tuple[str, ...], where: Base) -> Overrides | None:
    """The `--glob` globs (in the order given) as matched below `where`; None for none."""
    if not globs:
        return None
    patterns = tuple(pattern for glob in globs for pattern in compiled(anchored(glob, where)))
    return Overrides(patterns, any(not pattern.negated for pattern in patterns))


def excludes(globs: tuple[str, ...], where: Base) -> Patterns:
    """The `--exclude` globs as matched below `where`: a list in gitignore's sense, where the
    last that matches decides and `!GLOB` takes back what an earlier one left out."""
    return tuple(pattern for glob in globs for pattern in compiled(anchored(glob, where)))


def excluded(patterns: Patterns, rel: str, is_dir: bool) -> bool:
    """Whether the `--exclude` list `patterns` leaves out `rel`."""
    for pattern in reversed(patterns):
        if pattern.matches(rel, is_dir):
            return not pattern.negated
    return False

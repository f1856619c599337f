"""The config file: finding it, reading it, and turning it into the command's defaults.

Settings are the long option names (`max-words = 500`) of `[tool.wordcount]` in a
`pyproject.toml`, or the top-level keys of a `.wordcount.toml`, plus `[[rules]]` tables of
rules scoped by glob. The command line loads them into click's `default_map`, so a flag given
on the command line wins over the file exactly as it wins over any default.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wordcount import options
from wordcount.text import decoding
from wordcount.audit import Rules, Scope, check_glob, compile_forbidden
from wordcount.model import STDIN
from wordcount.values import MAX_COUNT, UsageError

DEDICATED = ".wordcount.toml"
PYPROJECT = "pyproject.toml"
RULE_KEYS = ("glob", "max-words", "min-words", "forbid", "require-encoding", "no-bom")


@dataclass(frozen=True, slots=True)
class Config:
    """What a config file holds: option values by long name, and scoped rules."""

    path: str
    options: Mapping[str, Any]
    scopes: tuple[Scope, ...]

    @property
    def folder(self) -> str:
        """The folder scope globs are relative to: the one holding the file."""
        return os.path.dirname(os.path.abspath(self.path))


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


def _error(path: str, message: str) -> ConfigError:
    return ConfigError(f"config file {path}: {message}")


def _read_toml(path: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):  # imported here: a run without a config file does without (2 ms)
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as error:
        raise _error(path, error.strerror or str(error)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise _error(path, f"not valid TOML: {error}") from None
    except ValueError:  # a NUL in the name
        raise _error(repr(path), "not a file name") from None


def _table(path: str, document: dict[str, Any]) -> dict[str, Any] | None:
    """The wordcount settings of a parsed file: `[tool.wordcount]` of a pyproject.toml (None
    when it has none), the whole document of any other file."""
    if os.path.basename(path) != PYPROJECT:
        return document
    tool = document.get("tool")
    table = tool.get("wordcount") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise _error(path, "[tool.wordcount] is not a table")
    return table


@dataclass(frozen=True, slots=True)
class Found:
    """Which config file applies to a run, and how it was chosen (for `--verbose`)."""

    path: str | None  # None: none applies
    start: str | None = None  # the folder the search went up from; None: named by --config

    def describe(self) -> str:
        if self.start is None:
            return f"config file {self.path} (--config)"
        if self.path is None:
            return f"no config file found from {self.start} up"
        return f"config file {self.path} (found from {self.start} up)"


def search_start(paths: Sequence[str]) -> str:
    """The folder the search for the config file starts in: the deepest one holding every path
    given (a folder holds itself), as black finds a project's root, so that `cd / && wordcount
    /srv/repo/docs` finds the repository's config; the working folder when no path names a
    place (none given, or standard input)."""
    folders = [path if os.path.isdir(path) else os.path.dirname(path)
               for path in (os.path.abspath(arg) for arg in paths if arg != STDIN)]
    return os.path.commonpath(folders) if folders else os.getcwd()


def find(start: str) -> str | None:
    """The config file that applies in folder `start`: in the nearest folder, going up, that
    holds a `.wordcount.toml` or a `pyproject.toml` with a `[tool.wordcount]` table. When one
    folder holds both, `.wordcount.toml` wins (the file made for wordcount is the more specific).
    The search ends at the top of a git or Mercurial repository, as black's does: a config file
    above a checkout is not its project's."""
    folder = os.path.abspath(start)
    while True:
        dedicated = os.path.join(folder, DEDICATED)
        if os.path.isfile(dedicated):
            return dedicated
        pyproject = os.path.join(folder, PYPROJECT)
        if os.path.isfile(pyproject) and _table(pyproject, _read_toml(pyproject)) is not None:
            return pyproject
        parent = os.path.dirname(folder)
        if parent == folder or _repository_top(folder):
            return None
        folder = parent


def _repository_top(folder: str) -> bool:
    """Whether `folder` is the top of a work tree: it holds `.git` (a folder, or a file in a
    linked worktree or a submodule) or a `.hg` folder."""
    return os.path.lexists(os.path.join(folder, ".git")) or os.path.isdir(os.path.join(folder, ".hg"))


def load(path: str) -> Config:
    """Read a config file; a file that cannot be read or parsed is a usage error."""
    table = dict(_table(path, _read_toml(path)) or {})
    rules = table.pop("rules", [])
    if not isinstance(rules, list) or not all(isinstance(item, dict) for item in rules):
        raise _error(path, "rules: must be an array of tables ([[rules]] or [[tool.wordcount.rules]])")
    return Config(path, table, tuple(_scope(path, index, item) for index, item in enumerate(rules)))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _strings(value: object) -> list[str] | None:
    """A list of strings (a lone string is a list of one), or None if it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def _scope(path: str, index: int, table: dict[str, Any]) -> Scope:
    """One `[[rules]]` table, checked key by key."""
    where = f"rules[{index}]"
    for key in table:
        if key not in RULE_KEYS:
            raise _error(path, f"{where}: unknown key: {key} (known: {', '.join(RULE_KEYS)})")
    glob = table.get("glob")
    if not isinstance(glob, str):
        raise _error(path, f"{where}: glob: a glob (string) is required")
    try:
        check_glob(glob)
    except ValueError as error:
        raise _error(path, f"{where}: glob: {error}") from None
    counts = {}
    for key in ("max-words", "min-words"):
        value = table.get(key)
        if value is not None and not (_is_int(value) and value >= 0):
            raise _error(path, f"{where}: {key}: not a whole number of at least 0: {value!r}")
        if value is not None and value > MAX_COUNT:
            raise _error(path, f"{where}: {key}: not a whole number of at most {MAX_COUNT:,}: {value!r}")
        counts[key] = value
    forbid = _strings(table.get("forbid", []))
    if forbid is None:
        raise _error(path, f"{where}: forbid: not a list of patterns: {table['forbid']!r}")
    for pattern in forbid:
        check_value(path, f"{where}: forbid", "forbid", pattern)
    encoding = table.get("require-encoding")
    if encoding is not None:
        if not isinstance(encoding, str):
            raise _error(path, f"{where}: require-encoding: not an encoding name: {encoding!r}")
        check_value(path, f"{where}: require-encoding", "require-encoding", encoding)
    no_bom = table.get("no-bom", False)
    if not isinstance(no_bom, bool):
        raise _error(path, f"{where}: no-bom: not true or false: {no_bom!r}")
    return Scope(glob, Rules(counts["max-words"], counts["min-words"], tuple(forbid), encoding, no_bom))


def check_value(path: str, where: str, key: str, value: str) -> None:
    """Check a forbidden pattern or an encoding name the way the command line does."""
    try:
        if key == "forbid":
            compile_forbidden(value, False)
        elif key in ("require-encoding", "encoding", "fallback-encoding"):
            decoding.canonical(value)
    except ValueError as error:
        raise _error(path, f"{where}: {error}") from None
    except LookupError as error:
        raise _error(path, f"{where}: {error}") from None


def default_map(config: Config) -> dict[str, Any]:
    """The config's options as click defaults (by parameter name), each checked as the
    command line would check it; raises ConfigError for an unknown key or a bad value. The
    keys are the long names of the options that may be set in a file (`options.Option.setting`)."""
    known = options.by_key()
    defaults: dict[str, Any] = {}
    for key, value in config.options.items():
        declared = known.get(key)
        if declared is None:
            raise _error(config.path, f"unknown key: {key}")
        parse = declared.option.parse
        if declared.multiple:
            items = _strings(value)
            if items is None:
                raise _error(config.path, f"{key}: not a list of strings: {value!r}")
            value = items
            for item in items:
                check_value(config.path, key, key, item)
        elif declared.is_flag:
            if not isinstance(value, bool):
                raise _error(config.path, f"{key}: not true or false: {value!r}")
        else:
            _check_type(config.path, key, value, getattr(parse, "config_types", (str,)))
            if isinstance(value, str):
                check_value(config.path, key, key, value)
        try:  # the conversion and checks the command line would make
            for item in value if declared.multiple else [value]:
                if parse is not None:
                    parse(item)
        except UsageError as error:
            raise _error(config.path, f"{key}: {error}") from None
        defaults[declared.name] = value
    return defaults


_WANTED = {int: "a whole number", float: "a number", str: "a string"}
_TOML_KINDS = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "an array",
               dict: "a table"}


def _check_type(path: str, key: str, value: object, kinds: tuple[type, ...]) -> None:
    """A usage error unless the TOML value is of one of the types the option takes: `top = "3"`
    is a string where a number is meant, as `top = true` is a boolean (in Python, an int)."""
    if isinstance(value, kinds) and not isinstance(value, bool):
        return
    wanted = " or ".join(_WANTED[kind] for kind in kinds if not (kind is int and float in kinds))
    shown = ("true" if value else "false") if isinstance(value, bool) else (
        repr(value) if isinstance(value, (str, list, dict)) else str(value))
    raise _error(path, f"{key}: expected {wanted}, got {_TOML_KINDS.get(type(value), 'a date or time')}: {shown}")

"""File types for `-t/--type` and `-T/--type-not`: ripgrep's table, for the names taken here.

Each type is a list of globs matched against a file's name (`*.md`, `[Mm]akefile`), as in
ripgrep's default table (crates/ignore/src/default_types.rs), whose definitions are copied for
the names below; `all` stands for every type. Selections combine as ripgrep combines them
(`ignore::types::Types::matched`): the last selection with a glob matching the name decides,
`-t` keeping the file and `-T` leaving it out; a file no selection matches is left out when
any `-t` was given. Types never apply to folders.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from wordcount import gitignore

# name -> globs, as ripgrep defines them (aliases share a definition, as there).
_MARKDOWN = ("*.markdown", "*.md", "*.mdown", "*.mdwn", "*.mkd", "*.mkdn", "*.mdx")
_PYTHON = ("*.py", "*.pyi")
_TYPESCRIPT = ("*.ts", "*.tsx", "*.cts", "*.mts")
TYPES: dict[str, tuple[str, ...]] = {
    "asciidoc": ("*.adoc", "*.asc", "*.asciidoc"),
    "c": ("*.[chH]", "*.[chH].in", "*.cats"),
    "cpp": ("*.[ChH]", "*.cc", "*.[ch]pp", "*.[ch]xx", "*.hh", "*.inl",
            "*.[ChH].in", "*.cc.in", "*.[ch]pp.in", "*.[ch]xx.in", "*.hh.in"),
    "css": ("*.css", "*.scss"),
    "csv": ("*.csv",),
    "go": ("*.go",),
    "html": ("*.htm", "*.html", "*.ejs"),
    "java": ("*.java", "*.jsp", "*.jspx", "*.properties"),
    "js": ("*.js", "*.jsx", "*.vue", "*.cjs", "*.mjs"),
    "json": ("*.json", "composer.lock", "*.sarif"),
    "man": ("*.[0-9lnpx]", "*.[0-9][cEFMmpSx]"),
    "markdown": _MARKDOWN,
    "md": _MARKDOWN,
    "org": ("*.org", "*.org_archive"),
    "pod": ("*.pod",),
    "py": _PYTHON,
    "python": _PYTHON,
    "rst": ("*.rst",),
    "ruby": ("config.ru", "Gemfile", ".irbrc", "Rakefile", "*.gemspec", "*.rb", "*.rbw", "*.rake"),
    "rust": ("*.rs",),
    "sh": (".env", ".login", ".logout", ".profile", "profile", ".bash_login", "bash_login", ".bash_logout",
           "bash_logout", ".bash_profile", "bash_profile", ".bashrc", "bashrc", "*.bashrc", ".cshrc", "*.cshrc",
           ".kshrc", "*.kshrc", ".tcshrc", ".zshenv", "zshenv", ".zlogin", "zlogin", ".zlogout", "zlogout",
           ".zprofile", "zprofile", ".zshrc", "zshrc", "*.bash", "*.csh", "*.env", "*.ksh", "*.sh", "*.tcsh",
           "*.zsh"),
    "sql": ("*.sql", "*.psql"),
    "tex": ("*.tex", "*.ltx", "*.cls", "*.sty", "*.bib", "*.dtx", "*.ins"),
    "toml": ("*.toml", "Cargo.lock"),
    "ts": _TYPESCRIPT,
    "txt": ("*.txt",),
    "typescript": _TYPESCRIPT,
    "xml": ("*.xml", "*.xml.dist", "*.dtd", "*.xsl", "*.xslt", "*.xsd", "*.xjb", "*.rng", "*.sch", "*.xhtml"),
    "yaml": ("*.yaml", "*.yml"),
}
ALL = "all"

Selection = tuple[str, bool]  # a type's name, and whether it is left out (-T) rather than kept (-t)


def listing() -> str:
    """The table as `--type-list` prints it (as ripgrep does): `name: glob, glob`, sorted."""
    return "".join(f"{name}: {', '.join(sorted(globs))}\n" for name, globs in sorted(TYPES.items()))


def check(name: str) -> str:
    """`name` if it is a type (or `all`); ValueError naming the types otherwise."""
    if name != ALL and name not in TYPES:
        raise ValueError(f"unknown type {name!r} (see --type-list)")
    return name


@dataclass(frozen=True, slots=True)
class Types:
    """The selections of a run, compiled: each type's patterns and whether it leaves files out."""

    selections: tuple[tuple[tuple[gitignore.Pattern, ...], bool], ...]
    selects: bool  # some -t was given: a file no selection matches is left out

    def verdict(self, name: str) -> bool | None:
        """True: a selection keeps the file named `name`; False: it is left out; None: neither."""
        for patterns, negated in reversed(self.selections):  # the last that matches decides
            if any(pattern.matches(name, False) for pattern in patterns):
                return not negated
        return False if self.selects else None


@functools.lru_cache(maxsize=16)
def compiled(selections: tuple[Selection, ...]) -> Types | None:
    """The `Types` of the selections in the order given (`all` is every type), None for none."""
    if not selections:
        return None
    expanded = [(name, negated) for chosen, negated in selections
                for name in (sorted(TYPES) if chosen == ALL else [check(chosen)])]
    compiled_types = tuple((tuple(_pattern(glob) for glob in TYPES[name]), negated) for name, negated in expanded)
    return Types(compiled_types, any(not negated for _, negated in expanded))


def _pattern(glob: str) -> gitignore.Pattern:
    pattern = gitignore.parse_line(glob)
    assert pattern is not None and pattern.basename  # every glob of the table is a file name's
    return pattern

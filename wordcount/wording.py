"""How counts are said in the table, the log and on stderr: the noun agrees with the number."""

from __future__ import annotations


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`count` with thousands separators and `noun`, in the plural unless `count` is 1:
    `1 file`, `2 files`, `1,000 words`, `1 match` / `2 matches` (give the plural when it is not
    the noun plus 's')."""
    return f"{count:,} {noun if count == 1 else plural_noun or noun + 's'}"

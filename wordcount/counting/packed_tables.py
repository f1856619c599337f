"""The compact byte forms of frequency tables, as the cache stores them.

Workers pack each file's frequencies (`batch.count_batch`, the assembly of a cut file's
pieces) and the cache unpacks them; the parent packs and unpacks whole tables. Kept apart from
`cache.py` so that workers need not import sqlite3 or the report module to write them.
"""

from __future__ import annotations

import array
import marshal
import zlib
from collections.abc import Mapping

from wordcount.counting.freq import Words


def pack_words(table: Words) -> bytes:
    """One file's frequencies as compact bytes: marshal (fast, read only by this same version),
    compressed, as there are as many of these as files."""
    return zlib.compress(marshal.dumps(table.to_dict()), 1)


def unpack_words(data: bytes) -> dict[bytes, int]:
    """The frequencies `pack_words` packed."""
    return marshal.loads(zlib.decompress(data))  # type: ignore[no-any-return]


def pack_table(table: Mapping[bytes, int]) -> bytes:
    """A large frequency table as bytes that load fast: the words joined by NUL, then the counts
    as 64-bit integers (marshal, for the rare table with a NUL inside a word)."""
    keys = b"\0".join(table)
    if keys.count(b"\0") != len(table) - 1:
        return b"M" + marshal.dumps(dict(table))
    return b"T" + len(keys).to_bytes(8, "little") + keys + array.array("q", table.values()).tobytes()


def unpack_table(data: bytes) -> dict[bytes, int]:
    """The table `pack_table` packed, in its order (a ranking stays ranked)."""
    if data[:1] == b"M":
        return marshal.loads(data[1:])  # type: ignore[no-any-return]
    size = int.from_bytes(data[1:9], "little")
    counts = array.array("q")
    counts.frombytes(data[9 + size :])
    keys = data[9 : 9 + size].split(b"\0") if counts else []
    return dict(zip(keys, counts))

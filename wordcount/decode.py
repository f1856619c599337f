"""Bytes → text: BOMs, the UTF-8 fast path, chardet on a bounded sample, the binary verdict.

This module decides *how* a file is to be read; `count` does the reading. The decision is
made from the first block (BOM, NUL bytes) and, only for files that are not valid UTF-8,
from a sample of at most `SAMPLE_BYTES` around the first byte that is not.
"""

from __future__ import annotations

import codecs
import functools
from dataclasses import dataclass

SAMPLE_BYTES = 64 * 1024

# Longest first: the UTF-32-LE BOM begins with the UTF-16-LE one. Each: (BOM, the name the
# report gives, the codec that reads what follows the BOM; None: the UTF-8 fast path).
_BOMS: tuple[tuple[bytes, str, str | None], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig", None),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be"),
)
_BOM_STARTS = frozenset(bom[:1] for bom, _, _ in _BOMS)
_BOM_BYTES = tuple(bom for bom, _, _ in _BOMS)

# Encodings whose text is full of NUL bytes: a NUL does not make such a file binary.
_WIDE = ("utf_16", "utf_32")

# chardet's answers that are better decoded as a superset that holds more characters.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030"}

# Control bytes other than tab, newline and carriage return: kept out of chardet's sample,
# since escape sequences (coloured logs) make it call a perfectly good text binary.
_CONTROLS = bytes(b for b in range(32) if b not in b"\t\n\r") + b"\x7f"

# Multibyte encodings in which tab, newline and space bytes only ever stand for themselves
# (their trailing bytes are all 0x40 or above), so a file may be cut just after one of them.
_CUTTABLE = frozenset(
    {"utf-8", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "shift_jis", "cp932",
     "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004", "euc_jisx0213", "euc_kr",
     "cp949", "johab"}
)
_CUT_CHARACTERS = "\n \t"


@dataclass(frozen=True, slots=True)
class Plan:
    """How to read one file.

    `encoding` is the name the report gives (None: the file is binary); `skip` is the length of
    its BOM; `codec` reads the bytes after the BOM (None: the UTF-8 fast path, which comes back
    for a detection if the file turns out not to be UTF-8).
    """

    encoding: str | None
    skip: int = 0
    codec: str | None = None

    @property
    def binary(self) -> bool:
        return self.encoding is None


BINARY = Plan(None)
UTF8 = Plan("utf-8")


def canonical(name: str) -> str:
    """The `codecs` name of an encoding, with subsets widened (GB2312/GBK → GB18030).

    Raises LookupError for a name Python does not know.
    """
    name = codecs.lookup(name).name
    return _SUPERSETS.get(name, name)


def is_wide(encoding: str) -> bool:
    """True for UTF-16 and UTF-32, whose text holds NUL bytes."""
    return codecs.lookup(encoding).name.replace("-", "_").startswith(_WIDE)


def plan(head: bytes, forced: str | None = None) -> Plan:
    """Decide from the first block how a file is read.

    A BOM decides; else a NUL byte makes the file binary; else UTF-8 is tried first. A
    `forced` encoding is used for every file (a NUL still means binary unless it is wide).
    """
    if forced is not None:
        if b"\0" in head and not is_wide(forced):
            return BINARY
        return Plan(forced, 0, forced)
    if head[:1] in _BOM_STARTS:
        for bom, encoding, codec in _BOMS:
            if head.startswith(bom):
                return Plan(encoding, len(bom), codec)
    if b"\0" in head:
        return BINARY
    return UTF8


def starts_with_bom(head: bytes) -> bool:
    """Whether a file's first bytes are a UTF-8, UTF-16 or UTF-32 byte order mark."""
    return head.startswith(_BOM_BYTES)


def detected(sample: bytes) -> Plan:
    """The plan for a file without a BOM that is not UTF-8, from a sample of its bytes."""
    encoding = detect(sample)
    return Plan(encoding, 0, encoding)


@functools.lru_cache(maxsize=None)
def cut_marks(codec: str | None) -> tuple[int, tuple[bytes, ...]] | None:
    """How text in `codec` may be cut into pieces that are counted apart.

    Returns the code unit size and the encoded whitespace characters after which a cut may
    fall (a whitespace character ends any word and is a character boundary), or None for an
    encoding that cannot be cut safely (stateful ones such as ISO-2022-JP or UTF-7).
    """
    name = canonical(codec or "utf-8")
    unit = {"utf-16-le": 2, "utf-16-be": 2, "utf-32-le": 4, "utf-32-be": 4}.get(name)
    if unit is None:
        if name not in _CUTTABLE and not _is_single_byte(name):
            return None
        unit = 1
    return unit, tuple(char.encode(name) for char in _CUT_CHARACTERS)


def _is_single_byte(name: str) -> bool:
    """True for a stateless encoding that maps each byte to at most one character on its own."""
    if any(stateful in name.replace("-", "_") for stateful in ("2022", "utf_7", "hz")):
        return False  # escape sequences switch what the following bytes mean
    try:
        text = bytes(range(256)).decode(name, "replace")
        return len(text) == 256 and all(char.encode(name, "ignore") in (b"", bytes([i])) for i, char in enumerate(text))
    except (LookupError, UnicodeError):
        return False


def sample_around(data: bytes, offset: int) -> bytes:
    """A detection sample of `data` that holds `offset`, cut where no character is split.

    The window starts a little before `offset` (so the sample holds the bytes that made
    UTF-8 fail, not just a plain ASCII preamble) and both ends are moved to just after a
    byte below 0x40, which no legacy double-byte encoding uses as a trailing byte.
    """
    start = max(0, min(offset - 1024, len(data) - SAMPLE_BYTES))
    window = data[start : start + SAMPLE_BYTES]
    if start > 0:
        window = window[_after_low_byte(window[:256]) :]
    if start + SAMPLE_BYTES < len(data):
        tail = window[-256:]
        cut = _after_low_byte(tail)
        if cut:
            window = window[: len(window) - len(tail) + cut]
    return window


def _after_low_byte(chunk: bytes) -> int:
    """Index just after the last byte below 0x40 in `chunk`, or 0 if there is none."""
    for i in range(len(chunk) - 1, -1, -1):
        if chunk[i] < 0x40:
            return i + 1
    return 0


def detect(sample: bytes) -> str:
    """The encoding chardet finds for a sample that is not UTF-8, as a `codecs` name.

    Falls back to UTF-8 (whose undecodable bytes are then replaced and counted) when
    chardet has no answer.
    """
    import chardet  # imported here: most runs never need it

    answer = chardet.detect(sample.translate(None, _CONTROLS), prefer_superset=True)
    name = answer.get("encoding")
    if not name:
        return "utf-8"
    try:
        return canonical(name)
    except LookupError:
        return "utf-8"

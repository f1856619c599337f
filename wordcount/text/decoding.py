"""Bytes → text: BOMs, the UTF-8 fast path, chardet on a bounded sample, the binary verdict.

This module decides *how* a file is to be read; `count` does the reading. The decision is
made from the first block (BOM, NUL bytes, ISO-2022 and HZ escapes) and, only for files that
are not valid UTF-8, from a sample of at most `SAMPLE_BYTES` around the first byte that is not.
Each decision carries a confidence: 1.0 when the bytes leave no doubt, chardet's otherwise.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from wordcount.text import declared

SAMPLE_BYTES = 64 * 1024
WINDOW_BYTES = 4 * SAMPLE_BYTES  # how far past the first byte that is not UTF-8 a sample is taken from
LINE_BACK = 4096  # how far back the start of that byte's line is looked for

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

# Answers that are better decoded as a superset that holds more characters. For every name
# (chardet's answer or the user's):
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030"}
# For detected answers only, and only when the superset reads the sample as the same text (the
# Windows code pages leave a few bytes undefined that the ISO sets map to C1 controls; Python's
# EUC-KR reads KS X 1001 make-up sequences that CP949 does not). tests/test_encodings.py checks
# byte by byte that each is a superset.
_DETECTED_SUPERSETS = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "euc_kr": "cp949",
}
# chardet names every Shift_JIS text shift_jis_2004, which reads the bytes of backslash and
# tilde as ¥ and ‾: Windows' Shift_JIS (cp932, by far the most common) reads them as ASCII and
# is taken whenever it decodes the sample.
_DETECTED_PREFERRED = {"shift_jis_2004": "cp932"}

# Control bytes other than tab, newline and carriage return: kept out of chardet's sample,
# since escape sequences (coloured logs) make it call a perfectly good text binary.
_CONTROLS = bytes(b for b in range(32) if b not in b"\t\n\r") + b"\x7f"

@dataclass(frozen=True, slots=True)
class Decoding:
    """The verdict on how one file is read (`decide`).

    `encoding` is the name the report gives (None: the file is binary); `skip` is the length of
    its BOM; `codec` reads the bytes after the BOM (None: the UTF-8 fast path, which comes back
    for a detection if the file turns out not to be UTF-8); `confidence` is how sure the choice
    is, from 0 to 1; `declared`: the file's own charset declaration chose it (`text/declared.py`).
    """

    encoding: str | None
    skip: int = 0
    codec: str | None = None
    confidence: float = 1.0
    declared: bool = False

    @property
    def binary(self) -> bool:
        return self.encoding is None


BINARY = Decoding(None)
UTF8 = Decoding("utf-8")


# Codecs that CPython flags as text encodings but that cannot read a file's contents: IDNA and
# Punycode encode one domain-name label, `undefined` refuses everything.
_NOT_FOR_FILES = frozenset({"idna", "punycode", "undefined"})


def canonical(name: str) -> str:
    """The `codecs` name of a text encoding, with subsets widened (GB2312/GBK → GB18030).

    Raises LookupError for a name Python does not know, and for a codec that does not turn
    bytes into text (base64, zlib, rot13, …) or cannot read a whole file (idna, punycode).
    """
    try:
        info = codecs.lookup(name)
    except ValueError:  # a NUL in the name
        raise LookupError(f"unknown encoding: {name!r}") from None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FOR_FILES:
        raise LookupError(f"not a text encoding: {name} (bytes-to-bytes and domain-name codecs cannot read files)")
    return _SUPERSETS.get(info.name, info.name)


def is_wide(encoding: str) -> bool:
    """True for UTF-16 and UTF-32, whose text holds NUL bytes."""
    return codecs.lookup(encoding).name.replace("-", "_").startswith(_WIDE)


def decide(head: bytes, forced: str | None = None, html: bool = False) -> Decoding:
    """Decide from the first block how a file is read.

    A `forced` encoding decides (a NUL still means binary unless it is UTF-16 or UTF-32); else
    a BOM; else NUL bytes make the file binary, unless they are those of UTF-16 or UTF-32 text
    without a BOM; else the file's own declaration (`declared.charset`: a `<meta>` charset in
    an `html` file, an XML declaration); else ISO-2022 or HZ escapes in ASCII text are looked
    at; else UTF-8 is tried first.
    """
    if forced is not None:
        if b"\0" in head and not is_wide(forced):
            return BINARY
        if forced in _ORDERED_BY_BOM:
            return _byte_order(head, forced)
        return Decoding(forced, 0, forced)
    if head[:1] in _BOM_STARTS:
        for bom, encoding, codec in _BOMS:
            if head.startswith(bom):
                return Decoding(encoding, len(bom), codec)
    if b"\0" in head:
        return wide(head) or BINARY
    if (head.startswith(b"<?xml") or html) and (says := declared.charset(head, html)) is not None:
        return Decoding(says, 0, None if says == "utf-8" else says, 1.0, declared=True)
    if _may_shift(head) and head.isascii():
        return _escaped(head[:SAMPLE_BYTES]) or UTF8
    return UTF8


def _may_shift(head: bytes) -> bool:
    """Whether `head` holds an ISO-2022 escape (ESC $) or an HZ shift (~{).

    Looked for one byte at a time (memchr), as a two-byte search runs at a tenth of the speed
    and this is asked of every file."""
    if b"\x1b" in head and b"\x1b$" in head:
        return True
    tilde = head.find(b"~")
    while tilde >= 0:
        if head[tilde + 1 : tilde + 2] == b"{":
            return True
        tilde = head.find(b"~", tilde + 1)
    return False


# The forced encodings whose byte order a BOM gives: Python's incremental decoders for these
# refuse a file without one ("UTF-16 stream does not start with BOM").
_ORDERED_BY_BOM = ("utf-16", "utf-32")


def _byte_order(head: bytes, forced: str) -> Decoding:
    """The decoding of a file forced to be UTF-16 or UTF-32, whatever its first bytes.

    A BOM of that encoding gives the byte order (and is not read as a character). Without one,
    the byte order is the one the text reads best in (as for detected BOM-less UTF-16), else
    little-endian, which Windows writes and Python assumes on most machines. The report then
    names the codec that was used (`utf-16-le`), which reads the file again without a BOM.
    """
    for bom, encoding, codec in _BOMS:
        if encoding == forced and head.startswith(bom):
            return Decoding(encoding, len(bom), codec)
    found = wide(head)
    if found is not None and found.codec is not None and found.codec.startswith(forced):
        return Decoding(found.codec, 0, found.codec)
    return Decoding(f"{forced}-le", 0, f"{forced}-le")


def starts_with_bom(head: bytes) -> bool:
    """Whether a file's first bytes are a UTF-8, UTF-16 or UTF-32 byte order mark."""
    return head.startswith(_BOM_BYTES)


def detected(sample: bytes) -> Decoding:
    """The decoding of a file without a BOM that is not UTF-8, from a sample of its bytes."""
    encoding, confidence = detect(sample)
    return Decoding(encoding, 0, encoding, confidence)


# BOM-less UTF-16 and UTF-32 (docs/encodings.md): the rule looks at the first WIDE_SAMPLE
# bytes of the first block; shorter files with a NUL are binary.
WIDE_SAMPLE = 4096
MIN_WIDE_BYTES = 16
# At least this share of the sample's characters must be text: not a control character (but
# whitespace and ESC), not unassigned, not private use. Random bytes give about 0.87.
MIN_TEXT_SHARE = 0.95
# Text in a single-byte encoding with a stray NUL pairs printable ASCII bytes into code units.
MAX_ASCII_PAIRS = 0.8
_ASCII_TEXT = b"\t\n\r\x0e\x0f\x1b" + bytes(range(0x20, 0x7F))  # ISO-2022 shifts and escapes too
_IS_ASCII_TEXT = bytes(1 if byte in _ASCII_TEXT else 0 for byte in range(256))
_NOT_COUNTED = dict.fromkeys(map(ord, "\t\n\v\f\r \x1b"))


def wide(head: bytes) -> Decoding | None:
    """The decoding of UTF-16 or UTF-32 text without a BOM, or None if `head` is not such text.

    UTF-32 shows a NUL in every fourth byte; UTF-16 is tried in both byte orders. Either must
    decode strictly to text (see `text_share`) that is not ASCII bytes paired up; of two byte
    orders that both do, the one whose characters fall in fewer 256-character blocks wins
    (real text keeps to a few scripts, the swapped order scatters over the whole plane).
    """
    sample = head[:WIDE_SAMPLE]
    if len(sample) < MIN_WIDE_BYTES:
        return None
    quads = sample[: len(sample) - len(sample) % 4]
    for codec, zeros in (("utf-32-le", quads[3::4]), ("utf-32-be", quads[0::4])):
        if not zeros.strip(b"\0"):
            text = _strict_prefix(quads, codec)
            if text is not None and (share := text_share(text)) >= MIN_TEXT_SHARE:
                return Decoding(codec, 0, codec, floor2(share))
    pairs = sample[: len(sample) - len(sample) % 2]
    units = len(pairs) // 2
    low, high = pairs[0::2], pairs[1::2]
    nonzero = pairs.replace(b"\0", b"")
    if not nonzero.translate(None, _ASCII_TEXT) and max(low.count(0), high.count(0)) < 0.75 * units:
        return None  # ASCII records separated by NULs (find -print0), not UTF-16
    if not nonzero.isascii() and _strict_prefix(nonzero, "utf-8") is not None:
        return None  # UTF-8 text with NULs in it
    # One bit per byte that is ASCII text: the bits set in both halves count the ASCII pairs.
    both = int.from_bytes(low.translate(_IS_ASCII_TEXT), "big") & int.from_bytes(high.translate(_IS_ASCII_TEXT), "big")
    if both.bit_count() > MAX_ASCII_PAIRS * units:
        return None
    best: tuple[int, int, str, float] | None = None
    for codec, nuls in (("utf-16-le", high.count(0)), ("utf-16-be", low.count(0))):
        text = _strict_prefix(pairs, codec)
        if text is None or (share := text_share(text)) < MIN_TEXT_SHARE:
            continue
        blocks = len({ord(char) >> 8 for char in text})
        if best is None or (blocks, -nuls) < best[:2]:
            best = (blocks, -nuls, codec, share)
    if best is None:
        return None
    return Decoding(best[2], 0, best[2], floor2(best[3]))


def _strict_prefix(data: bytes, codec: str) -> str | None:
    """`data` decoded strictly, but for a character cut at its end; None if it does not decode."""
    try:
        return codecs.getincrementaldecoder(codec)("strict").decode(data, False)
    except UnicodeDecodeError:
        return None


def text_share(text: str) -> float:
    """The share of `text`'s characters that text is made of; 0 for text with a NUL character.

    Not text: control characters other than whitespace and ESC, unassigned code points and
    private use ones. Format characters (joiners, direction marks) are text.
    """
    if not text or "\0" in text:
        return 0.0
    rest = text.translate(_NOT_COUNTED)
    if rest.isprintable():
        return 1.0
    bad = sum(1 for char in rest if not char.isprintable() and not char.isspace()
              and unicodedata.category(char) != "Cf")
    return 1 - bad / len(text)


def floor2(value: float) -> float:
    """`value` rounded down to 2 decimals, so that a share just under a limit stays under it."""
    return int(value * 100) / 100


def _escaped(sample: bytes) -> Decoding | None:
    """The decoding of ASCII bytes that are ISO-2022 or HZ text, or None if they are plain ASCII."""
    encoding, confidence = _chardet(sample)
    if encoding is None or not encoding.startswith(("iso2022", "hz")):
        return None
    if _strict_prefix(sample, encoding) is None:
        return None
    return Decoding(encoding, 0, encoding, confidence)


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


def detection_sample(stream: BinaryIO, offset: int) -> bytes:
    """The detection sample of a seekable stream whose first byte that is not UTF-8 is at `offset`.

    ASCII bytes read the same in every encoding chardet may answer here, and a few lines of
    Hebrew in a mostly English file would be judged by the English: so the sample is the lines
    that hold other bytes, from the line of `offset` on, up to SAMPLE_BYTES of them taken from
    a window of WINDOW_BYTES. When the line of `offset` starts too far before it (one long line),
    the sample is the bytes around `offset` (`sample_around`).

    It depends on the file's bytes and `offset` only, not on how the file was read (whole or
    in pieces, in blocks of any size), so every way of counting detects the same.
    """
    begin = max(0, offset - LINE_BACK)
    stream.seek(begin)
    wanted = offset - begin + WINDOW_BYTES
    window = stream.read(wanted)
    at = offset - begin
    line_start = window.rfind(b"\n", 0, at) + 1
    if line_start == 0 and begin > 0:
        return sample_around(window, at)
    lines = window[line_start:].split(b"\n")
    if len(window) == wanted:
        lines.pop()  # cut by the window's end
    picked: list[bytes] = []
    size = 0
    for line in lines:
        if not line.isascii():
            picked.append(line)
            size += len(line) + 1
            if size >= SAMPLE_BYTES:
                break
    sample = b"\n".join(picked)
    if not sample:
        return sample_around(window, at)
    if len(sample) > SAMPLE_BYTES:
        sample = sample_around(sample, 0)
    return sample


def detect(sample: bytes) -> tuple[str, float]:
    """The encoding chardet finds for a sample that is not UTF-8, as a `codecs` name, and
    chardet's confidence in it, rounded to 2 decimals.

    Falls back to UTF-8 (whose undecodable bytes are then replaced and counted) with
    confidence 0 when chardet has no answer.
    """
    encoding, confidence = _chardet(sample.translate(None, _CONTROLS))
    if encoding is None:
        return "utf-8", 0.0
    return widen(encoding, sample), confidence


def widen(encoding: str, sample: bytes) -> str:
    """The codec a detected `encoding` is better read with: its superset if that reads `sample`
    as the same text, its preferred reading if that decodes `sample`, else itself."""
    if (wider := _DETECTED_SUPERSETS.get(encoding)) is not None:
        text = _strict_prefix(sample, wider)
        if text is not None and text == _strict_prefix(sample, encoding):
            return wider
    elif (preferred := _DETECTED_PREFERRED.get(encoding)) is not None:
        if _strict_prefix(sample, preferred) is not None:
            return preferred
    return encoding


def _chardet(sample: bytes) -> tuple[str | None, float]:
    """chardet's answer for `sample`: a `codecs` name (None: no answer) and its confidence."""
    import chardet  # imported here: most runs never need it

    # Its own names (not those of chardet 5, which call shift_jis_2004 "SHIFT_JIS"), and no
    # prefer_superset: that maps ISO-8859-5 to cp1251, which is not a superset of it.
    answer = chardet.detect(sample, compat_names=False)
    confidence = round(float(answer.get("confidence") or 0.0), 2)
    name = answer.get("encoding")
    if not name:
        return None, confidence
    try:
        return canonical(name), confidence
    except LookupError:
        return None, confidence

"""Text of other encodings on its way to the UTF-8 the scanners count: decoded block by block, its
undecodable bytes replaced by U+FFFD and counted, a codec that refuses a file as a whole told apart.

Workers load this module with counting/reader.py; it imports only the standard library.
"""

from __future__ import annotations

import codecs
import re

# Undecodable bytes are replaced by U+FFFD, and counted, without any state outside the decoding
# call (a Dask worker counts files in several threads at once): the error handler, registered
# once by name for the whole process, leaves in the text a mark that says how many bytes it
# replaced, and `unmark` turns the marks of a decoded block into U+FFFD and adds them up. A mark
# is a lone surrogate, which UTF-8 cannot encode and text codecs do not produce (UTF-7 can: such
# a surrogate, which could not be counted as UTF-8 before either, is replaced like a mark).
_REPLACE = "wordcount-mark-replaced"
_MARK_BASE = 0xD800
_MARK_MAX = 0x7FF  # replaced bytes one mark can tell; a decoder's error never spans that many
_MARKS = re.compile("[\ud800-\udfff]")


def _mark_replaced(error: UnicodeError) -> tuple[str, int]:
    """Like errors="replace", but the replacement is a mark of how many bytes it replaces."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return chr(_MARK_BASE + min(error.end - error.start, _MARK_MAX)), error.end


codecs.register_error(_REPLACE, _mark_replaced)


def unmark(text: str) -> tuple[str, int]:
    """Text decoded with errors=_REPLACE as errors="replace" gives it, and the number of bytes
    that were replaced."""
    replaced = sum(ord(mark) - _MARK_BASE for mark in _MARKS.findall(text))
    return _MARKS.sub("\ufffd", text), replaced


def to_utf8(text: str) -> tuple[str, bytes, int]:
    """A block decoded with errors=_REPLACE: its text, that text as UTF-8, and how many bytes were
    replaced. Encoding finds the marks for free: text without any (the usual case) is not searched."""
    try:
        return text, text.encode("utf-8"), 0
    except UnicodeEncodeError:
        text, replaced = unmark(text)
        return text, text.encode("utf-8"), replaced


class Undecodable(Exception):
    """A codec refused a file as a whole (not byte by byte, which is replaced and counted)."""


def new_decoder(codec: str) -> codecs.IncrementalDecoder:
    """An incremental decoder of `codec` that replaces undecodable bytes with marks (`to_utf8`)."""
    return codecs.getincrementaldecoder(codec)(errors=_REPLACE)


def decoded_text(data: bytes, codec: str) -> tuple[str, int]:
    """`data` decoded whole with `codec` as the blocks of a file are (undecodable bytes replaced
    by U+FFFD): its text and how many bytes were replaced (`counting/marked_up.py` reads a file whole)."""
    decoder = new_decoder(codec)
    text, _, replaced = to_utf8(decoded_block(decoder, data, True, codec))
    return text, replaced


def decoded_block(decoder: codecs.IncrementalDecoder, block: bytes, last: bool, codec: str | None) -> str:
    """One block decoded; a codec that raises instead of replacing makes the file Undecodable.

    Only codec errors are caught: this file cannot be read so, and the run goes on.
    """
    try:
        return decoder.decode(block, last)
    except (UnicodeError, LookupError) as error:
        raise Undecodable(f"cannot be decoded as {codec}: {error}") from None

"""A file name as GNU `wc` writes it after its counts (`--format wc`)."""

from __future__ import annotations

import os
import unicodedata

# How GNU wc (coreutils 8.x to 9.11) writes a name holding a newline: gnulib's quotearg in its
# shell-escape style, in a UTF-8 locale.
_SHELL_ESCAPES = {0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r"}
_WC_UNPRINTABLE = frozenset({"Cc", "Zl", "Zp", "Cn", "Cs"})  # not glibc's iswprint


def wc_name(path: str) -> str:
    """A file name as GNU wc prints it after its counts: as it is, unless it holds a newline;
    then quoted for a POSIX shell, as `'a'$'\\n''b'`: unprintable characters and bytes that
    are not UTF-8 as `$'…'` escapes (`\\n`, `\\t`, octal `\\377`), a quote as `'\\''`.

    `path` is a name as `os.fsdecode` gives it; the result holds undecodable bytes the same way.
    """
    raw = os.fsencode(path)
    if b"\n" not in raw:
        return path
    quoted, escaping = _shell_escape(raw, False)
    if b"'" in raw:
        # gnulib's quotearg (as in coreutils 9.1) scans a name with a quote once, then quotes it
        # again starting in the `$'…'` state the scan ended in: mirrored, quirks and all.
        quoted, _ = _shell_escape(raw, escaping)
    return quoted


def _shell_escape(raw: bytes, escaping: bool) -> tuple[str, bool]:
    """`raw` in gnulib's shell-escape-always quoting style, starting inside a `$'…'` part if
    `escaping`; and whether it ended inside one."""
    out = ["'"]

    def escape(text: str) -> None:
        nonlocal escaping
        if not escaping:
            out.append("'$'")
            escaping = True
        out.append(text)

    def plain(text: str) -> None:
        nonlocal escaping
        if escaping:
            out.append("''")
            escaping = False
        out.append(text)

    index = 0
    while index < len(raw):
        byte = raw[index]
        if byte in _SHELL_ESCAPES:
            escape("\\" + _SHELL_ESCAPES[byte])
        elif byte == 0x27:  # '
            out.append("'\\''")
            escaping = False
        elif 0x20 <= byte < 0x7F:
            plain(chr(byte))
        else:
            char, size = _utf8_char(raw, index)
            if char is not None and unicodedata.category(char) not in _WC_UNPRINTABLE:
                plain(char)
            else:
                escape("".join(f"\\{part:03o}" for part in raw[index : index + size]))
            index += size
            continue
        index += 1
    out.append("'")
    return "".join(out), escaping


def _utf8_char(data: bytes, index: int) -> tuple[str | None, int]:
    """The UTF-8 character at `index` and its length in bytes, or (None, 1) for a byte that does
    not begin one."""
    for size in (1, 2, 3, 4):
        try:
            return data[index : index + size].decode("utf-8"), size
        except UnicodeDecodeError as error:
            if error.reason != "unexpected end of data" or index + size >= len(data):
                return None, 1
    return None, 1


"""A file's own charset declaration, found as browsers find it.

An HTML file (by its name: `is_html`) is prescanned as the HTML Standard says ("prescan a byte
stream to determine its encoding", over the first PRESCAN_BYTES): a `<meta charset>`, or a
`<meta http-equiv="Content-Type" content="…; charset=…">`, else an XML declaration's `encoding`.
Any other file that starts with `<?xml` is read by its XML declaration alone ("get an XML
encoding"). Labels are the WHATWG Encoding Standard's (ISO-8859-1 is windows-1252, GB2312 is GBK,
read as GB18030, …), each encoding read by the Python codec that reads it as browsers do.

Workers load this module with text/decoding.py; it imports nothing.
"""

from __future__ import annotations

import os

PRESCAN_BYTES = 1024  # the HTML Standard encourages prescanning no more than this
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".xht", ".shtml")

# The Encoding Standard's labels of each encoding (encodings.json), by the codec that reads it.
# ISO-8859-8-I is ISO-8859-8 read in logical order: the same bytes and characters.
_LABELS = {
    "utf-8": "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8",
    "cp866": "866 cp866 csibm866 ibm866",
    "iso8859-2": "csisolatin2 iso-8859-2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    "iso8859-3": "csisolatin3 iso-8859-3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    "iso8859-4": "csisolatin4 iso-8859-4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    "iso8859-5": "csisolatincyrillic cyrillic iso-8859-5 iso-ir-144 iso8859-5 iso88595 iso_8859-5 "
                 "iso_8859-5:1988",
    "iso8859-6": "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6 iso-8859-6-e "
                 "iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    "iso8859-7": "csisolatingreek ecma-118 elot_928 greek greek8 iso-8859-7 iso-ir-126 iso8859-7 iso88597 "
                 "iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    "iso8859-8": "csiso88598e csisolatinhebrew hebrew iso-8859-8 iso-8859-8-e iso-ir-138 iso8859-8 iso88598 "
                 "iso_8859-8 iso_8859-8:1988 visual csiso88598i iso-8859-8-i logical",
    "iso8859-10": "csisolatin6 iso-8859-10 iso-ir-157 iso8859-10 iso885910 l6 latin6",
    "iso8859-13": "iso-8859-13 iso8859-13 iso885913",
    "iso8859-14": "iso-8859-14 iso8859-14 iso885914",
    "iso8859-15": "csisolatin9 iso-8859-15 iso8859-15 iso885915 iso_8859-15 l9",
    "iso8859-16": "iso-8859-16",
    "koi8-r": "cskoi8r koi koi8 koi8-r koi8_r",
    "koi8-u": "koi8-ru koi8-u",
    "mac-roman": "csmacintosh mac macintosh x-mac-roman",
    "cp874": "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874",
    "cp1250": "cp1250 windows-1250 x-cp1250",
    "cp1251": "cp1251 windows-1251 x-cp1251",
    "cp1252": "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 iso88591 "
              "iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252",
    "cp1253": "cp1253 windows-1253 x-cp1253",
    "cp1254": "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 iso_8859-9:1989 l5 latin5 "
              "windows-1254 x-cp1254",
    "cp1255": "cp1255 windows-1255 x-cp1255",
    "cp1256": "cp1256 windows-1256 x-cp1256",
    "cp1257": "cp1257 windows-1257 x-cp1257",
    "cp1258": "cp1258 windows-1258 x-cp1258",
    "mac-cyrillic": "x-mac-cyrillic x-mac-ukrainian",
    "gb18030": "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk gb18030",
    "big5hkscs": "big5 big5-hkscs cn-big5 csbig5 x-x-big5",
    "euc_jp": "cseucpkdfmtjapanese euc-jp x-euc-jp",
    "iso2022_jp": "csiso2022jp iso-2022-jp",
    "cp932": "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis",
    "cp949": "cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 ksc_5601 "
             "windows-949",
}
# UTF-16 declared in bytes that are not UTF-16 means UTF-8 (the HTML Standard says so of <meta> and
# of XML declarations alike). Two encodings have no codec: x-user-defined, which a <meta> turns
# into windows-1252, and "replacement" (ISO-2022-KR, HZ, ISO-2022-CN: browsers refuse to decode
# them), which declares nothing here: detection reads such files.
_UTF16 = "unicodefffe utf-16be csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le"
_USER_DEFINED = "x-user-defined"
_REPLACEMENT = "replacement"
ENCODINGS = {label: codec for codec, labels in _LABELS.items() for label in labels.split()}
ENCODINGS.update(dict.fromkeys(_UTF16.split(), "utf-8"))
ENCODINGS[_USER_DEFINED] = _USER_DEFINED
ENCODINGS.update(dict.fromkeys("csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr replacement".split(),
                                _REPLACEMENT))
_NO_CODEC = (_USER_DEFINED, _REPLACEMENT)

_SPACE = b"\t\n\x0c\r "  # what the HTML Standard calls ASCII whitespace, as bytes
_LETTERS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def is_html(path: str) -> bool:
    """Whether the file at `path` is HTML by its name's ending, in any case."""
    return os.path.splitext(path)[1].lower() in HTML_SUFFIXES


def charset(head: bytes, html: bool) -> str | None:
    """The codec a file whose first bytes are `head` declares, or None: for HTML (`html`), the
    prescan's answer; for any other file, its XML declaration's."""
    data = head[:PRESCAN_BYTES]
    found = prescan(data) if html else xml_encoding(data)
    return None if found in _NO_CODEC else found


def encoding_for(label: str) -> str | None:
    """The encoding an encoding label names ("getting an encoding"), as the codec that reads it,
    x-user-defined or replacement; None (failure) for a label that names none."""
    return ENCODINGS.get(label.strip("\t\n\x0c\r ").lower())


class _OutOfBytes(Exception):
    """The prescan ran past the bytes it was given."""


def prescan(data: bytes) -> str | None:
    """The encoding the HTML Standard's prescan finds in `data` (`encoding_for`), or None.

    (Its first step, an XML declaration in UTF-16, is the BOM-less UTF-16 `decoding.wide` finds:
    such bytes hold NULs and never reach this.)"""
    try:
        return _Prescan(data).run()
    except _OutOfBytes:
        return xml_encoding(data)


class _Prescan:
    """The prescan's loop over `data`, byte by byte; running out of bytes raises _OutOfBytes."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            raise _OutOfBytes
        return self.data[self.at]

    def starts(self, prefix: bytes) -> bool:
        return self.data.startswith(prefix, self.at)

    def skip_to(self, needle: bytes, start: int) -> None:
        """Move to the first `needle` at or after `start`."""
        found = self.data.find(needle, start)
        if found < 0:
            raise _OutOfBytes
        self.at = found

    def run(self) -> str:
        """The loop, from the first byte: the encoding of the first `<meta>` that declares one."""
        while True:
            self.skip_to(b"<", self.at)  # any other byte is passed over
            if self.starts(b"<!--"):
                self.skip_to(b"-->", self.at + 2)  # its dashes may be those of "<!--"
                self.at += 2
            elif self.data[self.at : self.at + 5].lower() == b"<meta" and self.after(5) in _SPACE + b"/":
                self.at += 5
                if (found := self.meta()) is not None:
                    return found
            elif self.after(1) in _LETTERS or (self.after(1) == ord("/") and self.after(2) in _LETTERS):
                while self.byte() not in _SPACE + b">":  # a tag: its name, then its attributes
                    self.at += 1
                while self.attribute() is not None:
                    pass
            elif self.after(1) in b"!/?":
                self.skip_to(b">", self.at + 1)
            self.at += 1

    def after(self, count: int) -> int:
        """The byte `count` bytes after the current one."""
        if self.at + count >= len(self.data):
            raise _OutOfBytes
        return self.data[self.at + count]

    def meta(self) -> str | None:
        """The encoding a `<meta>` declares (its attributes read up to its '>'), or None."""
        names: set[str] = set()
        got_pragma = False
        need_pragma: bool | None = None
        found: str | None = None
        failed = False  # a charset attribute that names no encoding (not the same as none at all)
        while (attribute := self.attribute()) is not None:
            name, value = attribute
            if name in names:
                continue
            names.add(name)
            if name == "http-equiv":
                got_pragma = got_pragma or value == "content-type"
            elif name == "content":
                label = content_charset(value)
                encoding = encoding_for(label) if label is not None else None
                if encoding is not None and found is None and not failed:
                    found, need_pragma = encoding, True
            elif name == "charset":
                found, need_pragma = encoding_for(value), False
                failed = found is None
        if need_pragma is None or (need_pragma and not got_pragma) or found is None:
            return None
        return "cp1252" if found == _USER_DEFINED else found

    def attribute(self) -> tuple[str, str] | None:
        """The next attribute's name and value ("get an attribute"), or None at the tag's '>'."""
        while self.byte() in _SPACE + b"/":
            self.at += 1
        if self.byte() == ord(">"):
            return None
        name = value = ""
        while True:
            byte = self.byte()
            if byte == ord("=") and name:
                self.at += 1
                return name, self._value()
            if byte in _SPACE:
                break
            if byte in b"/>":
                return name, ""
            name += _lower(byte)
            self.at += 1
        while self.byte() in _SPACE:
            self.at += 1
        if self.byte() != ord("="):
            return name, ""
        self.at += 1
        return name, self._value()

    def _value(self) -> str:
        """An attribute's value, from just after its '='."""
        while self.byte() in _SPACE:
            self.at += 1
        quote = self.byte()
        value = ""
        if quote in b"\"'":
            while True:
                self.at += 1
                if (byte := self.byte()) == quote:
                    self.at += 1
                    return value
                value += _lower(byte)
        if quote == ord(">"):
            return ""
        while (byte := self.byte()) not in _SPACE + b">":
            value += _lower(byte)
            self.at += 1
        return value


def _lower(byte: int) -> str:
    """A byte as the prescan keeps it: ASCII upper case lowered, any other byte as its code point."""
    return chr(byte + 0x20) if 0x41 <= byte <= 0x5A else chr(byte)


def content_charset(content: str) -> str | None:
    """The label in a `<meta>`'s `content` ("extracting a character encoding from a meta
    element"), or None."""
    at = 0
    lowered = content.lower()
    while True:
        found = lowered.find("charset", at)
        if found < 0:
            return None
        at = _skip_space(content, found + 7)
        if content[at : at + 1] != "=":
            continue
        at = _skip_space(content, at + 1)
        if at >= len(content):
            return None
        quote = content[at]
        if quote in "\"'":
            end = content.find(quote, at + 1)
            return content[at + 1 : end] if end >= 0 else None
        end = at
        while end < len(content) and content[end] not in "\t\n\x0c\r ;":
            end += 1
        return content[at:end]


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in "\t\n\x0c\r ":
        at += 1
    return at


def xml_encoding(data: bytes) -> str | None:
    """The encoding an XML declaration at the start of `data` names ("get an XML encoding",
    `encoding_for`), or None."""
    if not data.startswith(b"<?xml"):
        return None
    end = data.find(b">")
    at = data.find(b"encoding", 0, end)
    if end < 0 or at < 0:
        return None
    at += len(b"encoding")
    while at < len(data) and data[at] <= 0x20:
        at += 1
    if data[at : at + 1] != b"=":
        return None
    at += 1
    while at < len(data) and data[at] <= 0x20:
        at += 1
    quote = data[at : at + 1]
    if quote not in (b'"', b"'"):
        return None
    close = data.find(quote, at + 1)
    if close < 0:
        return None
    label = data[at + 1 : close]
    if any(byte <= 0x20 for byte in label):
        return None
    return encoding_for(label.decode("latin-1"))

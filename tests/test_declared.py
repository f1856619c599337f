"""A file's declared charset: the HTML Standard's prescan of an HTML file's first 1,024 bytes (a
`<meta>` charset, else an XML declaration), any file's XML declaration, the WHATWG labels; and
where it stands among the other decisions (after --encoding and a BOM, before UTF-8)."""

from __future__ import annotations

import codecs
import gzip
import pathlib

import pytest

from conftest import invoke_json, reference_counts
from wordcount.text import declared, decoding

# What the prescan finds, step by step as the HTML Standard says ("prescan a byte stream to
# determine its encoding", "get an attribute", "extracting a character encoding from a meta
# element", "get an XML encoding"); None: nothing declared.
PRESCAN = [
    (b'<meta charset="ISO-8859-1">', "cp1252"),  # ISO-8859-1 is windows-1252
    (b"<META CHARSET=KOI8-R>", "koi8-r"),
    (b"<meta/charset=koi8-r>", "koi8-r"),  # a slash ends "<meta" too
    (b'<meta charset=" koi8-r ">', "koi8-r"),  # a label's spaces are trimmed
    (b'<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">', "cp932"),
    (b'<meta content="text/html; charset=EUC-KR" http-equiv=content-type>', "cp949"),  # in any order
    (b"<meta http-equiv=content-type content=\"text/html;charset = 'iso-8859-7'\">", "iso8859-7"),
    (b'<meta content="text/html; charset=EUC-KR">', None),  # content without the pragma
    (b'<meta http-equiv="Content-Type">', None),
    (b'<meta http-equiv="refresh" content="5; charset=koi8-r">', None),
    (b"<meta http-equiv=content-type content='text/html; charset=\"koi8-r'>", None),  # an unmatched quote
    (b'<meta content="charset=big5" http-equiv="content-type" charset="gbk">', "gb18030"),  # charset wins
    (b'<meta charset="gb2312" charset="big5">', "gb18030"),  # a repeated attribute is ignored
    (b"<meta charset=utf-16>", "utf-8"),  # UTF-16 declared in 8-bit bytes means UTF-8
    (b"<meta charset=UTF-16BE>", "utf-8"),
    (b"<meta charset=x-user-defined>", "cp1252"),
    (b"<meta charset=bogus><meta charset=iso-8859-2>", "iso8859-2"),  # an unknown label: go on
    (b"<meta charset=iso-2022-kr><meta charset=iso-8859-2>", None),  # "replacement" ends the scan
    (b"<!-- <meta charset=koi8-r> --><meta charset=windows-1251>", "cp1251"),
    (b"<!--><meta charset=koi8-r>", "koi8-r"),  # "<!-->" is a whole comment
    (b"<!DOCTYPE html><title>x</title><meta charset=cp1251>", "cp1251"),
    (b'<p title="<meta charset=koi8-r>"><meta charset=latin2>', "iso8859-2"),  # inside a tag's attribute
    (b'<script>s = "<meta charset=koi8-r>"</script>', "koi8-r"),  # the prescan does not know scripts
    (b"<metaa charset=koi8-r>", None),  # another tag
    (b'<meta charset="koi8-r"', None),  # the <meta> does not end before the bytes do
    (b" " * 1010 + b"<meta charset=koi8-r>", None),  # its '>' past the first 1,024 bytes
    (b" " * 1002 + b"<meta charset=koi8-r>", "koi8-r"),  # within them
    (b'<?xml version="1.0" encoding="windows-1251"?><html><meta charset=koi8-r>', "koi8-r"),
    (b'<?xml version="1.0" encoding="windows-1251"?><html><p>', "cp1251"),  # no <meta>: the declaration
    (b"<html><p>Hello</p>", None),
]

XML = [
    (b'<?xml version="1.0" encoding="ISO-8859-1"?><r/>', "cp1252"),
    (b"<?xml version='1.0' encoding='Shift_JIS'?><r/>", "cp932"),
    (b'<?xml version="1.0" encoding = "koi8-r"?><r/>', "koi8-r"),
    (b'<?xml version="1.0" encoding="UTF-16"?><r/>', "utf-8"),
    (b'<?xml version="1.0"?><r/>', None),
    (b'<?xml version="1.0"?><r encoding="koi8-r"/>', None),  # past the declaration's '>'
    (b'<?xml version="1.0" encoding="utf 8"?>', None),  # a space in the label
    (b'<?xml version="1.0" encoding="x-user-defined"?>', None),  # no codec reads it
    (b'<?xml version="1.0" encoding="bogus"?>', None),
    (b'<meta charset=koi8-r>', None),  # not HTML by its name: no prescan
    (b' <?xml version="1.0" encoding="koi8-r"?>', None),  # a declaration comes first or not at all
]


@pytest.mark.parametrize("head, codec", PRESCAN)
def test_the_prescan_finds_what_the_html_standard_says(head: bytes, codec: str | None) -> None:
    assert declared.charset(head, html=True) == codec


@pytest.mark.parametrize("head, codec", XML)
def test_an_xml_declaration_names_the_encoding(head: bytes, codec: str | None) -> None:
    assert declared.charset(head, html=False) == codec


def test_every_label_reads_with_a_python_codec_named_as_the_report_names_it() -> None:
    """Each codec of the label table exists under its `codecs` name, and the web's mappings are
    the design's: GB2312 as GB18030, Shift_JIS as cp932, EUC-KR as cp949, TIS-620 as cp874,
    ISO-8859-1 as cp1252."""
    for label, codec in declared.ENCODINGS.items():
        if codec not in ("x-user-defined", "replacement"):
            assert decoding.canonical(codec) == codec, label
    assert [declared.encoding_for(label) for label in ("GB2312", "Shift_JIS", "EUC-KR", "TIS-620", "ISO-8859-1")] \
        == ["gb18030", "cp932", "cp949", "cp874", "cp1252"]


PAGE = (b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.0 Transitional//EN">\n<html>\n<head>\n'
        b'<meta content="text/html; charset=ISO-8859-1" http-equiv="Content-Type">\n'
        b"<title>libxslt Tutorial</title>\n</head>\n<body>\n<p>Copyright \xa9 2001 John Fleck</p>\n"
        b"<p>caf\xe9 \x93quoted\x94</p>\n</body>\n</html>\n")


def rows(path: pathlib.Path, *args: str) -> dict[str, dict]:
    report = invoke_json(str(path), "--per-file", "--top", "0", *args)
    return {row["path"].rsplit("/", 1)[1]: row for row in report["files"]}


def test_a_page_is_read_in_the_charset_it_declares(tmp_path: pathlib.Path) -> None:
    """A page declaring ISO-8859-1 (as libxslt's tutorial does) was detected as iso8859-3 and its
    © became the word İ: it is read as windows-1252, as browsers read it."""
    (tmp_path / "tutorial.html").write_bytes(PAGE)
    row = rows(tmp_path)["tutorial.html"]
    assert (row["encoding"], row["confidence"]) == ("cp1252", 1.0)
    assert {key: row[key] for key in ("lines", "words", "chars")} == reference_counts(PAGE.decode("cp1252"))
    top = invoke_json(str(tmp_path), "--top", "100")["top"]
    assert "©" in {entry["word"] for entry in top} and "İ" not in {entry["word"] for entry in top}


def test_a_declaration_beats_valid_utf8_on_every_path(tmp_path: pathlib.Path) -> None:
    """Bytes that are valid UTF-8 in a file declaring windows-1252 are read as windows-1252, as a
    browser shows them, also for small files the compiled core counts in one call (with and
    without per-file rows)."""
    body = "<p>café</p>\n".encode()
    (tmp_path / "page.htm").write_bytes(b"<meta charset=iso-8859-1>" + body)
    (tmp_path / "feed.xml").write_bytes(b'<?xml version="1.0" encoding="ISO-8859-1"?>' + body)
    (tmp_path / "plain.txt").write_bytes(b"<meta charset=iso-8859-1>" + body)  # not HTML: not a declaration
    found = rows(tmp_path)
    assert {name: row["encoding"] for name, row in found.items()} == {
        "page.htm": "cp1252", "feed.xml": "cp1252", "plain.txt": "utf-8"}
    expected = sum(len(path.read_bytes().decode("cp1252" if path.suffix != ".txt" else "utf-8"))
                   for path in tmp_path.iterdir())
    assert invoke_json(str(tmp_path), "--top", "0")["totals"]["chars"] == expected


def test_an_xml_file_of_any_name_is_read_by_its_declaration(tmp_path: pathlib.Path) -> None:
    text = '<?xml version="1.0" encoding="Shift_JIS"?>\n<doc>すべての人間は、生まれながらにして自由であり</doc>\n'
    (tmp_path / "doc.svg").write_bytes(text.encode("cp932"))
    row = rows(tmp_path)["doc.svg"]
    assert (row["encoding"], row["chars"]) == ("cp932", len(text))


def test_a_page_declaring_utf8_keeps_utf8_with_its_bad_bytes_replaced(tmp_path: pathlib.Path) -> None:
    """However little UTF-8 it holds: the declaration decides, not detection."""
    data = b"<meta charset=utf-8><p>caf\xe9</p>\n"
    (tmp_path / "page.html").write_bytes(data)
    row = rows(tmp_path)["page.html"]
    assert (row["encoding"], row["replaced"], row["confidence"]) == ("utf-8", 1, 1.0)


def test_the_encoding_option_beats_a_declaration(tmp_path: pathlib.Path) -> None:
    (tmp_path / "page.html").write_bytes(PAGE)
    assert rows(tmp_path, "--encoding", "latin-1")["page.html"]["encoding"] == "iso8859-1"
    assert rows(tmp_path, "--encoding", "*.html=cp1250")["page.html"]["encoding"] == "cp1250"


def test_a_bom_beats_a_declaration(tmp_path: pathlib.Path) -> None:
    (tmp_path / "page.html").write_bytes(codecs.BOM_UTF8 + b"<meta charset=koi8-r><p>" + "привет".encode())
    assert rows(tmp_path)["page.html"]["encoding"] == "utf-8-sig"


def test_a_compressed_page_is_prescanned_by_its_name_without_the_suffix(tmp_path: pathlib.Path) -> None:
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(PAGE))
    assert rows(tmp_path, "-z")["page.html.gz"]["encoding"] == "cp1252"


def test_a_marked_up_page_is_read_in_its_declared_charset(tmp_path: pathlib.Path) -> None:
    (tmp_path / "tutorial.html").write_bytes(PAGE)
    report = invoke_json(str(tmp_path), "--markup", "auto", "--per-file", "--top", "20")
    assert report["files"][0]["encoding"] == "cp1252"
    assert "©" in {entry["word"] for entry in report["top"]}

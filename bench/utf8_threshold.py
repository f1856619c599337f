"""Where "UTF-8 with a few bad bytes" ends and "another encoding" begins: the evidence behind
not_utf8.MIN_SHARE and not_utf8.MIN_VALID.

    python bench/utf8_threshold.py CHARDET_TESTS [TEXT...]

CHARDET_TESTS is the `tests` folder of chardet's repository (one folder per encoding, real files
in it; `git archive HEAD tests | tar -x` from a clone: it is never committed here). Its files that
are not valid UTF-8 are the legacy side. The UTF-8 side is made from real UTF-8 text: the files of
its utf-8 folder and each TEXT given (Debian's word lists: /usr/share/dict/* from wamerican,
wfrench, wngerman, witalian, wspanish), each spoiled three ways: a Latin-1 tail (" caf\\xe9
na\\xefve" appended), Latin-1 words spliced in at 1, 3 and 10 random line starts, and one
character cut short. A TEXT that is not valid UTF-8 is taken as a real file of that kind, as it is
(the `flex` package's changelog, whose one Latin-1 name sits among UTF-8 ones). For every file the share is measured as wordcount measures it
(`not_utf8.share_at`, in the window around the file's first byte that is not UTF-8); the whole
file's shares, of sequences and of bytes, are printed for comparison.
"""

from __future__ import annotations

import argparse
import io
import os
import pathlib
import random
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from wordcount.text import not_utf8  # noqa: E402

UNICODE_FOLDERS = ("ascii", "utf-8", "utf-8-sig", "utf-16", "utf-16be", "utf-16le", "utf-32", "utf-32be",
                   "utf-32le")
LATIN1_TAIL = b" caf\xe9 na\xefve\n"
LATIN1_WORD = b"caf\xe9 "


def first_bad(data: bytes) -> int | None:
    """The offset of the first byte of `data` that is not UTF-8, or None if it is UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return None


def byte_share(data: bytes) -> float:
    """The share of the non-ASCII bytes that belong to valid UTF-8 characters."""
    text = data.decode("utf-8", "surrogateescape")
    good = sum(len(char.encode()) for char in text if "\x7f" < char and not "\udc80" <= char <= "\udcff")
    bad = sum(1 for char in text if "\udc80" <= char <= "\udcff")
    return good / (good + bad) if good + bad else 1.0


def measured(group: str, name: str, data: bytes) -> dict | None:
    """One file's figures, or None for a file that is valid UTF-8 (nothing to decide)."""
    offset = first_bad(data)
    if offset is None:
        return None
    share = not_utf8.share_at(io.BytesIO(data), offset)
    return {"group": group, "name": name, "bytes": len(data), "valid": share.valid, "invalid": share.invalid,
            "share": share.ratio, "utf8": share.mostly_utf8, "file_share": not_utf8.share_of(data).ratio,
            "file_byte_share": byte_share(data)}


def legacy(corpus: pathlib.Path) -> list[dict]:
    """The files of chardet's corpus, in legacy encodings, that are not valid UTF-8."""
    rows = []
    for folder in sorted(path for path in corpus.iterdir() if path.is_dir()):
        if folder.name.lower() in UNICODE_FOLDERS:
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and (row := measured(f"legacy {folder.name}", path.name, path.read_bytes())):
                rows.append(row)
    return rows


def spoiled(name: str, text: bytes, rng: random.Random) -> list[tuple[str, str, bytes]]:
    """UTF-8 `text` with a few bad bytes, the ways real files get them."""
    made = [("latin-1 tail", name, text.rstrip(b"\n") + LATIN1_TAIL)]
    starts = [0] + [index + 1 for index in range(len(text)) if text[index] == 0x0A][:-1]
    for count in (1, 3, 10):
        cut = sorted(rng.sample(starts, min(count, len(starts))))
        pieces, last = [], 0
        for start in cut:
            pieces += [text[last:start], LATIN1_WORD]
            last = start
        made.append((f"latin-1 words x{count}", name, b"".join(pieces) + text[last:]))
    multibyte = [index for index, byte in enumerate(text) if byte >= 0xC2]
    if multibyte:
        index = rng.choice(multibyte)
        made.append(("a character cut short", name, text[: index + 1] + text[index + 1 :].lstrip(bytes(range(0x80, 0xC0)))))
    return made


def mostly_utf8(corpus: pathlib.Path, texts: list[pathlib.Path]) -> list[dict]:
    """UTF-8 files of chardet's corpus and the texts given, each spoiled (`spoiled`)."""
    rng = random.Random(1)
    sources = sorted(path for path in (corpus / "utf-8").iterdir() if path.is_file()) + texts
    rows = []
    for path in sources:
        data = path.read_bytes()
        if first_bad(data) is not None and path in texts:
            rows.append(measured("utf-8 with bad bytes, as found", path.name, data))  # type: ignore[arg-type]
            continue
        if first_bad(data) is not None or data.isascii():
            continue  # not UTF-8 text to begin with, or nothing but ASCII
        for group, name, made in spoiled(path.name, data, rng):
            if row := measured(f"utf-8, {group}", name, made):
                rows.append(row)
    return rows


def summary(rows: list[dict]) -> None:
    """Per group: files, the share's range, and how many the rule reads as UTF-8."""
    print(f"{'group':42} {'files':>5} {'min':>6} {'median':>6} {'max':>6} {'min valid':>9} {'as utf-8':>8}")
    for group in sorted({row["group"] for row in rows}):
        picked = [row for row in rows if row["group"] == group]
        shares = [row["share"] for row in picked]
        print(f"{group:42} {len(picked):5} {min(shares):6.3f} {statistics.median(shares):6.3f} {max(shares):6.3f}"
              f" {min(row['valid'] for row in picked):9} {sum(row['utf8'] for row in picked):8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=pathlib.Path, help="chardet's tests folder")
    parser.add_argument("texts", type=pathlib.Path, nargs="*", help="UTF-8 texts to spoil (word lists)")
    parser.add_argument("--details", action="store_true", help="print every file's figures")
    args = parser.parse_args()
    old, new = legacy(args.corpus), mostly_utf8(args.corpus, args.texts)
    print(f"rule: share >= {not_utf8.MIN_SHARE} and valid >= {not_utf8.MIN_VALID}, in the window of "
          f"{not_utf8.BEFORE_BYTES // 1024} KiB before and {not_utf8.AFTER_BYTES // 1024} KiB after the first bad byte\n")
    summary(old)
    print()
    summary(new)
    worst_legacy = max(old, key=lambda row: row["share"])
    least_utf8 = min(new, key=lambda row: row["share"])
    print(f"\nlegacy files: {len(old)}, read as UTF-8: {sum(row['utf8'] for row in old)}; "
          f"highest share {worst_legacy['share']:.3f} ({worst_legacy['group']}/{worst_legacy['name']}); "
          f"whole files: sequences at most {max(row['file_share'] for row in old):.3f}, "
          f"bytes at most {max(row['file_byte_share'] for row in old):.3f}")
    print(f"spoiled UTF-8 files: {len(new)}, read as UTF-8: {sum(row['utf8'] for row in new)}; "
          f"lowest share {least_utf8['share']:.3f} ({least_utf8['group']}/{least_utf8['name']}); "
          f"fewest valid {min(row['valid'] for row in new)}")
    enough = [row for row in new if row["valid"] >= not_utf8.MIN_VALID]
    print(f"spoiled UTF-8 files with at least {not_utf8.MIN_VALID} valid characters: {len(enough)}, lowest share "
          f"{min(row['share'] for row in enough):.3f}")
    if args.details:
        for row in old + new:
            print(f"{row['group']:42} {row['name'][:40]:40} {row['bytes']:9} {row['valid']:7} {row['invalid']:7}"
                  f" {row['share']:.3f} {row['file_share']:.3f} {row['file_byte_share']:.3f} {row['utf8']}")


if __name__ == "__main__":
    main()

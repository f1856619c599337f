"""Is `wordcount --format wc` a drop-in for GNU wc on a large real source tree?

    python bench/wc_compat.py [CORPUS]      # default: the kernel tree of bench/corpora.py

Runs `wordcount --format wc` over the whole tree and `wc` (in `LC_ALL=C.UTF-8`) over the same
files, then compares the row of every file: its counts and its name as printed. `--format wc`
follows GNU wc before 9.5 (checked against 9.1), which reads every file as UTF-8 bytes, binary
or not, and lets an unprintable character or a byte that is not UTF-8 neither start nor end a
word. wc 9.5 made those parts of words, so where the installed wc is 9.5 or newer, only the
files on which both rules agree (UTF-8 text of printable characters and whitespace) are
compared.
"""

from __future__ import annotations

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpora  # noqa: E402

ENV = dict(os.environ, LC_ALL="C.UTF-8")
WC_SPACES = "\t\n\v\f\r"


def wc_version() -> tuple[int, ...]:
    first = subprocess.run(["wc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return tuple(int(part) for part in first.rsplit(" ", 1)[1].split("."))


def rows(output: bytes) -> dict[bytes, tuple[int, int, int]]:
    """Name as printed → (lines, words, bytes), from wc's output without its total line."""
    found = {}
    for line in output.splitlines():
        lines, words, nbytes, name = line.split(maxsplit=3)
        found[name] = (int(lines), int(words), int(nbytes))
    return found


def both_rules_agree(path: bytes) -> bool:
    """Whether wc before and since 9.5 count this file alike: UTF-8 text (no BOM) of printable
    characters and whitespace only."""
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not text.startswith("\ufeff") and all(char.isprintable() or char in WC_SPACES for char in text)


def main() -> None:
    corpus = sys.argv[1] if len(sys.argv) > 1 else str(corpora.BUILDERS["kernel"]())
    ours_output = subprocess.run(
        [sys.executable, "-m", "wordcount", "-q", "--no-ignore", "--hidden", "--format", "wc", corpus],
        capture_output=True, env=ENV, check=False,
    ).stdout
    ours = rows(ours_output)
    ours.pop(b"total", None)  # the total line: a file named "total" is printed with its folder
    quoted = [name for name in ours if name.startswith(b"'")]  # names with a newline: not paths
    paths = [name for name in ours if not name.startswith(b"'")]
    modern = wc_version() >= (9, 5)
    skipped = 0
    if modern:
        comparable = [path for path in paths if both_rules_agree(path)]
        skipped = len(paths) - len(comparable)
        paths = comparable
    listing = b"".join(path + b"\0" for path in paths)
    theirs = rows(subprocess.run(["wc", "--files0-from=-"], input=listing, capture_output=True, env=ENV).stdout)
    theirs.pop(b"total", None)
    mismatches = [(path, ours[path], theirs.get(path)) for path in paths if ours[path] != theirs.get(path)]
    binary = sum(1 for path in paths if b"\0" in open(path, "rb").read(1 << 20))
    version = ".".join(map(str, wc_version()))
    print(f"{len(paths):,} files compared with GNU wc {version} ({binary:,} of them binary)"
          + (f"; {skipped:,} left out, on which wc ≥ 9.5 counts words by its newer rule" if modern else "")
          + (f"; {len(quoted):,} names with a newline not compared" if quoted else ""))
    print(f"mismatches: {len(mismatches)}")
    for mismatch in mismatches[:20]:
        print("  ", *mismatch)
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()

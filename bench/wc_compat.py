"""Is `wordcount --format wc` a drop-in for GNU wc on a large real source tree?

    python bench/wc_compat.py [CORPUS]      # default: the kernel tree of bench/corpora.py

Runs `wordcount --format wc` over the whole tree and `wc` (in a UTF-8 locale) over the same
files, then compares the rows of every file that is UTF-8 text. GNU wc before 9.5 lets a
non-printable character neither start nor end a word, so where the installed wc is older,
files holding such characters are checked instead against this script's own rendition of
the 9.5 rule (a word is a maximal run of characters that are not whitespace).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpora  # noqa: E402

# glibc's iswspace in a UTF-8 locale, and the no-break spaces wc ≥ 9.5 adds to it.
SPACES = "\t\n\v\f\r \u00a0\u1680\u2000-\u2006\u2007\u2008-\u200a\u2028\u2029\u202f\u205f\u2060\u3000"
WORD = re.compile(f"[^{SPACES}]+")


def wc_version() -> tuple[int, ...]:
    first = subprocess.run(["wc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return tuple(int(part) for part in first.rsplit(" ", 1)[1].split("."))


def main() -> None:
    corpus = sys.argv[1] if len(sys.argv) > 1 else str(corpora.BUILDERS["kernel"]())
    env = dict(os.environ, LC_ALL="C.UTF-8")
    ours = subprocess.run(
        [sys.executable, "-m", "wordcount", "-q", "--no-ignore", "--hidden", "--format", "wc", corpus],
        capture_output=True, env=env, check=False,
    ).stdout.decode("utf-8", "surrogateescape").splitlines()
    rows = {}
    for line in ours[:-1] if len(ours) > 1 else ours:
        lines, words, nbytes, path = line.split(maxsplit=3)
        rows[path] = (int(lines), int(words), int(nbytes))
    modern = wc_version() >= (9, 5)
    checked = against_wc = against_rule = 0
    mismatches = []
    text_files = []
    for path in rows:
        with open(path, "rb") as handle:
            data = handle.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # not UTF-8: wc would not read it as this tool does
        if text.startswith("\ufeff"):
            continue
        checked += 1
        if modern or all(char.isprintable() or char in "\t\n\v\f\r" for char in text):
            text_files.append(path)
        else:
            against_rule += 1
            expected = (text.count("\n"), len(WORD.findall(text)), len(data))
            if rows[path] != expected:
                mismatches.append((path, rows[path], expected, "9.5 rule"))
    listing = "".join(path + "\0" for path in text_files).encode("utf-8", "surrogateescape")
    theirs = subprocess.run(["wc", "--files0-from=-"], input=listing, capture_output=True, env=env).stdout
    for line in theirs.decode("utf-8", "surrogateescape").splitlines()[: len(text_files)]:
        lines, words, nbytes, path = line.split(maxsplit=3)
        against_wc += 1
        if rows[path] != (int(lines), int(words), int(nbytes)):
            mismatches.append((path, rows[path], (int(lines), int(words), int(nbytes)), "GNU wc"))
    version = ".".join(map(str, wc_version()))
    print(f"{checked:,} UTF-8 text files: {against_wc:,} compared with GNU wc {version}, "
          f"{against_rule:,} (with non-printable characters) with the wc 9.5 rule")
    print(f"mismatches: {len(mismatches)}")
    for mismatch in mismatches[:20]:
        print("  ", *mismatch)
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()

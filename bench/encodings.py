"""How often wordcount names an encoding that reads a file right: real text in ~50 encodings.

    python bench/encodings.py              # build the corpus once, run wordcount once, print the table
    python bench/encodings.py --details    # also list every file read wrong, and confidence figures

The corpus is built once in the benchmark cache (bench/corpora.py: ~/.cache/wordcount-bench or
$WORDCOUNT_BENCH_CACHE), never in the repository. Its text is real: the translations installed in
/usr/share/locale/*/LC_MESSAGES/*.mo (UTF-8 msgstrs in many languages), concatenated per language
into files of 200 bytes to 40 KB and encoded into each encoding of that language (a msgstr the
encoding cannot hold is left out of that file), plus CPython's test/cjkencodings texts. A file is
read right when the encoding wordcount reports decodes it to the same text as its true encoding
does (so cp1252 for a Latin-1 file without bytes 0x80–0x9F is right).
"""

from __future__ import annotations

import argparse
import gettext
import glob
import json
import math
import os
import pathlib
import random
import subprocess
import sys
import time
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures"))
import corpora  # noqa: E402
from make_encodings import encode  # noqa: E402  (the fixtures and this corpus write cp1258 alike)

REPO = pathlib.Path(__file__).resolve().parent.parent
LOCALES = pathlib.Path("/usr/share/locale")
CJK_TESTS = pathlib.Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "test" / "cjkencodings"
FILES_PER_ENCODING = 30
MIN_BYTES, MAX_BYTES = 200, 40_000
MANIFEST = "manifest.json"

WESTERN = ["fr", "de", "es", "pt", "it", "nl", "da", "sv"]
CENTRAL = ["pl", "cs", "hu", "sk", "sl", "hr"]
MIXED = ["ru", "el", "ja", "zh_CN", "ko", "ar", "he", "th", "vi", "fr", "de", "pl", "tr"]

# Every encoding of the corpus, and the languages whose text is written in it.
ENCODINGS: dict[str, list[str]] = {
    "utf-8": MIXED, "utf-8-sig": MIXED,
    "utf-16": MIXED, "utf-16-le": MIXED, "utf-16-be": MIXED,  # "utf-16" and "utf-32" write a BOM
    "utf-32": MIXED, "utf-32-le": MIXED, "utf-32-be": MIXED,
    "koi8-r": ["ru"], "koi8-u": ["uk"], "cp1251": ["ru", "uk", "bg"], "iso8859-5": ["ru", "bg"],
    "cp866": ["ru"], "mac-cyrillic": ["ru", "bg", "uk"],
    "iso8859-7": ["el"], "cp1253": ["el"],
    "iso8859-8": ["he"], "cp1255": ["he"],
    "cp1256": ["ar", "fa"], "iso8859-6": ["ar"],
    "iso8859-9": ["tr"], "cp1254": ["tr"],
    "tis-620": ["th"], "cp874": ["th"],
    "cp1258": ["vi"],
    "iso8859-2": CENTRAL, "cp1250": CENTRAL + ["ro"], "iso8859-16": ["ro"],
    "iso8859-13": ["lt", "lv"], "cp1257": ["lt", "lv", "et"],
    "latin-1": WESTERN, "cp1252": WESTERN, "iso8859-15": WESTERN, "mac-roman": WESTERN, "cp850": WESTERN,
    "euc-kr": ["ko"], "cp949": ["ko"],
    "shift_jis": ["ja"], "cp932": ["ja"], "euc-jp": ["ja"], "iso2022-jp": ["ja"],
    "gb2312": ["zh_CN"], "gbk": ["zh_CN"], "gb18030": ["zh_CN"], "hz": ["zh_CN"],
    "big5": ["zh_TW"], "cp950": ["zh_TW"], "big5hkscs": ["zh_TW"],
}


def messages(language: str) -> list[str]:
    """The translated strings of a language, in a fixed order, each once."""
    seen: dict[str, None] = {}
    for path in sorted(glob.glob(str(LOCALES / language / "LC_MESSAGES" / "*.mo"))):
        try:
            with open(path, "rb") as handle:
                catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        except (OSError, UnicodeError, ValueError):
            continue
        for key, text in catalog.items():
            if key and text.strip():
                seen.setdefault(text.strip(), None)
    return list(seen)




def build_file(pool: list[str], encoding: str, size: int, rng: random.Random) -> bytes | None:
    """About `size` bytes of consecutive messages of one language that `encoding` can hold."""
    start = rng.randrange(len(pool))
    kept: list[str] = []
    total = 0
    for step in range(len(pool)):
        message = pool[(start + step) % len(pool)] + "\n"
        try:
            total += len(encode(message, encoding))
        except UnicodeEncodeError:
            continue
        kept.append(message)
        if total >= size:
            break
    return encode("".join(kept), encoding) if kept else None


@corpora._corpus("encodings", "tree")
def corpus(target: pathlib.Path) -> None:
    """FILES_PER_ENCODING files per encoding, and CPython's cjkencodings texts."""
    manifest: dict[str, str] = {}
    pools: dict[str, list[str]] = {}
    for encoding, languages in ENCODINGS.items():
        rng = random.Random(f"wordcount {encoding}")
        for index in range(FILES_PER_ENCODING):
            language = languages[index % len(languages)]
            pool = pools.setdefault(language, messages(language))
            if not pool:
                continue
            size = int(math.exp(rng.uniform(math.log(MIN_BYTES), math.log(MAX_BYTES))))
            data = build_file(pool, encoding, size, rng)
            if data is None:
                continue
            relative = f"{encoding}/{language}-{index:02}.txt"
            (target / "tree" / encoding).mkdir(parents=True, exist_ok=True)
            (target / "tree" / relative).write_bytes(data)
            manifest[relative] = encoding
    for path in sorted(CJK_TESTS.glob("*.txt")):
        if path.stem.endswith("-utf8"):
            continue
        relative = f"cjkencodings/{path.name}"
        (target / "tree" / "cjkencodings").mkdir(parents=True, exist_ok=True)
        (target / "tree" / relative).write_bytes(path.read_bytes())
        manifest[relative] = path.stem
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))


def same_text(data: bytes, reported: str, true: str) -> bool:
    try:
        return data.decode(reported) == data.decode(true)
    except (UnicodeDecodeError, LookupError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="list the files read wrong, and confidences")
    parser.add_argument("-j", "--jobs", default=None, help="wordcount's -j")
    options = parser.parse_args()
    tree = corpus()
    manifest: dict[str, str] = json.loads((tree.parent / MANIFEST).read_text())
    command = [sys.executable, "-m", "wordcount", "-q", "--per-file", "--format", "json", "--top", "0", str(tree)]
    if options.jobs:
        command[3:3] = ["-j", options.jobs]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, env=env)
    elapsed = time.perf_counter() - start
    report = json.loads(completed.stdout)
    rows = {pathlib.Path(row["path"]).relative_to(tree).as_posix(): row for row in report["files"]}

    by_encoding: dict[str, list[bool]] = defaultdict(list)
    wrong: list[tuple[str, str, str, float | None]] = []
    confidences: list[tuple[float, bool]] = []
    for relative, true in sorted(manifest.items()):
        row = rows.get(relative)
        data = (tree / relative).read_bytes()
        right = row is not None and same_text(data, row["encoding"], true)
        group = relative.split("/")[0] if not relative.startswith("cjkencodings/") else f"{true} (cjkencodings)"
        by_encoding[group].append(right)
        confidence = None if row is None else row.get("confidence")
        if confidence is not None:
            confidences.append((confidence, right))
        if not right:
            wrong.append((relative, true, row["encoding"] if row else "(not counted)", confidence))

    total = sum(len(results) for results in by_encoding.values())
    good = sum(sum(results) for results in by_encoding.values())
    print(f"wordcount over {total} files ({sum(len((tree / r).read_bytes()) for r in manifest) / 1e6:.1f} MB) "
          f"in {elapsed:.1f} s; exit {completed.returncode}; skipped {len(report['skipped'])}, "
          f"errors {len(report['errors'])}\n")
    print("| encoding | files | read right | share |")
    print("|---|---:|---:|---:|")
    for group, results in sorted(by_encoding.items(), key=lambda item: (sum(item[1]) / len(item[1]), item[0])):
        print(f"| {group} | {len(results)} | {sum(results)} | {100 * sum(results) / len(results):.1f}% |")
    print(f"| **overall** | {total} | {good} | **{100 * good / total:.2f}%** |")
    uncertain = {item["path"] for item in report.get("uncertain", [])}
    if "uncertain" in report:
        flagged_wrong = sum(1 for relative, *_ in wrong if str(tree / relative) in uncertain)
        print(f"\nlisted as uncertain: {len(uncertain)} files, {flagged_wrong} of the {len(wrong)} read wrong")
    if options.details:
        print("\nread wrong (file, true encoding, reported, confidence):")
        for relative, true, reported, confidence in wrong:
            print(f"  {relative}: {true} → {reported} ({confidence})")
        right_total = sum(right for _, right in confidences)
        wrong_total = len(confidences) - right_total
        print(f"\nfiles whose confidence is below T ({wrong_total} read wrong, {right_total} right in all):")
        for threshold in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
            below = [right for confidence, right in confidences if confidence < threshold]
            print(f"  T={threshold:.2f}: {len(below) - sum(below):4} read wrong, {sum(below):4} right")
    if completed.returncode != 0 or report["errors"] or report["skipped"]:
        print(f"\nthe run failed files: exit {completed.returncode}; {len(report['errors'])} errors, "
              f"{len(report['skipped'])} skipped, e.g. {(report['errors'] + report['skipped'])[:3]}")


if __name__ == "__main__":
    main()

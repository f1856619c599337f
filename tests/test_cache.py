"""--cache and --cache-dir: unchanged files are not read again; the report is a fresh run's."""

from __future__ import annotations

import json
import os
import pathlib
import sqlite3
from typing import Any

import pytest

from conftest import invoke
from wordcount import cache, pipeline, settings
from wordcount.counting import reader
from wordcount.execute import planning

REPORT = ["--per-file", "--format", "json", "--top", "50"]


def make_tree(root: pathlib.Path) -> None:
    (root / "docs").mkdir(parents=True)
    for index in range(12):
        (root / "docs" / f"d{index}.txt").write_text(f"alpha beta gamma{index} delta alpha\n" * (index + 1))
    (root / "notes.txt").write_text("Straße STRASSE the The\n")
    (root / "zh.txt").write_text("中文字符 カタカナ\n", encoding="utf-8")
    (root / "image.bin").write_bytes(b"\x89PNG\0\0\0" * 50)


def run(*args: str) -> Any:
    result = invoke(*REPORT, *args)
    assert result.exit_code == 0, result.output
    return result


def fresh(root: pathlib.Path, *args: str) -> str:
    return run(str(root), *args).stdout


def bump(path: pathlib.Path, text: str) -> None:
    """Change a file's content and make sure its modification time moves too."""
    stamp = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(stamp + 10**9, stamp + 10**9))


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every file counted (that is, read) in this process."""
    read: list[str] = []
    real = reader.count_file

    def spy(path: str, *args: Any, **kwargs: Any) -> Any:
        read.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(reader, "count_file", spy)
    return read


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_second_run_reads_nothing_and_reports_the_same(tmp_path: pathlib.Path, no_reading: list[str],
                                                       monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    expected = fresh(root, "-j", "1")
    first = run(str(root), "--cache-dir", str(store), "-j", jobs).stdout
    assert first == expected
    no_reading.clear()
    second = run(str(root), "--cache-dir", str(store), "-j", "1").stdout
    assert second == expected
    assert no_reading == []  # every file, the binary one too, came from the cache


def test_edits_additions_and_removals_give_a_fresh_runs_report(tmp_path: pathlib.Path, no_reading: list[str]) -> None:
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    run(str(root), "--cache-dir", str(store))
    bump(root / "docs" / "d3.txt", "omega omega alpha\n")
    (root / "docs" / "new.txt").write_text("brand new words alpha\n")
    (root / "docs" / "d5.txt").unlink()
    no_reading.clear()
    cached = run(str(root), "--cache-dir", str(store)).stdout
    assert sorted(os.path.basename(path) for path in no_reading) == ["d3.txt", "new.txt"]
    assert cached == fresh(root)
    again = run(str(root), "--cache-dir", str(store)).stdout  # and the table stored after the edit is right
    assert again == cached
    assert json.loads(cached)["top"][0] == {"word": "alpha", "count": json.loads(fresh(root))["top"][0]["count"]}


def test_other_settings_do_not_use_the_cached_counts(tmp_path: pathlib.Path, no_reading: list[str]) -> None:
    """Counts depend on the word mode (and every other counting setting): a new key, a new count."""
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    run(str(root), "--cache-dir", str(store))
    no_reading.clear()
    cjk = run(str(root), "--cache-dir", str(store), "--word-mode", "cjk").stdout
    assert len(no_reading) == 15
    assert cjk == fresh(root, "--word-mode", "cjk")
    folded = run(str(root), "--cache-dir", str(store), "--ignore-case").stdout
    assert folded == fresh(root, "--ignore-case")


def test_a_new_version_does_not_trust_the_old_cache(tmp_path: pathlib.Path, no_reading: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    run(str(root), "--cache-dir", str(store))
    monkeypatch.setattr(settings, "__version__", "99.0")
    no_reading.clear()
    run(str(root), "--cache-dir", str(store))
    assert len(no_reading) == 15


def test_a_corrupt_cache_is_reported_and_rebuilt(tmp_path: pathlib.Path) -> None:
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    run(str(root), "--cache-dir", str(store))
    database = store / cache.FILENAME
    database.write_bytes(b"this is not a database" * 1000)
    result = run(str(root), "--cache-dir", str(store))
    assert result.stdout == fresh(root)
    assert result.stderr == (f"wordcount: the cache {database} was damaged (file is not a database); it is built "
                             "again\n")
    rows = sqlite3.connect(database).execute("SELECT count(*) FROM files").fetchone()[0]
    assert rows == 15  # rebuilt: 14 text files and the binary one


def test_a_failed_save_keeps_the_last_good_cache(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that dies while storing leaves the cache as it was (one transaction per run)."""
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    run(str(root), "--cache-dir", str(store))
    before = sqlite3.connect(store / cache.FILENAME).execute("SELECT path, size, mtime_ns, counts FROM files").fetchall()
    bump(root / "notes.txt", "changed text\n")
    real = cache.Cache.save

    def dying(self: cache.Cache, *args: Any) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.execute("DELETE FROM files")
        raise KeyboardInterrupt  # as if Ctrl-C came in the middle of storing

    monkeypatch.setattr(cache.Cache, "save", dying)
    assert invoke(str(root), "--cache-dir", str(store)).exit_code == 130
    monkeypatch.setattr(cache.Cache, "save", real)
    after = sqlite3.connect(store / cache.FILENAME).execute("SELECT path, size, mtime_ns, counts FROM files").fetchall()
    assert sorted(after) == sorted(before)
    assert run(str(root), "--cache-dir", str(store)).stdout == fresh(root)


def test_cache_flag_uses_the_user_cache_folder(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = tmp_path / "tree"
    make_tree(root)
    assert run(str(root), "--cache").stdout == fresh(root)
    assert (tmp_path / "xdg" / "wordcount" / cache.FILENAME).is_file()


def test_an_unusable_cache_folder_is_a_warning_not_a_failure(tmp_path: pathlib.Path) -> None:
    root = tmp_path / "tree"
    make_tree(root)
    (tmp_path / "file").write_text("not a folder")
    result = run(str(root), "--cache-dir", str(tmp_path / "file" / "cache"))
    assert result.stdout == fresh(root)
    assert "cannot use the cache folder" in result.stderr


def test_a_cut_file_is_cached_too(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                  no_reading: list[str]) -> None:
    """A large file counted in pieces by the pool stores its frequencies like any other."""
    monkeypatch.setattr(planning, "SPLIT_BYTES", 64 * 1024)
    monkeypatch.setattr(planning, "MIN_PIECE_BYTES", 16 * 1024)
    monkeypatch.setattr(planning, "SERIAL_BELOW", 0)
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    (root / "big.txt").write_text("many words in a big file alpha\n" * 20_000)
    first = run(str(root), "--cache-dir", str(store), "-j", "2").stdout
    assert first == fresh(root, "-j", "1")
    bump(root / "notes.txt", "alpha alpha\n")
    no_reading.clear()
    cached = run(str(root), "--cache-dir", str(store), "-j", "1").stdout
    assert [os.path.basename(path) for path in no_reading] == ["notes.txt"]
    assert cached == fresh(root, "-j", "1")


def test_violations_of_unchanged_files_come_from_the_cache(tmp_path: pathlib.Path, no_reading: list[str]) -> None:
    """Audit rules are part of the key, and each file's violations are stored with its counts."""
    root, store = tmp_path / "tree", tmp_path / "cache"
    make_tree(root)
    (root / "todo.txt").write_text("one TODO here\nand TODO there, too many words\n")
    rules = ["--forbid", "TODO", "--max-words", "20"]
    first = invoke(*REPORT, str(root), "--cache-dir", str(store), *rules)
    assert first.exit_code == 1
    no_reading.clear()
    second = invoke(*REPORT, str(root), "--cache-dir", str(store), *rules)
    assert no_reading == []
    assert (second.exit_code, second.stdout) == (1, first.stdout)
    found = [(item["rule"], item["line"]) for item in json.loads(second.stdout)["violations"]]
    assert ("forbid", 1) in found and ("forbid", 2) in found and ("max-words", None) in found
    other = invoke(*REPORT, str(root), "--cache-dir", str(store), "--forbid", "alpha")
    assert len(no_reading) == 16  # other rules: counted again
    assert other.stdout == invoke(*REPORT, str(root), "--forbid", "alpha").stdout


def test_encodings_confidence_and_uncertain_come_back_from_the_cache(tmp_path: pathlib.Path,
                                                                     no_reading: list[str]) -> None:
    """The legacy-encoding fixtures: detected encodings, confidences and the uncertain list of a
    cached run are a fresh run's; pinning an encoding is another key."""
    fixtures = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "encodings"
    store = tmp_path / "cache"
    expected = fresh(fixtures)
    assert run(str(fixtures), "--cache-dir", str(store)).stdout == expected
    no_reading.clear()
    assert run(str(fixtures), "--cache-dir", str(store)).stdout == expected
    assert no_reading == []
    assert json.loads(expected)["uncertain"] or any(row["confidence"] < 1 for row in json.loads(expected)["files"])
    pinned = run(str(fixtures), "--cache-dir", str(store), "--encoding", "*.cp1251.txt=cp1251").stdout
    assert pinned == fresh(fixtures, "--encoding", "*.cp1251.txt=cp1251")


def test_the_same_relative_path_elsewhere_is_another_file(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                                          no_reading: list[str]) -> None:
    """Files are known by their absolute path: `notes.txt` in another folder, even with the same
    size and modification time, is counted, not taken from the cache."""
    store = tmp_path / "cache"
    for name, text in (("one", "alpha beta\n"), ("two", "gamma zeta\n")):  # the same size
        (tmp_path / name).mkdir()
        (tmp_path / name / "notes.txt").write_text(text)
        os.utime(tmp_path / name / "notes.txt", ns=(10**18, 10**18))
    monkeypatch.chdir(tmp_path / "one")
    run("notes.txt", "--cache-dir", str(store))
    monkeypatch.chdir(tmp_path / "two")
    no_reading.clear()
    second = run("notes.txt", "--cache-dir", str(store)).stdout
    assert no_reading == ["notes.txt"]
    assert [entry["word"] for entry in json.loads(second)["top"]] == ["gamma", "zeta"]


def test_a_file_whose_size_says_nothing_is_read_again(tmp_path: pathlib.Path, no_reading: list[str]) -> None:
    """A procfs file keeps its size (0) and modification time whatever it holds: the cache cannot
    tell it unchanged, so it is read at every run; the regular file beside it is not."""
    if not os.path.exists("/proc/version"):
        pytest.skip("no procfs here")
    (tmp_path / "a.txt").write_text("alpha beta\n")
    store = tmp_path / "cache"
    first = run(str(tmp_path / "a.txt"), "/proc/version", "--cache-dir", str(store), "-j", "1").stdout
    no_reading.clear()
    second = run(str(tmp_path / "a.txt"), "/proc/version", "--cache-dir", str(store), "-j", "1").stdout
    assert second == first and json.loads(second)["totals"]["words"] == 2 + len(pathlib.Path("/proc/version").read_bytes().split())
    assert no_reading == ["/proc/version"]


# The cache keys of a few runs, as the code that wrote them computed them (with the version set to
# KEY_VERSION and the working folder to /): a cache written before a refactor must answer after it.
KEY_VERSION = "0.0.0-key"
KEYS = {
    ():
        "447ccc2012dd99c9e9a159a04f5a0f6710598cc53ab6aed7e7c4e90d5d91b8c9",
    ("--word-mode", "cjk"):
        "da15e36d30f25b67ba6715ac6a8bbb37eaff55d793aec66f5ef800ec11644d41",
    ("--word-mode", "jieba", "--top", "0"):
        "06223a17245ba7ead07d03a09f937a232ea679ca173b432f05063e605576e251",
    ("--markup", "auto", "--markup-code"):
        "47b48c317b2f3386708eab59a0d27b0ed32c40e94bae6d06038d49d475d7f8eb",
    ("--ignore-case", "--nfkc", "--min-length", "2", "--stopwords", "en"):
        "351840c0b3a94adb70af31139d9ab88fc7bdbcb283b53f45e3e931063f563c51",
    ("--encoding", "cp1252", "--fallback-encoding", "latin-1", "-z", "--max-filesize", "1M"):
        "a937c5118f43de901f3e9735aef20ea0c906b0d4d76ed1ae7616d821d884fe24",
    ("--format", "wc", "-L"):
        "5c8aa2cf45c849e3be8db70f4a275d648ac3cac3df29e75eaf7fad0aa6d87069",
    ("--fail-on", "skipped", "--fail-on", "binary", "--max-words", "10", "--forbid", "TODO", "--no-bom"):
        "f3d052b97fd8061ccbba4361547213a0019a1872e77af5a6ace1e8112bfd1f6c",
}


@pytest.mark.parametrize("options", list(KEYS))
def test_the_cache_key_of_given_settings_stays_the_same(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch,
                                                        options: tuple[str, ...]) -> None:
    """The key is made of the counting settings' names and values as the JSON of earlier versions
    has them: renaming a field or changing a value's type must not change it."""
    if "jieba" in options:
        monkeypatch.setattr(settings, "jieba_available", lambda: True)
    monkeypatch.setattr(settings, "__version__", KEY_VERSION)
    monkeypatch.setattr(settings.os, "getcwd", lambda: "/")
    keys: list[str] = []

    def spy(chosen: settings.Settings) -> Any:
        keys.append(chosen.cache_key())
        raise SystemExit(0)

    monkeypatch.setattr(pipeline, "run", spy)
    invoke("--quiet", str(tmp_path), *options)
    assert keys == [KEYS[options]]

"""The whole tool on a hostile tree: mixed encodings, binaries, ignored files, links, a FIFO."""

from __future__ import annotations

import json
import os
import pathlib

import pytest

from conftest import reference_counts, reference_top, run_process

TEXTS = {
    "utf8.txt": ("utf-8", "Plain UTF-8 text with a few words, déjà vu, and the usual suspects: the, of, and.\n" * 3),
    "utf16.txt": ("utf-16", "UTF-16 with its byte order mark: the words are the same as anywhere else.\n" * 3),
    "legacy/gb18030.txt": (
        "gb18030",
        "今天的天气很好，我们一起去公园散步。公园里有很多人，有的在跑步，有的在下棋。\n"
        "张喆和朱镕坐在湖边的长椅上，讨论着一本关于历史的书。傍晚的时候，大家慢慢地回家了。\n" * 2,
    ),
    "legacy/big5.txt": (
        "big5",
        "中華民國的首都是臺北。我們今天一起去圖書館看書，圖書館裡有很多舊書和新書。\n"
        "學生們在安靜的閱覽室裡讀書，老師在旁邊回答問題。\n" * 2,
    ),
    "legacy/shift-jis.txt": (
        "shift_jis",
        "東京の図書館には、古い本も新しい本もたくさんあります。\n"
        "言葉を数えることは、思ったよりも難しい仕事です。日本語の文には空白がありません。\n" * 2,
    ),
    "legacy/euc-kr.txt": (
        "euc_kr",
        "한국어 텍스트입니다. 이것은 인코딩 테스트입니다. 서울은 아주 큰 도시입니다.\n"
        "우리는 도서관에서 함께 공부합니다. 학생들은 조용히 책을 읽습니다.\n" * 2,
    ),
    "legacy/latin-1.txt": (
        "latin-1",
        "Ça coûte très cher, à peu près deux cents euros. Déjà vu, naïve façade, garçon!\n" * 3,
    ),
}


def build_tree(root: pathlib.Path) -> None:
    for relative, (encoding, text) in TEXTS.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
    (root / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (root / "legacy" / "archive.bin").write_bytes(b"\x00" * 64)
    (root / ".hidden.txt").write_text("hidden words never counted\n")
    (root / "debug.log").write_text("ignored words never counted\n")
    (root / ".gitignore").write_text("*.log\n")
    (root / ".git").mkdir()  # a git work tree, where .gitignore files apply
    (root / "legacy" / "loop").symlink_to("..")  # a symlink loop
    (root / "dangling").symlink_to(root / "no-such-target")  # a broken link
    os.mkfifo(root / "pipe")  # opening it would block forever


@pytest.mark.parametrize("follow", [False, True])
def test_hostile_tree_counts_exactly(tmp_path: pathlib.Path, follow: bool) -> None:
    """Totals and top words equal an independent count; binaries and specials are listed in
    `skipped`; the run finishes promptly with exit code 0; with an unreadable file, exit 3."""
    root = tmp_path / "tree"
    root.mkdir()
    build_tree(root)
    args = [str(root), "--format", "json", "-j", "2", "--top", "25"] + (["--follow-links"] if follow else [])
    completed = run_process(args, timeout=60)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)

    texts = [text for _, text in TEXTS.values()]
    expected = {key: sum(reference_counts(text)[key] for text in texts) for key in ("lines", "words", "chars")}
    expected_bytes = sum(len(text.encode(encoding)) for encoding, text in TEXTS.values())
    assert report["totals"] == {"files": len(TEXTS), **expected, "bytes": expected_bytes}
    assert report["top"] == reference_top(texts, 25)

    link_reasons = {"loop": "symlink-loop", "dangling": "broken-symlink"} if follow else {}
    skipped = {pathlib.Path(item["path"]).name: item["reason"] for item in report["skipped"]}
    assert skipped == {
        "image.png": "binary",
        "archive.bin": "binary",
        "pipe": "fifo",
        "loop": link_reasons.get("loop", "symlink"),
        "dangling": link_reasons.get("dangling", "symlink"),
    }
    assert report["errors"] == []
    # .hidden.txt, .gitignore and .git are hidden; debug.log is ignored
    assert report["left_out"] == {"hidden": 3, "ignored": 1, "excluded": 0}

    secret = root / "legacy" / "secret.txt"
    secret.write_text("you may not read this\n")
    secret.chmod(0)
    try:
        completed = run_process(args, timeout=60, unprivileged=True)
    finally:
        secret.chmod(0o644)
    assert completed.returncode == 3
    report = json.loads(completed.stdout)
    assert report["errors"] == [{"path": str(secret), "error": "Permission denied"}]
    assert report["totals"]["words"] == expected["words"]


def test_every_encoding_is_named_so_that_it_decodes(tmp_path: pathlib.Path) -> None:
    """Each file's reported encoding decodes it to exactly its text."""
    root = tmp_path / "tree"
    root.mkdir()
    build_tree(root)
    completed = run_process([str(root), "--format", "json", "--per-file"], timeout=60)
    rows = {pathlib.Path(row["path"]).relative_to(root).as_posix(): row for row in json.loads(completed.stdout)["files"]}
    for relative, (_, text) in TEXTS.items():
        data = (root / relative).read_bytes()
        assert data.decode(rows[relative]["encoding"]) == text, (relative, rows[relative]["encoding"])
        assert "replaced" not in rows[relative]

"""-o FILE through symbolic links, and the mode and owner of the file it replaces.

A link is followed to the file it names, which is written atomically (its temporary file in that
file's folder) while the link stays a link; a loop of links is a usage error before counting. A
replaced file keeps its mode, and its owner and group (as root, as `sed -i` keeps them); a new file
gets the umask's mode, as a shell's `>` gives it.
"""

from __future__ import annotations

import json
import os
import pathlib
import stat
import subprocess
import sys

import pytest

from conftest import SAMPLE, invoke, repo_env


def report_to(output: pathlib.Path | str) -> object:
    result = invoke(str(SAMPLE / "en"), "--format", "json", "-o", str(output))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    return json.loads(invoke(str(SAMPLE / "en"), "--format", "json").stdout)


def test_a_link_is_followed_and_kept(tmp_path: pathlib.Path) -> None:
    """A chain of links (relative, then absolute) across folders: the last one's file is
    written, with its temporary file in its own folder; the links are left as they were."""
    (tmp_path / "links").mkdir()
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "real.json"
    real.write_text("old report\n")
    (tmp_path / "links" / "second.json").symlink_to(real)
    (tmp_path / "links" / "first.json").symlink_to("second.json")
    expected = report_to(tmp_path / "links" / "first.json")
    assert json.loads(real.read_text()) == expected
    assert os.readlink(tmp_path / "links" / "first.json") == "second.json"
    assert os.readlink(tmp_path / "links" / "second.json") == str(real)
    assert sorted(os.listdir(tmp_path / "links")) == ["first.json", "second.json"]
    assert os.listdir(tmp_path / "reports") == ["real.json"]


def test_a_dangling_link_writes_its_target(tmp_path: pathlib.Path) -> None:
    (tmp_path / "link.json").symlink_to("made.json")
    expected = report_to(tmp_path / "link.json")
    assert (tmp_path / "link.json").is_symlink()
    assert json.loads((tmp_path / "made.json").read_text()) == expected


def test_a_link_to_a_folder_is_a_usage_error(tmp_path: pathlib.Path) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "link").symlink_to("folder")
    result = invoke(str(SAMPLE), "-o", str(tmp_path / "link"))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"wordcount: --output: cannot write the report: is a folder: {tmp_path / 'folder'}\n"


@pytest.mark.parametrize("links", [["loop.json"], ["one.json", "two.json"]])
def test_a_loop_of_links_is_a_usage_error_before_counting(tmp_path: pathlib.Path, links: list[str]) -> None:
    for name, next_name in zip(links, links[1:] + links[:1]):
        (tmp_path / name).symlink_to(next_name)
    result = invoke(str(SAMPLE), "-o", str(tmp_path / links[0]))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"wordcount: --output: cannot write the report: a loop of symbolic links: "
                             f"{tmp_path / links[0]}\n")
    assert all((tmp_path / name).is_symlink() for name in links)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444, 0o755])
def test_a_replaced_file_keeps_its_mode(tmp_path: pathlib.Path, mode: int) -> None:
    report = tmp_path / "report.json"
    report.write_text("old\n")
    report.chmod(mode)
    (tmp_path / "link.json").symlink_to("report.json")
    for output in (report, tmp_path / "link.json"):
        report_to(output)
        assert stat.S_IMODE(report.stat().st_mode) == mode


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file another owner")
def test_a_replaced_file_keeps_its_owner_and_group_as_root(tmp_path: pathlib.Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("old\n")
    os.chown(report, 1234, 5678)
    report_to(report)
    assert (report.stat().st_uid, report.stat().st_gid) == (1234, 5678)


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_a_new_file_gets_the_umasks_mode(tmp_path: pathlib.Path, umask: int) -> None:
    """As `sh -c 'umask U; echo > FILE'` creates it (the oracle), not mkstemp's 0600."""
    ours, theirs = tmp_path / "ours.json", tmp_path / "theirs.json"
    subprocess.run([sys.executable, "-m", "wordcount", str(SAMPLE), "-o", str(ours)], env=repo_env(), check=True,
                   preexec_fn=lambda: os.umask(umask), timeout=60)
    subprocess.run(["sh", "-c", f"umask {umask:o}; echo > {theirs}"], check=True)
    assert stat.S_IMODE(ours.stat().st_mode) == stat.S_IMODE(theirs.stat().st_mode) == 0o666 & ~umask

"""The man page: generated from the CLI's definitions, rendered by groff without a warning,
committed as man/wordcount.1 and shipped in the wheel where `man` finds it."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
import typer.main

from conftest import REPO, repo_env
from wordcount import __version__
from wordcount.cli import manpage
from wordcount.cli.command import app

SHIPPED = REPO / "man" / "wordcount.1"


@pytest.fixture(scope="module")
def page() -> str:
    command = typer.main.get_command(app)
    ctx = command.make_context("wordcount", [], resilient_parsing=True)
    return manpage.render(command, ctx, "2026-01-01")


def groff() -> str | None:
    """groff, installed first where CI may install packages (CI=true), else what is there."""
    if shutil.which("groff") is None and os.environ.get("CI") == "true" and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "groff-base"], capture_output=True, timeout=600)
    return shutil.which("groff")


def spellings() -> set[str]:
    command = typer.main.get_command(app)
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)
            if name.startswith("-")} | {"--help", "-h"}


def test_roff_structure(page: str) -> None:
    """A title line, the usual sections, one tagged paragraph per option, and no line that roff
    would take for a request by accident or character it cannot read."""
    lines = page.splitlines()
    assert lines[0].startswith('.TH WORDCOUNT 1 "2026-01-01"')
    sections = [line[4:] for line in lines if line.startswith(".SH ")]
    assert sections == ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "FILES", "ENVIRONMENT",
                        "SEE ALSO"]
    requests = {line.split()[0] for line in lines if line.startswith((".", "'"))}
    assert requests <= {".TH", ".nh", ".SH", ".SS", ".TP", ".PP"}
    assert page.isascii()
    assert page.count(".TP") >= len(spellings()) // 2
    for name in spellings():
        assert re.search(r"\\fB" + re.escape(name.replace("-", "\\-")) + r"\\fR", page) or name.replace(
            "-", "\\-") in page, name


def test_groff_renders_it_without_warnings_and_every_option_shows(page: str, tmp_path: os.PathLike[str]) -> None:
    tool = groff()
    if tool is None:
        pytest.skip("groff is not installed (apt-get install groff-base); the roff structure is checked above")
    source = os.path.join(tmp_path, "wordcount.1")
    with open(source, "w") as handle:
        handle.write(page)
    done = subprocess.run([tool, "-man", "-Tutf8", "-ww", source], capture_output=True, timeout=60,
                          env={**os.environ, "MANWIDTH": "80"})
    assert done.returncode == 0 and done.stderr == b"", done.stderr
    text = re.sub(r".\x08", "", done.stdout.decode())  # overstrikes for bold and underline
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    for name in spellings():
        assert re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text.replace("\u2010", "-")), name
    assert "EXIT STATUS" in text and "130, 143" in text


def test_the_documented_command_prints_the_page(capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -m wordcount.cli.manpage > wordcount.1`, dated by SOURCE_DATE_EPOCH for reproducible builds."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    manpage.main()
    out = capsys.readouterr().out
    assert out.startswith('.TH WORDCOUNT 1 "1970-01-01"')


def test_the_shipped_page_is_what_the_command_prints() -> None:
    """man/wordcount.1, which the wheel installs, is the page `python -m wordcount.cli.manpage`
    prints today (dated as committed): a change of an option's help shows up here."""
    shipped = SHIPPED.read_text(encoding="ascii")
    dated = re.match(r'\.TH WORDCOUNT 1 "(\d{4}-\d\d-\d\d)"', shipped)
    assert dated, shipped[:80]
    command = typer.main.get_command(app)
    ctx = command.make_context("wordcount", [], resilient_parsing=True)
    assert shipped == manpage.render(command, ctx, dated[1]), (
        "man/wordcount.1 is out of date: python -m wordcount.cli.manpage > man/wordcount.1")


def test_the_page_and_the_help_are_the_same_in_every_process() -> None:
    """The help option's names come from click as a set: whatever the hash seed of the process,
    `-h, --help` are named in that order, in the page and in --help."""
    env = {**repo_env(), "SOURCE_DATE_EPOCH": "0"}
    pages, helps = set(), set()
    for seed in range(6):
        seeded = {**env, "PYTHONHASHSEED": str(seed)}
        pages.add(subprocess.run([sys.executable, "-m", "wordcount.cli.manpage"], capture_output=True, env=seeded,
                                 check=True, timeout=60).stdout)
        helps.add(subprocess.run([sys.executable, "-m", "wordcount", "--help"], capture_output=True, env=seeded,
                                 check=True, timeout=60).stdout)
    assert len(pages) == 1 and len(helps) == 1
    assert b"\\fB\\-h\\fR, \\fB\\-\\-help\\fR" in pages.pop() and b"-h, --help" in helps.pop()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A wheel built as `pip wheel` builds one, from a copy of the checkout (the build writes
    build/ and egg-info beside the sources)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(REPO / name, source / name)
    for folder in ("wordcount", "man"):
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(out)],
                          capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    (built,) = out.glob("wordcount-*.whl")
    return built


def test_the_wheel_ships_the_page_in_share_man(wheel: pathlib.Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        page = archive.read(f"wordcount-{__version__}.data/data/share/man/man1/wordcount.1")
    assert page == SHIPPED.read_bytes()


def man() -> str:
    """man-db's `man`, which CI installs (CI=true); elsewhere the test is skipped without it."""
    found = shutil.which("man")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("man is not installed: .ci/run installs man-db")
        pytest.skip("man is not installed (apt-get install man-db)")
    return found


def test_man_finds_the_page_of_a_venv_install(wheel: pathlib.Path, tmp_path: pathlib.Path) -> None:
    """Installed into a fresh venv, `man -w wordcount` finds the page with MANPATH unset and the
    venv's bin on PATH (man-db looks in PREFIX/share/man beside each PREFIX/bin); without the
    venv on PATH it finds none, so the page found is the wheel's."""
    tool = man()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    installed = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
                                "--no-deps", "-q", str(wheel)], capture_output=True, timeout=600)
    assert installed.returncode == 0, installed.stderr.decode()[-2000:]
    env = {key: value for key, value in os.environ.items() if key != "MANPATH"}
    system = os.pathsep.join(folder for folder in ("/usr/local/bin", "/usr/bin", "/bin") if os.path.isdir(folder))
    found = subprocess.run([tool, "-w", "wordcount"], capture_output=True, timeout=60,
                           env={**env, "PATH": f"{venv / 'bin'}{os.pathsep}{system}"})
    assert found.returncode == 0, found.stderr.decode()
    assert found.stdout.decode().strip() == str(venv / "share" / "man" / "man1" / "wordcount.1")
    elsewhere = subprocess.run([tool, "-w", "wordcount"], capture_output=True, timeout=60, env={**env, "PATH": system})
    assert elsewhere.returncode != 0, elsewhere.stdout

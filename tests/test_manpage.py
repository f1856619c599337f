"""The man page: generated from the CLI's definitions, rendered by groff without a warning."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
import typer.main

from wordcount import manpage
from wordcount.cli import app


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
    """`python -m wordcount.manpage > wordcount.1`, dated by SOURCE_DATE_EPOCH for reproducible builds."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    manpage.main()
    out = capsys.readouterr().out
    assert out.startswith('.TH WORDCOUNT 1 "1970-01-01"')

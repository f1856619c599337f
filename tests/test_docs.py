"""The documentation cannot drift from the tool: every option of the CLI is described once in
docs/options.md, every shell block of README.md and docs/*.md is run, and its output, where the
page shows it, is compared.

Conventions of the pages (see docs/development.md, "Documentation"):
- A table row of docs/options.md that describes options starts with their spellings in
  backticks: "| `-j`, `--jobs` N | …". Every spelling appears in exactly one such row.
- A fenced block in `sh` is run with bash (`set -eo pipefail`) in a temporary folder holding a
  copy of `fixtures/`, with `wordcount` and `python` meaning this checkout's. It must exit 0,
  unless the line before its fence is `<!-- exit N -->`. A block that cannot run here (an
  install, a Dask cluster, the kernel tree) is preceded by `<!-- not run: REASON -->`.
- A fenced block preceded by `<!-- output -->` is what the `sh` block just before it prints on
  stdout, exactly.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
import typer.main

from conftest import REPO, repo_env
from wordcount.cli.command import app

DOCS = REPO / "docs"
PAGES = [REPO / "README.md", *sorted(DOCS.glob("*.md"))]
SHELLS = {"sh", "bash", "shell"}
MARKER = re.compile(r"<!--\s*(exit\s+(?P<exit>\d+)|not run:\s*(?P<reason>\S.*?)|(?P<output>output))\s*-->")


@dataclasses.dataclass(eq=False)
class Block:
    """One fenced block of a page, with the marker comment on the line before its fence."""

    page: pathlib.Path
    line: int
    language: str
    text: str
    marker: re.Match[str] | None
    output: Block | None = None

    @property
    def run(self) -> bool:
        """Whether the tests run it: a shell block not marked `not run`."""
        return self.language in SHELLS and not (self.marker and self.marker.group("reason"))

    @property
    def where(self) -> str:
        """`README.md:12`, for test ids and messages."""
        return f"{self.page.relative_to(REPO)}:{self.line}"


def fenced_blocks(page: pathlib.Path) -> list[Block]:
    """The page's fenced blocks, in order, each with the `<!-- … -->` marker just above it, and
    each shell block with the `<!-- output -->` block that follows it."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        fence = re.match(r"(`{3,})\s*(\S*)", lines[index])
        if not fence:
            index += 1
            continue
        end = next(j for j in range(index + 1, len(lines)) if lines[j].startswith(fence.group(1)))
        above = next((lines[j] for j in range(index - 1, -1, -1) if lines[j].strip()), "")
        blocks.append(Block(page, index + 1, fence.group(2), "".join(line + "\n" for line in lines[index + 1 : end]),
                            MARKER.fullmatch(above.strip())))
        index = end + 1
    for before, after in zip(blocks, blocks[1:]):
        if after.marker and after.marker.group("output") and before.language in SHELLS:
            before.output = after
    return blocks


def shell_blocks() -> list[Block]:
    """Every shell block of the README and the docs, run or not."""
    return [block for page in PAGES for block in fenced_blocks(page) if block.language in SHELLS]


def runnable_blocks() -> list[Block]:
    """The shell blocks the tests run: all but those marked `not run`."""
    return [block for block in shell_blocks() if block.run]


@pytest.fixture(scope="module")
def shims(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A folder of `wordcount` and `python` commands that run this checkout's code."""
    folder = tmp_path_factory.mktemp("bin")
    for name, command in (("wordcount", f'"{sys.executable}" -m wordcount'), ("python", f'"{sys.executable}"')):
        shim = folder / name
        shim.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        shim.chmod(0o755)
    return folder


def run_block(block: Block, shims: pathlib.Path, workspace: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """Run the block with bash in `workspace`, with a private home and cache folder."""
    shutil.copytree(REPO / "fixtures", workspace / "fixtures")
    env = {
        **repo_env(),
        "PATH": os.pathsep.join([str(shims), os.environ.get("PATH", "")]),
        "HOME": str(workspace / "home"),
        "XDG_CACHE_HOME": str(workspace / "cache"),
        "COLUMNS": "80",
    }
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    return subprocess.run(["bash", "-c", "set -eo pipefail\n" + block.text], cwd=workspace, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("block", runnable_blocks(), ids=lambda block: block.where)
def test_shell_block_runs_as_the_page_says(block: Block, shims: pathlib.Path, tmp_path: pathlib.Path) -> None:
    expected = int(block.marker.group("exit")) if block.marker and block.marker.group("exit") else 0
    result = run_block(block, shims, tmp_path)
    assert result.returncode == expected, f"{block.where}: exit {result.returncode}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    if block.output is not None:
        assert result.stdout == block.output.text, f"{block.where}: the output shown at {block.output.where} differs"


def test_the_readme_recipes_show_their_output() -> None:
    """The README's three recipes (by hand, cron, CI) are run and their output compared; the
    quick start's two commands, which install, are the only ones not run."""
    blocks = [block for block in shell_blocks() if block.page.name == "README.md" and block.page.parent == REPO]
    assert len([block for block in blocks if block.output is not None]) == 3
    assert [block.text for block in blocks if not block.run] == [
        "pip install . && wordcount fixtures/sample\n",
        "pip install -e '.[test]' && python -m pytest\n",
    ]


def test_every_marker_belongs_to_a_block() -> None:
    """A misplaced marker would silently run a block that should not run, or compare nothing."""
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        markers = [line for line in lines if MARKER.fullmatch(line.strip())]
        blocks = fenced_blocks(page)
        used = [block.marker for block in blocks if block.marker]
        assert len(markers) == len(used), f"{page.name}: a marker not on the line before a fence"
        for block in blocks:
            if block.marker and block.marker.group("output"):
                assert any(b.output is block for b in blocks), f"{block.where}: output of no shell block"
            if block.marker and (block.marker.group("exit") or block.marker.group("reason")):
                assert block.language in SHELLS, f"{block.where}: a run marker on a {block.language!r} block"


# The options page ------------------------------------------------------------------------------


def cli_spellings() -> set[str]:
    """Every long and short spelling of every option of the command, `--help` included."""
    command = typer.main.get_command(app)
    params = command.get_params(command.context_class(command, **command.context_settings))
    options = [param for param in params if param.param_type_name == "option"]
    return {opt for param in options for opt in [*param.opts, *param.secondary_opts]}


def documented_spellings(page: str) -> collections.Counter[str]:
    """The spellings in the first cell of each table row of the options page, with how often."""
    counter: collections.Counter[str] = collections.Counter()
    for line in page.splitlines():
        if line.startswith("| `"):
            first_cell = line.split(" | ")[0]
            counter.update(re.findall(r"`(-[^`\s=]+)[^`]*`", first_cell))
    return counter


def option_problems(page: str, spellings: set[str]) -> list[str]:
    """What is wrong with the options page: a spelling missing, described twice, or unknown."""
    documented = documented_spellings(page)
    problems = [f"{opt}: not documented" for opt in sorted(spellings - set(documented))]
    problems += [f"{opt}: documented {n} times" for opt, n in sorted(documented.items()) if n > 1]
    problems += [f"{opt}: not an option of the CLI" for opt in sorted(set(documented) - spellings)]
    return problems


def test_every_option_is_documented_exactly_once() -> None:
    assert option_problems((DOCS / "options.md").read_text(encoding="utf-8"), cli_spellings()) == []


def test_the_options_check_finds_what_is_missing_doubled_or_stale() -> None:
    page = "| option | meaning |\n|---|---|\n| `-j`, `--jobs` N | workers |\n| `--top` N | top |\n| `--top` | again |\n| `--gone` | old |\n"
    assert option_problems(page, {"-j", "--jobs", "--top", "--hidden"}) == [
        "--hidden: not documented",
        "--top: documented 2 times",
        "--gone: not an option of the CLI",
    ]
    assert cli_spellings() >= {"-j", "--jobs", "--no-ignore", "--ignore", "-h", "--help", "--version"}


# Links between pages ---------------------------------------------------------------------------


def anchors(page: pathlib.Path) -> set[str]:
    """The anchors GitHub makes of the page's headings: lower case, punctuation dropped, spaces
    as hyphens."""
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)
    headings = re.findall(r"^#+\s+(.*)$", text, flags=re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_links_between_pages_arrive(page: pathlib.Path) -> None:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)
    for target, anchor in re.findall(r"\]\((?!https?:|mailto:)([^)#\s]*)(?:#([^)\s]+))?\)", text):
        destination = (page.parent / target).resolve() if target else page
        assert destination.exists(), f"{page.name}: link to a missing {target}"
        if anchor:
            assert anchor in anchors(destination), f"{page.name}: no heading #{anchor} in {destination.name}"

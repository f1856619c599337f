"""The command line for people: the grouped --help, and shell completion for bash, zsh and fish."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from conftest import invoke
from wordcount.cli import help
from wordcount.choices import Format
from wordcount.cli.command import app


def help_text() -> str:
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    return str(result.stdout)


def test_every_option_is_in_exactly_one_section() -> None:
    """An option added to the CLI fails here until it has a place (and a short text) in the help."""
    command = typer.main.get_command(app)
    ctx = command.make_context("wordcount", [], resilient_parsing=True)
    names = {param.name for param in command.get_params(ctx)} - {"paths"}
    placed = [entry.name for _, entries in help.sections() for entry in entries]
    assert sorted(placed) == sorted(set(placed)), "an option is in two sections"
    assert set(placed) == names


def test_help_is_grouped_in_sections_everyday_options_first() -> None:
    text = help_text()
    titles = re.findall(r"^(\w[^:\n]*):$", text, re.MULTILINE)
    assert [title.split(" (")[0] for title in titles] == [
        "Counting", "Words", "Output", "Files", "Audit", "Cache", "Cluster", "General"]
    assert text.index("-l, --lines") < text.index("--format FORMAT") < text.index("--scheduler ADDRESS")


def test_help_fits_80_columns_each_option_in_one_or_two_lines() -> None:
    lines = help_text().splitlines()
    assert max(map(len, lines)) <= 80
    starts = [index for index, line in enumerate(lines) if re.match(r"  -", line)]
    assert len(starts) > 50
    for start in starts:
        following = lines[start + 1:start + 3] + [""]
        assert not (following[0].startswith(" " * help.LEFT) and following[1].startswith(" " * help.LEFT)), \
            lines[start]


def test_no_type_names_and_switches_read_the_right_way() -> None:
    text = help_text()
    for leak in ("<list[", "list[", "TEXT", "INTEGER", "BOOLEAN", "FLOAT", "[default:", "<", ">"):
        assert leak not in text, leak
    assert re.search(r"^  --no-ignore +Count the files that \.gitignore", text, re.MULTILINE)
    assert "--no-ignore / --ignore" not in text and "--hidden / --no-hidden" not in text
    assert "--no-hidden" in text  # the footer says how a config file's switch is undone


def test_help_narrower_than_80_columns_wraps_to_the_terminal() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=60)
    assert result.exit_code == 0
    assert max(map(len, result.stdout.splitlines())) <= 60


def test_the_help_module_is_not_imported_for_a_run() -> None:
    """Rendering the help costs nothing when no help is asked for."""
    import subprocess
    import sys

    from conftest import REPO, repo_env

    code = "import sys; from wordcount.cli.command import main; sys.argv = ['wordcount', '--version']\n" \
           "try:\n    main()\nexcept SystemExit:\n    pass\nprint('wordcount.cli.help' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=repo_env())
    assert done.stdout.strip().splitlines()[-1] == "False", done


# Shell completion: Typer's, switched on (--install-completion, --show-completion), driven here
# through its protocol: _WORDCOUNT_COMPLETE=complete_SHELL with the command line in the environment.

def complete(shell: str, line: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    env = {"_WORDCOUNT_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        words = line.split()
        env |= {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - (0 if line.endswith(" ") else 1))}
    else:
        env |= {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    result = CliRunner().invoke(app, [], env=env, prog_name="wordcount")
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_for_each_shell(shell: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = CliRunner().invoke(app, ["--show-completion", shell], prog_name="wordcount")
    assert result.exit_code == 0, result.output
    assert "_WORDCOUNT_COMPLETE=complete_" + shell in result.stdout
    assert {"bash": "complete -o default -F", "zsh": "compdef", "fish": "complete --command wordcount"}[shell] \
        in result.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completing_options_and_formats(shell: str, monkeypatch: pytest.MonkeyPatch) -> None:
    options = complete(shell, "wordcount --for", monkeypatch)
    assert "--format" in options and "--forbid" in options and "--top" not in options
    formats = complete(shell, "wordcount --format ", monkeypatch)
    for member in Format:
        assert member.value in formats
    assert "--top" not in formats
    assert re.findall(r"jsonl?", complete(shell, "wordcount --format js", monkeypatch)) == ["json", "jsonl"]


def test_completion_descriptions_are_one_short_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fish shows a description beside each option: the short text, never broken over lines."""
    lines = complete("fish", "wordcount --", monkeypatch).splitlines()
    assert all(line.startswith("-") and "\t" in line for line in lines), lines
    described = dict(line.split("\t", 1) for line in lines)
    assert described["--format"] == "table (default), json, csv, wc, github, sarif, jsonl, html."
    assert described["--no-hidden"] == "Undo --hidden (set in a config file)."
    assert max(len(text) for text in described.values()) <= 60


def test_completing_a_path_leaves_it_to_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    """No candidates for a path: bash (complete -o default) and zsh (_files) then complete files."""
    assert complete("bash", "wordcount fix", monkeypatch).strip() == ""
    assert complete("zsh", "wordcount fix", monkeypatch).strip() == "_files"

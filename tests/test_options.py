"""Each option declared once (wordcount/options.py): the command's parameters, the grouped help,
the man page, the config keys and the settings' `Flags` are all made from the declarations."""

from __future__ import annotations

import ast
import dataclasses
import pathlib
import subprocess
import sys

import typer.main

from conftest import REPO, repo_env
from wordcount import options
from wordcount.cli import help
from wordcount.cli.command import app
from wordcount.options import Flags

PACKAGE = REPO / "wordcount"
TYPER_OWN = {"help", "install_completion", "show_completion"}  # the options click and Typer add


def command_params() -> dict[str, typer.core.TyperOption]:
    command = typer.main.get_command(app)
    ctx = command.make_context("wordcount", [], resilient_parsing=True)
    return {param.name: param for param in command.get_params(ctx)}


def test_every_flag_is_an_option_with_a_section_and_both_texts() -> None:
    """Each field of Flags (but the order of -t and -T, which the command line knows) is a
    declared option in a section of the help, with a short text and a long one."""
    declared = {item.name: item for item in options.declared()}
    fields = [field.name for field in dataclasses.fields(Flags)]
    assert fields == [*declared, "types"]
    for name, item in declared.items():
        assert item.option.short.strip() and item.option.long.strip(), name
        assert item.is_argument or item.option.section in options.SECTIONS, name
        if item.option.eager:
            assert not item.option.setting, name  # shows something and exits, or loads the config


def test_the_command_is_made_of_the_declarations() -> None:
    """The command's parameters are the declared options, spelled, documented and defaulted as
    declared, and the help shows each of them once, in its section."""
    declared = {item.name: item for item in options.declared()}
    params = command_params()
    assert set(params) == set(declared) | TYPER_OWN
    for name, item in declared.items():
        param = params[name]
        names = [part for spelling in item.option.names for part in spelling.split("/")]
        assert sorted([*param.opts, *param.secondary_opts]) == sorted(names or [name]), name
        repeated = param.multiple or param.nargs == -1  # an option given again, or the arguments
        assert (param.help, param.default, repeated) == (item.option.long, item.default, item.multiple), name
    shown = [entry.name for _, entries in help.sections() for entry in entries]
    assert sorted(shown) == sorted(set(params) - {"paths"})
    assert [title for title, _ in help.sections()] == list(options.SECTIONS)


def test_the_config_keys_are_the_long_names_of_the_settings() -> None:
    """A config file's keys are the first long names of the options, but for those about one
    invocation (--config, --version, --type-list) and the ones Typer adds."""
    keys = {key: item.name for key, item in options.by_key().items()}
    expected = {next(opt for opt in param.opts if opt.startswith("--"))[2:]: name
                for name, param in command_params().items() if param.param_type_name == "option"}
    for not_a_setting in ("config", "version", "type-list", "help", "install-completion", "show-completion"):
        del expected[not_a_setting]
    assert keys == expected
    assert keys["bytes"] == "bytes" and keys["no-ignore"] == "no_ignore" and keys["cache"] == "use_cache"


def _source_strings(path: pathlib.Path) -> list[str]:
    """The string constants of a module (implicit concatenations joined, as the parser joins them)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_no_option_is_declared_anywhere_else() -> None:
    """The texts of the options are written in options.py only, and Typer's parameters are made
    in one place (cli/parameters.py): no command function declares its own."""
    modules = {path.relative_to(PACKAGE).as_posix(): _source_strings(path) for path in PACKAGE.rglob("*.py")}
    for item in options.declared():
        for text in (item.option.short, item.option.long):
            holders = [module for module, strings in modules.items() if text in strings]
            assert holders == ["options.py"], (item.name, text, holders)
    makers = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("Option", "Argument") and getattr(node.func.value, "id", "") == "typer":
                makers.append(path.relative_to(PACKAGE).as_posix())
    assert sorted(makers) == ["cli/parameters.py", "cli/parameters.py"]


def test_settings_and_config_do_not_import_the_command_line() -> None:
    """Imports point down the pipeline: the settings, the config file and the declarations
    need neither wordcount.cli nor Typer (the usage error they raise is the tool's own)."""
    code = ("import sys\nimport wordcount.settings, wordcount.config, wordcount.options, wordcount.values\n"
            "print(sorted(name for name in sys.modules if name.startswith(('wordcount.cli', 'typer', 'click'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=repo_env(),
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

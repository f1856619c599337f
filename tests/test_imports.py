"""The direction of imports between the package's stages, as pyproject.toml's import-linter
contracts state it: the stages import down the pipeline, nothing imports the CLI, what workers
load imports no UI, cluster or database code, and no two packages (or modules of one level)
import each other in a circle."""

from __future__ import annotations

import pathlib

import pytest
from importlinter.cli import lint_imports

REPO = pathlib.Path(__file__).resolve().parent.parent


def lint(config: pathlib.Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """import-linter's exit code and report for the contracts in `config`, on this checkout."""
    monkeypatch.chdir(REPO)
    monkeypatch.syspath_prepend(str(REPO))
    code = lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    return code, capsys.readouterr().out


def test_the_import_contracts_are_kept(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, report = lint(REPO / "pyproject.toml", capsys, monkeypatch)
    assert code == 0, report
    assert "6 kept, 0 broken" in report, report


def test_a_broken_contract_is_reported(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a contract the code breaks (the report may not import the model)
    is reported with the import that breaks it."""
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_package = "wordcount"\n\n'
                      '[[tool.importlinter.contracts]]\nname = "a contract the code breaks"\n'
                      'type = "forbidden"\nsource_modules = ["wordcount.report"]\n'
                      'forbidden_modules = ["wordcount.model"]\n')
    code, report = lint(config, capsys, monkeypatch)
    assert code == 1, report
    assert "wordcount.report" in report and "-> wordcount.model" in report, report

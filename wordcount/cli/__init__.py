"""The command line: the Typer app, its options, `--help`, shell completion and the man page.

Owns turning what a user typed (and a config file said) into settings, and one exit-code
handler around the run. Never counts, formats or orchestrates: it hands `settings.Settings` to
`pipeline.run` and turns the `Summary` it gets back into an exit code. Nothing imports it.
"""

from __future__ import annotations

from wordcount.cli.command import app, main

__all__ = ["app", "main"]

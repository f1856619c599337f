"""The command line: the command, flags → settings, and the run inside one exit-code handler.

Its options are declared in wordcount/options.py (cli/parameters.py makes them Typer's).

settings.from_flags (every derived value, usage errors) → pipeline.run (discover, count, report)
→ the exit code (docs/failures.md, "Exit codes").
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

import typer

from wordcount import __version__, config, pipeline, settings, streams
from wordcount.counting import core
from wordcount.execute.backend import Unavailable
from wordcount.report.output import WriteFailed, tell
from wordcount.messages import say
from wordcount.options import Flags
from wordcount.report.summary import ExitCode
from wordcount.values import usage_error
from wordcount.cli.parameters import declared_options
from wordcount.cli.usage import Command, given_order, operands

app = typer.Typer(add_completion=True, pretty_exceptions_enable=False, rich_markup_mode=None)


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C does, so that workers and temp files are cleaned up."""


def _signal_handler(main_pid: int) -> Callable[[int, object], None]:
    """What Ctrl-C and SIGTERM do: unwind this process (exit 130 or 143, workers stopped).

    A worker forked just as the signal came runs this handler until its initializer replaces
    it: there it ends quietly instead.
    """

    def on_signal(signum: int, frame: object) -> NoReturn:
        if os.getpid() != main_pid:
            os._exit(128 + signum)
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated

    return on_signal


@contextlib.contextmanager
def exit_codes() -> Iterator[None]:
    """Run the body with Ctrl-C and SIGTERM turned into exceptions, and each way a run can stop
    early turned into its exit code and one line on stderr (as pre-commit's error_handler does):
    interrupted 130, terminated 143, an unreachable cluster or an unwritable report 2."""
    on_signal = _signal_handler(os.getpid())
    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except Unavailable as error:
        say(str(error))
        raise typer.Exit(ExitCode.USAGE) from None
    except WriteFailed as error:
        usage_error(str(error))
    except KeyboardInterrupt:
        say("interrupted")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except Terminated:
        say("terminated")
        raise typer.Exit(ExitCode.TERMINATED) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _version(value: bool) -> None:
    if value:
        print(f"wordcount {__version__} ({core.describe()})")
        raise typer.Exit()


def _type_list(value: bool) -> None:
    if value:
        from wordcount.walk.filetypes import listing

        print(listing(), end="")
        raise typer.Exit()


_CONFIG = "wordcount.config"  # where the loaded config waits in the click context's `meta`
_FOUND = "wordcount.config.found"  # and which one applies, and how it was found


def _load_config(ctx: typer.Context, value: str | None) -> str | None:
    """Read the config file (`--config FILE`, or the one found from the paths' common folder up)
    into the context's default_map, before the other options take their values."""
    try:
        if value is not None:
            found = config.Found(value)
        else:
            start = config.search_start(operands(ctx))
            found = config.Found(config.find(start), start)
        ctx.meta[_FOUND] = found
        if found.path is None:
            return None
        loaded = config.load(found.path)
        defaults = config.default_map(loaded)
    except config.ConfigError as error:
        ctx.fail(str(error))
    ctx.default_map = {**(ctx.default_map or {}), **defaults}
    ctx.meta[_CONFIG] = loaded
    return found.path


def _say_verbose(found: config.Found | None, chosen: settings.Settings, flags: Flags) -> None:
    """What `--verbose` says on stderr before the count: which config file applies and why, and
    what is counted when no path was given."""
    if found is not None:
        say(found.describe())
    if not flags.paths and flags.files0_from is None and flags.files_from is None:
        say("no path given: counting standard input, which is not a terminal (give . to count this folder)"
            if chosen.output.layout.unnamed else "no path given: counting this folder")


@app.command(cls=Command, context_settings={"help_option_names": ["-h", "--help"]})
@declared_options({"type_list": _type_list, "config_file": _load_config, "version": _version})
def wordcount(ctx: typer.Context, **values: Any) -> None:
    """Count lines, words, characters and bytes, and the most frequent words, in files and trees."""
    typed = given_order(ctx, {name: values[name] for name in ("file_type", "file_type_not")})
    flags = Flags(**values, types=tuple((name, parameter == "file_type_not") for parameter, name in typed))
    chosen = settings.from_flags(flags, ctx.meta.get(_CONFIG))
    if flags.verbose and not flags.quiet:
        _say_verbose(ctx.meta.get(_FOUND), chosen, flags)
    with exit_codes():
        summary = pipeline.run(chosen)
    if not chosen.output.quiet:
        tell(summary, chosen.output.annotated)
    raise typer.Exit(summary.exit_code)


def main() -> None:
    """Console-script entry point."""
    streams.reserve()
    app()

"""Live progress on stderr, drawn from the `progress.Snapshot`s a backend passes on: a tqdm bar for
a terminal (`ProgressBar`), or heartbeat lines for logs (`ProgressLog`), both closed when counting
ends. Loaded by the parent only; tqdm only when a bar is drawn.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

from wordcount.choices import ProgressMode
from wordcount.messages import plural, say
from wordcount.progress import Snapshot


class ProgressBar:
    """A tqdm bar on stderr fed with live totals: bytes as the bar, files and words beside it."""

    def __init__(self) -> None:
        import tqdm  # imported only when a bar is drawn: it costs start-up time

        tqdm.tqdm.monitor_interval = 0  # no monitor thread, which forking workers would copy
        self.total_files = 0
        try:
            sized = os.get_terminal_size(sys.stderr.fileno()).columns > 0
        except (OSError, ValueError):
            sized = False
        self.sized = sized
        self.stderr = Unfailing(sys.stderr)
        self.bar = _binary_units(tqdm.tqdm)(
            total=0,
            # tqdm's own sizes say MB for MiB: the sizes and the rate are written by _size, as in the log.
            bar_format=LAYOUTS[0],
            file=self.stderr,
            # A terminal that reports no size (a bare pty) would get no bar at all.
            dynamic_ncols=sized,
            ncols=None if sized else 100,
            nrows=None if sized else 24,
            leave=False,
            desc="counting",
            postfix=self.counts(0, 0),  # the first frame, drawn now, has the counts as every later one
        )

    def expect(self, files: int, nbytes: int, done: bool = False) -> None:
        """More work found by the walk (`done`: it has ended)."""
        self.total_files += files
        self.bar.total += nbytes

    def counts(self, files: int, words: int) -> str:
        """The bar's files and words: `3/50 files, 12,345 words`."""
        return f"{files:,}/{plural(self.total_files, 'file')}, {plural(words, 'word')}"

    def __call__(self, snapshot: Snapshot) -> None:
        files, nbytes, words = snapshot
        self.bar.set_postfix_str(self.counts(files, words), refresh=False)
        self.bar.update(nbytes - self.bar.n)

    def close(self) -> None:
        """Draw the last totals, then clear the line (leave=False), also of a ^C the terminal
        echoed after the bar: what is written next, the report or "interrupted", starts clean."""
        self.bar.refresh()  # the last totals, even if they came within tqdm's minimum interval
        self.bar.close()
        if self.sized:
            self.stderr.write("\r\x1b[K")
            self.stderr.flush()


class Unfailing:
    """A stream for the bar whose writes never fail: what stderr cannot take (`2>/dev/full`) is
    dropped, as `say` drops it, instead of ending the run."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return 0

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str) -> Any:  # fileno, isatty, encoding: as the stream's
        return getattr(self.stream, name)


# The bar's layouts, the fullest first: the first that fits the terminal is drawn. Every one
# keeps the file and word counts ({counts}); the sizes, times and speed go first.
LAYOUTS = (
    "{desc}: {percentage:3.0f}%|{bar}| {sizes} [{elapsed}<{remaining}, {speed}{postfix}]",
    "{percentage:3.0f}%|{bar}| {counts}, {sizes} [{remaining}]",
    "{percentage:3.0f}%|{bar}| {counts} [{remaining}]",
    "{percentage:3.0f}%|{bar}| {counts}",
    "{counts}",
)
MIN_BAR = 4  # the narrowest bar worth drawing
ECHO_ROOM = 3  # columns left free at the end of the line: the terminal echoes Ctrl-C there as ^C


def _binary_units(base: Any) -> Any:
    """A tqdm class whose bar shows `{sizes}` (done/total) and `{speed}` in KiB, MiB, GiB and
    `{counts}` (files and words), in the fullest of `LAYOUTS` that fits the terminal's width."""

    class Bar(base):  # type: ignore[misc,valid-type]
        @property
        def format_dict(self) -> dict[str, Any]:
            fields: dict[str, Any] = super().format_dict
            elapsed = fields.get("elapsed") or 0
            fields["sizes"] = f"{_size(fields['n'])}/{_size(fields['total'] or 0)}"
            # The average since the start, as the log's rate.
            fields["speed"] = f"{_size(fields['n'] / elapsed)}/s" if elapsed > 0 else "?/s"
            fields["counts"] = fields.get("postfix") or ""
            if fields.get("ncols"):
                fields["ncols"] = max(fields["ncols"] - ECHO_ROOM, 1)
                fields["bar_format"] = _layout(self.format_meter, fields)
            return fields

    return Bar


def _layout(format_meter: Callable[..., str], fields: dict[str, Any]) -> str:
    """The fullest of `LAYOUTS` whose text, with a bar of MIN_BAR, fits in `fields["ncols"]`."""
    for layout in LAYOUTS[:-1]:
        text = format_meter(**{**fields, "bar_format": layout.replace("{bar}", ""), "ncols": None})
        if len(text) + MIN_BAR <= fields["ncols"]:
            return layout
    return LAYOUTS[-1]


class ProgressLog:
    """Progress for unattended runs: a heartbeat line on stderr every `interval` seconds, with
    files, bytes, words, the rate and the time left; one more when the run ends."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.total_files = 0
        self.total_bytes = 0
        self.walking = True  # the totals still grow: no time left can be told
        self.interval = interval
        self.clock = clock
        self.start = clock()
        self.due = self.start + interval
        self.last = Snapshot()

    def expect(self, files: int, nbytes: int, done: bool = False) -> None:
        """More work found by the walk (`done`: it has ended)."""
        self.total_files += files
        self.total_bytes += nbytes
        self.walking = not done

    def __call__(self, snapshot: Snapshot) -> None:
        self.last = snapshot
        now = self.clock()
        if now >= self.due:
            self.due = now + self.interval
            say(self.line(now))

    def line(self, now: float) -> str:
        files, nbytes, words = self.last
        elapsed = max(now - self.start, 1e-9)
        rate = nbytes / elapsed
        left = (self.total_bytes - nbytes) / rate if rate > 0 and not self.walking else None
        eta = "?" if left is None else _duration(max(left, 0.0))
        return (f"{files:,}/{plural(self.total_files, 'file')}, {_size(nbytes)}/{_size(self.total_bytes)}, "
                f"{plural(words, 'word')}, "
                f"{_size(rate)}/s, elapsed {_duration(elapsed)}, ETA {eta}")

    def close(self) -> None:
        say(self.line(self.clock()) + " (done)")


def _size(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if nbytes < 1024 or unit == "GiB":
            return f"{nbytes:,.0f} {unit}" if unit == "B" else f"{nbytes:,.1f} {unit}"
        nbytes /= 1024
    raise AssertionError("unreachable")


def _duration(seconds: float) -> str:
    whole = int(seconds + 0.5)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def start(mode: ProgressMode, log_interval: float) -> ProgressBar | ProgressLog | None:
    """The progress `mode` (already resolved from auto) asks for; None for none. The work is
    told to it as the walk finds it (`expect`)."""
    if mode is ProgressMode.bar:
        return ProgressBar()
    if mode is ProgressMode.log:
        return ProgressLog(log_interval)
    return None

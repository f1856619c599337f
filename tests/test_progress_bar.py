"""The progress bar for people: the counts shown at any width, and a clean terminal after Ctrl-C."""

from __future__ import annotations

import fcntl
import io
import os
import pathlib
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest
import tqdm

from conftest import REPO, repo_env, terminal_output
from wordcount.report import live


def drawn(ncols: int, files: tuple[int, int], words: int, done: int = 1_200_000_000) -> str:
    """The bar's line at `ncols` columns, as ProgressBar draws it."""
    bar = live._binary_units(tqdm.tqdm)(total=3_400_000_000, bar_format=live.LAYOUTS[0], file=io.StringIO(),
                                            ncols=ncols, desc="counting", leave=False, mininterval=0)
    try:
        bar.set_postfix_str(f"{files[0]:,}/{files[1]:,} files, {words:,} words", refresh=False)
        bar.update(done)
        return str(bar)
    finally:
        bar.close()


@pytest.mark.parametrize("ncols", [60, 61, 70, 80, 100, 120, 200])
@pytest.mark.parametrize("files, words", [((0, 1), 0), ((3, 50), 12_345), ((12_345, 79_000), 123_456_789)])
def test_the_counts_are_shown_at_any_width_from_60(ncols: int, files: tuple[int, int], words: int) -> None:
    line = drawn(ncols, files, words)
    assert len(line) <= ncols - live.ECHO_ROOM
    assert f"{files[0]:,}/{files[1]:,} files, {words:,} words" in line
    assert "%|" in line  # the bar itself, with its percentage


def test_wide_terminals_get_sizes_times_and_speed() -> None:
    line = drawn(120, (3, 50), 12_345)
    assert line.startswith("counting:  35%|")
    assert re.search(r"\| 1\.1 GiB/3\.2 GiB \[\d\d:\d\d<\d\d:\d\d, [\d.,]+ \w+/s, 3/50 files, 12,345 words\]$", line)
    narrower = drawn(80, (3, 50), 12_345)
    assert "3/50 files, 12,345 words, 1.1 GiB/3.2 GiB" in narrower


def screen(output: bytes, columns: int) -> list[str]:
    """What a terminal shows after `output`: carriage returns, newlines, erase-line (ESC [ K),
    cursor up (ESC [ A) and wrapping at `columns`, which is enough for tqdm's drawing."""
    rows: list[list[str]] = [[]]
    row = col = 0
    text = output.decode("utf-8", "replace")
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\x1b":
            match = re.match(r"\x1b\[(\d*)([A-Za-z])", text[index:])
            assert match, repr(text[index:index + 10])
            if match[2] == "K":
                del rows[row][col:]
            elif match[2] == "A":
                row = max(row - int(match[1] or 1), 0)
            index += len(match[0])
            continue
        if char == "\r":
            col = 0
        elif char == "\n":
            row += 1
            col = 0
            rows.extend([] for _ in range(row + 1 - len(rows)))
        else:
            if col >= columns:
                row, col = row + 1, 0
                rows.extend([] for _ in range(row + 1 - len(rows)))
            line = rows[row]
            line.extend(" " for _ in range(col + 1 - len(line)))
            line[col] = char
            col += 1
        index += 1
    return ["".join(line).rstrip() for line in rows]


def test_ctrl_c_leaves_the_terminal_clean(tmp_path: pathlib.Path) -> None:
    """A real run on a 60-column pseudo-terminal, interrupted while the bar is drawn: exit 130,
    the bar's line cleared (also of the ^C a terminal echoes after it), then 'wordcount:
    interrupted' on a line of its own, ended by a newline, and the cursor never left hidden."""
    line = b"alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu\n"
    for index in range(2):
        (tmp_path / f"big-{index}.txt").write_bytes(line * 16_000 * 60)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))
    env = {**repo_env(), "WORDCOUNT_PURE_PYTHON": "1"}  # slow enough to be interrupted
    process = subprocess.Popen([sys.executable, "-m", "wordcount", str(tmp_path), "-j", "2"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=terminal, start_new_session=True)
    os.close(terminal)
    output = b""
    sent = False
    try:
        for data in terminal_output(controller, process, time.monotonic() + 60, poll=0.2):
            output += data
            if not sent and output.count(b" words") >= 3:
                output += b"^C"  # what the terminal itself echoes at the cursor
                os.killpg(process.pid, signal.SIGINT)
                sent = True
        code = process.wait(timeout=10)
    finally:
        os.close(controller)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert sent, output[-300:]
    assert code == 130, output[-300:]
    assert output.endswith(b"wordcount: interrupted\r\n"), output[-300:]
    assert output.rfind(b"\x1b[?25l") <= output.rfind(b"\x1b[?25h")  # the cursor is not left hidden
    shown = [row for row in screen(output, 60) if row]
    assert shown == ["wordcount: interrupted"], shown


FIELDS = {  # what each field of a layout looks like when drawn
    "{desc}": "counting", "{percentage:3.0f}": r"[ \d]{2}\d", "{bar}": r"[^|]*",
    "{sizes}": r"[\d,.]+ (B|KiB|MiB|GiB)/[\d,.]+ (B|KiB|MiB|GiB)", "{elapsed}": r"\d\d:\d\d",
    "{remaining}": r"(\d\d:\d\d|\?)", "{speed}": r"([\d,.]+ (B|KiB|MiB|GiB)|\?)/s",
    "{postfix}": r", [\d,]+/[\d,]+ files?, [\d,]+ words?", "{counts}": r"[\d,]+/[\d,]+ files?, [\d,]+ words?",
}


def layout_of(frame: str) -> int | None:
    """Which of the bar's LAYOUTS `frame` is drawn in (None: none of them)."""
    for index, layout in enumerate(live.LAYOUTS):
        pattern = re.escape(layout)
        for field, drawn_as in FIELDS.items():
            pattern = pattern.replace(re.escape(field), drawn_as)
        if re.fullmatch(pattern, frame):
            return index
    return None


def test_the_first_frame_has_the_layout_of_the_rest(tmp_path: pathlib.Path) -> None:
    """A real run on a 120-column pseudo-terminal: every frame of the bar, the first one (drawn
    before anything is counted) too, is the fullest layout, with the files and words."""
    (tmp_path / "big.txt").write_bytes(b"alpha beta gamma delta epsilon zeta eta theta iota kappa\n" * 300_000)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    env = {**repo_env(), "WORDCOUNT_PURE_PYTHON": "1"}  # slow enough for several frames
    process = subprocess.Popen([sys.executable, "-m", "wordcount", str(tmp_path), "-j", "1"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=terminal)
    os.close(terminal)
    try:
        output = b"".join(terminal_output(controller, process, time.monotonic() + 60))
        assert process.wait(timeout=10) == 0
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
    text = re.sub(r"\x1b\[[\d;?]*[A-Za-z]", "", output.decode("utf-8"))
    frames = [frame.rstrip() for frame in text.split("\r") if frame.strip()]
    assert len(frames) >= 3, frames
    assert frames[0].startswith("counting:   0%|") and frames[0].endswith(", 0/0 files, 0 words]")
    assert [layout_of(frame) for frame in frames] == [0] * len(frames), frames

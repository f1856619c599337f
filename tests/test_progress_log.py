"""--progress log: heartbeat lines for unattended runs."""

from __future__ import annotations

import json
import pathlib
import re

import pytest

from conftest import invoke
from wordcount.report.live import ProgressLog

LINE = re.compile(
    r"wordcount: ([\d,]+)/([\d,]+) files, [\d.,]+ (?:B|KiB|MiB|GiB)/[\d.,]+ (?:B|KiB|MiB|GiB), ([\d,]+) words, "
    r"[\d.,]+ (?:B|KiB|MiB|GiB)/s, elapsed \d+:\d\d:\d\d, ETA (?:\d+:\d\d:\d\d|\?)( \(done\))?$"
)


def test_heartbeat_every_interval(capsys: pytest.CaptureFixture[str]) -> None:
    """A line when the interval has passed, none before, with rate and time left from the clock."""
    now = [100.0]
    log = ProgressLog(interval=30, clock=lambda: now[0])
    log.expect(9, 4000 * 1024)
    log.expect(1, 96 * 1024, done=True)
    now[0] = 110.0
    log((2, 1024 * 1024, 500))
    assert capsys.readouterr().err == ""  # not yet 30 s
    now[0] = 130.0
    log((4, 2048 * 1024, 1000))
    line = capsys.readouterr().err
    assert line == ("wordcount: 4/10 files, 2.0 MiB/4.0 MiB, 1,000 words, 68.3 KiB/s, elapsed 0:00:30, "
                    "ETA 0:00:30\n")
    now[0] = 140.0
    log((5, 3072 * 1024, 1500))
    assert capsys.readouterr().err == ""  # the next one is due at 160
    log.close()
    assert capsys.readouterr().err.endswith("76.8 KiB/s, elapsed 0:00:40, ETA 0:00:13 (done)\n")


def test_no_time_left_is_told_while_the_walk_still_finds_files() -> None:
    """Files are counted as the walk finds them: until it ends, the totals grow and the log
    says ETA ?; then it tells the time left."""
    log = ProgressLog(interval=30, clock=lambda: 110.0)
    log.expect(2, 1024 * 1024)
    log((1, 512 * 1024, 10))
    assert log.line(110.0).startswith("1/2 files, 512.0 KiB/1.0 MiB") and log.line(110.0).endswith("ETA ?")
    log.expect(2, 1024 * 1024)
    log.expect(0, 0, done=True)
    assert log.line(110.0).startswith("1/4 files, 512.0 KiB/2.0 MiB") and not log.line(110.0).endswith("ETA ?")


def test_cli_log_lines_on_stderr_report_on_stdout(tmp_path: pathlib.Path) -> None:
    for index in range(5):
        (tmp_path / f"f{index}.txt").write_text("alpha beta gamma\n" * 100)
    result = invoke(str(tmp_path), "--progress", "log", "--log-interval", "0", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["totals"]["words"] == 1500
    lines = result.stderr.splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    final = LINE.match(lines[-1])
    assert final and final.group(1) == final.group(2) == "5" and final.group(3) == "1,500" and final.group(4)
    quiet = invoke(str(tmp_path), "--progress", "log", "--log-interval", "0", "-q")
    assert quiet.stderr == ""

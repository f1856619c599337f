"""The HTML report in a real browser: headless Chromium (Debian's `chromium`) renders it to a
screenshot. The page must log nothing to the console (no script error, nothing blocked by its
Content-Security-Policy) and each chart must be drawn: its colour found in the screenshot, the
charts one below the other in the page's order.

Without Chromium the tests are skipped, saying how to get it; under CI (CI=true) they install it
first with apt-get, as root CI does.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import pytest
from PIL import Image

from conftest import SAMPLE, invoke
from wordcount.report import svg

WIDTH, HEIGHT = 1200, 2400


def find_chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def chromium() -> str:
    """The browser's command; installed first under CI when it is missing."""
    found = find_chromium()
    if found is None and os.environ.get("CI") == "true" and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=900, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], capture_output=True, timeout=1800, env=env)
        found = find_chromium()
    if found is None:
        pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium; under CI=true "
                    "this test installs it)")
    return found


def screenshot(chromium: str, page: pathlib.Path, png: pathlib.Path) -> list[str]:
    """Render `page` to `png` at WIDTH x HEIGHT; the console messages the page logged."""
    done = subprocess.run(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
         "--v=0", f"--user-data-dir={png.parent / 'profile'}", f"--window-size={WIDTH},{HEIGHT}",
         f"--screenshot={png}", page.as_uri()],
        capture_output=True, timeout=180,
    )
    assert png.exists(), done.stderr.decode(errors="replace")[-2000:]
    return [line for line in done.stderr.decode(errors="replace").splitlines() if ":CONSOLE" in line]


def colour_rows(png: pathlib.Path, colour: str) -> list[int]:
    """The screenshot's rows (y) of each pixel of exactly `colour` (#rrggbb)."""
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    with Image.open(png) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        pixels = rgb.load()
        return [y for y in range(height) for x in range(0, width, 2) if pixels[x, y] == wanted]


def test_the_console_check_sees_script_errors_and_blocked_loads(chromium: str, tmp_path: pathlib.Path) -> None:
    """The check the report must pass can fail: a page under the report's policy with a script
    that throws and an image from elsewhere logs both."""
    from wordcount.report.html import POLICY

    page = tmp_path / "broken.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="{POLICY}">'
                    '</head><body><img src="http://127.0.0.1:9/x.png"><script>throw new Error("boom")</script>'
                    "</body></html>")
    console = screenshot(chromium, page, tmp_path / "broken.png")
    assert any("127.0.0.1:9/x.png" in line for line in console), console
    assert any("inline script" in line or "boom" in line for line in console), console


def test_the_report_renders_its_charts_without_a_console_message(chromium: str, tmp_path: pathlib.Path) -> None:
    page = tmp_path / "report.html"
    result = invoke("--format", "html", "-q", "--by", "ext", "-o", str(page), str(SAMPLE))
    assert result.exit_code == 0, result.output
    png = tmp_path / "report.png"
    assert screenshot(chromium, page, png) == []

    with Image.open(png) as image:
        assert image.size == (WIDTH, HEIGHT)
        colours = image.convert("RGB").getcolors(maxcolors=WIDTH * HEIGHT)
    assert colours is not None and len(colours) > 50  # text, charts and tables, not a blank page
    charts = {name: colour_rows(png, colour) for name, colour in
              [("bars", svg.BAR), ("curve", svg.CURVE), ("histogram", svg.HISTOGRAM), ("groups", svg.GROUP)]}
    drawn = {name: len(rows) for name, rows in charts.items()}
    assert drawn["bars"] > 2_000 and drawn["histogram"] > 2_000 and drawn["groups"] > 1_000, drawn
    assert drawn["curve"] > 100, drawn  # dozens of points of a few pixels
    order = sorted(charts, key=lambda name: min(charts[name]))
    assert order == ["bars", "curve", "histogram", "groups"]
    for upper, lower in zip(order, order[1:]):
        assert max(charts[upper]) < min(charts[lower]), (upper, lower)  # one below the other, not overlapping

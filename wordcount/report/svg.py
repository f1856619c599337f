"""Static SVG charts for the HTML report: horizontal bars, a histogram, and a curve on log-log
axes. Each returns an `<svg>` element as text, drawn by no script: a browser shows it as it is,
and so does a page saved or mailed. Coordinates are written with one decimal, so the same data
gives the same bytes.

Every chart carries `role="img"`, a `<title>` and a tooltip (`<title>`) on each mark for the exact
numbers; labels given here are plain text and are escaped here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from wordcount.messages import plural

BAR = "#4e79a7"  # the top words' bars (and the tests look for this colour in a screenshot)
CURVE = "#e15759"  # the rank-frequency points
HISTOGRAM = "#59a14f"  # the files' words histogram
GROUP = "#f28e2b"  # the --by breakdown's bars
GUIDE = "#9a9a9a"  # axes, grid and the Zipf guide line

WIDTH = 720  # every chart's width in CSS pixels; the page scales it down on a narrow screen
LABEL_CHARS = 24  # a bar's label is cut to this many characters (the tooltip holds all of it)


def short(value: float) -> str:
    """A number for an axis: 7, 120, 4.5k, 12k, 3M."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit * 0.9995:  # 999,999 is 1M, not 1000k
            scaled = value / limit
            text = f"{scaled:.1f}".removesuffix(".0") if scaled < 10 else f"{scaled:.0f}"
            return text + suffix
    return f"{value:.0f}"


def _cut(label: str) -> str:
    """A label cut to LABEL_CHARS characters, an ellipsis marking the cut."""
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "\u2026"


def _open(width: int, height: int, title: str, kind: str) -> str:
    """A chart's opening `<svg>` tag, of class `chart kind`, and its title."""
    return (f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>')


def bars(items: Sequence[tuple[str, int]], title: str, colour: str = BAR, unit: str = "") -> str:
    """Horizontal bars, one a row, the longest for the largest value: `items` are (label, value),
    drawn in the order given. `unit` names what is counted, in the singular (`word`): the tooltips
    say `1 word`, `2 words`."""
    row, left, right = 20, 200, 80
    height = row * len(items) + 8
    largest = max((value for _, value in items), default=0) or 1
    span = WIDTH - left - right
    out = [_open(WIDTH, height, title, "bars")]
    for index, (label, value) in enumerate(items):
        y = 4 + index * row
        length = span * value / largest
        tip = f"{label}: {plural(value, unit) if unit else f'{value:,}'}"
        out.append(
            f'<g><title>{escape(tip)}</title>'
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(_cut(label))}</text>'
            f'<rect class="bar" x="{left}" y="{y + 2}" width="{max(length, 1):.1f}" height="{row - 4}" fill="{colour}"/>'
            f'<text x="{left + length + 4:.1f}" y="{y + 14}">{value:,}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def histogram(counts: Sequence[int], edges: Sequence[str], tips: Sequence[str], title: str) -> str:
    """Vertical bars side by side: `counts[i]` over the bin between the axis labels `edges[i]`
    and `edges[i + 1]` (so there is one more edge than bins); `tips[i]` says the bin in words."""
    top, bottom, left = 20, 40, 50
    height = 260
    plot = height - top - bottom
    step = (WIDTH - left - 10) / max(len(counts), 1)
    largest = max(counts, default=0) or 1
    out = [_open(WIDTH, height, title, "histogram"),
           f'<line x1="{left}" y1="{top + plot}" x2="{WIDTH - 10}" y2="{top + plot}" stroke="{GUIDE}"/>']
    for index, count in enumerate(counts):
        x = left + index * step
        tall = plot * count / largest
        y = top + plot - tall
        out.append(f'<g><title>{escape(tips[index])}: {count:,}</title>'
                   f'<rect class="bin" x="{x + 1:.1f}" y="{y:.1f}" width="{step - 2:.1f}" height="{tall:.1f}" '
                   f'fill="{HISTOGRAM}"/>'
                   + (f'<text x="{x + step / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{short(count)}</text>'
                      if count else "") + "</g>")
    for index, edge in enumerate(edges):
        x = left + index * step
        out.append(f'<text class="tick" x="{x:.1f}" y="{top + plot + 16}" text-anchor="middle">{escape(edge)}</text>')
    out.append(f'<text x="{left + (WIDTH - left) / 2:.1f}" y="{height - 6}" text-anchor="middle">words in a file</text>')
    out.append("</svg>")
    return "".join(out)


def _decades(low: float, high: float) -> list[int]:
    """The powers of ten from the one at or below `low` to the one at or above `high`."""
    first = math.floor(math.log10(max(low, 1)))
    last = max(math.ceil(math.log10(max(high, 1))), first + 1)
    return [10**power for power in range(first, last + 1)]


def loglog(points: Sequence[tuple[int, int]], title: str, x_name: str, y_name: str) -> str:
    """Points (x, y), each at least 1, on log-log axes with a tick at each power of ten, and a
    dashed guide through the first point falling as 1/x (Zipf's law: the word of rank r is found
    1/r as often as the most frequent one)."""
    height, top, bottom, left, right = 360, 14, 44, 60, 16
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    xs, ys = _decades(1, max(x for x, _ in points)), _decades(min(y for _, y in points), max(y for _, y in points))

    def place(x: float, y: float) -> tuple[float, float]:
        """Where the point (x, y) lies on the page, in pixels."""
        fx = (math.log10(x) - math.log10(xs[0])) / (math.log10(xs[-1]) - math.log10(xs[0]))
        fy = (math.log10(y) - math.log10(ys[0])) / (math.log10(ys[-1]) - math.log10(ys[0]))
        return left + fx * plot_w, top + plot_h - fy * plot_h

    out = [_open(WIDTH, height, title, "loglog")]
    for tick in xs:
        x, _ = place(tick, ys[0])
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{GUIDE}" stroke-opacity=".3"/>'
                   f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{short(tick)}</text>')
    for tick in ys:
        _, y = place(xs[0], tick)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GUIDE}" stroke-opacity=".3"/>'
                   f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{short(tick)}</text>')
    first_x, first_y = points[0]
    guide_end = min(xs[-1], first_x * first_y / ys[0])  # where the 1/x line leaves the plot
    (gx1, gy1), (gx2, gy2) = place(first_x, first_y), place(guide_end, first_x * first_y / guide_end)
    out.append(f'<line class="zipf" x1="{gx1:.1f}" y1="{gy1:.1f}" x2="{gx2:.1f}" y2="{gy2:.1f}" stroke="{GUIDE}" '
               f'stroke-dasharray="5 4"><title>Zipf: count falls as 1/rank</title></line>')
    for x, y in points:
        px, py = place(x, y)
        out.append(f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{CURVE}">'
                   f'<title>{x_name} {x:,}: {y:,}</title></circle>')
    out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">{escape(x_name)}</text>'
               f'<text x="14" y="{top + plot_h / 2:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + plot_h / 2:.1f})">{escape(y_name)}</text></svg>')
    return "".join(out)

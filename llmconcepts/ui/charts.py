"""Small line charts drawn with plain characters, for calculator curves.

A :class:`~llmconcepts.calculators.base.Chart` becomes a :class:`rich.text.Text`
block: a y axis with three labels, one character per plotted column, a vertical
bar at the chart's marker (the current input) and a legend. Each series has its
own plotting character (``*``, ``-``, ``+``, ``o``), so the chart reads the same
without colour (``NO_COLOR``); colour only adds emphasis.
"""

from __future__ import annotations

import math
import textwrap
from bisect import bisect_left
from collections.abc import Sequence

from rich.text import Text

from llmconcepts.calculators.base import Chart, format_bytes, format_number

SERIES_GLYPHS = ("*", "-", "+", "o", "x")
SERIES_STYLES = ("bold cyan", "yellow", "magenta", "green", "red")
MARKER_GLYPH = "|"
PLOT_ROWS = 10


def format_axis_value(value: float, unit: str) -> str:
    """Short axis label: sizes for bytes, 3 significant digits otherwise."""
    if unit == "bytes":
        return format_bytes(value).replace(".00 ", " ")
    if value == 0:
        return "0"
    if abs(value) >= 1e6 or abs(value) < 1e-2:
        return f"{value:.3g}"
    return format_number(round(value, 3 - int(math.floor(math.log10(abs(value)))) - 1))


def _interpolate(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    """Piecewise-linear y at x (xs ascending); clamps outside the range."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect_left(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


def _column_xs(chart: Chart, columns: int) -> list[float]:
    lo, hi = chart.x[0], chart.x[-1]
    if chart.x_scale == "log" and lo > 0:
        lo_log, hi_log = math.log10(lo), math.log10(hi)
        return [10 ** (lo_log + (hi_log - lo_log) * c / (columns - 1)) for c in range(columns)]
    return [lo + (hi - lo) * c / (columns - 1) for c in range(columns)]


def render_chart(chart: Chart, width: int) -> Text:
    """The chart as a Text block at most ``width`` characters wide (minimum useful: 40).

    The title, the x-axis name (when it does not fit under the axis) and the legend
    are wrapped to ``width``: a legend entry never breaks, entries go on as many
    lines as they need.

    Args:
        chart: x ascending, every series the same length as x.
        width: available columns (the console width).
    """
    values = [y for ys in chart.series.values() for y in ys]
    y_min, y_max = min(values), max(values)
    if 0 <= y_min <= 0.3 * y_max:  # near zero anyway: start at zero so heights compare honestly
        y_min = 0.0
    if y_max == y_min:
        y_max = y_min + 1.0
    labels = [format_axis_value(v, chart.y_unit) for v in (y_max, (y_max + y_min) / 2, y_min)]
    label_width = max(len(s) for s in labels)
    columns = max(10, min(64, width - label_width - 3))
    xs = _column_xs(chart, columns)
    grid = [[" "] * columns for _ in range(PLOT_ROWS)]
    styles: list[list[str | None]] = [[None] * columns for _ in range(PLOT_ROWS)]

    def row_of(y: float) -> int:
        return round((y_max - y) / (y_max - y_min) * (PLOT_ROWS - 1))

    marker_column = None
    if chart.marker_x is not None and chart.x[0] <= chart.marker_x <= chart.x[-1]:
        marker_column = min(range(columns), key=lambda c: abs(xs[c] - chart.marker_x))
        for r in range(PLOT_ROWS):
            grid[r][marker_column] = MARKER_GLYPH
    for index, ys in enumerate(chart.series.values()):
        glyph, style = SERIES_GLYPHS[index % len(SERIES_GLYPHS)], SERIES_STYLES[index % len(SERIES_STYLES)]
        for c, x in enumerate(xs):
            r = row_of(_interpolate(chart.x, ys, x))
            grid[r][c], styles[r][c] = glyph, style

    text = Text("\n".join(_wrap(chart.title, width)) + "\n", style="bold")
    label_rows = {0: labels[0], (PLOT_ROWS - 1) // 2: labels[1], PLOT_ROWS - 1: labels[2]}
    for r in range(PLOT_ROWS):
        text.append(label_rows.get(r, "").rjust(label_width) + (" +" if r in label_rows else " |"))
        last = max((c for c in range(columns) if grid[r][c] != " "), default=-1)  # no trailing blanks
        for c in range(last + 1):
            text.append(grid[r][c], style=styles[r][c] or ("dim" if grid[r][c] == MARKER_GLYPH else None))
        text.append("\n")
    left = format_axis_value(chart.x[0], "")
    right = format_axis_value(chart.x[-1], "")
    middle = chart.x_label
    gap = columns - len(left) - len(right)
    axis = left + (middle.center(gap) if gap >= len(middle) + 2 else " " * max(gap, 1)) + right
    indent = " " * (label_width + 2)
    text.append(indent + axis + "\n")
    if gap < len(middle) + 2:
        for index, line in enumerate(_wrap(middle, width - len(indent) - 3)):
            text.append(indent + ("x: " if index == 0 else "   ") + line + "\n")
    entries = [(SERIES_GLYPHS[i % len(SERIES_GLYPHS)], SERIES_STYLES[i % len(SERIES_STYLES)], name)
               for i, name in enumerate(chart.series)]
    if marker_column is not None:  # the exact value (4,096), not an axis label rounded to 3 digits
        entries.append((MARKER_GLYPH, "dim", f"at {format_number(chart.marker_x)}"))
    text.append_text(_legend(entries, indent, width))
    return text


LEGEND_GAP = "   "


def _legend(entries: Sequence[tuple[str, str, str]], indent: str, width: int) -> Text:
    """``glyph name`` entries three spaces apart, a new line (under ``indent``) whenever
    the next entry would pass ``width``; one entry wider than the space has a line to itself."""
    legend, used = Text(indent), len(indent)
    for glyph, style, name in entries:
        entry_width = len(glyph) + 1 + len(name)
        if used > len(indent):
            if used + len(LEGEND_GAP) + entry_width > width:
                legend.append("\n" + indent)
                used = len(indent)
            else:
                legend.append(LEGEND_GAP)
                used += len(LEGEND_GAP)
        legend.append(glyph, style=style)
        legend.append(f" {name}")
        used += entry_width
    return legend


def _wrap(line: str, width: int) -> list[str]:
    """``line`` in lines of at most ``width`` characters, broken between words (a single
    word longer than that is cut; nothing is dropped)."""
    return textwrap.wrap(line, max(width, 10), break_on_hyphens=False) or [""]

"""The geometry of the charts the statistics draw on the server as plain SVG (templates
``gradebook/_chart_bars.html`` and ``_chart_stacked.html``): no script, no style sheet, so that they
pass the strict CSP and print. Coordinates are strings, formatted here: a template would localise a
number ("12,5") and break the SVG."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# A narrow drawing, so that its 12-unit text stays readable when a 375-px phone scales it down.
WIDTH = 480
LABEL_WIDTH = 120
VALUE_WIDTH = 56
PLOT_X = LABEL_WIDTH + 8
PLOT_WIDTH = WIDTH - PLOT_X - VALUE_WIDTH
ROW = 24
BAR = 16
TOP = 24
AXIS = 20
LEGEND_LINE = 18
MAX_LABEL = 16
CHAR = 7  # about the advance of a character of 12-unit text, to lay the legend out
# Marks in the colours of the diary's mark chips (ediary.css); the table beside a chart holds the numbers.
MARK_FILLS = {"5": "#2e7d32", "4": "#1565c0", "3": "#c77c02", "2": "#c62828", "н/а": "#6d4c41", "осв": "#90a4ae"}
OTHER_FILL = "#cfd8dc"
BAR_FILL = "#1565c0"


def _n(value: float) -> str:
    return f"{value:.1f}"


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    shown: str
    y: str
    text_y: str
    width: str
    value_x: str


@dataclass(frozen=True)
class Tick:
    x: str
    text: str


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    ticks: list[Tick]
    height: str
    axis_y: str
    tick_text_y: str
    reference_x: str
    width: str = str(WIDTH)
    label_x: str = str(LABEL_WIDTH)
    plot_x: str = str(PLOT_X)
    bar_height: str = str(BAR)
    fill: str = BAR_FILL


def bar_chart(items: list[tuple[str, Decimal | None, str]], *, reference: int = 100) -> BarChart:
    """Horizontal bars of percentages, (label, value, value as shown): the scale runs to 100 % or, when a
    value passes it, to the next 50 above; a line marks 100 %."""
    top = max([reference, *(float(value) for _label, value, _shown in items if value is not None)])
    scale = reference if top <= reference else 50 * -(-top // 50)
    bars = []
    for index, (label, value, shown) in enumerate(items):
        y = TOP + index * ROW
        width = 0.0 if value is None else PLOT_WIDTH * float(value) / scale
        bars.append(
            Bar(
                label=label,
                short_label=_short(label),
                shown=shown,
                y=_n(y + (ROW - BAR) / 2),
                text_y=_n(y + ROW / 2 + 4),
                width=_n(width),
                value_x=_n(PLOT_X + width + 4),
            )
        )
    axis_y = TOP + len(items) * ROW
    ticks = [Tick(x=_n(PLOT_X + PLOT_WIDTH * step / scale), text=f"{step} %") for step in range(0, int(scale) + 1, 50)]
    return BarChart(
        bars=bars,
        ticks=ticks,
        height=_n(axis_y + AXIS),
        axis_y=_n(axis_y),
        tick_text_y=_n(axis_y + 14),
        reference_x=_n(PLOT_X + PLOT_WIDTH * reference / scale),
    )


@dataclass(frozen=True)
class Segment:
    x: str
    width: str
    fill: str
    title: str


@dataclass(frozen=True)
class StackedRow:
    label: str
    short_label: str
    y: str
    text_y: str
    segments: list[Segment]
    total: int


@dataclass(frozen=True)
class LegendItem:
    x: str
    y: str
    text_x: str
    text_y: str
    fill: str
    label: str


@dataclass(frozen=True)
class StackedChart:
    rows: list[StackedRow]
    legend: list[LegendItem]
    height: str
    width: str = str(WIDTH)
    label_x: str = str(LABEL_WIDTH)
    bar_height: str = str(BAR)
    value_x: str = str(PLOT_X + PLOT_WIDTH + 4)


def stacked_chart(items: list[tuple[str, list[int]]], series: list[tuple[str, str]]) -> StackedChart:
    """One bar a row, its segments the shares of ``series`` ((label, fill) in the order of the counts),
    the whole bar 100 % of the row's count; a legend on top, on as many lines as it needs."""
    legend, x, line = [], 0, 0
    for label, fill in series:
        advance = 14 + CHAR * len(label) + 12
        if x and x + advance > WIDTH:
            x, line = 0, line + 1
        y = 4 + line * LEGEND_LINE
        legend.append(LegendItem(x=_n(x), y=_n(y), text_x=_n(x + 14), text_y=_n(y + 9), fill=fill, label=label))
        x += advance
    top = TOP + line * LEGEND_LINE
    rows = []
    for index, (label, counts) in enumerate(items):
        y = top + index * ROW
        total = sum(counts)
        x = float(PLOT_X)
        segments = []
        for (name, fill), count in zip(series, counts, strict=True):
            if not count:
                continue
            width = PLOT_WIDTH * count / total
            segments.append(Segment(x=_n(x), width=_n(width), fill=fill, title=f"{name}: {count}"))
            x += width
        rows.append(
            StackedRow(
                label=label,
                short_label=_short(label),
                y=_n(y + (ROW - BAR) / 2),
                text_y=_n(y + ROW / 2 + 4),
                segments=segments,
                total=total,
            )
        )
    return StackedChart(rows=rows, legend=legend, height=_n(top + len(items) * ROW + 8))

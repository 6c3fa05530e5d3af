"""Geometry of the report charts, drawn as inline SVG by our own templates (no CDN, no
JavaScript). Every bar carries its value in a ``<title>`` and the same numbers are in the
tables under the charts, so the charts are readable without sight as well."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.formats import date_format, number_format

WIDTH = 720
PLOT_LEFT = 44
# room for a value label of the vertical axis (11 px text): per digit, and the gap to the plot
DIGIT_WIDTH = 7
LABEL_GAP = 8
PLOT_RIGHT = 12
PLOT_TOP = 12
PLOT_BOTTOM = 36
MAX_X_LABELS = 12


def nice_ceiling(value: float) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exponent:
            return int(step * exponent) if step * exponent >= 1 else 1
    return int(10 * exponent)


def ticks(maximum: int, most: int = 5) -> list[int]:
    """Round grid values from 0 to ``maximum`` (a ``nice_ceiling``), at most ``most`` steps."""
    step = 1
    while maximum / step > most or maximum % step:
        step += 1
    return list(range(0, maximum + 1, step))


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    css_class: str


@dataclass
class AxisLabel:
    x: float
    y: float
    text: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    x_labels: list[AxisLabel] = field(default_factory=list)
    y_labels: list[AxisLabel] = field(default_factory=list)
    grid: list[float] = field(default_factory=list)
    plot_left: float = PLOT_LEFT
    plot_right: float = WIDTH - PLOT_RIGHT
    plot_bottom: float = 0


def bucket_label(day, granularity: str) -> str:
    if granularity == "month":
        return date_format(day, "M Y")
    return date_format(day, "j M")


def count_label(value: int) -> str:
    """A count as people read it: "100,000" (in the active language's grouping)."""
    return number_format(value, force_grouping=True)


def time_chart(buckets, granularity: str, opened_label: str, closed_label: str) -> Chart:
    """Opened and closed tickets per bucket, as pairs of vertical bars."""
    height = 240
    plot_bottom = height - PLOT_BOTTOM
    plot_height = plot_bottom - PLOT_TOP
    maximum = nice_ceiling(max([max(b.opened, b.closed) for b in buckets] or [0]))
    # the longest value label (the maximum) fits left of the plot
    plot_left = max(PLOT_LEFT, LABEL_GAP + DIGIT_WIDTH * len(count_label(maximum)))
    chart = Chart(WIDTH, height, plot_left=plot_left, plot_bottom=plot_bottom)
    slot = (chart.plot_right - chart.plot_left) / max(len(buckets), 1)
    bar_width = max(min(slot * 0.38, 24), 1)
    every = max(1, math.ceil(len(buckets) / MAX_X_LABELS))
    for tick in ticks(maximum):
        y = plot_bottom - plot_height * tick / maximum
        chart.grid.append(round(y, 1))
        chart.y_labels.append(AxisLabel(chart.plot_left - 6, round(y + 4, 1), count_label(tick)))
    for index, bucket in enumerate(buckets):
        centre = chart.plot_left + slot * (index + 0.5)
        text = bucket_label(bucket.day, granularity)
        for offset, value, name, css in (
            (-bar_width, bucket.opened, opened_label, "wt-chart__bar--opened"),
            (0, bucket.closed, closed_label, "wt-chart__bar--closed"),
        ):
            bar_height = plot_height * value / maximum
            chart.bars.append(
                Bar(
                    round(centre + offset, 1),
                    round(plot_bottom - bar_height, 1),
                    round(bar_width, 1),
                    round(bar_height, 1),
                    value,
                    f"{text}: {count_label(value)} {name}",
                    css,
                )
            )
        if index % every == 0:
            chart.x_labels.append(AxisLabel(round(centre, 1), plot_bottom + 18, text))
    return chart


def agent_chart(agents, open_label: str, closed_label: str, limit: int = 15) -> Chart:
    """Per agent, horizontal bars: open assigned tickets and tickets closed in the period."""
    shown = list(agents)[:limit]
    row_height = 34
    name_width = 160
    height = PLOT_TOP + row_height * max(len(shown), 1) + PLOT_BOTTOM
    chart = Chart(WIDTH, height, plot_left=name_width, plot_bottom=height - PLOT_BOTTOM)
    maximum = nice_ceiling(max([max(a.open_assigned, a.closed) for a in shown] or [0]))
    plot_width = chart.plot_right - chart.plot_left
    for tick in ticks(maximum):
        x = chart.plot_left + plot_width * tick / maximum
        chart.grid.append(round(x, 1))
        chart.x_labels.append(AxisLabel(round(x, 1), chart.plot_bottom + 18, count_label(tick)))
    for index, agent in enumerate(shown):
        top = PLOT_TOP + row_height * index
        name = agent.name if len(agent.name) <= 22 else agent.name[:21] + "…"
        chart.y_labels.append(AxisLabel(chart.plot_left - 8, top + row_height / 2 + 4, name))
        for offset, value, label, css in (
            (4, agent.open_assigned, open_label, "wt-chart__bar--open"),
            (17, agent.closed, closed_label, "wt-chart__bar--closed"),
        ):
            chart.bars.append(
                Bar(
                    chart.plot_left,
                    top + offset,
                    round(plot_width * value / maximum, 1),
                    12,
                    value,
                    f"{agent.name}: {count_label(value)} {label}",
                    css,
                )
            )
    return chart

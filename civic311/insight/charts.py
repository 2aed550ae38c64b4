"""Server-rendered SVG line charts (no chart library, no script): the geometry of a time
series chart as plain numbers the template draws."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 36


@dataclass(frozen=True)
class Line:
    label: str
    points: str  # "x,y x,y ..." for <polyline points>
    css_class: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    lines: list[Line]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int


def nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 × a power of ten) giving about `ticks` intervals up to `top`."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def _format(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def line_chart(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None], str]]) -> LineChart:
    """A chart of one or more series over the same x positions; None values break nothing
    (drawn as zero would lie, so they are skipped)."""
    n = len(x_labels)
    values = [v for _, ys, _ in series for v in ys if v is not None]
    step = nice_step(max(values, default=0.0))
    top = step * max(1, math.ceil(max(values, default=0.0) / step))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_at(i: int) -> float:
        return LEFT + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    lines = [
        Line(label=label, css_class=css,
             points=" ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(ys) if v is not None))
        for label, ys, css in series
    ]
    y_ticks = [Tick(position=y_at(k * step), label=_format(k * step)) for k in range(round(top / step) + 1)]
    every = max(1, math.ceil(n / 8))
    x_ticks = [Tick(position=x_at(i), label=x_labels[i]) for i in range(0, n, every)]
    return LineChart(width=WIDTH, height=HEIGHT, lines=lines, y_ticks=y_ticks, x_ticks=x_ticks,
                     plot_left=LEFT, plot_right=WIDTH - RIGHT, plot_top=TOP, plot_bottom=HEIGHT - BOTTOM)

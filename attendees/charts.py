"""Plots drawn on the server as inline SVG: stacked bars and lines, readable without JavaScript or any service.

Each plot has a <title> and a <desc> it is labelled by, a tooltip (<title>) on every bar and line, and numbers in
the active language; the page puts a table with the same numbers under it, which is what screen readers read.
"""

import dataclasses
import math
from collections.abc import Sequence

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
# Phones get a plot of their own, as narrow as their screen, so its text stays as large as the page's.
NARROW = 360
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 14, 58
# Past this many categories, every label would collide with its neighbours: one in so many is written.
MAX_LABELS = 12


@dataclasses.dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int | None]  # None: nothing to draw there (e.g. no-shows of an event still to come)
    color: str
    dashed: bool = False
    bold: bool = False


def number(value) -> str:
    """A whole number in the active language's format, grouped by thousands (1,234 / 1 234)."""
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def nice_scale(highest: float, *, steps: int = 4) -> tuple[int, int]:
    """(top, step): a round axis top at or above `highest` split into at most `steps` round whole steps."""
    if highest <= 0:
        return 1, 1
    raw = highest / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(1, math.ceil(step))
    return step * math.ceil(highest / step), step


def _frame(*, chart_id: str, title: str, description: str, body: SafeString, width: int) -> SafeString:
    return format_html(
        '<svg class="chart" id="{id}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        id=chart_id,
        w=width,
        h=HEIGHT,
        title=title,
        desc=description,
        body=body,
    )


def _y_axis(*, top: int, step: int, width: int) -> tuple[SafeString, callable]:
    """Grid lines with their labels, and the function placing a value on the plot's height."""
    plot_height = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_height * (1 - value / top)

    lines = []
    for tick in range(0, top + 1, step):
        lines.append(
            format_html(
                '<line class="chart__grid" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}"/>'
                '<text class="chart__tick" x="{tx}" y="{ty}" text-anchor="end">{label}</text>',
                x1=LEFT,
                x2=width - RIGHT,
                y=f"{y(tick):.1f}",
                tx=LEFT - 6,
                ty=f"{y(tick) + 4:.1f}",
                label=number(tick),
            )
        )
    return mark_safe("".join(lines)), y


def _x_labels(labels: Sequence[str], centres: Sequence[float], *, width: int) -> SafeString:
    most = max(4, MAX_LABELS * width // WIDTH)
    every = max(1, math.ceil(len(labels) / most))
    slanted = len(labels) > most // 2
    base = HEIGHT - BOTTOM + 16
    parts = []
    for index, (label, x) in enumerate(zip(labels, centres, strict=True)):
        if index % every:
            continue
        if slanted:
            parts.append(
                format_html(
                    '<text class="chart__label" x="{x}" y="{y}" text-anchor="end" '
                    'transform="rotate(-30 {x} {y})">{label}</text>',
                    x=f"{x:.1f}",
                    y=base,
                    label=label,
                )
            )
        else:
            parts.append(
                format_html(
                    '<text class="chart__label" x="{x}" y="{y}" text-anchor="middle">{label}</text>',
                    x=f"{x:.1f}",
                    y=base,
                    label=label,
                )
            )
    return mark_safe("".join(parts))


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    width: int = WIDTH,
) -> SafeString:
    """One bar per label, the series stacked bottom up in their order; each piece's tooltip names its value."""
    count = len(labels)
    totals = [sum(s.values[i] or 0 for s in series) for i in range(count)]
    top, step = nice_scale(max(totals, default=0))
    grid, y = _y_axis(top=top, step=step, width=width)
    band = (width - LEFT - RIGHT) / max(count, 1)
    bar = min(band * 0.7, 56)
    centres = [LEFT + band * (i + 0.5) for i in range(count)]
    bars = []
    for index, centre in enumerate(centres):
        base = 0
        pieces = []
        for s in series:
            value = s.values[index]
            if not value:
                continue
            pieces.append(
                format_html(
                    '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{color}"><title>{tip}</title></rect>',
                    x=f"{centre - bar / 2:.1f}",
                    y=f"{y(base + value):.1f}",
                    w=f"{bar:.1f}",
                    h=f"{y(base) - y(base + value):.1f}",
                    color=s.color,
                    tip=f"{labels[index]} · {s.name}: {number(value)}",
                )
            )
            base += value
        bars.append(format_html('<g class="chart__bar">{}</g>', mark_safe("".join(pieces))))
    body = format_html(
        '{grid}<line class="chart__axis" x1="{x1}" x2="{x2}" y1="{y0}" y2="{y0}"/>{bars}{labels}',
        grid=grid,
        x1=LEFT,
        x2=width - RIGHT,
        y0=f"{y(0):.1f}",
        bars=mark_safe("".join(bars)),
        labels=_x_labels(labels, centres, width=width),
    )
    return _frame(chart_id=chart_id, title=title, description=description, body=body, width=width)


def lines(
    *,
    chart_id: str,
    title: str,
    description: str,
    x_values: Sequence[int],
    x_label: str,
    x_ticks: Sequence[int],
    series: Sequence[Series],
    width: int = WIDTH,
) -> SafeString:
    """One line per series over `x_values` (left to right as given), stopping at its last value that is not None,
    with a dot there."""
    highest = max((v or 0 for s in series for v in s.values), default=0)
    top, step = nice_scale(highest)
    grid, y = _y_axis(top=top, step=step, width=width)
    span = max(len(x_values) - 1, 1)

    def x(index: int) -> float:
        return LEFT + (width - LEFT - RIGHT) * index / span

    paths = []
    for s in series:
        drawn = [(i, v) for i, v in enumerate(s.values) if v is not None]
        if not drawn:
            continue
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in drawn)
        last, last_value = drawn[-1]
        paths.append(
            format_html(
                '<g class="chart__line"><title>{tip}</title>'
                '<polyline points="{points}" fill="none" stroke="{color}" stroke-width="{width}" '
                'stroke-linejoin="round"{dash}/>'
                '<circle cx="{cx}" cy="{cy}" r="{r}" fill="{color}"/></g>',
                tip=f"{s.name}: {number(last_value)}",
                points=points,
                color=s.color,
                width=3.5 if s.bold else 2,
                dash=mark_safe(' stroke-dasharray="6 4"') if s.dashed else "",
                cx=f"{x(last):.1f}",
                cy=f"{y(last_value):.1f}",
                r=5 if s.bold else 3.5,
            )
        )
    index_of = {value: i for i, value in enumerate(x_values)}
    ticks = format_html_join(
        "",
        '<text class="chart__label" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((f"{x(index_of[t]):.1f}", HEIGHT - BOTTOM + 18, number(t)) for t in x_ticks if t in index_of),
    )
    body = format_html(
        '{grid}<line class="chart__axis" x1="{x1}" x2="{x2}" y1="{y0}" y2="{y0}"/>{paths}{ticks}'
        '<text class="chart__axis-title" x="{cx}" y="{ty}" text-anchor="middle">{x_label}</text>',
        grid=grid,
        x1=LEFT,
        x2=width - RIGHT,
        y0=f"{y(0):.1f}",
        paths=mark_safe("".join(paths)),
        ticks=ticks,
        cx=(LEFT + width - RIGHT) / 2,
        ty=HEIGHT - 12,
        x_label=x_label,
    )
    return _frame(chart_id=chart_id, title=title, description=description, body=body, width=width)

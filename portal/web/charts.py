"""Geometry for the server-rendered SVG charts of the match pages (templates/matches/_charts.html).

Only coordinates are computed here; the templates draw them with classes that
static/css/matches.css styles, so the charts follow the theme and need no inline style or script.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

RADIUS = 110
LABEL_GAP = 14
LINE_LENGTH = 16  # characters per label line before wrapping


@dataclass(frozen=True)
class Axis:
    x: float
    y: float
    label_x: float
    label_y: float
    anchor: str  # start, middle or end
    lines: tuple[str, ...]
    first_dy: str  # the first line's shift, so labels above the chart grow upwards


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    points: str
    dots: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Radar:
    view_box: str
    rings: tuple[tuple[int, str], ...]  # (level, polygon points)
    axes: tuple[Axis, ...]
    series: tuple[Series, ...]


def _point(index: int, count: int, radius: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return round(radius * math.cos(angle), 1), round(radius * math.sin(angle), 1)


def _points(values: Sequence[float], maximum: float) -> tuple[tuple[float, float], ...]:
    count = len(values)
    return tuple(
        _point(i, count, RADIUS * max(0.0, min(value, maximum)) / maximum)
        for i, value in enumerate(values)
    )


def _wrapped(label: str) -> tuple[str, ...]:
    """A label in at most two lines, broken at a space."""
    if len(label) <= LINE_LENGTH or " " not in label:
        return (label,)
    words = label.split(" ")
    best = min(
        range(1, len(words)),
        key=lambda cut: abs(len(" ".join(words[:cut])) - len(" ".join(words[cut:]))),
    )
    return (" ".join(words[:best]), " ".join(words[best:]))


def radar(
    labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], maximum: int = 5
) -> Radar:
    """A radar of `labels` (one axis each, clockwise from the top) with one polygon per
    `(name, css_class, values)` series, levels 0..`maximum`."""
    count = max(len(labels), 1)
    axes = []
    for index, label in enumerate(labels):
        x, y = _point(index, count, RADIUS)
        label_x, label_y = _point(index, count, RADIUS + LABEL_GAP)
        anchor = "middle" if abs(label_x) < 1 else ("start" if label_x > 0 else "end")
        lines = _wrapped(label)
        if label_y < -RADIUS / 2:
            first_dy = f"{-1.1 * (len(lines) - 1):.2f}em"
        elif label_y > RADIUS / 2:
            first_dy = "0.8em"
        else:
            first_dy = f"{0.35 - 0.55 * (len(lines) - 1):.2f}em"
        axes.append(Axis(x, y, label_x, label_y, anchor, lines, first_dy))
    rings = tuple(
        (level, " ".join(f"{x},{y}" for x, y in _points([level] * count, maximum)))
        for level in range(1, maximum + 1)
    )
    drawn = []
    for name, css_class, values in series:
        dots = _points(values, maximum) if values else ()
        drawn.append(Series(name, css_class, " ".join(f"{x},{y}" for x, y in dots), dots))
    width = 2 * (RADIUS + LABEL_GAP + 120)
    height = 2 * (RADIUS + LABEL_GAP + 30)
    return Radar(
        view_box=f"{-width // 2} {-height // 2} {width} {height}",
        rings=rings,
        axes=tuple(axes),
        series=tuple(drawn),
    )

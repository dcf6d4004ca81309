"""The class report's plots, as SVG ``data:`` URIs to embed in a self-contained page.

Each plot is a few dozen rectangles, lines and labels, so it is written here as SVG text
rather than drawn with matplotlib: importing matplotlib and rendering three PNGs cost about
0.7 s of every grading run, and the vector image stays sharp when the page is zoomed or
printed. An SVG shown through ``<img>`` runs no script and loads nothing (the page's
Content-Security-Policy allows ``data:`` images only). Only instructor-chosen text (exercise
names) and numbers reach a plot, XML-escaped; student ids never do.
"""
from __future__ import annotations

import base64
import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

BLUE, GREEN, GREY, RED, INK = "#2f6db5", "#1a7f37", "#8c959f", "#b42318", "#24292f"
FONT = "font-family='DejaVu Sans, Helvetica, Arial, sans-serif'"


def nice_ticks(high: float, most: int = 6, integer: bool = False) -> list[float]:
    """Evenly spaced ticks from 0 to at least ``high``, at 1, 2 or 5 times a power of ten
    (whole numbers only when ``integer``), at most ``most`` + 1 of them."""
    high = high if high > 0 else 1.0
    raw = high / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if integer:
        step = max(1, math.ceil(step))
    count = math.ceil(high / step - 1e-9)
    return [round(i * step, 10) for i in range(count + 1)]


def _label(value: float) -> str:
    return f"{value:g}"


@dataclass
class _Svg:
    """An image of ``width`` x ``height`` pixels, built element by element."""

    width: int
    height: int
    parts: list[str] = field(default_factory=list)

    def rect(self, x: float, y: float, w: float, h: float, color: str) -> None:
        if w > 0 and h > 0:
            self.parts.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='{w:.1f}' height='{h:.1f}' fill='{color}'/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, color: str = INK, dash: str = "", width: float = 1) -> None:
        dashes = f" stroke-dasharray='{dash}'" if dash else ""
        self.parts.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='{color}' "
                          f"stroke-width='{width}'{dashes}/>")

    def text(self, x: float, y: float, words: str, anchor: str = "middle", size: int = 11, rotate: bool = False) -> None:
        turn = f" transform='rotate(-90 {x:.1f} {y:.1f})'" if rotate else ""
        self.parts.append(f"<text x='{x:.1f}' y='{y:.1f}' text-anchor='{anchor}' font-size='{size}' fill='{INK}'"
                          f"{turn}>{escape(words)}</text>")

    def legend(self, x: float, y: float, entries: list[tuple[str, str, str]]) -> None:
        """Entries (label, color, "bar" or a dash pattern), side by side from (x, y)."""
        for words, color, mark in entries:
            if mark == "bar":
                self.rect(x, y - 8, 14, 9, color)
            else:
                self.line(x, y - 4, x + 14, y - 4, color, mark, width=2)
            self.text(x + 19, y, words, anchor="start")
            x += 19 + 6.4 * len(words) + 18

    def uri(self, title: str) -> str:
        svg = (f"<svg xmlns='http://www.w3.org/2000/svg' width='{self.width}' height='{self.height}' "
               f"viewBox='0 0 {self.width} {self.height}' {FONT}><title>{escape(title)}</title>"
               f"<rect width='100%' height='100%' fill='white'/>{''.join(self.parts)}</svg>")
        return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@dataclass
class _Frame:
    """The plotting area of an image, with the scales from data to pixels."""

    left: float
    top: float
    right: float
    bottom: float
    x_high: float
    y_high: float

    def x(self, value: float) -> float:
        return self.left + (self.right - self.left) * value / self.x_high

    def y(self, value: float) -> float:
        return self.bottom - (self.bottom - self.top) * value / self.y_high


def _histogram(svg: _Svg, frame: _Frame, counts: list[int], x_ticks: list[float], y_ticks: list[float],
               x_title: str, markers: list[tuple[str, float, str, str]]) -> None:
    width = (frame.right - frame.left) / len(counts)
    for tick in y_ticks:
        svg.line(frame.left, frame.y(tick), frame.right, frame.y(tick), "#eaeef2")
        svg.text(frame.left - 6, frame.y(tick) + 4, _label(tick), anchor="end")
    for i, count in enumerate(counts):  # a white gap between bars, like an edge colour
        svg.rect(frame.left + i * width + 0.5, frame.y(count), width - 1, frame.bottom - frame.y(count), BLUE)
    for tick in x_ticks:
        svg.line(frame.x(tick), frame.bottom, frame.x(tick), frame.bottom + 4)
        svg.text(frame.x(tick), frame.bottom + 16, _label(tick))
    svg.line(frame.left, frame.bottom, frame.right, frame.bottom)
    svg.line(frame.left, frame.top, frame.left, frame.bottom)
    for _, value, color, dash in markers:
        svg.line(frame.x(value), frame.top, frame.x(value), frame.bottom, color, dash, width=2)
    svg.text((frame.left + frame.right) / 2, svg.height - 8, x_title)
    svg.text(14, (frame.top + frame.bottom) / 2, "students", rotate=True)
    svg.legend(frame.left + 10, 16, [(words, color, dash) for words, _, color, dash in markers])


def _counts(values: list[float], bins: int, high: float) -> list[int]:
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(bins * value / high)))] += 1
    return counts


def score_histogram(fractions: list[float], mean: float, median: float) -> str:
    """The share of the points each student got, in 20 bins from 0 to 100 %."""
    counts = _counts([100 * f for f in fractions], 20, 100)
    y_ticks = nice_ticks(max(counts, default=1), 5, integer=True)
    svg = _Svg(700, 280)
    frame = _Frame(52, 30, 688, 238, 100, y_ticks[-1])
    _histogram(svg, frame, counts, list(range(0, 101, 20)), y_ticks, "score (% of the automatic points)",
               [(f"mean {100 * mean:.0f} %", 100 * mean, RED, "6 4"),
                (f"median {100 * median:.0f} %", 100 * median, GREEN, "2 3")])
    return svg.uri("score distribution")


def time_histogram(seconds: list[float], median: float, p95: float) -> str:
    """Wall-clock grading time per student (the worker's time, kernel start included)."""
    bins = min(30, max(5, len(seconds) // 5))
    longest = max(seconds, default=0)
    x_ticks = nice_ticks(longest * 1.02 if longest > 0 else 1, 8)
    counts = _counts(seconds, bins, x_ticks[-1])
    y_ticks = nice_ticks(max(counts, default=1), 5, integer=True)
    svg = _Svg(700, 260)
    frame = _Frame(52, 30, 688, 218, x_ticks[-1], y_ticks[-1])
    _histogram(svg, frame, counts, x_ticks, y_ticks, "seconds to grade one student",
               [(f"median {median:.1f} s", median, GREEN, "2 3"),
                (f"95th percentile {p95:.1f} s", p95, RED, "6 4")])
    return svg.uri("grading time")


def exercise_bars(names: list[str], mean: list[float], full: list[float], not_attempted: list[float]) -> str:
    """One group of horizontal bars per exercise (in the lab's order, top to bottom): the
    mean score, the share of full marks, the share not attempted, all as % of the class."""
    row = 30  # pixels per exercise: three bars of 8 and a gap
    left = min(280, 16 + 6.2 * max((len(n) for n in names), default=4))
    svg = _Svg(700, 70 + row * len(names))
    frame = _Frame(left, 30, 688, 30 + row * len(names), 100, len(names))
    for tick in range(0, 101, 20):
        svg.line(frame.x(tick), frame.top, frame.x(tick), frame.bottom, "#eaeef2")
        svg.line(frame.x(tick), frame.bottom, frame.x(tick), frame.bottom + 4)
        svg.text(frame.x(tick), frame.bottom + 16, str(tick))
    for i, name in enumerate(names):
        top = frame.top + i * row + 3
        for j, (values, color) in enumerate(((mean, BLUE), (full, GREEN), (not_attempted, GREY))):
            share = min(1.0, max(0.0, values[i]))
            svg.rect(frame.left, top + 8 * j, frame.x(100 * share) - frame.left, 7, color)
        svg.text(frame.left - 6, top + 16, name, anchor="end")
    svg.line(frame.left, frame.bottom, frame.right, frame.bottom)
    svg.line(frame.left, frame.top, frame.left, frame.bottom)
    svg.text((frame.left + frame.right) / 2, svg.height - 8, "% of the class")
    svg.legend(frame.left + 10, 16, [("mean score", BLUE, "bar"), ("full marks", GREEN, "bar"),
                                     ("not attempted", GREY, "bar")])
    return svg.uri("exercises")


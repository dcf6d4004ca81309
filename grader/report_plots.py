"""The class report's plots, as PNG ``data:`` URIs to embed in a self-contained page.

Matplotlib is imported inside each function (the grader's other commands never pay for
it) and drawn on the Agg canvas directly, without ``pyplot``: no global backend is chosen
and no figure is left registered. Only instructor-chosen text (exercise names) and numbers
reach a plot; student ids never do.
"""
from __future__ import annotations

import base64
import io

BLUE, GREEN, GREY, RED = "#2f6db5", "#1a7f37", "#8c959f", "#b42318"


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def score_histogram(fractions: list[float], mean: float, median: float) -> str:
    """The share of the points each student got, in 20 bins from 0 to 100 %."""
    fig = _figure(7, 2.8)
    ax = fig.subplots()
    ax.hist([100 * f for f in fractions], bins=20, range=(0, 100), color=BLUE, edgecolor="white")
    ax.axvline(100 * mean, color=RED, linestyle="--", label=f"mean {100 * mean:.0f} %")
    ax.axvline(100 * median, color=GREEN, linestyle=":", label=f"median {100 * median:.0f} %")
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (% of the automatic points)")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper center", frameon=False, ncols=2)
    return _data_uri(fig)


def exercise_bars(names: list[str], mean: list[float], full: list[float], not_attempted: list[float]) -> str:
    """One group of horizontal bars per exercise (in the lab's order, top to bottom): the
    mean score, the share of full marks, the share not attempted, all as % of the class."""
    import numpy as np

    fig = _figure(7, 0.8 + 0.32 * len(names))
    ax = fig.subplots()
    y = np.arange(len(names))
    h = 0.27
    ax.barh(y - h, [100 * v for v in mean], h, color=BLUE, label="mean score")
    ax.barh(y, [100 * v for v in full], h, color=GREEN, label="full marks")
    ax.barh(y + h, [100 * v for v in not_attempted], h, color=GREY, label="not attempted")
    ax.set_yticks(y, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of the class")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, ncols=3, fontsize=8)
    return _data_uri(fig)


def time_histogram(seconds: list[float], median: float, p95: float) -> str:
    """Wall-clock grading time per student (the worker's time, kernel start included)."""
    fig = _figure(7, 2.6)
    ax = fig.subplots()
    ax.hist(seconds, bins=min(30, max(5, len(seconds) // 5)), range=(0, max(seconds) * 1.02), color=BLUE,
            edgecolor="white")
    ax.axvline(median, color=GREEN, linestyle=":", label=f"median {median:.1f} s")
    ax.axvline(p95, color=RED, linestyle="--", label=f"95th percentile {p95:.1f} s")
    ax.set_xlim(left=0)
    ax.set_xlabel("seconds to grade one student")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False)
    return _data_uri(fig)

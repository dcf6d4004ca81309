"""The class report's plots: well-formed SVG that draws the numbers it is given, and holds
nothing that runs (test_report_browser shows them decoded in Chromium)."""
from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

import pytest

from grader import report_plots

NS = "{http://www.w3.org/2000/svg}"


def decoded(uri: str) -> ET.Element:
    head, data = uri.split(",", 1)
    assert head == "data:image/svg+xml;base64"
    return ET.fromstring(base64.b64decode(data))


def bars(svg: ET.Element) -> list[ET.Element]:
    return [r for r in svg.iter(f"{NS}rect") if r.get("fill") == report_plots.BLUE and r.get("width") != "14.0"]


def texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{NS}text")]


def test_the_score_histogram_draws_one_bar_per_filled_bin_and_heights_follow_the_counts():
    fractions = [0.0, 0.0, 0.0, 0.52, 1.0, 1.0]  # 3 in the first bin, 1 in the 11th, 2 in the last
    svg = decoded(report_plots.score_histogram(fractions, mean=0.42, median=0.26))
    drawn = sorted(bars(svg), key=lambda r: float(r.get("x")))
    assert len(drawn) == 3
    heights = [float(r.get("height")) for r in drawn]
    assert heights[0] == pytest.approx(3 * heights[1], rel=0.01) and heights[2] == pytest.approx(2 * heights[1], rel=0.01)
    assert float(drawn[0].get("x")) < float(drawn[1].get("x")) < float(drawn[2].get("x"))
    words = texts(svg)
    assert "mean 42 %" in words and "median 26 %" in words and "students" in words


def test_the_time_histogram_spans_the_longest_time():
    seconds = [0.5, 0.6, 0.7, 9.5]
    svg = decoded(report_plots.time_histogram(seconds, median=0.65, p95=9.5))
    assert sum(1 for _ in bars(svg)) == 2  # the three quick ones share a bin, the slow one has its own
    ticks = [float(t) for t in texts(svg) if t.replace(".", "", 1).isdigit()]
    assert max(ticks) >= 9.5


def test_exercise_names_are_text_not_markup():
    hostile = "<script>alert(1)</script>"
    uri = report_plots.exercise_bars(["sigmoid", hostile], [0.5, 1.0], [0.25, 1.0], [0.0, 0.0])
    svg = decoded(uri)
    assert hostile in texts(svg)  # shown as the words they are
    assert not list(svg.iter(f"{NS}script")) and b"<script" not in base64.b64decode(uri.split(",", 1)[1])
    mean_bars = [float(r.get("width")) for r in bars(svg)]
    assert mean_bars[1] == pytest.approx(2 * mean_bars[0], rel=0.01)


@pytest.mark.parametrize("values", [[], [0.0], [0.0, 0.0]])
def test_empty_or_zero_data_still_makes_an_image(values):
    for uri in (report_plots.score_histogram(values, 0.0, 0.0), report_plots.time_histogram(values, 0.0, 0.0),
                report_plots.exercise_bars([], [], [], [])):
        assert decoded(uri).get("width")


def test_ticks_are_round_numbers_that_cover_the_data():
    assert report_plots.nice_ticks(7, 5, integer=True) == [0, 2, 4, 6, 8]
    assert report_plots.nice_ticks(1, 5, integer=True) == [0, 1]
    assert report_plots.nice_ticks(94.8, 8)[-1] == 100
    assert report_plots.nice_ticks(0.3, 8)[-1] >= 0.3

"""``similarity.html`` in a real browser (headless Chromium): the top finding is open, its
two students' cells side by side, readable; a student's ``<script>`` stays text. A
screenshot is kept in ``$BROWSER_ARTIFACTS`` (default: the test's temporary folder)."""
from __future__ import annotations

import shutil

import nbformat
import pytest

from grader.course import load_lab, nbgrader_meta
from grader.similarity import write_similarity
from tests.class_fixture import COPIES, LAB, NOTEBOOK
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, artifacts, browser_page  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")]


def test_the_top_pair_is_side_by_side(graded_class, browser_page, artifacts, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    path = out / "nbgrader" / "submitted" / COPIES[0] / LAB / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "perceptron_output")
    cell.source += "\n# <script>document.title = 'pwned'</script>\n"
    nbformat.write(nb, path)
    report = write_similarity(load_lab(LAB, graded_class.course), out)
    top = report.findings[0]

    page = browser_page
    page.goto((out / "similarity.html").as_uri())
    page.screenshot(path=str(artifacts / "similarity.png"), full_page=False)
    assert page.title() != "pwned"
    first = page.locator("#f1")
    assert first.get_attribute("open") is not None
    panes = first.locator(".side").first.locator("pre")
    assert panes.count() == 2
    left, right = panes.nth(0), panes.nth(1)
    assert left.is_visible() and right.is_visible()
    a, b = left.bounding_box(), right.bounding_box()
    assert abs(a["y"] - b["y"]) < 2 and a["x"] + a["width"] <= b["x"]  # side by side, not stacked
    assert a["width"] > 300 and b["width"] > 300  # each half of the page, readable
    assert a["y"] < 1000  # on the first screen
    exercise = top.cells[0]
    assert left.inner_text().strip() == exercise.left.strip()
    assert right.inner_text().strip() == exercise.right.strip()
    heading = first.locator("summary").inner_text()
    assert top.student_a in heading and top.student_b in heading
    # the other findings are folded; the ranking table links to every one
    assert page.locator("table.rank tr").count() == len(report.findings) + 1

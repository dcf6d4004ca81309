"""The class report (``OUT/report.html``) in a real browser: headless Chromium opens the
report of the ``graded_class`` fixture from disk, every plot decodes (an ``<img>`` with a
natural width), the section headings are visible, the page's Content-Security-Policy is not
violated by the page itself, and a student's link opens that student's feedback page; and
the report of a 1,000-student copy of it keeps its first screen the same. Screenshots (the
top of each page and the full page) go to ``$BROWSER_ARTIFACTS``."""
from __future__ import annotations

import json
import shutil

import pytest

from grader.class_report import write_report
from tests.grader.test_class_report import scaled_class
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, artifacts, browser_page  # noqa: F401

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")]

HEADINGS = ["Class report", "Lab neural_networks", "Exercises", "Statuses", "Most frequent mistakes", "Grading time",
            "Intake problems"]


def test_the_class_report_in_chromium(graded_class, browser_page, artifacts, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    report = write_report(out, graded_class.course)
    page = browser_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(artifacts / "class-report-top.png"))
    page.screenshot(path=str(artifacts / "class-report-full.png"), full_page=True)

    plots = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.className, i.complete, i.naturalWidth])")
    assert len(plots) == 3, plots  # the scores, the exercises, the grading time
    assert all(cls == "plot" and complete and width > 0 for cls, complete, width in plots), plots
    for heading in HEADINGS:
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
    assert not [m for m in console if "Content Security Policy" in m], console

    page.click("a[href='feedback/hang.html']")
    page.wait_for_load_state("load")
    assert page.url.endswith("/feedback/hang.html")
    assert "hang" in page.title()


def test_a_thousand_students_in_chromium(graded_class, browser_page, artifacts, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    scaled_class(out, 1000)
    page = browser_page
    page.goto(write_report(out, graded_class.course).as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(artifacts / "class-report-1000-top.png"))
    page.screenshot(path=str(artifacts / "class-report-1000-full.png"), full_page=True)
    widths = page.eval_on_selector_all("img.plot", "imgs => imgs.map(i => i.naturalWidth)")
    assert len(widths) == 3 and min(widths) > 0
    for heading in HEADINGS:
        assert page.get_by_role("heading", name=heading, exact=True).is_visible(), heading
    # the 100 timed-out students are folded: their names are not on screen until unfolded
    late = next(row["student"] for row in json.loads((out / "grades.json").read_text()) if row["status"] == "timeout")
    link = page.locator(f"#statuses-neural_networks a[href='feedback/{late}.html']")
    assert link.count() == 1 and not link.is_visible()
    page.get_by_text("the 100 students timed out").click()
    assert link.is_visible()

"""Answers graded by hand, end to end: a class is graded for real, a TA grades the written
answers (in nbgrader's formgrader, a real server driven by headless Chromium, and through
nbgrader's gradebook API), ``grader export`` puts those grades in grades.csv and canvas.csv
next to the automatic points without grading anything again, and a regrade keeps the TA's
grade of an answer that did not change while an answer the student rewrote waits again.

One notebook with a written question (``neural_networks/03``) keeps it to seconds a student.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest

from grader.autograde import NEEDS_MANUAL
from grader.course import load_lab, nbgrader_meta
from grader.examples import filled_notebook
from tests.corpus.harness import small_course
from tests.grader.test_autograde import read_csv
from tests.test_browser import CHROMIUM

pytestmark = pytest.mark.slow

GRADER = str(Path(sys.executable).parent / "grader")
LAB, NOTEBOOK = "neural_networks", "03_nonlinearity_and_dense_layers"
# solution: every answer, the written one too; rewriter: the same, then rewrites the written
# answer before a regrade; waiting: a written answer no TA grades; untouched: as released
STUDENTS = ("solution", "rewriter", "waiting", "untouched")
WRITTEN = {  # the written answers handed in (the others keep the reference answer)
    "solution": "Two linear layers make one linear layer: W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2).",
    "waiting": "A stack of linear layers is one linear map, W2 (W1 x) = (W2 W1) x.",
}


def _write(lab, folder: Path, student: str, written: str | None = None) -> None:
    nb = filled_notebook(lab, NOTEBOOK, set() if student == "untouched" else None)
    if written is not None:
        for cell in nb.cells:
            if nbgrader_meta(cell).get("grade_id") == lab.manual_questions[0].name:
                cell.source = written
    (folder / student).mkdir(parents=True)
    nbformat.write(nb, folder / student / f"{NOTEBOOK}.ipynb")


def _grade(course: Path, subs: Path, out: Path, *extra: str) -> str:
    done = subprocess.run([GRADER, "autograde", LAB, str(subs), "--out", str(out), "--quiet", "--workers", "2",
                           "--cell-timeout", "30", *extra],
                          capture_output=True, text=True, cwd=course, timeout=900,
                          env={**os.environ, "GRADER_SECRET": "manual-grades"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("manual")
    course = small_course(root / "course", LAB, NOTEBOOK)
    lab = load_lab(LAB, course)
    assert len(lab.manual_questions) == 1, "this test expects one written question in the notebook"
    subs, out = root / "submissions", root / "out"
    for student in STUDENTS:
        _write(lab, subs, student, WRITTEN.get(student))
    _grade(course, subs, out)
    return lab, course, root, out


def _enter_in_the_formgrader(out: Path, lab, student: str, points: float, artifacts: Path) -> None:
    """A TA's grade typed into the formgrader's submission page: the page shows the student's
    written answer, its score box is flagged as waiting, and the score typed there is saved
    (the formgrader saves through its REST API when the box changes)."""
    from nbgrader.api import Gradebook
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM_ARGS, TOKEN, jupyterlab

    question = lab.manual_questions[0]
    db = out / "nbgrader" / "gradebook.db"
    with Gradebook(f"sqlite:///{db}") as gb:
        submission = gb.find_submission_notebook(question.notebook, lab.name, student).id
    answer = next(c.source for c in nbformat.read(out / "nbgrader" / "autograded" / student / lab.name
                                                  / f"{question.notebook}.ipynb", as_version=4).cells
                  if nbgrader_meta(c).get("grade_id") == question.name)
    with jupyterlab(out / "nbgrader", out / "nbgrader") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        # Log in first: the token in a page's address lets that page load, but the scripts'
        # calls to the formgrader's API need the login cookie (without it they are
        # redirected to the login page and the score box stays empty).
        page.goto(f"{url}/login?token={TOKEN}&next=" + quote(f"/formgrader/submissions/{submission}/", safe=""))
        box = page.locator(f"input.score#{question.name}")
        box.wait_for(timeout=90_000)
        page.wait_for_function(  # the page's scripts have loaded the grade into the box
            f"document.getElementById('{question.name}').classList.contains('needs_manual_grade')", timeout=60_000)
        assert answer.split(":")[0] in page.inner_text("body"), "the written answer is not on the page"
        box.fill(f"{points:g}")
        box.dispatch_event("change")
        with Gradebook(f"sqlite:///{db}") as gb:
            for _ in range(60):
                page.wait_for_timeout(500)
                gb.db.expire_all()
                if gb.find_grade(question.name, question.notebook, lab.name, student).manual_score is not None:
                    break
        page.screenshot(path=str(artifacts / "formgrader-manual-graded.png"))
        browser.close()


def test_ta_grades_reach_the_exports_without_grading_and_survive_a_regrade(graded, tmp_path):
    from nbgrader.api import Gradebook

    lab, course, root, out = graded
    question = lab.manual_questions[0]
    column = f"{question.name} (manual, {question.points:g})"
    rows = read_csv(out / "grades.csv")
    assert [rows[s][column] for s in STUDENTS] == [NEEDS_MANUAL, NEEDS_MANUAL, NEEDS_MANUAL, "0"]

    artifacts = Path(os.environ.get("BROWSER_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    db = out / "nbgrader" / "gradebook.db"
    if CHROMIUM is not None:
        _enter_in_the_formgrader(out, lab, "solution", 1.5, artifacts)
    with Gradebook(f"sqlite:///{db}") as gb:
        solution = gb.find_grade(question.name, question.notebook, lab.name, "solution")
        assert CHROMIUM is None or solution.manual_score == 1.5, "the formgrader did not save the score"
        solution.manual_score = 1.5
        gb.find_grade(question.name, question.notebook, lab.name, "rewriter").manual_score = question.points
        gb.find_comment(question.name, question.notebook, lab.name, "solution").manual_comment = "Clear."
        gb.db.commit()

    saved = {p: p.read_bytes() for p in (out / "nbgrader" / "rows" / LAB).rglob("row.json")}
    done = subprocess.run([GRADER, "export", str(out)], capture_output=True, text=True, cwd=course, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert {p: p.read_bytes() for p in saved} == saved, "export graded again"
    rows = read_csv(out / "grades.csv")
    assert [rows[s][column] for s in STUDENTS] == ["1.5", f"{question.points:g}", NEEDS_MANUAL, "0"]
    assert float(rows["solution"]["score"]) == float(rows["solution"]["max_score"]) > 0  # automatic points only
    canvas = list(csv.reader(open(out / "canvas.csv")))
    hand = canvas[0].index(f"{LAB} graded by hand ({lab.manual_points:g} points)")
    automatic = hand - 1
    by_student = {r[0]: r for r in canvas[2:]}
    assert by_student["solution"][hand] == "1.5" and by_student["rewriter"][hand] == f"{question.points:g}"
    assert by_student["waiting"][hand] == ""  # still waiting: not a 0 for Canvas
    assert by_student["untouched"][hand] == "0"
    assert by_student["solution"][automatic] == rows["solution"]["score"]

    # a regrade of two students: solution hands in the same notebook, rewriter a new answer
    again = root / "again"
    _write(lab, again, "solution", WRITTEN["solution"])
    _write(lab, again, "rewriter", "Because a product of matrices is a matrix.")
    stdout = _grade(course, again, out, "--regrade")
    assert "2 students graded again: no points changed" in stdout, stdout
    rows = read_csv(out / "grades.csv")
    assert [rows[s][column] for s in STUDENTS] == ["1.5", NEEDS_MANUAL, NEEDS_MANUAL, "0"]
    with Gradebook(f"sqlite:///{db}") as gb:
        assert gb.find_comment(question.name, question.notebook, lab.name, "solution").manual_comment == "Clear."
        assert gb.find_grade(question.name, question.notebook, lab.name, "rewriter").needs_manual_grade

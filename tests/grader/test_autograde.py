"""End to end through real nbgrader: the solution earns full marks, an untouched notebook
zero, and a student who solved some of the exercises exactly those exercises' points.

The partly solved students split the exercises in lab order into ``GROUPS`` interleaved
groups (exercise i goes to group i mod GROUPS): every exercise is graded solved while its
neighbours are not, so an exercise that leans on an earlier answer, or a crash that spills
into the next exercise, shows, with a few whole-lab runs instead of one run per exercise."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.autograde import GRADED, INVALID, NEEDS_MANUAL
from grader.course import load_lab
from grader.examples import filled_notebook, write_examples
from tests.paths import ROOT, all_notebooks

pytestmark = pytest.mark.slow

GRADER = str(Path(sys.executable).parent / "grader")
GROUPS = 3


def groups(lab) -> list[set[str]]:
    return [{ex.name for i, ex in enumerate(lab.exercises) if i % GROUPS == k} for k in range(GROUPS)]


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with open(path) as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module", params=sorted({p.parent.name for p in all_notebooks("solutions")}))
def graded(request, tmp_path_factory):
    lab = load_lab(request.param, ROOT)
    subs = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("out")
    write_examples(lab, subs, singles=[])
    for k, solved in enumerate(groups(lab)):
        folder = subs / f"group_{k}"
        folder.mkdir()
        for notebook in lab.notebooks:
            nbformat.write(filled_notebook(lab, notebook, solved), folder / f"{notebook}.ipynb")
    done = subprocess.run([GRADER, "autograde", lab.name, str(subs), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800)
    return lab, out, done


def test_exit_code_and_table(graded):
    lab, out, done = graded
    assert done.returncode == 0, done.stderr
    assert "solution" in done.stdout and f"{lab.max_score:g}/{lab.max_score:g}" in done.stdout
    assert (out / "grades.csv").is_file() and (out / "grades.json").is_file()


def test_solution_full_marks_untouched_zero(graded):
    lab, out, _ = graded
    rows = read_csv(out / "grades.csv")
    assert rows["solution"]["status"] == GRADED
    assert float(rows["solution"]["score"]) == lab.max_score
    assert float(rows["untouched"]["score"]) == 0
    for ex in lab.exercises:
        assert float(rows["solution"][ex.name]) == ex.points
        assert float(rows["untouched"][ex.name]) == 0


def test_each_solved_exercise_earns_exactly_its_points_and_the_others_none(graded):
    lab, out, _ = graded
    rows = read_csv(out / "grades.csv")
    for k, solved in enumerate(groups(lab)):
        row = rows[f"group_{k}"]
        for ex in lab.exercises:
            expected = ex.points if ex.name in solved else 0.0
            assert float(row[ex.name]) == expected, f"group {k} ({'solved' if ex.name in solved else 'unsolved'} {ex.name}): {row}"
        assert float(row["score"]) == sum(ex.points for ex in lab.exercises if ex.name in solved), row


def test_csv_columns_follow_the_contract(graded):
    lab, out, _ = graded
    with open(out / "grades.csv") as fh:
        header = next(csv.reader(fh))
    assert header == ["student", "lab", "status", "score", "max_score", *(e.name for e in lab.exercises),
                      *(f"{q.name} (manual, {q.points:g})" for q in lab.manual_questions), "reason"]
    detail = json.loads((out / "grades.json").read_text())
    assert {d["student"] for d in detail} == set(read_csv(out / "grades.csv"))


def test_manual_questions_wait_for_a_grader_outside_the_automatic_score(graded):
    """Written answers to the questions graded by hand: "needs manual grading" in the reports,
    flagged for the formgrader in the course gradebook, never part of the score; an answer
    left as released is 0 and needs nobody."""
    from nbgrader.api import Gradebook

    lab, out, done = graded
    assert lab.manual_questions, f"{lab.name} has no question graded by hand"
    rows = read_csv(out / "grades.csv")
    for q in lab.manual_questions:
        column = f"{q.name} (manual, {q.points:g})"
        assert rows["solution"][column] == NEEDS_MANUAL and rows["untouched"][column] == "0"
    assert float(rows["solution"]["score"]) == lab.max_score  # the automatic points only
    assert f"(+{lab.manual_points:g} to grade by hand)" in done.stdout
    with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gb:
        for q in lab.manual_questions:
            grade = gb.find_grade(q.name, q.notebook, lab.name, "solution")
            assert grade.needs_manual_grade and grade.max_score == q.points
            untouched = gb.find_grade(q.name, q.notebook, lab.name, "untouched")
            assert not untouched.needs_manual_grade and untouched.score == 0
    feedback = (out / "feedback" / "solution.html").read_text()
    assert all(q.name in feedback for q in lab.manual_questions) and NEEDS_MANUAL in feedback


def _enter_in_the_formgrader(out: Path, lab, student: str, question, points: float, artifacts: Path) -> bool:
    """A TA's grade typed into nbgrader's formgrader (a real server, headless Chromium): the
    submission page shows the written answer, the score box takes the points. False where no
    Chromium is installed."""
    from nbgrader.api import Gradebook

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, TOKEN, jupyterlab

    if CHROMIUM is None:
        return False
    from playwright.sync_api import sync_playwright

    with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gb:
        submission = gb.find_submission_notebook(question.notebook, lab.name, student).id
    answer = next(c.source for c in nbformat.read(lab.source_dir / f"{question.notebook}.ipynb", as_version=4).cells
                  if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == question.name)
    with jupyterlab(out / "nbgrader", out / "nbgrader") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/formgrader/gradebook/{lab.name}/{question.notebook}?token={TOKEN}")
        page.wait_for_selector(f"text={student}", timeout=60_000)
        page.screenshot(path=str(artifacts / "formgrader-manual-list.png"))
        page.goto(f"{url}/formgrader/submissions/{submission}/?token={TOKEN}")
        box = page.locator(f"input.score#{question.name}")
        box.wait_for(timeout=60_000)
        first_words = " ".join(answer.split()[:4])
        assert page.get_by_text(first_words, exact=False).count() >= 1, "the written answer is not on the page"
        assert "needs_manual_grade" in (box.get_attribute("class") or "")
        box.fill(f"{points:g}")
        box.dispatch_event("change")
        page.wait_for_timeout(1500)  # the formgrader saves through its REST API on change
        page.screenshot(path=str(artifacts / "formgrader-manual-graded.png"))
        browser.close()
    return True


def test_ta_grades_reach_the_exports_without_grading_and_survive_a_regrade(graded, tmp_path):
    """A TA grades written answers (in the formgrader's page in Chromium, and through
    nbgrader's gradebook API); `grader export` puts them in grades.csv and canvas.csv next to
    the automatic points without grading anything; a regrade keeps the grade of an answer that
    did not change, and an answer the student rewrote waits for a TA again."""
    from nbgrader.api import Gradebook

    lab, graded_out, _ = graded
    if lab.name != "neural_networks":
        pytest.skip("one lab shows it: the music lab goes through the same code")
    out = tmp_path / "out"
    shutil.copytree(graded_out, out)  # the run's nbgrader course works from any folder
    first, second = lab.manual_questions[:2]
    artifacts = Path(os.environ.get("BROWSER_ARTIFACTS", tmp_path))
    artifacts.mkdir(parents=True, exist_ok=True)
    in_browser = _enter_in_the_formgrader(out, lab, "solution", second, 1.5, artifacts)
    with Gradebook(f"sqlite:///{out / 'nbgrader' / 'gradebook.db'}") as gb:
        gb.find_grade(first.name, first.notebook, lab.name, "solution").manual_score = first.points
        if not in_browser:
            gb.find_grade(second.name, second.notebook, lab.name, "solution").manual_score = 1.5
        # group_0 left the question as released; the TA marks it 0 with a comment
        gb.find_grade(first.name, first.notebook, lab.name, "group_0").manual_score = 0.0
        gb.db.commit()
    row_file = out / "nbgrader" / "rows" / lab.name / "solution" / "row.json"
    saved = row_file.read_bytes()

    done = subprocess.run([GRADER, "export", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert row_file.read_bytes() == saved, "export graded again"
    rows = read_csv(out / "grades.csv")
    column = {q.name: f"{q.name} (manual, {q.points:g})" for q in lab.manual_questions}
    assert rows["solution"][column[first.name]] == f"{first.points:g}"
    assert rows["solution"][column[second.name]] == "1.5"
    assert all(rows["solution"][column[q.name]] == NEEDS_MANUAL for q in lab.manual_questions[2:])
    assert float(rows["solution"]["score"]) == lab.max_score  # the automatic points, as graded
    assert rows["group_0"][column[first.name]] == "0"
    canvas = list(csv.reader(open(out / "canvas.csv")))
    assert canvas[0][-1] == f"{lab.name} graded by hand ({lab.manual_points:g} points)"
    by_student = {r[0]: r for r in canvas[2:]}
    assert by_student["solution"][5] == f"{lab.max_score:g}"
    assert by_student["solution"][6] == ""  # a third answer still waits: not graded yet for Canvas
    assert by_student["untouched"][6] == "0"

    # a regrade of two students: solution unchanged; group_0 now answers the first question
    subs = tmp_path / "again"
    for student, solved in (("solution", None), ("group_0", groups(lab)[0] | {first.name})):
        (subs / student).mkdir(parents=True)
        for notebook in lab.notebooks:
            nbformat.write(filled_notebook(lab, notebook, solved), subs / student / f"{notebook}.ipynb")
    done = subprocess.run([GRADER, "autograde", lab.name, str(subs), "--out", str(out), "--quiet", "--regrade"],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "2 students graded again: no points changed" in done.stdout
    rows = read_csv(out / "grades.csv")
    assert rows["solution"][column[first.name]] == f"{first.points:g}" and rows["solution"][column[second.name]] == "1.5"
    assert rows["group_0"][column[first.name]] == NEEDS_MANUAL  # a new answer: the old 0 no longer applies
    assert float(rows["group_0"]["score"]) == sum(ex.points for ex in lab.exercises if ex.name in groups(lab)[0])


def test_untouched_notebook_ran_to_the_end(graded):
    lab, out, _ = graded
    for name in lab.notebooks:
        nb = nbformat.read(out / "nbgrader" / "autograded" / "untouched" / lab.name / f"{name}.ipynb", as_version=4)
        last_code = [c for c in nb.cells if c.cell_type == "code"][-1]
        assert last_code.get("execution_count"), "the last cell of the untouched notebook did not run"


# --- rows that need no nbgrader run -------------------------------------------------


@pytest.fixture()
def lab():
    return load_lab("neural_networks", ROOT)


def test_student_with_nothing_is_invalid_not_silent(lab):
    from grader.autograde import Submission, invalid_row

    row = invalid_row(lab, Submission("dave", problems=["no notebook in dave/"]))
    assert row.status == INVALID and row.score == 0 and "no notebook" in row.reason


def test_unknown_lab_exits_with_a_message(tmp_path):
    done = subprocess.run([GRADER, "autograde", "nope", str(tmp_path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "no lab 'nope'" in done.stderr

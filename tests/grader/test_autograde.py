"""End to end through real nbgrader: the solution earns full marks, an untouched notebook
zero, and a notebook with exactly one exercise solved exactly that exercise's points."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.autograde import GRADED, INVALID, NEEDS_MANUAL
from grader.course import load_lab
from grader.examples import write_examples
from tests.paths import ROOT, all_notebooks

pytestmark = pytest.mark.slow

GRADER = str(Path(sys.executable).parent / "grader")


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    with open(path) as fh:
        return {row["student"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module", params=sorted({p.parent.name for p in all_notebooks("solutions")}))
def graded(request, tmp_path_factory):
    lab = load_lab(request.param, ROOT)
    subs = tmp_path_factory.mktemp("submissions")
    out = tmp_path_factory.mktemp("out")
    write_examples(lab, subs, singles=[ex.name for ex in lab.exercises])
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


def test_each_single_exercise_earns_exactly_its_points(graded):
    lab, out, _ = graded
    rows = read_csv(out / "grades.csv")
    for ex in lab.exercises:
        row = rows[f"only_{ex.name}"]
        assert float(row["score"]) == ex.points, f"only {ex.name}: {row}"
        assert float(row[ex.name]) == ex.points


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

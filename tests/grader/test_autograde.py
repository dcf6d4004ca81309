"""End to end through real nbgrader: the solution earns full marks, an untouched notebook
zero, and a student who solved some of the exercises exactly those exercises' points.

The partly solved students split the exercises in lab order into ``GROUPS`` interleaved
groups (exercise i goes to group i mod GROUPS): every exercise is graded solved while its
neighbours are not, so an exercise that leans on an earlier answer, or a crash that spills
into the next exercise, shows, with a few whole-lab runs instead of one run per exercise."""
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
from grader.examples import filled_notebook, write_examples
from tests.paths import ROOT, all_notebooks

pytestmark = pytest.mark.slow

GRADER = str(Path(sys.executable).parent / "grader")
GROUPS = 2  # exercise i solved, i - 1 and i + 1 not: the neighbours are what matter


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


def test_untouched_notebook_ran_to_the_end(graded):
    lab, out, _ = graded
    for name in lab.notebooks:
        nb = nbformat.read(out / "nbgrader" / "autograded" / "untouched" / lab.name / f"{name}.ipynb", as_version=4)
        last_code = [c for c in nb.cells if c.cell_type == "code"][-1]
        assert last_code.get("execution_count"), "the last cell of the untouched notebook did not run"


def test_cells_of_visible_checks_are_not_run_but_show_the_hidden_verdicts(graded):
    """Their output would be replaced by the hidden checks' verdicts anyway: running them
    only cost time. The solution's test cells show the grader's verdicts, full points."""
    from grader import probes as P

    lab, out, _ = graded
    seen = 0
    for name in lab.notebooks:
        nb = nbformat.read(out / "nbgrader" / "autograded" / "solution" / lab.name / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade") and P.only_visible_checks(cell.source):
                seen += 1
                assert not cell.get("execution_count")
                text = "".join(o.get("text", "") for o in cell.outputs)
                assert text.startswith("Hidden checks: ") and "✘" not in text, text
    assert seen


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

"""Regrade diffs: after the instructor changes a point value, the class graded again into the
same output folder gets ``changes.csv`` listing exactly the students and exercises whose
points moved, and a one-line summary; and the summary's wording on its own."""
from __future__ import annotations

import csv
import os
import shutil
import subprocess

import nbformat
import pytest

from grader.changes import Change, Regrade
from grader.course import nbgrader_meta
from tests.class_fixture import CELL_TIMEOUT, GRADER, LAB, NOTEBOOK


def _bump_points(course, test_cell: str, by: float) -> float:
    path = course / "solutions" / LAB / f"{NOTEBOOK}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade_id") == test_cell:
            meta["points"] = meta["points"] + by
            nbformat.write(nb, path)
            return meta["points"]
    raise AssertionError(f"no test cell {test_cell}")


@pytest.mark.slow
def test_a_changed_point_value_lists_exactly_the_students_it_moves(graded_class, tmp_path):
    course, out = tmp_path / "course", tmp_path / "out"
    shutil.copytree(graded_class.course, course)
    shutil.copytree(graded_class.out, out)
    assert not (out / "changes.csv").exists()  # the first grading changed nothing
    _bump_points(course, "test_relu", 1)
    env = {**os.environ, "GRADER_SECRET": "class-fixture"}  # the same hidden inputs as the first run
    done = subprocess.run([GRADER, "autograde", LAB, str(graded_class.submissions), "--out", str(out), "--quiet",
                           "--cell-timeout", str(CELL_TIMEOUT), "--workers", "2"],
                          capture_output=True, text=True, cwd=course, timeout=1200, env=env)
    assert (out / "changes.csv").is_file(), done.stdout[-2000:] + done.stderr[-2000:]
    with open(out / "changes.csv", newline="") as fh:
        changes = list(csv.DictReader(fh))
    full_relu = {"paster", "honest_0", "honest_1", "honest_2"}  # the students whose relu was right
    assert {(c["student"], c["exercise"]) for c in changes} == {(s, "relu") for s in full_relu}, changes
    assert all((c["old_points"], c["new_points"], c["checks_changed"]) == ("2", "3", "") for c in changes)
    assert "4 students changed: +1 on relu for 4" in done.stdout
    with open(out / "grades.csv", newline="") as fh:
        rows = {r["student"]: r for r in csv.DictReader(fh)}
    assert rows["paster"]["score"] == rows["paster"]["max_score"] == "17" and rows["wrong"]["relu"] == "0"


def test_the_summary_counts_students_per_exercise_and_move():
    regrade = Regrade(regraded=[f"s{i}" for i in range(13)], changes=[
        *(Change(f"s{i}", "lab", "sigmoid", 1.0, 2.0) for i in range(11)),
        Change("s11", "lab", "relu", 2.0, 0.0, ("test_relu: a 5x5 matrix: passed -> failed",)),
        Change("s12", "lab", "tanh", 2.0, 2.0, ("test_tanh: zero slope at 0: failed -> passed",)),
    ])
    assert regrade.summary() == "12 students changed: +1 on sigmoid for 11, \u22122 on relu for 1"
    assert regrade.students_changed() == sorted(f"s{i}" for i in range(12))
    unchanged = Regrade(regraded=["a", "b"], changes=[Change("b", "lab", "tanh", 1.0, 1.0, ("x: failed -> passed",))])
    assert unchanged.summary() == "2 students graded again: no points changed; check verdicts changed for 1 without changing points"
    assert Regrade().summary() == ""

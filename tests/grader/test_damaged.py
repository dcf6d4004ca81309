"""Damaged hand-ins, as an LMS delivers them (a Canvas .zip), through the real grader:
every file gets a status and a reason, repairable notebooks are repaired and graded in
full, and a student's edit to a test cell never counts."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import zipfile

import nbformat
import pytest

from grader.course import load_lab, nbgrader_meta
from grader.examples import filled_notebook
from tests.grader.conftest import GRADER, LAB, NOTEBOOK
from tests.paths import ROOT

pytestmark = pytest.mark.slow


def solution():
    return filled_notebook(load_lab(LAB, ROOT), NOTEBOOK)


def untouched():
    return filled_notebook(load_lab(LAB, ROOT), NOTEBOOK, set())


def stripped(nb):
    for cell in nb.cells:
        cell.metadata = {}
    return nb


def without_test(nb, grade_id):
    nb.cells = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") != grade_id]
    return nb


def edit(nb, grade_id, source):
    for cell in nb.cells:
        if nbgrader_meta(cell).get("grade_id") == grade_id:
            cell.source = source
    return nb


def duplicated_answer(nb, grade_id):
    """A copy-pasted answer cell: the same grade id twice, the stub first."""
    stub = next(c for c in untouched().cells if nbgrader_meta(c).get("grade_id") == grade_id)
    index = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == grade_id)
    nb.cells.insert(index, stub)
    return nb


def text(nb) -> str:
    return nbformat.writes(nb)


FILE = f"{NOTEBOOK}.ipynb"
# name in the zip -> content; Canvas names are <name>_[LATE_]<user id>_<submission id>_<file>
MEMBERS = {
    f"goodstudent_1001_5001_{FILE}": lambda: text(solution()),
    f"stripped_1002_5002_{FILE}": lambda: text(stripped(solution())),
    f"deletedtest_1003_5003_{FILE}": lambda: text(without_test(solution(), "test_sigmoid")),
    f"editedtest_1004_5004_{FILE}": lambda: text(edit(edit(solution(), "sigmoid", "def sigmoid(z):\n    return z\n"),
                                                      "test_sigmoid", "assert True")),
    f"copypaste_1005_5005_{FILE}": lambda: text(duplicated_answer(solution(), "sigmoid")),
    f"notjson_1006_5006_{FILE}": lambda: "%PDF-1.4 this is a PDF renamed",
    f"empty_1007_5007_{FILE}": lambda: "",
    f"twice_1008_5008_{FILE}": lambda: text(untouched()),
    f"twice_LATE_1008_5009_{FILE}": lambda: text(solution()),
    "../escape.ipynb": lambda: text(solution()),
}
EXPECTED = {  # student: (status, score or None)
    "goodstudent": ("graded", 16),
    "stripped": ("repaired", 16),
    "deletedtest": ("repaired", 16),
    "editedtest": ("repaired", 14),
    "copypaste": ("repaired", 16),
    "notjson": ("invalid", 0),
    "empty": ("invalid", 0),
    "twice": ("graded", 16),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, small_course):
    folder = tmp_path_factory.mktemp("canvas")
    archive = folder / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, make in MEMBERS.items():
            zf.writestr(name, make())
    out = folder / "out"
    done = subprocess.run([GRADER, "autograde", LAB, str(archive), "--out", str(out), "--quiet"],
                          capture_output=True, text=True, cwd=small_course, timeout=1800,
                          env={**os.environ, "COURSE_ROOT": str(small_course)})
    rows = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    intake = list(csv.DictReader(open(out / "intake.csv")))
    return done, rows, intake, out


def test_each_student_has_the_expected_status_and_score(graded):
    done, rows, *_ = graded
    assert set(EXPECTED) <= set(rows), (done.stdout, done.stderr)
    for student, (status, score) in EXPECTED.items():
        assert rows[student]["status"] == status, rows[student]
        assert float(rows[student]["score"]) == score, rows[student]
    assert done.returncode == 1  # two students were not gradable


def test_reasons_are_plain_language(graded):
    _, rows, intake, _ = graded
    assert "JSON" in rows["notjson"]["reason"]
    assert "empty" in rows["empty"]["reason"].lower()
    assert "test_sigmoid" in rows["deletedtest"]["reason"]
    assert rows["editedtest"]["sigmoid"] == "0"  # the edited test was restored; the wrong answer fails it


def test_intake_reports_every_file(graded):
    _, _, intake, _ = graded
    statuses = {(r["student"], r["status"]) for r in intake}
    assert ("twice", "duplicate") in statuses and ("twice", "used") in statuses
    assert any(r["file"] == "../escape.ipynb" and r["status"] == "invalid" for r in intake), intake
    used = [r for r in intake if r["student"] == "twice" and r["status"] == "used"]
    assert used[0]["file"].startswith("twice_LATE_1008_5009"), "the newest submission is kept"


def test_canvas_ids_reach_the_export(graded):
    *_, out = graded
    canvas = {r[0]: r for r in csv.reader(open(out / "canvas.csv"))}
    assert canvas["goodstudent"][1] == "1001" and canvas["goodstudent"][5] == "16"
    detail = {d["student"]: d for d in json.loads((out / "grades.json").read_text())}
    assert detail["stripped"]["status"] == "repaired"

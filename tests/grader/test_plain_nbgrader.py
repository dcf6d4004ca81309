"""The repository works as an nbgrader course unchanged, with nbgrader's own commands:
generate_assignment, autograde of plainly submitted notebooks, generate_feedback."""
from __future__ import annotations

import shutil

import nbformat
import pytest

from grader.course import load_lab, run_nbgrader
from grader.examples import filled_notebook
from tests.grader.conftest import LAB, NOTEBOOK

pytestmark = pytest.mark.slow


def test_nbgrader_commands_on_the_repository(small_course):
    course = small_course / "plain-copy"
    shutil.copytree(small_course, course, ignore=shutil.ignore_patterns("plain-copy"))
    lab = load_lab(LAB, course)
    for student, solved in (("ada", None), ("bob", set())):
        folder = course / "submitted" / student / LAB
        folder.mkdir(parents=True)
        nbformat.write(filled_notebook(lab, NOTEBOOK, solved), folder / f"{NOTEBOOK}.ipynb")
    for args in (["generate_assignment", LAB, "--force"], ["autograde", LAB, "--force"],
                 ["generate_feedback", LAB, "--force"]):
        done = run_nbgrader(args, cwd=course, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        scores = {s.student.id: s.score for s in gb.assignment_submissions(LAB)}
        assert scores["ada"] == lab.max_score == gb.find_assignment(LAB).max_score
        assert scores["bob"] == 0
    feedback = (course / "feedback" / "bob" / LAB / f"{NOTEBOOK}.html").read_text()
    for secret in ("BEGIN HIDDEN", "probe(", "AssertionError", "strict=True"):
        assert secret not in feedback
    assert "details hidden" in feedback

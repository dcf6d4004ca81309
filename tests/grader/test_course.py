"""A lab's exercises and points are read from its nbgrader metadata."""
from __future__ import annotations

import nbformat
import pytest

from grader.course import CourseError, list_labs, load_lab, read_exercises


def _cell(grade_id, solution=False, grade=False, points=0):
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": grade, "schema_version": 3}
    if grade:
        meta["points"] = points
    return nbformat.v4.new_code_cell("pass", metadata={"nbgrader": meta})


def test_exercise_is_answer_plus_following_tests():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("intro"),
        _cell("a", solution=True), _cell("a_visible", grade=True, points=1), _cell("a_hidden", grade=True, points=2),
        _cell("b", solution=True), _cell("b_tests", grade=True, points=3),
    ])
    exercises = read_exercises("nb", nb)
    assert [(e.name, e.test_cells, e.points) for e in exercises] == [
        ("a", ("a_visible", "a_hidden"), 3.0), ("b", ("b_tests",), 3.0)
    ]


def test_answer_without_tests_is_an_error():
    nb = nbformat.v4.new_notebook(cells=[_cell("a", solution=True)])
    with pytest.raises(CourseError, match="no test cell"):
        read_exercises("nb", nb)


def test_every_lab_loads_with_points(course_root):
    labs = list_labs(course_root)
    assert "neural_networks" in labs
    for name in labs:
        lab = load_lab(name, course_root)
        assert lab.exercises and all(ex.points > 0 for ex in lab.exercises)


def test_unknown_lab_is_explained(course_root):
    with pytest.raises(CourseError, match="no lab 'nope'"):
        load_lab("nope", course_root)

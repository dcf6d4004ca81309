"""The guard on the declarations: one per exercise, each used, each test cell with probes, the
reference passing its visible cases and every known mistake failing one with its own message.

The real notebooks are checked on their committed data (fast); the guard itself is shown to
fail on small synthetic notebooks released in a real kernel.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from course_utils.checks.released import data_path
from grader.course import CourseError, list_labs, load_lab, release_mode
from grader.declarations import outcome_problems, read_notebook_declarations, release_checks, stale_data
from tests.paths import ROOT

LABS = list_labs(ROOT)
NOTEBOOKS = [(lab, nb) for lab in LABS for nb in load_lab(lab, ROOT).notebooks]


@pytest.mark.parametrize("lab, notebook", NOTEBOOKS)
def test_every_exercise_is_declared_once_and_checked(lab, notebook):
    found = read_notebook_declarations(load_lab(lab, ROOT), notebook)
    assert found.problems == []
    answer_cells = [ex.name for ex in load_lab(lab, ROOT).exercises_of(notebook)]
    assert sorted(found.declarations) == sorted(answer_cells)


@pytest.mark.parametrize("lab, notebook", NOTEBOOKS)
def test_released_data_is_current_and_every_mistake_gets_its_message(lab, notebook):
    assert stale_data(load_lab(lab, ROOT), release_mode(ROOT), [notebook]) == [] or pytest.fail(
        f"run `grader release {lab} --notebook {notebook}`")
    record = json.loads(data_path(f"{lab}/{notebook}").read_text(encoding="utf-8"))
    for name, entry in record["exercises"].items():
        assert outcome_problems(name, entry) == []
        assert entry["cases"], name


# --- the guard fails where it must --------------------------------------------------------

SETUP = {"metadata": {"tags": ["colab-setup"]}}


def _answer(grade_id: str, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": True, "grade": False, "locked": False,
                                 "schema_version": 3}
    return cell


def _test(grade_id: str, source: str, points: int = 1) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade_id": grade_id, "solution": False, "grade": True, "locked": True,
                                 "points": points, "schema_version": 3}
    return cell


GOOD_ANSWER = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
PROBE = 'from course_utils.probes import probe, normal\nprobe("random", "double(x)", x=normal(0, 1, (3,)))\n'


def _declaration(cases: str = 'case("two", "double(x)", x=np.array([1.0, 2.0]))', mistakes: str = "", name: str = "double") -> str:
    return (f'from course_utils.probes import declare, case, mistake\n'
            f'declare("{name}", uses=["double"], cases=[{cases}], mistakes=[{mistakes}],\n'
            f'        hint="think of a factor", practice_hint="multiply", practice_solution="return 2 * x")\n')


def _test_source(declaration: str = "", probes: str = PROBE, visible: str = "exercise.double.check(double)\n") -> str:
    return f"{visible}### BEGIN HIDDEN TESTS\n{declaration}{probes}### END HIDDEN TESTS\n"


def _course(tmp_path: Path, cells: list) -> tuple:
    root = tmp_path / "course"
    (root / "solutions" / "guard").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np")] + cells
    nbformat.write(nb, root / "solutions" / "guard" / "one.ipynb")
    return load_lab("guard", root), root


def _problems(tmp_path, cells) -> list[str]:
    lab, _ = _course(tmp_path, cells)
    return read_notebook_declarations(lab, "one").problems


def test_a_well_formed_notebook_has_no_problems(tmp_path):
    assert _problems(tmp_path, [_answer("double", GOOD_ANSWER), _test("t", _test_source(_declaration()))]) == []


def test_an_answer_cell_without_a_declaration(tmp_path):
    problems = _problems(tmp_path, [_answer("double", GOOD_ANSWER), _test("t", _test_source())])
    assert any("'double' has no declaration" in p for p in problems)


def test_two_declarations_of_one_exercise(tmp_path):
    cells = [_answer("double", GOOD_ANSWER), _test("t1", _test_source(_declaration())),
             _test("t2", _test_source(_declaration()))]
    assert any("declared twice" in p for p in _problems(tmp_path, cells))


def test_a_test_cell_without_a_probe(tmp_path):
    problems = _problems(tmp_path, [_answer("double", GOOD_ANSWER), _test("t", _test_source(_declaration(), probes=""))])
    assert any("declares no probe" in p for p in problems)


def test_a_declaration_no_cell_checks(tmp_path):
    problems = _problems(tmp_path, [_answer("double", GOOD_ANSWER), _test("t", _test_source(_declaration(), visible="pass\n"))])
    assert any("no test cell calls exercise.double.check" in p for p in problems)


def test_a_declaration_named_after_another_answer(tmp_path):
    problems = _problems(tmp_path, [_answer("double", GOOD_ANSWER), _test("t", _test_source(_declaration(name="triple")))])
    assert any("declares 'triple'" in p for p in problems)


@pytest.mark.slow
def test_release_refuses_a_mistake_that_passes_and_a_reference_that_fails(tmp_path):
    passes = 'mistake("scaled", "def double(x):\\n    return x + x\\n")'
    lab, _ = _course(tmp_path, [_answer("double", GOOD_ANSWER), _test("t", _test_source(_declaration(mistakes=passes)))])
    with pytest.raises(CourseError, match="passes the visible cases"):
        release_checks(lab, "graded", data_dir=tmp_path / "data")
    failing = 'case("two", "double(x)", x=np.array([1.0, 2.0]), holds="answer.sum() > 100", says="too small")'
    lab, _ = _course(tmp_path / "b", [_answer("double", GOOD_ANSWER), _test("t", _test_source(_declaration(cases=failing)))])
    with pytest.raises(CourseError, match="the reference fails its own case"):
        release_checks(lab, "graded", data_dir=tmp_path / "data")


@pytest.mark.slow
def test_release_writes_answers_as_data_and_the_check_uses_them(tmp_path):
    wrong = 'mistake("added instead of multiplied", "def double(x):\\n    return x + 2\\n")'
    lab, _ = _course(tmp_path, [_answer("double", GOOD_ANSWER), _test("t", _test_source(_declaration(mistakes=wrong)))])
    [path] = release_checks(lab, "graded", data_dir=tmp_path / "data")
    record = json.loads(path.read_text())
    entry = record["exercises"]["double"]
    assert entry["hint"] == "think of a factor" and "after the deadline" in entry["solution"]
    assert "return 2 * x" not in path.read_text()  # the practice solution is not in a graded release
    from course_utils.checks.core import Exercise

    exercise = Exercise("double", entry)
    assert exercise.evaluate(lambda x: x * 2.0).passed
    assert exercise.evaluate(lambda x: x + 2).mistake == 0
    assert "added instead of multiplied" in exercise.evaluate(lambda x: x + 2).message
    assert exercise.evaluate(lambda x: None).status == "wrong"


@pytest.mark.slow
def test_release_refuses_answers_that_change_from_run_to_run(tmp_path):
    random_mistake = 'mistake("random", "def double(x):\\n    return x * np.random.rand()\\n")'
    lab, _ = _course(tmp_path, [_answer("double", GOOD_ANSWER), _test("t", _test_source(_declaration(mistakes=random_mistake)))])
    with pytest.raises(CourseError, match="differently on every run"):
        release_checks(lab, "graded", data_dir=tmp_path / "data")
    drawn = 'case("drawn", "double(np.random.rand(3))")'
    lab, _ = _course(tmp_path / "b", [_answer("double", GOOD_ANSWER), _test("t", _test_source(_declaration(cases=drawn)))])
    with pytest.raises(CourseError, match="changes from run to run"):
        release_checks(lab, "graded", data_dir=tmp_path / "data")

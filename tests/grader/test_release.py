"""labs/ is generated from solutions/ by nbgrader, and the committed copy is in sync."""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from tests.paths import all_notebooks
from grader.course import list_labs, load_lab, nbgrader_meta
from grader.release import SETUP_TAG, generate, render_setup_cell


def comparable(nb: nbformat.NotebookNode) -> list[tuple]:
    """What must match: cell types, sources, nbgrader metadata and tags (not ids or outputs)."""
    return [
        (c.cell_type, c.source, nbgrader_meta(c), c.get("metadata", {}).get("tags", []))
        for c in nb.cells
    ]


@pytest.mark.parametrize("lab_name", list_labs(Path(__file__).resolve().parents[2]))
def test_committed_labs_match_generation(lab_name, course_root, tmp_path):
    lab = load_lab(lab_name, course_root)
    fresh = generate(lab, release_dir=tmp_path)
    generated = sorted(p.name for p in fresh.glob("*.ipynb"))
    committed = sorted(p.name for p in lab.release_dir.glob("*.ipynb"))
    assert committed == generated, "labs/ has other notebooks than solutions/: run `make release`"
    for name in generated:
        a = nbformat.read(fresh / name, as_version=4)
        b = nbformat.read(lab.release_dir / name, as_version=4)
        assert comparable(a) == comparable(b), f"labs/{lab_name}/{name} is out of date: run `make release`"


@pytest.mark.parametrize("path", all_notebooks("labs"), ids=lambda p: p.name)
def test_student_notebook_has_no_solutions_or_hidden_tests(path):
    text = path.read_text()
    for secret in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "strict=True"):
        assert secret not in text


@pytest.mark.parametrize("path", all_notebooks("labs"), ids=lambda p: p.name)
def test_every_stub_is_valid_python_that_raises(path):
    nb = nbformat.read(path, as_version=4)
    answers = [c for c in nb.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code"]
    assert answers
    for cell in answers:
        ast.parse(cell.source)  # no `x = # TODO` syntax errors
        assert 'raise NotImplementedError("not attempted yet")' in cell.source


@pytest.mark.parametrize("path", all_notebooks("labs"), ids=lambda p: p.name)
def test_questions_graded_by_hand_ship_empty(path):
    """A manually graded answer is a markdown cell with points that reaches students as
    nbgrader's "YOUR ANSWER HERE", with no line of the model answer."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and meta.get("grade"):
            assert cell.cell_type == "markdown" and meta["grade_id"].startswith("answer_") and meta["points"] > 0
            assert cell.source.strip() == "YOUR ANSWER HERE", cell.source


@pytest.mark.parametrize("kind", ["solutions", "labs"])
def test_setup_cell_first_and_rendered_from_pyproject(kind, course_root):
    expected = render_setup_cell(course_root)
    assert "git+https://github.com/" in expected
    for path in all_notebooks(kind):
        first = nbformat.read(path, as_version=4).cells[0]
        assert SETUP_TAG in first.metadata.get("tags", []), path
        assert first.source == expected, f"{path}: run `make release`"


def test_setup_cell_is_a_no_op_off_colab(course_root):
    namespace: dict = {}
    exec(render_setup_cell(course_root), namespace)
    assert namespace["ON_COLAB"] is False

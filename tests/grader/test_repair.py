"""grader.repair: a submission rebuilt on the released notebook, on real notebooks of the
lab ``neural_networks`` (no kernels are started)."""
from __future__ import annotations

import copy

import nbformat
import pytest

from grader.course import load_lab, nbgrader_meta
from grader.examples import filled_notebook
from grader.repair import defined_names, repair, repair_file
from tests.paths import ROOT

LAB = load_lab("neural_networks", ROOT)
NAME = LAB.notebooks[0]


@pytest.fixture()
def released() -> nbformat.NotebookNode:
    return nbformat.read(LAB.release_dir / f"{NAME}.ipynb", as_version=4)


@pytest.fixture()
def solved() -> nbformat.NotebookNode:
    return filled_notebook(LAB, NAME)


def index_of(nb: nbformat.NotebookNode, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == grade_id)


def cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return nb.cells[index_of(nb, grade_id)]


def answers(nb: nbformat.NotebookNode) -> dict[str, str]:
    return {m["grade_id"]: c.source for c in nb.cells if (m := nbgrader_meta(c)).get("solution")}


def strip_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What Colab / VS Code can hand back: no cell metadata, new cell ids."""
    nb = copy.deepcopy(nb)
    for n, c in enumerate(nb.cells):
        c.metadata, c.id = {}, f"colab{n:03d}"
    return nb


def comparable(nb: nbformat.NotebookNode) -> list[tuple]:
    return [(c.cell_type, c.source, c.metadata, c.get("id")) for c in nb.cells]


def assert_rebuilt_like(result: nbformat.NotebookNode, expected: nbformat.NotebookNode) -> None:
    """Same cells as ``expected`` (template metadata and ids), valid, no outputs."""
    nbformat.validate(result)
    assert comparable(result) == comparable(expected)
    assert result.metadata == expected.metadata
    assert all(not c.outputs and c.execution_count is None for c in result.cells if c.cell_type == "code")


def test_untouched_and_solved_notebooks_need_no_notes(released, solved):
    for submitted in (copy.deepcopy(released), solved):
        result, notes = repair(submitted, released)
        assert notes == []
        assert_rebuilt_like(result, submitted)


def test_outputs_are_cleared_without_a_note(released, solved):
    target = cell(solved, "sigmoid")
    target.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    target.execution_count = 7
    result, notes = repair(solved, released)
    assert notes == []
    assert cell(result, "sigmoid").outputs == [] and cell(result, "sigmoid").execution_count is None


def test_stripped_metadata_answers_found_by_content_tests_restored(released, solved):
    result, notes = repair(strip_metadata(solved), released)
    assert_rebuilt_like(result, solved)
    assert answers(result) == answers(solved)
    assert len(notes) == 1 and "lost their grading metadata" in notes[0]
    assert all(ex.name in notes[0] for ex in LAB.exercises_of(NAME))


def test_stripped_and_untouched_answers_stay_stubs(released):
    result, notes = repair(strip_metadata(released), released)
    assert_rebuilt_like(result, released)
    assert "lost their grading metadata" in notes[0]


def test_duplicated_answer_grades_the_attempt_not_the_pasted_stub(released, solved):
    at = index_of(solved, "sigmoid")
    stub = copy.deepcopy(cell(released, "sigmoid"))
    stub.id = "pasted"
    solved.cells.insert(at + 1, stub)  # the stub pasted after the answer would undo it
    result, notes = repair(solved, released)
    assert cell(result, "sigmoid").source == answers(filled_notebook(LAB, NAME))["sigmoid"]
    assert len(result.cells) == len(released.cells)
    assert notes == ["answer cell 'sigmoid' appears 2 times (copy-paste?): graded the last copy that differs "
                     "from the released stub, dropped the others"]


def test_duplicated_answer_both_attempted_grades_the_last(released, solved):
    first = copy.deepcopy(cell(solved, "sigmoid"))
    first.id, first.source = "first-try", first.source + "\n# first try"
    solved.cells.insert(index_of(solved, "sigmoid"), first)
    result, notes = repair(solved, released)
    assert cell(result, "sigmoid").source == answers(filled_notebook(LAB, NAME))["sigmoid"]
    assert notes == ["answer cell 'sigmoid' appears 2 times (copy-paste?): graded the last copy that differs "
                     "from the released stub, dropped the others"]


def test_deleted_test_cell_is_restored(released, solved):
    del solved.cells[index_of(solved, "test_sigmoid")]
    result, notes = repair(solved, released)
    assert_rebuilt_like(result, filled_notebook(LAB, NAME))
    assert notes == ["test cell 'test_sigmoid' had been deleted: restored"]


@pytest.mark.parametrize("stripped", [False, True], ids=["with-metadata", "metadata-stripped"])
def test_edited_test_cell_is_restored(released, solved, stripped):
    cell(solved, "test_sigmoid").source = "assert True"
    cell(solved, "imports").source += "\nexercise = None"
    submitted = strip_metadata(solved) if stripped else solved
    result, notes = repair(submitted, released)
    assert cell(result, "test_sigmoid").source == cell(released, "test_sigmoid").source
    assert cell(result, "imports").source == cell(released, "imports").source
    assert answers(result) == answers(filled_notebook(LAB, NAME))
    assert "assert True" not in [c.source for c in result.cells]
    assert "test cell 'test_sigmoid' had been edited: restored as released" in " ".join(notes)
    assert "read-only cell 'imports' had been edited" in " ".join(notes)


@pytest.mark.parametrize("stripped", [False, True], ids=["with-metadata", "metadata-stripped"])
def test_answer_turned_into_markdown_is_restored_as_code(released, solved, stripped):
    at = index_of(solved, "relu")
    old = solved.cells[at]
    solved.cells[at] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata, id=old.id)
    submitted = strip_metadata(solved) if stripped else solved
    result, notes = repair(submitted, released)
    assert cell(result, "relu").cell_type == "code"
    assert cell(result, "relu").source == old.source
    assert "answer cell 'relu' had been turned into a markdown cell: restored as a code cell" in notes


def test_extra_helper_cells_are_kept_where_they_were(released, solved):
    helper = "def stable_exp(z):\n    return np.exp(-np.abs(z))"
    early = "EPS = 1e-12"
    solved.cells.insert(index_of(solved, "sigmoid") + 1, nbformat.v4.new_code_cell(helper))
    solved.cells.insert(index_of(solved, "sigmoid"), nbformat.v4.new_code_cell(early))
    result, notes = repair(solved, released)
    nbformat.validate(result)
    assert notes == []
    sources = [c.source for c in result.cells]
    answer, test = index_of(result, "sigmoid"), index_of(result, "test_sigmoid")
    assert sources.index(helper) == answer + 1 and test == answer + 2
    assert sources.index(early) == answer - 1
    for extra in (result.cells[answer + 1], result.cells[answer - 1]):
        assert "nbgrader" not in extra.metadata
    assert len({c.id for c in result.cells}) == len(result.cells)


def test_helpers_survive_stripped_metadata_too(released, solved):
    helper = "def _clip(z):\n    return np.clip(z, -500, 500)"
    solved.cells.insert(index_of(solved, "sigmoid") + 1, nbformat.v4.new_code_cell(helper))
    result, _ = repair(strip_metadata(solved), released)
    assert [c.source for c in result.cells].index(helper) == index_of(result, "sigmoid") + 1


def test_missing_answer_is_graded_as_not_attempted(released, solved):
    del solved.cells[index_of(solved, "relu")]
    result, notes = repair(solved, released)
    assert cell(result, "relu").source == cell(released, "relu").source
    assert notes == ["answer cell 'relu' not found: graded as not attempted"]


def test_copied_stub_without_metadata_is_dropped(released, solved):
    stub = nbformat.v4.new_code_cell(cell(released, "tanh").source)
    solved.cells.insert(index_of(solved, "tanh") + 1, stub)
    result, notes = repair(solved, released)
    assert len(result.cells) == len(released.cells)
    assert cell(result, "tanh").source == answers(filled_notebook(LAB, NAME))["tanh"]
    assert notes and "repeated a released cell" in notes[0]


def test_template_notebook_metadata_wins(released, solved):
    solved.metadata = {"kernelspec": {"name": "ir", "display_name": "R", "language": "R"}, "colab": {"name": "x"}}
    result, _ = repair(solved, released)
    assert result.metadata == released.metadata


def test_repair_file_writes_a_valid_notebook(released, solved, tmp_path):
    source, dest = tmp_path / "in.ipynb", tmp_path / "out" / "nb.ipynb"
    nbformat.write(strip_metadata(solved), source)
    notes = repair_file(source, LAB.release_dir / f"{NAME}.ipynb", dest)
    assert notes and answers(nbformat.read(dest, as_version=4)) == answers(solved)


def test_defined_names_parses_without_running():
    assert defined_names("import os\ndef f():\n    os.system('x')\nclass K: pass\nx = 1") == {"f", "K"}
    assert defined_names("%matplotlib inline\ndef g(z):\n    return z") == {"g"}
    assert defined_names("def h(z):\n    return (z") == {"h"}  # does not parse: def lines
    assert defined_names("just some prose") == set()

"""The nbgrader metadata check the grader runs gives nbgrader's own verdict on every notebook."""
from __future__ import annotations

import copy

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator as NbgraderValidator

from grader.metadata_check import MetadataValidator
from tests.paths import ROOT

NOTEBOOK = ROOT / "solutions" / "neural_networks" / "01_perceptron_and_activations.ipynb"

DAMAGE = {
    "points not a number": lambda meta: meta.__setitem__("points", "ten"),
    "grade not a boolean": lambda meta: meta.__setitem__("grade", 3),
    "locked missing": lambda meta: meta.pop("locked"),
    "schema too new": lambda meta: meta.__setitem__("schema_version", 9),
    "schema too old": lambda meta: meta.__setitem__("schema_version", 1),
    "grade id empty": lambda meta: meta.__setitem__("grade_id", ""),
    "points missing": lambda meta: meta.pop("points"),
}


def verdict(validator, nb) -> str:
    try:
        validator().validate_nb(nb)
    except Exception as exc:  # noqa: BLE001 - the verdicts compared
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return "valid"


def test_an_intact_notebook_is_valid():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert verdict(MetadataValidator, nb) == verdict(NbgraderValidator, nb) == "valid"


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_metadata_gets_nbgraders_verdict(damage):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade"))
    DAMAGE[damage](cell.metadata.nbgrader)
    ours = verdict(MetadataValidator, copy.deepcopy(nb))
    assert ours != "valid"
    assert ours == verdict(NbgraderValidator, nb)


def test_a_duplicate_grade_id_gets_nbgraders_verdict():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    graded[1].metadata.nbgrader.grade_id = graded[0].metadata.nbgrader.grade_id
    assert verdict(MetadataValidator, copy.deepcopy(nb)).startswith("ValidationError: Duplicate grade id")
    assert verdict(MetadataValidator, copy.deepcopy(nb)) == verdict(NbgraderValidator, nb)

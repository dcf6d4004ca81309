"""A small course for grading tests: only the first, NumPy-only notebook of the lab, so
that each grading run takes seconds (the full labs are graded in test_autograde.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest


GRADER = str(Path(sys.executable).parent / "grader")
LAB = "neural_networks"
NOTEBOOK = "01_perceptron_and_activations"


@pytest.fixture(scope="module")
def small_course(tmp_path_factory) -> Path:
    from tests.corpus.harness import small_course as one_notebook_course

    return one_notebook_course(tmp_path_factory.mktemp("course"), LAB, NOTEBOOK)

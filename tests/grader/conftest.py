"""A small course for grading tests: only the first, NumPy-only notebook of the lab, so
that each grading run takes seconds (the full labs are graded in test_autograde.py)."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

GRADER = str(Path(sys.executable).parent / "grader")
LAB = "neural_networks"
NOTEBOOK = "01_perceptron_and_activations"


@pytest.fixture(scope="module")
def small_course(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("course")
    for name in ("pyproject.toml", "nbgrader_config.py"):
        shutil.copy(ROOT / name, root / name)
    for kind in ("solutions", "labs"):
        (root / kind / LAB).mkdir(parents=True)
        shutil.copy(ROOT / kind / LAB / f"{NOTEBOOK}.ipynb", root / kind / LAB)
    return root

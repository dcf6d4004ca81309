"""Every notebook runs top to bottom in a real Jupyter kernel.

Solutions: no cell raises and every instant check passes. Student notebooks, untouched:
"Run all" reaches the end and every check reports "not attempted".
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.paths import all_notebooks

pytestmark = pytest.mark.slow

# Notebooks read this to train briefly under test (see each notebook's settings cell).
os.environ.setdefault("COURSE_LABS_QUICK", "1")


def execute(path: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def stream_text(nb: nbformat.NotebookNode) -> str:
    return "".join(
        out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
        if out.get("output_type") == "stream"
    )


@pytest.mark.parametrize("path", all_notebooks("solutions"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_solution_runs_and_passes_every_check(path):
    text = stream_text(execute(path))
    for marker in ("⏳", "❌", "💥"):
        assert marker not in text, f"a check did not pass in {path.name}:\n{text}"
    assert "✅" in text


@pytest.mark.parametrize("path", all_notebooks("labs"), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_untouched_student_notebook_runs_to_the_end(path):
    nb = execute(path)  # raises CellExecutionError if any cell fails
    text = stream_text(nb)
    assert "not attempted" in text
    for marker in ("✅", "❌", "💥"):
        assert marker not in text, f"an untouched notebook must only say 'not attempted':\n{text}"

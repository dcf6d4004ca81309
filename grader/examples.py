"""Example submissions built from a lab's sources, for ``make demo`` and the tests.

* ``solution``            - the instructor's answers in the student notebook;
* ``untouched``           - the student notebook as released;
* ``only_<exercise>``     - the released notebook with exactly one answer filled in.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from .course import Lab, nbgrader_meta


def _answers(lab: Lab, notebook: str) -> dict[str, str]:
    nb = nbformat.read(lab.source_dir / f"{notebook}.ipynb", as_version=4)
    return {m["grade_id"]: c.source for c in nb.cells if (m := nbgrader_meta(c)).get("solution")}


def filled_notebook(lab: Lab, notebook: str, exercises: set[str] | None = None) -> nbformat.NotebookNode:
    """The released notebook with the answers of ``exercises`` filled in (all if None)."""
    answers = _answers(lab, notebook)
    nb = nbformat.read(lab.release_dir / f"{notebook}.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers and (exercises is None or grade_id in exercises):
            cell.source = answers[grade_id]
    return nb


def write_examples(lab: Lab, dest: Path, singles: list[str] | None = None) -> list[str]:
    """Write example student folders under ``dest``; return the student ids written."""
    students = {"solution": None, "untouched": set()}
    for name in singles if singles is not None else [ex.name for ex in lab.exercises[:1]]:
        students[f"only_{name}"] = {name}
    for student, exercises in students.items():
        folder = dest / student
        folder.mkdir(parents=True, exist_ok=True)
        for notebook in lab.notebooks:
            nbformat.write(filled_notebook(lab, notebook, exercises), folder / f"{notebook}.ipynb")
    return list(students)

"""Example submissions built from a lab's sources, for ``make demo`` and the tests.

* ``solution``            - the instructor's answers in the student notebook;
* ``untouched``           - the student notebook as released;
* ``only_<exercise>``     - the released notebook with exactly one answer filled in,
  handed in alone (the lab's other notebooks count as not handed in).
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from .course import Lab, nbgrader_meta


def _answers(lab: Lab, notebook: str) -> dict[str, str]:
    nb = nbformat.read(lab.source_dir / f"{notebook}.ipynb", as_version=4)
    return {m["grade_id"]: c.source for c in nb.cells if (m := nbgrader_meta(c)).get("solution")}


def filled_notebook(
    lab: Lab, notebook: str, exercises: set[str] | None = None, release_dir: Path | None = None
) -> nbformat.NotebookNode:
    """The released notebook (from ``labs/<lab>`` or ``release_dir``) with the answers of
    ``exercises`` filled in (all if None)."""
    answers = _answers(lab, notebook)
    nb = nbformat.read((release_dir or lab.release_dir) / f"{notebook}.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in answers and (exercises is None or grade_id in exercises):
            cell.source = answers[grade_id]
    return nb


def write_examples(
    lab: Lab, dest: Path, singles: list[str] | None = None, release_dir: Path | None = None
) -> list[str]:
    """Write example student folders under ``dest``; return the student ids written."""
    notebook_of = {ex.name: ex.notebook for ex in lab.exercises}
    students: dict[str, tuple[set[str] | None, list[str]]] = {
        "solution": (None, lab.notebooks),
        "untouched": (set(), lab.notebooks),
    }
    for name in singles if singles is not None else [ex.name for ex in lab.exercises[:1]]:
        students[f"only_{name}"] = ({name}, [notebook_of[name]])
    for student, (exercises, notebooks) in students.items():
        folder = dest / student
        folder.mkdir(parents=True, exist_ok=True)
        for notebook in notebooks:
            nbformat.write(filled_notebook(lab, notebook, exercises, release_dir), folder / f"{notebook}.ipynb")
    return list(students)

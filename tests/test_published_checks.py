"""The instant checks, as students get them: on every published notebook, in a real kernel
that imports the *published* package, every exercise's check says

* "not attempted" for the stub the notebook ships,
* "passed" for the instructor's solution,
* each known mistake's own message for that mistake.

The solutions and mistakes come from the instructor notebook (they are not in the
published tree); the check, its data and its comparator come from the published tree.
"""
from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from grader.course import list_labs, load_lab, nbgrader_meta
from grader.declarations import _checked_names, read_notebook_declarations
from tests.paths import ROOT

pytestmark = pytest.mark.slow

NOTEBOOKS = [(lab, nb) for lab in list_labs(ROOT) for nb in load_lab(lab, ROOT).notebooks]


def _stream(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def _run(client, source: str, index: int) -> str:
    cell = nbformat.v4.new_code_cell(source)
    client.execute_cell(cell, index)
    return _stream(cell)


@pytest.mark.parametrize("lab, notebook", NOTEBOOKS, ids=lambda v: v)
def test_published_checks_know_the_stub_the_solution_and_every_mistake(published, lab, notebook, monkeypatch):
    found = read_notebook_declarations(load_lab(lab, ROOT), notebook)
    source = nbformat.read(ROOT / "solutions" / lab / f"{notebook}.ipynb", as_version=4)
    solutions = {nbgrader_meta(c)["grade_id"]: c.source for c in source.cells
                 if nbgrader_meta(c).get("solution") and not nbgrader_meta(c).get("grade")}
    path = published / "labs" / lab / f"{notebook}.ipynb"
    nb = nbformat.read(path, as_version=4)
    # The kernel imports course_utils from the published tree, not from this checkout.
    monkeypatch.setenv("PYTHONPATH", str(published))
    monkeypatch.setenv("COURSE_LABS_QUICK", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    seen = set()
    with client.setup_kernel():
        where = _run(client, "import course_utils; print(course_utils.__file__)", 0)
        assert where.strip().startswith(str(published)), where
        for index, cell in enumerate(list(nb.cells)):  # nbclient replaces nb.cells[index] with what it ran
            if cell.cell_type != "code":
                continue
            meta = nbgrader_meta(cell)
            if not (meta.get("grade") and not meta.get("solution")):
                client.execute_cell(cell, index)
                continue
            for name in sorted(_checked_names(cell.source) & set(found.declarations)):
                decl = found.declarations[name]
                out = _run(client, cell.source, index)
                assert f"{name}: not attempted" in out, out
                _run(client, solutions[name], index)
                out = _run(client, cell.source, index)
                assert f"✅ {name}: passed" in out, out
                for mistake in decl.mistakes:  # each on top of the solution, as release ran it
                    _run(client, solutions[name], index)
                    _run(client, mistake.code, index)
                    out = _run(client, cell.source, index)
                    assert f"❌ {name}: wrong" in out and mistake.message in out, (mistake.message, out)
                _run(client, solutions[name], index)  # later cells build on the right answer
                seen.add(name)
    assert seen == set(found.declarations)

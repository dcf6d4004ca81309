"""`grader publish`: the student repository holds what students need and no answer.

Leak test: no line of a solution region and no secret line of a hidden-test block (see
``grader.leaks``) appears in the published tree or in the wheel built from it; in a graded
release no hint holds a code line of a solution, and ``.solution()`` gives nothing away. A
practice release keeps the full hints.
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.course import CourseError, list_labs, load_lab, student_repository
from grader.declarations import read_notebook_declarations
from grader.leaks import find_leaks, find_leaks_in_wheel, secret_lines, solution_code_lines
from grader.publish import colab_url, publish
from tests.paths import ROOT

pytestmark = pytest.mark.slow

LABS = [load_lab(name, ROOT) for name in list_labs(ROOT)]


@pytest.fixture(scope="module")
def secrets():
    found = secret_lines(LABS)
    assert len(found) > 300  # every notebook has solutions and probes
    return found


def test_the_tree_holds_the_labs_the_student_package_and_nothing_of_the_instructor(published):
    notebooks = sorted(str(p.relative_to(published)) for p in published.glob("labs/*/*.ipynb"))
    assert notebooks == sorted(f"labs/{lab.name}/{nb}.ipynb" for lab in LABS for nb in lab.notebooks)
    for lab in LABS:
        for nb in lab.notebooks:
            assert (published / "course_utils" / "checks" / "data" / lab.name / f"{nb}.json").is_file()
    python = [p.relative_to(published) for p in published.rglob("*.py")]
    assert python and all(p.parts[0] == "course_utils" for p in python), python
    for absent in ("solutions", "grader", "tests", "course_utils/probes.py", "gradebook.db", "nbgrader_config.py"):
        assert not (published / absent).exists(), absent
    for path in published.glob("labs/*/*.ipynb"):
        text = path.read_text()
        for secret in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "strict=True", "probe("):
            assert secret not in text, (path, secret)


def test_no_solution_or_hidden_test_line_is_published(published, secrets):
    leaks = find_leaks(published, secrets)
    assert leaks == [], "\n".join(f"{l.file}: {l.secret.where}: {l.secret.line}" for l in leaks[:10])


def test_the_leak_scan_finds_a_planted_answer(published, secrets, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(published, copy)
    solution = next(s for s in secrets if "(solution)" in s.where)
    hidden = next(s for s in secrets if "(hidden tests)" in s.where)
    (copy / "course_utils" / "helpers.py").write_text(f"# a helper\n{solution.line}\n")
    data = next((copy / "course_utils" / "checks" / "data").rglob("*.json"))
    record = json.loads(data.read_text())
    next(iter(record["exercises"].values()))["hint"] = "look:\n" + hidden.line
    data.write_text(json.dumps(record))  # escaped inside JSON: still found
    found = {(l.file, l.secret.line) for l in find_leaks(copy, secrets)}
    assert ("course_utils/helpers.py", solution.line) in found
    assert (str(data.relative_to(copy)), hidden.line) in found


def test_the_wheel_built_from_the_tree_holds_no_answer(published, secrets, tmp_path):
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(published)],
                   check=True, capture_output=True, timeout=600)
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "course_utils/checks/core.py" in names
    assert any(n.startswith("course_utils/checks/data/") and n.endswith(".json") for n in names)
    assert not [n for n in names if n.startswith(("grader/", "solutions/")) or n.endswith("probes.py")]
    assert find_leaks_in_wheel(wheel, secrets) == []


def test_no_reference_implementation_in_the_student_package(published):
    graded = {name for lab in LABS for nb in lab.notebooks
              for decl in read_notebook_declarations(lab, nb).declarations.values() for name in decl.uses}
    defined = {}
    for path in (published / "course_utils").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.setdefault(node.name.lstrip("_"), []).append(str(path.relative_to(published)))
    clashes = {name: defined[name] for name in graded if name in defined}
    assert clashes == {}, f"the student package defines graded functions: {clashes}"


def _exercises(folder: Path) -> dict[str, dict]:
    return {name: entry for path in (folder / "course_utils" / "checks" / "data").rglob("*.json")
            for name, entry in json.loads(path.read_text())["exercises"].items()}


def test_a_graded_release_gives_nudges_not_code(published):
    code = solution_code_lines(LABS)
    exercises = _exercises(published)
    assert len(exercises) >= 40
    for name, entry in exercises.items():
        hint = " ".join(entry["hint"].split())
        assert not [line for line in code if line in hint], name
        assert "after the deadline" in entry["solution"], name


def test_a_practice_release_keeps_the_full_hints(tmp_path):
    done = publish(ROOT, tmp_path / "practice", "practice")
    assert done.mode == "practice"
    exercises = _exercises(done.folder)
    declared = {name: decl for lab in LABS for nb in lab.notebooks
                for name, decl in read_notebook_declarations(lab, nb).declarations.items()}
    assert set(exercises) == set(declared)
    for name, entry in exercises.items():
        assert entry["hint"] == declared[name].practice_hint.strip()
        assert entry["solution"] == declared[name].practice_solution.strip()
    assert find_leaks(done.folder, secret_lines(LABS), skip_texts=True) == []  # only the texts differ


def test_setup_cells_and_badges_point_at_the_student_repository(published):
    repository = student_repository(ROOT)
    readme = (published / "README.md").read_text()
    for path in published.glob("labs/*/*.ipynb"):
        first = nbformat.read(path, as_version=4).cells[0].source
        assert f"git+{repository}" in first
        assert colab_url(repository, str(path.relative_to(published))) in readme
    assert f'Repository = "{repository}"' in (published / "pyproject.toml").read_text()


def test_publish_refuses_a_folder_it_did_not_write_and_keeps_git(published, tmp_path):
    other = tmp_path / "notes"
    other.mkdir()
    (other / "thesis.tex").write_text("mine")
    with pytest.raises(CourseError, match="did not write"):
        publish(ROOT, other)
    assert (other / "thesis.tex").read_text() == "mine"
    clone = tmp_path / "clone"
    shutil.copytree(published, clone)
    (clone / ".git").mkdir()
    (clone / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (clone / "labs" / "stale.ipynb").write_text("{}")
    publish(ROOT, clone)
    assert (clone / ".git" / "HEAD").is_file() and not (clone / "labs" / "stale.ipynb").exists()

"""A Colab-like fresh environment, installed from the *published* student tree.

Python 3.12 (what Colab runs) with only what Colab preinstalls, at Colab's versions, pinned
here and not in the package: TensorFlow, Keras, NumPy, matplotlib, plus a kernel. Nothing of
ours. The student notebooks' first cell must install the course package there from the
published tree (pointed at it through COURSE_LABS_PIP_SPEC, with ``google.colab`` simulated),
must not touch Colab's TensorFlow, and every notebook must run to the end with its checks
working: untouched, each check says "not attempted"; with the instructor's answers pasted into
the answer cells, each check passes.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from grader.course import nbgrader_meta
from tests.paths import ROOT

pytestmark = pytest.mark.slow

# Google Colab's runtime as last recorded (Python 3.12). The CPU build of the same TensorFlow
# release stands in for Colab's GPU build.
COLAB_PYTHON = "3.12"
COLAB_PINS = ["tensorflow-cpu==2.19.0", "keras==3.10.0", "numpy==2.0.2", "matplotlib==3.10.0"]

RUN = r'''
import json, sys, nbformat
from nbclient import NotebookClient
results = {}
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=900, kernel_name="python3").execute()
    results[path] = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                            for o in c.get("outputs", []) if o.get("output_type") == "stream")
print(json.dumps(results))
'''


def _python312() -> str | None:
    """A Python 3.12 that runs (a pyenv shim on PATH may refuse when 3.12 is not selected)."""
    candidates = sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{COLAB_PYTHON}.*/bin/python{COLAB_PYTHON}")))
    candidates.append(shutil.which(f"python{COLAB_PYTHON}"))
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    return None


def _pip_list(python: Path) -> dict[str, str]:
    out = subprocess.run([python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True)
    return {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(out.stdout)}


def _solved(published: Path, path: Path, out: Path) -> Path:
    """The published notebook with the instructor's answer cells pasted in."""
    nb = nbformat.read(path, as_version=4)
    lab = path.parent.name
    source = nbformat.read(ROOT / "solutions" / lab / path.name, as_version=4)
    answers = {nbgrader_meta(c).get("grade_id"): c.source for c in source.cells if nbgrader_meta(c).get("solution")}
    for cell in nb.cells:
        if nbgrader_meta(cell).get("solution"):
            cell.source = answers[nbgrader_meta(cell)["grade_id"]]
    target = out / f"solved-{lab}-{path.name}"
    nbformat.write(nb, target)
    return target


def test_published_notebooks_install_from_the_student_tree_and_run_on_colabs_python(published, tmp_path):
    python312 = _python312()
    if python312 is None:
        pytest.skip(f"no Python {COLAB_PYTHON} on this machine")
    venv = tmp_path / "colab"
    subprocess.run([python312, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", *COLAB_PINS, "ipykernel", "nbclient", "nbformat"],
                   check=True, timeout=1800)
    before = _pip_list(python)
    assert "intro-dl-labs" not in before
    # google.colab, as a namespace portion: `google` itself stays protobuf's
    fake = tmp_path / "fake" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    # pip builds in the source folder (setuptools leaves build/ there): install from a copy, so the
    # session's published tree stays exactly what `grader publish` wrote for the other tests.
    tree = tmp_path / "student-repo"
    shutil.copytree(published, tree, ignore=shutil.ignore_patterns(".git"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "fake"), "COURSE_LABS_PIP_SPEC": str(tree),
           "COURSE_LABS_QUICK": "1", "MPLBACKEND": "Agg", "JUPYTER_PATH": str(venv / "share" / "jupyter")}
    env.pop("VIRTUAL_ENV", None)
    work = tmp_path / "work"
    work.mkdir()
    notebooks = sorted(published.glob("labs/*/*.ipynb"))
    untouched = [work / "untouched-01.ipynb"]
    shutil.copyfile(published / "labs" / "neural_networks" / "01_perceptron_and_activations.ipynb", untouched[0])
    solved = [_solved(published, path, work) for path in notebooks]
    done = subprocess.run([python, "-c", RUN, *map(str, untouched + solved)], capture_output=True, text=True,
                          env=env, cwd=work, timeout=2400)
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = json.loads(done.stdout.strip().splitlines()[-1])
    text = outputs[str(untouched[0])]
    assert "not attempted" in text and "✅" not in text and "❌" not in text and "💥" not in text
    for path in solved:
        text = outputs[str(path)]
        assert "✅" in text, path.name
        for marker in ("⏳", "❌", "💥"):
            assert marker not in text, f"{path.name}: a check did not pass on Colab's stack:\n{text[-3000:]}"
    after = _pip_list(python)
    assert "intro-dl-labs" in after, "the setup cell did not install the course package"
    for pin in COLAB_PINS:
        name, version = pin.split("==")
        assert after[name] == version, f"installing the course package changed Colab's {name}"
    assert "tensorflow" not in after, "a second TensorFlow distribution was installed"
    where = subprocess.run([python, "-c", "import course_utils; print(course_utils.__file__)"], capture_output=True,
                           text=True, cwd=tmp_path, env={k: v for k, v in env.items() if k != "PYTHONPATH"})
    assert str(venv) in where.stdout, "the package must come from the published tree's install"

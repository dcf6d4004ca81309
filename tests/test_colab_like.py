"""A Colab-like fresh environment: Python with only what Colab preinstalls (TensorFlow,
NumPy, matplotlib) plus a kernel, nothing of ours. The student notebooks' first cell must
install the course package there (pointed at the built wheel through COURSE_LABS_PIP_SPEC,
with ``google.colab`` simulated), must not touch Colab's TensorFlow, and the notebooks must
run to the end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow

RUN = r'''
import json, sys, nbformat
from nbclient import NotebookClient
results = {}
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    results[path] = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                            for o in c.get("outputs", []) if o.get("output_type") == "stream")
print(json.dumps(results))
'''


def _pip_list(python: Path) -> dict[str, str]:
    out = subprocess.run([python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True, check=True)
    return {p["name"].lower().replace("_", "-"): p["version"] for p in json.loads(out.stdout)}


def test_student_notebooks_install_the_package_and_run_on_a_colab_like_python(tmp_path):
    wheel_dir = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(wheel_dir), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    wheel = next(wheel_dir.glob("*.whl"))
    venv = tmp_path / "colab"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    tf = "tensorflow-cpu" if sys.platform == "linux" else "tensorflow"
    subprocess.run([python, "-m", "pip", "install", "--quiet", tf, "numpy", "matplotlib", "ipykernel", "nbclient",
                    "nbformat"], check=True, timeout=1200)
    before = _pip_list(python)
    assert "intro-dl-labs" not in before
    # google.colab, as a namespace portion: `google` itself stays protobuf's
    fake = tmp_path / "fake" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "fake"), "COURSE_LABS_PIP_SPEC": str(wheel),
           "COURSE_LABS_QUICK": "1", "MPLBACKEND": "Agg", "JUPYTER_PATH": str(venv / "share" / "jupyter")}
    env.pop("VIRTUAL_ENV", None)
    notebooks = [ROOT / "labs" / "neural_networks" / "01_perceptron_and_activations.ipynb",
                 ROOT / "labs" / "tensorflow_music" / "01_intro_to_tensorflow.ipynb"]
    done = subprocess.run([python, "-c", RUN, *map(str, notebooks)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    outputs = json.loads(done.stdout.strip().splitlines()[-1])
    for path, text in outputs.items():
        assert "not attempted" in text, path
    after = _pip_list(python)
    assert "intro-dl-labs" in after, "the setup cell did not install the course package"
    assert after[tf] == before[tf], "installing the course package changed Colab's TensorFlow"
    assert ("tensorflow" in after) == ("tensorflow" in before), "a second TensorFlow distribution was installed"

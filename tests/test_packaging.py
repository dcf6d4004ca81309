"""The release artefacts: a wheel and an sdist with course_utils and grader, nothing of
the solutions, passing twine's checks, installable into a fresh virtual environment."""
from __future__ import annotations

import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], check=True,
                   capture_output=True, text=True, timeout=600)
    return out


def test_wheel_and_sdist_hold_the_packages_and_no_solutions(dist):
    wheel = next(dist.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("course_utils/checks/") for n in names)
    assert any(n.startswith("course_utils/checks/data/") and n.endswith(".json") for n in names), "the checks' data"
    assert "grader/cli.py" in names and "course_utils/probes.py" in names
    sdist = next(dist.glob("*.tar.gz"))
    members = tarfile.open(sdist).getnames()
    for listing in (names, members):
        assert not [n for n in listing if "solutions" in n or n.endswith(".ipynb")]


def test_twine_check_passes(dist):
    done = subprocess.run([sys.executable, "-m", "twine", "check", *map(str, dist.iterdir())],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_installs_into_a_fresh_venv_with_the_version_from_pyproject(dist, tmp_path):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    wheel = next(dist.glob("*.whl"))
    # --no-deps: what is checked is our wheel; its dependencies are PyPI's
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True, timeout=300)
    code = "import course_utils, grader, course_utils.settings; print(course_utils.__version__)"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == version
    assert (venv / "bin" / "grader").exists()

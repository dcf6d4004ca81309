"""The course's nbgrader exchange works out of the box: the formgrader finds it (no
"exchange directory ... does not exist" warning), and a lab goes release -> two students
fetch and submit -> collect -> ``grader autograde`` with nbgrader's own commands.

Everything runs in temporary copies of the course's nbgrader_config.py, reached only the
way a user would reach it: the course-local default folder, or NBGRADER_EXCHANGE. Each
process gets its own $HOME, so no ~/.jupyter config or nbgrader cache of this machine
leaks in, and the two students' caches stay apart.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.course import load_lab
from grader.examples import filled_notebook
from tests.corpus.harness import small_course
from tests.grader.conftest import GRADER, LAB, NOTEBOOK
from tests.paths import ROOT

pytestmark = pytest.mark.slow

COURSE_ID = "intro-dl-labs"
# Variables that would point nbgrader elsewhere than the copy under test.
FOREIGN = ("NBGRADER_EXCHANGE", "NBGRADER_COURSE_ID", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR",
           "JUPYTER_CONFIG_PATH", "JUPYTER_PATH", "JUPYTERHUB_USER")

# What the formgrader's "Manage Assignments" page does (server_extensions/formgrader:
# handlers.ManageAssignmentsHandler via base.BaseHandler.api): load the nbgrader config of
# the folder it was started in, build NbGraderAPI, whose ExchangeList check sets
# exchange_missing, and render the page, which warns when the exchange is missing or the
# course id unset.
FORMGRADER_PROBE = r"""
import json, sys
from jinja2 import Environment, FileSystemLoader
from nbgrader.apps.api import NbGraderAPI
from nbgrader.apps.baseapp import NbGrader
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.server_extensions.formgrader import handlers

app = NbGrader()
app.load_config_file()
api = NbGraderAPI(CourseDirectory(parent=app), Authenticator(parent=app), parent=app)
page = Environment(loader=FileSystemLoader([handlers.template_path])).get_template(
    "manage_assignments.tpl").render(url_prefix=".", base_url="/", windows=False,
    course_id=api.course_id, exchange=api.exchange_root, exchange_missing=api.exchange_missing,
    current_config={}, default_timezone="UTC")
warnings = [w for w in ("warning-exchange", "warning-course-id") if w in page]
print(json.dumps({"course_id": api.course_id, "root": api.exchange_root,
                  "functional": bool(api.exchange_is_functional), "warnings": warnings}))
"""


def environment(home: Path, **extra: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
    # nbgrader creates its gradebook with the venv's `alembic` script (see run_nbgrader).
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return {**env, "HOME": str(home), **extra}


def nbgrader(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"nbgrader {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def formgrader_view(course: Path, env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", FORMGRADER_PROBE], cwd=course, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def plain_copy(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("nbgrader_config.py", "pyproject.toml"):
        shutil.copy(ROOT / name, folder / name)
    return folder


def test_formgrader_finds_the_exchange_of_a_plain_copy(tmp_path):
    course = plain_copy(tmp_path / "course")
    seen = formgrader_view(course, environment(tmp_path / "home"))
    assert seen == {"course_id": COURSE_ID, "root": str(course / "exchange"), "functional": True,
                    "warnings": []}
    # Made the way nbgrader's release would make it (everyone rwx), plus the sticky bit.
    assert stat.S_IMODE((course / "exchange").stat().st_mode) == 0o1777


def test_a_hub_exchange_is_taken_from_the_environment(tmp_path):
    """NBGRADER_EXCHANGE wins over the local default, and it is the admin's folder: the
    config never creates it (nor the local one), so until it exists the formgrader warns."""
    course = plain_copy(tmp_path / "course")
    shared = tmp_path / "srv" / "exchange"
    env = environment(tmp_path / "home", NBGRADER_EXCHANGE=str(shared), NBGRADER_COURSE_ID="dl-fall")
    assert formgrader_view(course, env)["warnings"] == ["warning-exchange"]  # the check can fail
    shared.mkdir(parents=True)
    shared.chmod(0o1777)  # what the admin does once, as nbgrader documents (ugo+rw)
    assert formgrader_view(course, env) == {"course_id": "dl-fall", "root": str(shared), "functional": True,
                                            "warnings": []}
    assert not (course / "exchange").exists()


def test_release_fetch_submit_collect_autograde(tmp_path):
    course = small_course(tmp_path / "course", LAB, NOTEBOOK)
    instructor = environment(tmp_path / "instructor-home")
    exchange = course / "exchange"

    nbgrader(["generate_assignment", LAB, "--force"], course, instructor)  # also fills the gradebook
    released = nbgrader(["release_assignment", LAB], course, instructor)
    assert (exchange / COURSE_ID / "outbound" / LAB / f"{NOTEBOOK}.ipynb").is_file()
    # nbgrader found the folder as it wants it (no "changing permissions" warning) and made
    # inbound writable but not readable by everyone: students cannot see each other's work.
    assert "Permissions for exchange directory" not in released.stderr
    assert stat.S_IMODE(exchange.stat().st_mode) == 0o1777
    inbound = stat.S_IMODE((exchange / COURSE_ID / "inbound").stat().st_mode)
    assert inbound & 0o003 == 0o003 and not inbound & 0o004, oct(inbound)

    lab = load_lab(LAB, course)
    for student, solved in (("ada", None), ("bob", set())):
        home = tmp_path / "students" / student
        env = environment(home)
        # The file nbgrader's docs give students when the exchange is not its default one
        # (on a hub: /etc/jupyter/nbgrader_config.py, for everyone).
        (home / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.Exchange.root = {str(exchange)!r}\n"
            f"c.CourseDirectory.course_id = {COURSE_ID!r}\n")
        nbgrader(["fetch_assignment", LAB], home, env)
        fetched = home / LAB / f"{NOTEBOOK}.ipynb"
        if solved is None:  # ada hands in the reference answers, bob the notebook as fetched
            nbformat.write(filled_notebook(lab, NOTEBOOK, solved, release_dir=fetched.parent), fetched)
        # One account plays both students; on a hub each one's login name is the id.
        nbgrader(["submit", LAB, f"--student={student}"], home, env)

    nbgrader(["collect", LAB], course, instructor)
    for student in ("ada", "bob"):
        assert (course / "submitted" / student / LAB / f"{NOTEBOOK}.ipynb").is_file()

    out = tmp_path / "out"
    done = subprocess.run([GRADER, "autograde", LAB, str(course / "submitted"), "--out", str(out), "--workers", "1"],
                          cwd=course, env=instructor, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    with open(out / "grades.csv", newline="") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    assert set(rows) == {"ada", "bob"}
    assert float(rows["ada"]["score"]) == float(rows["ada"]["max_score"]) == lab.max_score
    assert float(rows["bob"]["score"]) == 0

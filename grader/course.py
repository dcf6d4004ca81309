"""Where the course lives on disk and what a lab is made of.

The repository itself is an nbgrader course: ``solutions/<lab>/*.ipynb`` are the
instructor sources, ``labs/<lab>/*.ipynb`` the generated student notebooks.  A lab's
exercises are read from the nbgrader metadata of its sources: an exercise is an answer
cell (``solution: true``) together with the autograded test cells that follow it. A cell
that is both (``solution: true, grade: true``: nbgrader's "manually graded answer") is a
question a TA grades by hand: it has points, but no probe and no part of the automatic score.
"""
from __future__ import annotations

import os
import subprocess
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

SOURCE_DIR = "solutions"
RELEASE_DIR = "labs"


class CourseError(Exception):
    """A problem with the course layout or a lab's sources, explained for the instructor."""


def find_course_root(start: Path | None = None) -> Path:
    """The folder holding ``solutions/``: ``$COURSE_ROOT``, else the nearest parent of
    ``start`` (default: the working directory), else the source tree of this package."""
    if os.environ.get("COURSE_ROOT"):
        return Path(os.environ["COURSE_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SOURCE_DIR).is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    package_tree = Path(__file__).resolve().parent.parent
    if (package_tree / SOURCE_DIR).is_dir():
        return package_tree
    raise CourseError(f"no course found: no '{SOURCE_DIR}/' folder above {here}; set COURSE_ROOT.")


def repository_url(root: Path) -> str:
    """The repository address in ``pyproject.toml`` (``[project.urls] Repository``)."""
    with open(root / "pyproject.toml", "rb") as fh:
        project = tomllib.load(fh)["project"]
    return project["urls"]["Repository"]


def course_settings(root: Path) -> dict:
    """The ``[tool.intro-dl-labs]`` table of ``pyproject.toml``: the course's settings."""
    with open(root / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh).get("tool", {}).get("intro-dl-labs", {})


RELEASE_MODES = ("graded", "practice")


def release_mode(root: Path, override: str | None = None) -> str:
    """``graded`` (hints are nudges, no solutions) or ``practice`` (hints with code and
    solution outlines): ``override`` if given, else the course's ``release-mode``."""
    mode = override or course_settings(root).get("release-mode", "graded")
    if mode not in RELEASE_MODES:
        raise CourseError(f"unknown release mode {mode!r}: use one of {', '.join(RELEASE_MODES)}.")
    return mode


def student_repository(root: Path) -> str:
    """The public student repository (``student-repository``): what the Colab setup cell
    installs from and the "Open in Colab" badges open."""
    url = course_settings(root).get("student-repository")
    if not url:
        raise CourseError("pyproject.toml: set [tool.intro-dl-labs] student-repository to the public address "
                          "of the student repository (what `grader publish` writes).")
    return str(url).rstrip("/")


def package_name(root: Path) -> str:
    with open(root / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"]["name"]


@dataclass(frozen=True)
class Exercise:
    """One graded exercise: its answer cell and the test cells that score it."""

    notebook: str  # notebook name without .ipynb
    name: str  # grade_id of the answer cell
    test_cells: tuple[str, ...]
    points: float


@dataclass(frozen=True)
class ManualQuestion:
    """A manually graded answer cell: a TA gives its points in nbgrader's formgrader."""

    notebook: str
    name: str  # grade_id of the answer cell
    points: float


@dataclass
class Lab:
    name: str
    root: Path
    notebooks: list[str] = field(default_factory=list)
    exercises: list[Exercise] = field(default_factory=list)
    manual_questions: list[ManualQuestion] = field(default_factory=list)

    @property
    def source_dir(self) -> Path:
        return self.root / SOURCE_DIR / self.name

    @property
    def release_dir(self) -> Path:
        return self.root / RELEASE_DIR / self.name

    @property
    def max_score(self) -> float:
        """The automatic points (what ``grader autograde`` gives); manual questions are apart."""
        return sum(ex.points for ex in self.exercises)

    @property
    def manual_points(self) -> float:
        return sum(q.points for q in self.manual_questions)

    def manual_questions_of(self, notebook: str) -> list[ManualQuestion]:
        return [q for q in self.manual_questions if q.notebook == notebook]

    def exercises_of(self, notebook: str) -> list[Exercise]:
        return [ex for ex in self.exercises if ex.notebook == notebook]


def nbgrader_meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def read_exercises(notebook_name: str, nb: nbformat.NotebookNode) -> list[Exercise]:
    """Group test cells under the answer cell before them (see module docstring)."""
    exercises: list[Exercise] = []
    current: str | None = None
    tests: list[str] = []
    points = 0.0

    def close() -> None:
        if current is not None:
            if not tests:
                raise CourseError(f"{notebook_name}: answer cell '{current}' has no test cell after it.")
            exercises.append(Exercise(notebook_name, current, tuple(tests), points))

    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if meta.get("solution") and not meta.get("grade"):
            close()
            current, tests, points = meta["grade_id"], [], 0.0
        elif meta.get("grade") and not meta.get("solution"):
            if current is None:
                raise CourseError(f"{notebook_name}: test cell '{meta.get('grade_id')}' comes before any answer cell.")
            tests.append(meta["grade_id"])
            points += float(meta.get("points", 0))
    close()
    return exercises


def read_manual_questions(notebook_name: str, nb: nbformat.NotebookNode) -> list[ManualQuestion]:
    """nbgrader's manually graded answer cells (``solution`` and ``grade``), in order."""
    return [ManualQuestion(notebook_name, meta["grade_id"], float(meta.get("points", 0)))
            for cell in nb.cells if (meta := nbgrader_meta(cell)).get("solution") and meta.get("grade")]


def load_lab(name: str, root: Path | None = None) -> Lab:
    """Read a lab's notebooks and exercises from ``solutions/<name>/``."""
    root = root or find_course_root()
    lab = Lab(name, root)
    if not lab.source_dir.is_dir():
        known = ", ".join(list_labs(root)) or "none"
        raise CourseError(f"no lab '{name}' in {root / SOURCE_DIR} (labs: {known}).")
    for path in sorted(lab.source_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        lab.notebooks.append(path.stem)
        lab.exercises.extend(read_exercises(path.stem, nb))
        lab.manual_questions.extend(read_manual_questions(path.stem, nb))
    names = [ex.name for ex in lab.exercises] + [q.name for q in lab.manual_questions]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise CourseError(f"lab '{name}': exercise and question names must be unique across its notebooks: {duplicated}")
    return lab


def list_labs(root: Path) -> list[str]:
    return sorted(p.name for p in (root / SOURCE_DIR).iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def run_nbgrader(
    args: list[str], cwd: Path, timeout: float | None = None
) -> "subprocess.CompletedProcess[str]":
    """Run ``python -m nbgrader ARGS`` in ``cwd`` (nbgrader reads nbgrader_config.py there).

    The interpreter's own bin folder goes first on PATH: nbgrader creates its gradebook by
    running the ``alembic`` script, which is only on PATH when the venv is activated.
    """
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def graded_labs(out: Path) -> list[str]:
    """The labs graded into the run folder ``out``, by name (``grader autograde`` keeps each
    student's row in ``OUT/nbgrader/rows/<lab>/<student>/row.json``)."""
    rows = Path(out) / "nbgrader" / "rows"
    return sorted(p.name for p in rows.iterdir() if p.is_dir()) if rows.is_dir() else []

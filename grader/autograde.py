"""``grader autograde``: grade a folder of submissions with real nbgrader.

Each run builds a private nbgrader course under ``OUT/nbgrader`` (the lab's sources,
a gradebook, the submissions), lets nbgrader's ``generate_assignment`` record the
reference cells and ``autograde`` execute each student, one student per process so that
one failure never stops the others, and writes ``OUT/grades.csv``.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import Lab, nbgrader_meta, run_nbgrader

GRADED, INVALID, ERROR = "graded", "invalid", "error"

WORK_CONFIG = '''\
# Written by `grader autograde`: a private nbgrader course for one grading run.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///" + {db!r}
c.Execute.timeout = {cell_timeout}
'''


@dataclass
class Submission:
    """What one student handed in: lab notebook name -> file, plus intake problems."""

    student: str
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class Row:
    student: str
    lab: str
    status: str
    score: float
    max_score: float
    exercises: dict[str, float]
    reason: str = ""
    cells: dict[str, dict] = field(default_factory=dict)


def safe_student_id(name: str) -> str:
    """A student id that is safe as a folder name and in nbgrader's database."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._")
    return cleaned or "unnamed"


def _grade_ids(path: Path) -> set[str]:
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return set()
    return {m["grade_id"] for c in nb.cells if (m := nbgrader_meta(c)).get("grade_id")}


def match_notebook(lab: Lab, path: Path, lab_ids: dict[str, set[str]]) -> str | None:
    """Which of the lab's notebooks ``path`` is: by file name, else by shared cell ids
    (so renamed copies such as "Copy of 01_perceptron.ipynb" are still found)."""
    stem = path.stem
    for name in lab.notebooks:
        if stem == name or stem.endswith(name):
            return name
    ids = _grade_ids(path)
    best = max(lab.notebooks, key=lambda n: len(ids & lab_ids[n]), default=None)
    if best is not None and ids & lab_ids[best]:
        return best
    return lab.notebooks[0] if len(lab.notebooks) == 1 else None


def discover(lab: Lab, source: Path) -> list[Submission]:
    """Students are the sub-folders of ``source`` (any depth of notebooks inside) and
    the loose ``.ipynb`` files in it (the file name is the student id)."""
    lab_ids = {name: _grade_ids(lab.source_dir / f"{name}.ipynb") for name in lab.notebooks}
    found: dict[str, Submission] = {}
    entries = sorted(p for p in source.iterdir() if not p.name.startswith("."))
    for entry in entries:
        if entry.is_dir():
            student = safe_student_id(entry.name)
            files = sorted(p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif entry.suffix == ".ipynb":
            student, files = safe_student_id(entry.stem), [entry]
        else:
            continue
        sub = found.setdefault(student, Submission(student))
        if not files:
            sub.problems.append(f"no notebook in {entry.name}/")
        for path in files:
            name = match_notebook(lab, path, lab_ids)
            if name is None:
                sub.problems.append(f"{path.name} is not a notebook of lab '{lab.name}'")
            elif name in sub.files:
                sub.problems.append(f"{path.name} ignored: {sub.files[name].name} is already {name}")
            else:
                sub.files[name] = path
    return list(found.values())


class WorkCourse:
    """The private nbgrader course of one grading run, under ``OUT/nbgrader``."""

    def __init__(self, lab: Lab, out: Path, cell_timeout: int) -> None:
        self.lab = lab
        self.root = (out / "nbgrader").resolve()
        self.db = self.root / "gradebook.db"
        self.cell_timeout = cell_timeout

    def prepare(self) -> None:
        source = self.root / "source" / self.lab.name
        if source.exists():
            shutil.rmtree(source)
        source.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.lab.source_dir, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        (self.root / "nbgrader_config.py").write_text(
            WORK_CONFIG.format(root=str(self.root), db=str(self.db), cell_timeout=self.cell_timeout)
        )
        self._nbgrader("generate_assignment", self.lab.name, "--force", timeout=300)

    def _nbgrader(self, *args: str, timeout: float) -> subprocess.CompletedProcess:
        # Notebooks read COURSE_LABS_QUICK to keep their demo training runs short: grading
        # never depends on how long a student trained.
        done = run_nbgrader(list(args), cwd=self.root, timeout=timeout, extra_env={"COURSE_LABS_QUICK": "1"})
        if done.returncode != 0:
            raise RuntimeError(_last_error(done.stderr or done.stdout))
        return done

    def grade(self, sub: Submission) -> None:
        folder = self.root / "submitted" / sub.student / self.lab.name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name, path in sub.files.items():
            shutil.copyfile(path, folder / f"{name}.ipynb")
        budget = 120 + self.cell_timeout * 4 * max(1, len(sub.files))
        self._nbgrader("autograde", self.lab.name, f"--student={sub.student}", "--force", timeout=budget)

    def scores(self, student: str) -> dict[str, dict]:
        """Test cell name -> {"score", "max_score"} from nbgrader's gradebook."""
        from nbgrader.api import Gradebook, MissingEntry

        cells: dict[str, dict] = {}
        with Gradebook(f"sqlite:///{self.db}") as gb:
            for name in self.lab.notebooks:
                try:
                    notebook = gb.find_submission_notebook(name, self.lab.name, student)
                except MissingEntry:
                    continue
                for grade in notebook.grades:
                    cells[grade.name] = {"score": float(grade.score or 0.0), "max_score": float(grade.max_score)}
        return cells


def _last_error(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    interesting = [line for line in lines if "Error" in line or "error" in line]
    return (interesting or lines or ["no output"])[-1][:300]


def grade_submission(course: WorkCourse, lab: Lab, sub: Submission) -> Row:
    zero = {ex.name: 0.0 for ex in lab.exercises}
    if not sub.files:
        return Row(sub.student, lab.name, INVALID, 0.0, lab.max_score, zero, "; ".join(sub.problems) or "nothing handed in")
    try:
        course.grade(sub)
        cells = course.scores(sub.student)
    except subprocess.TimeoutExpired:
        return Row(sub.student, lab.name, ERROR, 0.0, lab.max_score, zero, "grading took too long and was stopped")
    except RuntimeError as exc:
        return Row(sub.student, lab.name, ERROR, 0.0, lab.max_score, zero, f"nbgrader failed: {exc}")
    exercises = {ex.name: sum(cells.get(t, {}).get("score", 0.0) for t in ex.test_cells) for ex in lab.exercises}
    notes = list(sub.problems)
    notes += [f"{name} not handed in" for name in lab.notebooks if name not in sub.files]
    return Row(sub.student, lab.name, GRADED, sum(exercises.values()), lab.max_score, exercises, "; ".join(notes), cells)


def autograde(lab: Lab, source: Path, out: Path, cell_timeout: int = 60, progress: bool = True) -> list[Row]:
    """Grade every submission in ``source``; write ``out/grades.csv`` and ``grades.json``."""
    from tqdm.auto import tqdm

    out.mkdir(parents=True, exist_ok=True)
    submissions = discover(lab, source)
    course = WorkCourse(lab, out, cell_timeout)
    course.prepare()
    rows = []
    for sub in tqdm(submissions, desc=f"grading {lab.name}", unit="student", disable=not progress):
        rows.append(grade_submission(course, lab, sub))
    write_reports(lab, rows, out)
    return rows


def write_reports(lab: Lab, rows: list[Row], out: Path) -> None:
    import csv

    columns = ["student", "lab", "status", "score", "max_score", *(ex.name for ex in lab.exercises), "reason"]
    with open(out / "grades.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                [row.student, row.lab, row.status, _fmt(row.score), _fmt(row.max_score),
                 *(_fmt(row.exercises[ex.name]) for ex in lab.exercises), row.reason]
            )
    detail = [row.__dict__ for row in rows]
    (out / "grades.json").write_text(json.dumps(detail, indent=2, sort_keys=True))


def _fmt(value: float) -> str:
    return f"{value:g}"

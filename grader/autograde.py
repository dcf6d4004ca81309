"""``grader autograde``: grade a folder of submissions with real nbgrader.

Each run builds a private nbgrader course under ``OUT/nbgrader`` (the lab's sources,
a gradebook, the submissions), lets nbgrader's ``generate_assignment`` record the
reference cells and ``autograde`` execute each student, one student per process so that
one failure never stops the others, and writes ``OUT/grades.csv``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import Lab, nbgrader_meta
from .workcourse import REFERENCE_STUDENT, WorkCourse

GRADED, INVALID, ERROR = "graded", "invalid", "error"
STATUSES = (GRADED, "repaired", INVALID, "duplicate", "crashed", "timeout", "memory", ERROR)

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


STOPPED = {"timeout": "timeout", "cpu": "timeout", "memory": "memory"}  # anything else: crashed


def _run_status(lab: Lab, notebook: str, run: dict) -> tuple[str, str] | None:
    """(status, reason) when a notebook's run stopped early, naming the cell that did it."""
    state = run.get("status", "completed")
    if state == "completed":
        return None
    where = ""
    if run.get("cell") is not None:
        where = f" at cell {run['cell'] + 1} of {notebook}"
    return STOPPED.get(state, "crashed"), f"{run.get('reason') or state}{where}"


def grade_submission(course: WorkCourse, lab: Lab, sub: Submission) -> Row:
    zero = {ex.name: 0.0 for ex in lab.exercises}
    if not sub.files:
        return Row(sub.student, lab.name, INVALID, 0.0, lab.max_score, zero, "; ".join(sub.problems) or "nothing handed in")
    run = course.run_student(sub.student, sub.files)
    cells = course.scores(sub.student)
    if run["error"] and not cells:
        return Row(sub.student, lab.name, ERROR, 0.0, lab.max_score, zero, f"nbgrader failed: {run['error']}")
    exercises = {ex.name: sum(cells.get(t, {}).get("score", 0.0) for t in ex.test_cells) for ex in lab.exercises}
    status, notes = GRADED, list(sub.problems)
    for name in lab.notebooks:
        if name not in sub.files:
            notes.append(f"{name} not handed in")
            continue
        report = run["reports"].get(name)
        stopped = _run_status(lab, name, report["run"]) if report else ("crashed", f"{name} was not graded")
        if stopped:
            status = stopped[0] if status == GRADED else status
            notes.append(stopped[1])
    detail = {name: report.get("checks", {}) for name, report in run["reports"].items()}
    return Row(sub.student, lab.name, status, round(sum(exercises.values()), 4), lab.max_score, exercises,
               "; ".join(notes), cells={"scores": cells, "checks": detail})


def autograde(lab: Lab, source: Path, out: Path, cell_timeout: int = 60, progress: bool = True) -> list[Row]:
    """Grade every submission in ``source``; write ``out/grades.csv`` and ``grades.json``."""
    from tqdm.auto import tqdm

    out.mkdir(parents=True, exist_ok=True)
    submissions = discover(lab, source)
    course = WorkCourse(lab, out, cell_timeout, hide=[source])
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

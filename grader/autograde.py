"""``grader autograde``: grade a folder (or a ``.zip``) of submissions with real nbgrader.

Intake checks every file and finds who handed in which notebook (``intake``); each
notebook is rebuilt on the released one so that lost metadata or edited tests cannot
change its score (``repair``); each student is graded by nbgrader in its own process and
sandboxed kernel (``workcourse``), the hidden checks compared with the reference outside
the kernel (``nbgrader_plugins``). One failure never stops the others. Writes
the reports described in ``reports``.
"""
from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import reports
from .course import Lab
from .intake import collect
from .workcourse import WorkCourse

GRADED, REPAIRED, INVALID, ERROR = "graded", "repaired", "invalid", "error"
STATUSES = (GRADED, REPAIRED, INVALID, "crashed", "timeout", "memory", ERROR)


@dataclass
class Submission:
    """What one student handed in: lab notebook name -> file, plus intake problems."""

    student: str
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    lms_id: str | None = None


@dataclass
class Row:
    """One student's result: a line of grades.csv, with the detail of grades.json."""

    student: str
    lab: str
    status: str
    score: float
    max_score: float
    exercises: dict[str, float]
    reason: str = ""
    cells: dict[str, dict] = field(default_factory=dict)
    lms_id: str | None = None
    seconds: float = 0.0  # wall-clock time spent grading this student


STOPPED = {"timeout": "timeout", "cpu": "timeout", "memory": "memory"}  # anything else: crashed


def _run_status(notebook: str, run: dict) -> tuple[str, str] | None:
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
    run = course.run_student(sub.student, sub.files, repair=True)
    cells = run["cells"]
    if run["error"] and not cells:
        return Row(sub.student, lab.name, ERROR, 0.0, lab.max_score, zero, f"nbgrader failed: {run['error']}")
    exercises = {ex.name: sum(cells.get(t, {}).get("score", 0.0) for t in ex.test_cells) for ex in lab.exercises}
    status, notes = (REPAIRED if run["repairs"] else GRADED), list(sub.problems) + run["repairs"]
    for name in lab.notebooks:
        if name not in sub.files:
            notes.append(f"{name} not handed in")
            continue
        report = run["reports"].get(name)
        stopped = _run_status(name, report["run"]) if report else ("crashed", f"{name} was not graded")
        if stopped:
            status = stopped[0] if status in (GRADED, REPAIRED) else status
            notes.append(stopped[1])
    detail = {name: report.get("checks", {}) for name, report in run["reports"].items()}
    return Row(sub.student, lab.name, status, round(sum(exercises.values()), 4), lab.max_score, exercises,
               "; ".join(notes), cells={"scores": cells, "checks": detail})


def default_workers(memory_mb: int) -> int:
    """As many parallel kernels as there are cores and memory for (a TensorFlow kernel
    takes about 600 MB; ``memory_mb`` is the most one may take)."""
    import psutil

    by_memory = psutil.virtual_memory().available // ((min(memory_mb, 1024) + 256) << 20)
    return max(1, min(os.cpu_count() or 1, int(by_memory)))


def _fingerprint(sub: Submission, course: WorkCourse) -> str:
    digest = hashlib.sha256(course.reference_fingerprint().encode())
    for name in sorted(sub.files):
        digest.update(name.encode() + b"\0" + sub.files[name].read_bytes())
    digest.update("\n".join(sub.problems).encode())
    return digest.hexdigest()


def autograde(
    lab: Lab,
    source: Path,
    out: Path,
    cell_timeout: int = 60,
    memory_mb: int = 3072,
    progress: bool = True,
    regrade: bool = False,
    workers: int | None = None,
) -> list[Row]:
    """Grade every submission in ``source`` into ``out``; return the rows of all students
    graded in ``out`` so far (this run's and earlier runs').

    A student whose files are unchanged since their last grading in ``out`` is not graded
    again unless ``regrade``; a run killed midway therefore resumes where it stopped, and
    each student's result is written in one step, so none is half-written or lost.
    Students are graded ``workers`` at a time (default: :func:`default_workers`).
    """
    from tqdm.auto import tqdm

    from .sandbox import protection

    out.mkdir(parents=True, exist_ok=True)
    intake = collect(lab, source, out / "intake")
    reports.write_intake(intake, out)
    submissions = [Submission(s.student, dict(s.notebooks), list(s.notes), s.lms_id) for s in intake.students]
    # Student code must not see the other students' files (the source, the intake copies).
    course = WorkCourse(lab, out, cell_timeout, memory_mb=memory_mb, hide=[source, out])
    if progress:
        print(protection())
    course.prepare()
    todo = []
    for sub in submissions:
        fingerprint = _fingerprint(sub, course)
        saved = course.saved_row(sub.student)
        if regrade or not saved or saved.get("fingerprint") != fingerprint:
            todo.append((sub, fingerprint))

    def grade_one(item: tuple[Submission, str]) -> None:
        sub, fingerprint = item
        start = time.perf_counter()
        row = grade_submission(course, lab, sub)
        row.lms_id, row.seconds = sub.lms_id, round(time.perf_counter() - start, 3)
        course.save_row(sub.student, {**asdict(row), "fingerprint": fingerprint})

    # Each student is its own nbgrader process against its own scratch gradebook, so
    # threads only wait on subprocesses; the course gradebook is written under a lock.
    with ThreadPoolExecutor(max_workers=workers or default_workers(memory_mb)) as pool:
        bar = tqdm(total=len(todo), desc=f"grading {lab.name}", unit="student", disable=not progress)
        futures = [pool.submit(grade_one, item) for item in todo]
        try:
            for future in as_completed(futures):
                future.result()
                bar.update()
        except BaseException:  # Ctrl-C: finish nothing new; graded students are saved
            for future in futures:
                future.cancel()
            raise
        finally:
            bar.close()
    rows = [Row(**{k: v for k, v in saved.items() if k != "fingerprint"}) for saved in course.saved_rows()]
    reports.write_all(lab, rows, out)
    return rows

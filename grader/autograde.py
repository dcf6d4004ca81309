"""``grader autograde``: grade a folder (or a ``.zip``) of submissions with real nbgrader.

Intake checks every file and finds who handed in which notebook (``intake``); each
notebook is rebuilt on the released one so that lost metadata or edited tests cannot
change its score (``repair``); each student is graded by nbgrader in a fresh sandboxed
kernel, by long-lived worker processes on this machine or on a Dask cluster (``worker``,
``executors``); the hidden checks are compared with the reference outside the
kernel (``nbgrader_plugins``). One failure never stops the others. Writes
the reports described in ``reports``.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import reports
from .changes import Regrade, compare, write_changes
from .course import Lab
from .intake import collect
from .workcourse import WorkCourse

GRADED, REPAIRED, INVALID, ERROR = "graded", "repaired", "invalid", "error"
NEEDS_MANUAL = "needs manual grading"
STATUSES = (GRADED, REPAIRED, INVALID, "crashed", "timeout", "memory", ERROR)


@dataclass
class Submission:
    """What one student handed in: lab notebook name -> file, plus intake problems."""

    student: str  # the id as given
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    lms_id: str | None = None
    key: str = ""  # its safe file name and nbgrader id (intake.safe_key)

    def __post_init__(self) -> None:
        if not self.key:
            from .intake import safe_key

            self.key = safe_key(self.student)


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
    worker: str = ""  # host:pid of the worker process that graded it
    key: str = ""  # the student's safe file name (feedback/<key>.html) and nbgrader id
    # manually graded questions, outside ``score``: grade_id -> the points a TA gave, or
    # None while the answer waits for manual grading (NEEDS_MANUAL); 0 when left unanswered
    manual: dict[str, float | None] = field(default_factory=dict)


@dataclass
class GradingRun:
    """What ``autograde`` did: every student's row in ``out`` so far, and what changed for
    the students graded again."""

    rows: list[Row]
    regrade: Regrade


STOPPED = {"timeout": "timeout", "cpu": "timeout", "memory": "memory"}  # anything else: crashed


def _run_notes(notebook: str, run: dict) -> tuple[str | None, list[str]]:
    """The row status a notebook's run calls for (None: it ran normally) and a note for each
    thing that went wrong in it, naming its cell. Only fixed words: nothing the student's
    code printed or named."""
    events = run.get("events")
    if events is None:  # a run recorded before events existed
        events = [] if run.get("status", "completed") == "completed" else [run]
    status, notes = None, []
    for event in events:
        where = f" at cell {event['cell'] + 1} of {notebook}" if event.get("cell") is not None else f" in {notebook}"
        notes.append(f"{event.get('reason') or event.get('status')}{where}")
        if event.get("status") != "tampering" and status is None:
            status = STOPPED.get(event.get("status"), "crashed")
    return status, notes


def invalid_row(lab: Lab, sub: Submission) -> Row:
    zero = {ex.name: 0.0 for ex in lab.exercises}
    return Row(sub.student, lab.name, INVALID, 0.0, lab.max_score, zero, "; ".join(sub.problems) or "nothing handed in",
               key=sub.key, manual={q.name: 0.0 for q in lab.manual_questions})


def manual_points(lab: Lab, sub: Submission, cells: dict[str, dict]) -> dict[str, float | None]:
    """Each manual question's points so far: None while a written answer waits for a TA;
    0 for an answer left as released or a notebook not handed in (nothing to grade)."""
    found = {}
    for q in lab.manual_questions:
        cell = cells.get(q.name)
        waiting = q.notebook in sub.files and cell is not None and cell.get("needs_manual_grade")
        found[q.name] = None if waiting else float(cell["score"]) if cell and q.notebook in sub.files else 0.0
    return found


def graded_row(lab: Lab, sub: Submission, run: dict, repairs: list[str]) -> Row:
    """The row of a student whose notebooks a worker graded (``run``: ``WorkCourse.store``)."""
    zero = {ex.name: 0.0 for ex in lab.exercises}
    cells = run["cells"]
    if run["error"] and not cells:
        return Row(sub.student, lab.name, ERROR, 0.0, lab.max_score, zero, f"nbgrader failed: {run['error']}",
                   worker=run.get("worker", ""), key=sub.key, manual={q.name: 0.0 for q in lab.manual_questions})
    exercises = {ex.name: sum(cells.get(t, {}).get("score", 0.0) for t in ex.test_cells) for ex in lab.exercises}
    status, notes = (REPAIRED if repairs else GRADED), list(sub.problems) + repairs
    for name in lab.notebooks:
        if name not in sub.files:
            notes.append(f"{name} not handed in")
            continue
        report = run["reports"].get(name)
        stopped, events = _run_notes(name, report["run"]) if report else ("crashed", [f"{name} was not graded"])
        if stopped:
            status = stopped if status in (GRADED, REPAIRED) else status
        notes += events
    detail = {name: report.get("checks", {}) for name, report in run["reports"].items()}
    return Row(sub.student, lab.name, status, round(sum(exercises.values()), 4), lab.max_score, exercises,
               "; ".join(notes), cells={"scores": cells, "checks": detail}, worker=run.get("worker", ""), key=sub.key,
               manual=manual_points(lab, sub, cells))


def default_workers(memory_mb: int, forked: bool = True) -> int:
    """As many workers as there are cores and memory for. A worker (~250 MB itself) holds
    two kernels at times (the one grading, the next one starting); ``memory_mb`` is the
    most one may take, and a budget of 1 GB each covers the labs' own use. Measured PSS
    after TensorFlow's import (``benchmarks/grading.py``, 2026-12-03): a fresh kernel
    415 MB; a forked one 198 MB, the rest of its imports' pages shared with its worker's
    warm parent (311 MB), which is counted once per worker instead: forked, each kernel's
    budget is 128 MB less and the worker's 192 MB more (on the safe side of the ~120 MB
    per worker saved as measured)."""
    import psutil

    kernel = min(memory_mb, 1024)
    per_worker = 256 + (2 * (kernel - 128) + 192 if forked else 2 * kernel)
    by_memory = psutil.virtual_memory().available // (per_worker << 20)
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
    scheduler: str | None = None,
    kernels: str = "auto",
) -> GradingRun:
    """Grade every submission in ``source`` into ``out``; return the rows of all students
    graded in ``out`` so far (this run's and earlier runs') and the changes of those graded
    again (also in ``out/changes.csv``).

    A student whose files are unchanged since their last grading in ``out`` is not graded
    again unless ``regrade``; a run stopped midway (Ctrl-C, a crash) therefore resumes where
    it stopped, and each student's result is written in one step, so none is half-written.
    Students are graded by ``workers`` local worker processes (default:
    :func:`default_workers`), or on the Dask cluster at ``scheduler``.
    """
    from .executors import DaskExecutor, LocalExecutor

    client = DaskExecutor.connect(scheduler) if scheduler else None  # fail fast, before any work
    out.mkdir(parents=True, exist_ok=True)
    intake = collect(lab, source, out / "intake")
    reports.write_intake(intake, out)
    submissions = [Submission(s.student, dict(s.notebooks), list(s.notes), s.lms_id, s.key) for s in intake.students]
    # Student code must not see the other students' files (the source, the intake copies).
    course = WorkCourse(lab, out, cell_timeout, memory_mb=memory_mb, hide=[source, out], kernels=kernels)
    if scheduler:
        executor = DaskExecutor(client, None)
        where = executor.describe()
    else:
        # Started before the course is prepared: the workers' imports overlap the preparation.
        count = min(workers or default_workers(memory_mb, forked=kernels != "fresh"), max(1, len(submissions)))
        executor = LocalExecutor(count, None, course.task_timeout(len(lab.notebooks)), course.root / "logs")
        where = f"{count} local worker{'s' * (count > 1)}"
    try:
        if isinstance(executor, LocalExecutor):
            executor.start()
        return _grade_all(lab, out, course, executor, where, submissions, progress, regrade)
    finally:  # Ctrl-C included: workers and kernels stop now; graded students are saved
        executor.close()
        course.close()


def _grade_all(lab: Lab, out: Path, course: WorkCourse, executor, where: str, submissions: list[Submission],
               progress: bool, regrade: bool) -> GradingRun:
    from tqdm.auto import tqdm

    from .sandbox import protection

    if progress:
        print(protection())
    course.prepare()
    executor.brief(course.bundle)  # the workers get ready while the tasks are prepared
    course.course_gradebook()  # opened (nbgrader imported) now, while the workers start, not at the first result
    todo: dict[str, tuple[Submission, str, list[str]]] = {}
    tasks = []
    before: dict[str, dict] = {}  # the rows this run replaces, for changes.csv
    regraded = Regrade()
    for sub in submissions:
        fingerprint = _fingerprint(sub, course)
        saved = course.saved_row(sub.key)
        if not (regrade or not saved or saved.get("fingerprint") != fingerprint):
            continue
        if saved:
            before[sub.key] = saved
        if not sub.files:
            course.forget(sub.key)
            row = invalid_row(lab, sub)
            _note_changes(regraded, lab, before.get(sub.key), row)
            course.save_row(sub.key, {**asdict(row), "fingerprint": fingerprint})
            continue
        task, repairs = course.make_task(sub.key, sub.files, repair=True)  # graded under its safe key
        todo[sub.key] = (sub, fingerprint, repairs)
        tasks.append(task)

    skipped = len(submissions) - len(todo)
    if progress:
        print(f"grading {len(tasks)} students on {where}" + (f"; {skipped} unchanged since their last grading" if skipped else ""))
    bar = tqdm(total=len(tasks), desc=f"grading {lab.name}", unit="student", disable=not progress)
    told = False
    try:
        for task, result in executor.run(tasks) if tasks else ():
            if progress and result.kernels and not told:
                told = True
                tqdm.write(f"kernels: {result.kernels}")
            sub, fingerprint, repairs = todo[task.student]
            row = graded_row(lab, sub, course.store(result), repairs)
            row.lms_id, row.seconds = sub.lms_id, result.seconds
            _note_changes(regraded, lab, before.get(sub.key), row)
            course.save_row(sub.key, {**asdict(row), "fingerprint": fingerprint})
            bar.update()
    finally:
        bar.close()
    if regraded.regraded:
        write_changes(regraded, out / "changes.csv")
    rows = export(lab, out)
    return GradingRun(rows, regraded)


def _note_changes(regraded: Regrade, lab: Lab, old: dict | None, row: Row) -> None:
    if old is not None:
        regraded.regraded.append(row.student)
        regraded.changes += compare(lab, old, row)


def saved_rows(lab: Lab, out: Path) -> list[Row]:
    """Every student graded into ``out`` for ``lab``, as saved, with the manually graded
    answers' points read from the course gradebook (what TAs entered since)."""
    course = WorkCourse(lab, out)
    rows = [Row(**{k: v for k, v in saved.items() if k != "fingerprint"}) for saved in course.saved_rows()]
    if lab.manual_questions:
        from . import gradebook

        given = gradebook.read_manual(course.db, lab.name, lab.manual_questions, [r.key for r in rows])
        for row in rows:
            if row.status not in (INVALID, ERROR):
                row.manual.update(given.get(row.key, {}))
    return rows


def export(lab: Lab, out: Path) -> list[Row]:
    """Write every report of ``out`` again from the saved rows and the gradebook, without
    grading: how manual grades entered in the formgrader reach grades.csv and canvas.csv."""
    rows = saved_rows(lab, out)
    reports.write_all(lab, rows, out)
    return rows

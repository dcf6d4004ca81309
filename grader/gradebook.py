"""nbgrader gradebook bookkeeping for parallel grading.

Each student is autograded against a scratch copy of the course's empty gradebook, so
parallel nbgrader processes never write to one SQLite file at once; the coordinator then
copies the student's grades into the course gradebook (the one nbgrader's formgrader and
``generate_feedback`` read), one student at a time.
"""
from __future__ import annotations

import warnings
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

# nbgrader's models trigger SQLAlchemy "not in session" warnings on every merge; harmless noise
warnings.filterwarnings("ignore", message=".*not in session.*")


def _url(db: Path) -> str:
    return f"sqlite:///{db}"


def read_scores(db: Path, lab: str, notebooks: list[str], student: str) -> dict[str, dict]:
    """Graded cell name -> {"score", "max_score", "needs_manual_grade"} of one student.

    ``needs_manual_grade``: a manually graded answer the student wrote, waiting for a TA
    (nbgrader itself gives 0 to one left as released, and says it needs no grading)."""
    cells: dict[str, dict] = {}
    with Gradebook(_url(db)) as gb:
        for name in notebooks:
            try:
                notebook = gb.find_submission_notebook(name, lab, student)
            except MissingEntry:
                continue
            for grade in notebook.grades:
                cells[grade.name] = {"score": float(grade.score or 0.0), "max_score": float(grade.max_score),
                                     "needs_manual_grade": bool(grade.needs_manual_grade)}
    return cells


def forget(db: Path, lab: str, student: str) -> None:
    """Remove a student's submission (and so every grade of it) from a gradebook."""
    with Gradebook(_url(db)) as gb:
        try:
            gb.remove_submission(lab, student)
        except MissingEntry:
            pass


def merge(course_db: Path, scratch_db: Path, lab: str, student: str) -> None:
    """Copy one student's submission from a scratch gradebook into the course gradebook."""
    with Gradebook(_url(scratch_db)) as scratch, Gradebook(_url(course_db)) as course:
        try:
            submission = scratch.find_submission(lab, student)
        except MissingEntry:
            return
        course.update_or_create_student(student)
        try:
            course.remove_submission(lab, student)
        except MissingEntry:
            pass
        course.add_submission(lab, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                target = course.find_grade(grade.name, notebook.name, lab, student)
                target.auto_score = grade.auto_score
                target.manual_score = grade.manual_score
                target.needs_manual_grade = grade.needs_manual_grade
            for comment in notebook.comments:
                course.find_comment(comment.name, notebook.name, lab, student).auto_comment = comment.auto_comment
        course.db.commit()

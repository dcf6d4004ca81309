"""What a grading run writes for people and for other systems.

* ``grades.csv``  - one row per student: status, score (the automatic points), one column per
  exercise, one per manually graded question ("needs manual grading" until a TA grades it;
  its points never enter ``score``), reason;
* ``grades.json`` - the same plus every check's verdict and the nbgrader cell scores;
* ``canvas.csv``  - a Canvas gradebook import (Student, ID, SIS User ID, SIS Login ID,
  Section, one column for the lab's automatic points, one for its questions graded by hand);
* ``feedback/<key>.html`` - (``key``: the student's safe file name, in grades.json) which checks passed and what was expected, in words; never
  the hidden tests' code, their inputs or tracebacks;
* ``intake.csv``  - which file went to which student and notebook, and which were not used.
"""
from __future__ import annotations

import csv
import html
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .autograde import Row
    from .course import Lab
    from .intake import Intake


def _fmt(value: float) -> str:
    return f"{value:g}"


def write_all(lab: "Lab", rows: list["Row"], out: Path) -> None:
    write_csv(lab, rows, out / "grades.csv")
    (out / "grades.json").write_text(json.dumps([asdict(r) for r in rows], indent=1, sort_keys=True, default=str))
    write_canvas(lab, rows, out / "canvas.csv")
    feedback = out / "feedback"
    feedback.mkdir(exist_ok=True)
    for row in rows:
        (feedback / f"{row.key or row.student}.html").write_text(feedback_html(lab, row), encoding="utf-8")


def manual_text(row: "Row", name: str) -> str:
    """A manual question's cell in the reports: its points, or that it waits for a TA."""
    from .autograde import NEEDS_MANUAL

    points = row.manual.get(name, 0.0)
    return NEEDS_MANUAL if points is None else _fmt(points)


def waiting_points(lab: "Lab", row: "Row") -> float:
    """The points of the manual questions whose written answers wait for a TA."""
    return sum(q.points for q in lab.manual_questions if row.manual.get(q.name, 0.0) is None)


def write_csv(lab: "Lab", rows: list["Row"], path: Path) -> None:
    columns = ["student", "lab", "status", "score", "max_score", *(ex.name for ex in lab.exercises),
               *(f"{q.name} (manual, {_fmt(q.points)})" for q in lab.manual_questions), "reason"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.student, row.lab, row.status, _fmt(row.score), _fmt(row.max_score),
                             *(_fmt(row.exercises.get(ex.name, 0.0)) for ex in lab.exercises),
                             *(manual_text(row, q.name) for q in lab.manual_questions), row.reason])


def write_canvas(lab: "Lab", rows: list["Row"], path: Path) -> None:
    """Canvas' gradebook import: students are matched by ``ID`` (the Canvas user id from
    the submission's file name) or, failing that, by ``SIS Login ID`` (the student id).

    A lab with questions graded by hand has a second assignment column for them, next to
    the automatic points: the TAs' points, left empty (Canvas: not graded yet) while any of
    the student's written answers still waits for a TA."""
    manual = bool(lab.manual_questions)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{lab.name} ({_fmt(lab.max_score)} points)",
                         *([f"{lab.name} graded by hand ({_fmt(lab.manual_points)} points)"] if manual else [])])
        writer.writerow(["Points Possible", "", "", "", "", _fmt(lab.max_score), *([_fmt(lab.manual_points)] if manual else [])])
        for row in rows:
            by_hand = [] if not manual else ["" if waiting_points(lab, row) else
                                             _fmt(sum(row.manual.get(q.name) or 0.0 for q in lab.manual_questions))]
            writer.writerow([row.student, row.lms_id or "", "", row.student, "", _fmt(row.score), *by_hand])


def feedback_html(lab: "Lab", row: "Row") -> str:
    checks = row.cells.get("checks", {}) if isinstance(row.cells, dict) else {}
    parts = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>{html.escape(lab.name)}: feedback for {html.escape(row.student)}</title>",
        "<style>body{font-family:sans-serif;max-width:52em;margin:2em auto}td,th{padding:.2em .6em;text-align:left}"
        ".ok{color:#1a7f37}.no{color:#b42318}</style>",
        f"<h1>{html.escape(lab.name)}</h1>",
        f"<p>Student <b>{html.escape(row.student)}</b>: <b>{_fmt(row.score)} / {_fmt(row.max_score)}</b> points "
        f"(status: {html.escape(row.status)}).</p>",
    ]
    if lab.manual_questions:
        waiting = waiting_points(lab, row)
        parts.append(f"<p>Questions graded by hand: {_fmt(lab.manual_points)} more points"
                     + (f", {_fmt(waiting)} of them waiting for a grader." if waiting else ".") + "</p>")
    if row.reason:
        parts.append(f"<p>Notes: {html.escape(row.reason)}</p>")
    for notebook in lab.notebooks:
        parts.append(f"<h2>{html.escape(notebook)}</h2><table><tr><th>exercise</th><th>points</th><th>checks</th></tr>")
        for ex in lab.exercises_of(notebook):
            items = []
            for cell in ex.test_cells:
                for verdict in checks.get(notebook, {}).get(cell, []):
                    mark = "<span class=ok>✔</span>" if verdict["passed"] else "<span class=no>✘</span>"
                    why = f" — {html.escape(verdict['reason'])}" if verdict.get("reason") else ""
                    items.append(f"<li>{mark} {html.escape(verdict['name'])}{why}</li>")
            listing = f"<ul>{''.join(items)}</ul>" if items else "not graded"
            parts.append(f"<tr><td>{html.escape(ex.name)}</td><td>{_fmt(row.exercises.get(ex.name, 0.0))} / "
                         f"{_fmt(ex.points)}</td><td>{listing}</td></tr>")
        for q in lab.manual_questions_of(notebook):
            parts.append(f"<tr><td>{html.escape(q.name)}</td><td>{html.escape(manual_text(row, q.name))} / "
                         f"{_fmt(q.points)}</td><td>graded by hand, not part of the automatic score</td></tr>")
        parts.append("</table>")
    return "\n".join(parts) + "\n"


def write_intake(intake: "Intake", out: Path) -> None:
    """Which file went to which student and notebook, and every file that was not used."""
    with open(out / "intake.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "student", "notebook", "status", "reason"])
        rejected = {r.path: r for r in intake.rejected}
        for path, student, notebook in intake.mapping:
            r = rejected.get(path)
            writer.writerow([path, student, notebook or "", r.status if r else "used", r.reason if r else ""])
        mapped = {m[0] for m in intake.mapping}
        for r in intake.rejected:
            if r.path not in mapped:
                writer.writerow([r.path, r.student or "", "", r.status, r.reason])

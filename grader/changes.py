"""What a regrade changed: ``OUT/changes.csv`` and a one-line summary.

A student is graded again in the same output folder when the instructor asks for it
(``--regrade``), when the student's files changed, or when the lab changed (a probe fixed,
a point value moved: the run's fingerprint covers the instructor notebooks). Each such
student's new row is compared with the row it replaces, exercise by exercise: the points
before and after, and the hidden checks whose verdict changed. The check names are the
instructor's and the verdicts the grader's, so nothing here comes from a student's code.
"""
from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .autograde import Row
    from .course import Lab

COLUMNS = ["student", "lab", "exercise", "old_points", "new_points", "checks_changed"]


@dataclass(frozen=True)
class Change:
    """One exercise of one student whose points or check verdicts differ from before."""

    student: str
    lab: str
    exercise: str
    old_points: float | None  # None: the exercise did not exist at the last grading
    new_points: float | None  # None: the exercise no longer exists
    checks_changed: tuple[str, ...] = ()  # "name: passed -> failed", "name: new", ...

    @property
    def delta(self) -> float:
        return (self.new_points or 0.0) - (self.old_points or 0.0)


@dataclass
class Regrade:
    """Every change of one run, over the students it graded for the second time or more."""

    regraded: list[str] = field(default_factory=list)  # students graded before, graded again
    changes: list[Change] = field(default_factory=list)

    def students_changed(self) -> list[str]:
        return sorted({c.student for c in self.changes if c.delta})

    def summary(self) -> str:
        """ "12 students changed: +1 on sigmoid for 11, −2 on relu for 1" (points only; a
        verdict that changed without points is counted apart)."""
        if not self.regraded:
            return ""
        changed = self.students_changed()
        if not changed:
            verdicts = len({c.student for c in self.changes})
            tail = f"; check verdicts changed for {verdicts} without changing points" if verdicts else ""
            return f"{_count(len(self.regraded))} graded again: no points changed{tail}"
        moves = Counter((c.exercise, c.delta) for c in self.changes if c.delta)
        parts = [f"{_signed(delta)} on {exercise} for {n}" for (exercise, delta), n in
                 sorted(moves.items(), key=lambda item: (-item[1], item[0]))]
        return f"{_count(len(changed))} changed: " + ", ".join(parts)


def _count(n: int) -> str:
    return f"{n} student{'s' * (n != 1)}"


def _signed(delta: float) -> str:
    return f"+{delta:g}" if delta > 0 else f"\u2212{-delta:g}"


def _verdicts(row: dict, notebook: str, cells: list[str]) -> dict[str, bool]:
    checks = row.get("cells", {}).get("checks", {}) if isinstance(row.get("cells"), dict) else {}
    found: dict[str, bool] = {}
    for cell in cells:
        for verdict in checks.get(notebook, {}).get(cell, []):
            found[f"{cell}: {verdict['name']}"] = bool(verdict["passed"])
    return found


def _word(passed: bool | None) -> str:
    return {True: "passed", False: "failed", None: "absent"}[passed]


def compare(lab: "Lab", old: dict, new: "Row") -> list[Change]:
    """The exercises of ``new`` (a fresh row) that differ from ``old`` (the saved row it
    replaces, as stored in ``rows/``)."""
    from dataclasses import asdict

    fresh = asdict(new)
    old_points: dict[str, float] = old.get("exercises", {})
    changes = []
    names = [ex.name for ex in lab.exercises] + [n for n in old_points if n not in {ex.name for ex in lab.exercises}]
    by_name = {ex.name: ex for ex in lab.exercises}
    for name in names:
        ex = by_name.get(name)
        before = old_points.get(name)
        after = new.exercises.get(name) if ex else None
        checks: list[str] = []
        if ex:
            was, now = _verdicts(old, ex.notebook, ex.test_cells), _verdicts(fresh, ex.notebook, ex.test_cells)
            for check in [*now, *(c for c in was if c not in now)]:
                if was.get(check) != now.get(check):
                    checks.append(f"{check}: {_word(was.get(check))} -> {_word(now.get(check))}")
        if before != after or checks:
            changes.append(Change(new.student, lab.name, name, before, after, tuple(checks)))
    return changes


def _points(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def write_changes(regrade: Regrade, path: Path) -> None:
    """``changes.csv``: one line per changed exercise of a student graded again."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for c in sorted(regrade.changes, key=lambda c: (c.student, c.exercise)):
            writer.writerow([c.student, c.lab, c.exercise, _points(c.old_points), _points(c.new_points),
                             "; ".join(c.checks_changed)])


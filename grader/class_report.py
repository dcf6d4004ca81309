"""``OUT/report.html``: how a class did, for the instructor, without opening a CSV file.

One page, self-contained (plots are embedded SVG images, no script: the page carries a
Content-Security-Policy that forbids them), read from what a grading run left in ``OUT``:
``grades.json`` (one section per lab), ``intake.csv`` and, when a regrade wrote one,
``changes.csv``. Each lab section gives the score distribution, per exercise the mean,
the share of full marks and the share not attempted, the checks most students failed
and why, the statuses (linking to the students' feedback pages), and the grading time.
Summary numbers and plots come first; any list longer than a screen is folded in a
``<details>``, so the page reads the same for 5 students and for 1,000.

Student ids and file names are the students' own text: every one is html-escaped. Check
names are the instructor's and reasons the grader's fixed vocabulary (``grader.probes``).
"""
from __future__ import annotations

import csv
import html
import json
import math
import os
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from . import report_plots
from .course import CourseError, Exercise, load_lab
from .probes import NOT_ATTEMPTED

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
FOLD_OVER = 10  # a list or table longer than this is folded in <details>
SHOWN_MISTAKES = 3  # per exercise, on screen; up to KEPT_MISTAKES more when unfolded
KEPT_MISTAKES = 15
SLOWEST = 5
STATUS_WORDS = {  # grader.autograde.STATUSES, in its order, said for the instructor
    "graded": "graded", "repaired": "repaired (notebook rebuilt on the release)",
    "invalid": "invalid (nothing gradable handed in)", "crashed": "crashed (the kernel died)",
    "timeout": "timed out (a cell ran too long)", "memory": "ran out of memory", "error": "error (the grader failed)",
}
e = html.escape


# --- what the run left -------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """One hidden check of one student, as the grader judged it."""

    cell: str  # the test cell
    name: str  # the instructor's name for the check
    passed: bool
    reason: str  # the grader's fixed words
    gate: bool


@dataclass
class GradedRow:
    """One row of ``grades.json`` (``grader.autograde.Row``), with its checks typed."""

    student: str
    lab: str
    status: str
    score: float
    max_score: float
    exercises: dict[str, float]
    reason: str
    seconds: float
    key: str
    verdicts: dict[str, list[Verdict]]  # notebook -> the verdicts of its test cells
    cell_max: dict[str, float]  # test cell -> its points (nbgrader's cell scores)

    @classmethod
    def parse(cls, data: dict) -> "GradedRow":
        cells = data.get("cells") or {}
        verdicts = {notebook: [Verdict(str(cell), str(v["name"]), bool(v["passed"]), str(v.get("reason") or ""),
                                       bool(v.get("gate"))) for cell, found in by_cell.items() for v in found]
                    for notebook, by_cell in (cells.get("checks") or {}).items()}
        cell_max = {str(cell): float(s.get("max_score", 0.0)) for cell, s in (cells.get("scores") or {}).items()}
        return cls(str(data["student"]), str(data["lab"]), str(data["status"]), float(data["score"]),
                   float(data["max_score"]), {str(k): float(v) for k, v in data["exercises"].items()},
                   str(data.get("reason") or ""), float(data.get("seconds") or 0.0),
                   str(data.get("key") or data["student"]), verdicts, cell_max)

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score > 0 else 0.0

    def verdicts_of(self, ex: Exercise) -> list[Verdict]:
        return [v for v in self.verdicts.get(ex.notebook, []) if v.cell in ex.test_cells]

    def not_attempted(self, ex: Exercise) -> bool:
        """The rule: 0 points, and either every check of the exercise failed with "not
        attempted" (the answer raised NotImplementedError: the released stub, untouched), or
        it has no verdict at all because nothing was handed in (an ``invalid`` row) or its
        notebook was not (the row's reason says "<notebook> not handed in"). A check that
        timed out or raised another error is an attempt; a row the grader failed on
        (``error``) or a notebook that crashed before its checks is not counted here."""
        if self.exercises.get(ex.name, 0.0) > 0:
            return False
        found = self.verdicts_of(ex)
        if found:
            return all(not v.passed and v.reason == NOT_ATTEMPTED for v in found)
        return self.status == "invalid" or f"{ex.notebook} not handed in" in self.reason


def read_rows(out: Path) -> list[GradedRow]:
    path = out / "grades.json"
    if not path.is_file():
        raise CourseError(f"{out} holds no grading run (no grades.json): run `grader autograde` into it first.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CourseError(f"{path} cannot be read: {exc}") from None
    if not isinstance(data, list):
        raise CourseError(f"{path} cannot be read: it holds a {type(data).__name__}, not a list of grading rows.")
    rows = []
    for i, item in enumerate(data, 1):
        try:
            rows.append(GradedRow.parse(item))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            why = f"{type(exc).__name__}: {exc}"
            raise CourseError(f"{path} cannot be read: row {i} is not a grading row ({why}).") from None
    return rows


def read_csv(path: Path) -> list[dict[str, str]] | None:
    """The rows of a CSV file written by the grader, or None when it is absent."""
    if not path.is_file():
        return None
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        return [{k: v or "" for k, v in row.items() if k} for row in csv.DictReader(fh)]


# --- what it says about a lab --------------------------------------------------------------


@dataclass(frozen=True)
class Mistake:
    """A check that students failed: how many, and why (the most frequent reason first)."""

    students: int
    check: str
    reasons: tuple[tuple[str, int], ...]  # (the grader's words, students)
    gate: bool


@dataclass
class ExerciseStats:
    exercise: Exercise
    mean: float  # the class's mean share of its points
    full: float  # share of the class with full marks
    not_attempted: float  # share of the class that did not attempt it (GradedRow.not_attempted)
    mistakes: list[Mistake]  # most students first; "not attempted" is counted apart


@dataclass
class LabReport:
    name: str
    rows: list[GradedRow]
    exercises: list[ExerciseStats] = field(default_factory=list)
    note: str = ""  # why the lab's definition was not used, if it was not

    @property
    def max_score(self) -> float:
        return max(r.max_score for r in self.rows)

    @property
    def fractions(self) -> list[float]:
        return [r.fraction for r in self.rows]


def exercise_stats(ex: Exercise, rows: list[GradedRow]) -> ExerciseStats:
    n = len(rows)
    points = [r.exercises.get(ex.name, 0.0) for r in rows]
    failed: Counter[tuple[str, bool]] = Counter()  # (check, gate) -> students
    reasons: dict[tuple[str, bool], Counter[str]] = {}
    for row in rows:  # each student counts once per check (its cell's checks have distinct names)
        for v in {(v.name, v.gate): v for v in row.verdicts_of(ex) if not v.passed and v.reason != NOT_ATTEMPTED}.values():
            failed[v.name, v.gate] += 1
            reasons.setdefault((v.name, v.gate), Counter())[v.reason] += 1
    ranked = sorted(failed.items(), key=lambda item: (-item[1], item[0][0]))
    return ExerciseStats(
        ex, statistics.fmean(p / ex.points for p in points) if ex.points > 0 else 0.0,
        sum(ex.points > 0 and p >= ex.points - 1e-9 for p in points) / n,
        sum(r.not_attempted(ex) for r in rows) / n,
        [Mistake(count, check, tuple(sorted(reasons[check, gate].items(), key=lambda r: (-r[1], r[0]))), gate)
         for (check, gate), count in ranked])


def exercises_from_rows(rows: list[GradedRow]) -> list[Exercise]:
    """The exercises as the rows tell them, when the lab's definition cannot be read: a
    test cell ``test_<name>`` belongs to exercise ``<name>`` (the course's convention); its
    points are nbgrader's cell points, else the most any student got."""
    names = list(dict.fromkeys(name for r in rows for name in r.exercises))
    found = []
    for name in names:
        cell, notebook = f"test_{name}", ""
        for row in rows:
            notebook = next((nb for nb, vs in row.verdicts.items() if any(v.cell == cell for v in vs)), notebook)
        maxima = [r.cell_max[cell] for r in rows if cell in r.cell_max]
        points = max(maxima) if maxima else max(r.exercises.get(name, 0.0) for r in rows)
        found.append(Exercise(notebook, name, (cell,), points))
    return found


def lab_report(name: str, rows: list[GradedRow], root: Path | None) -> LabReport:
    report = LabReport(name, rows)
    try:
        exercises = load_lab(name, root).exercises
        run_names = {n for r in rows for n in r.exercises}
        if run_names != {ex.name for ex in exercises}:
            raise CourseError(f"its exercises in the course ({len(exercises)}) are not the run's ({len(run_names)})")
    except (CourseError, OSError, ValueError) as exc:
        report.note = (f"The lab's definition could not be used ({exc}); exercises, their points and their checks "
                       "are read from the rows themselves.")
        exercises = exercises_from_rows(rows)
    report.exercises = [exercise_stats(ex, rows) for ex in exercises]
    return report


# --- the page ------------------------------------------------------------------------------


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"


def _n(count: int, word: str = "student") -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def _fold(summary: str, body: str, count: int, always: bool = False) -> str:
    if always or count > FOLD_OVER:
        return f"<details><summary>{summary}</summary>{body}</details>"
    return body


def _table(headers: list[str], cells: list[list[str]], table_id: str = "") -> str:
    """A table of cells already in HTML (escaped by the caller)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells)
    attr = f" id='{e(table_id)}'" if table_id else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(uri: str, alt: str) -> str:
    return f"<img class=plot alt='{e(alt)}' src='{uri}'>"


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest rank (a value some student really took)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class Page:
    """The HTML of one report; knows which feedback pages exist, to link only to those."""

    def __init__(self, out: Path, rows: list[GradedRow]):
        self.out = out
        folder = out / "feedback"
        self.pages = set(os.listdir(folder)) if folder.is_dir() else set()
        self.keys = {r.student: r.key for r in rows}

    def student(self, student: str, key: str | None = None) -> str:
        key = key or self.keys.get(student, "")
        if key and f"{key}.html" in self.pages:
            return f"<a href='feedback/{e(quote(key, safe=''))}.html'>{e(student)}</a>"
        return e(student)

    def students(self, rows: list[GradedRow], what: str) -> str:
        items = "".join(f"<li>{self.student(r.student, r.key)}" + (f" — {e(r.reason)}" if r.reason else "") + "</li>"
                        for r in sorted(rows, key=lambda r: r.student))
        return _fold(f"the {_n(len(rows))} {what}", f"<ul class=students>{items}</ul>", len(rows))

    # one lab

    def lab(self, lab: LabReport) -> str:
        fractions = lab.fractions
        mean, median = statistics.fmean(fractions), statistics.median(fractions)
        full = sum(f >= 1 - 1e-9 for f in fractions)
        zero = sum(f <= 0 for f in fractions)
        hardest = min(lab.exercises, key=lambda s: s.mean, default=None)
        m = lab.max_score
        summary = (f"<b>{_n(len(fractions))}</b>. Mean <b>{mean * m:.1f} / {m:g}</b> points ({_pct(mean)}), "
                   f"median {median * m:.1f} / {m:g} ({_pct(median)}); {full} with full marks, {zero} with 0.")
        counts = Counter(r.status for r in lab.rows)
        summary += " " + ", ".join(f"{n} {STATUS_WORDS.get(s, s).split(' (')[0]}"
                                   for s, n in sorted(counts.items(), key=lambda c: list(STATUS_WORDS).index(c[0])
                                                      if c[0] in STATUS_WORDS else 99)) + "."
        if hardest:
            summary += f" Lowest mean: <b>{e(hardest.exercise.name)}</b> ({_pct(hardest.mean)})."
        parts = [f"<section id='lab-{e(lab.name)}'><h2>Lab {e(lab.name)}</h2>", f"<p class=summary>{summary}</p>",
                 "<p class=small>Everyone listed in grades.json counts; a hand-in that could not be graded counts as 0."
                 "</p>"]
        if lab.note:
            parts.append(f"<p class=note>{e(lab.note)}</p>")
        parts.append(_img(report_plots.score_histogram(fractions, mean, median), f"score distribution of {lab.name}"))
        parts += [self.exercises(lab), self.statuses(lab), self.mistakes(lab), self.timing(lab), "</section>"]
        return "\n".join(parts)

    def exercises(self, lab: LabReport) -> str:
        stats = lab.exercises
        if not stats:
            return "<h3>Exercises</h3><p>No exercise is known for this lab.</p>"

        def line(s: ExerciseStats) -> list[str]:
            top = s.mistakes[0] if s.mistakes else None
            return [e(s.exercise.name), e(s.exercise.notebook), f"{s.exercise.points:g}", _pct(s.mean), _pct(s.full),
                    _pct(s.not_attempted), f"{e(top.check)} ({top.students})" if top else ""]

        headers = ["exercise", "notebook", "points", "mean", "full marks", "not attempted", "most failed check (students)"]
        full = _table(headers, [line(s) for s in stats], f"exercises-{lab.name}")
        if len(stats) <= 15:
            table = full
        else:
            hardest = sorted(stats, key=lambda s: s.mean)[:10]
            table = (f"<p>The 10 exercises with the lowest mean, of {len(stats)}:</p>"
                     + _table(headers, [line(s) for s in hardest], f"hardest-{lab.name}")
                     + _fold(f"all {len(stats)} exercises", full, len(stats), always=True))
        plot = report_plots.exercise_bars([s.exercise.name for s in stats], [s.mean for s in stats],
                                          [s.full for s in stats], [s.not_attempted for s in stats])
        rule = ("<p class=small>Not attempted: 0 points and every check said “not attempted” (the released stub, "
                "untouched), or the notebook was not handed in.</p>")
        return f"<h3>Exercises</h3>{table}{rule}{_img(plot, f'per-exercise results of {lab.name}')}"

    def statuses(self, lab: LabReport) -> str:
        by_status: dict[str, list[GradedRow]] = {}
        for row in lab.rows:
            by_status.setdefault(row.status, []).append(row)
        order = list(STATUS_WORDS) + sorted(set(by_status) - set(STATUS_WORDS))
        cells = [[e(STATUS_WORDS.get(s, s)), str(len(by_status.get(s, []))),
                  self.students(by_status[s], STATUS_WORDS.get(s, s).split(" (")[0]) if s in by_status and s != "graded"
                  else ""] for s in order]
        return "<h3>Statuses</h3>" + _table(["status", "students", "who (feedback pages)"], cells, f"statuses-{lab.name}")

    def mistakes(self, lab: LabReport) -> str:
        def block(s: ExerciseStats) -> str:
            def item(m: Mistake) -> str:
                gate = " <span class=small>(a gate: the exercise scores 0)</span>" if m.gate else ""
                why = "; ".join(e(r) + (f" ({n})" if len(m.reasons) > 1 else "") for r, n in m.reasons)
                return f"<li><b>{_n(m.students)}</b>: {e(m.check)} — {why}{gate}</li>"

            shown, more = s.mistakes[:SHOWN_MISTAKES], s.mistakes[SHOWN_MISTAKES:KEPT_MISTAKES]
            extra = (f"<details><summary>{len(more)} more</summary><ol start={SHOWN_MISTAKES + 1}>"
                     + "".join(map(item, more)) + "</ol></details>") if more else ""
            return (f"<div class=exercise><b>{e(s.exercise.name)}</b> <span class=small>({e(s.exercise.notebook)})"
                    f"</span><ol class=mistakes data-exercise='{e(s.exercise.name)}'>{''.join(map(item, shown))}</ol>"
                    f"{extra}</div>")

        failing = [s for s in lab.exercises if s.mistakes]
        if not failing:
            return "<h3>Most frequent mistakes</h3><p>No check failed, other than answers not attempted.</p>"
        worst = {id(s) for s in sorted(failing, key=lambda s: s.mean)[:10]}
        on_screen = "".join(block(s) for s in failing if id(s) in worst)
        rest = [s for s in failing if id(s) not in worst]
        folded, order = "", ""
        if rest:
            folded = _fold(f"the other {len(rest)} exercises", "".join(map(block, rest)), len(rest), always=True)
            order = "; the 10 exercises with the lowest mean first"
        return ("<h3>Most frequent mistakes</h3><p class=small>Per exercise, the failed checks that most students "
                f"share (“not attempted” is counted above, not here){order}.</p>{on_screen}{folded}")

    def timing(self, lab: LabReport) -> str:
        timed = [r for r in lab.rows if r.seconds > 0]
        if not timed:
            return "<h3>Grading time</h3><p>No student was graded by a worker (nothing was timed).</p>"
        seconds = [r.seconds for r in timed]
        med, top = statistics.median(seconds), p95(seconds)
        slowest = sorted(timed, key=lambda r: -r.seconds)[:SLOWEST]
        table = _table(["student", "seconds", "status"],
                       [[self.student(r.student, r.key), f"{r.seconds:.1f}", e(r.status)] for r in slowest],
                       f"slowest-{lab.name}")
        plot = _img(report_plots.time_histogram(seconds, med, top), f"grading time of {lab.name}")
        return (f"<h3>Grading time</h3><p>Per student, over the {_n(len(timed))} a worker graded: "
                f"median <b>{med:.1f} s</b>, 95th percentile <b>{top:.1f} s</b>, longest <b>{max(seconds):.1f} s</b>; "
                f"{sum(seconds) / 60:.1f} worker-minutes in all.</p>{plot}<p>The slowest:</p>{table}")

    # the whole folder

    def intake(self) -> str:
        rows = read_csv(self.out / "intake.csv")
        if rows is None:
            return "<section id=intake><h2>Intake problems</h2><p>No intake.csv in this folder.</p></section>"
        problems = [r for r in rows if r.get("status", "") != "used"]
        if not problems:
            return (f"<section id=intake><h2>Intake problems</h2><p>None: all {_n(len(rows), 'file')} handed in "
                    "were used.</p></section>")
        kinds = Counter((r.get("status", ""), r.get("reason", "").split(":")[0]) for r in problems).most_common()
        kind_rows = [[e(status), e(why), str(count)] for (status, why), count in kinds]
        kind_table = _table(["status", "kind", "files"], kind_rows[:15])
        if len(kinds) > 15:
            kind_table += _fold(f"{len(kinds) - 15} more kinds", _table(["status", "kind", "files"], kind_rows[15:]),
                                len(kinds), always=True)
        files = _table(["file", "student", "status", "reason"],
                       [[e(r.get("file", "")), self.student(r.get("student", "")), e(r.get("status", "")),
                         e(r.get("reason", ""))] for r in problems])
        return (f"<section id=intake><h2>Intake problems</h2><p><b>{_n(len(problems), 'file')}</b> of {len(rows)} "
                f"not used (intake.csv, the last run's hand-ins):</p>{kind_table}"
                f"{_fold(f'the {len(problems)} files', files, len(problems))}</section>")

    def changes(self) -> str:
        rows = read_csv(self.out / "changes.csv")
        if rows is None:
            return ""

        def points(value: str) -> float:
            try:
                return float(value)
            except ValueError:
                return 0.0

        up = sum(points(r.get("new_points", "")) > points(r.get("old_points", "")) for r in rows)
        down = sum(points(r.get("new_points", "")) < points(r.get("old_points", "")) for r in rows)
        students = {r.get("student", "") for r in rows}
        table = _table(["student", "lab", "exercise", "before", "after", "checks changed"],
                       [[self.student(r.get("student", "")), e(r.get("lab", "")), e(r.get("exercise", "")),
                         e(r.get("old_points", "")), e(r.get("new_points", "")), e(r.get("checks_changed", ""))]
                        for r in rows])
        folded = _fold(f"the {len(rows)} changes", table, len(rows), always=True) if rows else ""
        return (f"<section id=changes><h2>Changes since the last grading</h2><p><b>{_n(len(rows), 'exercise')}</b> "
                f"changed for {_n(len(students))}: points up on {up}, down on {down}, the rest only check verdicts.</p>"
                f"{folded}</section>")


STYLE = ("body{font-family:sans-serif;max-width:60em;margin:1.5em auto;padding:0 1em;color:#1f2328}"
         "table{border-collapse:collapse;margin:.5em 0}"
         "td,th{padding:.2em .6em;text-align:left;border-bottom:1px solid #d0d7de;vertical-align:top}"
         "th{background:#f6f8fa}.small{color:#57606a;font-size:.9em}.note{background:#fff8c5;padding:.4em}"
         "img.plot{display:block;max-width:100%;margin:.5em 0}details{margin:.4em 0}"
         "summary{cursor:pointer;color:#0969da}ol.mistakes{margin:.2em 0 .6em}"
         "ul.students{margin:0;padding-left:1.2em}section{margin-bottom:2em}")


def render(out: Path, rows: list[GradedRow], root: Path | None) -> str:
    page = Page(out, rows)
    labs = list(dict.fromkeys(r.lab for r in rows))
    head = [f"<!doctype html><html lang=en><head><meta charset='utf-8'>",
            f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
            f"<title>Class report: {e(', '.join(labs) or out.name)}</title><style>{STYLE}</style></head><body>",
            f"<h1>Class report</h1><p class=small>{e(out.name)}, written {datetime.now():%Y-%m-%d %H:%M}.</p>"]
    if not rows:
        body = ["<p class=summary><b>No student has been graded in this folder yet</b> (grades.json is empty).</p>"]
    else:
        reports = [lab_report(name, [r for r in rows if r.lab == name], root) for name in labs]
        body = []
        if len(reports) > 1:
            body.append(_table(["lab", "students", "mean", "median"],
                               [[f"<a href='#lab-{e(r.name)}'>{e(r.name)}</a>", str(len(r.rows)),
                                 _pct(statistics.fmean(r.fractions)), _pct(statistics.median(r.fractions))]
                                for r in reports], "labs"))
        body += [page.lab(r) for r in reports]
    body += [page.intake(), page.changes(), "</body></html>"]
    return "\n".join(head + body) + "\n"


def write_report(out: Path, root: Path | None = None) -> Path:
    """Write ``out/report.html`` from the grading run in ``out`` and return its path.
    ``root``: the course (for the labs' definitions); None finds it from the working
    directory. Raises CourseError when ``out`` holds no readable run; nothing is then written."""
    out = Path(out)
    text = render(out, read_rows(out), root)
    path = out / "report.html"
    scratch = out / ".report.html.part"
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, path)  # a reader never sees half a page
    return path

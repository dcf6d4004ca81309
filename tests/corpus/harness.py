"""Grade a notebook's corpus of trivially wrong and honest alternative answers with the
real grader (``grader autograde``: real nbgrader, sandboxed kernels, probes).

A corpus module (``tests/corpus/<lab>_<nn>.py``) declares, per answer cell (grade_id)::

    LAB = "neural_networks"
    NOTEBOOK = "01_perceptron_and_activations"
    TRIVIAL = {"sigmoid": [("constant", "def sigmoid(z):\\n    return 0.5 * np.ones_like(z)\\n"), ...]}
    HONEST = {"sigmoid": [("loop", "def sigmoid(z):\\n    ..."), ...]}

Student ``trivial_k`` hands in the reference solution with every exercise's k-th trivial
answer put in its place; student ``honest_k`` the same with the k-th honest alternative.
So each student tests many exercises at once, and also that one wrong exercise costs
that exercise only. Expected: a swapped-in trivial answer scores 0 on its exercise, an
honest one full marks, and every exercise not swapped keeps full marks.

    .venv/bin/python -m tests.corpus.harness neural_networks_01 [--only sigmoid ...] [--kind trivial|honest]
"""
from __future__ import annotations

import argparse
import csv
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from grader.course import load_lab, nbgrader_meta
from grader.examples import filled_notebook
from tests.paths import ROOT

GRADER = str(Path(sys.executable).parent / "grader")


@dataclass
class Case:
    student: str
    kind: str  # "trivial" or "honest"
    swapped: dict[str, str]  # answer grade_id -> label of the variant put in


@dataclass
class Failure:
    student: str
    exercise: str
    label: str
    expected: float
    got: float
    reason: str

    def __str__(self) -> str:
        return (f"{self.student}: {self.exercise} [{self.label}] scored {self.got:g}, expected {self.expected:g}"
                f" ({self.reason})")


def load(name: str):
    return importlib.import_module(f"tests.corpus.{name}")


def cases(corpus, kinds=("trivial", "honest"), only: set[str] | None = None) -> list[tuple[Case, dict[str, str]]]:
    """The students to grade: (case, grade_id -> answer source)."""
    out = []
    for kind in kinds:
        table = {k: v for k, v in getattr(corpus, kind.upper()).items() if only is None or k in only}
        depth = max((len(v) for v in table.values()), default=0)
        for k in range(depth):
            sources, labels = {}, {}
            for grade_id, variants in table.items():
                if k < len(variants):
                    labels[grade_id], sources[grade_id] = variants[k]
            out.append((Case(f"{kind}_{k}", kind, labels), sources))
    return out


def small_course(root: Path, lab: str, notebook: str) -> Path:
    """A course with only this notebook (grading runs take seconds, not minutes)."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", "nbgrader_config.py"):
        shutil.copy(ROOT / name, root / name)
    for kind in ("solutions", "labs"):
        (root / kind / lab).mkdir(parents=True)
        shutil.copy(ROOT / kind / lab / f"{notebook}.ipynb", root / kind / lab)
    return root


def run(name: str, kinds=("trivial", "honest"), only: set[str] | None = None, workdir: Path | None = None,
        cell_timeout: int = 60) -> tuple[list[Failure], dict[str, dict]]:
    """Grade the corpus; the failures, and the grades.csv rows by student."""
    corpus = load(name)
    workdir = Path(workdir or tempfile.mkdtemp(prefix="corpus-"))
    course = small_course(workdir / "course", corpus.LAB, corpus.NOTEBOOK)
    lab = load_lab(corpus.LAB, course)
    exercises = {ex.name: ex for ex in lab.exercises_of(corpus.NOTEBOOK)}
    unknown = (set(corpus.TRIVIAL) | set(corpus.HONEST)) - set(exercises)
    if unknown:
        raise SystemExit(f"{name}: no such answer cells: {sorted(unknown)} (known: {sorted(exercises)})")
    subs = workdir / "submissions"
    todo = cases(corpus, kinds, only)
    for case, sources in todo:
        nb = filled_notebook(lab, corpus.NOTEBOOK, None)
        for cell in nb.cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            if grade_id in sources:
                cell.source = sources[grade_id]
        (subs / case.student).mkdir(parents=True)
        nbformat.write(nb, subs / case.student / f"{corpus.NOTEBOOK}.ipynb")
    out = workdir / "out"
    # One fixed secret (CORPUS_SECRET to try others): the same hidden inputs on every run, so
    # a failure can be reproduced; the probe guard covers the variation across secrets.
    env = {**os.environ, "GRADER_SECRET": os.environ.get("CORPUS_SECRET", "corpus")}
    done = subprocess.run([GRADER, "autograde", corpus.LAB, str(subs), "--out", str(out), "--quiet",
                           "--cell-timeout", str(cell_timeout), "--workers", os.environ.get("CORPUS_WORKERS", "2")],
                          capture_output=True, text=True, cwd=course, timeout=3600, env=env)
    if not (out / "grades.csv").is_file():
        raise RuntimeError(f"grader autograde failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    with open(out / "grades.csv") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    failures = []
    for case, _ in todo:
        row = rows[case.student]
        for exercise, ex in exercises.items():
            got = float(row[exercise])
            label = case.swapped.get(exercise)
            expected = 0.0 if (label is not None and case.kind == "trivial") else ex.points
            if abs(got - expected) > 1e-9:
                failures.append(Failure(case.student, exercise, label or "reference", expected, got, row["reason"]))
    return failures, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.corpus.harness")
    parser.add_argument("corpus", help="module name under tests/corpus, e.g. neural_networks_01")
    parser.add_argument("--only", nargs="*", help="answer cells (grade_ids) to test")
    parser.add_argument("--kind", choices=("trivial", "honest"), action="append")
    parser.add_argument("--keep", help="folder to grade in (kept: the grades, the checks' verdicts)")
    args = parser.parse_args(argv)
    workdir = Path(args.keep) if args.keep else None
    if workdir:
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
    failures, rows = run(args.corpus, tuple(args.kind or ("trivial", "honest")), set(args.only) if args.only else None, workdir)
    for student, row in sorted(rows.items()):
        print(f"{student}: {row['score']}/{row['max_score']} {row['status']} {row['reason'][:200]}")
    for failure in failures:
        print("FAIL", failure)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""Plain ``nbgrader autograde`` against ``grader autograde`` on the same batch.

    .venv/bin/python benchmarks/grading.py                  # 24 submissions of notebook 01
    .venv/bin/python benchmarks/grading.py --students 60 --notebook 02_nonlinearity_and_dense_layers

The batch is generated from the solutions, a realistic mix: full solutions, untouched
notebooks, half-done ones and ones with wrong answers. Both graders get the same files.
nbgrader runs as it ships: one process grading every student in turn. Ours runs serially
(``--workers 1``) and with every core, sandboxed, with its hidden checks compared outside
the kernels. Printed: submissions per minute, median seconds per submission, and the
ratios against nbgrader, all measured in this one run (the machine is shared: compare only
figures from one run).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import load_lab, run_nbgrader  # noqa: E402
from grader.examples import filled_notebook  # noqa: E402

LAB = "neural_networks"


def make_course(root: Path, notebook: str) -> None:
    for name in ("pyproject.toml", "nbgrader_config.py"):
        shutil.copy(ROOT / name, root / name)
    for kind in ("solutions", "labs"):
        (root / kind / LAB).mkdir(parents=True)
        shutil.copy(ROOT / kind / LAB / f"{notebook}.ipynb", root / kind / LAB)


def make_batch(course: Path, notebook: str, students: int, dest: Path) -> None:
    lab = load_lab(LAB, course)
    names = [ex.name for ex in lab.exercises]
    kinds = ["solution", "untouched", "half", "wrong"]
    for i in range(students):
        kind = kinds[i % len(kinds)]
        solved = None if kind in ("solution", "wrong") else set() if kind == "untouched" else set(names[::2])
        nb = filled_notebook(lab, notebook, solved)
        if kind == "wrong":  # every answer returns its first argument: runs, but wrong
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if meta.get("solution"):
                    cell.source = "\n".join(
                        line if not line.strip().startswith("return ") else line.split("return")[0] + "return locals()[list(locals())[0]]"
                        for line in cell.source.splitlines())
        folder = dest / f"student{i:03d}"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{notebook}.ipynb")


def plain_nbgrader(course: Path, batch: Path, notebook: str) -> float:
    """nbgrader as it ships, in its own course folder: generate, copy in, autograde all."""
    nbg = course / "plain"
    (nbg / "source" / LAB).mkdir(parents=True)
    shutil.copy(course / "solutions" / LAB / f"{notebook}.ipynb", nbg / "source" / LAB)
    (nbg / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.root = {str(nbg)!r}\n")
    run_nbgrader(["generate_assignment", LAB, "--force"], cwd=nbg)
    for student in sorted(batch.iterdir()):
        target = nbg / "submitted" / student.name / LAB
        target.mkdir(parents=True)
        shutil.copy(student / f"{notebook}.ipynb", target)
    start = time.perf_counter()
    done = run_nbgrader(["autograde", LAB, "--force"], cwd=nbg)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        print("plain nbgrader reported errors:", done.stderr[-300:], file=sys.stderr)
    return elapsed


def ours(course: Path, batch: Path, out: Path, workers: int) -> tuple[float, float]:
    grader = str(Path(sys.executable).parent / "grader")
    env = {**os.environ, "COURSE_ROOT": str(course)}
    # prepare (reference answers) once, outside the timing: it is per batch, not per student
    subprocess.run([grader, "autograde", LAB, str(batch / "student000"), "--out", str(out), "--quiet"],
                   cwd=course, env=env, capture_output=True)
    start = time.perf_counter()
    subprocess.run([grader, "autograde", LAB, str(batch), "--out", str(out), "--quiet", "--regrade",
                    "--workers", str(workers)], cwd=course, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    seconds = [row["seconds"] for row in json.loads((out / "grades.json").read_text())]
    return elapsed, statistics.median(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--notebook", default="01_perceptron_and_activations")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        course, batch = scratch / "course", scratch / "batch"
        course.mkdir()
        make_course(course, args.notebook)
        make_batch(course, args.notebook, args.students, batch)
        n = args.students
        plain = plain_nbgrader(course, batch, args.notebook)
        serial, serial_median = ours(course, batch, scratch / "out1", 1)
        parallel, parallel_median = ours(course, batch, scratch / "out2", cores)
    print(f"{n} submissions of {LAB}/{args.notebook}, {cores} cores")
    print(f"{'':34s} {'subs/min':>9s} {'median s/sub':>13s} {'time vs nbgrader':>17s}")
    print(f"{'nbgrader autograde (as shipped)':34s} {n / plain * 60:9.1f} {plain / n:13.2f} {1.0:17.2f}")
    print(f"{'grader autograde --workers 1':34s} {n / serial * 60:9.1f} {serial_median:13.2f} {serial / plain:17.2f}")
    print(f"{f'grader autograde --workers {cores}':34s} {n / parallel * 60:9.1f} {parallel_median:13.2f} {parallel / plain:17.2f}")
    print("(nbgrader's median is its mean: it grades all students in one process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

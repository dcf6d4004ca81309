"""Plain ``nbgrader autograde`` against ``grader autograde`` on the same batch.

    .venv/bin/python benchmarks/grading.py                  # 24 submissions, TensorFlow notebook
    .venv/bin/python benchmarks/grading.py --lab neural_networks --notebook 01_perceptron_and_activations

The batch is generated from the solutions, a realistic mix: full solutions, untouched
notebooks, half-done ones and ones with wrong answers. Both graders get the same files.
nbgrader runs as it ships: one process grading every student in turn (it has no parallel
mode). Ours runs serially (``--workers 1``) and with every core, sandboxed, with its hidden
checks compared outside the kernels. Printed: submissions per minute, median seconds per
submission, and the ratios against nbgrader, all measured in this one run (the machine is
shared: compare only figures from one run); then where one submission's grading time goes
(``--breakdown``, on by default).
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
NOTEBOOK = "02_intro_to_tensorflow"


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


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def breakdown(course: Path, batch: Path, notebook: str, out: Path) -> list[tuple[str, float]]:
    """Where one solved submission's grading time goes, part by part, in this process."""
    from jupyter_client.manager import KernelManager

    from grader import worker
    from grader.executors import LocalExecutor
    from grader.workcourse import WorkCourse

    os.environ["COURSE_ROOT"] = str(course)
    lab = load_lab(LAB, course)
    wc = WorkCourse(lab, out, cell_timeout=120)
    wc.prepare()
    parts: list[tuple[str, float]] = []
    parts.append(("start a process, import nbgrader (per student: nbgrader's CLI)",
                  _timed(lambda: subprocess.run([sys.executable, "-c", "import nbgrader.apps.nbgraderapp"], check=True))))
    root = worker._course_folder(wc.bundle)
    os.environ["JUPYTER_PATH"] = str(root / "jupyter")
    nb = nbformat.read(batch / "student000" / f"{notebook}.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    first_import = next((i for i, src in enumerate(code) if "import tensorflow" in src), None)
    if first_import is None:
        first_import = next(i for i, src in enumerate(code) if "import numpy" in src)
    for kernel, label in (("python3", "plain"), (worker.KERNEL_NAME, "sandboxed")):
        work = Path(tempfile.mkdtemp(dir=root))
        km = KernelManager(kernel_name=kernel, transport="ipc", ip=str(Path(tempfile.mkdtemp(prefix="gk-")) / "k"))
        client = []

        def start() -> None:
            km.start_kernel(cwd=str(work))
            client.append(km.client())
            client[0].start_channels()
            client[0].wait_for_ready(timeout=120)

        parts.append((f"start a {label} kernel", _timed(start)))
        run = lambda sources: [client[0].execute_interactive(src, timeout=300, output_hook=lambda m: None) for src in sources]  # noqa: E731
        parts.append((f"  its imports (cells 1-{first_import + 1})", _timed(lambda: run(code[:first_import + 1]))))
        parts.append(("  the student's cells", _timed(lambda: run(code[first_import + 1:]))))
        client[0].stop_channels()
        parts.append(("  shut it down, graceful (nbgrader's default)", _timed(lambda: km.shutdown_kernel(now=False))))
    km = KernelManager(kernel_name=worker.KERNEL_NAME, transport="ipc", ip=str(Path(tempfile.mkdtemp(prefix="gk-")) / "k"))
    km.start_kernel(cwd=str(Path(tempfile.mkdtemp(dir=root))))
    time.sleep(2)
    parts.append(("shut a sandboxed kernel down, immediate (ours)", _timed(lambda: km.shutdown_kernel(now=True))))
    task, _ = wc.make_task("student000", {notebook: batch / "student000" / f"{notebook}.ipynb"})
    executor = LocalExecutor(1, wc.bundle, 600, out / "logs")
    results = [result for _, result in executor.run([task, task])]  # the second one: worker already warm
    parts.append(("ours, one submission in a warm worker, in all", results[1].seconds))
    return parts


def main() -> int:
    global LAB
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--lab", default=LAB)
    parser.add_argument("--notebook", default=NOTEBOOK)
    parser.add_argument("--no-breakdown", dest="breakdown", action="store_false")
    args = parser.parse_args()
    LAB = args.lab
    os.environ["COURSE_LABS_QUICK"] = "1"  # both graders run the short training settings
    os.environ.setdefault("MPLBACKEND", "Agg")
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
        parts = breakdown(course, batch, args.notebook, scratch / "out3") if args.breakdown else []
    print(f"{n} submissions of {LAB}/{args.notebook}, {cores} cores")
    print(f"{'':34s} {'subs/min':>9s} {'median s/sub':>13s} {'time vs nbgrader':>17s}")
    print(f"{'nbgrader autograde (as shipped)':34s} {n / plain * 60:9.1f} {plain / n:13.2f} {1.0:17.2f}")
    print(f"{'grader autograde --workers 1':34s} {n / serial * 60:9.1f} {serial_median:13.2f} {serial / plain:17.2f}")
    print(f"{f'grader autograde --workers {cores}':34s} {n / parallel * 60:9.1f} {parallel_median:13.2f} {parallel / plain:17.2f}")
    print("(nbgrader's median is its mean: it grades all students in one process)")
    if parts:
        print(f"\nwhere one solved submission's grading time goes ({LAB}/{args.notebook}, seconds):")
        for label, seconds in parts:
            print(f"  {label:66s} {seconds:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

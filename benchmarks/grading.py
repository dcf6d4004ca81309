"""Plain ``nbgrader autograde`` against ``grader autograde`` on the same batch, per case.

    .venv/bin/python benchmarks/grading.py                       # every case, 8 submissions each
    .venv/bin/python benchmarks/grading.py --case tf --students 24
    .venv/bin/python benchmarks/grading.py --case numpy --case music --no-breakdown

Cases: ``tf`` (neural_networks/02, TensorFlow), ``numpy`` (neural_networks/01), ``music``
(tensorflow_music/01, an RNN) and ``lab`` (every notebook of neural_networks per student).
The batch is generated from the solutions, a realistic mix: full solutions, untouched
notebooks, half-done ones and ones with wrong answers. Every grader gets the same files.
nbgrader runs as it ships: one process grading every student in turn (it has no parallel
mode). Ours runs serially (``--workers 1``) and with every core, sandboxed, with its hidden
checks compared outside the kernels, twice: with fresh kernels started ahead
(``--kernels fresh``, the old path) and with kernels forked from a warm parent (the default).
Printed: submissions per minute, median seconds per submission, and throughput ratios against
nbgrader, all measured in this one run (the machine is shared: compare only figures from one
run); then where one solved submission's time goes, old path against new (``--breakdown``, on
by default), and the memory (PSS) of kernels made each way.
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
CASES = {  # name: (lab, notebooks)
    "tf": ("neural_networks", ["02_intro_to_tensorflow"]),
    "numpy": ("neural_networks", ["01_perceptron_and_activations"]),
    "music": ("tensorflow_music", ["01_music_generation"]),
    "lab": ("neural_networks", None),  # every notebook of the lab
}


def make_course(root: Path, notebooks: list[str]) -> None:
    for name in ("pyproject.toml", "nbgrader_config.py"):
        shutil.copy(ROOT / name, root / name)
    for kind in ("solutions", "labs"):
        (root / kind / LAB).mkdir(parents=True)
        for notebook in notebooks:
            shutil.copy(ROOT / kind / LAB / f"{notebook}.ipynb", root / kind / LAB)


def make_batch(course: Path, notebooks: list[str] | str, students: int, dest: Path) -> None:
    lab = load_lab(LAB, course)
    notebooks = [notebooks] if isinstance(notebooks, str) else notebooks
    names = [ex.name for ex in lab.exercises]
    kinds = ["solution", "untouched", "half", "wrong"]
    for i in range(students):
        kind = kinds[i % len(kinds)]
        solved = None if kind in ("solution", "wrong") else set() if kind == "untouched" else set(names[::2])
        folder = dest / f"student{i:03d}"
        folder.mkdir(parents=True)
        for notebook in notebooks:
            nb = filled_notebook(lab, notebook, solved)
            if kind == "wrong":  # every answer returns its first argument: runs, but wrong
                for cell in nb.cells:
                    meta = cell.metadata.get("nbgrader", {})
                    if meta.get("solution"):
                        cell.source = "\n".join(
                            line if not line.strip().startswith("return ") else line.split("return")[0] + "return locals()[list(locals())[0]]"
                            for line in cell.source.splitlines())
            nbformat.write(nb, folder / f"{notebook}.ipynb")


def plain_nbgrader(course: Path, batch: Path, notebooks: list[str]) -> float:
    """nbgrader as it ships, in its own course folder: generate, copy in, autograde all."""
    nbg = course / "plain"
    (nbg / "source" / LAB).mkdir(parents=True)
    for notebook in notebooks:
        shutil.copy(course / "solutions" / LAB / f"{notebook}.ipynb", nbg / "source" / LAB)
    (nbg / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.root = {str(nbg)!r}\n")
    run_nbgrader(["generate_assignment", LAB, "--force"], cwd=nbg)
    for student in sorted(batch.iterdir()):
        target = nbg / "submitted" / student.name / LAB
        target.mkdir(parents=True)
        for notebook in notebooks:
            shutil.copy(student / f"{notebook}.ipynb", target)
    start = time.perf_counter()
    done = run_nbgrader(["autograde", LAB, "--force"], cwd=nbg)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        print("plain nbgrader reported errors:", done.stderr[-300:], file=sys.stderr)
    return elapsed


def ours(course: Path, batch: Path, out: Path, workers: int, kernels: str) -> tuple[float, float]:
    grader = str(Path(sys.executable).parent / "grader")
    env = {**os.environ, "COURSE_ROOT": str(course)}
    # prepare (reference answers) once, outside the timing: it is per batch, not per student
    subprocess.run([grader, "autograde", LAB, str(batch / "student000"), "--out", str(out), "--quiet",
                    "--kernels", kernels], cwd=course, env=env, capture_output=True)
    start = time.perf_counter()
    subprocess.run([grader, "autograde", LAB, str(batch), "--out", str(out), "--quiet", "--regrade",
                    "--workers", str(workers), "--kernels", kernels], cwd=course, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    seconds = [row["seconds"] for row in json.loads((out / "grades.json").read_text())]
    return elapsed, statistics.median(seconds)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _tree_pss(pids: list[int], skip: set[int] | None = None) -> float:
    """MB of PSS of these processes and their descendants (shared pages split among sharers),
    less the processes in ``skip`` and their descendants."""
    import psutil

    seen, total = set(), 0
    for pid in skip or ():
        try:
            seen |= {pid, *(p.pid for p in psutil.Process(pid).children(recursive=True))}
        except psutil.Error:
            pass
    for pid in pids:
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        for proc in procs:
            if proc.pid in seen:
                continue
            seen.add(proc.pid)
            try:
                total += proc.memory_full_info().pss
            except psutil.Error:
                pass
    return total / 2**20


def breakdown(course: Path, batch: Path, notebook: str, out: Path) -> tuple[list[tuple[str, float, float]], list[str]]:
    """Where one solved submission's grading time goes, part by part, old path (fresh
    sandboxed kernels) against new (forked), and the PSS of two kernels made each way."""
    from dataclasses import replace

    from jupyter_client.manager import KernelManager

    from grader import forked, worker
    from grader.executors import LocalExecutor
    from grader.sandbox import STATUS_ENV
    from grader.workcourse import WorkCourse

    os.environ["COURSE_ROOT"] = str(course)
    lab = load_lab(LAB, course)
    wc = WorkCourse(lab, out, cell_timeout=120)
    wc.prepare()
    nb = nbformat.read(batch / "student000" / f"{notebook}.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    first_import = next((i for i, src in enumerate(code) if "import tensorflow" in src), None)
    if first_import is None:
        first_import = next(i for i, src in enumerate(code) if "import numpy" in src)
    figures: dict[str, dict[str, float]] = {}
    slowest: dict[str, list[tuple[str, float]]] = {}
    memory: list[str] = []
    for kernels in ("fresh", "auto"):
        bundle = replace(wc.bundle, kernels=kernels)
        root = worker._course_folder(bundle)
        made = worker._kernelspec(root, bundle)
        os.environ["JUPYTER_PATH"] = str(root / "jupyter")
        parts = figures.setdefault(kernels, {})
        kernels_held = []
        for n in range(2):
            work = Path(tempfile.mkdtemp(dir=root))
            status = work.parent / f"{work.name}.status"
            km = KernelManager(kernel_name=worker.KERNEL_NAME, transport="ipc",
                               ip=str(Path(tempfile.mkdtemp(prefix="gk-", dir=worker._scratch_root())) / "k"))

            def start() -> None:
                km.start_kernel(cwd=str(work), env={**os.environ, STATUS_ENV: str(status)})
                kernels_held.append((km, km.client(), status))
                kernels_held[-1][1].start_channels()
                kernels_held[-1][1].wait_for_ready(timeout=120)

            took = _timed(start)
            kc = kernels_held[-1][1]
            run = lambda sources: [kc.execute_interactive(src, timeout=300, output_hook=lambda m: None) for src in sources]  # noqa: E731
            imports = _timed(lambda: run(code[:first_import + 1]))
            if n == 0:
                parts["standalone: start or fork a kernel, to its first reply"] = took
                parts[f"standalone:   its imports (cells 1-{first_import + 1})"] = imports
                parts["standalone:   the student's cells"] = _timed(lambda: run(code[first_import + 1:]))
        pids, keepers = [], set()
        for km, kc, status in kernels_held:
            pids.append(km.provisioner.process.pid)
            pid_file = Path(str(status) + forked.PID_SUFFIX)
            if pid_file.is_file():  # a forked kernel: its keeper and init are the parent's children
                import psutil

                kernel = psutil.Process(int(pid_file.read_text()))
                keepers.add(kernel.parent().parent().pid)
        each = _tree_pss(pids + sorted(keepers)) / len(kernels_held)
        parent = worker._parents.get(bundle.fingerprint)
        parent_pss = _tree_pss([parent.process.pid], skip=keepers) if parent else 0.0
        memory.append(f"  {made:58s} PSS per kernel {each:7.0f} MB" + (f"; warm parent {parent_pss:5.0f} MB" if parent else ""))
        for km, kc, _status in kernels_held:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        task, _ = wc.make_task("student000", {notebook: batch / "student000" / f"{notebook}.ipynb"})
        executor = LocalExecutor(1, bundle, 600, out / "logs")
        results = [result for _, result in executor.run([task, task])]  # the second one: worker already warm
        executor.close()
        total = results[1].seconds
        timings = dict(results[1].timings.get(notebook, {}))
        slowest[kernels] = sorted(timings.pop("by cell", {}).items(), key=lambda kv: -kv[1])[:6]
        parts["in a warm worker: waiting for its kernel (started ahead or forked)"] = timings.get("kernel start", 0.0)
        parts["in a warm worker:   the notebook's cells (imports, answers, visible checks)"] = timings.get("cells", 0.0)
        parts["in a warm worker:   the hidden checks"] = timings.get("hidden checks", 0.0)
        parts["in a warm worker:   nbgrader's bookkeeping (the rest of the row)"] = max(0.0, total - sum(timings.values()))
        parts["in a warm worker: one submission, in all (the row's seconds)"] = total
    for parent in worker._parents.values():
        parent.stop()
    rows = [(label, figures["fresh"][label], figures["auto"][label]) for label in figures["fresh"]]
    memory.append("slowest parts of one solved submission in a warm worker, forked kernels (seconds): "
                  + ", ".join(f"{part} {seconds:.2f}" for part, seconds in slowest.get("auto", [])))
    return rows, memory


def main() -> int:
    global LAB
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--case", action="append", choices=sorted(CASES), help="repeatable; default: every case")
    parser.add_argument("--no-breakdown", dest="breakdown", action="store_false")
    args = parser.parse_args()
    os.environ["COURSE_LABS_QUICK"] = "1"  # both graders run the short training settings
    os.environ.setdefault("MPLBACKEND", "Agg")
    cores = os.cpu_count() or 1
    n = args.students
    for case in args.case or ["tf", "numpy", "music", "lab"]:
        LAB, notebooks = CASES[case]
        if notebooks is None:
            notebooks = [p.stem for p in sorted((ROOT / "solutions" / LAB).glob("*.ipynb"))]
        with tempfile.TemporaryDirectory() as scratch:
            scratch = Path(scratch)
            course, batch = scratch / "course", scratch / "batch"
            course.mkdir()
            make_course(course, notebooks)
            make_batch(course, notebooks, n, batch)
            plain = plain_nbgrader(course, batch, notebooks)
            runs = {}
            for kernels in ("fresh", "auto"):
                for workers in (1, cores):
                    runs[kernels, workers] = ours(course, batch, scratch / f"out-{kernels}-{workers}", workers, kernels)
            parts, memory = breakdown(course, batch, notebooks[0], scratch / "out-parts") if args.breakdown else ([], [])
        what = f"{LAB}/{notebooks[0]}" if len(notebooks) == 1 else f"{LAB}, all {len(notebooks)} notebooks per student"
        print(f"\n== {case}: {n} submissions of {what}, {cores} cores")
        print(f"{'':44s} {'subs/min':>9s} {'median s/sub':>13s} {'throughput vs nbgrader':>23s}")
        print(f"{'nbgrader autograde (as shipped)':44s} {n / plain * 60:9.1f} {plain / n:13.2f} {1.0:22.2f}x")
        for (kernels, workers), (elapsed, median) in runs.items():
            label = f"grader --workers {workers}, " + ("fresh kernels" if kernels == "fresh" else "forked kernels")
            print(f"{label:44s} {n / elapsed * 60:9.1f} {median:13.2f} {plain / elapsed:22.2f}x")
        print("(nbgrader's median is its mean: it grades all students in one process)")
        if parts:
            print(f"\nwhere one solved submission's time goes ({LAB}/{notebooks[0]}, seconds):")
            print(f"  {'':76s} {'fresh':>7s} {'forked':>7s}")
            for label, old, new in parts:
                print(f"  {label:76s} {old:7.2f} {new:7.2f}")
            print("memory of two kernels after the imports (PSS: pages shared by several processes are split among them):")
            for line in memory:
                print(line)
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

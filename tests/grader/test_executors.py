"""Grading at class scale: a real Dask cluster (scheduler and workers as separate
processes), Ctrl-C and resume, a worker that overruns, the progress bar."""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from grader.course import load_lab
from grader.examples import filled_notebook, write_examples
from tests.grader.conftest import GRADER, LAB, NOTEBOOK

pytestmark = pytest.mark.slow

DASK = str(Path(sys.executable).parent / "dask")


def read_rows(out: Path) -> dict[str, dict]:
    return {row["student"]: row for row in json.loads((out / "grades.json").read_text())}


def expect_examples(lab, rows: dict[str, dict]) -> None:
    assert rows["solution"]["score"] == lab.max_score, rows["solution"]
    assert rows["untouched"]["score"] == 0, rows["untouched"]
    for ex in lab.exercises:
        assert rows[f"only_{ex.name}"]["score"] == ex.points, rows[f"only_{ex.name}"]


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """``dask scheduler`` and ``dask worker --nworkers 2 --nthreads 1``, as an instructor starts them."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    env = dict(os.environ)
    log = open(folder / "cluster.log", "w")
    scheduler = subprocess.Popen([DASK, "scheduler", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
                                  "--port", "0", "--no-dashboard"], stdout=log, stderr=log, env=env)
    workers = None
    try:
        for _ in range(120):
            if scheduler_file.is_file():
                break
            time.sleep(0.5)
        address = json.loads(scheduler_file.read_text())["address"]
        workers = subprocess.Popen([DASK, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                                    "--local-directory", str(folder / "work")], stdout=log, stderr=log, env=env)
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        yield address, workers
    finally:
        for proc in (workers, scheduler):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        log.close()


def test_grades_on_a_dask_cluster(dask_cluster, small_course, tmp_path):
    address, workers = dask_cluster
    lab = load_lab(LAB, small_course)
    write_examples(lab, tmp_path / "subs", singles=[ex.name for ex in lab.exercises][:3])
    done = subprocess.run([GRADER, "autograde", LAB, str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                           "--scheduler", address], capture_output=True, text=True, cwd=small_course, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "dask scheduler" in done.stdout and "2 workers" in done.stdout
    rows = read_rows(tmp_path / "out")
    assert len(rows) == 5
    assert rows["solution"]["score"] == lab.max_score and rows["untouched"]["score"] == 0
    for name in [ex.name for ex in lab.exercises][:3]:
        assert rows[f"only_{name}"]["score"] == next(e.points for e in lab.exercises if e.name == name)
    # graded in the Dask worker processes, not in the coordinator, and results came back
    worker_pids = {p.pid for p in psutil.Process(workers.pid).children(recursive=True)}
    graded_by = {int(row["worker"].rsplit(":", 1)[1]) for row in rows.values()}
    assert graded_by and graded_by <= worker_pids, (graded_by, worker_pids)
    log = tmp_path / "out" / "nbgrader" / "results" / LAB / "solution" / "nbgrader.log"
    assert "Autograding" in log.read_text()
    autograded = tmp_path / "out" / "nbgrader" / "autograded" / "solution" / LAB / f"{NOTEBOOK}.ipynb"
    assert nbformat.read(autograded, as_version=4).cells


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_ctrl_c_stops_cleanly_and_a_rerun_resumes(small_course, tmp_path):
    lab = load_lab(LAB, small_course)
    subs, out = tmp_path / "subs", tmp_path / "out"
    for i in range(8):
        (subs / f"s{i}").mkdir(parents=True)
        nb = filled_notebook(lab, NOTEBOOK, None if i % 2 else set())
        if i == 1:  # the second student takes a while: Ctrl-C lands mid-run even on a loaded machine
            nb.cells.insert(3, nbformat.v4.new_code_cell("import time\ntime.sleep(20)"))
        nbformat.write(nb, subs / f"s{i}" / f"{NOTEBOOK}.ipynb")
    args = [GRADER, "autograde", LAB, str(subs), "--out", str(out), "--workers", "1"]
    # A shell's background job (`pytest ... &`) starts with SIGINT ignored, and an ignored signal
    # stays ignored across exec: give the grader the default a terminal's Ctrl-C would meet.
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=small_course,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    rows = out / "nbgrader" / "rows" / LAB
    deadline = time.time() + 600
    while not list(rows.glob("s*/row.json")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    helpers = _descendants(proc.pid)
    assert any("grader.worker" in " ".join(p.cmdline()) for p in helpers), "no worker process was running"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr[-2000:]
    assert "run the same command again" in stderr
    time.sleep(1)
    assert not [p for p in helpers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE], "workers or kernels left running"
    saved = {p.parent.name: p.stat().st_mtime_ns for p in rows.glob("s*/row.json")}
    assert 1 <= len(saved) < 8
    done = subprocess.run(args + ["--quiet"], capture_output=True, text=True, cwd=small_course, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    after = {p.parent.name: p.stat().st_mtime_ns for p in rows.glob("s*/row.json")}
    assert len(after) == 8
    assert all(after[s] == stamp for s, stamp in saved.items()), "students graded before Ctrl-C were graded again"
    with open(out / "grades.csv") as fh:
        scores = {row["student"]: float(row["score"]) for row in csv.DictReader(fh)}
    assert scores == {f"s{i}": (lab.max_score if i % 2 else 0.0) for i in range(8)}


def test_a_worker_that_overruns_is_replaced_and_the_others_graded(small_course, tmp_path):
    from grader.executors import LocalExecutor
    from grader.workcourse import WorkCourse

    lab = load_lab(LAB, small_course)
    subs = tmp_path / "subs"
    slow = filled_notebook(lab, NOTEBOOK, None)
    slow.cells.insert(3, nbformat.v4.new_code_cell("import time\ntime.sleep(40)"))
    for name, nb in (("slow", slow), ("fine", filled_notebook(lab, NOTEBOOK, None))):
        (subs / name).mkdir(parents=True)
        nbformat.write(nb, subs / name / f"{NOTEBOOK}.ipynb")
    course = WorkCourse(lab, tmp_path / "out", cell_timeout=60)
    course.prepare()
    tasks = [course.make_task(name, {NOTEBOOK: subs / name / f"{NOTEBOOK}.ipynb"})[0] for name in ("slow", "fine")]
    executor = LocalExecutor(1, course.bundle, task_timeout=25, log_dir=tmp_path / "logs")
    results = {task.student: result for task, result in executor.run(tasks)}
    assert "grading stopped after 25 s" in results["slow"].error
    assert not results["fine"].error and results["fine"].reports[NOTEBOOK]["run"]["status"] == "completed"
    assert results["fine"].worker != results["slow"].worker or not results["slow"].worker


def test_progress_bar_shows_an_eta(small_course, tmp_path):
    lab = load_lab(LAB, small_course)
    write_examples(lab, tmp_path / "subs")
    done = subprocess.run([GRADER, "autograde", LAB, str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                           "--workers", "2"], capture_output=True, text=True, cwd=small_course, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "grading 3 students on 2 local workers" in done.stdout
    assert f"grading {LAB}" in done.stderr and "3/3" in done.stderr
    assert "<" in done.stderr  # tqdm's [elapsed<remaining]


def test_an_unreachable_scheduler_is_a_clear_message(small_course, tmp_path):
    lab = load_lab(LAB, small_course)
    write_examples(lab, tmp_path / "subs", singles=[])
    done = subprocess.run([GRADER, "autograde", LAB, str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                           "--scheduler", "tcp://127.0.0.1:9", "--quiet"],
                          capture_output=True, text=True, cwd=small_course, timeout=600)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr

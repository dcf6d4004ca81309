"""The grading worker: grades one student's notebooks with nbgrader, in this process.

A worker is a long-lived process (``python -m grader.worker`` started by the local
executor, or a ``dask worker``) that imports nbgrader once and then grades student after
student through nbgrader's own ``Autograde`` converter, the one ``nbgrader autograde``
runs. That saves the ~1.9 s of interpreter start-up and imports that a ``nbgrader``
process per student costs. Student code never runs here: each student gets a fresh
sandboxed kernel (``grader.sandbox``), shut down at once when the notebook is done.

Everything a task needs travels with it (:class:`CourseBundle`, :class:`GradingTask`) and
everything it produces comes back (:class:`GradingResult`), so a worker on another machine
needs the course package installed and nothing else.
"""
from __future__ import annotations

import atexit
import contextlib
import json
import os
import pickle
import shutil
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

KERNEL_NAME = "course-sandbox"


@dataclass(frozen=True)
class CourseBundle:
    """What every task of one grading run shares: the lab's nbgrader sources, the empty
    gradebook, the grading plan, the reference answers and the sandbox settings."""

    lab: str
    notebooks: tuple[str, ...]
    source_files: dict[str, bytes]  # path relative to source/<lab> -> content
    template_db: bytes
    plan: str  # JSON
    reference: str | None  # JSON; None while the reference itself is graded
    cell_timeout: int
    memory_mb: int
    hide: tuple[str, ...]  # folders and files the kernel must not see, where they exist
    fingerprint: str
    prestart: bool = True  # start each next kernel ahead, imports done (grader.kernel_pool)
    kernels: str = "auto"  # "forked" from a warm parent (grader.forked) where it can be had, or "fresh"


@dataclass(frozen=True)
class GradingTask:
    student: str
    notebooks: dict[str, bytes]  # notebook name -> the (repaired) submitted file


@dataclass
class GradingResult:
    student: str
    error: str = ""
    reports: dict[str, dict] = field(default_factory=dict)  # notebook -> {"run", "checks"}
    answers: dict[str, dict] = field(default_factory=dict)  # notebook -> probe answers and run
    autograded: dict[str, bytes] = field(default_factory=dict)  # notebook -> executed file
    gradebook: bytes = b""  # the scratch gradebook with this student's grades
    sandbox: dict | None = None
    log: str = ""
    worker: str = ""  # host:pid that graded it
    seconds: float = 0.0
    kernels: str = ""  # how its kernels were made (grader.forked.FORKED or STARTED_AHEAD, and why)
    timings: dict[str, dict] = field(default_factory=dict)  # notebook -> seconds per part (never in a grade)


_lock = threading.Lock()  # nbgrader and the kernel's environment are per process: one task at a time
_scratch: Path | None = None


SCRATCH_ENV = "GRADER_SCRATCH"
SCRATCH_PREFIX = "grader-worker-"


def _scratch_root() -> Path:
    """This worker's scratch folder: the instructor notebooks, the reference answers, the
    students' notebooks while they are graded. The local executor names one for each worker
    (``$GRADER_SCRATCH``) and removes it when the run ends, killed workers included. A
    worker on its own (Dask) makes one named after its pid and, at start, removes those of
    workers that died without cleaning up."""
    global _scratch
    if _scratch is None:
        given = os.environ.get(SCRATCH_ENV)
        if given:
            _scratch = Path(given).resolve()
            _scratch.mkdir(parents=True, exist_ok=True)
        else:
            _remove_orphaned_scratch()
            _scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")).resolve()
        atexit.register(shutil.rmtree, _scratch, True)
    return _scratch


def _remove_orphaned_scratch() -> None:
    import psutil

    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        pid = folder.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _course_folder(bundle: CourseBundle) -> Path:
    """The bundle's nbgrader course on this worker, written once per bundle."""
    root = _scratch_root() / bundle.fingerprint[:16]
    if (root / "ready").is_file():
        return root
    shutil.rmtree(root, ignore_errors=True)
    for rel, content in bundle.source_files.items():
        path = root / "source" / bundle.lab / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (root / "plan.json").write_text(bundle.plan)
    if bundle.reference is not None:
        (root / "reference.json").write_text(bundle.reference)
    (root / "ready").touch()
    return root


KERNEL_ENV = {"COURSE_LABS_QUICK": "1", "PYTHONDONTWRITEBYTECODE": "1"}
_parents: dict[str, object] = {}  # bundle fingerprint -> its running grader.forked.WarmParent
_kernels_made: dict[tuple[str, str], str] = {}  # (bundle fingerprint, its kernels) -> how they are made, in words


def _kernelspec(root: Path, bundle: CourseBundle) -> str:
    """Write the kernelspec the bundle's kernels start from: forked from this worker's warm
    parent where that can be had (started again if it died), else a fresh sandboxed kernel.
    Returns how kernels are made, in words."""
    from . import forked

    parent = _parents.get(bundle.fingerprint)
    made = _kernels_made.get((bundle.fingerprint, bundle.kernels))
    if made and (root / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json").is_file() and (
            parent.alive() if parent is not None else not made.startswith(forked.FORKED)):
        return made  # as before: the parent still runs, or forking was not to be had (not tried again)
    if parent is not None:  # it died (killed from outside), or fresh kernels are asked for now
        parent.stop()
        _parents.pop(bundle.fingerprint, None)
    package_tree = Path(__file__).resolve().parent.parent  # an editable install's checkout
    hidden = [_scratch_root(), package_tree / "solutions", package_tree / ".git", *map(Path, bundle.hide)]
    cpu_seconds = max(120, bundle.cell_timeout * 10)
    why = "not asked for" if bundle.kernels == "fresh" else ""
    for other in [fp for fp in _parents if fp != bundle.fingerprint]:  # one warm parent per worker at a time
        _parents.pop(other).stop()
    if bundle.kernels != "fresh":
        parent, why = forked.start_parent(_scratch_root(), [*_imports(bundle), "course_utils"],
                                          [str(p) for p in hidden], KERNEL_ENV)
        if parent is not None:
            _parents[bundle.fingerprint] = parent
            atexit.register(parent.stop)
            argv = forked.kernel_argv(parent, bundle.memory_mb, cpu_seconds)
            made = forked.FORKED
    if bundle.kernels == "fresh" or parent is None:
        argv = [sys.executable, "-m", "grader.sandbox", "--memory-mb", str(bundle.memory_mb),
                "--cpu-seconds", str(cpu_seconds)]
        for path in hidden:
            argv += ["--hide", str(path)]
        argv += ["--", sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        made = f"{forked.STARTED_AHEAD if bundle.prestart else 'fresh'} (not forked: {why})"
    folder = root / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {"argv": argv, "display_name": "Python 3 (grading sandbox)", "language": "python",
            # interrupts travel as messages: signals would stop at the sandbox boundary
            "interrupt_mode": "message", "env": dict(KERNEL_ENV)}
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
    _kernels_made.clear()  # one kernelspec per course folder: only the one just written holds
    _kernels_made[bundle.fingerprint, bundle.kernels] = made
    return made


def nbgrader_config(root: Path, db: Path, cell_timeout: int, plan: Path, extra: dict | None = None):
    """The autograde configuration of a grading run (also written as nbgrader_config.py)."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput
    from traitlets.config import Config

    from .metadata_check import CheckCellMetadataOnce
    from .nbgrader_plugins import ProbeScores, ProbingExecute

    c = Config()
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.db_url = f"sqlite:///{db}"
    c.Autograde.autograde_preprocessors = [
        ProbingExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, ProbeScores,
        AssignLatePenalties, CheckCellMetadataOnce,
    ]
    c.Autograde.sanitize_preprocessors = [  # nbgrader's own list, its metadata check as above
        CheckCellMetadataOnce if step is CheckCellMetadata else step
        for step in Autograde.class_traits()["sanitize_preprocessors"].default()
    ]
    c.ProbingExecute.timeout = cell_timeout
    c.ProbingExecute.kernel_name = KERNEL_NAME
    c.ProbingExecute.plan_file = str(plan)
    c.ProbingExecute.shutdown_kernel = "immediate"  # nothing to save: waiting is waste
    c.ProbeScores.plan_file = str(plan)
    c.KernelManager.transport = "ipc"
    for key, value in (extra or {}).items():
        section, name = key.split(".")
        c[section][name] = value
    return c


def grade(task: GradingTask, bundle: CourseBundle) -> GradingResult:
    """Autograde one student's notebooks with nbgrader's ``Autograde``, in this process."""
    with _lock:
        start = time.perf_counter()
        result = _grade(task, bundle)
        result.worker = f"{socket.gethostname()}:{os.getpid()}"
        result.seconds = round(time.perf_counter() - start, 3)
        return result


def _grade(task: GradingTask, bundle: CourseBundle) -> GradingResult:
    from nbgrader.apps.api import NbGraderAPI

    root = _course_folder(bundle)
    kernels = _kernelspec(root, bundle)
    student = task.student
    submitted = root / "submitted" / student / bundle.lab
    autograded = root / "autograded" / student / bundle.lab
    results = root / "results" / student
    for folder in (submitted.parent, autograded.parent, results):
        shutil.rmtree(folder, ignore_errors=True)
    submitted.mkdir(parents=True)
    results.mkdir(parents=True)
    for name, content in task.notebooks.items():
        (submitted / f"{name}.ipynb").write_bytes(content)
    db = results / "gradebook.db"
    db.write_bytes(bundle.template_db)
    status_file = results / "sandbox-status.json"
    sockets = Path(tempfile.mkdtemp(prefix="gk-", dir=_scratch_root()))  # Unix socket paths must be short
    extra = {
        "ProbingExecute.answers_dir": str(results / "answers"),
        "ProbingExecute.status_file": str(status_file),
        "ProbeScores.report_dir": str(results / "checks"),
        "KernelManager.ip": str(sockets / "kernel"),
    }
    if bundle.reference is not None:
        extra["ProbeScores.reference_file"] = str(root / "reference.json")
    if bundle.prestart:
        extra["ProbingExecute.prestart"] = True
        extra["ProbingExecute.prestart_dir"] = str(root / "kernels")
        extra["ProbingExecute.prestart_modules"] = _imports(bundle)
    config = nbgrader_config(root, db, bundle.cell_timeout, root / "plan.json", extra)
    try:
        with _kernel_environment(root, status_file):
            outcome = NbGraderAPI(config=config).autograde(bundle.lab, student, force=True, create=True)
    except Exception as exc:  # nbgrader raised outside its own error capture
        outcome = {"success": False, "error": f"{type(exc).__name__}: {exc}", "log": ""}
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    result = GradingResult(student, log=(outcome.get("log") or "")[-20_000:], kernels=kernels)
    if not outcome.get("success"):
        # nbgrader's own words may quote the notebook (the student's text): the row gets
        # fixed words, the log keeps the detail for the instructor.
        result.log += f"\n[grader] nbgrader failed: {last_error(outcome.get('error') or outcome.get('log') or '')}"
        result.error = "nbgrader could not grade the notebooks (its log, nbgrader.log in the results folder, says why)"
    for name in task.notebooks:
        for kind, store in (("checks", result.reports), ("answers", result.answers), ("timings", result.timings)):
            path = results / kind / f"{name}.json"
            if path.is_file():
                store[name] = json.loads(path.read_text())
        path = autograded / f"{name}.ipynb"
        if path.is_file():
            result.autograded[name] = path.read_bytes()
    result.gradebook = db.read_bytes()
    if status_file.is_file():
        try:
            result.sandbox = json.loads(status_file.read_text())
        except ValueError:
            result.sandbox = {"status": "unknown", "reason": "unreadable sandbox status"}
    for folder in (submitted.parent, autograded.parent, results):
        shutil.rmtree(folder, ignore_errors=True)
    return result


@contextlib.contextmanager
def _kernel_environment(root: Path, status_file: Path | None):
    """The environment a kernel of this course starts in: its kernelspec (JUPYTER_PATH), where
    its sandbox writes why it stopped (a kernel started ahead is given its own), and this
    Python's scripts first on PATH."""
    from .sandbox import STATUS_ENV

    saved = {key: os.environ.get(key) for key in ("JUPYTER_PATH", STATUS_ENV, "PATH")}
    os.environ["JUPYTER_PATH"] = str(root / "jupyter")
    if status_file is not None:
        os.environ[STATUS_ENV] = str(status_file)  # read by the sandbox launcher, outside the sandbox
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def get_ready(bundle: CourseBundle) -> None:
    """Do what the bundle's first task would otherwise wait for, as soon as the bundle comes:
    write the course folder, start the warm parent (or choose fresh kernels), and start the
    first student's kernel with its client connected. The coordinator is still reading the
    submissions then, so this is off the critical path. Nothing here is needed for
    correctness: a task finds whatever is missing and does it itself."""
    from jupyter_core.utils import ensure_event_loop

    from .kernel_pool import POOL

    with _lock:
        root = _course_folder(bundle)
        _kernelspec(root, bundle)
        if not bundle.prestart:
            return
        with _kernel_environment(root, None):
            # the loop nbclient runs the notebooks on, so the first task can take the kernel
            ensure_event_loop().run_until_complete(
                POOL.start_ahead(KERNEL_NAME, root / "kernels", _imports(bundle), env={}))


def _imports(bundle: CourseBundle) -> list[str]:
    from .kernel_pool import lab_imports

    texts = [content.decode("utf-8", "replace") for rel, content in bundle.source_files.items() if rel.endswith(".ipynb")]
    return lab_imports(texts)


def last_error(text: str) -> str:
    """The line of a tool's output that says what went wrong (the last error line, else the last line)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    interesting = [line for line in lines if "Error" in line or "error" in line]
    return (interesting or lines or ["no output"])[-1][:300]


def _close_pool() -> None:
    """Kill the kernel started ahead for a student who will not come."""
    from jupyter_core.utils import ensure_event_loop

    from .kernel_pool import POOL

    ensure_event_loop().run_until_complete(POOL.close())
    for parent in _parents.values():
        parent.stop()
    _parents.clear()


def main() -> int:
    """Serve tasks over stdin/stdout (pickled ``(task, bundle)`` in, result out) until EOF."""
    import warnings

    warnings.filterwarnings("ignore")
    channel_in = os.fdopen(os.dup(0), "rb")
    channel_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to the worker's log, never into the channel
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    import nbgrader.apps.api  # noqa: F401  (import once, before the first task)

    bundles: dict[str, CourseBundle] = {}
    while True:
        try:
            message = pickle.load(channel_in)
        except EOFError:
            _close_pool()
            return 0
        if isinstance(message, CourseBundle):  # sent once per bundle, then named by fingerprint
            bundles[message.fingerprint] = message
            try:
                get_ready(message)
            except Exception as exc:  # the first task will try again, and report what fails
                print(f"[grader] getting ready failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            continue
        task, fingerprint = message
        try:
            result = grade(task, bundles[fingerprint])
        except BaseException as exc:  # report, keep serving
            result = GradingResult(task.student, error=f"worker failed: {type(exc).__name__}: {exc}"[:300])
        pickle.dump(result, channel_out)
        channel_out.flush()


if __name__ == "__main__":
    # Run as grader.worker, not __main__: pickled tasks and results name grader.worker's classes.
    from grader.worker import main as serve

    sys.exit(serve())

"""The private nbgrader course of one grading run (``OUT/nbgrader``).

It holds a copy of the lab's sources, nbgrader's gradebook, the grading plan (each hidden
probe with its inputs drawn from the run's secret seed), the reference solution's answers,
and the sandboxed kernelspec. Student code can see none of it: the sandbox hides the
whole folder except the student's own workspace.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import nbformat

from . import gradebook
from . import probes as P
from .course import CourseError, Lab, nbgrader_meta, run_nbgrader
from .repair import repair_file
from .sandbox import STATUS_ENV

REFERENCE_STUDENT = "_reference"
KERNEL_NAME = "course-sandbox"

CONFIG = '''\
# Written by `grader autograde`: a private nbgrader course for one grading run.
from grader.nbgrader_plugins import ProbingExecute, ProbeScores
from nbgrader.preprocessors import IgnorePattern, LimitOutput, AssignLatePenalties, CheckCellMetadata
from nbconvert.preprocessors import ClearMetadataPreprocessor

c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = "sqlite:///" + {db!r}
c.Autograde.autograde_preprocessors = [
    ProbingExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, ProbeScores,
    AssignLatePenalties, CheckCellMetadata,
]
c.ProbingExecute.timeout = {cell_timeout}
c.ProbingExecute.kernel_name = {kernel!r}
c.ProbingExecute.plan_file = {plan!r}
c.ProbeScores.plan_file = {plan!r}
c.KernelManager.transport = "ipc"
'''


class WorkCourse:
    def __init__(self, lab: Lab, out: Path, cell_timeout: int = 60, memory_mb: int = 3072,
                 hide: list[Path] | None = None) -> None:
        self.lab = lab
        self.root = (out / "nbgrader").resolve()
        self.db = self.root / "gradebook.db"
        # Several labs may be graded into one folder (one nbgrader course): per-lab files.
        self.plan = self.root / f"plan-{lab.name}.json"
        self.reference = self.root / f"reference-{lab.name}.json"
        self.template_db = self.root / f"gradebook-template-{lab.name}.db"
        self.rows = self.root / "rows" / lab.name
        self.results = self.root / "results" / lab.name
        self._db_lock = threading.Lock()  # the course gradebook has one writer at a time
        self.cell_timeout = cell_timeout
        self.memory_mb = memory_mb
        self.hide = [p.resolve() for p in (hide or [])]

    # --- setting up -----------------------------------------------------------------

    def prepare(self) -> None:
        """Sources, config, kernelspec, gradebook, plan and reference answers."""
        self.root.mkdir(parents=True, exist_ok=True)
        source = self.root / "source" / self.lab.name
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(self.lab.source_dir, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        (self.root / "nbgrader_config.py").write_text(CONFIG.format(
            root=str(self.root), db=str(self.db), cell_timeout=self.cell_timeout,
            kernel=KERNEL_NAME, plan=str(self.plan)))
        self._write_kernelspec()
        # The course gradebook, and an empty one that each student is graded against.
        self.template_db.unlink(missing_ok=True)
        for db in (self.db, self.template_db):
            done = self._nbgrader(["generate_assignment", self.lab.name, "--force",
                                   f"--CourseDirectory.db_url=sqlite:///{db}"], timeout=300)
            if done.returncode != 0:
                raise CourseError(f"nbgrader generate_assignment failed: {_last_error(done)}")
        self._fingerprint = self._write_plan()
        self._compute_reference(self._fingerprint)

    def reference_fingerprint(self) -> str:
        """Changes when the lab's sources or the secret change (set by :meth:`prepare`)."""
        return self._fingerprint

    def _secret(self) -> int:
        """The seed of the hidden inputs: from $GRADER_SECRET, else made once per output folder."""
        if os.environ.get("GRADER_SECRET"):
            return int(hashlib.sha256(os.environ["GRADER_SECRET"].encode()).hexdigest()[:16], 16)
        path = self.root / "secret"
        if not path.exists():
            path.write_text(str(secrets.randbits(63)))
        return int(path.read_text())

    def _write_plan(self) -> str:
        secret = self._secret()
        plan: dict[str, dict[str, list[dict]]] = {}
        digest = hashlib.sha256(str(secret).encode())
        for name in self.lab.notebooks:
            path = self.lab.source_dir / f"{name}.ipynb"
            digest.update(path.read_bytes())
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                meta = nbgrader_meta(cell)
                if not (meta.get("grade") and not meta.get("solution")):
                    continue
                try:
                    declared = P.declared_probes(cell.source)
                except Exception as exc:
                    raise CourseError(f"{name}: the hidden tests of '{meta['grade_id']}' do not run: {exc}") from exc
                specs = []
                for index, spec in enumerate(declared):
                    inputs = P.draw_inputs(spec, secret, f"{name}/{meta['grade_id']}/{index}")
                    specs.append({"name": spec.name, "code": spec.code, "rtol": spec.rtol, "atol": spec.atol,
                                  "weight": spec.weight, "inputs": {k: P.encode(v) for k, v in inputs.items()}})
                if specs:
                    plan.setdefault(name, {})[meta["grade_id"]] = specs
        self.plan.write_text(json.dumps(plan))
        return digest.hexdigest()

    def _write_kernelspec(self) -> None:
        folder = self.root / "jupyter" / "kernels" / KERNEL_NAME
        folder.mkdir(parents=True, exist_ok=True)
        package_tree = Path(__file__).resolve().parent.parent  # an editable install's checkout
        hidden = [self.root, self.lab.source_dir.parent, self.lab.root / ".git",
                  package_tree / "solutions", package_tree / ".git", *self.hide]
        argv = [sys.executable, "-m", "grader.sandbox", "--memory-mb", str(self.memory_mb),
                "--cpu-seconds", str(max(120, self.cell_timeout * 10))]
        for folder_to_hide in hidden:
            argv += ["--hide", str(folder_to_hide)]
        argv += ["--", sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec = {"argv": argv, "display_name": "Python 3 (grading sandbox)", "language": "python",
                # interrupts travel as messages: signals would stop at the sandbox boundary
                "interrupt_mode": "message",
                "env": {"COURSE_LABS_QUICK": "1", "PYTHONDONTWRITEBYTECODE": "1"}}
        (folder / "kernel.json").write_text(json.dumps(spec, indent=1))

    def _compute_reference(self, fingerprint: str) -> None:
        if self.reference.is_file():
            stored = json.loads(self.reference.read_text())
            if stored.get("_fingerprint") == fingerprint:
                return
        files = {name: self.lab.source_dir / f"{name}.ipynb" for name in self.lab.notebooks}
        run = self.run_student(REFERENCE_STUDENT, files, reference=True)
        answers: dict = {"_fingerprint": fingerprint}
        for name in self.lab.notebooks:
            report = run["reports"].get(name, {})
            if report.get("run", {}).get("status") != "completed":
                raise CourseError(f"the reference solution of {name} did not run to the end: {report.get('run')}")
            failed = [f"{cell}: {v['name']}" for cell, vs in report.get("checks", {}).items() for v in vs if not v["passed"]]
            if failed:
                raise CourseError(f"the reference solution fails its own hidden checks in {name}: {failed}")
            answers[name] = json.loads((run["answers_dir"] / f"{name}.json").read_text())["answers"]
        self.reference.write_text(json.dumps(answers))

    # --- grading --------------------------------------------------------------------

    def _nbgrader(self, args: list[str], timeout: float, env: dict[str, str] | None = None):
        extra = {"JUPYTER_PATH": str(self.root / "jupyter"), **(env or {})}
        return run_nbgrader(args, cwd=self.root, timeout=timeout, extra_env=extra)

    def forget(self, student: str) -> None:
        """Remove every trace of an earlier grading of ``student``: no stale score survives."""
        with self._db_lock:
            gradebook.forget(self.db, self.lab.name, student)
        for folder in (self.root / "submitted" / student / self.lab.name,
                       self.root / "autograded" / student / self.lab.name,
                       self.results / student, self.rows / student):
            shutil.rmtree(folder, ignore_errors=True)

    def save_row(self, student: str, row: dict) -> None:
        """Store one student's result atomically (write, then rename)."""
        folder = self.rows / student
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "row.json.tmp"
        tmp.write_text(json.dumps(row, sort_keys=True, default=str))
        os.replace(tmp, folder / "row.json")

    def saved_row(self, student: str) -> dict | None:
        path = self.rows / student / "row.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def saved_rows(self) -> list[dict]:
        folder = self.rows
        paths = sorted(folder.glob("*/row.json")) if folder.is_dir() else []
        return [json.loads(p.read_text()) for p in paths]

    def run_student(self, student: str, files: dict[str, Path], reference: bool = False, repair: bool = False) -> dict:
        """Autograde one student's notebooks; returns the nbgrader result, per-notebook
        reports and the repairs made (with ``repair``, each notebook is rebuilt on the
        released one first)."""
        self.forget(student)
        folder = self.root / "submitted" / student / self.lab.name
        folder.mkdir(parents=True)
        repairs: list[str] = []
        for name, path in files.items():
            if repair:
                notes = repair_file(path, self.root / "release" / self.lab.name / f"{name}.ipynb", folder / f"{name}.ipynb")
                repairs += [f"{name}: {note}" for note in notes]
            else:
                shutil.copyfile(path, folder / f"{name}.ipynb")
        results = self.results / student
        results.mkdir(parents=True)
        status_file = results / "sandbox-status.json"
        scratch_db = results / "gradebook.db"
        shutil.copyfile(self.template_db, scratch_db)
        # Unix socket paths must be short: keep them in a fresh folder under /tmp.
        sockets = Path(tempfile.mkdtemp(prefix="gk-"))
        args = [
            "autograde", self.lab.name, f"--student={student}", "--force",
            f"--ProbingExecute.answers_dir={results / 'answers'}",
            f"--ProbingExecute.status_file={status_file}",
            f"--ProbeScores.report_dir={results / 'checks'}",
            f"--KernelManager.ip={sockets / 'kernel'}",
            f"--CourseDirectory.db_url=sqlite:///{scratch_db}",
        ]
        if not reference:
            args.append(f"--ProbeScores.reference_file={self.reference}")
        budget = 120 + (self.cell_timeout + 30) * 3 * max(1, len(files))
        try:
            done = self._nbgrader(args, timeout=budget, env={STATUS_ENV: str(status_file)})
            error = "" if done.returncode == 0 else _last_error(done)
        except Exception as exc:  # subprocess.TimeoutExpired: nbgrader itself hung
            error = f"grading stopped after {budget} s ({type(exc).__name__})"
        finally:
            shutil.rmtree(sockets, ignore_errors=True)
        reports = {}
        for name in files:
            path = results / "checks" / f"{name}.json"
            if path.is_file():
                reports[name] = json.loads(path.read_text())
        cells = gradebook.read_scores(scratch_db, self.lab.name, self.lab.notebooks, student)
        with self._db_lock:
            gradebook.merge(self.db, scratch_db, self.lab.name, student)
        return {"error": error, "reports": reports, "answers_dir": results / "answers", "repairs": repairs,
                "cells": cells,
                "sandbox": json.loads(status_file.read_text()) if status_file.is_file() else None}


def _last_error(done) -> str:
    text = (done.stderr or "") + (done.stdout or "")
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    interesting = [line for line in lines if "Error" in line or "error" in line]
    return (interesting or lines or ["no output"])[-1][:300]

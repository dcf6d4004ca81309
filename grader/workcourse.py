"""The private nbgrader course of one grading run (``OUT/nbgrader``).

It holds a copy of the lab's sources, nbgrader's gradebook (the one formgrader and
``generate_feedback`` read), the grading plan (each hidden probe with its inputs drawn
from the run's secret seed), the reference solution's answers, every student's autograded
notebooks, and the per-student results. Grading itself happens in workers
(``grader.worker``) from a :class:`~grader.worker.CourseBundle` made here; student code
sees none of this folder.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from pathlib import Path

import nbformat

from . import probes as P
from .course import CourseError, Lab, nbgrader_meta, run_nbgrader
from .repair import repair_file
from .executors import LocalExecutor
from .worker import CourseBundle, GradingResult, GradingTask, last_error

REFERENCE_STUDENT = "_reference"

CONFIG = '''\
# Written by `grader autograde`: the gradebook and autograded notebooks of a grading run,
# for nbgrader's formgrader and generate_feedback (grading itself runs in grader.worker).
# Paths are relative to this file, so the folder may be moved or copied (to a TA's machine).
import os

c = get_config()  # noqa: F821
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(c.CourseDirectory.root, "gradebook.db")
'''


class WorkCourse:
    def __init__(self, lab: Lab, out: Path, cell_timeout: int = 60, memory_mb: int = 3072,
                 hide: list[Path] | None = None, kernels: str = "auto") -> None:
        self.lab = lab
        self.kernels = kernels  # how kernels are made (grader.worker.CourseBundle.kernels); grades never depend on it
        self.root = (out / "nbgrader").resolve()
        self.db = self.root / "gradebook.db"
        # Several labs may be graded into one folder (one nbgrader course): per-lab files.
        self.plan = self.root / f"plan-{lab.name}.json"
        self.reference = self.root / f"reference-{lab.name}.json"
        self.template_db = self.root / f"gradebook-template-{lab.name}.db"
        self.rows = self.root / "rows" / lab.name
        self.results = self.root / "results" / lab.name
        self.cell_timeout = cell_timeout
        self.memory_mb = memory_mb
        self.hide = [p.resolve() for p in (hide or [])]
        self._gradebook = None  # the course gradebook, open while a run stores students (see close)

    # --- setting up -----------------------------------------------------------------

    def prepare(self) -> None:
        """Sources, config, gradebook, plan, reference answers and the bundle for workers."""
        self.root.mkdir(parents=True, exist_ok=True)
        source = self.root / "source" / self.lab.name
        if source.exists():
            shutil.rmtree(source)
        shutil.copytree(self.lab.source_dir, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        (self.root / "nbgrader_config.py").write_text(CONFIG)
        # The course gradebook, and an empty one that each student is graded against; made
        # again only when the sources changed (two nbgrader runs: seconds saved per rerun).
        stamp = self.root / f"generated-{self.lab.name}.sha256"
        digest = hashlib.sha256()
        for path in sorted(source.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(source)).encode() + b"\0" + path.read_bytes())
        fresh = stamp.is_file() and stamp.read_text() == digest.hexdigest() and self.db.is_file() and self.template_db.is_file()
        if not fresh:
            stamp.unlink(missing_ok=True)
            self.template_db.unlink(missing_ok=True)
            for db in (self.db, self.template_db):
                done = self._nbgrader(["generate_assignment", self.lab.name, "--force",
                                       f"--CourseDirectory.db_url=sqlite:///{db}"], timeout=300)
                if done.returncode != 0:
                    raise CourseError(f"nbgrader generate_assignment failed: {last_error((done.stderr or '') + (done.stdout or ''))}")
            stamp.write_text(digest.hexdigest())
        self._fingerprint = self._write_plan()
        self._compute_reference(self._fingerprint)
        self.bundle = self._bundle(self.reference.read_text())

    def _bundle(self, reference: str | None) -> CourseBundle:
        source = self.root / "source" / self.lab.name
        files = {str(p.relative_to(source)): p.read_bytes() for p in sorted(source.rglob("*")) if p.is_file()}
        hide = [self.root, self.lab.source_dir.parent, self.lab.root / ".git", *self.hide]
        fields = dict(lab=self.lab.name, notebooks=tuple(self.lab.notebooks), source_files=files,
                      template_db=self.template_db.read_bytes(), plan=self.plan.read_text(), reference=reference,
                      cell_timeout=self.cell_timeout, memory_mb=self.memory_mb, hide=tuple(map(str, hide)))
        digest = hashlib.sha256(repr(sorted((k, v) for k, v in fields.items() if k != "source_files")).encode())
        for rel, content in files.items():
            digest.update(rel.encode() + b"\0" + content)
        return CourseBundle(**fields, fingerprint=digest.hexdigest(), kernels=self.kernels)

    def task_timeout(self, notebooks: int) -> float:
        """Seconds one student's grading may take in all before its worker is stopped."""
        # generous: a notebook may lose its kernel several times (each a timeout and a replay)
        return 120 + (self.cell_timeout + 30) * 8 * max(1, notebooks)

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
                                  "weight": spec.weight, "gate": spec.gate, "holds": spec.holds, "match": spec.match,
                                  "inputs": {k: P.encode(v) for k, v in inputs.items()}})
                if specs:
                    plan.setdefault(name, {})[meta["grade_id"]] = specs
        self.plan.write_text(json.dumps(plan))
        return digest.hexdigest()

    def _compute_reference(self, fingerprint: str) -> None:
        if self.reference.is_file():
            stored = json.loads(self.reference.read_text())
            if stored.get("_fingerprint") == fingerprint:
                return
        files = {name: self.lab.source_dir / f"{name}.ipynb" for name in self.lab.notebooks}
        task, _ = self.make_task(REFERENCE_STUDENT, files)
        executor = LocalExecutor(1, self._bundle(None), self.task_timeout(len(files)), self.root / "logs")
        (_, result), = executor.run([task])
        run = self.store(result)
        if run["error"]:
            raise CourseError(f"grading the reference solution failed: {run['error']} (log: {self.results / task.student})")
        answers: dict = {"_fingerprint": fingerprint}
        for name in self.lab.notebooks:
            report = run["reports"].get(name, {})
            if report.get("run", {}).get("status") != "completed":
                raise CourseError(f"the reference solution of {name} did not run to the end: {report.get('run')}")
            failed = [f"{cell}: {v['name']}" for cell, vs in report.get("checks", {}).items() for v in vs if not v["passed"]]
            if failed:
                raise CourseError(f"the reference solution fails its own hidden checks in {name}: {failed}")
            answers[name] = run["answers"][name]["answers"]
        self.reference.write_text(json.dumps(answers))

    # --- grading --------------------------------------------------------------------

    def _nbgrader(self, args: list[str], timeout: float):
        return run_nbgrader(args, cwd=self.root, timeout=timeout)

    def course_gradebook(self):
        """The course gradebook, opened once per run (grader.gradebook._opened says why)."""
        if self._gradebook is None:
            from . import gradebook  # nbgrader's API: 1 s of imports, paid while the workers start

            self._gradebook = gradebook.open_gradebook(self.db)
        return self._gradebook

    def close(self) -> None:
        """Close the course gradebook if a run opened it (every result is committed already)."""
        if self._gradebook is not None:
            self._gradebook, held = None, self._gradebook
            held.close()

    def forget(self, student: str) -> None:
        """Remove every trace of an earlier grading of ``student``: no stale score survives."""
        from . import gradebook

        gradebook.forget(self.course_gradebook(), self.lab.name, student)
        for folder in (self.root / "autograded" / student / self.lab.name,
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

    def make_task(self, student: str, files: dict[str, Path], repair: bool = False) -> tuple[GradingTask, list[str]]:
        """One student's grading task and the repairs made: with ``repair``, each notebook is
        rebuilt on the released one first (``grader.repair``)."""
        notebooks: dict[str, bytes] = {}
        repairs: list[str] = []
        folder = self.root / "submitted" / student / self.lab.name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, path in files.items():
            if repair:
                notes = repair_file(path, self.root / "release" / self.lab.name / f"{name}.ipynb", folder / f"{name}.ipynb")
                repairs += [f"{name}: {note}" for note in notes]
            else:
                shutil.copyfile(path, folder / f"{name}.ipynb")
            notebooks[name] = (folder / f"{name}.ipynb").read_bytes()
        return GradingTask(student, notebooks), repairs

    def store(self, result: GradingResult) -> dict:
        """Keep what a worker sent back: autograded notebooks, checks, answers, the log, and
        the student's grades merged into the course gradebook (only the coordinator writes
        it, one student at a time, so there is no SQLite contention)."""
        from . import gradebook

        student = result.student
        autograded = self.root / "autograded" / student / self.lab.name
        # A TA's grades of written answers survive a regrade of the automatic part when the
        # answer is the same text (put back after the merge below); a rewritten one waits again.
        kept = gradebook.ta_grades(self.course_gradebook(), self.lab.name, self.lab.manual_questions, student, autograded)
        self.forget(student)
        autograded.mkdir(parents=True)
        for name, content in result.autograded.items():
            (autograded / f"{name}.ipynb").write_bytes(content)
        results = self.results / student
        results.mkdir(parents=True)
        for kind, store in (("checks", result.reports), ("answers", result.answers)):
            (results / kind).mkdir()
            for name, report in store.items():
                (results / kind / f"{name}.json").write_text(json.dumps(report))
        (results / "nbgrader.log").write_text(f"graded by {result.worker} in {result.seconds} s; kernels: "
                                              f"{result.kernels or 'unknown'}\n{result.log}")
        cells: dict[str, dict] = {}
        if result.gradebook:
            scratch_db = results / "gradebook.db"
            scratch_db.write_bytes(result.gradebook)
            cells = gradebook.merge(self.course_gradebook(), scratch_db, self.lab.name, student)
            if kept:
                gradebook.restore_ta_grades(self.course_gradebook(), self.lab.name, student, kept, autograded)
        return {"error": result.error, "reports": result.reports, "answers": result.answers, "cells": cells,
                "sandbox": result.sandbox, "worker": result.worker}

"""nbgrader preprocessors that put the verdict outside the student's kernel.

``ProbingExecute`` replaces nbgrader's ``Execute``: it runs the notebook as usual (hidden
blocks that declare probes removed first, so they never run in the student's kernel), and
right after each test cell it runs that cell's probes in the same kernel and keeps the
answers. It stops the run at the first cell that times out, kills the kernel or floods the
output, and records which. ``ProbeScores`` replaces ``SaveAutoGrades``: a test cell with
probes scores its points times the weighted share of probes whose answer matches the
reference answer; a test cell that never ran scores 0 (nbgrader would give full marks to
a cell with no output). The gradebook, feedback and formgrader stay nbgrader's.
"""
from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader import utils
from nbconvert.preprocessors import Preprocessor
from jupyter_core.utils import run_sync
from nbgrader.preprocessors import Execute, SaveAutoGrades
from traitlets import Bool, Integer, List, Unicode

from . import probes as P

RESOURCE_KEY = "course_grading"


class RunStopped(Exception):
    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def load_plan(path: str, notebook: str) -> dict[str, list[dict]]:
    """grade_id -> probes (with their drawn inputs) for one notebook, from the plan file."""
    if not path:
        return {}
    plan = json.loads(Path(path).read_text())
    return plan.get(notebook, {})


class ProbingExecute(Execute):
    plan_file = Unicode("", help="JSON written by the grader: notebook -> grade_id -> probes").tag(config=True)
    answers_dir = Unicode("", help="where to write each notebook's answers and run status").tag(config=True)
    status_file = Unicode("", help="file the sandbox writes when it stops a kernel").tag(config=True)
    output_limit = Integer(200_000, help="bytes of output kept per cell").tag(config=True)
    output_kill = Integer(20_000_000, help="bytes of output in one cell that end the run").tag(config=True)
    max_procs = Integer(64, help="processes the kernel may have when a cell ends (as the sandbox's --max-procs)").tag(config=True)
    prestart = Bool(False, help="use a kernel started ahead of time, and start the next one (grader.kernel_pool)").tag(config=True)
    prestart_dir = Unicode("", help="where kernels started ahead keep their working folders").tag(config=True)
    prestart_modules = List(Unicode(), help="modules a kernel started ahead imports").tag(config=True)

    def preprocess(self, nb: nbformat.NotebookNode, resources: Any = None, km: Any = None):
        notebook = resources["nbgrader"]["notebook"]
        self._plan = load_plan(self.plan_file, notebook)
        self._answers: dict[str, list[dict]] = {}
        self._ran: list[str] = []
        self._run = {"status": "completed", "reason": "", "cell": None}
        for cell in nb.cells:
            if utils.is_grade(cell) and cell.metadata.nbgrader.get("grade_id") in self._plan:
                cell.source = P.strip_hidden(cell.source)
        self._pooled = None
        try:
            super().preprocess(nb, resources, km)
        except RunStopped as stop:
            self._run.update(status=stop.status, reason=stop.reason)
        except CellTimeoutError:
            self._run.update(status="timeout", reason=f"a cell ran longer than {self.timeout} s")
        except DeadKernelError:
            self._run.update(self._sandbox_status() or {"status": "crashed", "reason": "the kernel died"})
        except Exception as exc:  # nbclient failures (kernel failed to start, ...)
            self._run.update(status="crashed", reason=f"{type(exc).__name__}: {exc}"[:300])
        finally:
            self._release_pooled()
        result = {"answers": self._answers, "ran": self._ran, "run": self._run}
        resources[RESOURCE_KEY] = result
        if self.answers_dir:
            folder = Path(self.answers_dir)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{notebook}.json").write_text(json.dumps(result))
        return nb, resources

    async def async_start_new_kernel(self, **kwargs: Any) -> None:
        from .kernel_pool import POOL

        pooled = None
        if self.prestart:
            pooled = await POOL.take(self.kernel_name, Path(self.prestart_dir), list(self.prestart_modules))
        if pooled is not None:
            self.km, self._pooled = pooled.km, pooled
        else:
            await super().async_start_new_kernel(**kwargs)
        if self.prestart:  # the next student's kernel starts while this one's notebook runs
            POOL.prestart(self.kernel_name, Path(self.prestart_dir), list(self.prestart_modules), env={})

    start_new_kernel = run_sync(async_start_new_kernel)

    def _release_pooled(self) -> None:
        from .kernel_pool import release

        pooled, self._pooled = self._pooled, None
        if pooled is None:
            return
        if pooled.status_file.is_file() and self.status_file:  # the sandbox's verdict, where the worker reads it
            Path(self.status_file).write_bytes(pooled.status_file.read_bytes())
        release(pooled)

    def _sandbox_status(self) -> dict | None:
        pooled = getattr(self, "_pooled", None)
        path = pooled.status_file if pooled else Path(self.status_file) if self.status_file else None
        if path and path.is_file():
            try:
                return json.loads(path.read_text())
            except ValueError:
                return None
        return None

    def preprocess_cell(self, cell, resources, index):
        self._current = cell
        self._output_bytes = 0
        self._timed_out = False
        self._run["cell"] = index
        cell, resources = super().preprocess_cell(cell, resources, index)
        if self._timed_out:
            raise RunStopped("timeout", f"a cell ran longer than {self.timeout} s")
        self._check_processes()
        if utils.is_grade(cell):
            grade_id = cell.metadata.nbgrader["grade_id"]
            self._ran.append(grade_id)
            if grade_id in self._plan:
                self._answers[grade_id] = self._ask(self._plan[grade_id], index)
        self._run["cell"] = None
        return cell, resources

    def _check_processes(self) -> None:
        # The sandbox's watchdog samples while a cell runs and can see a fork bomb only after
        # the cell is over; checking here stops the run at the cell that did it, every time.
        import psutil

        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        try:
            count = len(psutil.Process(process.pid).children(recursive=True)) if process else 0
        except psutil.Error:
            return
        if count > self.max_procs:
            raise RunStopped("processes", f"started more than {self.max_procs} processes")

    def _ask(self, specs: list[dict], index: int) -> list[dict]:
        """Run a test cell's probes in the kernel, all in one execution; their answers."""
        markers = [f"@@{secrets.token_hex(8)}@@" for _ in specs]
        calls = [(spec["code"], {k: P.decode(v) for k, v in spec["inputs"].items()}, marker)
                 for spec, marker in zip(specs, markers)]
        probe_cell = nbformat.v4.new_code_cell(P.kernel_batch(calls))
        self._output_bytes = 0
        test_cell = self.nb.cells[index]
        self._probing = True
        try:
            self.execute_cell(probe_cell, index, store_history=False)
        finally:
            self._probing = False
            self.nb.cells[index] = test_cell  # nbclient stores the executed cell at that index
        if self._timed_out:
            raise RunStopped("timeout", f"a hidden check ran longer than {self.timeout} s")
        text = "".join(o.get("text", "") for o in probe_cell.outputs if o.get("output_type") == "stream")
        return [P.parse_reply(text, marker) for marker in markers]

    async def _async_handle_timeout(self, timeout: int, cell: Any = None):
        # Interrupt like nbgrader, then stop the run: a kernel that ignores the interrupt
        # would otherwise make every later cell wait out its own timeout too.
        self._timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        size = len(json.dumps(msg.get("content", {})))
        self._output_bytes += size
        if self._output_bytes > self.output_kill:
            raise RunStopped("output", "printed more output than allowed")
        if self._output_bytes > self.output_limit and not getattr(self, "_probing", False):
            return None  # keep the first part only; the notebook stays readable (answers: all)
        return super().output(outs, msg, display_id, cell_index)


class ProbeScores(SaveAutoGrades):
    plan_file = Unicode("", help="the same plan file as ProbingExecute's").tag(config=True)
    reference_file = Unicode("", help="answers of the reference solution (JSON); none: compare with itself").tag(config=True)
    report_dir = Unicode("", help="where to write per-check verdicts").tag(config=True)

    def preprocess(self, nb, resources):
        self._result = resources.get(RESOURCE_KEY, {"answers": {}, "ran": [], "run": {}})
        notebook = resources["nbgrader"]["notebook"]
        reference = json.loads(Path(self.reference_file).read_text()).get(notebook, {}) if self.reference_file else None
        self._reference = reference
        self._plan = load_plan(self.plan_file, notebook)
        self._verdicts: dict[str, list[dict]] = {}
        nb, resources = super().preprocess(nb, resources)
        if self.report_dir:
            folder = Path(self.report_dir)
            folder.mkdir(parents=True, exist_ok=True)
            report = {"run": self._result.get("run", {}), "checks": self._verdicts}
            (folder / f"{notebook}.json").write_text(json.dumps(report))
        return nb, resources

    def _add_score(self, cell, resources) -> None:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        points = float(cell.metadata["nbgrader"]["points"])
        answers = self._result["answers"].get(grade_id)
        if grade_id not in self._result.get("ran", []):
            score = 0.0  # never executed: the run stopped before it
            self._verdicts[grade_id] = [{"name": "cell", "passed": False, "reason": "not run: the notebook stopped earlier"}]
        elif answers is not None:
            score = self._probe_score(grade_id, answers, points)
        else:
            score, _ = utils.determine_grade(cell, self.log)  # no probes: nbgrader's in-kernel verdict
            self._verdicts[grade_id] = [{"name": "in-kernel tests", "passed": bool(score and score >= points), "reason": ""}]
        grade.auto_score = score
        grade.needs_manual_grade = grade.manual_score is not None
        self.gradebook.db.commit()

    def _probe_score(self, grade_id: str, answers: list[dict], points: float) -> float:
        # Without a reference file (the run that computes the reference) answers are
        # compared with themselves: that only checks the reference can answer every probe.
        reference = answers if self._reference is None else self._reference.get(grade_id, [])
        total = earned = 0.0
        verdicts = []
        missing = {"ok": False, "error": "no answer"}
        for i, spec in enumerate(self._plan[grade_id]):
            answer = answers[i] if i < len(answers) else None
            ref = reference[i] if i < len(reference) else missing
            ok, why = P.verdict(answer, ref, spec["rtol"], spec["atol"])
            total += spec["weight"]
            earned += spec["weight"] if ok else 0.0
            verdicts.append({"name": spec["name"], "passed": ok, "reason": why})
        self._verdicts[grade_id] = verdicts
        return round(points * earned / total, 4) if total else 0.0


class HideHiddenTests(Preprocessor):
    """For ``nbgrader generate_feedback``: remove hidden-test blocks from test cells and
    replace the tracebacks of failed test cells with one line, so feedback never shows the
    hidden tests' code, inputs or tracebacks (nbgrader's own feedback shows all three)."""

    enabled = True  # nbconvert preprocessors are off unless told otherwise

    def preprocess_cell(self, cell, resources, index):
        if utils.is_grade(cell) and not utils.is_solution(cell) and cell.cell_type == "code":
            cell.source = P.strip_hidden(cell.source)
            outputs = []
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output = nbformat.v4.new_output("stream", name="stdout",
                                                    text="✘ Some checks of this exercise failed (details hidden).\n")
                outputs.append(output)
            cell.outputs = outputs
        return cell, resources

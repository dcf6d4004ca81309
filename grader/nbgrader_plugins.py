"""nbgrader preprocessors that put the verdict outside the student's kernel.

``ProbingExecute`` replaces nbgrader's ``Execute``. It runs the notebook cell by cell
(hidden blocks that declare probes removed first, so they never run in the student's
kernel) and, right after each test cell, runs that cell's probes in the same kernel and
keeps their answers. One mistake costs one exercise:

* a cell that runs too long is interrupted and the notebook goes on;
* a cell that prints too much has its output cut (the notebook says so) and is interrupted;
* a kernel that ignores the interrupt, dies, runs out of memory or starts too many
  processes is replaced by a fresh one: the cells that ran before (answers, set-up, demos;
  not the test cells, not the offending cell) run again in it without their output, and
  the notebook goes on from the next cell.

Every such event is recorded with its cell. ``ProbeScores`` replaces ``SaveAutoGrades``: a
test cell with probes scores from its probes alone (``grader.probes.cell_score``: gates,
value and property probes); a probe without an answer scores 0, and so does a test cell
that never ran. The test cells' outputs in the autograded notebook become the grader's
verdicts. The gradebook, feedback and formgrader stay nbgrader's.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import time
from pathlib import Path
from typing import Any

import nbformat
from jupyter_core.utils import ensure_async, run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_hook
from nbconvert.preprocessors import Preprocessor
from nbgrader import utils
from nbgrader.preprocessors import Execute, SaveAutoGrades
from traitlets import Bool, Integer, List, Unicode

from . import probes as P

RESOURCE_KEY = "course_grading"
# What a run can record about a cell; anything but "completed" names its cell.
COMPLETED, TIMEOUT, OUTPUT, MEMORY, PROCESSES, CRASHED, TAMPERING = (
    "completed", "timeout", "output", "memory", "processes", "crashed", "tampering")


class KernelLost(Exception):
    """The kernel can no longer run cells (dead, killed, or deaf to interrupts)."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def load_plan(path: str, notebook: str) -> dict[str, list[dict]]:
    """grade_id -> probes (with their drawn inputs) for one notebook, from the plan file."""
    if not path:
        return {}
    plan = json.loads(Path(path).read_text())
    return plan.get(notebook, {})


def _is_test_cell(cell) -> bool:
    return utils.is_grade(cell) and not utils.is_solution(cell)


class ProbingExecute(Execute):
    plan_file = Unicode("", help="JSON written by the grader: notebook -> grade_id -> probes").tag(config=True)
    answers_dir = Unicode("", help="where to write each notebook's answers and run status").tag(config=True)
    status_file = Unicode("", help="file the sandbox writes when it stops a kernel").tag(config=True)
    output_limit = Integer(200_000, help="bytes of output kept per cell").tag(config=True)
    output_kill = Integer(20_000_000, help="bytes of output in one cell after which it is interrupted").tag(config=True)
    max_procs = Integer(64, help="processes the kernel may have when a cell ends (as the sandbox's --max-procs)").tag(config=True)
    max_restarts = Integer(4, help="fresh kernels one notebook may get before the rest of it is given up").tag(config=True)
    responsive_timeout = Integer(10, help="seconds an interrupted kernel has to show it still answers").tag(config=True)
    prestart = Bool(False, help="use a kernel started ahead of time, and start the next one (grader.kernel_pool)").tag(config=True)
    prestart_dir = Unicode("", help="where kernels started ahead keep their working folders").tag(config=True)
    prestart_modules = List(Unicode(), help="modules a kernel started ahead imports").tag(config=True)

    # --- the run -----------------------------------------------------------------------

    def preprocess(self, nb: nbformat.NotebookNode, resources: Any = None, km: Any = None):
        notebook = resources["nbgrader"]["notebook"]
        self._plan = load_plan(self.plan_file, notebook)
        self._answers: dict[str, list[dict]] = {}
        self._ran: list[str] = []
        self._events: list[dict] = []
        # where the time goes (benchmarks/grading.py): never part of a grade
        self._seconds = {"kernel start": 0.0, "cells": 0.0, "hidden checks": 0.0}
        self._cell_seconds: dict[str, float] = {}  # "cell 12" / "hidden checks 13": the slow parts
        for cell in nb.cells:
            if utils.is_grade(cell) and cell.metadata.nbgrader.get("grade_id") in self._plan:
                cell.source = P.strip_hidden(cell.source)
        self._pooled = None
        # As nbconvert's ExecutePreprocessor.preprocess, but the loop over cells is ours.
        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        try:
            self._run_all(resources)
        except Exception as exc:  # the kernel could not be started at all, ...
            self._event(CRASHED, f"the kernel could not be started ({type(exc).__name__})", None)
        finally:
            self._release_pooled()
        self._scrub_leaks()
        first = next((e for e in self._events if e["status"] != TAMPERING), None)
        run = {"status": first["status"] if first else COMPLETED, "reason": first["reason"] if first else "",
               "cell": first["cell"] if first else None, "events": self._events}
        result = {"answers": self._answers, "ran": self._ran, "run": run}
        resources[RESOURCE_KEY] = result
        if self.answers_dir:
            folder = Path(self.answers_dir)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{notebook}.json").write_text(json.dumps(result))
            timings = folder.parent / "timings"
            timings.mkdir(exist_ok=True)
            seconds = {k: round(v, 3) for k, v in self._seconds.items()}
            seconds["by cell"] = {k: round(v, 3) for k, v in self._cell_seconds.items()}
            (timings / f"{notebook}.json").write_text(json.dumps(seconds))
        return nb, resources

    def _event(self, status: str, reason: str, cell: int | None) -> None:
        self._events.append({"status": status, "reason": reason, "cell": cell})

    def _run_all(self, resources) -> None:
        cells = self.nb.cells
        index, restarts = 0, 0
        replay: list[int] = []  # cells a fresh kernel runs again before going on
        while index < len(cells):
            lost = None
            started = time.perf_counter()
            with self.setup_kernel():
                info = self.wait_for_reply(self.kc.kernel_info())
                self._seconds["kernel start"] += time.perf_counter() - started
                if info and "language_info" in info.get("content", {}):
                    self.nb.metadata["language_info"] = info["content"]["language_info"]
                try:
                    if restarts:
                        self._replay(replay)
                except KernelLost as gone:
                    self._event(gone.status, f"{gone.reason}; a fresh kernel could not run the earlier cells again, "
                                             "so the rest of the notebook was not run", index)
                    return
                while index < len(cells) and lost is None:
                    try:
                        clean = self._run_cell(cells[index], resources, index)
                    except KernelLost as gone:
                        lost = gone
                        self._event(gone.status, gone.reason, index)
                    except Exception as exc:  # a fault on our side (an odd message): this cell only
                        lost = KernelLost(CRASHED, f"the grader could not run this cell ({type(exc).__name__})")
                        self._event(lost.status, lost.reason, index)
                    else:
                        if clean and cells[index].cell_type == "code" and not _is_test_cell(cells[index]):
                            replay.append(index)
                    index += 1
                if lost is not None:
                    self._kill_kernel()
            if lost is not None:
                self._release_pooled()
                restarts += 1
                if restarts > self.max_restarts and index < len(cells):
                    self._event(CRASHED, f"the kernel was lost {restarts} times; the rest of the notebook was not run", index)
                    return

    def _run_cell(self, cell, resources, index: int) -> bool:
        """Run one cell (and, for a test cell, its probes). True when it ran cleanly.
        Raises KernelLost when the kernel has to be replaced."""
        self._output_bytes, self._cut, self._flooded, self._timed_out = 0, False, False, False
        events = len(self._events)
        if _is_test_cell(cell):  # it ran, whatever happens next: its probes then have no answer
            self._ran.append(cell.metadata.nbgrader["grade_id"])
        started = time.perf_counter()
        try:
            if self._checks_only(cell):
                # Its output would be replaced by the hidden checks' verdicts (ProbeScores)
                # and its grade is theirs: running the visible checks too only cost time
                # (a second on the music notebook). See probes.only_visible_checks.
                cell.outputs, cell.execution_count = [], None
            else:
                super(Execute, self).preprocess_cell(cell, resources, index)  # nbconvert's: execute_cell
        except DeadKernelError:
            raise self._lost_kernel() from None
        except CellTimeoutError:  # no reply at all (interrupt_on_timeout is on: rare)
            self._timed_out = True
        finally:
            took = time.perf_counter() - started
            self._seconds["cells"] += took
            self._cell_seconds[f"cell {index}"] = took
        clean = True
        if self._flooded:
            self._event(OUTPUT, f"printed more than {self.output_kill // 1_000_000} MB of output; the cell was interrupted", index)
            clean = False
        if self._timed_out:
            self._event(TIMEOUT, f"a cell ran longer than {self.timeout} s and was interrupted", index)
            clean = False
        if not clean:
            try:
                self._ensure_responsive()
            except KernelLost:
                del self._events[events:]  # one event for the cell: the kernel had to be replaced
                raise
        if cell.cell_type == "code" and not self._checks_only(cell):
            # only code that was run can leave processes behind (a scan of /proc costs ~2 ms;
            # most of a NumPy notebook's cells are text, or visible checks that are not run)
            self._check_processes()
        if _is_test_cell(cell):
            grade_id = cell.metadata.nbgrader["grade_id"]
            if grade_id in self._plan:
                specs = self._plan[grade_id]
                if self._timed_out or self._flooded:  # the visible check already hung: so would these
                    self._answers[grade_id] = [{"ok": False, "error": P.NO_ANSWER} for _ in specs]
                else:
                    self._answers[grade_id] = self._ask(specs, index)
        return clean

    def _checks_only(self, cell) -> bool:
        return (cell.cell_type == "code" and _is_test_cell(cell)
                and cell.metadata.nbgrader.get("grade_id") in self._plan and P.only_visible_checks(cell.source))

    def _replay(self, indices: list[int]) -> None:
        """Run cells again in a fresh kernel, outputs discarded, to rebuild what later cells need."""
        for index in indices:
            copy = nbformat.from_dict(json.loads(json.dumps(self.nb.cells[index])))
            self._output_bytes, self._cut, self._flooded, self._timed_out = 0, False, False, False
            self._replaying = True
            try:
                self.execute_cell(copy, index, store_history=True)
            except DeadKernelError:
                raise self._lost_kernel() from None
            finally:
                self._replaying = False
            if self._timed_out or self._flooded:
                self._ensure_responsive()

    def execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        run = run_sync(self.async_execute_cell)
        if not (getattr(self, "_replaying", False) or getattr(self, "_probing", False)):
            return run(cell, cell_index, execution_count, store_history)
        # nbclient stores the executed cell at its index; the notebook keeps the real one.
        kept = self.nb.cells[cell_index]
        try:
            return run(cell, cell_index, execution_count, store_history)
        finally:
            self.nb.cells[cell_index] = kept

    # --- kernels -------------------------------------------------------------------------

    def _ensure_responsive(self) -> None:
        """After an interrupt: does the kernel still answer? If not, it must be replaced."""
        async def ping() -> bool:
            msg_id = await ensure_async(self.kc.execute("", silent=True, store_history=False))
            deadline = time.monotonic() + self.responsive_timeout
            while time.monotonic() < deadline:
                try:
                    msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=1))
                except Exception:  # queue.Empty
                    if not await ensure_async(self.km.is_alive()):
                        return False
                    continue
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    return True
            return False

        try:
            alive = run_sync(ping)()
        except Exception:
            alive = False
        if not alive:
            status = self._sandbox_status()
            if status:
                raise KernelLost(status.get("status", CRASHED), status.get("reason", "the kernel was stopped"))
            raise KernelLost(TIMEOUT, f"a cell ran longer than {self.timeout} s and ignored the interrupt; "
                                      "the kernel was replaced")

    def _lost_kernel(self) -> KernelLost:
        status = self._sandbox_status()
        if status:
            return KernelLost(status.get("status", CRASHED), status.get("reason", "the kernel was stopped"))
        return KernelLost(CRASHED, "the kernel died")

    def _kill_kernel(self) -> None:
        try:
            if self.km is not None:
                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:
            pass

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

    async def async_start_new_kernel_client(self):
        pooled = getattr(self, "_pooled", None)
        if pooled is None or pooled.km is not self.km:
            return await super().async_start_new_kernel_client()
        # started ahead with its client, already past its first kernel_info (kernel_pool)
        self.kc = pooled.kc
        self.kc.allow_stdin = False
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return self.kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def _release_pooled(self) -> None:
        from .kernel_pool import release

        pooled, self._pooled = self._pooled, None
        if pooled is None:
            return
        if pooled.status_file.is_file() and self.status_file:  # the sandbox's verdict, where the worker reads it
            Path(self.status_file).write_bytes(pooled.status_file.read_bytes())
        release(pooled)

    def _sandbox_status(self) -> dict | None:
        """Why the sandbox stopped the current kernel, if it did (read once: the next kernel
        starts with a clean slate)."""
        pooled = getattr(self, "_pooled", None)
        path = pooled.status_file if pooled else Path(self.status_file) if self.status_file else None
        if not (path and path.is_file()):
            return None
        try:
            status = json.loads(path.read_text())
        except ValueError:
            status = None
        if pooled is None:
            path.unlink(missing_ok=True)
        return status if isinstance(status, dict) else None

    def _check_processes(self) -> None:
        # The sandbox's watchdog samples while a cell runs and can see a fork bomb only after
        # the cell is over; checking here stops it at the cell that did it, every time.
        import psutil

        from .forked import PID_SUFFIX

        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        pooled = getattr(self, "_pooled", None)
        status = str(pooled.status_file) if pooled else self.status_file
        pid_file = Path(status + PID_SUFFIX) if status else None
        try:
            if pid_file is not None and pid_file.is_file():
                # a forked kernel is no child of its launcher: its PID, as Linux gave it to the
                # launcher (grader.forked), and the init and keeper above it as a fresh
                # kernel's bwrap processes count
                count = len(psutil.Process(int(pid_file.read_text())).children(recursive=True)) + 3
            else:
                count = len(psutil.Process(process.pid).children(recursive=True)) if process else 0
        except (psutil.Error, ValueError, OSError):
            return
        if count > self.max_procs:
            raise KernelLost(PROCESSES, f"started more than {self.max_procs} processes; the kernel was replaced")

    # --- probes --------------------------------------------------------------------------

    def _ask(self, specs: list[dict], index: int) -> list[dict]:
        """Run a test cell's probes in the kernel, all in one execution; their answers."""
        markers = [f"@@{secrets.token_hex(8)}@@" for _ in specs]
        calls = [(spec["code"], {k: P.decode(v) for k, v in spec["inputs"].items()}, marker)
                 for spec, marker in zip(specs, markers)]
        probe_cell = nbformat.v4.new_code_cell(P.kernel_batch(calls))
        self._output_bytes, self._cut, self._flooded, self._timed_out = 0, False, False, False
        events = len(self._events)
        self._probing = True
        lost = None
        base_timeout = self.timeout
        # All of a cell's checks run in one execution: twice a cell's time, so that honest
        # but slow code (a loop, a model re-run at every step) still answers them all.
        self.timeout = base_timeout * 2 if base_timeout else base_timeout
        started = time.perf_counter()
        try:
            self.execute_cell(probe_cell, index, store_history=False)
        except DeadKernelError:
            lost = self._lost_kernel()
        except CellTimeoutError:
            self._timed_out = True
        finally:
            took = time.perf_counter() - started
            self._seconds["hidden checks"] += took
            self._cell_seconds[f"hidden checks {index}"] = took
            self._probing = False
            self.timeout = base_timeout
            self.clear_display_id_mapping(index)  # a probe's display ids never reach the real cell
        text = "".join(o.get("text", "") for o in probe_cell.get("outputs", [])
                       if o.get("output_type") == "stream" and o.get("name") == "stdout")
        completed = lost is None and not self._timed_out and not self._flooded
        replies, tampered = P.parse_replies(text, markers, completed)
        if self._timed_out or self._flooded:  # the grader's interrupt, not the student's exception
            replies = [{"ok": False, "error": P.NO_ANSWER} if r.get("error") == "KeyboardInterrupt" else r for r in replies]
        if tampered:
            self._event(TAMPERING, "tampering suspected: a hidden check's reply was duplicated, missing or malformed", index)
        if lost is not None:
            raise KernelLost(lost.status, lost.reason + " (in a hidden check)")
        if self._flooded:
            self._event(OUTPUT, f"printed more than {self.output_kill // 1_000_000} MB of output in a hidden check, "
                                "which was interrupted", index)
        if self._timed_out:
            self._event(TIMEOUT, f"the hidden checks ran longer than {2 * self.timeout} s and were interrupted", index)
        if self._timed_out or self._flooded:
            try:
                self._ensure_responsive()
            except KernelLost:
                del self._events[events:]
                raise
        self._check_processes()
        return replies

    # --- output and time limits ----------------------------------------------------------

    async def _async_handle_timeout(self, timeout: int, cell: Any = None):
        self._timed_out = True  # nbgrader's settings interrupt the kernel and go on
        return await super()._async_handle_timeout(timeout, cell)

    def output(self, outs, msg, display_id, cell_index):
        self._output_bytes += len(json.dumps(msg.get("content", {})))
        if self._output_bytes > self.output_kill and not self._flooded:
            self._flooded = True  # interrupt the cell; what it printed so far is kept (cut)
            asyncio.ensure_future(ensure_async(self.km.interrupt_kernel()))
        probing = getattr(self, "_probing", False)
        if self._output_bytes > (self.output_kill if probing else self.output_limit):
            if not self._cut and not probing:
                self._cut = True
                outs.append(nbformat.v4.new_output(
                    "stream", name="stderr",
                    text=f"\n[output cut by the grader: this cell printed more than {self.output_limit:,} bytes]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _scrub_leaks(self) -> None:
        """Outputs that repeat a hidden check's code (a student's hook can see it in the
        kernel and print it later) are removed: the autograded notebook goes back to students."""
        lines = {line.strip() for specs in self._plan.values() for spec in specs
                 for line in spec["code"].splitlines() if len(line.strip()) >= 20}
        if not lines:
            return
        for cell in self.nb.cells:
            kept = []
            for output in cell.get("outputs", []):
                text = json.dumps(output, ensure_ascii=False)
                if "__grader_probe" in text or "@@" in text and "__ndarray__" in text or any(
                        json.dumps(line, ensure_ascii=False)[1:-1] in text for line in lines):
                    output = nbformat.v4.new_output("stream", name="stderr",
                                                    text="[output removed by the grader: it showed the hidden checks]\n")
                kept.append(output)
            if "outputs" in cell:
                cell.outputs = kept


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
        if utils.is_solution(cell):
            # A manually graded answer: nbgrader's own rule (0 if left as released, else it
            # waits for a TA in the formgrader). No probe, no verdict, no automatic points.
            super()._add_score(cell, resources)
            return
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        points = float(cell.metadata["nbgrader"]["points"])
        if grade_id not in self._result.get("ran", []):
            score = 0.0  # never executed: the run stopped before it
            self._verdicts[grade_id] = [{"name": "cell", "passed": False, "reason": "not run: the notebook stopped earlier"}]
        elif grade_id in self._plan:  # probes decide alone; no answer is no points
            score = self._probe_score(grade_id, self._result["answers"].get(grade_id, []), points)
        else:
            score, _ = utils.determine_grade(cell, self.log)  # no probes: nbgrader's in-kernel verdict
            self._verdicts[grade_id] = [{"name": "in-kernel tests", "passed": bool(score and score >= points), "reason": ""}]
        grade.auto_score = score
        grade.needs_manual_grade = grade.manual_score is not None
        self.gradebook.db.commit()
        if grade_id in self._plan and _is_test_cell(cell):
            cell.outputs = [_verdict_output(self._verdicts[grade_id], score, points)]

    def _probe_score(self, grade_id: str, answers: list[dict], points: float) -> float:
        # Without a reference file (the run that computes the reference) answers are
        # compared with themselves: that only checks the reference can answer every probe.
        reference = answers if self._reference is None else self._reference.get(grade_id, [])
        missing = {"ok": False, "error": P.NO_ANSWER}
        specs = self._plan[grade_id]
        judgements = []
        for i, spec in enumerate(specs):
            answer = answers[i] if i < len(answers) else missing
            ref = reference[i] if i < len(reference) else {"ok": False}
            try:
                inputs = {k: P.decode(v) for k, v in spec["inputs"].items()}
                judgement = P.judge(spec, answer, ref, inputs)
            except Exception:  # never let one answer stop the notebook's grading
                judgement = P.Judgement(False, "the answer could not be checked")
            judgements.append(judgement)
        self._verdicts[grade_id] = [{"name": spec["name"], "passed": j.passed, "reason": j.reason,
                                     "gate": bool(spec.get("gate"))} for spec, j in zip(specs, judgements)]
        return P.cell_score(specs, judgements, points)


def _verdict_output(verdicts: list[dict], score: float, points: float):
    """What a test cell shows in the autograded notebook: the grader's verdicts, in words."""
    lines = [f"Hidden checks: {score:g} of {points:g} points"]
    for v in verdicts:
        lines.append(f"  {'✔' if v['passed'] else '✘'} {v['name']}" + (f" — {v['reason']}" if v["reason"] else ""))
    return nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n")


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

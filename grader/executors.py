"""Who runs the grading tasks: worker processes on this machine, or a Dask cluster.

Both take the same :class:`~grader.worker.GradingTask` objects and yield
``(task, result)`` pairs as they finish, in any order; a task that fails yields a result
with ``error`` set, so one bad submission never stops the others. The coordinator (the
``grader autograde`` process) stores each result as it arrives: only it writes the course
gradebook and the output folder.
"""
from __future__ import annotations

import os
import pickle
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from .worker import SCRATCH_ENV, CourseBundle, GradingResult, GradingTask

Outcome = tuple[GradingTask, GradingResult]


class LocalExecutor:
    """``workers`` long-lived ``python -m grader.worker`` processes, one task each at a time.

    A worker that dies or overruns ``task_timeout`` is killed with its kernels (its own
    process group) and replaced; its task is reported as failed.
    """

    def __init__(self, workers: int, bundle: CourseBundle | None, task_timeout: float, log_dir: Path) -> None:
        # ``bundle`` may come later (set it before :meth:`run`): see :meth:`start`.
        self.workers, self.bundle, self.task_timeout, self.log_dir = max(1, workers), bundle, task_timeout, log_dir
        self._procs: dict[int, subprocess.Popen] = {}
        self._briefed: set[int] = set()  # slots whose current worker has the bundle
        self._briefing: list[threading.Thread] = []  # bundles being handed over (see brief)
        self._stop = threading.Event()
        # Every worker's scratch folder lives in here (instructor notebooks, reference
        # answers, students' files): removed when the run ends, whatever happened to them.
        self._scratch = Path(tempfile.mkdtemp(prefix="grader-run-"))
        self._started = 0
        self._folders: dict[int, Path] = {}

    def start(self) -> None:
        """Start the worker processes now, before the bundle exists: each spends a second or
        more importing nbgrader, which then overlaps the coordinator's own preparation (the
        intake, the plan, its own imports). Each worker gets the bundle with its first task."""
        for slot in range(self.workers):
            self._spawn(slot)

    def brief(self, bundle: CourseBundle) -> None:
        """Hand the bundle to the workers started by :meth:`start` now, in the background:
        each then writes its course folder, starts its warm parent and its first kernel
        while the coordinator still prepares the tasks (``grader.worker.get_ready``)."""
        self.bundle = bundle
        for slot, proc in list(self._procs.items()):
            thread = threading.Thread(target=self._brief, args=(slot, proc), daemon=True)
            thread.start()
            self._briefing.append(thread)

    def _brief(self, slot: int, proc: subprocess.Popen) -> None:
        try:
            pickle.dump(self.bundle, proc.stdin)  # blocks until the worker has done its imports
            proc.stdin.flush()
        except (OSError, ValueError):  # it died: the task that needs it starts another
            return
        self._briefed.add(slot)

    def run(self, tasks: Iterable[GradingTask]) -> Iterator[Outcome]:
        if self.bundle is None:
            raise ValueError("LocalExecutor.run needs the bundle")
        for thread in self._briefing:  # a bundle is never written twice, nor beside a task
            thread.join()
        self._briefing.clear()
        todo: queue.Queue[GradingTask | None] = queue.Queue()
        done: queue.Queue[Outcome] = queue.Queue()
        tasks = list(tasks)
        for task in tasks:
            todo.put(task)
        slots = min(self.workers, len(tasks))
        for _ in range(slots):
            todo.put(None)
        threads = [threading.Thread(target=self._slot, args=(i, todo, done), daemon=True) for i in range(slots)]
        for thread in threads:
            thread.start()
        try:
            for _ in tasks:
                yield done.get()
        finally:
            self.close()

    def close(self) -> None:
        """Stop every worker and its kernels now (Ctrl-C, or the run is over)."""
        self._stop.set()
        for slot in list(self._procs):
            self._kill(slot)
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _slot(self, slot: int, todo: queue.Queue, done: queue.Queue) -> None:
        while not self._stop.is_set():
            task = todo.get()
            if task is None:
                break
            try:
                result = self._run_one(slot, task)
            except Exception as exc:  # the worker died or broke its channel
                self._kill(slot)
                result = GradingResult(task.student, error=f"grading worker failed: {exc}"[:300])
            if not self._stop.is_set():
                done.put((task, result))
        self._kill(slot)

    def _worker(self, slot: int) -> subprocess.Popen:
        proc = self._procs.get(slot)
        if proc is None or proc.poll() is not None:
            proc = self._spawn(slot)
        if slot not in self._briefed:
            pickle.dump(self.bundle, proc.stdin)  # blocks until the worker has done its imports
            proc.stdin.flush()
            self._briefed.add(slot)
        return proc

    def _spawn(self, slot: int) -> subprocess.Popen:
        self._kill(slot)  # a worker that died: its scratch folder goes with it
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"worker-{slot}.log", "ab") as log:
            self._started += 1
            self._folders[slot] = self._scratch / f"w{slot}-{self._started}"
            env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
                   SCRATCH_ENV: str(self._folders[slot])}
            # Its own session: Ctrl-C in the terminal reaches the coordinator only, which
            # then stops the workers itself; killing the group takes the kernels with it.
            proc = subprocess.Popen([sys.executable, "-m", "grader.worker"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=log, env=env, start_new_session=True)
        self._procs[slot] = proc
        return proc

    def _run_one(self, slot: int, task: GradingTask) -> GradingResult:
        proc = self._worker(slot)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            self._kill(slot)

        timer = threading.Timer(self.task_timeout, expire)
        timer.start()
        try:
            pickle.dump((task, self.bundle.fingerprint), proc.stdin)
            proc.stdin.flush()
            result = pickle.load(proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            if expired.is_set() and not self._stop.is_set():
                return GradingResult(task.student, error=f"grading stopped after {self.task_timeout:.0f} s")
            raise RuntimeError(f"the worker process ended ({type(exc).__name__})") from exc
        finally:
            timer.cancel()
        return result

    def _kill(self, slot: int) -> None:
        self._briefed.discard(slot)
        proc = self._procs.pop(slot, None)
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        folder = self._folders.pop(slot, None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


class DaskExecutor:
    """Tasks shipped to a ``dask.distributed`` cluster whose workers have the course package
    installed. Start workers with ``--nthreads 1`` (a worker process grades one student at a
    time; give it more processes with ``--nworkers``)."""

    def __init__(self, client, bundle: CourseBundle) -> None:
        self.client, self.bundle = client, bundle  # each task is bounded by the cell timeouts

    @staticmethod
    def connect(scheduler: str):
        """A ``distributed.Client`` for ``scheduler``, or a clear error (checked before any work)."""
        from distributed import Client

        from .course import CourseError

        try:
            return Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise CourseError(f"cannot reach the Dask scheduler at {scheduler}: {exc}. Start it with "
                              "`dask scheduler` and its workers with `dask worker ADDRESS --nthreads 1`.") from exc

    def brief(self, bundle: CourseBundle) -> None:
        self.bundle = bundle  # scattered to the workers with the tasks

    def run(self, tasks: Iterable[GradingTask]) -> Iterator[Outcome]:
        from distributed import as_completed

        from .worker import grade

        tasks = list(tasks)
        bundle = self.client.scatter(self.bundle, broadcast=True)  # sent once per worker, not per task
        futures = {}
        for task in tasks:
            future = self.client.submit(grade, task, bundle, pure=False, retries=1, key=f"grade-{task.student}-{os.urandom(4).hex()}")
            futures[future.key] = (future, task)
        try:
            for future in as_completed([f for f, _ in futures.values()]):
                task = futures[future.key][1]
                try:
                    result = future.result()
                except Exception as exc:  # the task raised on the worker, or the worker was lost
                    result = GradingResult(task.student, error=f"dask task failed: {type(exc).__name__}: {exc}"[:300])
                yield task, result
        finally:
            self.client.cancel([f for f, _ in futures.values()])
            self.close()

    def close(self) -> None:
        self.client.close()

    def describe(self) -> str:
        workers = self.client.scheduler_info().get("workers", {})
        threads = sum(w.get("nthreads", 1) for w in workers.values())
        return f"dask scheduler {self.client.scheduler.address}: {len(workers)} workers, {threads} threads"

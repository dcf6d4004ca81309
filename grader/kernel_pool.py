"""A sandboxed kernel started ahead of time, with the lab's imports already done.

While a worker grades one student, the kernel for the next one starts beside it: a fresh
sandbox (``grader.sandbox``) whose Python has already imported what the lab's notebooks
import (TensorFlow: ~2 s). Each kernel serves exactly one student and is killed after it,
so no submission ever sees another's state; the imports bind no names in the student's
namespace. The kernel starts on the worker's own event loop (the one nbclient runs on), so
nbclient can use it directly, and so does its client: connected and past its first
``kernel_info`` while the previous notebook runs. (jupyter_client's ``wait_for_ready`` waits
0.2 s more whenever the first status message on IOPub is lost, as it is when the kernel
answers before the new subscription has reached it: measured, 0.21 s of every forked
kernel's start, now off the critical path.)
"""
from __future__ import annotations

import ast
import asyncio
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


def lab_imports(notebooks: list[str]) -> list[str]:
    """Modules that the code cells of these notebooks (JSON texts) import at top level.

    An importer (the warm parent, a kernel started ahead) also imports each module's
    ``WARM_IMPORTS``: what the module imports lazily, inside its functions, to stay quick
    to import itself (``course_utils.music``: music21's parser)."""
    modules: list[str] = []
    for text in notebooks:
        try:
            cells = json.loads(text).get("cells", [])
        except ValueError:
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", ""))
            try:
                tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
            except SyntaxError:
                continue
            for node in tree.body:
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    # ``from course_utils import music``: the name may be a submodule (an
                    # importer tries it and skips it when it is not one)
                    names = [node.module, *(f"{node.module}.{a.name}" for a in node.names if a.name != "*")]
                modules += [name for name in names if name not in modules]
    return modules


def warmup_code(modules: list[str]) -> str:
    """One line for IPython's ``exec_lines``: imports the modules, binds nothing."""
    body = (f"import importlib\nfor m in {modules!r}:\n    try:\n        mod = importlib.import_module(m)\n"
            "        for w in getattr(mod, 'WARM_IMPORTS', ()):\n            importlib.import_module(w)\n"
            "    except Exception:\n        pass\n")
    return f"exec({body!r}, {{}})"


READY_TIMEOUT = 60  # seconds a kernel started ahead has to answer its first kernel_info


@dataclass
class PooledKernel:
    km: object  # jupyter_client AsyncKernelManager, started
    kc: object  # its AsyncKernelClient: channels started, the kernel has answered kernel_info
    folder: Path  # its working folder and sandbox status file
    sockets: Path
    status_file: Path


class KernelPool:
    """At most one kernel waiting for the next student, per worker process."""

    def __init__(self) -> None:
        self._next: asyncio.Task | None = None
        self._key: tuple | None = None

    def prestart(self, kernel_name: str, workdir_root: Path, modules: list[str], env: dict[str, str]) -> None:
        """Start the next student's kernel now, on the running event loop, in the background."""
        loop = asyncio.get_running_loop()
        self._next = loop.create_task(self._start(kernel_name, workdir_root, modules, env))
        self._key = (kernel_name, str(workdir_root), tuple(modules))

    async def start_ahead(self, kernel_name: str, workdir_root: Path, modules: list[str], env: dict[str, str]) -> None:
        """Start the next student's kernel and wait until it is ready (or failed: then
        :meth:`take` returns None and the task starts one the usual way)."""
        self.prestart(kernel_name, workdir_root, modules, env)
        await asyncio.wait([self._next])

    async def take(self, kernel_name: str, workdir_root: Path, modules: list[str]) -> PooledKernel | None:
        """The kernel started ahead for these settings, or None (then start one as usual)."""
        task, self._next = self._next, None
        if task is None:
            return None
        if self._key != (kernel_name, str(workdir_root), tuple(modules)) or task.get_loop() is not asyncio.get_running_loop():
            await self._discard(task)
            return None
        try:
            return await task
        except Exception:  # it failed to start: the caller starts one the usual way
            return None

    async def close(self) -> None:
        task, self._next = self._next, None
        if task is not None:
            await self._discard(task)

    @staticmethod
    async def _discard(task: asyncio.Task) -> None:
        try:
            pooled = await task if task.get_loop() is asyncio.get_running_loop() else None
        except Exception:
            return
        if pooled is not None:
            pooled.kc.stop_channels()
            await pooled.km.shutdown_kernel(now=True)
            release(pooled)

    @staticmethod
    async def _start(kernel_name: str, workdir_root: Path, modules: list[str], env: dict[str, str]) -> PooledKernel:
        from jupyter_client.manager import AsyncKernelManager

        from .sandbox import STATUS_ENV

        folder = workdir_root / f"kernel-{uuid.uuid4().hex[:12]}"
        (folder / "work").mkdir(parents=True)
        status_file = folder / "sandbox-status.json"
        sockets = Path(tempfile.mkdtemp(prefix="gk-", dir=workdir_root))  # Unix socket paths must be short
        km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc", ip=str(sockets / "kernel"))
        extra = [f"--IPKernelApp.exec_lines={warmup_code(modules)}"] if modules else []
        await km.start_kernel(cwd=str(folder / "work"), extra_arguments=extra,
                              env={**os.environ, **env, STATUS_ENV: str(status_file)})
        kc = km.client()
        try:
            kc.start_channels()
            await kc.wait_for_ready(timeout=READY_TIMEOUT)
        except BaseException:  # it never answered: the caller starts one the usual way
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
            release(PooledKernel(km, kc, folder, sockets, status_file))
            raise
        return PooledKernel(km, kc, folder, sockets, status_file)


def release(pooled: PooledKernel) -> None:
    """Remove a used kernel's folders (its process is already gone)."""
    shutil.rmtree(pooled.folder, ignore_errors=True)
    shutil.rmtree(pooled.sockets, ignore_errors=True)


POOL = KernelPool()

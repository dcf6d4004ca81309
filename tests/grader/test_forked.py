"""Kernels forked from a warm parent (grader.forked, grader.forkserver): real bubblewrap, real
forks, real ipykernels driven by jupyter_client. What one student leaves behind must never
reach the next one, nor the parent that every next kernel is a copy of."""
from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from pathlib import Path

import psutil
import pytest

from grader import forked
from tests.paths import ROOT
from grader.sandbox import STATUS_ENV, bubblewrap

pytestmark = [pytest.mark.slow, pytest.mark.skipif(bubblewrap() is None, reason="bubblewrap is not available here")]


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory(prefix="forked-") as folder:
        yield Path(folder).resolve()


@pytest.fixture(scope="module")
def parent(scratch):
    warm, why = forked.start_parent(scratch, ["numpy"], [], {"COURSE_LABS_QUICK": "1"})
    assert warm is not None, why
    spec = scratch / "jupyter" / "kernels" / "forked-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": forked.kernel_argv(warm, 1024, 60, max_procs=20),
                                                  "language": "python", "display_name": "forked",
                                                  "interrupt_mode": "message"}))
    yield warm
    warm.stop()


class Kernel:
    """One forked kernel, started the way nbgrader's executor starts it."""

    def __init__(self, scratch: Path) -> None:
        from jupyter_client.manager import KernelManager

        self.work = scratch / f"work-{uuid.uuid4().hex[:8]}"
        self.work.mkdir()
        self.status = self.work.parent / f"{self.work.name}.status.json"
        sockets = Path(tempfile.mkdtemp(prefix="gk-", dir=scratch))
        os.environ["JUPYTER_PATH"] = str(scratch / "jupyter")
        self.km = KernelManager(kernel_name="forked-test", transport="ipc", ip=str(sockets / "kernel"))
        self.km.start_kernel(cwd=str(self.work), env={**os.environ, STATUS_ENV: str(self.status)})
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 60) -> str:
        out: list[str] = []

        def hook(msg):
            content = msg["content"]
            if msg["msg_type"] == "stream":
                out.append(content["text"])
            elif msg["msg_type"] == "error":
                out.append(f"{content['ename']}: {content['evalue']}")

        self.kc.execute_interactive(code, output_hook=hook, timeout=timeout)
        return "".join(out).strip()

    def host_pid(self) -> int:
        return int(Path(str(self.status) + forked.PID_SUFFIX).read_text())

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def test_the_parent_of_the_real_lab_imports_has_one_thread(scratch):
    """TensorFlow, NumPy (OpenBLAS), matplotlib, the course package and ipykernel imported,
    and still one thread: forking it cannot inherit a lock held by a thread that is not there."""
    from grader.kernel_pool import lab_imports

    texts = [p.read_text() for p in sorted((ROOT / "solutions").glob("*/*.ipynb"))]
    modules = [*lab_imports(texts), "course_utils"]
    assert {"tensorflow", "numpy", "course_utils.music"} <= set(modules)  # music: its WARM_IMPORTS too
    warm, why = forked.start_parent(scratch, modules, [], {})
    try:
        assert warm is not None, why
        assert warm.threads == 1
    finally:
        if warm is not None:
            warm.stop()


def test_a_forked_kernel_sees_nothing_of_the_previous_student(parent, scratch):
    marker = uuid.uuid4().hex
    first = Kernel(scratch)
    try:
        assert first.run("import numpy; print(numpy.__name__)") == "numpy"
        first.run(f"""
import os, subprocess, threading, time, numpy
LEFT_BEHIND = "{marker}"
numpy.mean = lambda *a, **k: 1.0          # a patched module
open("/tmp/{marker}", "w").write("x")    # a file in /tmp
open("{marker}.txt", "w").write("x")     # a file in the working folder
os.environ["LEFT_{marker}"] = "1"        # an environment variable
threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
subprocess.Popen(["sleep", "600"], start_new_session=True)   # a process left running
pid = os.fork()
if pid == 0:
    time.sleep(600)
""")
        assert (first.work / f"{marker}.txt").is_file()
        host_pid = first.host_pid()
        leftovers = [p.pid for p in psutil.Process(host_pid).children(recursive=True)]
        assert len(leftovers) >= 2
    finally:
        first.close()
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in leftovers) \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in leftovers if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE], "the student's processes outlived the kernel"

    second = Kernel(scratch)
    try:
        raw = second.run(f"""
import json, os, sys, threading, numpy
print(json.dumps({{
    "global": "LEFT_BEHIND" in globals(),
    "patched": bool(numpy.mean([1, 3]) != 2.0),
    "tmp": os.path.exists("/tmp/{marker}"),
    "cwd_file": os.path.exists("{marker}.txt") or any("{marker}" in f for f in os.listdir(".")),
    "other_folders": sorted(os.listdir("..")),
    "env": "LEFT_{marker}" in os.environ,
    "threads": threading.active_count(),
    "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
}}))
""")
        seen = json.loads(raw.splitlines()[-1])
        assert not seen["global"] and not seen["patched"] and not seen["tmp"] and not seen["cwd_file"]
        assert not seen["env"]
        assert second.work.name in seen["other_folders"] and first.work.name not in seen["other_folders"]
        assert seen["pids"][:2] == [1, 2] and len(seen["pids"]) <= 3  # init, the kernel (and its own `ls`?)
    finally:
        second.close()


def test_a_forked_kernel_cannot_reach_the_parent(parent, scratch):
    kernel = Kernel(scratch)
    try:
        seen = json.loads(kernel.run(f"""
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
def readable(path):
    try:
        open(path, "rb").read(1)
        return True
    except OSError:
        return False
status = dict(line.split(":", 1) for line in open("/proc/self/status") if line.startswith("Cap"))
def socket_names():  # every socket this kernel holds, by the address it is bound or connected to
    import socket, stat
    names = []
    for fd in map(int, os.listdir("/proc/self/fd")):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                sock = socket.socket(fileno=os.dup(fd))
                try:
                    names.append(str(sock.getsockname()))
                    names.append(str(sock.getpeername()))
                except OSError:
                    pass
                finally:
                    sock.close()
        except OSError:
            pass
    return names
print(json.dumps({{
    "caps": sorted(set(v.strip() for v in status.values())),
    "parent_pid_visible": os.path.exists("/proc/{parent.pid}") and {parent.pid} not in (1, 2),
    "init_mem": readable("/proc/1/mem"),
    "umount_tmp": libc.umount2(b"/tmp", 2) == 0,
    "mount": libc.mount(b"tmpfs", b"/mnt", b"tmpfs", 0, None) == 0,
    "socket_file": any(name.endswith(".sock") for name in os.listdir({str(scratch)!r})) if os.path.isdir({str(scratch)!r}) else False,
    "socket_names": socket_names(),
}}))
"""))
        assert seen["caps"] == ["0000000000000000"]
        assert not seen["init_mem"] and not seen["umount_tmp"] and not seen["mount"] and not seen["socket_file"]
        assert seen["socket_names"], "the kernel's own sockets should be listed"
        assert not [name for name in seen["socket_names"] if parent.socket_path.name in name], seen["socket_names"]
    finally:
        kernel.close()


@pytest.mark.parametrize("damage", [
    "import os; os.kill(os.getpid(), 9)",
    "import os, signal; os.kill(1, signal.SIGKILL); os.kill(-1, signal.SIGKILL)",
    "import ctypes; ctypes.string_at(0)",  # a segmentation fault
])
def test_a_student_who_kills_their_kernel_leaves_the_parent_whole(parent, scratch, damage):
    kernel = Kernel(scratch)
    try:
        kernel.kc.execute(damage)
        deadline = time.monotonic() + 15
        while kernel.km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.1)
        if "os.kill(1" not in damage:
            assert not kernel.km.is_alive()
    finally:
        kernel.close()
    assert parent.alive()
    after = Kernel(scratch)
    try:
        assert after.run("print(6 * 7)") == "42"
    finally:
        after.close()


def test_the_watchdog_stops_a_memory_bomb_and_says_so(parent, scratch):
    kernel = Kernel(scratch)
    try:
        kernel.kc.execute("blocks = []\nwhile True:\n    blocks.append(bytearray(50 << 20))")
        deadline = time.monotonic() + 60
        while kernel.km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert json.loads(kernel.status.read_text())["status"] == "memory"
    finally:
        kernel.close()
    assert parent.alive()


def test_the_worker_starts_its_parent_again_and_falls_back_when_asked(tmp_path, monkeypatch):
    """A warm parent killed from outside is replaced before the next student; with
    ``kernels="fresh"`` the kernelspec is the fresh sandbox launcher, and says so."""
    from grader import worker

    monkeypatch.setenv(worker.SCRATCH_ENV, str(tmp_path / "scratch"))
    monkeypatch.setattr(worker, "_scratch", None)
    bundle = worker.CourseBundle(lab="lab", notebooks=(), source_files={"readme.txt": b""}, template_db=b"", plan="{}", reference=None,
                                 cell_timeout=10, memory_mb=512, hide=(), fingerprint="f" * 64)
    root = worker._course_folder(bundle)
    spec = root / "jupyter" / "kernels" / worker.KERNEL_NAME / "kernel.json"
    try:
        assert worker._kernelspec(root, bundle) == forked.FORKED
        first = worker._parents[bundle.fingerprint]
        assert "grader.forked" in json.loads(spec.read_text())["argv"]
        first.process.kill()
        first.process.wait()
        assert worker._kernelspec(root, bundle) == forked.FORKED
        second = worker._parents[bundle.fingerprint]
        assert second is not first and second.alive()
        assert str(second.socket_path) in json.loads(spec.read_text())["argv"]
        fresh = worker.CourseBundle(**{**bundle.__dict__, "kernels": "fresh", "fingerprint": "e" * 64})
        made = worker._kernelspec(worker._course_folder(fresh), fresh)
        assert made.startswith(forked.STARTED_AHEAD) and "not asked for" in made
        assert not second.alive(), "a worker keeps one warm parent at a time"
    finally:
        for parent in worker._parents.values():
            parent.stop()
        worker._parents.clear()
        worker._kernels_made.clear()

"""Kernels forked from a warm parent: the lab's imports paid once per worker, not per student.

Why
---
A fresh kernel of the TensorFlow labs spends ~2-5 s of CPU importing TensorFlow before the
student's first cell runs; at class scale no core is idle, so starting kernels ahead hides
nothing. Here each worker starts one *warm parent* (:mod:`grader.forkserver`) in the
bubblewrap sandbox, which imports the lab's modules once; every student's kernel is a fork of
it, so its imports are already done and its pages are shared with the parent (copy on write).

The design
----------
``worker`` --starts--> ``bwrap`` (allowlisted view of the files, as :mod:`grader.sandbox`;
writable: the worker's scratch folder; its own user namespace) --> the warm parent.

For each kernel, the kernel manager runs this module's :func:`main` (the kernelspec's
``argv``): a small launcher outside the sandbox that asks the parent for a kernel over a Unix
socket, and then does what :mod:`grader.sandbox`'s launcher does for a fresh kernel: watches
memory and processes (:func:`grader.sandbox.watch_tree`), writes why it stopped a kernel to
``$GRADER_SANDBOX_STATUS`` (outside the sandbox), passes signals on, and exits when the
kernel exits. The parent forks a *keeper* that makes the kernel's own namespaces (mount, PID,
network, IPC, UTS), a fresh ``/tmp``, ``/dev/shm`` and ``/proc``, and covers the scratch
folder except the kernel's working and socket folders; then an *init* (PID 1) and the kernel
(PID 2), which drops every capability, closes every inherited file and sets the CPU and
file-size limits before ipykernel starts.

Threat model
------------
The student controls everything the kernel runs, and wants to reach the next student's
kernel, the parent (which the next kernels are copies of), the grader, or the answers.

* *Memory of the parent and of other kernels*: each kernel has its own PID namespace and
  ``/proc``: the parent and the other kernels have no PID there, so ``/proc/<pid>/mem`` does
  not exist. The init (PID 1, visible) keeps capabilities the kernel lacks, so Linux refuses
  the kernel ``ptrace`` and ``/proc/1/mem`` of it. Pages shared with the parent are copy on
  write: a kernel's writes change its own copy only.
* *Files*: the kernel's ``/tmp`` and ``/dev/shm`` are new tmpfs mounts; the scratch folder
  (other students' notebooks, the reference answers, the parent's socket) is covered by an
  empty read-only tmpfs with only the kernel's own working and socket folders bound back;
  the rest is the read-only allowlist of :mod:`grader.sandbox`. The kernel has no capability
  left (bounding set, ambient, effective, permitted; ``no_new_privs``; securebits locked), so
  it can neither unmount what covers the parent's view nor regain capabilities by ``execve``.
* *File descriptors*: the kernel closes everything but its standard streams (those of its
  launcher) before any student code; the parent's listening socket and the launcher's
  connection are gone from it.
* *Threads*: a fork copies only the calling thread; a lock held by another thread would stay
  locked for ever in the child. The parent forks only while it has exactly one thread
  (checked before each fork; NumPy's OpenBLAS pool is held at one thread in the parent,
  ``OPENBLAS_NUM_THREADS=1``, and TensorFlow starts its pools at the first operation, never
  at import); ``tests/grader/test_forked.py`` checks this on the lab's real imports.
* *State*: each kernel is a fresh fork; what a student changed (globals, patched modules,
  environment, files, processes) lives in their kernel and its namespaces only, and all of
  it goes when the kernel exits (the init's exit kills every process left in its PID
  namespace). The random generators are reseeded in each kernel.
* *The grader*: as for fresh kernels, verdicts are computed outside the kernel
  (:mod:`grader.probes`); the launcher learns the kernel's PID from Linux
  (``SCM_CREDENTIALS``), never from anything the kernel says later.

Where it cannot be had (no bubblewrap, no user namespaces, a platform without ``fork``, or a
parent that ends up with threads), the worker uses fresh, started-ahead kernels
(:mod:`grader.kernel_pool`) and says so (``grader.worker._kernelspec``).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

FORKED, STARTED_AHEAD = "forked from a warm parent", "fresh, started ahead"


@dataclass
class WarmParent:
    """One running warm parent (in its bubblewrap sandbox) and the socket it listens on."""

    process: subprocess.Popen
    socket_path: Path
    threads: int
    pid: int = 0  # in its own PID namespace

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.socket_path.unlink(missing_ok=True)


def start_parent(scratch: Path, modules: list[str], hide: list[str], env_extra: dict[str, str],
                 timeout: float = 120) -> tuple[WarmParent | None, str]:
    """Start a warm parent whose kernels may use ``scratch``; (parent, "") or (None, why not)."""
    from .sandbox import _bwrap_command, bubblewrap, die_with_parent, kernel_env

    if not hasattr(os, "fork") or not hasattr(os, "pidfd_open") or not hasattr(socket, "SCM_CREDENTIALS"):
        return None, "this platform has no fork, pidfd or SCM_CREDENTIALS"
    bwrap = bubblewrap()
    if not bwrap:
        return None, "bubblewrap is not available"
    scratch = Path(scratch).resolve()
    socket_path = scratch / f"warm-{os.getpid()}-{time.monotonic_ns() % 10**9}.sock"
    source = (Path(__file__).with_name("forkserver.py")).read_text()
    env = {**kernel_env("/tmp"), **env_extra}
    fds: list[int] = []
    command = _bwrap_command(bwrap, [sys.executable, "-P", "-c", source, str(socket_path), ",".join(modules)],
                             [h for h in hide if Path(h).resolve() != scratch], env, fds, cwd=str(scratch),
                             warm_parent=True)
    try:
        process = subprocess.Popen(command, env=env, pass_fds=fds, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=die_with_parent, cwd=str(scratch))
    finally:
        for fd in fds:
            os.close(fd)
    ready: list[str] = []
    reader = threading.Thread(target=lambda: ready.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    threading.Thread(target=process.stderr.read, daemon=True).start()  # TensorFlow's notices: drained
    try:
        line = json.loads(ready[0]) if ready and ready[0] else {}
    except ValueError:
        line = {}
    if not line.get("ready"):
        process.kill()
        process.wait()
        return None, "the warm parent did not start (user namespaces may be off)"
    parent = WarmParent(process, socket_path, int(line.get("threads", 0)), int(line.get("pid", 0)))
    if parent.threads != 1:
        parent.stop()
        return None, f"the warm parent has {line.get('threads')} threads after its imports: forking it is unsafe"
    return parent, ""


def kernel_argv(parent: WarmParent, memory_mb: int, cpu_seconds: int, max_procs: int = 64, file_mb: int = 200,
                tmp_mb: int = 512) -> list[str]:
    """The kernelspec ``argv`` of a kernel forked from ``parent``."""
    return [sys.executable, "-m", "grader.forked", "--socket", str(parent.socket_path), "--memory-mb", str(memory_mb),
            "--cpu-seconds", str(cpu_seconds), "--max-procs", str(max_procs), "--file-mb", str(file_mb),
            "--tmp-mb", str(tmp_mb), "--", "-f", "{connection_file}"]


# --- the launcher: runs outside the sandbox, one per kernel --------------------------------

PID_SUFFIX = ".kernel-pid"  # beside the status file: the kernel's PID, for the per-cell process check


def _read_message(conn: socket.socket, buffer: bytearray) -> tuple[dict | None, int | None]:
    """The next thing the parent's side sends: a JSON message, or the kernel's PID (as Linux
    translated it into this namespace). (None, None) at the end of the connection."""
    while True:
        if len(buffer) >= 4:
            length = struct.unpack("!I", bytes(buffer[:4]))[0]
            if len(buffer) >= 4 + length:
                data = bytes(buffer[4:4 + length])
                del buffer[:4 + length]
                try:
                    message = json.loads(data)
                except ValueError:
                    message = {"error": "unreadable message"}
                return (message if isinstance(message, dict) else {"error": "unreadable message"}), None
        data, ancillary, _flags, _addr = conn.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(payload) >= 12:
                pid = struct.unpack("3i", payload[:12])[0]
        if pid is not None and data == b"k":
            return None, pid
        if not data:
            return None, None
        buffer += data


def main(argv: list[str] | None = None) -> int:
    from .sandbox import STATUS_ENV, die_with_parent, status_reporter, watch_tree

    argv = list(sys.argv[1:] if argv is None else argv)
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(prog="grader.forked")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--cpu-seconds", type=int, default=600)
    parser.add_argument("--max-procs", type=int, default=64)
    parser.add_argument("--file-mb", type=int, default=200)
    parser.add_argument("--tmp-mb", type=int, default=512)
    opts = parser.parse_args(argv[:split])
    rest = argv[split + 1:]
    if "-f" not in rest or rest.index("-f") + 1 >= len(rest):
        print("grader.forked: no connection file (-f)", file=sys.stderr)
        return 2
    connection = Path(rest[rest.index("-f") + 1])

    die_with_parent()
    status_file = os.environ.pop(STATUS_ENV, "")
    report = status_reporter(status_file)
    text = connection.read_text()
    info = json.loads(text)
    if info.get("transport") != "ipc":
        print("grader.forked: forked kernels talk over Unix sockets only (transport ipc)", file=sys.stderr)
        return 2
    scratch = str(Path(opts.socket).resolve().parent)
    request = {"root": scratch, "cwd": os.getcwd(), "sockets": os.path.dirname(os.path.abspath(info["ip"])),
               "connection": text, "cpu_seconds": opts.cpu_seconds, "file_mb": opts.file_mb,
               "tmp_mb": opts.tmp_mb}
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    conn.connect(opts.socket)
    data = json.dumps(request).encode()
    socket.send_fds(conn, [struct.pack("!I", len(data)) + data], [0, 1, 2])

    buffer = bytearray()
    message, kernel_pid = _read_message(conn, buffer)
    if kernel_pid is None:
        why = (message or {}).get("error", "the warm parent closed the connection")
        print(f"grader.forked: no kernel: {why}", file=sys.stderr)
        return 1
    import psutil

    try:
        kernel = psutil.Process(kernel_pid)
    except psutil.Error:
        kernel = None
    if status_file:
        Path(status_file + PID_SUFFIX).write_text(str(kernel_pid))
    # The kernel manager interrupts and stops the kernel by signalling this process.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: _signal(kernel_pid, signum))
    done = threading.Event()
    if kernel is not None:
        threading.Thread(target=watch_tree, args=(kernel, lambda: not done.is_set() and kernel.is_running(),
                                                  opts.memory_mb, opts.max_procs, report), daemon=True).start()
    message, _ = _read_message(conn, buffer)
    done.set()
    code = (message or {}).get("exit")
    code = code if isinstance(code, int) else 1
    if code == 128 + signal.SIGXCPU and status_file and not Path(status_file).exists():
        report("cpu", f"used more than {opts.cpu_seconds} s of CPU time")
    return code


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())

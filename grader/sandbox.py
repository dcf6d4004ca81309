"""Run a Jupyter kernel for untrusted student code, confined and limited.

Used as the kernel's launcher (``python -m grader.sandbox [limits] -- KERNEL ARGV``, set in
the kernelspec the grader writes). It starts the kernel in a child process and watches it:

* with bubblewrap (Linux, Debian package ``bubblewrap``): no network (the kernel talks to
  the grader over Unix sockets), a read-only system, a private ``/tmp``, and the folders
  named ``--hide`` (instructor solutions, other students, the gradebook) replaced by empty
  ones; only the notebook's own folder is writable;
* everywhere: CPU-time and file-size limits (rlimits), and a watchdog that stops the kernel
  when its processes together use more than ``--memory-mb`` or number more than
  ``--max-procs``.

When it stops a kernel it writes why (``memory``, ``processes``, ``cpu``) to the file named
by ``$GRADER_SANDBOX_STATUS``, outside the sandbox, where student code cannot forge it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

STATUS_ENV = "GRADER_SANDBOX_STATUS"


def bubblewrap() -> str | None:
    """Path of a working ``bwrap``, or None where it is missing or not permitted."""
    path = shutil.which("bwrap")
    if not path or not sys.platform.startswith("linux"):
        return None
    probe = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-net", "--die-with-parent", "true"],
                           capture_output=True, timeout=30)
    return path if probe.returncode == 0 else None


def protection() -> str:
    """One line saying what confinement grading runs under on this machine."""
    if bubblewrap():
        return "sandbox: bubblewrap (no network, read-only system, private /tmp, solutions hidden) + limits"
    return ("sandbox: LIMITS ONLY (CPU, memory, processes, file size); bubblewrap is not available, "
            "so student code can read files and use the network")


def _connection_file(argv: list[str]) -> Path | None:
    for flag in ("-f", "--f"):
        if flag in argv and argv.index(flag) + 1 < len(argv):
            return Path(argv[argv.index(flag) + 1])
    for arg in argv:
        if arg.startswith("--f="):
            return Path(arg[4:])
    return None


def _needed_under_tmp() -> list[str]:
    """Folders the kernel needs that a private /tmp would hide (a course checked out or a
    virtualenv made under /tmp, as CI does): the interpreter, its import path, the course
    package's source tree."""
    import importlib.util

    keep = {sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable)), *sys.path}
    for package in ("course_utils", "grader"):
        spec = importlib.util.find_spec(package)
        if spec and spec.origin:
            keep.add(str(Path(spec.origin).resolve().parent.parent))
    return sorted(p for p in keep if p and p.startswith("/tmp/") and os.path.isdir(p))


def _bwrap_command(bwrap: str, kernel: list[str], hide: list[str]) -> list[str]:
    cwd = os.getcwd()
    cmd = [bwrap, "--die-with-parent", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--new-session",
           "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in _needed_under_tmp():
        cmd += ["--ro-bind", path, path]
    # Hidden folders come after: they win over the binds above (solutions/ inside a checkout).
    for path in hide:
        if os.path.isdir(path):
            cmd += ["--tmpfs", path]
        elif os.path.isfile(path):  # e.g. the class's .zip
            cmd += ["--ro-bind", "/dev/null", path]
    writable = [cwd]
    conn = _connection_file(kernel)
    if conn is not None:
        info = json.loads(conn.read_text())
        if info.get("transport") == "ipc":
            writable.append(os.path.dirname(os.path.abspath(info["ip"])))
        cmd += ["--ro-bind", str(conn), str(conn)]
    for folder in writable:
        cmd += ["--bind", folder, folder]
    cmd += ["--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib", "--chdir", cwd]
    # Inside the new PID namespace the kernel's parent is bwrap (pid 1): ipykernel would take
    # that for "parent gone" and exit; --die-with-parent already ties it to this launcher.
    cmd += ["--unsetenv", "JPY_PARENT_PID", "--"]
    return cmd + kernel


def die_with_parent() -> None:
    """Linux: this process gets SIGKILL when its parent dies (a grading worker killed on
    Ctrl-C or a timeout takes its kernels with it)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)


def _set_limits(cpu_seconds: int, file_mb: int) -> None:
    die_with_parent()
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_mb << 20, file_mb << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _watch(child: subprocess.Popen, memory_mb: int, max_procs: int, report) -> None:
    import psutil

    try:
        root = psutil.Process(child.pid)
    except psutil.Error:
        return
    while child.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            rss = 0
            for proc in procs:
                try:
                    rss += proc.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            return
        if rss > memory_mb << 20:
            report("memory", f"used more than {memory_mb} MB of memory")
        elif len(procs) > max_procs:
            report("processes", f"started more than {max_procs} processes")
        else:
            time.sleep(0.1)
            continue
        for proc in reversed(procs):
            try:
                proc.kill()
            except psutil.Error:
                pass
        return


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        print("usage: python -m grader.sandbox [options] -- KERNEL COMMAND", file=sys.stderr)
        return 2
    split = argv.index("--")
    parser = argparse.ArgumentParser(prog="grader.sandbox")
    parser.add_argument("--memory-mb", type=int, default=2048)
    parser.add_argument("--cpu-seconds", type=int, default=600)
    parser.add_argument("--max-procs", type=int, default=64)
    parser.add_argument("--file-mb", type=int, default=200)
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--no-bwrap", action="store_true", help="limits only (for platforms without bubblewrap)")
    opts = parser.parse_args(argv[:split])
    kernel = argv[split + 1:]

    die_with_parent()
    status_file = os.environ.pop(STATUS_ENV, "")

    def report(status: str, reason: str) -> None:
        if status_file:
            Path(status_file).write_text(json.dumps({"status": status, "reason": reason}))

    bwrap = None if opts.no_bwrap else bubblewrap()
    command = _bwrap_command(bwrap, kernel, opts.hide) if bwrap else kernel
    child = subprocess.Popen(command, preexec_fn=lambda: _set_limits(opts.cpu_seconds, opts.file_mb))
    # The kernel manager interrupts and stops the kernel by signalling this process.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))
    threading.Thread(target=_watch, args=(child, opts.memory_mb, opts.max_procs, report), daemon=True).start()
    code = child.wait()
    if code in (-signal.SIGXCPU, -signal.SIGKILL) and status_file and not Path(status_file).exists():
        if code == -signal.SIGXCPU:
            report("cpu", f"used more than {opts.cpu_seconds} s of CPU time")
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main())

"""Run a Jupyter kernel for untrusted student code, confined and limited.

Used as the kernel's launcher (``python -m grader.sandbox [limits] -- KERNEL ARGV``, set in
the kernelspec the grader writes). It starts the kernel in a child process and watches it:

* with bubblewrap (Linux, Debian package ``bubblewrap``): the kernel sees an *allowlist* of
  the filesystem (below), has no network (it talks to the grader over Unix sockets), no
  capabilities (even when the grader runs as root), its own PID, IPC and UTS namespaces and
  a private, size-limited ``/tmp``; only the notebook's own folder is writable;
* everywhere: the kernel's environment is an allowlist too (below), and there are CPU-time
  and file-size limits (rlimits) and a watchdog that stops the kernel when its processes
  together use more than ``--memory-mb`` or number more than ``--max-procs``.

When it stops a kernel it writes why (``memory``, ``processes``, ``cpu``) to the file named
by ``$GRADER_SANDBOX_STATUS`` (read from the launcher's own environment, never passed on),
outside the sandbox, where student code cannot forge it.

What the kernel sees, and why
-----------------------------
The sandbox starts from an empty root and adds only what grading needs; everything else on
the machine (``$HOME``, the course repository and its ``solutions/``, the grading output,
the other students' submissions, ``/etc/hostname``, ``/etc/shadow``...) simply is not there.

Read-only:

* the interpreter and its packages: ``sys.prefix``, ``sys.base_prefix``, the real folder of
  ``sys.executable`` and the entries of the kernel's ``sys.path`` (the launcher runs on the
  kernel's interpreter, so it reads its own ``sys.path``, less the working folder and
  ``$PYTHONPATH``, which the kernel does not get). A prefix inside ``$HOME`` (pyenv under
  ``~/.pyenv``, a venv inside the course checkout) is bound alone, never ``$HOME`` or the
  checkout around it;
* the course package ``course_utils``: installed normally it is in site-packages already;
  installed in editable mode only its package folder ``<checkout>/course_utils`` is bound,
  at its own path (setuptools' ``__editable__*finder.py`` in site-packages maps the name to
  that path, so the import works), never the checkout with the solutions beside it;
* system libraries: ``/usr``, and ``/bin``, ``/sbin``, ``/lib``, ``/lib64`` (symlinks into
  ``/usr`` where the host has a merged ``/usr``, as on the host);
* a minimal ``/etc``: the dynamic loader's ``ld.so.cache``/``ld.so.conf(.d)``, the time zone
  (``localtime``, ``timezone``), ``alternatives`` (Debian's BLAS and tools are symlinks
  through it), ``fonts`` (fontconfig's configuration, for matplotlib's and Pillow's text),
  ``matplotlibrc`` and ``python3*`` where they exist (Debian's matplotlib and Python read
  them), and made-up ``passwd``/``group`` (one ``student`` entry for the kernel's uid:
  ``getpass``/``pwd`` work and no real account is listed), ``nsswitch.conf`` (files only,
  no DNS) and ``hosts`` (localhost); the hostname is ``grading-sandbox``;
* ``/sys/devices/system/cpu`` (CPU counts and topology: glibc's ``sysconf``, OpenMP,
  OpenBLAS and TensorFlow's oneDNN size their thread pools from it; TensorFlow also imports
  without it), a minimal ``/dev`` and a fresh ``/proc`` of the kernel's own PID namespace.

Writable: the notebook's folder (the launcher's working folder), the folder of the
kernel's IPC sockets, a private ``/tmp`` (tmpfs, ``--tmp-mb``; also the kernel's ``$HOME``)
and ``/dev/shm`` (tmpfs). Everything else, the root included, is read-only.

``--hide PATH`` still empties a folder (or file) that lies *inside* one of the folders
above, e.g. a course repository whose venv or notebook folder is inside it; hidden paths
are mounted after the folders that contain them, so they win.

The environment
---------------
The kernel gets only: ``PATH`` (the interpreter's ``bin`` folder, ``/usr/local/bin``,
``/usr/bin``, ``/bin``), ``HOME`` and ``TMPDIR`` (``/tmp``), ``LANG``/``LC_ALL``
(``C.UTF-8``), ``MPLCONFIGDIR``, ``USER``/``LOGNAME`` (``student``), and, where set, the
course's switches (``COURSE_LABS_QUICK``, ``PYTHONDONTWRITEBYTECODE``: the kernelspec's
``env``), ``PYTHONHASHSEED`` and a few other Python settings, ``MPLBACKEND``, ``TZ``,
TensorFlow's log and thread settings and the BLAS/OpenMP ones (``OMP_*``, ``OPENBLAS_*``
(old OpenBLAS crashes on some CPUs without ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE``),
``MKL_*``...); ``--pass-env NAME`` adds one. No tokens, secrets or instructor paths.

Without bubblewrap (macOS, no root, an old kernel) the filesystem and the network are the
grader's: see :func:`protection`. The environment allowlist, the limits and the watchdog
still hold, and the kernel gets a private, temporary ``$HOME``/``$TMPDIR`` (in the folder
of its IPC sockets, which the grader removes after the kernel).
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
import tempfile
import threading
import time
from pathlib import Path

STATUS_ENV = "GRADER_SANDBOX_STATUS"
USER = "student"  # the kernel's user name in the sandbox's passwd and $USER
HOSTNAME = "grading-sandbox"

# Variables the kernel gets when the launcher has them: course switches, Python and
# library settings. None of them holds a secret or a path of the grader's machine.
PASS_ENV = (
    "COURSE_LABS_QUICK", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "PYTHONUNBUFFERED",
    "PYTHONIOENCODING", "PYTHONUTF8", "MPLBACKEND", "TZ",
    "TF_CPP_MIN_LOG_LEVEL", "TF_CPP_MAX_VLOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "TF_NUM_INTEROP_THREADS",
    "TF_NUM_INTRAOP_THREADS", "TF_FORCE_GPU_ALLOW_GROWTH", "TF_DETERMINISTIC_OPS", "CUDA_VISIBLE_DEVICES",
    "NUMEXPR_NUM_THREADS", "NUMEXPR_MAX_THREADS", "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS",
    "GOTO_NUM_THREADS",
)
PASS_ENV_PREFIXES = ("OMP_", "OPENBLAS_", "MKL_", "NVPL_")  # thread counts, CPU types

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
ETC_FROM_HOST = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "alternatives", "fonts",
                 "matplotlibrc", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}")
CPU_INFO = "/sys/devices/system/cpu"


def bubblewrap() -> str | None:
    """Path of a working ``bwrap``, or None where it is missing or not permitted."""
    path = shutil.which("bwrap")
    if not path or not sys.platform.startswith("linux"):
        return None
    probe = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-net", "--die-with-parent", "true"],
                           capture_output=True, timeout=30)
    return path if probe.returncode == 0 else None


_newer: dict[str, bool] = {}


def _bwrap_is_recent(bwrap: str) -> bool:
    """Whether this bwrap has ``--clearenv`` and ``--size`` (Debian 12's 0.8 has; older ones
    run the kernel without them: its environment is the allowlist anyway, /tmp unsized)."""
    if bwrap not in _newer:
        probe = subprocess.run([bwrap, "--ro-bind", "/", "/", "--clearenv", "--size", str(1 << 20), "--tmpfs", "/tmp",
                                "true"], capture_output=True, timeout=30)
        _newer[bwrap] = probe.returncode == 0
    return _newer[bwrap]


def protection() -> str:
    """One line saying what confinement grading runs under on this machine."""
    if bubblewrap():
        return ("sandbox: bubblewrap (only the interpreter, its packages, course_utils and the notebook's folder "
                "are visible; no network; private /tmp; no capabilities; environment allowlisted) + limits")
    return ("sandbox: LIMITS ONLY, bubblewrap is not available: student code can read every file this user can "
            "(solutions, other students, the gradebook, $HOME) and use the network. What still holds: an "
            "allowlisted environment (no secrets or tokens), a private temporary $HOME, CPU-time, memory, "
            "process-count and file-size limits, and the grader's output limits")


# --- the environment -----------------------------------------------------------------


def kernel_env(home: str, extra: list[str] = (), environ: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment of the kernel: fixed values, and the allowlisted variables
    (``PASS_ENV``, ``PASS_ENV_PREFIXES``, ``extra``) that the launcher has."""
    environ = os.environ if environ is None else environ
    bin_dir = os.path.dirname(os.path.abspath(sys.executable))
    path = [bin_dir] + [p for p in ("/usr/local/bin", "/usr/bin", "/bin") if p != bin_dir]
    locale = "C.UTF-8" if sys.platform.startswith("linux") else "en_US.UTF-8"
    env = {"PATH": os.pathsep.join(path), "HOME": home, "TMPDIR": home, "LANG": locale, "LC_ALL": locale,
           "MPLCONFIGDIR": os.path.join(home, "matplotlib"), "USER": USER, "LOGNAME": USER}
    for name, value in environ.items():
        if name in PASS_ENV or name in extra or name.startswith(PASS_ENV_PREFIXES):
            env.setdefault(name, value)
    return env


# --- what the kernel sees -------------------------------------------------------------


def _inside(path: str, folder: str) -> bool:
    folder = folder.rstrip("/") or "/"
    return path == folder or folder == "/" or path.startswith(folder + "/")


def _course_package() -> tuple[str | None, str | None]:
    """The folder of the installed ``course_utils`` package, and the checkout it was
    installed from in editable mode (None for a regular install)."""
    import importlib.util

    cwd = os.getcwd()
    saved = sys.path[:]
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != cwd]  # not a student's course_utils/
    try:
        spec = importlib.util.find_spec("course_utils")
    except (ImportError, ValueError):
        spec = None
    finally:
        sys.path[:] = saved
    if spec is None:
        return None, None
    if spec.submodule_search_locations:
        package = os.path.realpath(next(iter(spec.submodule_search_locations)))
    elif spec.origin:
        package = os.path.realpath(spec.origin)
    else:
        return None, None
    if any(part in ("site-packages", "dist-packages") for part in Path(package).parts):
        return package, None
    checkout = os.path.dirname(package)  # an editable install: the project with pyproject.toml
    for folder in (checkout, *map(str, Path(checkout).parents)):
        if any(os.path.exists(os.path.join(folder, marker)) for marker in ("pyproject.toml", "setup.py", ".git")):
            checkout = folder
            break
    return package, checkout


def _python_paths(home: str, checkout: str | None) -> list[str]:
    """Folders (real paths) of the kernel's interpreter and import path, never ``$HOME`` or
    the course checkout themselves."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}
    cwd = os.getcwd()
    pythonpath = {os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p}
    candidates = set(prefixes) | {os.path.dirname(os.path.realpath(sys.executable))}
    entries = sys.path[:]
    if entries and not getattr(sys.flags, "safe_path", False):
        entries[0] = ""  # the working folder (-m) or the launching script's: not the kernel's
    for entry in entries:
        if not entry or os.path.abspath(entry) == cwd or os.path.abspath(entry) in pythonpath:
            continue
        candidates.add(os.path.realpath(entry))
    home = os.path.realpath(home) if home else ""
    keep = []
    for path in candidates:
        in_prefix = any(_inside(path, prefix) for prefix in prefixes)
        if not os.path.exists(path) or _inside("/tmp", path) or (_inside(cwd, path) and not in_prefix):
            continue  # "/", "/tmp" (the private one) or a folder around the notebook's
        if home and _inside(home, path):  # $HOME itself or a folder around it
            continue
        if home and _inside(path, home) and not in_prefix:  # e.g. ~/.local site-packages: the kernel's HOME is /tmp
            continue
        if checkout and (_inside(checkout, path) or (_inside(path, checkout) and not in_prefix)):
            continue  # the checkout (a legacy editable install's sys.path entry) or a folder of it
        keep.append(path)
    return keep


def _outermost(paths: list[str]) -> list[str]:
    """The paths not inside another one of them."""
    kept: list[str] = []
    for path in sorted(set(paths), key=lambda p: (p.count("/"), p)):
        if not any(_inside(path, other) for other in kept):
            kept.append(path)
    return kept


def _data(text: str) -> int:
    """A pipe's read end holding ``text`` (for bwrap's ``--ro-bind-data``)."""
    read, write = os.pipe()
    os.write(write, text.encode())  # small: fits in the pipe's buffer
    os.close(write)
    return read


def _etc(fds: list[int]) -> list[tuple[str, list[str]]]:
    """The sandbox's /etc: a few host files, and made-up account and name-service files."""
    mounts = []
    for name in ETC_FROM_HOST:
        path = f"/etc/{name}"
        if os.path.islink(path):
            mounts.append((path, ["--symlink", os.readlink(path), path]))
        elif os.path.exists(path):
            mounts.append((path, ["--ro-bind", path, path]))
    uid, gid = os.getuid(), os.getgid()
    made = {
        "passwd": f"{USER}:x:{uid}:{gid}:{USER}:/tmp:/usr/sbin/nologin\n",
        "group": f"{USER}:x:{gid}:\n",
        "nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files\n",
        "hosts": f"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n127.0.1.1\t{HOSTNAME}\n",
    }
    for name, text in made.items():
        fd = _data(text)
        fds.append(fd)
        mounts.append((f"/etc/{name}", ["--ro-bind-data", str(fd), f"/etc/{name}"]))
    return mounts


def _bwrap_command(bwrap: str, kernel: list[str], hide: list[str], env: dict[str, str] | None = None,
                   fds: list[int] | None = None, tmp_mb: int = 512, cwd: str | None = None,
                   warm_parent: bool = False) -> list[str]:
    """The bwrap command line that runs ``kernel`` in the allowlist sandbox. ``fds``
    collects the file descriptors the command reads (pass them to the child, then close).

    ``warm_parent``: the command is the parent of forked kernels (:mod:`grader.forked`),
    which makes each kernel's namespaces itself: it gets a user namespace of its own and
    the capabilities *in it* (never the host's), and each kernel drops them all."""
    fds = [] if fds is None else fds
    env = kernel_env("/tmp") if env is None else env
    recent = _bwrap_is_recent(bwrap)
    cwd = os.getcwd() if cwd is None else cwd
    home = os.environ.get("HOME", "")
    package, checkout = _course_package()

    # (dest, kind, args): binds first, then writable folders over them, then the hidden
    # paths; and a parent before what is mounted inside it (see the sort below).
    ops: list[tuple[str, int, list[str]]] = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            ops.append((path, 0, ["--symlink", os.readlink(path), path]))
        elif os.path.isdir(path):
            ops.append((path, 0, ["--ro-bind", path, path]))
    ops += [(dest, 0, args) for dest, args in _etc(fds)]
    if os.path.isdir(CPU_INFO):
        ops.append((CPU_INFO, 0, ["--ro-bind", CPU_INFO, CPU_INFO]))
    readable = _python_paths(home, checkout)
    if package:
        readable.append(package)
    system = [p for p in SYSTEM_DIRS if os.path.isdir(p)]
    for path in _outermost(readable):
        real = os.path.realpath(path)
        if not any(_inside(real, os.path.realpath(s)) for s in system):
            ops.append((real, 0, ["--ro-bind", real, real]))
    for path in (sys.prefix, sys.base_prefix, os.path.dirname(os.path.abspath(sys.executable))):
        # a prefix reached through a symlink (/opt/conda -> /data/conda): its own path too
        literal, real = os.path.abspath(path), os.path.realpath(path)
        if literal != real and not any(_inside(literal, s) for s in system) and not any(
                _inside(literal, d) for d, _k, a in ops if a[0] == "--ro-bind"):
            ops.append((literal, 0, ["--ro-bind", real, literal]))

    writable = [cwd]
    conn = _connection_file(kernel)
    if conn is not None:
        info = json.loads(conn.read_text())
        if info.get("transport") == "ipc":
            writable.append(os.path.dirname(os.path.abspath(info["ip"])))
        ops.append((str(conn.absolute()), 3, ["--ro-bind", str(conn), str(conn.absolute())]))
    for folder in writable:
        ops.append((folder, 1, ["--bind", folder, folder]))

    visible = [dest for dest, kind, args in ops if args[0] in ("--ro-bind", "--bind")]
    hidden_dirs = []
    for path in hide:
        for dest in dict.fromkeys((os.path.abspath(path), os.path.realpath(path))):
            if not any(_inside(dest, folder) for folder in visible):
                continue  # not in the sandbox anyway
            if os.path.isdir(dest):
                ops.append((dest, 2, ["--tmpfs", dest]))
                hidden_dirs.append(dest)
            elif os.path.isfile(dest):  # e.g. the class's .zip: an empty file instead
                fds.append(_data(""))
                ops.append((dest, 2, ["--ro-bind-data", str(fds[-1]), dest]))

    cmd = [bwrap, "--die-with-parent", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
           "--unshare-cgroup-try", "--hostname", HOSTNAME, "--new-session",
           *(["--unshare-user", "--cap-add", "ALL"] if warm_parent else ["--cap-drop", "ALL"]),
           "--dev", "/dev", "--proc", "/proc"]
    size = ["--size", str(tmp_mb << 20)] if recent else []
    cmd += [*size, "--tmpfs", "/tmp", *(["--size", str(64 << 20)] if recent else []), "--tmpfs", "/dev/shm"]
    for _dest, _kind, args in sorted(ops, key=lambda op: (op[0].rstrip("/").count("/"), op[1], op[0])):
        cmd += args
    for dest in hidden_dirs:
        cmd += ["--remount-ro", dest]
    cmd += ["--remount-ro", "/dev", "--remount-ro", "/"]
    if recent:
        cmd.append("--clearenv")
    else:  # the child's environment is already the allowlist; bwrap sets nothing of its own
        cmd += ["--unsetenv", "JPY_PARENT_PID"]
    for name, value in env.items():
        cmd += ["--setenv", name, value]
    # Inside the new PID namespace the kernel's parent is bwrap (pid 1): ipykernel would take
    # that for "parent gone" and exit; --die-with-parent already ties it to this launcher
    # (JPY_PARENT_PID is not in the allowlist).
    cmd += ["--chdir", cwd, "--"]
    return cmd + kernel


def _connection_file(argv: list[str]) -> Path | None:
    for flag in ("-f", "--f"):
        if flag in argv and argv.index(flag) + 1 < len(argv):
            return Path(argv[argv.index(flag) + 1])
    for arg in argv:
        if arg.startswith("--f="):
            return Path(arg[4:])
    return None


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
    watch_tree(root, lambda: child.poll() is None, memory_mb, max_procs, report)


def status_reporter(status_file: str):
    """``report(status, reason)``: writes why a kernel was stopped to ``status_file`` (outside
    the sandbox, where the worker reads it); does nothing without one."""
    def report(status: str, reason: str) -> None:
        if status_file:
            Path(status_file).write_text(json.dumps({"status": status, "reason": reason}))

    return report


def watch_tree(root, alive, memory_mb: int, max_procs: int, report) -> None:
    """Stop the processes of ``root`` (a ``psutil.Process``) and its descendants when
    together they use more than ``memory_mb`` of memory or number more than ``max_procs``."""
    import psutil

    while alive():
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


HOME_PREFIX = "grader-kernel-"  # + the launcher's pid: a private $HOME without bubblewrap (TCP kernels)


def _sweep_private_homes() -> None:
    """Remove the private homes of launchers that are gone: the kernel manager kills a
    launcher with SIGKILL (its process group), so it cannot clean up after itself."""
    root = Path(tempfile.gettempdir())
    try:
        entries = list(root.glob(f"{HOME_PREFIX}*-*"))
    except OSError:
        return
    for folder in entries:
        try:
            pid = int(folder.name[len(HOME_PREFIX):].split("-", 1)[0])
            if folder.stat().st_uid != os.getuid():
                continue
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, OSError):
            continue


def _private_home(kernel: list[str]) -> str:
    """A new, empty folder for the kernel's $HOME without bubblewrap: in the folder of its
    IPC sockets where it has one (the grader removes that folder after the kernel, even
    when it killed this launcher), else a temporary folder of its own."""
    conn = _connection_file(kernel)
    try:
        info = json.loads(conn.read_text()) if conn is not None else {}
    except (OSError, ValueError):
        info = {}
    if info.get("transport") == "ipc" and info.get("ip"):
        sockets = os.path.dirname(os.path.abspath(info["ip"]))
        if os.path.isdir(sockets) and os.access(sockets, os.W_OK):
            return tempfile.mkdtemp(prefix="home-", dir=sockets)
    _sweep_private_homes()
    return tempfile.mkdtemp(prefix=f"{HOME_PREFIX}{os.getpid()}-")


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
    parser.add_argument("--tmp-mb", type=int, default=512, help="size of the kernel's private /tmp (bubblewrap)")
    parser.add_argument("--hide", action="append", default=[])
    parser.add_argument("--pass-env", action="append", default=[], metavar="NAME",
                        help="pass this variable of the launcher's environment on to the kernel")
    parser.add_argument("--no-bwrap", action="store_true", help="limits only (for platforms without bubblewrap)")
    opts = parser.parse_args(argv[:split])
    kernel = argv[split + 1:]

    die_with_parent()
    status_file = os.environ.pop(STATUS_ENV, "")
    report = status_reporter(status_file)

    bwrap = None if opts.no_bwrap else bubblewrap()
    fds: list[int] = []
    private_home = None
    if bwrap:
        env = kernel_env("/tmp", opts.pass_env)
        command = _bwrap_command(bwrap, kernel, opts.hide, env, fds, opts.tmp_mb)
    else:
        # No private /tmp here: a $HOME of its own, so that no kernel finds what another
        # student's kernel left there (an IPython startup file, a matplotlibrc).
        private_home = _private_home(kernel)
        env = kernel_env(private_home, opts.pass_env)
        env["JPY_PARENT_PID"] = str(os.getpid())  # the kernel exits if this launcher is gone
        command = kernel
    try:
        child = subprocess.Popen(command, env=env, pass_fds=fds,
                                 preexec_fn=lambda: _set_limits(opts.cpu_seconds, opts.file_mb))
    finally:
        for fd in fds:
            os.close(fd)
    # The kernel manager interrupts and stops the kernel by signalling this process.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))
    threading.Thread(target=_watch, args=(child, opts.memory_mb, opts.max_procs, report), daemon=True).start()
    try:
        code = child.wait()
    finally:
        if private_home:
            shutil.rmtree(private_home, ignore_errors=True)
    if code in (-signal.SIGXCPU, -signal.SIGKILL) and status_file and not Path(status_file).exists():
        if code == -signal.SIGXCPU:
            report("cpu", f"used more than {opts.cpu_seconds} s of CPU time")
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main())

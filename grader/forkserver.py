"""The warm parent of forked kernels: imports the lab's modules once, forks a kernel per student.

This file runs *inside* a bubblewrap sandbox (``python -P -c <this file's text>``, started by
:mod:`grader.forked`), so it uses the standard library only: the ``grader`` package is not
visible in the sandbox. See :mod:`grader.forked` for the design and the threat model; in short:

* The parent imports what the lab imports (TensorFlow, NumPy, matplotlib, the course
  package, ipykernel) and then only waits on its Unix socket. It runs no student code, keeps
  one thread (checked before every fork: a fork of a process with other threads can inherit
  a lock held by a thread that does not exist in the child) and has capabilities only inside
  the sandbox's own user namespace.
* For each request it forks a *keeper*, which unshares new mount, PID, network, IPC and UTS
  namespaces, replaces ``/tmp``, ``/dev/shm`` and ``/proc`` with fresh ones, hides the
  worker's scratch folder except the kernel's own working and socket folders, and forks the
  *init* (PID 1 of the new PID namespace), which forks the *kernel* (PID 2). The kernel drops
  every capability (bounding set, ambient, effective; ``no_new_privs``), closes every file it
  inherited, sets the CPU and file-size limits and becomes an ipykernel.
* When the kernel exits, the init exits and the kernel of Linux kills whatever the student
  left in that PID namespace; the keeper tells the launcher the exit status.

Protocol (one connection per kernel): the launcher sends one JSON request with its standard
streams as SCM_RIGHTS; the kernel sends its own credentials (SCM_CREDENTIALS: the launcher
reads the kernel's PID *in the launcher's namespace*, for its watchdog) before it runs any
student code and then closes the connection; the keeper sends ``{"exit": code}`` or
``{"error": words}`` and closes.
"""
import array
import ctypes
import json
import os
import signal
import socket
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 0x4000, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_SECUREBITS, PR_CAPBSET_DROP = 1, 28, 24
PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 38, 47, 4
# SECBIT_NOROOT, _NO_SETUID_FIXUP, _KEEP_CAPS, _NO_CAP_AMBIENT_RAISE and each one's lock:
# root in the sandbox gains nothing by execve, setuid or ambient capabilities.
SECUREBITS = 0xFF & ~0x10  # every bit and lock, except KEEP_CAPS itself (locked off)
HOSTNAME = b"grading-sandbox"
PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus")  # as bubblewrap's --proc


class SetupError(Exception):
    """A step of making the kernel's sandbox failed: the kernel must not start."""


def _check(result, what):
    if result != 0:
        raise SetupError(f"{what} failed: {os.strerror(ctypes.get_errno())}")


def _mount(source, target, fstype=None, flags=0, data=None, what="mount"):
    _check(libc.mount(source.encode() if source else None, target.encode(), fstype.encode() if fstype else None,
                      ctypes.c_ulong(flags), data.encode() if data else None), f"{what} {target}")


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _send(conn, message):
    data = json.dumps(message).encode()
    conn.sendall(struct.pack("!I", len(data)) + data)


def threads():
    return len(os.listdir("/proc/self/task"))


# --- the keeper: new namespaces and a view of its own -----------------------------------


def _mounts_under(folder, skip):
    """(mount point, its flags) of the outermost mounts strictly inside ``folder`` and not
    inside ``skip``: e.g. the interpreter's prefix where the course's checkout and its venv
    lie in /tmp, which the sandbox bound read-only into its /tmp."""
    found = []
    with open("/proc/self/mountinfo") as info:
        for line in info:
            fields = line.split()
            point = fields[4].replace("\\040", " ")
            if point != folder and _inside(point, folder) and not _inside(point, skip):
                options = set(fields[5].split(","))
                flags = (MS_RDONLY * ("ro" in options) | MS_NOSUID * ("nosuid" in options)
                         | MS_NODEV * ("nodev" in options) | MS_NOEXEC * ("noexec" in options))
                found.append((point, flags))
    outermost = []
    for point, flags in sorted(found, key=lambda item: item[0].count("/")):
        if not any(_inside(point, other) for other, _ in outermost):
            outermost.append((point, flags))
    return outermost


def _bind_back(handles):
    """Bind each (path, descriptor, flags) at its path again, with its flags (read-only...)."""
    for path, fd, flags in handles:
        source = f"/proc/self/fd/{fd}"
        if os.path.isdir(source):
            os.makedirs(path, exist_ok=True)
        else:  # a file the sandbox put there (a hidden one: empty)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "a").close()
        _mount(source, path, None, MS_BIND | MS_REC, None, "bind")
        if flags:
            _mount(None, path, None, MS_REMOUNT | MS_BIND | flags, None, "remount")
        os.close(fd)


def _private_view(root, keep, tmp_mb):
    """A fresh /tmp and /dev/shm; the scratch folder covered with an empty read-only tmpfs
    (or gone with the old /tmp, where it lies inside it); then what the sandbox had mounted
    inside the old /tmp (read-only parts of its allowlist) and the kernel's own folders
    bound back (opened first: once covered they are reached through the descriptors)."""
    inside_tmp = [(path, os.open(path, os.O_PATH), flags) for path, flags in _mounts_under("/tmp", root)]
    handles = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in keep]
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(tmp_mb)}m,mode=1777", "private /tmp")
    _bind_back(inside_tmp)
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777", "private /dev/shm")
    covered = not _inside(root, "/tmp")
    if covered:
        _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755", "cover")
    for path, fd in handles:
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND, None, "bind")
        os.close(fd)
    if covered:
        _mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "size=1m,mode=755", "read-only")


def _fresh_proc_possible():
    """Unmount what bubblewrap mounted over parts of /proc: Linux mounts a new procfs in a
    user namespace only where an existing one is fully visible."""
    with open("/proc/self/mountinfo") as info:
        points = [line.split()[4] for line in info]
    for point in sorted((p for p in points if p.startswith("/proc/")), key=len, reverse=True):
        _check(libc.umount2(point.encode(), MNT_DETACH), f"unmount {point}")


def keeper(conn, request, fds):
    """The forked child of the parent: its namespaces, then the init and the kernel."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.setsid()
    root, cwd, sockets = request["root"], request["cwd"], request["sockets"]
    for path in (cwd, sockets):
        if not _inside(os.path.realpath(path), root) or not os.path.isdir(path):
            raise SetupError("a kernel folder is outside the worker's scratch folder")
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None, "make private")
    _check(libc.sethostname(HOSTNAME, len(HOSTNAME)), "sethostname")
    _private_view(root, [os.path.realpath(cwd), os.path.realpath(sockets)], request["tmp_mb"])
    _fresh_proc_possible()
    init = os.fork()
    if init == 0:
        code = 1
        try:
            code = init_process(conn, request, fds)
        finally:
            os._exit(code)
    for fd in fds:
        os.close(fd)
    # Wait for the init, or for the launcher to go (killed: the kernel goes with it).
    pidfd = os.pidfd_open(init)
    import select

    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    poller.register(conn.fileno(), select.POLLIN | select.POLLHUP)
    while True:
        events = dict(poller.poll())
        if pidfd in events:
            break
        if conn.fileno() in events:
            try:
                gone = not conn.recv(4096)
            except OSError:
                gone = True
            if gone:
                os.kill(init, signal.SIGKILL)
                poller.unregister(conn.fileno())
    _pid, status = os.waitpid(init, 0)
    return os.waitstatus_to_exitcode(status)


# --- the init (PID 1) and the kernel (PID 2) --------------------------------------------


def init_process(conn, request, fds):
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None, "fresh /proc")
    for name in PROC_READ_ONLY:
        path = f"/proc/{name}"
        if os.path.exists(path):
            _mount(path, path, None, MS_BIND | MS_REC, None, "bind")
            _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, None,
                   "read-only")
    kernel = os.fork()
    if kernel == 0:
        code = 1
        try:
            code = kernel_process(conn, request, fds)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except SetupError as exc:  # before any student code: our own words, for the grader's log
            os.write(2, f"grader.forkserver: the kernel did not start: {exc}\n".encode())
        except BaseException:
            pass
        finally:
            os._exit(code)
    conn.close()
    for fd in fds:
        os.close(fd)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # PID 1 ignores them unless handled
        signal.signal(sig, lambda signum, _frame: os.kill(kernel, signum))
    while True:  # reap whatever the student left; end with the kernel
        try:
            pid, status = os.wait()
        except ChildProcessError:
            return 1
        if pid == kernel:
            code = os.waitstatus_to_exitcode(status)
            return 128 - code if code < 0 else code


def drop_privileges():
    """No capability left, none to gain back: Linux then refuses every mount, unmount and
    namespace change that would undo the view above."""
    _check(libc.prctl(PR_SET_SECUREBITS, ctypes.c_ulong(SECUREBITS), 0, 0, 0), "securebits")
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability this Linux knows
    libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = ctypes.create_string_buffer(24)  # two empty __user_cap_data_struct
    _check(libc.syscall(126 if os.uname().machine == "x86_64" else 91, ctypes.c_char_p(header), data), "capset")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    with open("/proc/self/status") as status:
        caps = {line.split(":")[0]: line.split()[1] for line in status if line.startswith("Cap")}
    if any(int(caps.get(name, "1"), 16) for name in ("CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh")):
        raise SetupError("capabilities are left")


def kernel_process(conn, request, fds):
    import resource

    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):  # the init's and the parent's handlers
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in any Python process
    # Who the kernel is, in the launcher's namespace: the launcher watches this process.
    creds = struct.pack("3i", os.getpid(), os.getuid(), os.getgid())
    conn.sendmsg([b"k"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, creds)])
    conn.close()
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 4096)
    connection = "/tmp/.kernel-connection.json"
    try:
        with open(connection, "w") as out:
            out.write(request["connection"])
        os.chdir(request["cwd"])
        # matplotlib found its config folder in the parent's /tmp (and keeps it): here too
        os.makedirs(os.environ.get("MPLCONFIGDIR") or "/tmp/matplotlib", exist_ok=True)
        drop_privileges()
        cpu = int(request["cpu_seconds"])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (int(request["file_mb"]) << 20,) * 2)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError, KeyError) as exc:
        raise SetupError(f"{type(exc).__name__}: {exc}") from None
    if "numpy" in sys.modules:  # the parent's seed would be every kernel's (Python's random reseeds itself)
        sys.modules["numpy"].random.seed()
    sys.argv = ["ipykernel_launcher", "-f", connection]
    sys.path.insert(0, request["cwd"])  # as `python -m ipykernel_launcher` run in that folder
    sys.stdin, sys.stdout, sys.stderr = (open(0, closefd=False), open(1, "w", closefd=False),
                                         open(2, "w", closefd=False))
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
    import atexit

    atexit._run_exitfuncs()
    return 0


# --- the parent ------------------------------------------------------------------------


def serve(path, modules):
    import importlib

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    for module in modules:
        try:
            # and what it imports lazily (grader.kernel_pool.lab_imports: WARM_IMPORTS)
            for extra in getattr(importlib.import_module(module), "WARM_IMPORTS", ()):
                importlib.import_module(extra)
        except BaseException:
            pass
    importlib.import_module("ipykernel.kernelapp")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # keepers are reaped by Linux
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    # The launcher reads this line: ready, and how many threads (must be 1 to fork safely).
    sys.stdout.write(json.dumps({"ready": True, "threads": threads(), "pid": os.getpid()}) + "\n")
    sys.stdout.flush()
    while True:
        conn, _ = server.accept()
        fds = []
        try:
            # The streams ride on the first byte: the first read must take them.
            data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 3)
            while len(data) < 4 or len(data) < 4 + struct.unpack("!I", data[:4])[0]:
                chunk = conn.recv(1 << 20)
                if not chunk:
                    raise ValueError("short read")
                data += chunk
            request = json.loads(data[4:4 + struct.unpack("!I", data[:4])[0]])
        except (OSError, ValueError, struct.error):
            conn.close()
            for fd in fds:
                os.close(fd)
            continue
        if threads() != 1 or len(fds) != 3:
            _send(conn, {"error": "the warm parent is not safe to fork (it has threads)" if threads() != 1
                         else "the launcher sent no standard streams"})
            conn.close()
            continue
        pid = os.fork()
        if pid == 0:
            server.close()
            code = 1
            try:
                code = keeper(conn, request, fds)
                _send(conn, {"exit": code})
            except SetupError as exc:
                try:
                    _send(conn, {"error": str(exc)})
                except OSError:
                    pass
            except BaseException as exc:
                try:
                    _send(conn, {"error": f"the keeper failed: {type(exc).__name__}"})
                except OSError:
                    pass
            finally:
                os._exit(0)
        conn.close()
        for fd in fds:
            os.close(fd)


if __name__ == "__main__":
    serve(sys.argv[1], [m for m in sys.argv[2].split(",") if m])

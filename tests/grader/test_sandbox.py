"""The grading sandbox (``grader.sandbox``) from inside: real kernels started through the
launcher exactly as the grader starts them (a kernelspec whose argv is the launcher), with
canaries the student code must not find: files in the instructor's home, the course
repository's solutions and pyproject.toml, a hidden output folder, /etc/hostname, and
secrets in the launcher's environment."""
from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import sys
import tempfile
import textwrap
import threading
import uuid
from pathlib import Path

import pytest

from grader import sandbox
from grader.sandbox import bubblewrap
from tests.paths import ROOT

HAVE_BWRAP = bubblewrap() is not None
needs_bwrap = pytest.mark.skipif(not HAVE_BWRAP, reason="bubblewrap is not available here")
SECRET = f"canary-{uuid.uuid4().hex}"
TOKEN = f"canary-token-{uuid.uuid4().hex}"
# Variables ipykernel and IPython set in their own process (not from the launcher).
KERNEL_OWN = {"MPLBACKEND", "TERM", "CLICOLOR", "PAGER", "GIT_PAGER", "FORCE_COLOR", "CLICOLOR_FORCE",
              "PYDEVD_USE_FRAME_EVAL", "JPY_PARENT_PID",
              "PWD"}  # bwrap's --chdir sets PWD (the notebook's folder)


class Kernel:
    """A kernel started through the sandbox launcher, and a blocking client to run code."""

    def __init__(self, base: Path, launcher_args: list[str], env: dict[str, str], name: str):
        from jupyter_client import KernelManager

        self.base, self.work = base, base / "notebook"
        self.work.mkdir(parents=True, exist_ok=True)
        spec_dir = base / "jupyter" / "kernels" / name
        spec_dir.mkdir(parents=True)
        argv = [sys.executable, "-m", "grader.sandbox", *launcher_args,
                "--", sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        (spec_dir / "kernel.json").write_text(json.dumps({
            "argv": argv, "display_name": name, "language": "python", "interrupt_mode": "message",
            "env": {"COURSE_LABS_QUICK": "1", "PYTHONDONTWRITEBYTECODE": "1"}}))  # as grader.worker's
        self.sockets = Path(tempfile.mkdtemp(prefix="gt-"))  # Unix socket paths must be short
        saved = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = str(base / "jupyter")
        try:
            self.km = KernelManager(kernel_name=name, transport="ipc", ip=str(self.sockets / "kernel"))
            self.km.start_kernel(cwd=str(self.work), env=env)
        finally:
            if saved is None:
                os.environ.pop("JUPYTER_PATH", None)
            else:
                os.environ["JUPYTER_PATH"] = saved
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 60) -> str:
        """Run ``code``; its stdout (fails the test on an error in the kernel)."""
        out: list[str] = []
        errors: list[str] = []

        def hook(msg):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content["name"] == "stdout":
                out.append(content["text"])
            elif kind == "error":
                errors.append("\n".join(content["traceback"]))

        reply = self.kc.execute_interactive(textwrap.dedent(code), output_hook=hook, timeout=timeout)
        assert reply["content"]["status"] == "ok", "\n".join(errors)
        return "".join(out)

    def json(self, code: str, timeout: float = 60):
        """Run ``code`` that prints one JSON value last; that value."""
        return json.loads(self.run(code, timeout).strip().splitlines()[-1])

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        shutil.rmtree(self.sockets, ignore_errors=True)


@pytest.fixture(scope="module")
def canaries(tmp_path_factory):
    """Secrets around the kernel: the launcher's HOME (a fake instructor home), the real
    home of this user, a --hide'd output folder, and a hidden folder and file inside the
    notebook's own folder."""
    base = tmp_path_factory.mktemp("canaries")
    home = base / "instructor-home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text(SECRET)
    (home / "notes.txt").write_text(SECRET)
    output = base / "grading-output"
    output.mkdir()
    (output / "grades.csv").write_text(SECRET)
    real_home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    in_real_home = real_home / f"grader-canary-{uuid.uuid4().hex[:8]}.txt"
    try:
        in_real_home.write_text(SECRET)
    except OSError:  # a read-only home: nothing planted there
        in_real_home = None
    yield {"home": home, "output": output, "real_home_file": in_real_home}
    if in_real_home is not None:
        in_real_home.unlink(missing_ok=True)


def _launcher_env(canaries, status_file: Path, **extra) -> dict[str, str]:
    return {**os.environ, "HOME": str(canaries["home"]), "GRADER_SECRET": SECRET, "SOME_TOKEN": TOKEN,
            sandbox.STATUS_ENV: str(status_file), **extra}


@pytest.fixture(scope="module", params=["bwrap", "no-bwrap"])
def env_kernel(request, canaries, tmp_path_factory):
    """A kernel whose launcher has secrets and BLAS settings in its environment (it
    imports nothing that reads them)."""
    mode = request.param
    if mode == "bwrap" and not HAVE_BWRAP:
        pytest.skip("bubblewrap is not available here")
    base = tmp_path_factory.mktemp(f"env-{mode}")
    args = ["--hide", str(canaries["output"]), "--pass-env", "COURSE_EXTRA"] + (["--no-bwrap"] if mode == "no-bwrap" else [])
    env = _launcher_env(canaries, base / "status.json", OPENBLAS_CORETYPE="canary-core", OPENBLAS_L2_SIZE="262144",
                        OMP_NUM_THREADS="1", TF_CPP_MIN_LOG_LEVEL="2", PYTHONHASHSEED="7", COURSE_EXTRA="on")
    kernel = Kernel(base, args, env, f"sandbox-env-{mode}")
    kernel.mode = mode
    yield kernel
    kernel.close()


@pytest.fixture(scope="module")
def sandboxed(canaries, tmp_path_factory):
    """A bubblewrap kernel as the grader starts it, with a folder and a file inside the
    notebook's folder hidden (they stand for a course repository around it)."""
    if not HAVE_BWRAP:
        pytest.skip("bubblewrap is not available here")
    base = tmp_path_factory.mktemp("fs")
    work = base / "notebook"
    (work / "other_students").mkdir(parents=True)
    (work / "other_students" / "answers.ipynb").write_text(SECRET)
    (work / "class.zip").write_text(SECRET)
    (work / "data.csv").write_text("x,y\n1,2\n")
    args = ["--memory-mb", "3000"]
    for path in (canaries["output"], work / "other_students", work / "class.zip", ROOT / "solutions", ROOT / ".git"):
        args += ["--hide", str(path)]
    kernel = Kernel(base, args, _launcher_env(canaries, base / "status.json"), "sandbox-fs")
    yield kernel
    kernel.close()


# --- the environment: an allowlist with and without bubblewrap --------------------------


def test_kernel_environment_is_an_allowlist(env_kernel):
    env = env_kernel.json("import os, json\nprint(json.dumps(dict(os.environ)))")
    assert "GRADER_SECRET" not in env and "SOME_TOKEN" not in env
    assert sandbox.STATUS_ENV not in env, "the status file's path reached the kernel"
    assert not [k for k, v in env.items() if "canary-" in v and k != "OPENBLAS_CORETYPE"]
    assert not [k for k, v in env.items() if "instructor-home" in v]
    # what the kernel needs, and the settings that must come through
    assert env["COURSE_LABS_QUICK"] == "1" and env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["OPENBLAS_CORETYPE"] == "canary-core" and env["OPENBLAS_L2_SIZE"] == "262144"
    assert env["OMP_NUM_THREADS"] == "1" and env["TF_CPP_MIN_LOG_LEVEL"] == "2" and env["PYTHONHASHSEED"] == "7"
    assert env["COURSE_EXTRA"] == "on"  # --pass-env
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    assert env["LC_ALL"].endswith("UTF-8")
    allowed = set(sandbox.kernel_env("/tmp", environ={})) | set(sandbox.PASS_ENV) | KERNEL_OWN | {"COURSE_EXTRA"}
    unexpected = {k for k in env if k not in allowed and not k.startswith(sandbox.PASS_ENV_PREFIXES)}
    assert not unexpected, f"unexpected variables in the kernel: {sorted(unexpected)}"
    if env_kernel.mode == "bwrap":
        assert env["HOME"] == "/tmp" and env["TMPDIR"] == "/tmp"
        assert "JPY_PARENT_PID" not in env
    else:  # a private home of its own, not the instructor's nor a shared /tmp
        assert env["HOME"] not in ("/tmp", str(Path.home())) and "instructor-home" not in env["HOME"]
        assert Path(env["HOME"]).parent == env_kernel.sockets  # removed with the sockets' folder
    home_ok = env_kernel.json("import os, json\nopen(os.path.expanduser('~/probe.txt'), 'w').write('x')\n"
                              "print(json.dumps(os.path.isfile(os.path.expanduser('~/probe.txt'))))")
    assert home_ok


# --- the filesystem: an allowlist (bubblewrap only) ------------------------------------

READ = """
import json, os
def look(path):
    try:
        with open(path, 'rb') as fh:
            return 'READ:' + fh.read(200).decode('utf-8', 'replace')
    except OSError as err:
        return type(err).__name__
print(json.dumps({p: look(p) for p in %r}))
"""


@needs_bwrap
def test_secrets_on_disk_are_not_visible(sandboxed, canaries):
    home = canaries["home"]
    targets = [home / "notes.txt", home / ".ssh" / "id_rsa", canaries["output"] / "grades.csv",
               ROOT / "pyproject.toml", ROOT / "README.md", ROOT / "nbgrader_config.py",
               ROOT / "grader" / "worker.py", "/etc/hostname", "/etc/shadow", "/etc/machine-id",
               sandboxed.work / "other_students" / "answers.ipynb"]
    targets += [p for p in (ROOT / "solutions").rglob("*.ipynb")][:3]
    if canaries["real_home_file"] is not None:
        targets.append(canaries["real_home_file"])
    seen = sandboxed.json(READ % [str(p) for p in targets])
    leaked = {p: r for p, r in seen.items() if r.startswith("READ:")}
    assert not leaked, f"the kernel read: {sorted(leaked)}"
    assert sandboxed.json(READ % [str(sandboxed.work / "class.zip")])[str(sandboxed.work / "class.zip")] == "READ:"
    listing = sandboxed.json(f"""
        import json, os
        print(json.dumps({{p: sorted(os.listdir(p)) if os.path.isdir(p) else None
                           for p in {[str(ROOT), str(Path(pwd.getpwuid(os.getuid()).pw_dir)), str(home), '/etc', '/']!r}}}))
    """)
    repo = listing[str(ROOT)]
    assert repo is not None and set(repo) <= {"course_utils", ".venv"}, repo  # the package, never the checkout
    assert listing[str(home)] is None, "the launcher's $HOME is visible"
    real_home = listing[str(Path(pwd.getpwuid(os.getuid()).pw_dir))] or []
    assert not [n for n in real_home if n.startswith("grader-canary")]
    assert "hostname" not in listing["/etc"] and "shadow" not in listing["/etc"]
    assert set(listing["/etc"]) <= set(sandbox.ETC_FROM_HOST) | {"passwd", "group", "nsswitch.conf", "hosts"}
    assert sandboxed.run("import socket; print(socket.gethostname())").strip() == sandbox.HOSTNAME


@needs_bwrap
def test_only_the_notebook_folder_and_tmp_are_writable(sandboxed):
    result = sandboxed.json(f"""
        import json, os, sys
        def write(path):
            try:
                with open(path, 'w') as fh:
                    fh.write('x')
                return True
            except OSError:
                return False
        print(json.dumps({{
            'cwd': os.getcwd(), 'here': write('out.txt'), 'tmp': write('/tmp/x.txt'),
            'root': write('/x.txt'), 'prefix': write(os.path.join(sys.prefix, 'x.txt')),
            'hidden': write({str(sandboxed.work / 'other_students' / 'x.txt')!r}),
            'data': open('data.csv').read(),
            'caps': [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0],
            'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),
        }}))
    """)
    assert result["cwd"] == str(sandboxed.work)
    assert result["here"] and result["tmp"] and result["data"].startswith("x,y")
    assert (sandboxed.work / "out.txt").read_text() == "x"
    assert not result["root"] and not result["prefix"] and not result["hidden"]
    assert not Path(sys.prefix, "x.txt").exists()
    assert int(result["caps"], 16) == 0, "the kernel kept capabilities"
    assert max(result["pids"]) < 100, "the kernel sees the host's processes"


@needs_bwrap
def test_no_network(sandboxed):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    threading.Thread(target=lambda: server.accept(), daemon=True).start()
    try:
        port = server.getsockname()[1]
        outcome = sandboxed.json(f"""
            import json, socket
            try:
                socket.create_connection(('127.0.0.1', {port}), timeout=3).close()
                r = 'connected'
            except OSError as err:
                r = type(err).__name__
            print(json.dumps(r))
        """)
    finally:
        server.close()
    assert outcome != "connected"


@needs_bwrap
def test_course_stack_works_inside(sandboxed):
    result = sandboxed.json("""
        import json, os, getpass
        import numpy as np
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        import music21
        import course_utils, course_utils.datasets, course_utils.music
        X, y = course_utils.datasets.make_pass_fail(20, random_state=0)
        plt.plot(X[:, 0], X[:, 1], '.')
        plt.savefig('plot.png')
        plt.savefig('/tmp/plot.png')
        print(json.dumps({'sum': float(np.ones((50, 50)) @ np.ones(50) @ np.ones(50)), 'n': len(y),
                          'bach': len(music21.corpus.getComposer('bach')) > 0,
                          'songs': len(course_utils.music.load_irish_songs()) > 100,
                          'course_utils': course_utils.__file__, 'user': getpass.getuser(),
                          'quick': __import__('course_utils.settings').settings.is_quick()}))
    """, timeout=120)
    assert result["sum"] == 2500.0 and result["n"] == 20 and result["bach"] and result["songs"]
    assert result["user"] == sandbox.USER and result["quick"]
    assert (sandboxed.work / "plot.png").stat().st_size > 0


@needs_bwrap
@pytest.mark.slow
def test_tensorflow_imports_inside(sandboxed):
    version = sandboxed.json("import json, tensorflow as tf\nprint(json.dumps([tf.__version__, "
                             "float(tf.reduce_sum(tf.ones(3)))]))", timeout=180)
    assert version[1] == 3.0


@needs_bwrap
def test_bwrap_command_binds_no_home_nor_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fds: list[int] = []
    cmd = sandbox._bwrap_command(bubblewrap(), ["true"], [], fds=fds)
    for fd in fds:
        os.close(fd)
    binds = [cmd[i + 2] for i, arg in enumerate(cmd) if arg in ("--ro-bind", "--bind")]
    assert "/" not in binds and str(ROOT) not in binds and str(Path.home()) not in binds
    assert str(ROOT / "course_utils") in binds or not (ROOT / "course_utils").is_dir()
    assert "--clearenv" in cmd or "--unsetenv" in cmd
    assert "/etc" not in binds and "/etc/hostname" not in binds


def test_private_homes_of_killed_launchers_are_swept():
    """Without bubblewrap a TCP kernel has a temporary $HOME; a launcher killed with SIGKILL
    (as the kernel manager stops kernels) leaves it behind, and the next launcher removes it."""
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    stale = Path(tempfile.mkdtemp(prefix=f"{sandbox.HOME_PREFIX}{gone.pid}-"))
    (stale / ".ipython").mkdir()
    alive = Path(tempfile.mkdtemp(prefix=f"{sandbox.HOME_PREFIX}{os.getpid()}-"))
    try:
        sandbox._sweep_private_homes()
        assert not stale.exists() and alive.is_dir()
    finally:
        shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(alive, ignore_errors=True)


def test_protection_says_what_holds():
    line = sandbox.protection()
    assert line.startswith("sandbox: ")
    assert ("network" in line) and ("LIMITS ONLY" in line) == (not HAVE_BWRAP)

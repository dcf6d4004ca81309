"""Students who want marks without the work, and notebooks that misbehave, graded by the
real grader (real nbgrader, real kernels, the real sandbox). Each case has its expected
status and score; a grader that trusted the student's kernel would fail these tests."""
from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

import nbformat
import pytest

from grader.course import load_lab, nbgrader_meta
from grader.examples import filled_notebook
from grader.sandbox import bubblewrap
from tests.paths import ROOT

pytestmark = pytest.mark.slow

from tests.grader.conftest import GRADER, LAB, NOTEBOOK

CELL_TIMEOUT = 15
needs_bwrap = pytest.mark.skipif(bubblewrap() is None, reason="bubblewrap is not available here")

WRONG_SIGMOID = "def sigmoid(z):\n    return z\n"
FIRST = {"perceptron_output"}  # 4 points


def notebook(solved: set[str] | None, edits: dict[str, str] | None = None, append: dict[str, str] | None = None):
    """The student notebook with ``solved`` answers; ``edits`` replace an answer cell's
    source, ``append`` adds code after an answer."""
    lab = load_lab(LAB, ROOT)
    nb = filled_notebook(lab, NOTEBOOK, solved)
    for cell in nb.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if edits and grade_id in edits:
            cell.source = edits[grade_id]
        if append and grade_id in append:
            cell.source += "\n" + append[grade_id]
    return nb


def _listening_port():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)

    def accept():
        while True:
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server


STEAL = '''
def sigmoid(z):
    # copy the instructor's answer from disk
    import glob, json
    for path in glob.glob({solutions!r} + "/**/*.ipynb", recursive=True) + glob.glob({package_solutions!r} + "/**/*.ipynb", recursive=True):
        for cell in json.load(open(path))["cells"]:
            source = "".join(cell["source"])
            if source.startswith("def sigmoid(z):"):
                namespace = {{"np": __import__("numpy")}}
                exec(source, namespace)
                return namespace["sigmoid"](z)
    raise RuntimeError("no solution found")
'''

NETWORK = '''
def sigmoid(z):
    import socket
    socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
    import numpy as np
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
'''

PATCH_EVERYTHING = WRONG_SIGMOID + '''
import numpy as np, builtins
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.isclose = lambda a, b, *x, **k: np.ones_like(np.asarray(a), dtype=bool)
exercise.sigmoid.check = lambda *a, **k: print("✅ sigmoid: passed")
builtins.AssertionError = type("Silent", (Exception,), {})
'''

FORGE = WRONG_SIGMOID + '''
import re
def _forge(lines):
    text = "".join(lines)
    found = re.search(r"(@@[0-9a-f]+@@)", text)
    if not found:
        return lines
    marker = found.group(1)
    return ["print(%r + '{\\"ok\\": true, \\"value\\": 42.0}' + %r)\\n" % (marker, marker)]
get_ipython().input_transformers_post.append(_forge)
'''

HANG = '''
import time
while True:  # ignores interrupts
    try:
        time.sleep(0.05)
    except KeyboardInterrupt:
        pass
'''

STUB_SLEEPS = '''
def sigmoid(z):
    import time
    time.sleep(75)
    raise NotImplementedError("not attempted yet")
'''

STUB_FLOODS = '''
def sigmoid(z):
    print("x" * 30_000_000)
    raise NotImplementedError("not attempted yet")
'''

# A post_run_cell hook prints a forged copy of each reply after the runner's own.
POST_RUN_FORGER = '''
import re
def _reprint(result):
    cell = getattr(result.info, "raw_cell", "") or ""
    for marker in dict.fromkeys(re.findall(r"@@[0-9a-f]+@@", cell)):
        print(marker + '{"ok": true, "value": true}' + marker)
get_ipython().events.register("post_run_cell", _reprint)
'''

NO_RETURN = '''
def perceptron_output(x, w0, W, g):
    z = w0 + x @ W
    g(z)
'''

# Copies the hidden checks' code and inputs (which it sees in the kernel) into later outputs.
PROBE_COPIER = '''
_seen = []
def _copy(info):
    if "__grader_probe" in (info.raw_cell or ""):
        _seen.append(info.raw_cell)
    elif _seen:
        print("COPIED:", _seen[-1][-3000:])
get_ipython().events.register("pre_run_cell", _copy)
'''

# Looks for the canaries and smuggles whatever it finds out through every channel it has:
# printed output, an exception class named after the data, a file in its folder.
EXFILTRATE = '''
import os, glob
_found = [os.environ.get(k, "") for k in os.environ if "CANARY" in k or "SECRET" in k or "TOKEN" in k]
for _path in {paths!r}:
    try:
        _found.append(open(_path).read())
    except OSError:
        pass
print("FOUND:", _found)
_name = "Leak_" + "".join(c for c in "".join(_found) if c.isalnum())[:80]
_calls = []
def sigmoid(z):
    _calls.append(1)
    name = _name if len(_calls) % 2 else "LEAKEDNAME_7f3a"
    raise type(name, (Exception,), {{}})("".join(_found))
open("smuggled.txt", "w").write(str(_found))
'''

CASES = {
    # student id: (notebook, expected status, expected score or None, expected exercise scores)
    "patches_asserts_and_numpy": (lambda: notebook(FIRST, edits={"sigmoid": PATCH_EVERYTHING}),
                                  "graded", 4, {"sigmoid": 0}),
    "forges_probe_replies": (lambda: notebook(FIRST, edits={"sigmoid": FORGE}), "graded", 4, {"sigmoid": 0}),
    "reprints_replies_after_the_runner": (lambda: notebook(FIRST, edits={"sigmoid": POST_RUN_FORGER}),
                                          "graded", 4, {"sigmoid": 0}),
    # one mistake costs one exercise: the notebook goes on after each of these
    "forgets_a_return": (lambda: notebook(None, edits={"perceptron_output": NO_RETURN}),
                         "graded", 12, {"perceptron_output": 0, "sigmoid": 2}),
    "hangs_ignoring_interrupts": (lambda: notebook(FIRST | {"decision_line_x2", "sigmoid"}, append={"decision_line_x2": HANG}),
                                  "timeout", 6, {"perceptron_output": 4, "decision_line_x2": 0, "sigmoid": 2}),
    "hangs_then_the_rest_is_right": (lambda: notebook(None, append={"sigmoid_prime": "import time\ntime.sleep(1000)"}),
                                     "timeout", 16, {"sigmoid_prime": 1, "tanh": 2}),
    "kills_its_kernel": (lambda: notebook(FIRST | {"sigmoid", "tanh"}, append={"sigmoid": "import os; os.kill(os.getpid(), 9)"}),
                         "crashed", 6, {"sigmoid": 0, "tanh": 2}),
    "exhausts_memory": (lambda: notebook(FIRST | {"sigmoid", "tanh"}, append={"sigmoid": "_hog = np.ones(300_000_000)"}),
                        "memory", 6, {"sigmoid": 0, "tanh": 2}),
    "floods_output": (lambda: notebook(FIRST | {"sigmoid"}, append={"sigmoid": "for _ in range(100_000):\n    print('x' * 1000)"}),
                      "crashed", 6, {"sigmoid": 2}),
    "fork_bomb": (lambda: notebook(FIRST | {"sigmoid", "tanh"}, append={"sigmoid": "import subprocess\n_p = [subprocess.Popen(['sleep', '60']) for _ in range(150)]"}),
                  "crashed", 6, {"sigmoid": 0, "tanh": 2}),
    # no points without an answer
    "stub_that_sleeps": (lambda: notebook(FIRST, edits={"sigmoid": STUB_SLEEPS}), "timeout", 4, {"sigmoid": 0}),
    "stub_that_floods": (lambda: notebook(FIRST, edits={"sigmoid": STUB_FLOODS}), None, 4, {"sigmoid": 0}),
    "copies_the_hidden_checks": (lambda: notebook(FIRST, append={"perceptron_output": PROBE_COPIER}), "graded", 4, {}),
    "clean_solution": (lambda: notebook(None), "graded", 16, {}),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, small_course):
    course = small_course
    subs = tmp_path_factory.mktemp("hostile")
    out = tmp_path_factory.mktemp("hostile-out")
    server = _listening_port()
    cases = dict(CASES)
    if bubblewrap():
        steal = STEAL.format(solutions=str(course / "solutions"), package_solutions=str(ROOT / "solutions"))
        cases["reads_the_solutions"] = (lambda: notebook(FIRST, edits={"sigmoid": steal}), "graded", 4, {"sigmoid": 0})
        port = server.getsockname()[1]
        cases["uses_the_network"] = (lambda: notebook(FIRST, edits={"sigmoid": NETWORK.format(port=port)}),
                                     "graded", 4, {"sigmoid": 0})
    # Canaries: an environment variable of the grader, a file in the instructor's home and
    # one in the output folder. Student code must read none of them.
    canary = f"canary{uuid.uuid4().hex}"
    home_file = Path.home() / f".grader-canary-{canary[-8:]}"
    home_file.write_text(canary + "home")
    (out / "canary.txt").write_text(canary + "out")
    paths = [str(home_file), str(out / "canary.txt")]
    cases["exfiltrates"] = (lambda: notebook(FIRST, edits={"sigmoid": EXFILTRATE.format(paths=paths)}),
                            "graded", 4, {"sigmoid": 0})
    for student, (make, *_rest) in cases.items():
        (subs / student).mkdir()
        nbformat.write(make(), subs / student / f"{NOTEBOOK}.ipynb")
    # A private temporary folder (short: Unix socket paths live in it) to see what is left.
    tmpdir = tempfile.mkdtemp(prefix="gt-", dir="/tmp")
    env = {**os.environ, "GRADER_TEST_CANARY": canary + "env", "SOME_API_TOKEN": canary + "token", "TMPDIR": tmpdir}
    try:
        done = subprocess.run([GRADER, "autograde", LAB, str(subs), "--out", str(out), "--quiet",
                               "--cell-timeout", str(CELL_TIMEOUT), "--memory-mb", "1024"],
                              capture_output=True, text=True, cwd=course, timeout=1800, env=env)
    finally:
        home_file.unlink(missing_ok=True)
        server.close()
    with open(out / "grades.csv", encoding="utf-8") as fh:
        rows = {row["student"]: row for row in csv.DictReader(fh)}
    leftovers = os.listdir(tmpdir)
    shutil.rmtree(tmpdir, ignore_errors=True)
    graded_leftovers.extend(leftovers)
    return cases, rows, done, subs, out, canary


def test_every_case_has_its_status_and_score(graded):
    cases, rows, done, *_ = graded
    assert done.returncode == 1, "not every submission was graded normally: the exit code must say so"
    for student, (_, status, score, exercises) in cases.items():
        row = rows[student]
        assert status is None or row["status"] == status, f"{student}: {row}"
        assert float(row["score"]) == score, f"{student}: {row}"
        for name, points in exercises.items():
            assert float(row[name]) == points, f"{student} {name}: {row}"


def test_stopped_runs_name_the_cell(graded):
    cases, rows, *_ = graded
    for student, (_, status, *_rest) in cases.items():
        if status in ("timeout", "crashed", "memory"):
            assert "at cell" in rows[student]["reason"], rows[student]


@needs_bwrap
def test_sandbox_hid_the_solutions_and_the_network(graded):
    _, rows, *_ = graded
    assert float(rows["reads_the_solutions"]["sigmoid"]) == 0
    assert float(rows["uses_the_network"]["sigmoid"]) == 0


def test_regrade_is_deterministic_and_leaves_no_stale_score(graded, small_course, tmp_path):
    course = small_course
    cases, rows, _, subs, out, _canary = graded
    run = lambda source, *extra: subprocess.run(  # noqa: E731
        [GRADER, "autograde", LAB, str(source), "--out", str(out), "--quiet", "--cell-timeout", str(CELL_TIMEOUT),
         *extra], capture_output=True, text=True, cwd=course, timeout=900)
    read = lambda: {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))}  # noqa: E731
    one = tmp_path / "one"
    one.mkdir()
    shutil.copytree(subs / "patches_asserts_and_numpy", one / "regraded")
    same = lambda a, b: {k: v for k, v in a.items() if k != "student"} == {k: v for k, v in b.items() if k != "student"}  # noqa: E731
    for _ in range(2):  # graded again from scratch: the same scores, the others untouched
        run(one, "--regrade")
        again = read()
        assert same(again["regraded"], rows["patches_asserts_and_numpy"]), again["regraded"]
        assert again["clean_solution"] == rows["clean_solution"]
    # the student hands in an untouched notebook instead: nothing of the old score survives
    nbformat.write(notebook(set()), one / "regraded" / f"{NOTEBOOK}.ipynb")
    run(one)
    assert float(read()["regraded"]["score"]) == 0


def test_a_killed_run_resumes_without_regrading_the_others(graded, small_course):
    course = small_course
    cases, rows, _, subs, out, _canary = graded
    rows_dir = out / "nbgrader" / "rows" / LAB
    stamps = {p.parent.name: p.stat().st_mtime_ns for p in rows_dir.glob("*/row.json")}
    (rows_dir / "clean_solution" / "row.json").unlink()  # as if the run died while grading it
    done = subprocess.run([GRADER, "autograde", LAB, str(subs), "--out", str(out), "--quiet",
                           "--cell-timeout", str(CELL_TIMEOUT), "--memory-mb", "1024"],
                          capture_output=True, text=True, cwd=course, timeout=900)
    after = {p.parent.name: p.stat().st_mtime_ns for p in rows_dir.glob("*/row.json")}
    assert set(cases) <= set(after)
    changed = {s for s in cases if after[s] != stamps.get(s)}
    assert changed == {"clean_solution"}, changed
    final = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert final["clean_solution"] == rows["clean_solution"]
    assert done.returncode == 1  # the hostile ones are still reported


def test_feedback_and_canvas_export(graded):
    cases, rows, _, subs, out, _canary = graded
    page = (out / "feedback" / "patches_asserts_and_numpy.html").read_text()
    assert "✘" in page and "✔" in page and "sigmoid" in page
    for secret in ("probe(", "normal(", "Traceback", "BEGIN HIDDEN", "__ndarray__"):
        assert secret not in page
    canvas = list(csv.reader(open(out / "canvas.csv")))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert set(rows) <= {r[0] for r in canvas[2:]}


def test_tampering_is_noted_with_its_cell(graded):
    _, rows, *_ = graded
    for student in ("forges_probe_replies", "reprints_replies_after_the_runner"):
        assert "tampering suspected" in rows[student]["reason"] and "at cell" in rows[student]["reason"], rows[student]
    assert "tampering" not in rows["clean_solution"]["reason"]


def test_nothing_the_student_found_or_named_reaches_any_file(graded):
    """The canaries are unreadable from the kernel where bubblewrap runs (the environment
    variable everywhere), and neither they nor a name the student chose (an exception
    class) appear in any file of the output folder: reports, feedback, autograded notebooks."""
    cases, rows, done, subs, out, canary = graded
    found = []
    for path in Path(out).rglob("*"):
        if not path.is_file() or path.name == "canary.txt" or path.suffix == ".db":
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".ipynb":  # the student's own code is in it, of course: its test cells' outputs
            cells = json.loads(text)["cells"]
            text = json.dumps([c.get("outputs", []) for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")])
        for secret in (canary + "env", canary + "token", "LEAKEDNAME_7f3a", "Leak_canary"):
            if secret in text:
                found.append((str(path.relative_to(out)), secret))
        if bubblewrap():
            for secret in (canary + "home", canary + "out"):
                if secret in text:
                    found.append((str(path.relative_to(out)), secret))
    assert not found, found
    assert "exception of its own" in json_checks(out, "exfiltrates")


def test_hidden_checks_never_reach_the_autograded_notebook(graded):
    *_, out, _canary = graded
    for path in Path(out).rglob("*.ipynb"):
        if "autograded" in path.parts or "feedback" in path.parts:
            outputs = json.dumps([c.get("outputs", []) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]])
            for secret in ("__grader_probe", "__ndarray__", "@@"):
                assert secret not in outputs, (path, secret)
    for path in (Path(out) / "feedback").glob("*.html"):
        assert "__grader_probe" not in path.read_text(encoding="utf-8")


graded_leftovers: list[str] = []


def test_scratch_folders_are_removed(graded):
    """Nothing of the run is left in the temporary folder: the workers' scratch folders
    hold the instructor notebooks and the reference answers, and some workers were killed."""
    assert not [p for p in graded_leftovers if p.startswith(("grader-", "gk-"))], graded_leftovers


@needs_bwrap
def test_these_kernels_were_forked_from_a_warm_parent(graded):
    """The statuses above (hang, memory, fork bomb, killed kernel...) are those of forked
    kernels: the default wherever bubblewrap is, and the path every case here took."""
    from grader.forked import FORKED

    cases, _rows, _done, _subs, out, _canary = graded
    logs = {student: (out / "nbgrader" / "results" / LAB / student / "nbgrader.log") for student in cases}
    seen = {student: log.read_text().splitlines()[0] for student, log in logs.items() if log.is_file()}
    assert len(seen) >= len(cases) - 2, sorted(set(cases) - set(seen))
    assert all(f"kernels: {FORKED}" in line for line in seen.values()), seen


def json_checks(out, student) -> str:
    import json

    rows = json.loads((Path(out) / "grades.json").read_text(encoding="utf-8"))
    return json.dumps([r["cells"] for r in rows if r["student"] == student])

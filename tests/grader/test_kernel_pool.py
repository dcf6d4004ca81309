"""Kernels started ahead of time: the lab's imports done, nothing bound, one student each."""
from __future__ import annotations

import json
import sys

import nbformat
import pytest

from grader.course import load_lab
from grader.examples import filled_notebook
from grader.kernel_pool import lab_imports, warmup_code
from tests.grader.conftest import LAB, NOTEBOOK
from tests.paths import ROOT


def test_lab_imports_are_read_from_the_notebooks():
    texts = [p.read_text() for p in (ROOT / "solutions" / "tensorflow_music").glob("*.ipynb")]
    modules = lab_imports(texts)
    assert "tensorflow" in modules and "numpy" in modules
    assert "course_utils.music" in modules  # `from course_utils import music`: a submodule, imported ahead
    assert lab_imports(['{"cells": [{"cell_type": "code", "source": "%matplotlib inline\\nimport json\\nfrom . import x"}]}',
                        "not json"]) == ["json"]


def test_warmup_imports_and_binds_nothing():
    namespace: dict = {}
    sys.modules.pop("colorsys", None)
    exec(warmup_code(["colorsys", "no_such_module_anywhere"]), namespace)
    assert "colorsys" in sys.modules
    assert set(namespace) <= {"__builtins__"}


def test_warmup_imports_what_a_module_imports_lazily():
    sys.modules.pop("music21.converter", None)
    exec(warmup_code(["course_utils.music"]), {})
    assert "music21.converter" in sys.modules  # course_utils.music.WARM_IMPORTS


SPY_FIRST = "import sys\nprint('numpy' in sys.modules)"
LEAVE = ("import os\n_left_behind = 42\nopen('left.txt', 'w').write('x')\nopen('/tmp/left.txt', 'w').write('x')\n"
         "print('LEFT', os.getcwd())")
LOOK = ("import os, json\nprint('SEEN' + json.dumps(['_left_behind' in globals(), os.path.exists('left.txt'), "
        "os.path.exists('/tmp/left.txt'), os.getcwd()]))")


@pytest.mark.slow
@pytest.mark.parametrize("kernels", ["fresh", "auto"])
def test_each_student_gets_a_fresh_kernel_started_ahead(small_course, tmp_path, kernels):
    """Both ways of making kernels: fresh ones started ahead, and (by default, where the
    sandbox allows) forks of a warm parent. Either way the imports are done before the first
    student's notebook runs, and each student's kernel is new."""
    from grader import forked
    from grader.executors import LocalExecutor
    from grader.sandbox import bubblewrap
    from grader.workcourse import WorkCourse

    lab = load_lab(LAB, small_course)
    notebooks = {}
    for student, extra in (("first", LEAVE), ("second", LOOK)):
        nb = filled_notebook(lab, NOTEBOOK, None)
        nb.cells.insert(0, nbformat.v4.new_code_cell(SPY_FIRST))
        nb.cells.append(nbformat.v4.new_code_cell(extra))
        (tmp_path / student).mkdir()
        nbformat.write(nb, tmp_path / student / f"{NOTEBOOK}.ipynb")
        notebooks[student] = {NOTEBOOK: tmp_path / student / f"{NOTEBOOK}.ipynb"}
    course = WorkCourse(lab, tmp_path / "out", kernels=kernels)
    course.prepare()
    tasks = [course.make_task(s, files)[0] for s, files in notebooks.items()]
    executor = LocalExecutor(1, course.bundle, task_timeout=600, log_dir=tmp_path / "logs")
    results = {task.student: result for task, result in executor.run(tasks)}
    assert results["first"].worker == results["second"].worker  # one worker, one after the other

    def outputs(student: str) -> list[str]:
        nb = nbformat.reads(results[student].autograded[NOTEBOOK].decode(), as_version=4)
        return ["".join(o.get("text", "") for o in c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]

    first, second = outputs("first"), outputs("second")
    is_forked = kernels == "auto" and bubblewrap() is not None
    assert results["first"].kernels.startswith(forked.FORKED if is_forked else forked.STARTED_AHEAD)
    # The worker gets ready as soon as it has the bundle (grader.worker.get_ready): the first
    # student's kernel is forked from the warm parent, or started ahead, before any task.
    assert first[0].strip() == "True", "the first student's kernel was not made ahead with the lab's imports"
    assert second[0].strip() == "True", "the second student's kernel was not started ahead with the lab's imports"
    assert "LEFT" in first[-1]
    seen = json.loads(second[-1].split("SEEN", 1)[1])
    assert seen[:3] == [False, False, False], f"the second student saw the first one's kernel or files: {seen}"
    assert results["second"].reports[NOTEBOOK]["run"]["status"] == "completed"



@pytest.mark.slow
def test_a_kernel_started_ahead_comes_with_its_client_connected(tmp_path, monkeypatch):
    """The client's handshake (jupyter_client's ``wait_for_ready``, 0.2 s when the first
    status message is lost) is done while the previous notebook runs: the kernel taken from
    the pool comes with its client, connected, and one that never answers is not handed out."""
    import asyncio

    from grader.kernel_pool import KernelPool

    mute = tmp_path / "jupyter" / "kernels" / "mute"
    mute.mkdir(parents=True)  # a "kernel" that exits at once, never answering
    (mute / "kernel.json").write_text(json.dumps({"argv": [sys.executable, "-c", "pass", "{connection_file}"],
                                                  "display_name": "mute", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))

    async def take_both() -> None:
        pool = KernelPool()
        pool.prestart("python3", tmp_path, ["json"], env={})
        pooled = await pool.take("python3", tmp_path, ["json"])
        assert pooled is not None
        try:
            assert pooled.kc.channels_running
            reply = await pooled.kc.execute("x = 6 * 7", reply=True, timeout=30)
            assert reply["content"]["status"] == "ok"
        finally:
            pooled.kc.stop_channels()
            await pooled.km.shutdown_kernel(now=True)
        pool.prestart("mute", tmp_path, [], env={})
        assert await pool.take("mute", tmp_path, []) is None

    asyncio.run(take_both())

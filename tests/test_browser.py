"""JupyterLab in a real browser: headless Chromium (Debian's package, driven by Playwright)
opens a student notebook, runs all its cells and finds the plots and the "not attempted"
verdicts; and nbgrader's formgrader lists the labs. Screenshots are kept as artifacts in
``$BROWSER_ARTIFACTS`` (default: the test's temporary folder). Skipped where no Chromium is
installed (`make test` installs it where it can)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from grader.course import run_nbgrader
from tests.paths import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed")]
TOKEN = "course-browser-test"
# as the machine's own probe does: no background connections on a closed network
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyterlab(cwd: Path, root_dir: Path):
    port = _free_port()
    args = [str(Path(sys.executable).parent / "jupyter"), "lab", f"--ServerApp.root_dir={root_dir}", "--no-browser",
            f"--port={port}", "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if os.geteuid() == 0 else [])]
    env = {**os.environ, "COURSE_LABS_QUICK": "1"}
    env.pop("MPLBACKEND", None)  # the tests' Agg backend would keep plots out of the notebook
    server = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api?token={TOKEN}", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture()
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser.new_page(viewport={"width": 1400, "height": 1000})
        browser.close()


@pytest.fixture()
def artifacts(tmp_path) -> Path:
    folder = Path(os.environ.get("BROWSER_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_run_all_on_a_student_notebook(browser_page, artifacts, tmp_path):
    labs = tmp_path / "labs"
    shutil.copytree(ROOT / "labs", labs)  # the browser may autosave: never into the repository
    page = browser_page
    with jupyterlab(tmp_path, labs) as url:
        page.goto(f"{url}/lab/tree/neural_networks/01_perceptron_and_activations.ipynb?token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
        page.wait_for_timeout(3_000)  # Run All waits for the kernel anyway; this lets the menus settle
        page.click("text=Run", timeout=10_000)
        page.click("text=Run All Cells", timeout=10_000)
        page.wait_for_selector("text=Skipped the gradient check of ReLU", timeout=180_000)
        page.screenshot(path=str(artifacts / "run-all-01_perceptron_and_activations.png"))
        # JupyterLab renders only the cells in view: read what ran from the saved notebook
        saved = labs / "neural_networks" / "01_perceptron_and_activations.ipynb"
        page.click("text=File", timeout=10_000)
        page.click("text=Save Notebook", timeout=10_000)
        for _ in range(60):
            nb = nbformat.read(saved, as_version=4)
            outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
            if outputs:
                break
            time.sleep(0.5)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    text = "".join(o.get("text", "") for o in outputs)
    assert len(images) >= 2, "the decision line and the activation plots"
    assert "perceptron_output: not attempted" in text and "gradient_check: not attempted" in text
    assert not [o for o in outputs if o.get("output_type") == "error"]


def test_formgrader_lists_the_labs(browser_page, artifacts, tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    for name in ("pyproject.toml", "nbgrader_config.py"):
        shutil.copy(ROOT / name, course / name)
    shutil.copytree(ROOT / "solutions", course / "solutions")
    for lab in ("neural_networks", "tensorflow_music"):
        done = run_nbgrader(["generate_assignment", lab, "--force"], cwd=course, timeout=300)
        assert done.returncode == 0, done.stderr[-1000:]
    page = browser_page
    with jupyterlab(course, course) as url:
        page.goto(f"{url}/formgrader?token={TOKEN}")
        page.wait_for_selector("text=neural_networks", timeout=60_000)
        assert page.locator("text=tensorflow_music").count() >= 1
        page.screenshot(path=str(artifacts / "formgrader.png"))

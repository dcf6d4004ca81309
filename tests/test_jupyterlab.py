"""`make lab` serves the student notebooks: a real JupyterLab server started the way the
Makefile starts it, asked over HTTP for its files and for a kernel."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, method: str = "GET") -> dict:
    request = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_jupyterlab_serves_the_labs(tmp_path):
    port, token = _free_port(), "course-test-token"
    jupyter = str(Path(sys.executable).parent / "jupyter")
    server = subprocess.Popen(
        [jupyter, "lab", "--ServerApp.root_dir=labs", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.runtime_dir={tmp_path}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/api"
    try:
        for _ in range(120):
            try:
                listing = _get(f"{base}/contents?token={token}")
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not answer within a minute")
        folders = {item["name"] for item in listing["content"]}
        assert {"neural_networks", "tensorflow_music"} <= folders
        notebooks = _get(f"{base}/contents/neural_networks?token={token}")["content"]
        assert any(nb["name"] == "01_perceptron_and_activations.ipynb" for nb in notebooks)
        kernel = _get(f"{base}/kernels?token={token}", method="POST")
        assert kernel["name"] == "python3"
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=10).read().decode()
        assert "JupyterLab" in page or "jupyter" in page.lower()
    finally:
        server.terminate()
        server.wait(timeout=30)

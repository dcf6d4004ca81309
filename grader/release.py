"""Generate the student notebooks (``labs/``) and their checks' data from the instructor
sources (``solutions/``).

Three steps. The Colab setup cell of every source is brought in line with the student
repository's address in ``pyproject.toml``, so that address lives in one place. The
exercises' declarations are run and released as data (``grader.declarations``). Then
nbgrader's own ``generate_assignment``, with the repository's ``nbgrader_config.py``,
writes the student notebooks.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import nbformat

from .course import CourseError, Lab, package_name, run_nbgrader, student_repository

SETUP_TAG = "colab-setup"
SETUP_TEMPLATE = '''\
# Setup. On Google Colab this installs the course package; anywhere else it does
# nothing (locally, `make lab` has installed everything already).
try:
    import google.colab  # noqa: F401  (only importable on Colab)
    ON_COLAB = True
except ImportError:
    ON_COLAB = False

if ON_COLAB:
    import importlib.util, os, subprocess, sys
    if importlib.util.find_spec("course_utils") is None:
        spec = os.environ.get("COURSE_LABS_PIP_SPEC", "{package} @ git+{url}")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", spec], check=True)'''


def render_setup_cell(root: Path) -> str:
    return SETUP_TEMPLATE.format(package=package_name(root), url=student_repository(root))


def setup_cell_index(nb: nbformat.NotebookNode) -> int | None:
    for index, cell in enumerate(nb.cells):
        if SETUP_TAG in cell.get("metadata", {}).get("tags", []):
            return index
    return None


def sync_setup_cells(lab: Lab) -> list[Path]:
    """Rewrite the tagged setup cell of each source notebook if it is out of date.

    Returns the notebooks that changed. A source without the tagged first cell is an error:
    its student version would not work on Colab.
    """
    expected = render_setup_cell(lab.root)
    changed = []
    for name in lab.notebooks:
        path = lab.source_dir / f"{name}.ipynb"
        nb = nbformat.read(path, as_version=4)
        index = setup_cell_index(nb)
        if index != 0:
            raise CourseError(f"{path}: the first cell must be the setup cell tagged '{SETUP_TAG}'.")
        if nb.cells[0].source != expected:
            nb.cells[0].source = expected
            nbformat.write(nb, path)
            changed.append(path)
    return changed


def generate(lab: Lab, release_dir: Path | None = None, use_db: bool = False) -> Path:
    """Run ``nbgrader generate_assignment`` for ``lab``; return the folder written.

    With ``release_dir`` the notebooks go there instead of ``labs/<lab>`` (used by the
    test that checks the committed notebooks are in sync).
    """
    target_root = Path(release_dir) if release_dir else lab.root / "labs"
    args = ["generate_assignment", lab.name, "--force", f"--CourseDirectory.release_directory={target_root}"]
    if not use_db:
        args.append("--no-db")
    done = run_nbgrader(args, cwd=lab.root)
    if done.returncode != 0:
        raise CourseError(f"nbgrader generate_assignment failed for '{lab.name}':\n{done.stdout}\n{done.stderr}")
    out = target_root / lab.name
    _normalise(out)
    return out


def _normalise(folder: Path) -> None:
    """Drop files nbgrader copies that students must not get, and write notebooks in
    nbformat's canonical form so that regeneration gives identical bytes."""
    for path in folder.rglob("*"):
        if path.is_dir() and path.name in {".ipynb_checkpoints", "__pycache__"}:
            shutil.rmtree(path)
    for path in folder.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nbformat.write(nb, path)


def release(lab: Lab, notebooks: list[str] | None = None) -> Path:
    """Bring setup cells in line, release the checks' data, then regenerate ``labs/<lab>``.

    Generation goes to a scratch folder that then replaces ``labs/<lab>`` whole, so a
    failed run leaves the old notebooks and no stale notebook survives a rename. With
    ``notebooks``, only those notebooks' data and student files are replaced.
    """
    from .course import release_mode
    from .declarations import release_checks

    unknown = sorted(set(notebooks or ()) - set(lab.notebooks))
    if unknown:
        raise CourseError(f"lab '{lab.name}' has no notebook {unknown} (notebooks: {', '.join(lab.notebooks)}).")
    sync_setup_cells(lab)
    release_checks(lab, release_mode(lab.root), notebooks)
    lab.release_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{lab.name}-", dir=lab.release_dir.parent))
    try:
        fresh = generate(lab, release_dir=scratch)
        if notebooks and lab.release_dir.exists():
            for name in notebooks:
                os.replace(fresh / f"{name}.ipynb", lab.release_dir / f"{name}.ipynb")
        else:
            if lab.release_dir.exists():
                shutil.rmtree(lab.release_dir)
            os.replace(fresh, lab.release_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return lab.release_dir

"""``import course_utils`` must stay cheap: heavy libraries load only when used."""
from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_heavy_libraries():
    code = (
        "import sys, course_utils, course_utils.checks;"
        "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib', 'music21', 'nbgrader') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"importing course_utils loaded: {out}"


def test_lazy_submodules_resolve():
    import course_utils

    assert course_utils.plots.plot_activation
    assert course_utils.checks.Exercise
    assert course_utils.__version__

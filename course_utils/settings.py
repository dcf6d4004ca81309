"""Run-length settings shared by the notebooks.

Training cells ask ``steps(full=..., quick=...)`` how long to run, and demos ask
``size(full=..., quick=...)`` how big a batch or a model to use. The quick value is used
when the environment variable ``COURSE_LABS_QUICK`` is set (the tests and the autograder
set it), so grading time never depends on how long a demo trains or how big it is: the
graded exercises never depend on these settings.
"""
from __future__ import annotations

import os

QUICK_ENV = "COURSE_LABS_QUICK"


def is_quick() -> bool:
    """True when ``COURSE_LABS_QUICK`` is set to anything but ``""``, ``0`` or ``false``."""
    return os.environ.get(QUICK_ENV, "").strip().lower() not in ("", "0", "false", "no")


def steps(full: int, quick: int) -> int:
    """``quick`` under tests and grading, ``full`` otherwise."""
    return quick if is_quick() else full


def size(full: int, quick: int) -> int:
    """A demo's batch or model size: ``quick`` under tests and grading, ``full`` otherwise."""
    return quick if is_quick() else full

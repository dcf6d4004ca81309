"""Shared fixtures: the course root and a non-interactive matplotlib."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.paths import ROOT

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def course_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    """The student repository as `grader publish` writes it (graded mode), once per session."""
    from grader.publish import publish

    out = tmp_path_factory.mktemp("published") / "student-repo"
    publish(ROOT, out)
    return out


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """A small class graded for real once per session (``tests/class_fixture.py``). Tests
    that change its output folder work on a copy."""
    from tests.class_fixture import grade_class

    return grade_class(tmp_path_factory.mktemp("class"))

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

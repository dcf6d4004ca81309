"""Where the course's files are, for the tests."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def all_notebooks(kind: str) -> list[Path]:
    """Every notebook under ``solutions/`` or ``labs/``, for parametrized tests."""
    return sorted((ROOT / kind).glob("*/*.ipynb"))

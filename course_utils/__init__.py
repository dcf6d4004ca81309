"""Helpers that the course notebooks import: data sets, plots, instant checks, music.

Importing this package is cheap: submodules (and the heavy libraries behind them,
matplotlib, TensorFlow, music21) load only when first used, so a student's first
cell runs in a blink on Colab and locally.
"""
from __future__ import annotations

import importlib
from typing import Any

__all__ = ["checks", "datasets", "plots", "music", "settings", "__version__"]

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("intro-dl-labs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

_LAZY = {"checks", "datasets", "plots", "music", "settings"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

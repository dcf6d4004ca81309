"""The exercises of one notebook, as ``grader release`` wrote them (``data/<lab>/<notebook>.json``).

A notebook's check module is two lines::

    from .released import exercises_of
    __getattr__ = exercises_of("neural_networks/01_perceptron_and_activations").__getattr__

so ``exercise.sigmoid`` is the :class:`~course_utils.checks.core.Exercise` named
``sigmoid``, read from data the first time it is used (importing stays cheap).
"""
from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from .core import Exercise

DATA_DIR = Path(__file__).resolve().parent / "data"
FORMAT = 1


def data_path(notebook: str) -> Path:
    """Where the released data of ``notebook`` (``<lab>/<notebook name>``) lives."""
    return DATA_DIR / f"{notebook}.json"


class ExerciseSet:
    """The exercises of one notebook, by name."""

    def __init__(self, notebook: str, extras: dict[str, Callable[..., None]] | None = None) -> None:
        self.notebook = notebook
        self._extras = dict(extras or {})

    @cached_property
    def record(self) -> dict:
        path = data_path(self.notebook)
        if not path.is_file():
            raise RuntimeError(f"the checks of {self.notebook} have not been released: run `grader release` "
                               "(instructors), or reinstall the course package (students).")
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("format") != FORMAT:
            raise RuntimeError(f"{path.name} was written by another version of the course package; reinstall it.")
        return record

    @cached_property
    def exercises(self) -> dict[str, Exercise]:
        return {name: Exercise(name, entry, self._extras.get(name)) for name, entry in self.record["exercises"].items()}

    @property
    def mode(self) -> str:
        return self.record["mode"]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.exercises[name]
        except KeyError:
            known = ", ".join(self.exercises)
            raise AttributeError(f"no exercise {name!r} in {self.notebook} (exercises: {known})") from None

    def __dir__(self) -> list[str]:
        return list(self.exercises)


_SETS: dict[str, ExerciseSet] = {}


def exercises_of(notebook: str, extras: dict[str, Callable[..., None]] | None = None) -> ExerciseSet:
    """The (shared) exercise set of ``notebook``."""
    if notebook not in _SETS:
        _SETS[notebook] = ExerciseSet(notebook, extras)
    return _SETS[notebook]

"""Declaring hidden checks ("probes") in instructor notebooks.

A probe names a check, gives a snippet that calls the student's code (its last line is the
value to compare) and the inputs to call it with. In an instructor notebook::

    ### BEGIN HIDDEN TESTS
    from course_utils.probes import probe, normal
    probe("random 6x7 matrix", "sigmoid(z)", z=normal(0, 8, (6, 7)))
    probe("extreme inputs", "sigmoid(z)", z=np.array([-1e308, 745.0]), atol=1e-300)
    ### END HIDDEN TESTS

When the grader grades a student, it never runs this block in the student's kernel. It
draws the inputs with a secret seed, sends only the snippet and the inputs, gets the
student's answer back as data, and compares it with the reference solution's answer on the
same inputs in its own process. Run as part of the instructor notebook (tests, nbval),
``probe`` simply runs the snippet once on sample inputs, so a broken probe fails loudly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Probe", "Draw", "probe", "normal", "uniform", "integers", "collecting"]


@dataclass(frozen=True)
class Draw:
    """Random input drawn at grading time: ``kind`` is a ``numpy.random.Generator`` method."""

    kind: str
    args: tuple

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        if self.kind not in ("normal", "uniform", "integers"):
            raise ValueError(f"unknown draw {self.kind!r}")
        return np.asarray(getattr(rng, self.kind)(*self.args))


def normal(loc: float = 0.0, scale: float = 1.0, shape: tuple[int, ...] | int = ()) -> Draw:
    """Gaussian input, drawn at grading time."""
    return Draw("normal", (loc, scale, shape))


def uniform(low: float = 0.0, high: float = 1.0, shape: tuple[int, ...] | int = ()) -> Draw:
    """Uniform input in [low, high), drawn at grading time."""
    return Draw("uniform", (low, high, shape))


def integers(low: int, high: int, shape: tuple[int, ...] | int = ()) -> Draw:
    """Integer input in [low, high), drawn at grading time."""
    return Draw("integers", (low, high, shape))


@dataclass
class Probe:
    name: str
    code: str
    inputs: dict[str, Any] = field(default_factory=dict)
    rtol: float = 1e-7
    atol: float = 1e-12
    weight: float = 1.0


_collector: list[Probe] | None = None


class collecting:
    """Context in which ``probe()`` records its declarations instead of running them
    (used by the grader to read a hidden-test block)."""

    def __enter__(self) -> list[Probe]:
        global _collector
        self._previous, _collector = _collector, []
        return _collector

    def __exit__(self, *exc: object) -> None:
        global _collector
        _collector = self._previous


def probe(name: str, code: str, *, rtol: float = 1e-7, atol: float = 1e-12, weight: float = 1.0, **inputs: Any) -> None:
    """Declare one hidden check (see the module docstring)."""
    spec = Probe(name, code, inputs, rtol, atol, weight)
    if _collector is not None:
        _collector.append(spec)
        return
    # Instructor run: execute the snippet once in the caller's namespace, as a smoke test.
    import inspect

    caller = inspect.currentframe().f_back.f_globals
    rng = np.random.default_rng(0)
    namespace = dict(caller)
    namespace.update({k: v.sample(rng) if isinstance(v, Draw) else v for k, v in inputs.items()})
    import ast

    tree = ast.parse(code.strip())
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<probe>", "exec"), namespace)
    if last is not None:
        eval(compile(ast.Expression(last.value), "<probe>", "eval"), namespace)

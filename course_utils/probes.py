"""Declaring hidden checks ("probes") in instructor notebooks.

A probe names a check, gives a snippet that calls the student's code (its last line is the
value to compare) and the inputs to call it with. In an instructor notebook::

    ### BEGIN HIDDEN TESTS
    from course_utils.probes import probe, normal
    probe("random 6x7 matrix", "sigmoid(z)", z=normal(0, 8, (6, 7)))
    probe("extreme inputs", "sigmoid(z)", z=np.array([-1e308, 745.0]), atol=1e-300)
    probe("shape (n, m) for an (n, m) input", "np.shape(sigmoid(z))", z=normal(0, 1, (3, 4)), gate=True)
    probe("one step lowers the loss", "losses_after_steps(x)", x=normal(0, 1, (8,)),
          holds="answer[-1] < answer[0]")
    ### END HIDDEN TESTS

When the grader grades a student, it never runs this block in the student's kernel. It
draws the inputs with a secret seed, sends only the snippet and the inputs, gets the
student's answer back as data, and compares it with the reference solution's answer on the
same inputs in its own process.

Three kinds of probe, so that points come only from correct values:

* a **value** probe (the default) passes when the student's answer matches the reference's
  answer within ``rtol``/``atol``; it earns its ``weight``;
* a **gate** (``gate=True``) checks shape, type or structure. Failing it scores the whole
  test cell 0; passing it earns nothing (an answer of the right shape is not an answer);
* a **property** probe (``holds="..."``) returns the *numbers* a property is computed from
  (losses, accuracies, weights), never a verdict: the grader evaluates ``holds`` on its own
  side, with ``answer`` (the decoded answer), ``np`` and the probe's inputs bound, and the
  probe passes when it is true and (unless ``match=False``, for answers that legitimately
  differ between students, such as their own weights) the numbers also match the
  reference's. A boolean computed in the student's kernel could be guessed or forged.

Run as part of the instructor notebook (tests, nbval),
``probe`` simply runs the snippet once on sample inputs, so a broken probe fails loudly.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Probe", "Draw", "probe", "normal", "uniform", "integers", "collecting", "property_holds"]


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
    gate: bool = False  # shape/type/structure: failing it zeroes the cell, passing earns nothing
    holds: str | None = None  # a property, checked on the grader's side (see the module docstring)
    match: bool = True  # a property probe's numbers must also match the reference's

    def __post_init__(self) -> None:
        if self.gate and self.holds:
            raise ValueError(f"probe {self.name!r}: a gate checks structure; a property probe ('holds') earns points")
        if self.holds is not None:
            import textwrap

            compile(textwrap.dedent(self.holds).strip(), f"<holds of {self.name}>", "exec")  # a typo fails here
        drawn = {k for k, v in self.inputs.items() if isinstance(v, Draw)}
        if not self.match and not (self.holds and drawn & _names(self.holds)):
            # Numbers computed in the student's kernel and checked against nothing secret can
            # be forged: the property must be computed here, from the answer and the secret inputs.
            raise ValueError(f"probe {self.name!r}: match=False needs a 'holds' computed from drawn inputs")


def _names(code: str) -> set[str]:
    import ast
    import textwrap

    return {node.id for node in ast.walk(ast.parse(textwrap.dedent(code).strip())) if isinstance(node, ast.Name)}


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


def probe(name: str, code: str, *, rtol: float = 1e-7, atol: float = 1e-12, weight: float = 1.0,
          gate: bool = False, holds: str | None = None, match: bool = True, **inputs: Any) -> None:
    """Declare one hidden check (see the module docstring)."""
    spec = Probe(name, code, inputs, rtol, atol, weight, gate, holds, match)
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
        answer = eval(compile(ast.Expression(last.value), "<probe>", "eval"), namespace)
        if holds is not None and not property_holds(holds, answer, namespace):
            raise AssertionError(f"probe {name!r}: the property does not hold for this notebook's answer")


def property_holds(holds: str, answer: Any, inputs: dict[str, Any]) -> bool:
    """Evaluate a property probe's ``holds`` (instructor code; its last line is the verdict)
    with ``answer``, ``np`` and the probe's inputs bound. Used by the grader on decoded data,
    never in the student's kernel."""
    import ast
    import textwrap

    namespace = {**inputs, "np": np, "answer": answer}
    tree = ast.parse(textwrap.dedent(holds).strip())
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is None:
        raise ValueError("a 'holds' property must end with an expression")
    exec(compile(tree, "<holds>", "exec"), namespace)
    return bool(eval(compile(ast.Expression(last.value), "<holds>", "eval"), namespace))

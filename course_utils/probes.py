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

from .answers import property_holds  # noqa: F401  (kept importable from here)

__all__ = ["Probe", "Draw", "probe", "normal", "uniform", "integers", "collecting", "property_holds",
           "Case", "Mistake", "Declaration", "case", "mistake", "declare"]


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


# --- one declaration per exercise ------------------------------------------------------
#
# Next to the probes, the hidden block of an exercise's first test cell declares the
# exercise once: the visible cases the student's instant check runs, the known mistakes
# and the message each earns, and the hints of both release modes::
#
#     declare("sigmoid", uses=["sigmoid"],
#         cases=[case("sigmoid(0) is one half", "sigmoid(z)", z=np.array(0.0)),
#                case("no overflow at z = ±1000", "sigmoid(z)", z=Z_GRID, no_warnings=True)],
#         mistakes=[mistake("1 / (1 + np.exp(-z)) overflows for large negative z ...", """
#     def sigmoid(z):
#         return 1 / (1 + np.exp(-z))
#     """)],
#         hint="a conceptual nudge (graded releases)",
#         practice_hint="a hint that may show code (practice releases)",
#         practice_solution="an outline of the solution (practice releases)")
#
# ``grader release`` runs the reference solution and every mistake on the cases and writes
# their answers into the student package as data; the instant check compares the
# student's answer with that data (``course_utils.answers.compare``, the grader's own
# comparator). Only the case names, codes and inputs, the mistakes' messages and the hints
# of the release's mode reach students: the mistakes' code and the other mode's texts stay
# in the instructor notebook.


@dataclass(frozen=True)
class Case:
    """One visible case: ``code`` calls the exercise's functions (named in ``uses``) on
    fixed ``inputs``; its last line is the answer.

    * ``rtol``/``atol``: tolerances, as for probes;
    * ``no_warnings``: the case fails when NumPy warns (overflow, invalid value, ...);
    * ``holds``: a property of ``answer`` (and the inputs) that must be true; ``says`` is
      the message when it is not; with ``match=False`` only the property is checked (for
      answers that differ between right solutions, such as a model's trained weights).
    """

    name: str
    code: str
    inputs: dict[str, Any] = field(default_factory=dict)
    rtol: float = 1e-7
    atol: float = 1e-12
    no_warnings: bool = False
    holds: str | None = None
    says: str | None = None
    match: bool = True

    def __post_init__(self) -> None:
        drawn = [k for k, v in self.inputs.items() if isinstance(v, Draw)]
        if drawn:
            raise ValueError(f"case {self.name!r}: visible inputs are fixed values, not draws ({drawn})")
        if not self.match and not self.holds:
            raise ValueError(f"case {self.name!r}: match=False needs a 'holds' property")
        if self.says and not self.holds:
            raise ValueError(f"case {self.name!r}: 'says' is the message of a 'holds' property")
        if self.holds is not None:
            import textwrap

            compile(textwrap.dedent(self.holds).strip(), f"<holds of {self.name}>", "exec")


@dataclass(frozen=True)
class Mistake:
    """A known wrong implementation (``code`` redefines one or more of the exercise's
    functions) and the message a student whose answer behaves like it gets."""

    message: str
    code: str

    def __post_init__(self) -> None:
        import textwrap

        compile(textwrap.dedent(self.code), f"<mistake {self.message[:30]!r}>", "exec")


@dataclass(frozen=True)
class Declaration:
    """Everything about one exercise that is not its answer cell or its probes."""

    name: str
    uses: tuple[str, ...]
    cases: tuple[Case, ...]
    mistakes: tuple[Mistake, ...]
    hint: str
    practice_hint: str
    practice_solution: str

    def __post_init__(self) -> None:
        if not self.cases:
            raise ValueError(f"declaration {self.name!r}: an exercise needs at least one visible case")
        for label, text in (("hint", self.hint), ("practice_hint", self.practice_hint),
                            ("practice_solution", self.practice_solution)):
            if not text.strip():
                raise ValueError(f"declaration {self.name!r}: '{label}' is empty")
        messages = [m.message for m in self.mistakes]
        if len(set(messages)) != len(messages):
            raise ValueError(f"declaration {self.name!r}: two mistakes share a message")

    def texts(self, mode: str) -> tuple[str, str]:
        """(hint, solution) as a release in ``mode`` shows them."""
        if mode == "practice":
            return self.practice_hint.strip(), self.practice_solution.strip()
        if mode == "graded":
            return self.hint.strip(), GRADED_SOLUTION
        raise ValueError(f"unknown release mode {mode!r} (practice or graded)")


GRADED_SOLUTION = ("This is a graded release: solutions are published after the deadline. "
                   "Try `.hint()`, the lecture's formulas and the task text.")


def case(name: str, code: str, *, rtol: float = 1e-7, atol: float = 1e-12, no_warnings: bool = False,
         holds: str | None = None, says: str | None = None, match: bool = True, **inputs: Any) -> Case:
    """One visible case of a declaration (see :class:`Case`)."""
    import textwrap

    return Case(name, textwrap.dedent(code).strip(), inputs, rtol, atol, no_warnings, holds, says, match)


def mistake(message: str, code: str) -> Mistake:
    """One known mistake of a declaration (see :class:`Mistake`)."""
    import textwrap

    return Mistake(message.strip(), textwrap.dedent(code).strip() + "\n")


def declare(name: str, *, uses: list[str] | tuple[str, ...], cases: list[Case], hint: str, practice_hint: str,
            practice_solution: str, mistakes: list[Mistake] = ()) -> None:
    """Declare one exercise (see the comment above :class:`Case`). Read by ``grader
    release``; run in a notebook it only validates the declaration."""
    spec = Declaration(name, tuple(uses), tuple(cases), tuple(mistakes), hint, practice_hint, practice_solution)
    if _collector is not None:
        _collector.append(spec)

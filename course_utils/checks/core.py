"""The one face every exercise shows in a notebook: ``check()``, ``hint()``, ``solution()``.

A check reports one of four states, so a student always knows where they stand:

* ``passed``         - the answer agrees with the reference on the visible cases;
* ``not attempted``  - the function still raises ``NotImplementedError`` (the TODO stub);
* ``wrong``          - the answer disagrees; the message names what is off (type, shape,
  dtype, or the value at a specific input);
* ``error``          - the answer raised some other exception.

Checks never read files next to the notebook, so they work the same on Colab.
"""
from __future__ import annotations

import contextlib
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

PASSED, NOT_ATTEMPTED, WRONG, ERROR = "passed", "not attempted", "wrong", "error"
_ICONS = {PASSED: "✅", NOT_ATTEMPTED: "⏳", WRONG: "❌", ERROR: "💥"}


class CheckFailed(AssertionError):
    """Raised by a checker when the student's answer is wrong; the message is the hint."""


@dataclass(frozen=True)
class CheckResult:
    """What one check found; ``str()`` is the line shown to the student."""

    exercise: str
    status: str
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __str__(self) -> str:
        text = f"{_ICONS[self.status]} {self.exercise}: {self.status}"
        return f"{text}. {self.message}" if self.message else text


class Exercise:
    """One graded exercise: a checker function plus a hint and a worked outline."""

    def __init__(self, name: str, checker: Callable[..., None], hint: str, solution: str) -> None:
        self.name = name
        self._checker = checker
        self._hint = hint.strip()
        self._solution = solution.strip()

    def evaluate(self, *answers: Any) -> CheckResult:
        """Run the checker on the student's answers and return the verdict (prints nothing)."""
        try:
            self._checker(*answers)
        except NotImplementedError:
            return CheckResult(self.name, NOT_ATTEMPTED, "Replace the `raise NotImplementedError` stub with your code.")
        except CheckFailed as failure:
            return CheckResult(self.name, WRONG, f"{failure} Try `.hint()` if you are stuck.")
        except Exception as exc:  # the student's code crashed: show where, briefly
            where = traceback.extract_tb(exc.__traceback__)[-1]
            return CheckResult(
                self.name, ERROR, f"your code raised {type(exc).__name__}: {exc} (line {where.lineno})"
            )
        return CheckResult(self.name, PASSED, "")

    def check(self, *answers: Any, strict: bool = False) -> None:
        """Print the verdict. With ``strict=True`` (used by the autograder) a verdict other
        than ``passed`` raises ``AssertionError`` so that the test cell scores zero."""
        result = self.evaluate(*answers)
        print(result)
        if strict and not result.passed:
            raise AssertionError(str(result))

    def hint(self) -> None:
        """Print a nudge in the right direction."""
        print(f"💡 Hint ({self.name}): {self._hint}")

    def solution(self) -> None:
        """Print the steps of a solution, in words (the graded code is yours to write)."""
        print(f"📝 Solution outline ({self.name}):\n{self._solution}")

    def __repr__(self) -> str:
        return f"<Exercise {self.name}: use .check(...), .hint(), .solution()>"


@contextlib.contextmanager
def skip_if_not_attempted(what: str = "this cell") -> Iterator[None]:
    """Run a demo cell that uses the student's functions; if one is still a TODO stub,
    say so instead of stopping "Run all" with a traceback."""
    try:
        yield
    except NotImplementedError:
        print(f"⏳ Skipped {what}: it uses a function you have not implemented yet.")


def _describe_input(inputs: Any, index: tuple[int, ...]) -> str:
    if inputs is None:
        return f"index {index}" if index else "the test input"
    value = np.asarray(inputs)
    try:
        item = value.item() if value.shape == () else value[index].item()
    except (IndexError, ValueError):
        return f"index {index}"
    return f"input {item:g}" if isinstance(item, float) else f"input {item!r}"


def expect_array(
    actual: Any,
    expected: Any,
    name: str,
    inputs: Any = None,
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> None:
    """Fail with a precise message unless ``actual`` matches ``expected``.

    Checked in order: not ``None``, numeric, shape, floating dtype (where the reference
    is floating point), finite where the reference is finite, then the values.
    ``inputs`` (same shape as the output) lets the message name the input that went wrong.
    """
    if actual is None:
        raise CheckFailed(f"`{name}` returned None. Did you forget a `return`?")
    expected = np.asarray(expected)
    try:
        got = np.asarray(actual, dtype=None)
    except Exception:  # ragged lists and other oddities
        raise CheckFailed(f"`{name}` returned a {type(actual).__name__} that is not a numeric array.") from None
    if got.dtype == object or not np.issubdtype(got.dtype, np.number) and got.dtype != bool:
        raise CheckFailed(f"`{name}` returned values of type {got.dtype}, expected numbers.")
    if got.shape != expected.shape:
        raise CheckFailed(f"`{name}` has shape {got.shape}, expected {expected.shape}.")
    if np.issubdtype(expected.dtype, np.floating) and not np.issubdtype(got.dtype, np.floating):
        raise CheckFailed(
            f"`{name}` has dtype {got.dtype}, expected floating point values "
            "(integers lose the fractional part)."
        )
    bad_finite = ~np.isfinite(got) & np.isfinite(expected)
    if bad_finite.any():
        index = tuple(int(i) for i in np.argwhere(bad_finite)[0])
        raise CheckFailed(
            f"`{name}` is {got[index]} at {_describe_input(inputs, index)}; expected {expected[index]:.6g}."
        )
    close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        raise CheckFailed(
            f"`{name}` is {float(got[index]):.6g} at {_describe_input(inputs, index)}; "
            f"expected {float(expected[index]):.6g}."
        )


def expect_no_warnings(fn: Callable[[], Any], name: str) -> Any:
    """Call ``fn`` and fail if NumPy warns (overflow, division by zero, invalid value)."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        result = fn()
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        raise CheckFailed(f"`{name}` triggers a NumPy warning: '{numeric[0].message}'.")
    return result

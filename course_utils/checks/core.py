"""The one face every exercise shows in a notebook: ``check()``, ``hint()``, ``solution()``.

A check reports one of four states, so a student always knows where they stand:

* ``passed``         - the answer agrees with the expected answers of the visible cases;
* ``not attempted``  - the function still raises ``NotImplementedError`` (the TODO stub);
* ``wrong``          - the answer disagrees; the message names the case, what is off (type,
  shape, dtype, the value at an index and the input there) or the known mistake it behaves
  like;
* ``error``          - the answer raised some other exception.

What a check knows is **data**, written by ``grader release`` from the exercise's
declaration in the instructor notebook (``course_utils.probes.declare``): each visible
case's code and inputs, the reference solution's answer, and the answers of the known
mistakes. No reference implementation ships with the package. The student's answer is
compared with the expected one by :func:`course_utils.answers.compare_in_detail`, the
comparator the grader uses, with the same tolerances.

Checks never read files next to the notebook, so they work the same on Colab.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from ..answers import compare_in_detail, decode, encode, normalise, property_holds

PASSED, NOT_ATTEMPTED, WRONG, ERROR = "passed", "not attempted", "wrong", "error"
_ICONS = {PASSED: "✅", NOT_ATTEMPTED: "⏳", WRONG: "❌", ERROR: "💥"}
MISSING_RETURN = "returned None. Did you forget a `return`?"


class CheckFailed(AssertionError):
    """Raised by a code check when the student's answer is wrong; the message is the hint."""


@dataclass(frozen=True)
class CheckResult:
    """What one check found; ``str()`` is the line shown to the student."""

    exercise: str
    status: str
    message: str = ""
    mistake: int | None = None  # which known mistake the answer behaves like, if one

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __str__(self) -> str:
        text = f"{_ICONS[self.status]} {self.exercise}: {self.status}"
        return f"{text}. {self.message}" if self.message else text


# --- running a case ---------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _library_folders() -> tuple[str, ...]:
    import sysconfig
    from pathlib import Path

    paths = {sysconfig.get_paths().get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths.add(str(Path(__file__).resolve().parents[1]))  # course_utils itself
    return tuple(str(Path(p).resolve()) for p in paths if p)


def student_line(exc: BaseException) -> int | None:
    """The line of the student's own code where ``exc`` was raised: the innermost frame
    that is not in a library (NumPy, TensorFlow, the standard library, this package), not
    the check's own ``<check>`` code and not code that TensorFlow generated from theirs.
    None when the error never passed through their code (a wrong argument caught at the
    library's door, say): then no line is better than a line in someone else's file."""
    import os

    libraries = _library_folders()
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        name = frame.filename or ""
        if name == "<check>" or "__autograph_generated" in name:
            continue
        if name.startswith("<frozen"):
            continue
        if os.path.isabs(name) and os.path.realpath(name).startswith(libraries):
            continue
        return frame.lineno
    return None



def run_case(case: dict, functions: dict[str, Any]) -> dict:
    """Run one visible case's code with ``functions`` (the exercise's, by name), NumPy and
    the case's inputs bound; return the outcome as data:
    ``{"ok": True, "value": <encoded answer>, "warned": [...]}`` or
    ``{"ok": False, "error": <exception name>, "message": ..., "line": ...}``.

    ``grader release`` runs this very function in the instructor's kernel for the reference
    and for each known mistake, so the expected answers are produced as the student's are.
    """
    namespace: dict[str, Any] = {"np": np, **functions}
    namespace.update({k: decode(v) for k, v in case.get("inputs", {}).items()})
    tree = ast.parse(case["code"])
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    caught: list[warnings.WarningMessage] = []
    try:
        with contextlib.ExitStack() as stack:
            if case.get("no_warnings"):
                caught = stack.enter_context(warnings.catch_warnings(record=True))
                stack.enter_context(np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"))
                warnings.filterwarnings("always")  # every warning, even one seen before
            exec(compile(tree, "<check>", "exec"), namespace)
            value = eval(compile(ast.Expression(last.value), "<check>", "eval"), namespace) if last else None
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__, "message": str(exc)[:300], "line": student_line(exc)}
    numeric = [str(w.message)[:200] for w in caught if issubclass(w.category, RuntimeWarning)]
    return {"ok": True, "value": encode(value), "warned": numeric}


@dataclass(frozen=True)
class Verdict:
    """How one outcome fares on one case: ``None`` (passed) or what is wrong."""

    status: str
    message: str = ""
    mistake: int | None = None


def judge_case(case: dict, outcome: dict, mistake_outcomes: list[dict], messages: list[str]) -> Verdict | None:
    """Judge ``outcome`` (from :func:`run_case`) against the case's expected answer.

    When it is wrong, the known mistakes whose own outcome on this case looks the same
    give their message instead of the generic one. Pure data in, words out: the release
    guard replays the stored outcomes of the reference and of each mistake through this.
    """
    label = f"On {case['name']} (`{_short_code(case['code'])}`)"
    if not outcome.get("ok"):
        if outcome.get("error") == "NotImplementedError":
            return Verdict(NOT_ATTEMPTED, "Replace the `raise NotImplementedError` stub with your code.")
        for k, other in enumerate(mistake_outcomes):
            if not other.get("ok") and _same_error(outcome, other):
                return Verdict(WRONG, f"{label}: {messages[k]}", k)
        line = f" (line {outcome['line']} of your code)" if outcome.get("line") else ""
        return Verdict(ERROR, f"{label}: your code raised {outcome.get('error')}: {outcome.get('message', '')}{line}")
    answer = decode(outcome["value"])
    if case.get("no_warnings") and outcome.get("warned"):
        for k, other in enumerate(mistake_outcomes):  # the same values, and NumPy's same warnings
            if (other.get("ok") and set(other.get("warned") or ()) == set(outcome["warned"])
                    and _same(case, answer, other)):
                return Verdict(WRONG, f"{label}: {messages[k]}", k)
        return Verdict(WRONG, f"{label}: NumPy warns '{outcome['warned'][0]}'. A stable formula never computes "
                              "a huge exponential.")
    if case.get("match", True):
        expected = decode(case["expected"]["value"])
        found = compare_in_detail(answer, expected, case["rtol"], case["atol"])
        if not found.ok:
            for k, other in enumerate(mistake_outcomes):
                if other.get("ok") and _same(case, answer, other):
                    return Verdict(WRONG, f"{label}: {messages[k]}", k)
            if answer is None:
                return Verdict(WRONG, f"{label}: the result is None. Did you forget a `return`?")
            detail = f" ({found.detail}{_input_at(case, found.index)})" if found.detail else ""
            return Verdict(WRONG, f"{label}: {found.reason}{detail}.")
    if case.get("holds"):
        try:
            holds = property_holds(case["holds"], answer, {k: decode(v) for k, v in case.get("inputs", {}).items()})
        except Exception:
            holds = False
        if not holds:
            for k, other in enumerate(mistake_outcomes):
                if other.get("ok") and not case.get("match", True) and _same(case, answer, other):
                    return Verdict(WRONG, f"{label}: {messages[k]}", k)
            if answer is None:
                return Verdict(WRONG, f"{label}: the result is None. Did you forget a `return`?")
            return Verdict(WRONG, f"{label}: {case.get('says') or 'the property checked does not hold'}.")
    return None


def _error_shape(outcome: dict) -> tuple[str, str]:
    import re

    return str(outcome.get("error")), re.sub(r"\d+", "#", str(outcome.get("message", "")))[:120]


def _same_error(outcome: dict, other: dict) -> bool:
    """The same exception, for the same reason: its name and its message, numbers aside
    (a known mistake's message is stored; one raised for another reason reads otherwise)."""
    return _error_shape(outcome) == _error_shape(other)


def _same(case: dict, answer: Any, other: dict) -> bool:
    try:
        return compare_in_detail(answer, decode(other["value"]), case["rtol"], case["atol"]).ok
    except Exception:
        return False


def _short_code(code: str) -> str:
    lines = [line for line in code.strip().splitlines() if line.strip()]
    text = lines[-1].strip() if lines else ""
    return text if len(text) <= 70 else text[:67] + "..."


def _input_at(case: dict, index: tuple[int, ...] | None) -> str:
    """Name the input behind a wrong element, when one input has the answer's shape."""
    if not index:
        return ""
    for name, encoded in case.get("inputs", {}).items():
        value = decode(encoded)
        if isinstance(value, np.ndarray) and value.ndim == len(index):
            try:
                item = value[index].item()
            except IndexError:
                continue
            shown = f"{item:g}" if isinstance(item, float) else repr(item)
            return f", where {name} is {shown}"
    return ""


# --- an exercise ------------------------------------------------------------------------


class Exercise:
    """One graded exercise, as the student's package knows it: its visible cases and the
    expected answers (data written by ``grader release``), its known mistakes' answers and
    messages, and the hint and solution text of the release's mode.

    ``extra`` is an optional code check for what data cannot say (it receives the
    student's functions and raises :class:`CheckFailed`); it must not hold an answer.
    """

    def __init__(self, name: str, record: dict, extra: Callable[..., None] | None = None) -> None:
        self.name = name
        self.uses: tuple[str, ...] = tuple(record["uses"])
        self._cases: list[dict] = record["cases"]
        self._messages: list[str] = [m["message"] for m in record.get("mistakes", [])]
        self._hint = record["hint"].strip()
        self._solution = record["solution"].strip()
        self._extra = extra

    def evaluate(self, *answers: Any) -> CheckResult:
        """Run the visible cases on the student's functions; return the verdict (prints nothing)."""
        if len(answers) != len(self.uses):
            names = ", ".join(self.uses)
            return CheckResult(self.name, ERROR, f"call it as `exercise.{self.name}.check({names})`.")
        functions = dict(zip(self.uses, answers))
        for case in self._cases:
            outcome = run_case(case, functions)
            verdict = judge_case(case, outcome, case.get("mistakes", []), self._messages)
            if verdict is not None:
                message = verdict.message
                if verdict.status == WRONG:
                    message += " Try `.hint()` if you are stuck."
                return CheckResult(self.name, verdict.status, message, verdict.mistake)
        if self._extra is not None:
            try:
                self._extra(*answers)
            except NotImplementedError:
                return CheckResult(self.name, NOT_ATTEMPTED, "Replace the `raise NotImplementedError` stub with your code.")
            except CheckFailed as failure:
                return CheckResult(self.name, WRONG, f"{failure} Try `.hint()` if you are stuck.")
            except Exception as exc:
                line = student_line(exc)
                where = f" (line {line} of your code)" if line else ""
                return CheckResult(self.name, ERROR, f"your code raised {type(exc).__name__}: {exc}{where}")
        return CheckResult(self.name, PASSED, "")

    def check(self, *answers: Any, strict: bool = False) -> None:
        """Print the verdict. With ``strict=True`` (used by plain nbgrader's hidden tests) a
        verdict other than ``passed`` raises ``AssertionError`` so that the test cell scores zero."""
        result = self.evaluate(*answers)
        print(result)
        if strict and not result.passed:
            raise AssertionError(str(result))

    def cases(self) -> None:
        """Print the visible cases the check runs."""
        print(f"Visible cases of {self.name}:")
        for case in self._cases:
            print(f"  - {case['name']}: {_short_code(case['code'])}")

    def hint(self) -> None:
        """Print a nudge in the right direction."""
        print(f"💡 Hint ({self.name}): {self._hint}")

    def solution(self) -> None:
        """Print what this release says about the solution."""
        print(f"📝 Solution ({self.name}):\n{self._solution}")

    def __repr__(self) -> str:
        return f"<Exercise {self.name}: use .check(...), .hint(), .solution(), .cases()>"


# --- the shared vocabulary of code checks -------------------------------------------------


def returned(value: Any, name: str) -> Any:
    """``value``, unless it is None (the one "forgot a return?" message)."""
    if value is None:
        raise CheckFailed(f"`{name}` {MISSING_RETURN}")
    return value


def tensorflow() -> Any:
    """TensorFlow, imported when a check first needs it (importing the checks stays cheap)."""
    import tensorflow as tf

    return tf


def expect_array(actual: Any, expected: Any, name: str, inputs: Any = None, rtol: float = 1e-7,
                 atol: float = 1e-12) -> None:
    """Fail with a precise message unless ``actual`` matches ``expected`` (the grader's comparator)."""
    returned(actual, name)
    found = compare_in_detail(normalise(actual), np.asarray(expected), rtol, atol)
    if not found.ok:
        where = ""
        if inputs is not None and found.index is not None:
            where = _input_at({"inputs": {"input": encode(np.asarray(inputs))}}, found.index)
        detail = f" ({found.detail}{where})" if found.detail else ""
        raise CheckFailed(f"`{name}`: {found.reason}{detail}.")


def expect_no_warnings(fn: Callable[[], Any], name: str) -> Any:
    """Call ``fn`` and fail if NumPy warns (overflow, division by zero, invalid value)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always")  # every warning, even one seen before
        with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
            result = fn()
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if numeric:
        raise CheckFailed(f"`{name}` triggers a NumPy warning: '{numeric[0].message}'.")
    return result


@contextlib.contextmanager
def skip_if_not_attempted(what: str = "this cell") -> Iterator[None]:
    """Run a demo cell that uses the student's functions; if one is still a TODO stub,
    say so instead of stopping "Run all" with a traceback."""
    try:
        yield
    except NotImplementedError:
        print(f"⏳ Skipped {what}: it uses a function you have not implemented yet.")

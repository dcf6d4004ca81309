"""Instant checks for the exercises: one module per notebook, one :class:`Exercise` per TODO.

In a notebook::

    from course_utils.checks import perceptron as exercise
    exercise.sigmoid.check(sigmoid)     # ✅ / ⏳ not attempted / ❌ with what is off
    exercise.sigmoid.hint()
"""
from .core import (
    ERROR,
    NOT_ATTEMPTED,
    PASSED,
    WRONG,
    CheckFailed,
    CheckResult,
    Exercise,
    expect_array,
    expect_no_warnings,
    skip_if_not_attempted,
)

__all__ = [
    "ERROR",
    "NOT_ATTEMPTED",
    "PASSED",
    "WRONG",
    "CheckFailed",
    "CheckResult",
    "Exercise",
    "expect_array",
    "expect_no_warnings",
    "skip_if_not_attempted",
]

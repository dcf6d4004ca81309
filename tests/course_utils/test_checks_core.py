"""The instant-check face: four honest states and messages that name what is off."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import (
    ERROR,
    NOT_ATTEMPTED,
    PASSED,
    WRONG,
    CheckFailed,
    Exercise,
    expect_array,
    expect_no_warnings,
    skip_if_not_attempted,
)


def _square_checker(fn):
    expect_array(fn(np.array([1.0, 2.0, 3.0])), np.array([1.0, 4.0, 9.0]), "square(z)", inputs=np.array([1.0, 2.0, 3.0]))


square = Exercise("square", _square_checker, hint="multiply", solution="z * z")


def test_states():
    assert square.evaluate(lambda z: z * z).status == PASSED

    def stub(z):
        raise NotImplementedError("not attempted yet")

    assert square.evaluate(stub).status == NOT_ATTEMPTED
    wrong = square.evaluate(lambda z: z + z)
    assert wrong.status == WRONG and "`square(z)` is 2 at input 1; expected 1" in wrong.message
    crashed = square.evaluate(lambda z: z / undefined_name)  # noqa: F821
    assert crashed.status == ERROR and "NameError" in crashed.message


def test_check_prints_and_strict_raises(capsys):
    square.check(lambda z: z * z)
    assert "✅ square: passed" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="wrong"):
        square.check(lambda z: z + 1, strict=True)
    square.hint()
    square.solution()
    out = capsys.readouterr().out
    assert "multiply" in out and "z * z" in out


@pytest.mark.parametrize(
    "actual, fragment",
    [
        (None, "returned None"),
        (np.array([1.0, 4.0]), "has shape (2,), expected (3,)"),
        (np.array([1, 4, 9]), "dtype int64"),
        (np.array([1.0, np.nan, 9.0]), "is nan"),
        (np.array([1.0, 4.0, 10.0]), "is 10 at input"),
        ("abc", "expected numbers"),
    ],
)
def test_expect_array_messages(actual, fragment):
    with pytest.raises(CheckFailed) as info:
        expect_array(actual, np.array([1.0, 4.0, 9.0]), "f(z)", inputs=np.array([1.0, 2.0, 3.0]))
    assert fragment in str(info.value)


def test_expect_no_warnings_catches_overflow_not_underflow():
    expect_no_warnings(lambda: np.exp(np.array([-1000.0])), "exp")  # underflow to 0 is harmless
    with pytest.raises(CheckFailed, match="overflow"):
        expect_no_warnings(lambda: np.exp(np.array([1000.0])), "exp")


def test_skip_if_not_attempted(capsys):
    with skip_if_not_attempted("the demo"):
        raise NotImplementedError
    assert "Skipped the demo" in capsys.readouterr().out
    with pytest.raises(ValueError):
        with skip_if_not_attempted():
            raise ValueError("real bugs are not hidden")

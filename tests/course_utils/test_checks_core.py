"""The instant-check face: four honest states, messages that name what is off, known
mistakes recognised from data, and the mode's texts. The exercise here is built from a
record as ``grader release`` writes it (the expected answers are data, not code)."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.answers import encode
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
from course_utils.checks.core import run_case

Z = np.array([1.0, 2.0, 3.0])


def _case(name, code, inputs, reference, mistakes=(), **options):
    case = {"name": name, "code": code, "inputs": {k: encode(v) for k, v in inputs.items()}, "rtol": 1e-7,
            "atol": 1e-12, "no_warnings": False, "holds": None, "says": None, "match": True, **options}
    case["expected"] = run_case(case, {"square": reference})
    case["mistakes"] = [run_case(case, {"square": m}) for m in mistakes]
    return case


def _square(**options):
    mistakes = [lambda z: z + z, lambda z: np.exp(2 * np.log(z)) + 1e-3]
    record = {"uses": ["square"], "hint": "multiply", "solution": "z times z",
              "mistakes": [{"message": "did you double instead of squaring?"}, {"message": "off by a thousandth"}],
              "cases": [_case("three numbers", "square(z)", {"z": Z}, lambda z: z * z, mistakes, **options)]}
    return Exercise("square", record)


square = _square()


def test_states():
    assert square.evaluate(lambda z: z * z).status == PASSED
    assert square.evaluate(lambda z: np.array([v ** 2 for v in z], dtype=np.float32)).status == PASSED  # honest, float32

    def stub(z):
        raise NotImplementedError("not attempted yet")

    assert square.evaluate(stub).status == NOT_ATTEMPTED
    crashed = square.evaluate(lambda z: z / undefined_name)  # noqa: F821
    assert crashed.status == ERROR and "NameError" in crashed.message and "three numbers" in crashed.message


def test_wrong_answers_name_the_case_the_index_and_the_input():
    wrong = square.evaluate(lambda z: z ** 3)
    assert wrong.status == WRONG
    assert "On three numbers (`square(z)`)" in wrong.message
    assert "got 8 at index (1,), expected 4" in wrong.message and "where z is 2" in wrong.message
    assert "shape (2,), expected (3,)" in square.evaluate(lambda z: z[:2] ** 2).message
    assert "integers" in square.evaluate(lambda z: (z ** 2).astype(int)).message
    assert "forget a `return`" in square.evaluate(lambda z: None).message


def test_known_mistakes_get_their_own_message():
    first = square.evaluate(lambda z: 2 * z)
    assert first.mistake == 0 and "double instead of squaring" in first.message
    second = square.evaluate(lambda z: z * z + 1e-3)
    assert second.mistake == 1 and "thousandth" in second.message


def test_a_property_case():
    exercise = Exercise("square", {"uses": ["square"], "hint": "h", "solution": "s", "mistakes": [], "cases": [
        _case("positive", "square(z)", {"z": -Z}, lambda z: z * z, holds="(answer > 0).all()", says="squares are positive",
              match=False)]})
    assert exercise.evaluate(lambda z: z * z + 5).passed
    assert "squares are positive" in exercise.evaluate(lambda z: z).message


def test_check_prints_and_strict_raises(capsys):
    square.check(lambda z: z * z)
    assert "✅ square: passed" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="wrong"):
        square.check(lambda z: z + 1, strict=True)
    square.hint()
    square.solution()
    square.cases()
    out = capsys.readouterr().out
    assert "multiply" in out and "z times z" in out and "three numbers: square(z)" in out


def test_wrong_number_of_functions_says_how_to_call():
    assert "exercise.square.check(square)" in square.evaluate(lambda z: z, lambda z: z).message


@pytest.mark.parametrize(
    "actual, fragment",
    [
        (None, "returned None"),
        (np.array([1.0, 4.0]), "has shape (2,), expected (3,)"),
        (np.array([1, 4, 9]), "integers"),
        (np.array([1.0, np.nan, 9.0]), "got nan at index (1,)"),
        (np.array([1.0, 4.0, 10.0]), "got 10 at index (2,), expected 9, where input is 3"),
        ("abc", "differs"),
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


def test_an_error_inside_a_library_names_the_students_line():
    # Written as a student's cell would be: compiled from its own "file", the failing call on
    # its line 3, the exception raised deep inside NumPy.
    cell = "def square(z):\n    n = len(z)\n    return np.reshape(z, (n + 1, n)) ** 2\n"
    namespace = {"np": np}
    exec(compile(cell, "/home/student/ipykernel_1/cell_7.py", "exec"), namespace)
    crashed = square.evaluate(namespace["square"])
    assert crashed.status == ERROR and "ValueError" in crashed.message
    assert "(line 3 of your code)" in crashed.message, crashed.message

    # An error raised before any of the student's lines ran: no line rather than NumPy's.
    outcome = run_case({"code": "square(z)", "inputs": {"z": encode(Z)}}, {"square": np.reshape})
    assert outcome["ok"] is False and outcome["line"] is None

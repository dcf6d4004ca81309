"""Each perceptron-notebook check passes a correct answer and catches the common mistakes."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.checks import NOT_ATTEMPTED, PASSED, WRONG
from course_utils.checks import perceptron as ex


def stable_sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def stub(*args, **kwargs):
    raise NotImplementedError


CORRECT = {
    ex.perceptron_output: (lambda x, w0, W, g: g(w0 + x @ W),),
    ex.perceptron_output_batch: (lambda X, w0, W, g: g(w0 + X @ W),),
    ex.decision_line_x2: (lambda x1, w0, W: -(w0 + W[0] * np.asarray(x1, float)) / W[1],),
    ex.sigmoid: (stable_sigmoid,),
    ex.sigmoid_prime: (lambda z: stable_sigmoid(z) * (1 - stable_sigmoid(z)),),
    ex.tanh: (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    ex.relu: (lambda z: np.maximum(0.0, z), lambda z: (np.asarray(z) > 0).astype(float)),
    ex.numerical_derivative: (lambda g, z, h=1e-5: (g(z + h) - g(z - h)) / (2 * h),),
    ex.gradient_check: (
        lambda g, gp, z, h=1e-5: float(np.max(np.abs(gp(z) - (g(z + h) - g(z - h)) / (2 * h))
                                               / np.maximum(np.abs(gp(z)) + np.abs((g(z + h) - g(z - h)) / (2 * h)), 1e-12))),
    ),
}

MISTAKES = [
    (ex.perceptron_output, (lambda x, w0, W, g: g(x @ W),), "forgot the bias w0"),
    (ex.perceptron_output, (lambda x, w0, W, g: w0 + g(x @ W),), "activation applied before the bias"),
    (ex.perceptron_output_batch, (lambda X, w0, W, g: g(w0 + np.sum(X @ W)),), "summed over the batch"),
    (ex.decision_line_x2, (lambda x1, w0, W: (w0 + W[0] * x1) / W[1],), "sign error"),
    (ex.sigmoid, (lambda z: 1 / (1 + np.exp(-z)),), "naive sigmoid overflows"),
    (ex.sigmoid, (lambda z: np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z))),), "np.where evaluates both branches"),
    (ex.sigmoid_prime, (lambda z: stable_sigmoid(z),), "returned g instead of g'"),
    (ex.tanh, (lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)), lambda z: 1 - np.tanh(z) ** 2), "literal tanh overflows"),
    (ex.tanh, (np.tanh, lambda z: 1 - np.tanh(z)), "derivative without the square"),
    (ex.relu, (lambda z: np.maximum(0.0, z), lambda z: (np.asarray(z) >= 0).astype(float)), "g'(0) must be 0"),
    (ex.relu, (lambda z: np.maximum(0, z).astype(int), lambda z: (z > 0).astype(float)), "integer output"),
    (ex.numerical_derivative, (lambda g, z, h=1e-5: (g(z + h) - g(z)) / h,), "one-sided difference"),
    (ex.gradient_check, (lambda g, gp, z, h=1e-5: np.abs(gp(z) - (g(z + h) - g(z - h)) / (2 * h)),), "an array, not the maximum"),
]


@pytest.mark.parametrize("exercise", list(CORRECT), ids=lambda e: e.name)
def test_correct_answers_pass(exercise):
    result = exercise.evaluate(*CORRECT[exercise])
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("exercise", list(CORRECT), ids=lambda e: e.name)
def test_stubs_are_not_attempted(exercise):
    assert exercise.evaluate(*[stub] * len(CORRECT[exercise])).status == NOT_ATTEMPTED


@pytest.mark.parametrize("exercise, answers, mistake", MISTAKES, ids=[m[2] for m in MISTAKES])
def test_common_mistakes_are_wrong(exercise, answers, mistake):
    result = exercise.evaluate(*answers)
    assert result.status == WRONG, f"{mistake}: {result}"
    assert result.message


def test_lecture_example_value():
    # g(-6) ≈ 0.002 with the sigmoid, as on the slide
    assert abs(float(stable_sigmoid(-6.0)) - 0.002) < 0.001

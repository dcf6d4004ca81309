"""Checks for the notebook "Perceptron and activation functions" (lecture notation).

The perceptron computes  ŷ = g(w0 + Xᵀ W);  for a batch whose rows are examples,
ŷ = g(w0 + X W).  The visible checks use the lecture's worked example
(w0 = 1, W = [3, -2], X = [-1, 2]  ->  g(-6) ≈ 0.002) and a few fixed inputs.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .core import CheckFailed, Exercise, expect_array, expect_no_warnings

Array = np.ndarray

LECTURE_W0 = 1.0
LECTURE_W = np.array([3.0, -2.0])
LECTURE_X = np.array([-1.0, 2.0])
Z_GRID = np.array([-1000.0, -20.0, -3.0, -0.5, 0.0, 0.5, 3.0, 20.0, 1000.0])


def _sigmoid(z: Array) -> Array:
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))  # never overflows: the exponent is <= 0
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _identity(z: Array) -> Array:
    return z


# --- perceptron -------------------------------------------------------------------


def _check_perceptron_output(perceptron_output: Callable) -> None:
    got = perceptron_output(LECTURE_X, LECTURE_W0, LECTURE_W, _sigmoid)
    expect_array(got, _sigmoid(np.array(-6.0)), "perceptron_output(lecture example, sigmoid)", rtol=1e-6)
    got = perceptron_output(LECTURE_X, LECTURE_W0, LECTURE_W, _identity)
    expect_array(got, np.array(-6.0), "perceptron_output(lecture example, g = identity)")
    x, w = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -0.5])
    expect_array(perceptron_output(x, -0.25, w, np.tanh), np.tanh(-0.25 + x @ w), "perceptron_output(3 inputs, tanh)")


def _check_perceptron_output_batch(perceptron_output_batch: Callable) -> None:
    X = np.array([[-1.0, 2.0], [0.0, 0.0], [2.0, 1.0], [1.0, 3.0]])
    expected = _sigmoid(LECTURE_W0 + X @ LECTURE_W)
    got = perceptron_output_batch(X, LECTURE_W0, LECTURE_W, _sigmoid)
    expect_array(got, expected, "perceptron_output_batch(X with 4 rows)", rtol=1e-6)
    got = perceptron_output_batch(X[:1], LECTURE_W0, LECTURE_W, _identity)
    expect_array(got, np.array([-6.0]), "perceptron_output_batch(one row, g = identity)")


def _check_decision_line(decision_line_x2: Callable) -> None:
    x1 = np.array([-2.0, 0.0, 1.0, 3.0])
    got = decision_line_x2(x1, LECTURE_W0, LECTURE_W)
    expect_array(got, (1 + 3 * x1) / 2, "decision_line_x2(x1, w0=1, W=[3, -2])", inputs=x1)
    z = LECTURE_W0 + LECTURE_W[0] * x1 + LECTURE_W[1] * np.asarray(got, dtype=float)
    if not np.allclose(z, 0.0, atol=1e-9):
        raise CheckFailed("points (x1, decision_line_x2(x1)) should satisfy w0 + w1·x1 + w2·x2 = 0.")


# --- activation functions -----------------------------------------------------------


def _check_sigmoid(sigmoid: Callable) -> None:
    expect_array(sigmoid(np.array(0.0)), np.array(0.5), "sigmoid(0)")
    got = expect_no_warnings(lambda: sigmoid(Z_GRID.copy()), "sigmoid(z) at z = ±1000")
    expect_array(got, _sigmoid(Z_GRID), "sigmoid(z)", inputs=Z_GRID, rtol=1e-7, atol=1e-12)


def _check_sigmoid_prime(sigmoid_prime: Callable) -> None:
    s = _sigmoid(Z_GRID)
    got = expect_no_warnings(lambda: sigmoid_prime(Z_GRID.copy()), "sigmoid_prime(z) at z = ±1000")
    expect_array(got, s * (1 - s), "sigmoid_prime(z)", inputs=Z_GRID, rtol=1e-7, atol=1e-12)


def _check_tanh(tanh: Callable, tanh_prime: Callable) -> None:
    got = expect_no_warnings(lambda: tanh(Z_GRID.copy()), "tanh(z) at z = ±1000")
    expect_array(got, np.tanh(Z_GRID), "tanh(z)", inputs=Z_GRID, rtol=1e-7, atol=1e-12)
    got = expect_no_warnings(lambda: tanh_prime(Z_GRID.copy()), "tanh_prime(z) at z = ±1000")
    expect_array(got, 1 - np.tanh(Z_GRID) ** 2, "tanh_prime(z)", inputs=Z_GRID, rtol=1e-7, atol=1e-12)


def _check_relu(relu: Callable, relu_prime: Callable) -> None:
    expect_array(relu(Z_GRID.copy()), np.maximum(0.0, Z_GRID), "relu(z)", inputs=Z_GRID)
    expect_array(relu_prime(Z_GRID.copy()), (Z_GRID > 0).astype(float), "relu_prime(z)", inputs=Z_GRID)


# --- gradient check -----------------------------------------------------------------


def _check_numerical_derivative(numerical_derivative: Callable) -> None:
    z = np.array([-2.0, -0.3, 0.0, 0.7, 1.5])
    got = numerical_derivative(np.sin, z, 1e-3)
    # A central difference is accurate to ~h²; a one-sided one only to ~h.
    expect_array(got, np.cos(z), "numerical_derivative(np.sin, z, h=1e-3)", inputs=z, rtol=0, atol=1e-6)
    expect_array(numerical_derivative(lambda t: t**3, z, 1e-4), 3 * z**2, "numerical_derivative(z**3, z)", inputs=z, rtol=1e-6, atol=1e-6)


def _check_gradient_check(gradient_check: Callable) -> None:
    z = np.linspace(-3, 3, 13)
    good = gradient_check(np.tanh, lambda t: 1 - np.tanh(t) ** 2, z)
    bad = gradient_check(np.tanh, lambda t: 1 - np.tanh(t), z)
    for label, value in (("a correct derivative", good), ("a wrong derivative", bad)):
        if np.ndim(value) != 0:
            raise CheckFailed(f"`gradient_check` should return one number (the largest relative error), got shape {np.shape(value)} for {label}.")
    if not float(good) < 1e-6:
        raise CheckFailed(f"`gradient_check(tanh, correct derivative)` returned {float(good):.3g}; expected below 1e-6.")
    if not float(bad) > 1e-2:
        raise CheckFailed(f"`gradient_check(tanh, wrong derivative)` returned {float(bad):.3g}; a wrong derivative must give a large error.")


perceptron_output = Exercise(
    "perceptron_output",
    _check_perceptron_output,
    hint="ŷ = g(w0 + Xᵀ W): for 1-D arrays `x @ W` (or `np.dot(x, W)`) is the sum Σ x_i w_i; add w0, then apply g.",
    solution="1. z = w0 + the dot product of x and W.\n2. return g(z).",
)
perceptron_output_batch = Exercise(
    "perceptron_output_batch",
    _check_perceptron_output_batch,
    hint="With one example per row of X (shape (n, m)), `X @ W` has shape (n,): one z per example. No loop needed.",
    solution="1. z = w0 + X @ W, an array of n values.\n2. return g(z).",
)
decision_line_x2 = Exercise(
    "decision_line_x2",
    _check_decision_line,
    hint="On the line, w0 + w1·x1 + w2·x2 = 0. Solve for x2.",
    solution="x2 = -(w0 + W[0] * x1) / W[1]; for the lecture's weights that is (1 + 3·x1) / 2.",
)
sigmoid = Exercise(
    "sigmoid",
    _check_sigmoid,
    hint=(
        "1 / (1 + np.exp(-z)) overflows for z = -1000. Use e = np.exp(-np.abs(z)), which never overflows, "
        "and pick 1/(1+e) for z >= 0 and e/(1+e) otherwise. Beware: np.where evaluates both branches."
    ),
    solution="1. e = np.exp(-np.abs(z)).\n2. return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).",
)
sigmoid_prime = Exercise(
    "sigmoid_prime",
    _check_sigmoid_prime,
    hint="The lecture gives g'(z) = g(z)(1 - g(z)). Reuse a stable sigmoid.",
    solution="1. s = a stable sigmoid of z.\n2. return s * (1 - s).",
)
tanh = Exercise(
    "tanh",
    _check_tanh,
    hint="(e^z - e^-z)/(e^z + e^-z) overflows at |z| = 1000; tanh(z) = 2σ(2z) - 1, or np.tanh. g'(z) = 1 - g(z)².",
    solution="1. tanh(z) = 2 * stable_sigmoid(2 z) - 1 (or np.tanh(z)).\n2. tanh_prime(z) = 1 - tanh(z)**2.",
)
relu = Exercise(
    "relu",
    _check_relu,
    hint="g(z) = max(0, z) element-wise is np.maximum, not max. g'(z) is 1 where z > 0 and 0 otherwise (z = 0 included).",
    solution="1. relu(z) = np.maximum(0.0, z).\n2. relu_prime(z) = (z > 0).astype(float).",
)
numerical_derivative = Exercise(
    "numerical_derivative",
    _check_numerical_derivative,
    hint="Use the central difference (g(z + h) - g(z - h)) / (2h): its error shrinks like h², a one-sided one only like h.",
    solution="return (g(z + h) - g(z - h)) / (2 * h).",
)
gradient_check = Exercise(
    "gradient_check",
    _check_gradient_check,
    hint="Relative error |a - n| / max(|a| + |n|, tiny), with a the analytic and n the numerical derivative; return its max.",
    solution=(
        "1. a = g_prime(z); n = (g(z + h) - g(z - h)) / (2 * h).\n"
        "2. err = |a - n| / np.maximum(|a| + |n|, 1e-12).\n3. return float(err.max())."
    ),
)

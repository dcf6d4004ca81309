"""Checks for the notebook "Non-linearity and dense layers" (lecture notation).

Batch convention throughout: the rows of ``X`` (shape (n, m)) are examples, a layer has
weights ``W`` of shape (m, d) and biases ``w0`` of shape (d,), and computes
``z = X @ W + w0``, i.e. the lecture's  z_i = w_{0,i} + Σ_j x_j w_{j,i}  for every row.

TensorFlow is imported inside the checkers that need it, so importing this module is cheap.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .core import CheckFailed, Exercise, expect_array

Array = np.ndarray

# The lecture's perceptron (w0 = 1, W = [3, -2]) as the first output, plus a second output.
LECTURE_X = np.array([-1.0, 2.0])
TWO_OUTPUT_W = np.array([[3.0, 1.0], [-2.0, 0.5]])
TWO_OUTPUT_W0 = np.array([1.0, -1.0])
# Hand-built network for the green/red data: hidden units, graded on this accuracy.
GREEN_RED_MIN_ACCURACY = 0.95
GREEN_RED_MAX_HIDDEN = 64


def _sigmoid(z: Array) -> Array:
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _identity(z: Array) -> Array:
    return z


def _relu(z: Array) -> Array:
    return np.maximum(0.0, z)


def _pair(result: Any, name: str, what: str) -> tuple[Any, ...]:
    if result is None:
        raise CheckFailed(f"`{name}` returned None. Did you forget a `return`?")
    if not isinstance(result, (tuple, list)):
        raise CheckFailed(f"`{name}` should return a tuple {what}, got a {type(result).__name__}.")
    return tuple(result)


# --- 1. why non-linearity matters ---------------------------------------------------


def _collapse_case(rng: np.random.Generator, n_in: int, n_hidden: int, n_out: int) -> tuple[Array, ...]:
    return (
        rng.normal(size=(n_in, n_hidden)),
        rng.normal(size=n_hidden),
        rng.normal(size=(n_hidden, n_out)),
        rng.normal(size=n_out),
    )


def _check_collapse_linear_layers(collapse_linear_layers: Callable) -> None:
    rng = np.random.default_rng(11)
    for n_in, n_hidden, n_out in ((2, 3, 1), (3, 4, 2)):
        W1, b1, W2, b2 = _collapse_case(rng, n_in, n_hidden, n_out)
        result = _pair(collapse_linear_layers(W1.copy(), b1.copy(), W2.copy(), b2.copy()), "collapse_linear_layers", "(W, w0)")
        if len(result) != 2:
            raise CheckFailed(f"`collapse_linear_layers` should return 2 values (W, w0), got {len(result)}.")
        W, w0 = result
        label = f"{n_in} inputs, {n_hidden} hidden, {n_out} outputs"
        expect_array(W, W1 @ W2, f"W ({label})")
        expect_array(w0, b1 @ W2 + b2, f"w0 ({label})")
        X = rng.normal(size=(5, n_in))
        two_layers = (X @ W1 + b1) @ W2 + b2
        expect_array(X @ np.asarray(W) + np.asarray(w0), two_layers, f"X @ W + w0 vs. the two linear layers ({label})")


def _green_red_accuracy(weights: tuple[Any, ...], X: Array, y: Array) -> float:
    W1, b1, W2, b2 = (np.asarray(w, dtype=float) for w in weights)
    p = _sigmoid(_relu(X @ W1 + b1) @ W2 + b2).reshape(-1)
    return float(np.mean((p > 0.5) == (y == 1)))


def _check_green_red_weights(green_red_weights: Callable) -> None:
    from .. import datasets

    result = _pair(green_red_weights(), "green_red_weights()", "(W1, b1, W2, b2)")
    if len(result) != 4:
        raise CheckFailed(f"`green_red_weights()` should return 4 arrays (W1, b1, W2, b2), got {len(result)}.")
    arrays = []
    for label, value in zip(("W1", "b1", "W2", "b2"), result):
        try:
            arrays.append(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            raise CheckFailed(f"`{label}` is not an array of numbers.") from None
    W1, b1, W2, b2 = arrays
    if W1.ndim != 2 or W1.shape[0] != 2:
        raise CheckFailed(f"W1 has shape {W1.shape}; expected (2, h): 2 inputs (x1, x2), h hidden units.")
    h = W1.shape[1]
    if not 1 <= h <= GREEN_RED_MAX_HIDDEN:
        raise CheckFailed(f"use between 1 and {GREEN_RED_MAX_HIDDEN} hidden units, got {h}.")
    for label, value, shape in (("b1", b1, (h,)), ("W2", W2, (h, 1)), ("b2", b2, (1,))):
        if value.shape != shape:
            raise CheckFailed(f"{label} has shape {value.shape}; with h = {h} hidden units expected {shape}.")
    if not all(np.all(np.isfinite(a)) for a in arrays):
        raise CheckFailed("the weights contain inf or nan.")
    X, y = datasets.make_green_red(400, noise=0.1, random_state=0)
    accuracy = _green_red_accuracy(arrays, X, y)
    if accuracy < GREEN_RED_MIN_ACCURACY:
        raise CheckFailed(
            f"your network classifies {accuracy:.1%} of make_green_red(400, noise=0.1, random_state=0) correctly; "
            f"it needs at least {GREEN_RED_MIN_ACCURACY:.0%}."
        )


# --- 2. dense layers in NumPy -------------------------------------------------------------


def _check_multi_output_perceptron(multi_output_perceptron: Callable) -> None:
    got = multi_output_perceptron(LECTURE_X.copy(), TWO_OUTPUT_W.copy(), TWO_OUTPUT_W0.copy(), _identity)
    expect_array(got, np.array([-6.0, -1.0]), "multi_output_perceptron(x=[-1, 2], 2 outputs, g = identity)")
    got = multi_output_perceptron(LECTURE_X.copy(), TWO_OUTPUT_W.copy(), TWO_OUTPUT_W0.copy(), _sigmoid)
    expect_array(got, _sigmoid(np.array([-6.0, -1.0])), "multi_output_perceptron(x=[-1, 2], 2 outputs, sigmoid)")
    rng = np.random.default_rng(21)
    x, W, w0 = rng.normal(size=3), rng.normal(size=(3, 4)), rng.normal(size=4)
    expected = np.array([w0[i] + sum(x[j] * W[j, i] for j in range(3)) for i in range(4)])
    expect_array(multi_output_perceptron(x, W, w0, np.tanh), np.tanh(expected), "multi_output_perceptron(3 inputs, 4 outputs, tanh)")


def _check_dense_forward(dense_forward: Callable) -> None:
    X = np.array([[-1.0, 2.0], [0.0, 0.0], [2.0, 1.0]])
    expect_array(
        dense_forward(X.copy(), TWO_OUTPUT_W.copy(), TWO_OUTPUT_W0.copy(), _identity),
        X @ TWO_OUTPUT_W + TWO_OUTPUT_W0,
        "dense_forward(3 examples, 2 outputs, g = identity)",
    )
    rng = np.random.default_rng(22)
    X, W, w0 = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    expect_array(dense_forward(X, W, w0, _sigmoid), _sigmoid(X @ W + w0), "dense_forward(5 examples, 3 inputs, 4 outputs, sigmoid)")


# --- 3. dense layers in TensorFlow --------------------------------------------------------


def _check_dense_forward_tf(dense_forward_tf: Callable) -> None:
    import tensorflow as tf

    rng = np.random.default_rng(23)
    X = rng.normal(size=(5, 3)).astype("float32")
    W = rng.normal(size=(3, 2)).astype("float32")
    w0 = rng.normal(size=2).astype("float32")
    W_var = tf.Variable(W)
    with tf.GradientTape() as tape:
        out = dense_forward_tf(tf.constant(X), W_var, tf.constant(w0))
        if out is None:
            raise CheckFailed("`dense_forward_tf` returned None. Did you forget a `return`?")
        if not tf.is_tensor(out):
            raise CheckFailed(
                f"`dense_forward_tf` returned a {type(out).__name__}, expected a TensorFlow tensor: "
                "use tf.matmul and tf.math.sigmoid, not NumPy, so that gradients can flow."
            )
        total = tf.reduce_sum(out)
    expected = _sigmoid(X.astype(float) @ W + w0)
    expect_array(out.numpy(), expected, "dense_forward_tf(X, W, w0)", rtol=1e-5, atol=1e-6)
    grad = tape.gradient(total, W_var)
    if grad is None:
        raise CheckFailed("no gradient flows from the output back to W: keep every step in TensorFlow (no .numpy(), no np.*).")
    expect_array(grad.numpy(), X.T.astype(float) @ (expected * (1 - expected)), "the gradient of sum(output) with respect to W", rtol=1e-4, atol=1e-5)


def _dense_layer_variables(layer: Any, input_dim: int, output_dim: int) -> tuple[Any, Any]:
    """The (W, b) variables of a layer, found by shape (not by attribute name)."""
    variables = list(layer.trainable_weights)
    if len(variables) != 2:
        raise CheckFailed(
            f"the layer has {len(variables)} trainable weights; expected 2 (W and b), "
            "created in build() with self.add_weight(..., trainable=True)."
        )
    shapes = [tuple(int(s) for s in v.shape) for v in variables]
    kernels = [v for v, s in zip(variables, shapes) if s == (input_dim, output_dim)]
    biases = [v for v, s in zip(variables, shapes) if s in ((1, output_dim), (output_dim,))]
    if len(kernels) != 1 or len(biases) != 1 or kernels[0] is biases[0]:
        raise CheckFailed(
            f"with {input_dim} inputs and output_dim={output_dim} the weights have shapes {shapes}; "
            f"expected W of shape ({input_dim}, {output_dim}) and b of shape (1, {output_dim})."
        )
    return kernels[0], biases[0]


def _check_my_dense_layer(MyDenseLayer: Any) -> None:
    import tensorflow as tf

    if not (isinstance(MyDenseLayer, type) and issubclass(MyDenseLayer, tf.keras.layers.Layer)):
        raise CheckFailed("`MyDenseLayer` should be a class that subclasses tf.keras.layers.Layer.")
    rng = np.random.default_rng(24)
    for n, input_dim, output_dim in ((5, 4, 3), (6, 5, 2)):
        layer = MyDenseLayer(output_dim)
        X = rng.normal(size=(n, input_dim)).astype("float32")
        try:
            out = layer(X)
        except NotImplementedError:
            raise
        except Exception as exc:
            if input_dim == 4:  # the first case: let the error show as it is
                raise
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise CheckFailed(
                f"MyDenseLayer({output_dim}) works on 4 inputs but fails on inputs of shape {X.shape} "
                f"({type(exc).__name__}: {first_line[:120]}). Does build() take input_dim from input_shape[-1]?"
            ) from None
        if not tf.is_tensor(out) or tuple(out.shape) != (n, output_dim):
            shape = tuple(out.shape) if hasattr(out, "shape") else type(out).__name__
            raise CheckFailed(
                f"MyDenseLayer({output_dim}) on inputs of shape {X.shape} returned {shape}; expected a tensor of shape {(n, output_dim)}."
            )
        W_var, b_var = _dense_layer_variables(layer, input_dim, output_dim)
        W = rng.normal(size=(input_dim, output_dim)).astype("float32")
        b = rng.normal(size=output_dim).astype("float32")
        W_var.assign(W)
        b_var.assign(b.reshape(tuple(b_var.shape)))
        reference = tf.keras.layers.Dense(output_dim, activation="sigmoid")
        reference.build((None, input_dim))
        reference.set_weights([W, b])
        label = f"MyDenseLayer({output_dim}) with {input_dim} inputs"
        expect_array(np.asarray(layer(X)), np.asarray(reference(X)), f"{label} (compared with Dense(activation='sigmoid'))", rtol=1e-5, atol=1e-6)
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(layer(X))
        grads = tape.gradient(total, [W_var, b_var])
        if any(g is None for g in grads):
            raise CheckFailed(f"{label}: no gradient reaches W or b; compute call() with TensorFlow operations on self.W and self.b.")
    named = MyDenseLayer(1, name="my_named_layer")
    if named.name != "my_named_layer":
        raise CheckFailed("MyDenseLayer(1, name='my_named_layer') ignored the name: pass **kwargs on to super().__init__(**kwargs).")


# --- exercises ----------------------------------------------------------------------------

collapse_linear_layers = Exercise(
    "collapse_linear_layers",
    _check_collapse_linear_layers,
    hint="Expand (X W1 + b1) W2 + b2 = X (W1 W2) + (b1 W2 + b2). Both products are matrix products (@).",
    solution="1. W = W1 @ W2  (shape (n_in, n_out)).\n2. w0 = b1 @ W2 + b2  (shape (n_out,)).\n3. return W, w0.",
)
green_red_weights = Exercise(
    "green_red_weights",
    _check_green_red_weights,
    hint=(
        "|x| = relu(x) + relu(-x). Four hidden units with weight columns [1, 0], [-1, 0], [0, 1], [0, -1] and zero "
        "bias output |x1| and |x2| (split in two). The output z = k·(1.5 - (|x1| + |x2|)) is positive inside a "
        "diamond that holds the green disc and none of the red ring; a large k (say 5) makes it confident."
    ),
    solution=(
        "1. W1 = [[1, -1, 0, 0], [0, 0, 1, -1]], b1 = zeros(4).\n"
        "2. W2 = -k * ones((4, 1)), b2 = [1.5 * k] with k = 5.\n3. return W1, b1, W2, b2."
    ),
)
multi_output_perceptron = Exercise(
    "multi_output_perceptron",
    _check_multi_output_perceptron,
    hint="z_i = w_{0,i} + Σ_j x_j w_{j,i}: the sum over j runs down column i of W, so all outputs at once are x @ W + w0.",
    solution="1. z = x @ W + w0  (shape (d,)).\n2. return g(z).",
)
dense_forward = Exercise(
    "dense_forward",
    _check_dense_forward,
    hint="With examples in the rows of X, X @ W has shape (n, d); adding w0 (shape (d,)) broadcasts it to every row.",
    solution="1. Z = X @ W + w0  (shape (n, d)).\n2. return g(Z).",
)
dense_forward_tf = Exercise(
    "dense_forward_tf",
    _check_dense_forward_tf,
    hint="tf.matmul(X, W) + w0, then tf.math.sigmoid. Stay in TensorFlow (no NumPy) so GradientTape can follow.",
    solution="1. z = tf.matmul(X, W) + w0.\n2. return tf.math.sigmoid(z).",
)
my_dense_layer = Exercise(
    "my_dense_layer",
    _check_my_dense_layer,
    hint=(
        "__init__: super().__init__(**kwargs); keep output_dim. build(input_shape): input_dim = input_shape[-1]; "
        "self.W = self.add_weight(shape=(input_dim, self.output_dim), ...), self.b = self.add_weight(shape=(1, self.output_dim), ...). "
        "call(inputs): tf.math.sigmoid(tf.matmul(inputs, self.W) + self.b)."
    ),
    solution=(
        "1. __init__(self, output_dim, **kwargs): super().__init__(**kwargs); self.output_dim = output_dim.\n"
        "2. build(self, input_shape): input_dim = input_shape[-1]; create self.W, shape (input_dim, output_dim), "
        "initializer 'glorot_uniform', and self.b, shape (1, output_dim), initializer 'zeros', both trainable.\n"
        "3. call(self, inputs): z = tf.matmul(inputs, self.W) + self.b; return tf.math.sigmoid(z)."
    ),
)

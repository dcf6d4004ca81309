"""Checks for the notebook "Introduction to TensorFlow" (lab ``tensorflow_music``, part 1).

MIT 6.S191 Lab 1, part 1, for Keras 3 / TensorFlow 2.16+: tensors and their ranks,
computations as graphs of operations, a dense layer ŷ = σ(xW + b) written by hand,
Keras models (``Sequential`` and subclassed), automatic differentiation with
``tf.GradientTape`` and gradient descent on L(x) = (x - x_f)².

Every check compares with a reference computed here (NumPy, or Keras' own ``Dense``
with the student's weights copied in), by shape, rank, dtype and value within a
tolerance: never with seeded random values. TensorFlow is imported inside the checkers,
so importing this module stays cheap.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from .core import CheckFailed, Exercise, expect_array

Array = np.ndarray

IMAGE_BATCH_SHAPE = (10, 256, 256, 3)
# float32 arithmetic: outputs agree with a float64 reference to about 1e-7 relative.
RTOL, ATOL = 1e-5, 1e-6


def _tf() -> Any:
    import tensorflow as tf

    return tf


def _sigmoid(z: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def _expect_tensor(value: Any, name: str, how: str = "") -> None:
    """Fail unless ``value`` is a TensorFlow tensor (a tf.Variable counts too)."""
    tf = _tf()
    if value is None:
        raise CheckFailed(f"`{name}` is None. Did you forget a `return`?")
    if not tf.is_tensor(value):
        extra = f" {how}" if how else ""
        raise CheckFailed(f"`{name}` should be a TensorFlow tensor, got a {type(value).__name__}.{extra}")


def _rank_of(value: Any) -> int:
    return len(np.shape(np.asarray(value)))


# --- tensors ----------------------------------------------------------------------------


def _check_make_tensors(make_tensors: Callable) -> None:
    tf = _tf()
    got = make_tensors()
    if not isinstance(got, dict):
        raise CheckFailed(f"`make_tensors()` should return a dict, got a {type(got).__name__}.")
    missing = [key for key in ("numbers", "matrix", "images") if key not in got]
    if missing:
        raise CheckFailed(f"`make_tensors()` is missing the key(s) {missing}; expected 'numbers', 'matrix' and 'images'.")
    for key, rank in (("numbers", 1), ("matrix", 2), ("images", 4)):
        value = got[key]
        _expect_tensor(value, f"make_tensors()['{key}']", "Build it with tf.constant or tf.zeros, not NumPy.")
        if int(tf.rank(value)) != rank:
            raise CheckFailed(f"`make_tensors()['{key}']` has rank {int(tf.rank(value))} (shape {tuple(value.shape)}); expected rank {rank}.")
        if not value.dtype.is_floating:
            raise CheckFailed(f"`make_tensors()['{key}']` has dtype {value.dtype.name}; expected floating point numbers.")
    numbers_, matrix, images = got["numbers"], got["matrix"], got["images"]
    if numbers_.dtype != tf.float64:
        raise CheckFailed(f"`make_tensors()['numbers']` has dtype {numbers_.dtype.name}; expected float64: pass tf.float64 to tf.constant.")
    if numbers_.shape[0] < 2:
        raise CheckFailed(f"`make_tensors()['numbers']` has shape {tuple(numbers_.shape)}; it should hold at least 2 numbers.")
    if matrix.shape[0] < 2 or matrix.shape[1] < 2:
        raise CheckFailed(f"`make_tensors()['matrix']` has shape {tuple(matrix.shape)}; it should have at least 2 rows and 2 columns.")
    if tuple(images.shape) != IMAGE_BATCH_SHAPE:
        raise CheckFailed(
            f"`make_tensors()['images']` has shape {tuple(images.shape)}; expected {IMAGE_BATCH_SHAPE} "
            "(batch size, height, width, colour channels)."
        )
    if images.dtype != tf.float32:
        raise CheckFailed(f"`make_tensors()['images']` has dtype {images.dtype.name}; expected float32 (tf.zeros' default).")
    if bool(tf.reduce_any(images != 0)):
        raise CheckFailed("`make_tensors()['images']` should be all zeros (tf.zeros).")


def _check_describe_tensor(describe_tensor: Callable) -> None:
    tf = _tf()
    rng = np.random.default_rng(11)
    cases = [tf.constant(1.41421356237, tf.float64), tf.constant([3.0, 1.5, 2.7]), tf.zeros((4, 2, 3)), tf.zeros(IMAGE_BATCH_SHAPE)]
    cases.append(tf.constant(rng.normal(size=(2, 1, 3, 1, 5)), tf.float32))
    for t in cases:
        expected = (len(t.shape), tuple(int(s) for s in t.shape))
        got = describe_tensor(t)
        if not isinstance(got, tuple) or len(got) != 2:
            raise CheckFailed(f"`describe_tensor` should return a tuple (rank, shape), got {got!r}.")
        rank, shape = got
        if tf.is_tensor(rank) or not isinstance(rank, numbers.Integral) or isinstance(rank, bool):
            raise CheckFailed(
                f"the rank returned by `describe_tensor` should be a Python int, got a {type(rank).__name__}. "
                "tf.rank(t) is a tensor: use int(tf.rank(t)) or tf.rank(t).numpy()."
            )
        if int(rank) != expected[0]:
            raise CheckFailed(f"`describe_tensor` gives rank {int(rank)} for a tensor of shape {expected[1]}; expected {expected[0]}.")
        if not isinstance(shape, tuple) or not all(isinstance(s, numbers.Integral) for s in shape):
            raise CheckFailed(
                f"the shape returned by `describe_tensor` should be a tuple of ints, got a {type(shape).__name__}: {shape!r}. "
                "tuple(t.shape) gives one."
            )
        if tuple(int(s) for s in shape) != expected[1]:
            raise CheckFailed(f"`describe_tensor` gives shape {tuple(shape)}; expected {expected[1]}.")


def _check_slice_tensor(slice_tensor: Callable) -> None:
    tf = _tf()
    rng = np.random.default_rng(12)
    for n_rows, n_cols, i, j in ((3, 4, 1, 2), (5, 2, 0, 1), (2, 6, 1, 5), (4, 4, 3, 0)):
        values = rng.normal(size=(n_rows, n_cols)).astype(np.float32)
        got = slice_tensor(tf.constant(values), i, j)
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            raise CheckFailed("`slice_tensor` should return a tuple of 3 tensors: (row, column, element).")
        row, column, element = got
        where = f"a {n_rows}×{n_cols} matrix, i={i}, j={j}"
        for label, value in (("row", row), ("column", column), ("element", element)):
            _expect_tensor(value, f"slice_tensor(...) {label}", "Index the tensor itself, e.g. matrix[i].")
        expect_array(row, values[i], f"row i of {where}", rtol=0, atol=0)
        expect_array(column, values[:, j], f"column j of {where}", rtol=0, atol=0)
        expect_array(element, values[i, j], f"element (i, j) of {where}", rtol=0, atol=0)


# --- computations -----------------------------------------------------------------------


def _graph_reference(a: Any, b: Any) -> Array:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return (a + b) * (b - 1)


def _check_compute_graph(compute_graph: Callable) -> None:
    tf = _tf()
    got = compute_graph(1.5, 2.5)
    _expect_tensor(got, "compute_graph(1.5, 2.5)", "Use tf.add, tf.subtract and tf.multiply.")
    expect_array(got, 6.0, "compute_graph(1.5, 2.5)", rtol=RTOL, atol=ATOL)
    got = compute_graph(tf.constant(-0.5), tf.constant(3.0))
    _expect_tensor(got, "compute_graph(tf.constant(-0.5), tf.constant(3.0))")
    expect_array(got, _graph_reference(-0.5, 3.0), "compute_graph(tf.constant(-0.5), tf.constant(3.0))", rtol=RTOL, atol=ATOL)
    rng = np.random.default_rng(13)
    a = rng.normal(size=(3, 1)).astype(np.float32)
    b = rng.normal(size=(4,)).astype(np.float32)
    got = compute_graph(tf.constant(a), tf.constant(b))
    _expect_tensor(got, "compute_graph(a of shape (3, 1), b of shape (4,))")
    expect_array(got, _graph_reference(a, b), "compute_graph(a of shape (3, 1), b of shape (4,)) (broadcast)", rtol=RTOL, atol=ATOL)


# --- layers and models ------------------------------------------------------------------


def _trainable_kernel_and_bias(layer: Any, d: int, n: int, name: str) -> tuple[Any, Any]:
    """The (d, n) weight matrix and the n biases of a dense layer or model, found by shape."""
    weights = list(layer.trainable_weights)
    shapes = [tuple(w.shape) for w in weights]
    if len(weights) != 2:
        raise CheckFailed(
            f"{name} should have exactly 2 trainable weights (W and b) for {d} inputs and {n} outputs; "
            f"found {len(weights)} with shapes {shapes}."
        )
    kernels = [w for w in weights if tuple(w.shape) == (d, n)]
    biases = [w for w in weights if tuple(w.shape) in ((n,), (1, n))]
    if len(kernels) != 1 or len(biases) != 1 or kernels[0] is biases[0]:
        raise CheckFailed(
            f"{name} with {d} inputs and {n} outputs should have W of shape ({d}, {n}) and b of shape (1, {n}) "
            f"(or ({n},)); found shapes {shapes}."
        )
    return kernels[0], biases[0]


def _check_dense_output(out: Any, x: Array, W: Array, b: Array, name: str) -> None:
    _expect_tensor(out, name)
    expected = _sigmoid(x @ W + np.reshape(b, (1, -1)))
    expect_array(out, expected, name, rtol=RTOL, atol=ATOL)


def _check_our_dense_layer(layer_class: Callable) -> None:
    tf = _tf()
    if not (isinstance(layer_class, type) and issubclass(layer_class, tf.keras.layers.Layer)):
        raise CheckFailed("`OurDenseLayer` should be a class that subclasses tf.keras.layers.Layer.")
    rng = np.random.default_rng(14)
    for d, n, batch in ((2, 3, 1), (5, 2, 7)):
        layer = layer_class(n)
        x = rng.normal(size=(batch, d)).astype(np.float32)
        out = layer(tf.constant(x))
        name = f"OurDenseLayer({n})(x of shape {(batch, d)})"
        if out is None:
            raise CheckFailed(f"`{name}` returned None. Did `call` forget a `return`?")
        W, b = _trainable_kernel_and_bias(layer, d, n, f"OurDenseLayer({n})")
        if tuple(out.shape) != (batch, n):
            raise CheckFailed(f"`{name}` has shape {tuple(out.shape)}; expected {(batch, n)}.")
        _check_dense_output(out, x, W.numpy(), b.numpy(), name)
        # Keras' own Dense layer with the same weights gives the same output.
        dense = tf.keras.layers.Dense(n, activation="sigmoid")
        dense.build((None, d))
        dense.set_weights([W.numpy(), b.numpy().reshape(n)])
        expect_array(out, dense(x), f"{name} compared with tf.keras.layers.Dense({n}, activation='sigmoid')", rtol=RTOL, atol=ATOL)
        # The output follows the weights: new values of W and b give a new output.
        W.assign(rng.normal(size=W.shape).astype(np.float32))
        b.assign(rng.normal(size=b.shape).astype(np.float32))
        _check_dense_output(layer(tf.constant(x)), x, W.numpy(), b.numpy(), f"{name} after changing W and b")
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(layer(tf.constant(x)))
        grads = tape.gradient(total, [W, b])
        if any(g is None for g in grads):
            raise CheckFailed("no gradient flows from the output of `OurDenseLayer` to W and b: compute the output with TensorFlow operations on self.W and self.b.")


def _dense_layers(model: Any) -> list:
    tf = _tf()
    return [layer for layer in model.layers if isinstance(layer, tf.keras.layers.Dense)]


def _check_build_sequential_model(build_sequential_model: Callable) -> None:
    tf = _tf()
    rng = np.random.default_rng(15)
    for n, d, batch in ((3, 2, 1), (5, 4, 6)):
        model = build_sequential_model(n)
        label = f"build_sequential_model({n})"
        if model is None:
            raise CheckFailed(f"`{label}` returned None. Did you forget a `return`?")
        if not isinstance(model, tf.keras.Sequential):
            raise CheckFailed(f"`{label}` should return a tf.keras.Sequential model, got a {type(model).__name__}.")
        dense = _dense_layers(model)
        if len(model.layers) != 1 or len(dense) != 1:
            raise CheckFailed(f"`{label}` should contain exactly one Dense layer; found layers {[type(l).__name__ for l in model.layers]}.")
        if dense[0].units != n:
            raise CheckFailed(f"the Dense layer of `{label}` has {dense[0].units} units; expected n_output_nodes = {n}.")
        x = rng.normal(size=(batch, d)).astype(np.float32)
        out = model(tf.constant(x))
        name = f"{label}(x of shape {(batch, d)})"
        if tuple(out.shape) != (batch, n):
            raise CheckFailed(f"`{name}` has shape {tuple(out.shape)}; expected {(batch, n)}.")
        W, b = _trainable_kernel_and_bias(model, d, n, label)
        _check_dense_output(out, x, W.numpy(), b.numpy(), f"{name} (a sigmoid Dense layer)")


def _check_model_class(model_class: Any, class_name: str) -> None:
    tf = _tf()
    if not (isinstance(model_class, type) and issubclass(model_class, tf.keras.Model)):
        raise CheckFailed(f"`{class_name}` should be a class that subclasses tf.keras.Model.")


def _check_subclass_model(model_class: Callable) -> None:
    tf = _tf()
    _check_model_class(model_class, "SubclassModel")
    rng = np.random.default_rng(16)
    for n, d, batch in ((3, 2, 1), (4, 6, 5)):
        model = model_class(n)
        x = rng.normal(size=(batch, d)).astype(np.float32)
        out = model(tf.constant(x))
        name = f"SubclassModel({n})(x of shape {(batch, d)})"
        if out is None:
            raise CheckFailed(f"`{name}` returned None. Did `call` forget a `return`?")
        if tuple(out.shape) != (batch, n):
            raise CheckFailed(f"`{name}` has shape {tuple(out.shape)}; expected {(batch, n)}.")
        W, b = _trainable_kernel_and_bias(model, d, n, f"SubclassModel({n})")
        _check_dense_output(out, x, W.numpy(), b.numpy(), f"{name} (a sigmoid Dense layer)")


def _check_identity_model(model_class: Callable) -> None:
    tf = _tf()
    _check_model_class(model_class, "IdentityModel")
    rng = np.random.default_rng(17)
    for n, d, batch in ((3, 2, 1), (2, 5, 4)):
        model = model_class(n)
        x = rng.normal(size=(batch, d)).astype(np.float32)
        name = f"IdentityModel({n})(x of shape {(batch, d)}"
        # The dense output first: the first call builds the model and its Dense layer.
        for kwargs, how in (({}, ") (default isidentity=False)"), ({"isidentity": False}, ", isidentity=False)")):
            out = model(tf.constant(x), **kwargs)
            if out is None:
                raise CheckFailed(f"`{name}{how}` returned None. Did `call` forget a `return`?")
            if tuple(out.shape) != (batch, n):
                raise CheckFailed(f"`{name}{how}` has shape {tuple(out.shape)}; expected {(batch, n)} (the Dense layer's output).")
            W, b = _trainable_kernel_and_bias(model, d, n, f"IdentityModel({n})")
            _check_dense_output(out, x, W.numpy(), b.numpy(), f"{name}{how}")
        out = model(tf.constant(x), isidentity=True)
        if out is None:
            raise CheckFailed(f"`{name}, isidentity=True)` returned None. Did `call` forget a `return`?")
        expect_array(out, x, f"{name}, isidentity=True) (the inputs, unchanged)", rtol=0, atol=0)


# --- automatic differentiation -----------------------------------------------------------


def _check_derivative_of_square(derivative_of_square: Callable) -> None:
    tf = _tf()
    cases = [
        (3.0, "derivative_of_square(3.0)"),
        (-1.25, "derivative_of_square(-1.25)"),
        (4, "derivative_of_square(4) (an int)"),
        (tf.Variable(0.7), "derivative_of_square(tf.Variable(0.7))"),
        (tf.constant([1.5, -3.0, 0.25]), "derivative_of_square(tf.constant([1.5, -3.0, 0.25]))"),
    ]
    for x, name in cases:
        value = np.asarray(x.numpy() if tf.is_tensor(x) else x, dtype=float)
        got = derivative_of_square(x)
        if got is None:
            raise CheckFailed(
                f"`{name}` returned None. tape.gradient(y, x) is None when the tape did not watch x: "
                "make x a tf.Variable (or call tape.watch(x)) and compute y inside the `with` block."
            )
        expect_array(got, 2 * value, f"{name} (dy/dx of y = x² is 2x)", inputs=value, rtol=1e-5, atol=1e-6)


def _history(minimize_function: Callable, x_f: float, learning_rate: float, n_steps: int, x0: float) -> Array:
    name = f"minimize_function(x_f={x_f:g}, learning_rate={learning_rate:g}, n_steps={n_steps}, x0={x0:g})"
    got = minimize_function(x_f, learning_rate, n_steps, x0)
    if got is None:
        raise CheckFailed(f"`{name}` returned None. Did you forget a `return`?")
    try:
        history = np.asarray([np.asarray(v, dtype=float) for v in got], dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(f"`{name}` should return a list of {n_steps} numbers, got {type(got).__name__}.") from None
    if history.size == n_steps and history.ndim > 1:
        history = history.reshape(n_steps)  # e.g. a list of arrays of shape (1,)
    if history.shape != (n_steps,):
        raise CheckFailed(
            f"`{name}` has shape {history.shape}; expected ({n_steps},): the value of x after each of the {n_steps} steps "
            "(x0 itself is not included)."
        )
    if not np.all(np.isfinite(history)):
        raise CheckFailed(f"`{name}` contains inf or nan: did x move away from x_f? The update is x - learning_rate * dL/dx.")
    return history


def _expected_history(x_f: float, learning_rate: float, n_steps: int, x0: float) -> Array:
    # x_{k+1} - x_f = (1 - 2·lr)(x_k - x_f), from x_{k+1} = x_k - lr · 2(x_k - x_f)
    return x_f + (1 - 2 * learning_rate) ** np.arange(1, n_steps + 1) * (x0 - x_f)


def _check_minimize_function(minimize_function: Callable) -> None:
    x_f, lr, x0 = 4.0, 0.1, -1.0
    history = _history(minimize_function, x_f, lr, 5, x0)
    first = x0 - lr * 2 * (x0 - x_f)
    if not np.isclose(history[0], first, rtol=1e-5, atol=1e-5):
        raise CheckFailed(
            f"after one step from x0 = {x0:g} (x_f = {x_f:g}, learning_rate = {lr:g}) x should be "
            f"x0 - lr · 2(x0 - x_f) = {first:g}, got {history[0]:.6g}."
        )
    expect_array(history, _expected_history(x_f, lr, 5, x0), "the trajectory of x (5 steps from -1 towards 4)", rtol=1e-4, atol=1e-4)
    x_f, lr, x0 = -2.0, 0.05, 3.0
    history = _history(minimize_function, x_f, lr, 120, x0)
    distance = np.abs(history - x_f)
    if np.any(np.diff(distance) > 1e-6):
        raise CheckFailed("with a small learning rate (0.05) x should get closer to x_f at every step.")
    if distance[-1] > 1e-3:
        raise CheckFailed(f"after 120 steps with learning rate 0.05 x should be within 1e-3 of x_f = {x_f:g}; got {history[-1]:.6g}.")
    expect_array(history, _expected_history(x_f, lr, 120, x0), "the trajectory of x (120 steps from 3 towards -2)", rtol=1e-4, atol=1e-4)


# --- the exercises --------------------------------------------------------------------


make_tensors = Exercise(
    "make_tensors",
    _check_make_tensors,
    hint=(
        "tf.constant([...], tf.float64) builds a tensor from a (nested) list: one level of brackets for rank 1, "
        "two for a matrix. tf.zeros([10, 256, 256, 3]) builds the image batch."
    ),
    solution=(
        "1. numbers = tf.constant([3.141592, 1.414213, 2.71821], tf.float64).\n"
        "2. matrix = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), a list of rows.\n"
        "3. images = tf.zeros([10, 256, 256, 3]).\n4. return {'numbers': numbers, 'matrix': matrix, 'images': images}."
    ),
)
describe_tensor = Exercise(
    "describe_tensor",
    _check_describe_tensor,
    hint="The rank is the number of dimensions: tf.rank(t) (a tensor; convert with int(...)). tuple(t.shape) is the shape.",
    solution="1. rank = int(tf.rank(t)).\n2. shape = tuple(t.shape).\n3. return rank, shape.",
)
slice_tensor = Exercise(
    "slice_tensor",
    _check_slice_tensor,
    hint="Tensors slice like NumPy arrays: matrix[i] is row i, matrix[:, j] is column j, matrix[i, j] one element.",
    solution="return matrix[i], matrix[:, j], matrix[i, j].",
)
compute_graph = Exercise(
    "compute_graph",
    _check_compute_graph,
    hint="Follow the graph node by node: c from a and b, d from b alone, e from c and d. tf.add, tf.subtract, tf.multiply always return tensors.",
    solution="1. c = tf.add(a, b).\n2. d = tf.subtract(b, 1).\n3. e = tf.multiply(c, d).\n4. return e.",
)
OurDenseLayer = Exercise(
    "OurDenseLayer",
    _check_our_dense_layer,
    hint=(
        "In build, d = input_shape[-1]; W has shape (d, n_output_nodes) and b shape (1, n_output_nodes), both from "
        "self.add_weight(shape=...). In call: tf.math.sigmoid(tf.matmul(x, self.W) + self.b)."
    ),
    solution=(
        "1. build: d = int(input_shape[-1]); self.W = self.add_weight(shape=(d, n), initializer='random_normal', trainable=True, name='W');\n"
        "   self.b = self.add_weight(shape=(1, n), initializer='zeros', trainable=True, name='b').\n"
        "2. call: z = tf.matmul(x, self.W) + self.b; return tf.math.sigmoid(z)."
    ),
)
build_sequential_model = Exercise(
    "build_sequential_model",
    _check_build_sequential_model,
    hint="tf.keras.Sequential([...]) takes a list of layers; here one tf.keras.layers.Dense with n_output_nodes units and activation='sigmoid'.",
    solution="1. dense = tf.keras.layers.Dense(n_output_nodes, activation='sigmoid').\n2. return tf.keras.Sequential([dense]).",
)
SubclassModel = Exercise(
    "SubclassModel",
    _check_subclass_model,
    hint="Create the Dense layer in __init__ (after super().__init__()) and store it on self; call applies it to the inputs.",
    solution=(
        "1. __init__: self.dense_layer = tf.keras.layers.Dense(n_output_nodes, activation='sigmoid').\n"
        "2. call: return self.dense_layer(inputs)."
    ),
)
IdentityModel = Exercise(
    "IdentityModel",
    _check_identity_model,
    hint="In call, `if isidentity: return inputs`; otherwise return self.dense_layer(inputs).",
    solution="1. if isidentity: return inputs unchanged.\n2. else: return self.dense_layer(inputs).",
)
derivative_of_square = Exercise(
    "derivative_of_square",
    _check_derivative_of_square,
    hint=(
        "x = tf.Variable(x_value, dtype=tf.float32); then `with tf.GradientTape() as tape: y = x * x`; "
        "after the block, tape.gradient(y, x) is dy/dx."
    ),
    solution=(
        "1. x = tf.Variable(x_value, dtype=tf.float32).\n2. with tf.GradientTape() as tape: y = x * x.\n"
        "3. return tape.gradient(y, x)."
    ),
)
minimize_function = Exercise(
    "minimize_function",
    _check_minimize_function,
    hint=(
        "Keep x in a tf.Variable. Each step: compute L = (x - x_f)**2 inside a GradientTape, grad = tape.gradient(L, x), "
        "then x.assign(x - learning_rate * grad) and append float(x) to the history."
    ),
    solution=(
        "1. x = tf.Variable(x0, dtype=tf.float32); history = [].\n"
        "2. repeat n_steps times: with a tape, loss = (x - x_f)**2; grad = tape.gradient(loss, x);\n"
        "   x.assign(x - learning_rate * grad); history.append(float(x)).\n3. return history."
    ),
)

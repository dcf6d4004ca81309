"""Checks for the notebook "Quantifying loss and training" (04_losses_and_training).

Lecture notation: the loss of one example is L(f(x⁽ⁱ⁾; W), y⁽ⁱ⁾); the empirical loss is
J(W) = 1/n Σᵢ L(f(x⁽ⁱ⁾; W), y⁽ⁱ⁾). Binary cross-entropy
J(W) = -1/n Σᵢ y⁽ⁱ⁾ log f(x⁽ⁱ⁾; W) + (1 - y⁽ⁱ⁾) log(1 - f(x⁽ⁱ⁾; W)); gradient descent
W ← W - η ∂J/∂W. The model trained in the notebook is one sigmoid perceptron,
f(x; W) = σ(w0 + xᵀW) (logistic regression) on the "Will I pass this class?" data.

The visible checks use the lecture's table (X = [[4, 5], [2, 1], [5, 8]], f(x) = [0.1, 0.8, 0.6],
y = [1, 0, 0]) and a few fixed inputs. TensorFlow is imported inside the checkers only.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .core import CheckFailed, Exercise, expect_array, expect_no_warnings

Array = np.ndarray

EPSILON = 1e-7  # Keras' clipping constant (tf.keras.backend.epsilon())
TABLE_X = np.array([[4.0, 5.0], [2.0, 1.0], [5.0, 8.0]])
TABLE_F = np.array([0.1, 0.8, 0.6])
TABLE_Y = np.array([1.0, 0.0, 0.0])
HIDDEN_UNITS = 128  # width of the two hidden layers of build_big_model() in the notebook
LOGITS = np.array([-1000.0, -20.0, -3.0, -0.5, 0.0, 0.5, 3.0, 20.0, 1000.0])
LOGIT_LABELS = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])


# --- references (NumPy, float64) ----------------------------------------------------


def _bce(y: Array, f: Array) -> float:
    y = np.asarray(y, dtype=float)
    f = np.clip(np.asarray(f, dtype=float), EPSILON, 1.0 - EPSILON)
    return float(-np.mean(y * np.log(f) + (1.0 - y) * np.log(1.0 - f)))


def _bce_logits(y: Array, z: Array) -> float:
    y, z = np.asarray(y, dtype=float), np.asarray(z, dtype=float)
    return float(np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def _sigmoid(z: Array) -> Array:
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _logistic_loss_and_grads(W: Array, w0: Array, X: Array, y: Array) -> tuple[float, Array, Array]:
    """J(W), ∂J/∂W (shape (m, 1)) and ∂J/∂w0 (shape (1,)) for f = σ(w0 + X W) and binary cross-entropy."""
    W, w0, X, y = (np.asarray(a, dtype=float) for a in (W, w0, X, y))
    z = w0 + X @ W  # (n, 1)
    f = _sigmoid(z)
    residual = f - y  # ∂L/∂z for each example
    return _bce_logits(y, z), X.T @ residual / len(X), np.mean(residual, axis=0)


def _scalar(value: Any, name: str) -> float:
    """The student's answer as one float, with a precise message when it is not one number."""
    if value is None:
        raise CheckFailed(f"`{name}` returned None. Did you forget a `return`?")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailed(f"`{name}` returned a {type(value).__name__}, expected one number.") from None
    if array.ndim != 0:
        raise CheckFailed(
            f"`{name}` returned an array of shape {array.shape}; expected one number, "
            "the mean over all examples (np.mean averages over every entry)."
        )
    return float(array)


def _keras_loss(kind: str, y: Array, f: Array, **kwargs: Any) -> float:
    import tensorflow as tf

    loss = {"bce": tf.keras.losses.BinaryCrossentropy, "mse": tf.keras.losses.MeanSquaredError}[kind](**kwargs)
    return float(loss(y.astype("float32"), f.astype("float32")))


# --- losses ---------------------------------------------------------------------------


def _check_binary_cross_entropy(binary_cross_entropy: Callable) -> None:
    got = _scalar(binary_cross_entropy(TABLE_Y.copy(), TABLE_F.copy()), "binary_cross_entropy(y, f) for the lecture's table")
    expect_array(got, _bce(TABLE_Y, TABLE_F), "binary_cross_entropy(y, f) for the lecture's table", rtol=1e-6)
    y_edge, f_edge = np.array([1.0, 0.0, 1.0, 0.0]), np.array([0.0, 1.0, 1.0, 0.0])
    got = expect_no_warnings(lambda: binary_cross_entropy(y_edge.copy(), f_edge.copy()), "binary_cross_entropy with predictions of exactly 0 and 1")
    got = _scalar(got, "binary_cross_entropy(y=[1, 0, 1, 0], f=[0, 1, 1, 0])")
    # float64 gives 8.059; Keras (float32, where 1 - 1e-7 rounds) gives 8.015: both are fine.
    expect_array(got, _bce(y_edge, f_edge), "binary_cross_entropy(y=[1, 0, 1, 0], f=[0, 1, 1, 0]) (clipped to [1e-7, 1 - 1e-7])", rtol=1e-2)
    rng = np.random.default_rng(7)
    y, f = rng.integers(0, 2, size=(5, 4)).astype(float), rng.uniform(0.02, 0.98, size=(5, 4))
    got = _scalar(binary_cross_entropy(y.copy(), f.copy()), "binary_cross_entropy(y, f) on a (5, 4) batch")
    expect_array(got, _keras_loss("bce", y, f), "binary_cross_entropy(y, f) on a (5, 4) batch, compared with tf.keras.losses.BinaryCrossentropy()", rtol=1e-5)


def _check_mean_squared_error(mean_squared_error: Callable) -> None:
    got = _scalar(mean_squared_error(TABLE_Y.copy(), TABLE_F.copy()), "mean_squared_error(y, f) for the lecture's table")
    expect_array(got, np.mean((TABLE_Y - TABLE_F) ** 2), "mean_squared_error(y, f) for the lecture's table", rtol=1e-6)
    rng = np.random.default_rng(8)
    y, f = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    got = _scalar(mean_squared_error(y.copy(), f.copy()), "mean_squared_error(y, f) on a (6, 3) batch")
    expect_array(got, _keras_loss("mse", y, f), "mean_squared_error(y, f) on a (6, 3) batch, compared with tf.keras.losses.MeanSquaredError()", rtol=1e-5)


def _check_binary_cross_entropy_from_logits(bce_from_logits: Callable) -> None:
    name = "binary_cross_entropy_from_logits(y, z)"
    got = expect_no_warnings(lambda: bce_from_logits(LOGIT_LABELS.copy(), LOGITS.copy()), f"{name} at z = ±1000")
    got = _scalar(got, f"{name} with z from -1000 to 1000")
    expect_array(got, _bce_logits(LOGIT_LABELS, LOGITS), f"{name} with z from -1000 to 1000 (the exact loss, no clipping)", rtol=1e-7)
    for z, y in ((np.array([-1000.0]), np.array([1.0])), (np.array([1000.0]), np.array([0.0]))):
        got = _scalar(expect_no_warnings(lambda: bce_from_logits(y.copy(), z.copy()), f"{name} at z = {z[0]:g}"), name)
        expect_array(got, 1000.0, f"{name} for y = {y[0]:g}, z = {z[0]:g}", rtol=1e-7)
    rng = np.random.default_rng(9)
    y, z = rng.integers(0, 2, size=(4, 5)).astype(float), rng.normal(scale=4.0, size=(4, 5))
    got = _scalar(bce_from_logits(y.copy(), z.copy()), f"{name} on a (4, 5) batch")
    expect_array(got, _keras_loss("bce", y, z, from_logits=True), f"{name} on a (4, 5) batch, compared with tf.keras.losses.BinaryCrossentropy(from_logits=True)", rtol=1e-5)


# --- gradients and gradient descent ---------------------------------------------------------


LECTURE_W = np.array([[0.1], [-0.2]])
LECTURE_W0 = np.array([0.05])


def _check_bce_gradient(bce_gradient: Callable) -> None:
    cases = [(LECTURE_W, LECTURE_W0, TABLE_X, TABLE_Y.reshape(-1, 1), "the lecture's table")]
    rng = np.random.default_rng(10)
    cases.append((rng.normal(size=(3, 1)), rng.normal(size=1), rng.normal(size=(7, 3)), rng.integers(0, 2, size=(7, 1)).astype(float), "7 random examples with 3 features"))
    for W, w0, X, y, label in cases:
        result = bce_gradient(W.copy(), w0.copy(), X.copy(), y.copy())
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise CheckFailed("`bce_gradient` should return a pair (dJ_dW, dJ_dw0).")
        _, dW, dw0 = _logistic_loss_and_grads(W, w0, X, y)
        expect_array(result[0], dW, f"dJ_dW for {label}", rtol=1e-6, atol=1e-9)
        expect_array(result[1], dw0, f"dJ_dw0 for {label}", rtol=1e-6, atol=1e-9)


def _check_gradient_descent_step(gradient_descent_step: Callable) -> None:
    import tensorflow as tf

    X, y = TABLE_X.astype("float32"), TABLE_Y.reshape(-1, 1).astype("float32")
    W_before, w0_before = LECTURE_W.astype("float32"), LECTURE_W0.astype("float32")
    J, dW, dw0 = _logistic_loss_and_grads(W_before, w0_before, X, y)
    learning_rate = 0.01
    W, w0 = tf.Variable(W_before), tf.Variable(w0_before)
    loss = gradient_descent_step(W, w0, tf.constant(X), tf.constant(y), learning_rate)
    if np.array_equal(W.numpy(), W_before) and np.array_equal(w0.numpy(), w0_before):
        raise CheckFailed(
            "after `gradient_descent_step` the variables W and w0 are unchanged. Update them in place "
            "with `W.assign_sub(...)` (assigning `W = W - ...` only changes a local name)."
        )
    loss = _scalar(loss, "gradient_descent_step(...) (the loss J(W))")
    expect_array(W.numpy(), W_before - learning_rate * dW, "W after one step W ← W - η ∂J/∂W (lecture's table, η = 0.01)", rtol=1e-4, atol=1e-6)
    expect_array(w0.numpy(), w0_before - learning_rate * dw0, "w0 after one step w0 ← w0 - η ∂J/∂w0 (lecture's table, η = 0.01)", rtol=1e-4, atol=1e-6)
    if not np.isclose(loss, J, rtol=1e-4):
        J_after = _logistic_loss_and_grads(W.numpy(), w0.numpy(), X, y)[0]
        when = " It looks like the loss after the update: return the loss computed before it." if np.isclose(loss, J_after, rtol=1e-4) else ""
        raise CheckFailed(f"`gradient_descent_step` returned the loss {loss:.6g}; the binary cross-entropy J(W) before the update is {J:.6g}.{when}")
    J_after = _logistic_loss_and_grads(W.numpy(), w0.numpy(), X, y)[0]
    if not J_after < J:
        raise CheckFailed(f"one step with η = 0.01 should lower the loss on the lecture's table: {J:.6g} before, {J_after:.6g} after.")


# --- mini-batches -------------------------------------------------------------------------


def _batch_list(minibatches: Callable, X: Array, y: Array, batch_size: int, rng: np.random.Generator) -> list[tuple[Array, Array]]:
    result = minibatches(X.copy(), y.copy(), batch_size, rng)
    if result is None:
        raise CheckFailed("`minibatches` returned None. Return a list of (X_batch, y_batch) pairs, or `yield` them.")
    batches = list(result)
    for item in batches:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise CheckFailed(f"each mini-batch should be a pair (X_batch, y_batch), got a {type(item).__name__}.")
    return [(np.asarray(Xb), np.asarray(yb)) for Xb, yb in batches]


def _order(batches: list[tuple[Array, Array]]) -> list[int]:
    """The example ids (X[i] = [2i, 2i + 1]) in the order the batches give them."""
    return [int(row[0]) // 2 for Xb, _ in batches for row in Xb]


def _check_minibatches(minibatches: Callable) -> None:
    n = 10
    X, y = np.arange(2 * n, dtype=float).reshape(n, 2), 10 * np.arange(n)
    batches = _batch_list(minibatches, X, y, 4, np.random.default_rng(0))
    sizes = [len(Xb) for Xb, _ in batches]
    if sizes != [4, 4, 2]:
        raise CheckFailed(f"10 examples in batches of 4 should give batch sizes [4, 4, 2] (the last one partial), got {sizes}.")
    for Xb, yb in batches:
        if Xb.shape[1:] != (2,) or yb.shape != (len(Xb),):
            raise CheckFailed(f"a batch of X should have shape (batch_size, 2) and of y (batch_size,), got {Xb.shape} and {yb.shape}.")
        if not np.array_equal(yb, 5 * Xb[:, 0]):
            raise CheckFailed("the rows of X_batch and y_batch do not match: shuffle X and y with the same permutation of indices.")
    order = _order(batches)
    if sorted(order) != list(range(n)):
        raise CheckFailed(f"every example should appear exactly once per epoch; the batches hold examples {order}.")
    if order == list(range(n)):
        raise CheckFailed("the batches are in the original order: shuffle first, with `rng.permutation(len(X))`.")
    again = _order(_batch_list(minibatches, X, y, 4, np.random.default_rng(0)))
    if again != order:
        raise CheckFailed("two calls with the same seed gave different batches: shuffle with the `rng` passed in, not np.random.")
    rng = np.random.default_rng(1)
    first, second = (_order(_batch_list(minibatches, X, y, 4, rng)) for _ in range(2))
    if first == second:
        raise CheckFailed("two epochs with the same generator `rng` gave the same order: draw the permutation from the `rng` passed in (do not create a new one).")
    one = _batch_list(minibatches, X, y, 32, np.random.default_rng(2))
    if [len(Xb) for Xb, _ in one] != [n]:
        raise CheckFailed(f"with batch_size larger than the data set there should be one batch of all {n} examples, got sizes {[len(Xb) for Xb, _ in one]}.")


# --- overfitting and regularization ---------------------------------------------------------


def _describe(layers: list[Any]) -> str:
    names = []
    for layer in layers:
        config = layer.get_config()
        if "units" in config:
            names.append(f"Dense({config['units']}, {config.get('activation')})")
        elif "rate" in config:
            names.append(f"Dropout({config['rate']:g})")
        else:
            names.append(type(layer).__name__)
    return "[" + ", ".join(names) + "]"


def _check_build_regularized_model(build_regularized_model: Callable) -> None:
    import tensorflow as tf

    for rate in (0.3, 0.5):
        model = build_regularized_model(rate)
        if not isinstance(model, tf.keras.Model):
            raise CheckFailed(f"`build_regularized_model` should return a Keras model, got {type(model).__name__}.")
        x = np.linspace(-2.0, 2.0, 16, dtype="float32").reshape(-1, 1)
        out = np.asarray(model(x, training=False))
        if out.shape != (16, 1):
            raise CheckFailed(f"the model maps inputs of shape (16, 1) to shape {out.shape}; expected (16, 1).")
        layers = [layer for layer in model.layers if isinstance(layer, (tf.keras.layers.Dense, tf.keras.layers.Dropout))]
        expected = [
            ("Dense", HIDDEN_UNITS, "relu"), ("Dropout", rate, None),
            ("Dense", HIDDEN_UNITS, "relu"), ("Dropout", rate, None),
            ("Dense", 1, "linear"),
        ]
        found = []
        for layer in layers:
            config = layer.get_config()
            if isinstance(layer, tf.keras.layers.Dense):
                found.append(("Dense", config["units"], config.get("activation")))
            else:
                found.append(("Dropout", float(config["rate"]), None))
        same = len(found) == len(expected) and all(
            f[0] == e[0] and np.isclose(f[1], e[1]) and f[2] == e[2] for f, e in zip(found, expected)
        )
        if not same:
            raise CheckFailed(
                f"with dropout_rate={rate} the layers are {_describe(layers)}; expected "
                f"[Dense({HIDDEN_UNITS}, relu), Dropout({rate}), Dense({HIDDEN_UNITS}, relu), Dropout({rate}), Dense(1, linear)]: "
                "the big model with a Dropout layer after each hidden Dense layer, none after the output."
            )
    if np.allclose(np.asarray(model(x, training=True)), out):
        raise CheckFailed("the model gives the same output with training=True: its Dropout layers drop nothing.")


def _check_early_stopping_callback(early_stopping_callback: Callable) -> None:
    import tensorflow as tf

    for patience in (7, 3):
        callback = early_stopping_callback(patience)
        if not isinstance(callback, tf.keras.callbacks.EarlyStopping):
            raise CheckFailed(f"`early_stopping_callback` should return a tf.keras.callbacks.EarlyStopping, got {type(callback).__name__}.")
        if callback.monitor != "val_loss":
            raise CheckFailed(f"the callback monitors {callback.monitor!r}; it should watch the validation loss, monitor='val_loss'.")
        if callback.patience != patience:
            raise CheckFailed(f"early_stopping_callback({patience}) has patience={callback.patience}; use the argument.")
        if callback.restore_best_weights is not True:
            raise CheckFailed("set restore_best_weights=True, so that the model ends with the weights of its best epoch, not its last.")
        if getattr(callback, "mode", "auto") not in ("auto", "min"):
            raise CheckFailed(f"mode={callback.mode!r}: a loss is better when lower, use mode='min' (or leave the default 'auto').")


binary_cross_entropy = Exercise(
    "binary_cross_entropy",
    _check_binary_cross_entropy,
    hint=(
        "Clip first: f = np.clip(y_pred, 1e-7, 1 - 1e-7), so log never sees 0. Then "
        "J = -mean(y log f + (1 - y) log(1 - f)): one number, the mean over every entry."
    ),
    solution=(
        "1. f = np.clip(y_pred as floats, eps, 1 - eps) with eps = 1e-7.\n"
        "2. per-example loss L = -(y * log(f) + (1 - y) * log(1 - f)).\n3. return the mean of L."
    ),
)
mean_squared_error = Exercise(
    "mean_squared_error",
    _check_mean_squared_error,
    hint="J = 1/n Σ (y - ŷ)²: square the differences, then take the mean (not the sum, not a square root).",
    solution="return np.mean((y_true - y_pred) ** 2).",
)
binary_cross_entropy_from_logits = Exercise(
    "binary_cross_entropy_from_logits",
    _check_binary_cross_entropy_from_logits,
    hint=(
        "Do not compute σ(z) first. Use L = max(z, 0) - z·y + log(1 + e^(-|z|)): the exponent is never positive, "
        "and np.log1p keeps log(1 + tiny) accurate."
    ),
    solution="return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))).",
)
bce_gradient = Exercise(
    "bce_gradient",
    _check_bce_gradient,
    hint=(
        "With f = σ(w0 + X W) the chain rule gives ∂L/∂z = f - y for each example. Then "
        "∂J/∂W = Xᵀ(f - y) / n (shape (m, 1)) and ∂J/∂w0 = the mean of (f - y) (shape (1,))."
    ),
    solution=(
        "1. z = w0 + X @ W; f = σ(z) (stable sigmoid).\n2. r = f - y, shape (n, 1).\n"
        "3. return X.T @ r / n, r.mean(axis=0)."
    ),
)
gradient_descent_step = Exercise(
    "gradient_descent_step",
    _check_gradient_descent_step,
    hint=(
        "Inside `with tf.GradientTape() as tape:` compute z = w0 + X @ W and the mean binary cross-entropy of σ(z) "
        "(e.g. tf.keras.losses.BinaryCrossentropy(from_logits=True)(y, z)). Then tape.gradient(J, [W, w0]), "
        "W.assign_sub(learning_rate * dW), the same for w0, and return J."
    ),
    solution=(
        "1. with tf.GradientTape() as tape: z = w0 + tf.matmul(X, W); J = mean binary cross-entropy of (y, z).\n"
        "2. dW, dw0 = tape.gradient(J, [W, w0]).\n3. W.assign_sub(learning_rate * dW); w0.assign_sub(learning_rate * dw0).\n"
        "4. return J."
    ),
)
minibatches = Exercise(
    "minibatches",
    _check_minibatches,
    hint=(
        "order = rng.permutation(len(X)); then for start in range(0, len(X), batch_size): "
        "idx = order[start:start + batch_size] gives X[idx], y[idx]. Slicing past the end just gives a shorter last batch."
    ),
    solution=(
        "1. order = rng.permutation(len(X)) (one shuffle per call, i.e. per epoch).\n"
        "2. for each start in range(0, len(X), batch_size): idx = order[start:start + batch_size].\n"
        "3. collect (X[idx], y[idx]) in a list and return it (or yield each pair)."
    ),
)
build_regularized_model = Exercise(
    "build_regularized_model",
    _check_build_regularized_model,
    hint=(
        "Copy build_big_model() and insert tf.keras.layers.Dropout(dropout_rate) right after each of the two "
        f"hidden Dense({HIDDEN_UNITS}, activation='relu') layers; the output layer Dense(1) stays last."
    ),
    solution=(
        "tf.keras.Sequential([Input(shape=(1,)), Dense(128, relu), Dropout(dropout_rate), "
        "Dense(128, relu), Dropout(dropout_rate), Dense(1)])."
    ),
)
early_stopping_callback = Exercise(
    "early_stopping_callback",
    _check_early_stopping_callback,
    hint="tf.keras.callbacks.EarlyStopping takes monitor=, patience= and restore_best_weights=.",
    solution="return tf.keras.callbacks.EarlyStopping(monitor='val_loss', patience=patience, restore_best_weights=True).",
)

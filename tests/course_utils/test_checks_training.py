"""Each check of the losses-and-training notebook passes a correct answer and catches the common mistakes."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
import tensorflow as tf

from course_utils.checks import NOT_ATTEMPTED, PASSED, WRONG
from course_utils.checks import training as ex

EPS = 1e-7


def stub(*args, **kwargs):
    raise NotImplementedError


def stable_sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# --- reference answers ------------------------------------------------------------------------


def bce(y_true, y_pred):
    f = np.clip(np.asarray(y_pred, dtype=float), EPS, 1 - EPS)
    return np.mean(-(y_true * np.log(f) + (1 - y_true) * np.log(1 - f)))


def bce_logits(y_true, z):
    z = np.asarray(z, dtype=float)
    return np.mean(np.maximum(z, 0) - z * y_true + np.log1p(np.exp(-np.abs(z))))


def bce_gradient(W, w0, X, y):
    r = stable_sigmoid(w0 + X @ W) - y
    return X.T @ r / len(X), r.mean(axis=0)


def make_step(loss="logits", sign=-1.0, return_after=False, update_bias=True, local_only=False):
    def step(W, w0, X, y, learning_rate):
        with tf.GradientTape() as tape:
            z = w0 + tf.matmul(X, W)
            if loss == "logits":
                J = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))
            elif loss == "probabilities":
                J = tf.keras.losses.BinaryCrossentropy()(y, tf.sigmoid(z))
            else:  # mse
                J = tf.reduce_mean((tf.sigmoid(z) - y) ** 2)
        dW, dw0 = tape.gradient(J, [W, w0])
        if local_only:
            W = W - learning_rate * dW  # rebinds a local name: the caller's variable is unchanged
            return J
        W.assign_add(sign * learning_rate * dW)
        if update_bias:
            w0.assign_add(sign * learning_rate * dw0)
        if return_after:
            return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=w0 + tf.matmul(X, W)))
        return J

    return step


def minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    return [(X[order[i : i + batch_size]], y[order[i : i + batch_size]]) for i in range(0, len(X), batch_size)]


def minibatches_generator(X, y, batch_size, rng):
    order = np.arange(len(X))
    rng.shuffle(order)
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def regularized_model(dropout_rate=0.3, dropout_after_output=False, hidden_dropout=True, fixed_rate=None):
    rate = dropout_rate if fixed_rate is None else fixed_rate
    layers = [tf.keras.Input(shape=(1,))]
    for _ in range(2):
        layers.append(tf.keras.layers.Dense(ex.HIDDEN_UNITS, activation="relu"))
        if hidden_dropout:
            layers.append(tf.keras.layers.Dropout(rate))
    layers.append(tf.keras.layers.Dense(1))
    if dropout_after_output:
        layers.append(tf.keras.layers.Dropout(rate))
    return tf.keras.Sequential(layers)


def functional_regularized_model(dropout_rate=0.3):
    inputs = tf.keras.Input(shape=(1,))
    h = tf.keras.layers.Dropout(dropout_rate)(tf.keras.layers.Dense(ex.HIDDEN_UNITS, activation="relu")(inputs))
    h = tf.keras.layers.Dropout(dropout_rate)(tf.keras.layers.Dense(ex.HIDDEN_UNITS, activation="relu")(h))
    return tf.keras.Model(inputs, tf.keras.layers.Dense(1)(h))


def early_stopping(patience=10):
    return tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)


CORRECT = [
    (ex.binary_cross_entropy, (bce,), "numpy"),
    (ex.binary_cross_entropy, (lambda y, f: float(tf.keras.losses.BinaryCrossentropy()(y, f)),), "keras float32"),
    (ex.mean_squared_error, (lambda y, f: np.mean((y - f) ** 2),), "numpy"),
    (ex.binary_cross_entropy_from_logits, (bce_logits,), "numpy"),
    (ex.bce_gradient, (bce_gradient,), "numpy"),
    (ex.gradient_descent_step, (make_step("logits"),), "logits"),
    (ex.gradient_descent_step, (make_step("probabilities"),), "probabilities"),
    (ex.minibatches, (minibatches,), "list"),
    (ex.minibatches, (minibatches_generator,), "generator"),
    (ex.build_regularized_model, (regularized_model,), "sequential"),
    (ex.build_regularized_model, (functional_regularized_model,), "functional"),
    (ex.early_stopping_callback, (early_stopping,), "keras"),
]


def naive_bce(y, f):
    return -np.mean(y * np.log(f) + (1 - y) * np.log(1 - f))


def no_seed_minibatches(X, y, batch_size, rng):
    return minibatches(X, y, batch_size, np.random.default_rng())


def reseeded_minibatches(X, y, batch_size, rng):
    return minibatches(X, y, batch_size, np.random.default_rng(0))


def drop_last_minibatches(X, y, batch_size, rng):
    order = rng.permutation(len(X))
    return [(X[order[i : i + batch_size]], y[order[i : i + batch_size]]) for i in range(0, len(X) - batch_size + 1, batch_size)]


def unpaired_minibatches(X, y, batch_size, rng):
    ox, oy = rng.permutation(len(X)), rng.permutation(len(X))
    return [(X[ox[i : i + batch_size]], y[oy[i : i + batch_size]]) for i in range(0, len(X), batch_size)]


def with_replacement_minibatches(X, y, batch_size, rng):
    idx = rng.integers(0, len(X), size=len(X))
    return [(X[idx[i : i + batch_size]], y[idx[i : i + batch_size]]) for i in range(0, len(X), batch_size)]


MISTAKES = [
    (ex.binary_cross_entropy, (naive_bce,), "no clipping: log(0)"),
    (ex.binary_cross_entropy, (lambda y, f: np.mean(y * np.log(np.clip(f, EPS, 1 - EPS)) + (1 - y) * np.log(1 - np.clip(f, EPS, 1 - EPS))),), "missing minus sign"),
    (ex.binary_cross_entropy, (lambda y, f: np.sum(-(y * np.log(np.clip(f, EPS, 1 - EPS)) + (1 - y) * np.log(1 - np.clip(f, EPS, 1 - EPS)))),), "sum, not mean"),
    (ex.binary_cross_entropy, (lambda y, f: -(y * np.log(np.clip(f, EPS, 1 - EPS)) + (1 - y) * np.log(1 - np.clip(f, EPS, 1 - EPS))),), "per-example array"),
    (ex.mean_squared_error, (lambda y, f: np.mean(np.abs(y - f)),), "absolute, not squared"),
    (ex.mean_squared_error, (lambda y, f: np.sqrt(np.mean((y - f) ** 2)),), "root mean squared error"),
    (ex.mean_squared_error, (lambda y, f: np.sum((y - f) ** 2),), "sum, not mean"),
    (ex.binary_cross_entropy_from_logits, (lambda y, z: bce(y, 1 / (1 + np.exp(-z))),), "naive sigmoid then clipped BCE"),
    (ex.binary_cross_entropy_from_logits, (lambda y, z: bce(y, stable_sigmoid(z)),), "stable sigmoid then clipped BCE: wrong at |z| = 1000"),
    (ex.binary_cross_entropy_from_logits, (lambda y, z: np.mean(np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z)))),), "sign error"),
    (ex.bce_gradient, (lambda W, w0, X, y: (X.T @ (stable_sigmoid(w0 + X @ W) - y), np.sum(stable_sigmoid(w0 + X @ W) - y, axis=0)),), "sum, not mean"),
    (ex.bce_gradient, (lambda W, w0, X, y: tuple(-g for g in bce_gradient(W, w0, X, y)),), "sign flipped"),
    (ex.bce_gradient, (lambda W, w0, X, y: (bce_gradient(W, w0, X, y)[0], float(bce_gradient(W, w0, X, y)[1][0])),), "bias gradient not shape (1,)"),
    (ex.gradient_descent_step, (make_step(sign=+1.0),), "gradient ascent"),
    (ex.gradient_descent_step, (make_step(update_bias=False),), "bias not updated"),
    (ex.gradient_descent_step, (make_step(return_after=True),), "returns the loss after the update"),
    (ex.gradient_descent_step, (make_step(loss="mse"),), "mean squared error instead of cross-entropy"),
    (ex.gradient_descent_step, (make_step(local_only=True),), "rebinds a local name"),
    (ex.minibatches, (lambda X, y, b, rng: [(X[i : i + b], y[i : i + b]) for i in range(0, len(X), b)],), "no shuffling"),
    (ex.minibatches, (drop_last_minibatches,), "drops the last partial batch"),
    (ex.minibatches, (unpaired_minibatches,), "X and y shuffled separately"),
    (ex.minibatches, (no_seed_minibatches,), "ignores rng"),
    (ex.minibatches, (reseeded_minibatches,), "new generator each call"),
    (ex.minibatches, (with_replacement_minibatches,), "samples with replacement"),
    (ex.build_regularized_model, (lambda rate=0.3: regularized_model(rate, hidden_dropout=False),), "no dropout"),
    (ex.build_regularized_model, (lambda rate=0.3: regularized_model(rate, dropout_after_output=True),), "dropout after the output"),
    (ex.build_regularized_model, (lambda rate=0.3: regularized_model(rate, fixed_rate=0.3),), "rate hard-coded"),
    (ex.early_stopping_callback, (lambda p=10: tf.keras.callbacks.EarlyStopping(monitor="loss", patience=p, restore_best_weights=True),), "monitors the training loss"),
    (ex.early_stopping_callback, (lambda p=10: tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=p),), "weights not restored"),
    (ex.early_stopping_callback, (lambda p=10: tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True),), "patience hard-coded"),
]


@pytest.mark.parametrize("exercise, answers, variant", CORRECT, ids=[f"{e.name}-{v}" for e, _, v in CORRECT])
def test_correct_answers_pass(exercise, answers, variant):
    result = exercise.evaluate(*answers)
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("exercise", sorted({e for e, _, _ in CORRECT}, key=lambda e: e.name), ids=lambda e: e.name)
def test_stubs_are_not_attempted(exercise):
    assert exercise.evaluate(stub).status == NOT_ATTEMPTED


@pytest.mark.parametrize("exercise, answers, mistake", MISTAKES, ids=[m[2] for m in MISTAKES])
def test_common_mistakes_are_wrong(exercise, answers, mistake):
    result = exercise.evaluate(*answers)
    assert result.status == WRONG, f"{mistake}: {result}"
    assert result.message


def test_lecture_table_is_log_5():
    # -(log 0.1 + log 0.2 + log 0.4) / 3 = log(125) / 3 = log 5
    assert np.isclose(bce(ex.TABLE_Y, ex.TABLE_F), np.log(5.0))
    assert np.isclose(float(tf.keras.losses.BinaryCrossentropy()(ex.TABLE_Y, ex.TABLE_F)), np.log(5.0), rtol=1e-6)


def test_reference_gradient_matches_a_tape():
    rng = np.random.default_rng(0)
    W, w0, X = rng.normal(size=(3, 1)), rng.normal(size=1), rng.normal(size=(9, 3))
    y = rng.integers(0, 2, size=(9, 1)).astype(float)
    Wv, w0v = tf.Variable(W), tf.Variable(w0)
    with tf.GradientTape() as tape:
        J = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(y), logits=w0v + tf.constant(X) @ Wv))
    gW, gw0 = tape.gradient(J, [Wv, w0v])
    J_ref, dW, dw0 = ex._logistic_loss_and_grads(W, w0, X, y)
    assert np.isclose(float(J), J_ref) and np.allclose(gW.numpy(), dW) and np.allclose(gw0.numpy(), dw0)

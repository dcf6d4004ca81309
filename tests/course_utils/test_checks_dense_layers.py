"""Each dense-layers-notebook check passes a correct answer and catches the common mistakes."""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")

from course_utils.checks import NOT_ATTEMPTED, PASSED, WRONG  # noqa: E402
from course_utils.checks import dense_layers as ex  # noqa: E402


def stub(*args, **kwargs):
    raise NotImplementedError("not attempted yet")


def diamond_weights(k=5.0, radius=1.5):
    W1 = np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]])
    return W1, np.zeros(4), -k * np.ones((4, 1)), np.array([radius * k])


class GoodDense(tf.keras.layers.Layer):
    def __init__(self, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dim

    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.output_dim), initializer="glorot_uniform", trainable=True)
        self.b = self.add_weight(shape=(1, self.output_dim), initializer="zeros", trainable=True)

    def call(self, inputs):
        return tf.math.sigmoid(tf.matmul(inputs, self.W) + self.b)


class RenamedFlatBias(GoodDense):
    """Other attribute names and a (d,) bias: still correct."""

    def build(self, input_shape):
        self.kernel_matrix = self.add_weight(shape=(input_shape[-1], self.output_dim), initializer="random_normal")
        self.offset = self.add_weight(shape=(self.output_dim,), initializer="zeros")

    def call(self, inputs):
        return tf.math.sigmoid(tf.matmul(inputs, self.kernel_matrix) + self.offset)


class StubDense(tf.keras.layers.Layer):
    def __init__(self, output_dim, **kwargs):
        raise NotImplementedError("not attempted yet")


class StubBuildDense(GoodDense):
    def build(self, input_shape):
        raise NotImplementedError("not attempted yet")


class NoSigmoid(GoodDense):
    def call(self, inputs):
        return tf.matmul(inputs, self.W) + self.b


class HardCodedInputDim(GoodDense):
    def build(self, input_shape):
        self.W = self.add_weight(shape=(4, self.output_dim))
        self.b = self.add_weight(shape=(1, self.output_dim), initializer="zeros")


class NoBias(GoodDense):
    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.output_dim))

    def call(self, inputs):
        return tf.math.sigmoid(tf.matmul(inputs, self.W))


class FrozenWeights(GoodDense):
    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1], self.output_dim), trainable=False)
        self.b = self.add_weight(shape=(1, self.output_dim), initializer="zeros", trainable=False)


class DropsKwargs(GoodDense):
    def __init__(self, output_dim, **kwargs):
        super().__init__(output_dim)


CORRECT = {
    ex.collapse_linear_layers: (lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2 + b2),),
    ex.green_red_weights: (diamond_weights,),
    ex.multi_output_perceptron: (lambda x, W, w0, g: g(x @ W + w0),),
    ex.dense_forward: (lambda X, W, w0, g: g(X @ W + w0),),
    ex.dense_forward_tf: (lambda X, W, w0: tf.math.sigmoid(tf.matmul(X, W) + w0),),
    ex.my_dense_layer: (GoodDense,),
}

MISTAKES = [
    (ex.collapse_linear_layers, (lambda W1, b1, W2, b2: (W1 @ W2, b2),), "forgot b1 @ W2"),
    (ex.collapse_linear_layers, (lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2),), "forgot b2"),
    (ex.collapse_linear_layers, (lambda W1, b1, W2, b2: (W1 @ W2, (b1 @ W2 + b2).reshape(1, -1)),), "w0 of shape (1, n_out)"),
    (ex.collapse_linear_layers, (lambda W1, b1, W2, b2: W1 @ W2,), "returned only W"),
    (ex.green_red_weights, (lambda: (np.array([[1.0], [0.0]]), np.zeros(1), np.ones((1, 1)), np.zeros(1)),), "a line cannot do it"),
    (ex.green_red_weights, (lambda: diamond_weights(k=-5.0),), "signs flipped: green outside"),
    (ex.green_red_weights, (lambda: diamond_weights(radius=0.7),), "diamond too small"),
    (ex.green_red_weights, (lambda: tuple(w.T for w in diamond_weights()),), "transposed weights"),
    (ex.multi_output_perceptron, (lambda x, W, w0, g: g(x @ W),), "forgot the bias"),
    (ex.multi_output_perceptron, (lambda x, W, w0, g: g(x @ W) + w0,), "activation before the bias"),
    (ex.multi_output_perceptron, (lambda x, W, w0, g: g(np.sum(x @ W + w0)),), "summed the outputs"),
    (ex.dense_forward, (lambda X, W, w0, g: g(X @ W),), "forgot the bias"),
    (ex.dense_forward, (lambda X, W, w0, g: g(X @ W + w0.sum()),), "summed the biases"),
    (ex.dense_forward, (lambda X, W, w0, g: g(X @ W + w0)[0],), "only the first example"),
    (ex.dense_forward_tf, (lambda X, W, w0: tf.matmul(X, W) + w0,), "forgot the sigmoid"),
    (ex.dense_forward_tf, (lambda X, W, w0: 1 / (1 + np.exp(-(np.asarray(X) @ np.asarray(W) + np.asarray(w0)))),), "NumPy: no gradient"),
    (ex.dense_forward_tf, (lambda X, W, w0: tf.constant(tf.math.sigmoid(tf.matmul(X, W) + w0).numpy()),), "went through .numpy()"),
    (ex.my_dense_layer, (NoSigmoid,), "no sigmoid"),
    (ex.my_dense_layer, (HardCodedInputDim,), "input_dim hard-coded"),
    (ex.my_dense_layer, (NoBias,), "no bias"),
    (ex.my_dense_layer, (FrozenWeights,), "weights not trainable"),
    (ex.my_dense_layer, (DropsKwargs,), "**kwargs not passed on"),
    (ex.my_dense_layer, (lambda output_dim: None,), "not a Layer class"),
]


@pytest.mark.parametrize("exercise", list(CORRECT), ids=lambda e: e.name)
def test_correct_answers_pass(exercise):
    result = exercise.evaluate(*CORRECT[exercise])
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("exercise", [e for e in CORRECT if e is not ex.my_dense_layer], ids=lambda e: e.name)
def test_stubs_are_not_attempted(exercise):
    assert exercise.evaluate(*[stub] * len(CORRECT[exercise])).status == NOT_ATTEMPTED


@pytest.mark.parametrize("layer_class", [StubDense, StubBuildDense], ids=["stub __init__", "stub build"])
def test_layer_stubs_are_not_attempted(layer_class):
    assert ex.my_dense_layer.evaluate(layer_class).status == NOT_ATTEMPTED


def test_layer_with_other_names_and_flat_bias_passes():
    result = ex.my_dense_layer.evaluate(RenamedFlatBias)
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("exercise, answers, mistake", MISTAKES, ids=[m[2] for m in MISTAKES])
def test_common_mistakes_are_wrong(exercise, answers, mistake):
    result = exercise.evaluate(*answers)
    assert result.status == WRONG, f"{mistake}: {result}"
    assert result.message


def test_linear_layers_really_collapse():
    rng = np.random.default_rng(0)
    W1, b1, W2, b2 = rng.normal(size=(2, 5)), rng.normal(size=5), rng.normal(size=(5, 1)), rng.normal(size=1)
    X = rng.normal(size=(50, 2))
    assert np.allclose((X @ W1 + b1) @ W2 + b2, X @ (W1 @ W2) + (b1 @ W2 + b2))


def test_diamond_separates_green_red_data():
    from course_utils import datasets

    X, y = datasets.make_green_red(400, noise=0.1, random_state=0)
    assert ex._green_red_accuracy(diamond_weights(), X, y) >= ex.GREEN_RED_MIN_ACCURACY

"""Each check of the notebook "Introduction to TensorFlow" passes a correct answer,
reports a stub as not attempted and catches the common mistakes (real TensorFlow)."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from course_utils.checks import ERROR, NOT_ATTEMPTED, PASSED, WRONG  # noqa: E402
from course_utils.checks import tensorflow_intro as ex  # noqa: E402


def stub(*args, **kwargs):
    raise NotImplementedError("not attempted yet")


# --- reference answers ---------------------------------------------------------------------


def make_tensors():
    return {
        "numbers": tf.constant([3.141592, 1.414213, 2.71821], tf.float64),
        "matrix": tf.constant([[1.0, 2.0], [3.0, 4.0]]),
        "images": tf.zeros([10, 256, 256, 3]),
    }


def describe_tensor(t):
    return int(tf.rank(t)), tuple(t.shape)


def slice_tensor(m, i, j):
    return m[i], m[:, j], m[i, j]


def compute_graph(a, b):
    return tf.multiply(tf.add(a, b), tf.subtract(b, 1))


class OurDenseLayer(tf.keras.layers.Layer):
    def __init__(self, n_output_nodes, activation=tf.math.sigmoid, use_bias=True, trainable_weights=True, fixed_d=None):
        super().__init__()
        self.n, self.activation, self.use_bias = n_output_nodes, activation, use_bias
        self.trainable_flag, self.fixed_d = trainable_weights, fixed_d

    def build(self, input_shape):
        d = self.fixed_d or int(input_shape[-1])
        self.W = self.add_weight(shape=(d, self.n), initializer="random_normal", trainable=self.trainable_flag, name="W")
        if self.use_bias:
            self.b = self.add_weight(shape=(1, self.n), initializer="random_normal", trainable=self.trainable_flag, name="b")

    def call(self, x):
        z = tf.matmul(x, self.W)
        if self.use_bias:
            z = z + self.b
        return self.activation(z)


def layer_variant(**options):
    class Variant(OurDenseLayer):
        def __init__(self, n_output_nodes):
            super().__init__(n_output_nodes, **options)

    return Variant


class StubDenseLayer(tf.keras.layers.Layer):
    def __init__(self, n_output_nodes):
        super().__init__()

    def build(self, input_shape):
        raise NotImplementedError("not attempted yet")


class NumpyDenseLayer(OurDenseLayer):
    """Computes the output in NumPy: right values, but no gradient reaches W and b."""

    def call(self, x):
        z = np.asarray(x) @ self.W.numpy() + self.b.numpy()
        return tf.constant(1 / (1 + np.exp(-z)), tf.float32)


def build_sequential_model(n_output_nodes):
    return tf.keras.Sequential([tf.keras.layers.Dense(n_output_nodes, activation="sigmoid")])


class SubclassModel(tf.keras.Model):
    def __init__(self, n_output_nodes, activation="sigmoid"):
        super().__init__()
        self.dense_layer = tf.keras.layers.Dense(n_output_nodes, activation=activation)

    def call(self, inputs):
        return self.dense_layer(inputs)


class StubSubclassModel(tf.keras.Model):
    def __init__(self, n_output_nodes):
        super().__init__()
        raise NotImplementedError("not attempted yet")


class LinearSubclassModel(SubclassModel):
    def __init__(self, n_output_nodes):
        super().__init__(n_output_nodes, activation=None)


class FixedSizeSubclassModel(SubclassModel):
    def __init__(self, n_output_nodes):
        super().__init__(3)


class IdentityModel(tf.keras.Model):
    def __init__(self, n_output_nodes):
        super().__init__()
        self.dense_layer = tf.keras.layers.Dense(n_output_nodes, activation="sigmoid")

    def call(self, inputs, isidentity=False):
        return inputs if isidentity else self.dense_layer(inputs)


class StubIdentityModel(IdentityModel):
    def call(self, inputs, isidentity=False):
        raise NotImplementedError("not attempted yet")


class IgnoresFlagModel(IdentityModel):
    def call(self, inputs, isidentity=False):
        return self.dense_layer(inputs)


class InvertedFlagModel(IdentityModel):
    def call(self, inputs, isidentity=False):
        return self.dense_layer(inputs) if isidentity else inputs


def derivative_of_square(x_value):
    x = tf.Variable(x_value, dtype=tf.float32)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x)


def derivative_unwatched(x_value):
    x = tf.constant(x_value, dtype=tf.float32)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x)


def minimize_function(x_f, learning_rate, n_steps, x0, sign=-1.0, factor=2.0, record_before=False, include_x0=False):
    x = tf.Variable(x0, dtype=tf.float32)
    history = [float(x)] if include_x0 else []
    for _ in range(n_steps):
        with tf.GradientTape() as tape:
            loss = (x - x_f) ** 2
        grad = tape.gradient(loss, x) * (factor / 2.0)
        if record_before:
            history.append(float(x))
        x.assign(x + sign * learning_rate * grad)
        if not record_before:
            history.append(float(x))
    return history[: n_steps + int(include_x0)]


def minimize_variant(**options):
    return lambda x_f, lr, n, x0: minimize_function(x_f, lr, n, x0, **options)


CORRECT = {
    ex.make_tensors: make_tensors,
    ex.describe_tensor: describe_tensor,
    ex.slice_tensor: slice_tensor,
    ex.compute_graph: compute_graph,
    ex.OurDenseLayer: OurDenseLayer,
    ex.build_sequential_model: build_sequential_model,
    ex.SubclassModel: SubclassModel,
    ex.IdentityModel: IdentityModel,
    ex.derivative_of_square: derivative_of_square,
    ex.minimize_function: minimize_function,
}

STUBS = {
    ex.OurDenseLayer: StubDenseLayer,
    ex.SubclassModel: StubSubclassModel,
    ex.IdentityModel: StubIdentityModel,
}

MISTAKES = [
    (ex.make_tensors, lambda: {k: v.numpy() for k, v in make_tensors().items()}, "NumPy arrays"),
    (ex.make_tensors, lambda: {**make_tensors(), "images": tf.zeros([10, 3, 256, 256])}, "channels first"),
    (ex.make_tensors, lambda: {**make_tensors(), "images": tf.ones([10, 256, 256, 3])}, "ones, not zeros"),
    (ex.make_tensors, lambda: {**make_tensors(), "matrix": tf.constant([1.0, 2.0, 3.0, 4.0])}, "matrix of rank 1"),
    (ex.make_tensors, lambda: {**make_tensors(), "numbers": tf.constant([3.14, 1.41])}, "numbers in float32"),
    (ex.describe_tensor, lambda t: (tf.rank(t), tuple(t.shape)), "rank left as a tensor"),
    (ex.describe_tensor, lambda t: (int(tf.size(t)), tuple(t.shape)), "number of elements, not the rank"),
    (ex.describe_tensor, lambda t: (int(tf.rank(t)), tf.shape(t)), "shape as a tensor"),
    (ex.slice_tensor, lambda m, i, j: (m[i], m[j], m[i, j]), "column taken as a row"),
    (ex.slice_tensor, lambda m, i, j: (m[i], m[:, j], m[j, i]), "indices swapped"),
    (ex.slice_tensor, lambda m, i, j: (m.numpy()[i], m.numpy()[:, j], m.numpy()[i, j]), "NumPy results"),
    (ex.compute_graph, lambda a, b: tf.multiply(tf.add(a, b), tf.subtract(a, 1)), "d from a"),
    (ex.compute_graph, lambda a, b: tf.add(tf.add(a, b), tf.subtract(b, 1)), "e = c + d"),
    (ex.compute_graph, lambda a, b: (a + b) * (b - 1), "Python arithmetic returns a float"),
    (ex.OurDenseLayer, layer_variant(activation=tf.identity), "no sigmoid"),
    (ex.OurDenseLayer, layer_variant(activation=tf.nn.relu), "ReLU"),
    (ex.OurDenseLayer, layer_variant(use_bias=False), "no bias"),
    (ex.OurDenseLayer, layer_variant(trainable_weights=False), "weights not trainable"),
    (ex.OurDenseLayer, NumpyDenseLayer, "computed in NumPy"),
    (ex.build_sequential_model, lambda n: tf.keras.Sequential([tf.keras.layers.Dense(n)]), "no activation"),
    (ex.build_sequential_model, lambda n: tf.keras.Sequential([tf.keras.layers.Dense(3, activation="sigmoid")]), "3 units whatever n"),
    (ex.build_sequential_model, lambda n: tf.keras.layers.Dense(n, activation="sigmoid"), "a layer, not a model"),
    (
        ex.build_sequential_model,
        lambda n: tf.keras.Sequential([tf.keras.layers.Dense(n, activation="sigmoid"), tf.keras.layers.Dense(n, activation="sigmoid")]),
        "two layers",
    ),
    (ex.SubclassModel, LinearSubclassModel, "no activation"),
    (ex.SubclassModel, FixedSizeSubclassModel, "3 units whatever n"),
    (ex.SubclassModel, build_sequential_model, "a function, not a Model class"),
    (ex.IdentityModel, IgnoresFlagModel, "flag ignored"),
    (ex.IdentityModel, InvertedFlagModel, "flag inverted"),
    (ex.derivative_of_square, derivative_unwatched, "constant not watched: None"),
    (ex.derivative_of_square, lambda x: tf.square(tf.cast(x, tf.float32)), "returned y"),
    (ex.derivative_of_square, lambda x: ((np.asarray(x, float) + 1e-2) ** 2 - np.asarray(x, float) ** 2) / 1e-2, "forward difference"),
    (ex.minimize_function, minimize_variant(sign=+1.0), "gradient ascent"),
    (ex.minimize_function, minimize_variant(factor=1.0), "forgot the factor 2"),
    (ex.minimize_function, minimize_variant(record_before=True), "recorded before the update"),
    (ex.minimize_function, minimize_variant(include_x0=True), "x0 included"),
]


@pytest.mark.parametrize("exercise", list(CORRECT), ids=lambda e: e.name)
def test_correct_answers_pass(exercise):
    result = exercise.evaluate(CORRECT[exercise])
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("exercise", list(CORRECT), ids=lambda e: e.name)
def test_stubs_are_not_attempted(exercise):
    assert exercise.evaluate(STUBS.get(exercise, stub)).status == NOT_ATTEMPTED


@pytest.mark.parametrize("exercise, answer, mistake", MISTAKES, ids=[m[2] for m in MISTAKES])
def test_common_mistakes_are_wrong(exercise, answer, mistake):
    result = exercise.evaluate(answer)
    assert result.status == WRONG, f"{mistake}: {result}"
    assert result.message


def test_every_exercise_has_a_mistake_test():
    assert {m[0] for m in MISTAKES} == set(CORRECT)


def test_gradient_descent_reference_trajectory():
    # x_{k+1} = x_k - lr * 2 (x_k - x_f): from -1 towards 4 with lr = 0.1 the first step lands on 0
    history = minimize_function(4.0, 0.1, 3, -1.0)
    assert np.allclose(history, [0.0, 0.8, 1.44], atol=1e-6)


def test_layer_with_a_fixed_input_size_fails_on_other_inputs():
    # W built for 2 inputs crashes on 5: reported as an error in the student's code, never passed
    result = ex.OurDenseLayer.evaluate(layer_variant(fixed_d=2))
    assert result.status == ERROR and "MatMul" in result.message

"""Each deep-networks-notebook check passes a correct answer and catches the common mistakes."""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
tf = pytest.importorskip("tensorflow")

from course_utils.checks import NOT_ATTEMPTED, PASSED, WRONG  # noqa: E402
from course_utils.checks import deep_networks as ex  # noqa: E402

Dense = tf.keras.layers.Dense


def stub(*args, **kwargs):
    raise NotImplementedError("not attempted yet")


def relu(z):
    return np.maximum(0.0, z)


# --- deep_forward / count_parameters --------------------------------------------------------


def good_forward(X, weights, biases, g):
    A = X
    for k, (W, b) in enumerate(zip(weights, biases)):
        Z = A @ W + b
        A = g(Z) if k < len(weights) - 1 else Z
    return A


def forward_g_on_output(X, weights, biases, g):
    A = X
    for W, b in zip(weights, biases):
        A = g(A @ W + b)
    return A


def forward_g_on_input(X, weights, biases, g):
    A = g(X)
    for k, (W, b) in enumerate(zip(weights, biases)):
        A = A @ W + b
        if k < len(weights) - 1:
            A = g(A)
    return A


def forward_no_biases(X, weights, biases, g):
    return good_forward(X, weights, [0 * b for b in biases], g)


def good_count(n_inputs, hidden_units, n_outputs):
    sizes = [n_inputs, *hidden_units, n_outputs]
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))


# --- Keras builders ---------------------------------------------------------------------------


def good_sequential(n_inputs, hidden_units, n_outputs):
    return tf.keras.Sequential([tf.keras.Input(shape=(n_inputs,)), *[Dense(u, activation="relu") for u in hidden_units], Dense(n_outputs)])


def sequential_with_activation_layers(n_inputs, hidden_units, n_outputs):
    layers = [tf.keras.Input(shape=(n_inputs,))]
    for u in hidden_units:
        layers += [Dense(u), tf.keras.layers.Activation("relu")]
    return tf.keras.Sequential(layers + [Dense(n_outputs)])


def sequential_no_input(n_inputs, hidden_units, n_outputs):
    return tf.keras.Sequential([*[Dense(u, activation="relu") for u in hidden_units], Dense(n_outputs)])


def sequential_relu_output(n_inputs, hidden_units, n_outputs):
    return tf.keras.Sequential([tf.keras.Input(shape=(n_inputs,)), *[Dense(u, activation="relu") for u in hidden_units], Dense(n_outputs, activation="relu")])


def sequential_linear_hidden(n_inputs, hidden_units, n_outputs):
    return tf.keras.Sequential([tf.keras.Input(shape=(n_inputs,)), *[Dense(u) for u in hidden_units], Dense(n_outputs)])


def sequential_reversed(n_inputs, hidden_units, n_outputs):
    return good_sequential(n_inputs, list(reversed(hidden_units)), n_outputs)


def functional_not_sequential(n_inputs, hidden_units, n_outputs):
    inputs = x = tf.keras.Input(shape=(n_inputs,))
    for u in hidden_units:
        x = Dense(u, activation="relu")(x)
    return tf.keras.Model(inputs, Dense(n_outputs)(x))


class GoodDeepModel(tf.keras.Model):
    def __init__(self, hidden_units, n_outputs, **kwargs):
        super().__init__(**kwargs)
        self.hidden_layers = [Dense(u, activation="relu") for u in hidden_units]
        self.output_layer = Dense(n_outputs)

    def call(self, inputs):
        x = inputs
        for layer in self.hidden_layers:
            x = layer(x)
        return self.output_layer(x)


class OutputLayerCreatedFirst(tf.keras.Model):
    """Correct, but the layers are tracked in another order than they are applied."""

    def __init__(self, hidden_units, n_outputs, **kwargs):
        super().__init__(**kwargs)
        self.head = Dense(n_outputs)
        self.body = [Dense(u, activation="relu") for u in hidden_units]

    def call(self, inputs):
        for layer in self.body:
            inputs = layer(inputs)
        return self.head(inputs)


class StubDeepModel(tf.keras.Model):
    def __init__(self, hidden_units, n_outputs, **kwargs):
        raise NotImplementedError("not attempted yet")


class StubCallDeepModel(GoodDeepModel):
    def call(self, inputs):
        raise NotImplementedError("not attempted yet")


class OnlyFirstHidden(GoodDeepModel):
    def __init__(self, hidden_units, n_outputs, **kwargs):
        super().__init__(hidden_units[:1], n_outputs, **kwargs)


class SkipsHiddenInCall(GoodDeepModel):
    def call(self, inputs):
        x = self.hidden_layers[0](inputs)
        for layer in self.hidden_layers[1:]:
            x = layer(x)
        return tf.nn.relu(self.output_layer(x))


class SigmoidOutput(GoodDeepModel):
    def call(self, inputs):
        return tf.math.sigmoid(super().call(inputs))


# --- pass/fail model ----------------------------------------------------------------------------


def pass_fail(loss="binary_crossentropy", optimizer="good", output="sigmoid", compile=True, rescale=True):
    def build():
        layers = [tf.keras.Input(shape=(2,))]
        if rescale:
            layers.append(tf.keras.layers.Rescaling(1 / 12))
        layers += [Dense(16, activation="relu"), Dense(1, activation=output)]
        model = tf.keras.Sequential(layers)
        if compile:
            opt = tf.keras.optimizers.Adam(learning_rate=0.01) if optimizer == "good" else optimizer
            model.compile(optimizer=opt, loss=loss, metrics=["accuracy"])
        return model

    return build


_shared = {}


def same_model_every_time():
    if "model" not in _shared:
        _shared["model"] = pass_fail()()
    return _shared["model"]


def good_predict(model, lectures, hours):
    return float(np.asarray(model(np.array([[lectures, hours]], "float32")))[0, 0])


CORRECT = {
    ex.deep_forward: (good_forward,),
    ex.count_parameters: (good_count,),
    ex.build_sequential: (good_sequential,),
    ex.deep_model: (GoodDeepModel,),
    ex.build_pass_fail_model: (pass_fail(),),
    ex.predict_student: (good_predict,),
}

MISTAKES = [
    (ex.deep_forward, (forward_g_on_output,), "activation on the output layer"),
    (ex.deep_forward, (forward_g_on_input,), "activation on the inputs"),
    (ex.deep_forward, (forward_no_biases,), "biases ignored"),
    (ex.deep_forward, (lambda X, weights, biases, g: X @ weights[0] + biases[0],), "only the first layer"),
    (ex.count_parameters, (lambda n, h, o: good_count(n, h, o) - sum(h) - o,), "forgot the biases"),
    (ex.count_parameters, (lambda n, h, o: sum(a * b for a, b in zip([n, *h], [*h, o])) + n,), "biases counted per input"),
    (ex.count_parameters, (lambda n, h, o: float(good_count(n, h, o)),), "returned a float"),
    (ex.build_sequential, (sequential_no_input,), "no Input: not built"),
    (ex.build_sequential, (sequential_relu_output,), "ReLU on the output"),
    (ex.build_sequential, (sequential_linear_hidden,), "no ReLU in the hidden layers"),
    (ex.build_sequential, (sequential_reversed,), "hidden layers in reverse order"),
    (ex.build_sequential, (functional_not_sequential,), "not a Sequential"),
    (ex.deep_model, (OnlyFirstHidden,), "only the first hidden layer"),
    (ex.deep_model, (SkipsHiddenInCall,), "ReLU on the output"),
    (ex.deep_model, (SigmoidOutput,), "sigmoid on the output"),
    (ex.deep_model, (good_sequential,), "a function, not a Model subclass"),
    (ex.build_pass_fail_model, (pass_fail(loss="mse"),), "mean squared error loss"),
    (ex.build_pass_fail_model, (pass_fail(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True)),), "from_logits with a sigmoid output"),
    (ex.build_pass_fail_model, (pass_fail(output=None),), "no sigmoid on the output"),
    (ex.build_pass_fail_model, (pass_fail(compile=False),), "not compiled"),
    (ex.build_pass_fail_model, (pass_fail(optimizer=tf.keras.optimizers.SGD(learning_rate=1e-5), rescale=False),), "learning rate far too small"),
    (ex.build_pass_fail_model, (same_model_every_time,), "the same model every call"),
    (ex.predict_student, (lambda model, lectures, hours: model(np.array([[lectures, hours]], "float32")).numpy(),), "returned the (1, 1) array"),
    (ex.predict_student, (lambda model, lectures, hours: good_predict(model, hours, lectures),), "swapped x1 and x2"),
    (ex.predict_student, (lambda model, lectures, hours: float(good_predict(model, lectures, hours) > 0.5),), "returned the class, not the probability"),
    (ex.predict_student, (lambda model, lectures, hours: np.float32(good_predict(model, lectures, hours)),), "a NumPy float32"),
]


@pytest.mark.parametrize("exercise", list(CORRECT), ids=lambda e: e.name)
def test_correct_answers_pass(exercise):
    result = exercise.evaluate(*CORRECT[exercise])
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("exercise", [e for e in CORRECT if e is not ex.deep_model], ids=lambda e: e.name)
def test_stubs_are_not_attempted(exercise):
    assert exercise.evaluate(*[stub] * len(CORRECT[exercise])).status == NOT_ATTEMPTED


@pytest.mark.parametrize("model_class", [StubDeepModel, StubCallDeepModel], ids=["stub __init__", "stub call"])
def test_model_stubs_are_not_attempted(model_class):
    assert ex.deep_model.evaluate(model_class).status == NOT_ATTEMPTED


@pytest.mark.parametrize(
    "exercise, answer",
    [
        (ex.build_sequential, sequential_with_activation_layers),
        (ex.deep_model, OutputLayerCreatedFirst),
        (ex.build_pass_fail_model, pass_fail(loss=tf.keras.losses.BinaryCrossentropy())),
        (ex.build_pass_fail_model, pass_fail(loss="bce", rescale=False)),
        (ex.predict_student, lambda model, lectures, hours: float(model.predict(np.array([[lectures, hours]]), verbose=0)[0, 0])),
    ],
    ids=["separate Activation layers", "layers created in another order", "BCE object", "'bce' without rescaling", "model.predict"],
)
def test_other_correct_spellings_pass(exercise, answer):
    result = exercise.evaluate(answer)
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("exercise, answers, mistake", MISTAKES, ids=[m[2] for m in MISTAKES])
def test_common_mistakes_are_wrong(exercise, answers, mistake):
    result = exercise.evaluate(*answers)
    assert result.status == WRONG, f"{mistake}: {result}"
    assert result.message


def test_reference_helpers_agree_with_keras():
    model = good_sequential(3, [5, 4], 2)
    assert ex.reference_count(3, [5, 4], 2) == model.count_params() == 54
    ex.compare_with_reference(model, 3, [5, 4], 2, seed=0, label="reference")
    keras_model, numpy_model = ex.reference_pass_fail_model(hidden=True)
    X = np.array([[4.0, 5.0], [0.0, 12.0]], "float32")
    assert np.allclose(keras_model(X).numpy(), numpy_model(X), rtol=1e-5)

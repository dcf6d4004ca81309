"""Checks for the notebook "Deep networks" (lecture notation).

A deep network with layers k = 1, ..., K computes, for every example (row of X),

    z_{k,i} = w_{0,i}^{(k)} + Σ_j g(z_{k-1,j}) w_{j,i}^{(k)},   with g(z_{0,j}) read as the input x_j,

and returns the output layer's z_K: hidden layers use the activation g, the output layer is
linear. In the Keras exercises the hidden activation is ReLU and the output layer has none.
The pass/fail model of section 4 ends instead in one sigmoid unit (a probability).

TensorFlow is imported inside the checkers that need it, so importing this module is cheap.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from .core import CheckFailed, Exercise, expect_array

Array = np.ndarray

# Visible check sizes: all different, so the layers of a model can be put in order by shape.
N_INPUTS, HIDDEN_UNITS, N_OUTPUTS = 3, [5, 4], 2
# "Will I pass this class?": training budget and bar used by the checks.
PASS_FAIL_EPOCHS, PASS_FAIL_BATCH, PASS_FAIL_MIN_ACCURACY = 25, 16, 0.8
LECTURE_STUDENT = (4, 5)  # attended 4 lectures, spent 5 hours on the final project


def _relu(z: Array) -> Array:
    return np.maximum(0.0, z)


def _sigmoid(z: Array) -> Array:
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def reference_forward(X: Array, weights: Sequence[Array], biases: Sequence[Array], g: Callable[[Array], Array]) -> Array:
    """The recursion above, written as a loop over layers (hidden: g, output: linear)."""
    a = np.asarray(X, dtype=float)
    for k, (W, b) in enumerate(zip(weights, biases)):
        z = a @ np.asarray(W, dtype=float) + np.asarray(b, dtype=float)
        a = g(z) if k < len(weights) - 1 else z
    return a


def reference_count(n_inputs: int, hidden_units: Sequence[int], n_outputs: int) -> int:
    sizes = [n_inputs, *hidden_units, n_outputs]
    return int(sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))


def _random_network(rng: np.random.Generator, sizes: Sequence[int]) -> tuple[list[Array], list[Array]]:
    weights = [rng.normal(size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(size=b) for b in sizes[1:]]
    return weights, biases


# --- 3. deep networks in NumPy --------------------------------------------------------------


def _check_deep_forward(deep_forward: Callable) -> None:
    rng = np.random.default_rng(31)
    for sizes, g, label in (([2, 3, 1], _relu, "2 -> 3 -> 1, ReLU"), ([3, 4, 5, 2], np.tanh, "3 -> 4 -> 5 -> 2, tanh"), ([2, 1], _relu, "2 -> 1, no hidden layer")):
        weights, biases = _random_network(rng, sizes)
        X = rng.normal(size=(4, sizes[0]))
        got = deep_forward(X.copy(), [w.copy() for w in weights], [b.copy() for b in biases], g)
        expect_array(got, reference_forward(X, weights, biases, g), f"deep_forward({label})", rtol=1e-6, atol=1e-9)


def _check_count_parameters(count_parameters: Callable) -> None:
    for args in ((2, [3], 1), (N_INPUTS, HIDDEN_UNITS, N_OUTPUTS), (4, [], 1), (784, [128, 64], 10)):
        got = count_parameters(*args)
        expected = reference_count(*args)
        if got is None:
            raise CheckFailed("`count_parameters` returned None. Did you forget a `return`?")
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            raise CheckFailed(f"`count_parameters{args}` should return an int, got {type(got).__name__} {got!r}.")
        if int(got) != expected:
            raise CheckFailed(f"`count_parameters{args}` is {int(got)}; expected {expected}.")


# --- 3. deep networks in Keras --------------------------------------------------------------


def _dense_layers(model: Any) -> list[Any]:
    """Every Dense layer inside ``model``, in the order Keras tracks them."""
    import tensorflow as tf

    found: list[Any] = []
    seen: set[int] = set()

    def visit(layer: Any) -> None:
        for sub in list(getattr(layer, "layers", None) or []):
            if id(sub) in seen:
                continue
            seen.add(id(sub))
            if isinstance(sub, tf.keras.layers.Dense):
                found.append(sub)
            else:
                visit(sub)

    visit(model)
    return found


def _ordered_dense_layers(model: Any, n_inputs: int, hidden_units: Sequence[int], n_outputs: int) -> list[Any]:
    """The model's Dense layers in the order they are applied, matched by kernel shape."""
    sizes = [n_inputs, *hidden_units, n_outputs]
    layers = _dense_layers(model)
    if len(layers) != len(sizes) - 1:
        raise CheckFailed(
            f"the model has {len(layers)} Dense layers; with hidden_units={list(hidden_units)} expected "
            f"{len(sizes) - 1} ({len(hidden_units)} hidden + 1 output)."
        )
    ordered, left = [], list(layers)
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        match = [layer for layer in left if layer.kernel is not None and tuple(layer.kernel.shape) == (n_in, n_out)]
        if not match:
            shapes = [tuple(int(s) for s in layer.kernel.shape) for layer in layers]
            raise CheckFailed(
                f"no Dense layer maps {n_in} to {n_out} units; the kernels have shapes {shapes}, expected "
                f"{[(a, b) for a, b in zip(sizes[:-1], sizes[1:])]}."
            )
        ordered.append(match[0])
        left.remove(match[0])
    for layer in ordered:
        if layer.bias is None:
            raise CheckFailed(f"Dense layer '{layer.name}' has no bias (use_bias=False); every unit needs its w0.")
    return ordered


def compare_with_reference(
    model: Any, n_inputs: int, hidden_units: Sequence[int], n_outputs: int, seed: int, label: str, n: int = 6
) -> None:
    """Put random weights into the model's Dense layers and compare its output with
    ``reference_forward`` (ReLU hidden layers, linear output). The model must be built."""
    rng = np.random.default_rng(seed)
    weights, biases = _random_network(rng, [n_inputs, *hidden_units, n_outputs])
    for layer, W, b in zip(_ordered_dense_layers(model, n_inputs, hidden_units, n_outputs), weights, biases):
        layer.kernel.assign(W.astype("float32"))
        layer.bias.assign(b.astype("float32"))
    X = rng.normal(size=(n, n_inputs)).astype("float32")
    got = np.asarray(model(X, training=False))
    expected = reference_forward(X, weights, biases, _relu)
    if got.shape != expected.shape:
        raise CheckFailed(f"{label} gives outputs of shape {got.shape} for inputs of shape {X.shape}; expected {expected.shape}.")
    if not np.allclose(got, expected, rtol=1e-4, atol=1e-4):
        linear_out = reference_forward(X, weights, biases, lambda z: z)
        all_relu = _relu(expected)
        if np.allclose(got, all_relu, rtol=1e-4, atol=1e-4):
            raise CheckFailed(f"{label}: the output layer applies ReLU; it should be linear (no activation).")
        if np.allclose(got, linear_out, rtol=1e-4, atol=1e-4):
            raise CheckFailed(f"{label}: the hidden layers are linear; give them activation='relu'.")
        expect_array(got, expected, f"{label} output (random weights copied in)", rtol=1e-4, atol=1e-4)


def _count_params(model: Any, label: str) -> int:
    try:
        return int(model.count_params())
    except ValueError as exc:
        raise CheckFailed(f"{label}: count_params() failed ({str(exc).splitlines()[0][:100]}). Is the model built?") from None


def _check_build_sequential(build_sequential: Callable) -> None:
    import tensorflow as tf

    for n_inputs, hidden_units, n_outputs, seed in ((N_INPUTS, HIDDEN_UNITS, N_OUTPUTS, 32), (2, [7], 1, 33)):
        label = f"build_sequential({n_inputs}, {hidden_units}, {n_outputs})"
        model = build_sequential(n_inputs, list(hidden_units), n_outputs)
        if not isinstance(model, tf.keras.Sequential):
            raise CheckFailed(f"{label} returned a {type(model).__name__}, expected a tf.keras.Sequential model.")
        if not model.built:
            raise CheckFailed(f"{label} is not built: start the layer list with tf.keras.Input(shape=(n_inputs,)).")
        expected = reference_count(n_inputs, hidden_units, n_outputs)
        got = _count_params(model, label)
        if got != expected:
            raise CheckFailed(f"{label}.count_params() is {got}; expected {expected}.")
        X = np.zeros((3, n_inputs), "float32")
        units = []
        for layer in model.layers:
            X = layer(X)
            if isinstance(layer, tf.keras.layers.Dense):
                units.append(int(X.shape[-1]))
        if units != [*hidden_units, n_outputs]:
            raise CheckFailed(f"{label}: the Dense layers output {units} units, in this order; expected {[*hidden_units, n_outputs]}.")
        compare_with_reference(model, n_inputs, hidden_units, n_outputs, seed, label)


def _check_deep_model(DeepModel: Any) -> None:
    import tensorflow as tf

    if not (isinstance(DeepModel, type) and issubclass(DeepModel, tf.keras.Model)):
        raise CheckFailed("`DeepModel` should be a class that subclasses tf.keras.Model.")
    for n_inputs, hidden_units, n_outputs, seed in ((N_INPUTS, HIDDEN_UNITS, N_OUTPUTS, 34), (2, [7], 1, 35)):
        label = f"DeepModel({hidden_units}, {n_outputs})"
        model = DeepModel(list(hidden_units), n_outputs)
        out = model(np.zeros((4, n_inputs), "float32"))
        if tuple(getattr(out, "shape", ())) != (4, n_outputs):
            raise CheckFailed(f"{label} on inputs of shape (4, {n_inputs}) returned shape {tuple(getattr(out, 'shape', ()))}; expected {(4, n_outputs)}.")
        expected = reference_count(n_inputs, hidden_units, n_outputs)
        got = _count_params(model, label)
        if got != expected:
            raise CheckFailed(f"{label}.count_params() with {n_inputs} inputs is {got}; expected {expected}.")
        compare_with_reference(model, n_inputs, hidden_units, n_outputs, seed, label)


# --- 4. applying neural networks -------------------------------------------------------------


def bce_reference(y: Array, p: Array) -> float:
    y, p = np.asarray(y, dtype=float).ravel(), np.clip(np.asarray(p, dtype=float).ravel(), 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def compiled_loss_is_bce(model: Any) -> None:
    """Fail unless ``model`` is compiled with an optimizer and a loss that computes the
    binary cross-entropy of probabilities (compared by value, whatever its spelling)."""
    import tensorflow as tf

    if not getattr(model, "compiled", False) or getattr(model, "optimizer", None) is None:
        raise CheckFailed("the model is not compiled: call model.compile(optimizer=..., loss=...) before returning it.")
    loss = getattr(model, "loss", None)
    try:
        loss_fn = tf.keras.losses.get(loss) if isinstance(loss, str) else loss
    except ValueError:
        loss_fn = None
    if not callable(loss_fn):
        raise CheckFailed(f"the model is compiled with loss={loss!r}; use the binary cross-entropy ('binary_crossentropy').")
    y = np.array([[1.0], [0.0], [1.0], [0.0]], "float32")
    p = np.array([[0.8], [0.3], [0.4], [0.1]], "float32")
    value = float(np.mean(np.asarray(loss_fn(tf.constant(y), tf.constant(p)))))
    if not np.isclose(value, bce_reference(y, p), rtol=1e-3, atol=1e-4):
        raise CheckFailed(
            f"the compiled loss gives {value:.4f} where the binary cross-entropy of probabilities gives "
            f"{bce_reference(y, p):.4f}; use loss='binary_crossentropy' (with from_logits=False, the default)."
        )


def pass_fail_accuracy(model: Any, X: Array, y: Array) -> float:
    p = np.asarray(model(np.asarray(X, "float32"), training=False)).reshape(-1)
    return float(np.mean((p > 0.5) == (np.asarray(y) == 1)))


def _check_build_pass_fail_model(build_pass_fail_model: Callable) -> None:
    import tensorflow as tf

    from .. import datasets

    tf.keras.utils.set_random_seed(2022)  # the initial weights and the shuffling below
    model = build_pass_fail_model()
    if not isinstance(model, tf.keras.Model):
        raise CheckFailed(f"`build_pass_fail_model()` returned a {type(model).__name__}, expected a Keras model.")
    if build_pass_fail_model() is model:
        raise CheckFailed("`build_pass_fail_model()` returned the same model twice: build a new one on every call.")
    X = np.array([[4.0, 5.0], [2.0, 1.0], [5.0, 8.0], [12.0, 12.0], [0.0, 0.0]], "float32")  # the lecture's students first
    out = np.asarray(model(X, training=False))
    if out.shape != (5, 1):
        raise CheckFailed(f"on 5 students (x1, x2) the model outputs shape {out.shape}; expected (5, 1): one probability each.")
    if not np.all((out >= 0) & (out <= 1)):
        raise CheckFailed("the outputs are not probabilities in [0, 1]: end with Dense(1, activation='sigmoid').")
    compiled_loss_is_bce(model)
    X, y = datasets.make_pass_fail(200, noise=0.0, random_state=2022)
    model.fit(X, y, epochs=PASS_FAIL_EPOCHS, batch_size=PASS_FAIL_BATCH, verbose=0)
    accuracy = pass_fail_accuracy(model, X, y)
    if accuracy < PASS_FAIL_MIN_ACCURACY:
        raise CheckFailed(
            f"after model.fit(X, y, epochs={PASS_FAIL_EPOCHS}, batch_size={PASS_FAIL_BATCH}) on 200 noise-free students the "
            f"accuracy is {accuracy:.0%}; it should reach {PASS_FAIL_MIN_ACCURACY:.0%}. "
            "Use optimizer=tf.keras.optimizers.Adam(learning_rate=0.01) (the default 0.001 is too slow here)."
        )


def reference_pass_fail_model(hidden: bool, seed: int = 0) -> tuple[Any, Callable[[Array], Array]]:
    """A small fixed-weight Keras model (2 inputs -> probability) and the same model in NumPy."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    if hidden:
        weights, biases = [rng.normal(scale=0.5, size=(2, 3)), rng.normal(size=(3, 1))], [rng.normal(size=3), rng.normal(size=1)]
        layers = [tf.keras.layers.Dense(3, activation="relu"), tf.keras.layers.Dense(1, activation="sigmoid")]
    else:
        weights, biases = [np.array([[0.5], [-0.3]])], [np.array([0.1])]
        layers = [tf.keras.layers.Dense(1, activation="sigmoid")]
    model = tf.keras.Sequential([tf.keras.Input(shape=(2,)), *layers])
    model.set_weights([a.astype("float32") for pair in zip(weights, biases) for a in pair])

    def numpy_model(X: Array) -> Array:
        return _sigmoid(reference_forward(X, weights, biases, _relu))

    return model, numpy_model


def _check_predict_student(predict_student: Callable) -> None:
    for hidden in (False, True):
        model, numpy_model = reference_pass_fail_model(hidden)
        for lectures, hours in (LECTURE_STUDENT, (5, 4), (10, 2.5)):
            got = predict_student(model, lectures, hours)
            label = f"predict_student(model, lectures={lectures}, hours={hours})"
            if got is None:
                raise CheckFailed(f"`{label}` returned None. Did you forget a `return`?")
            if isinstance(got, bool) or not isinstance(got, float):
                shape = f" of shape {np.shape(got)}" if hasattr(got, "shape") else ""
                raise CheckFailed(f"`{label}` returned a {type(got).__name__}{shape}; expected a Python float (use float(...)).")
            expected = float(numpy_model(np.array([[lectures, hours]], dtype=float))[0, 0])
            if not np.isclose(got, expected, rtol=1e-4, atol=1e-6):
                swapped = float(numpy_model(np.array([[hours, lectures]], dtype=float))[0, 0])
                extra = " Did you swap x1 (lectures) and x2 (hours)?" if np.isclose(got, swapped, rtol=1e-4, atol=1e-6) else ""
                raise CheckFailed(f"`{label}` is {got:.6g}; expected the model's probability {expected:.6g}.{extra}")


# --- exercises ----------------------------------------------------------------------------

deep_forward = Exercise(
    "deep_forward",
    _check_deep_forward,
    hint=(
        "Loop over the layers with a = X. For each layer z = a @ W + w0; if it is a hidden layer (not the last one) "
        "a = g(z), otherwise return z (the output layer is linear)."
    ),
    solution=(
        "1. a = X.\n2. for k, (W, w0) in enumerate(zip(weights, biases)): z = a @ W + w0; a = g(z) if k < K - 1 else z.\n"
        "3. return a."
    ),
)
count_parameters = Exercise(
    "count_parameters",
    _check_count_parameters,
    hint="A dense layer from n_in to n_out units has n_in·n_out weights plus n_out biases. Sum over consecutive layer sizes.",
    solution="1. sizes = [n_inputs, *hidden_units, n_outputs].\n2. return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])).",
)
build_sequential = Exercise(
    "build_sequential",
    _check_build_sequential,
    hint=(
        "tf.keras.Sequential([tf.keras.Input(shape=(n_inputs,)), *[Dense(u, activation='relu') for u in hidden_units], "
        "Dense(n_outputs)]): the output layer has no activation."
    ),
    solution=(
        "1. layers = [tf.keras.Input(shape=(n_inputs,))].\n2. for u in hidden_units: append Dense(u, activation='relu').\n"
        "3. append Dense(n_outputs) (linear).\n4. return tf.keras.Sequential(layers)."
    ),
)
deep_model = Exercise(
    "deep_model",
    _check_deep_model,
    hint=(
        "__init__: super().__init__(**kwargs), then self.hidden_layers = [Dense(u, activation='relu') for u in hidden_units] "
        "and self.output_layer = Dense(n_outputs). call(inputs): pass x through each hidden layer, then the output layer."
    ),
    solution=(
        "1. __init__(self, hidden_units, n_outputs, **kwargs): super().__init__(**kwargs); create the hidden Dense layers "
        "(ReLU) in a list, then the output Dense layer (no activation).\n"
        "2. call(self, inputs): x = inputs; for layer in self.hidden_layers: x = layer(x); return self.output_layer(x)."
    ),
)
build_pass_fail_model = Exercise(
    "build_pass_fail_model",
    _check_build_pass_fail_model,
    hint=(
        "Sequential([Input(shape=(2,)), Dense(16, activation='relu'), Dense(1, activation='sigmoid')]), then "
        "model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01), loss='binary_crossentropy', metrics=['accuracy'])."
    ),
    solution=(
        "1. model = tf.keras.Sequential: Input(shape=(2,)), optionally Rescaling(1 / 12), a hidden Dense layer with ReLU, "
        "Dense(1, activation='sigmoid').\n"
        "2. model.compile(optimizer=Adam(learning_rate=0.01), loss='binary_crossentropy', metrics=['accuracy']).\n3. return model."
    ),
)
predict_student = Exercise(
    "predict_student",
    _check_predict_student,
    hint="Make a batch of one example, shape (1, 2): [[lectures, hours]]. The model returns shape (1, 1); take [0, 0] and convert with float().",
    solution=(
        "1. x = np.array([[lectures, hours]], dtype='float32').\n2. p = model(x, training=False) (or model.predict(x, verbose=0)).\n"
        "3. return float(p[0, 0])."
    ),
)

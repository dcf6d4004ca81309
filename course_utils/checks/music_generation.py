"""Checks for the notebook "Music generation with an RNN" (lab ``tensorflow_music``, part 2).

MIT 6.S191 Lab 1, part 2, for Keras 3 / TensorFlow 2.16+: a character-level LSTM learns
Irish folk tunes written in ABC notation and then writes new ones. The exercises:
lookup tables between characters and indices, vectorising text, cutting training batches
(input x and target y shifted by one character), the Embedding → LSTM → Dense model,
the cross-entropy loss on logits, one training step with ``tf.GradientTape`` inside
``tf.function``, and sampling new text with a temperature while carrying the LSTM's
state (h, c) by hand.

Every check runs the student's function on fixed reference inputs (never on another
exercise's answer) and compares with a reference computed here. For the model and the
sampler the checks build small Keras models whose weights are set by hand, so that the
right answer is known exactly (for instance, a model that always predicts "the next
letter of the alphabet"). TensorFlow is imported inside the checkers, so importing this
module stays cheap.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from .core import CheckFailed, Exercise, expect_array

Array = np.ndarray

# Two lines of the first tune of O'Neill's collection: a small, real piece of the corpus.
SAMPLE_SONG = "X:1\nT:The Enchanted Valley\nM:2/4\nL:1/16\nK:Gm\nG3-A (Bcd=e) | f4 (g2dB) | ({d}c3-B) G2-E2 | F4 (D2=E^F) |"
RTOL, ATOL = 1e-5, 1e-6


def _tf() -> Any:
    import tensorflow as tf

    return tf


def _returned(value: Any, name: str) -> Any:
    if value is None:
        raise CheckFailed(f"`{name}` returned None. Did you forget a `return`?")
    return value


def _reference_tables(vocab: list[str]) -> tuple[dict[str, int], Array]:
    return {c: i for i, c in enumerate(vocab)}, np.array(vocab)


# --- lookup tables and vectorising ---------------------------------------------------------


def _check_build_lookup_tables(build_lookup_tables: Callable) -> None:
    for vocab in (sorted(set(SAMPLE_SONG)), ["b", "a", "\n", "c"]):
        name = f"build_lookup_tables({vocab!r})" if len(vocab) < 8 else "build_lookup_tables(the vocabulary of a tune)"
        got = _returned(build_lookup_tables(list(vocab)), name)
        if not isinstance(got, tuple) or len(got) != 2:
            raise CheckFailed(f"`{name}` should return a tuple (char2idx, idx2char), got a {type(got).__name__}.")
        char2idx, idx2char = got
        if not isinstance(char2idx, dict):
            raise CheckFailed(f"char2idx should be a dict from characters to indices, got a {type(char2idx).__name__}.")
        if set(char2idx) != set(vocab):
            wrong = sorted(set(char2idx) ^ set(vocab), key=repr)[:3]
            raise CheckFailed(
                f"the keys of char2idx should be exactly the characters of vocab; {wrong} differ. "
                "char2idx maps a character to its index: {character: index}."
            )
        for i, c in enumerate(vocab):
            value = char2idx[c]
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise CheckFailed(f"char2idx[{c!r}] should be an int, got a {type(value).__name__}.")
            if int(value) != i:
                raise CheckFailed(
                    f"char2idx[{c!r}] is {int(value)}; expected {i}: the index of a character is its position in vocab "
                    "(counting from 0, in the order given)."
                )
        if not isinstance(idx2char, np.ndarray):
            raise CheckFailed(
                f"idx2char should be a NumPy array (np.array(vocab)), got a {type(idx2char).__name__}: "
                "an array can be indexed with a whole array of indices at once."
            )
        if idx2char.shape != (len(vocab),) or idx2char.dtype.kind != "U":
            raise CheckFailed(f"idx2char should be an array of {len(vocab)} characters, got shape {idx2char.shape} and dtype {idx2char.dtype}.")
        if list(idx2char) != list(vocab):
            raise CheckFailed("idx2char[i] should be the i-th character of vocab: np.array(vocab).")


def _check_vectorize_string(vectorize_string: Callable, vectorized_to_string: Callable) -> None:
    vocab = sorted(set(SAMPLE_SONG))
    char2idx, idx2char = _reference_tables(vocab)
    for text in (SAMPLE_SONG, "K:Gm\n", "X"):
        name = f"vectorize_string({text!r}, char2idx)" if len(text) < 10 else "vectorize_string(a tune, char2idx)"
        got = _returned(vectorize_string(text, dict(char2idx)), name)
        if not isinstance(got, np.ndarray):
            raise CheckFailed(f"`{name}` should return a NumPy array, got a {type(got).__name__}: wrap the list in np.array(...).")
        if got.dtype.kind not in "iu":
            raise CheckFailed(f"`{name}` has dtype {got.dtype}; expected integers (indices).")
        expected = np.array([char2idx[c] for c in text], dtype=np.int64)
        if got.shape != expected.shape:
            raise CheckFailed(f"`{name}` has shape {got.shape}; expected {expected.shape}: one index per character.")
        if not np.array_equal(got, expected):
            k = int(np.argmax(got != expected))
            raise CheckFailed(f"`{name}`[{k}] is {got[k]}; expected char2idx[{text[k]!r}] = {expected[k]}.")
    rng = np.random.default_rng(21)
    for indices in (np.array([char2idx[c] for c in SAMPLE_SONG]), rng.integers(0, len(vocab), size=40), np.array([3])):
        expected = "".join(vocab[i] for i in indices)
        name = f"vectorized_to_string(indices of {len(indices)} characters, idx2char)"
        got = _returned(vectorized_to_string(indices.copy(), idx2char.copy()), name)
        if not isinstance(got, str):
            raise CheckFailed(f"`{name}` should return one string (a str), got a {type(got).__name__}: join the characters with ''.join(...).")
        if got != expected:
            raise CheckFailed(f"`{name}` gives {got[:30]!r}...; expected {expected[:30]!r}...: the character idx2char[i] for each index i.")


# --- batches ---------------------------------------------------------------------------------


def _reference_batch(vectorized: Array, seq_length: int, batch_size: int, seed: int) -> tuple[Array, Array]:
    starts = np.random.default_rng(seed).integers(0, len(vectorized) - seq_length, size=batch_size)
    x = np.stack([vectorized[s : s + seq_length] for s in starts])
    y = np.stack([vectorized[s + 1 : s + seq_length + 1] for s in starts])
    return x, y


def _batch(get_batch: Callable, vectorized: Array, seq_length: int, batch_size: int, seed: int) -> tuple[Array, Array]:
    name = f"get_batch(text of {len(vectorized)} indices, seq_length={seq_length}, batch_size={batch_size}, rng)"
    got = _returned(get_batch(vectorized.copy(), seq_length, batch_size, np.random.default_rng(seed)), name)
    if not isinstance(got, tuple) or len(got) != 2:
        raise CheckFailed(f"`{name}` should return a tuple (x_batch, y_batch).")
    x, y = got
    for label, value in (("x_batch", x), ("y_batch", y)):
        if not isinstance(value, np.ndarray):
            raise CheckFailed(f"{label} of `{name}` should be a NumPy array, got a {type(value).__name__}.")
        if value.shape != (batch_size, seq_length):
            raise CheckFailed(f"{label} of `{name}` has shape {value.shape}; expected (batch_size, seq_length) = {(batch_size, seq_length)}.")
        if value.dtype.kind not in "iu":
            raise CheckFailed(f"{label} of `{name}` has dtype {value.dtype}; expected integers (character indices).")
    return x, y


def _check_get_batch(get_batch: Callable) -> None:
    # With the text 0, 1, 2, ... every value is its own position: x[k, 0] is the start.
    text = np.arange(60)
    x, y = _batch(get_batch, text, 10, 6, seed=0)
    rows_ok = all(np.array_equal(row, np.arange(row[0], row[0] + 10)) for row in x)
    if not rows_ok:
        raise CheckFailed("each row of x_batch should be seq_length consecutive characters of the text: vectorized_songs[i : i + seq_length].")
    if np.array_equal(x, y):
        raise CheckFailed("y_batch equals x_batch: the target is the text shifted by one, vectorized_songs[i + 1 : i + seq_length + 1].")
    if np.array_equal(y + 1, x):
        raise CheckFailed("y_batch is shifted the wrong way: y_batch[k, t] should be the character AFTER x_batch[k, t].")
    if not np.array_equal(y, x + 1):
        raise CheckFailed("y_batch[k, t] should be the next character after x_batch[k, t]: y rows are vectorized_songs[i + 1 : i + seq_length + 1].")
    starts = x[:, 0]
    if starts.min() < 0 or starts.max() > len(text) - 10 - 1:
        raise CheckFailed(f"a batch starts at position {starts.max()}: the last possible start is len(vectorized_songs) - seq_length - 1.")
    # Every possible start can be drawn (here only 0 and 1 fit).
    x, y = _batch(get_batch, np.arange(12), 10, 200, seed=1)
    if set(x[:, 0].tolist()) != {0, 1}:
        raise CheckFailed(
            f"with a text of 12 characters and seq_length = 10, the batches should start at 0 or 1 (both drawn), got starts "
            f"{sorted(set(x[:, 0].tolist()))}. Draw the starts with rng.integers(0, len(vectorized_songs) - seq_length, size=batch_size)."
        )
    rng = np.random.default_rng(2)
    words = rng.integers(0, 83, size=300)
    x, y = _batch(get_batch, words, 25, 5, seed=3)
    ex, ey = _reference_batch(words, 25, 5, seed=3)
    x2, _ = _batch(get_batch, words, 25, 5, seed=3)
    if not np.array_equal(x, x2):
        raise CheckFailed("two calls with generators of the same seed give different batches: draw the starts with the `rng` passed in, not np.random.")
    if not (np.array_equal(x, ex) and np.array_equal(y, ey)):
        raise CheckFailed(
            "the batch differs from the reference for the same generator: draw the starts with "
            "rng.integers(0, len(vectorized_songs) - seq_length, size=batch_size), one call."
        )


# --- the model ---------------------------------------------------------------------------------


def _layer_names(model: Any) -> list[str]:
    return [type(layer).__name__ for layer in model.layers]


def _expected_param_count(vocab_size: int, embedding_dim: int, rnn_units: int) -> int:
    return vocab_size * embedding_dim + 4 * (rnn_units * (embedding_dim + rnn_units) + rnn_units) + rnn_units * vocab_size + vocab_size


def _keras_reference(vocab_size: int, embedding_dim: int, rnn_units: int) -> Any:
    tf = _tf()
    return tf.keras.Sequential([
        tf.keras.Input(shape=(None,), dtype="int32"),
        tf.keras.layers.Embedding(vocab_size, embedding_dim),
        tf.keras.layers.LSTM(rnn_units, return_sequences=True),
        tf.keras.layers.Dense(vocab_size),
    ])


def _check_build_model(build_model: Callable) -> None:
    tf = _tf()
    rng = np.random.default_rng(4)
    for vocab_size, embedding_dim, rnn_units, batch_size in ((11, 4, 6, 3), (17, 8, 5, None)):
        name = f"build_model({vocab_size}, {embedding_dim}, {rnn_units}, batch_size={batch_size})"
        model = _returned(build_model(vocab_size, embedding_dim, rnn_units, batch_size), name)
        if not isinstance(model, tf.keras.Sequential):
            raise CheckFailed(f"`{name}` should return a tf.keras.Sequential model, got a {type(model).__name__}.")
        names = _layer_names(model)
        if names != ["Embedding", "LSTM", "Dense"]:
            raise CheckFailed(f"the layers of `{name}` are {names}; expected ['Embedding', 'LSTM', 'Dense'] in this order.")
        embedding, lstm, dense = model.layers
        if (embedding.input_dim, embedding.output_dim) != (vocab_size, embedding_dim):
            raise CheckFailed(
                f"the Embedding of `{name}` maps {embedding.input_dim} characters to vectors of size {embedding.output_dim}; "
                f"expected Embedding(vocab_size={vocab_size}, embedding_dim={embedding_dim})."
            )
        if lstm.units != rnn_units:
            raise CheckFailed(f"the LSTM of `{name}` has {lstm.units} units; expected rnn_units = {rnn_units}.")
        if not lstm.return_sequences:
            raise CheckFailed("the LSTM should return its output at every time step (return_sequences=True): we predict the next character after each one.")
        if lstm.stateful:
            raise CheckFailed("the LSTM should not be stateful here: each batch starts from a zero state (see the box above the exercise).")
        if dense.units != vocab_size:
            raise CheckFailed(f"the Dense layer of `{name}` has {dense.units} units; expected vocab_size = {vocab_size}, one logit per character.")
        if dense.activation is not tf.keras.activations.linear:
            raise CheckFailed(
                f"the Dense layer of `{name}` has the activation '{dense.activation.__name__}'; it should output logits "
                "(no activation): the loss and the sampler apply the softmax themselves."
            )
        batch = batch_size or 2
        ids = rng.integers(0, vocab_size, size=(batch, 7)).astype(np.int32)
        out = model(tf.constant(ids))
        if tuple(out.shape) != (batch, 7, vocab_size):
            raise CheckFailed(f"`{name}` maps a batch of shape {(batch, 7)} to shape {tuple(out.shape)}; expected (batch, seq, vocab_size) = {(batch, 7, vocab_size)}.")
        expected_count = _expected_param_count(vocab_size, embedding_dim, rnn_units)
        if model.count_params() != expected_count:
            raise CheckFailed(f"`{name}` has {model.count_params()} parameters; expected {expected_count}.")
        reference = _keras_reference(vocab_size, embedding_dim, rnn_units)
        reference.set_weights(model.get_weights())
        expect_array(out, reference(tf.constant(ids)), f"{name}(a batch of indices)", rtol=1e-4, atol=1e-5)
        if batch_size is None:
            out = model(tf.constant(ids[:1, :3]))
            if tuple(out.shape) != (1, 3, vocab_size):
                raise CheckFailed(f"with batch_size=None `{name}` should accept any batch size and length; got shape {tuple(out.shape)} for input (1, 3).")
        elif tuple(model.inputs[0].shape) != (batch_size, None):
            raise CheckFailed(
                f"the input of `{name}` has shape {tuple(model.inputs[0].shape)}; expected (batch_size, None) = ({batch_size}, None): "
                "start with tf.keras.Input(shape=(None,), batch_size=batch_size)."
            )


# --- the loss -------------------------------------------------------------------------------------


def _reference_loss(labels: Array, logits: Array) -> float:
    logits = np.asarray(logits, dtype=float)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(log_probs, np.asarray(labels)[..., None], axis=-1)[..., 0]
    return float(-picked.mean())


def _check_compute_loss(compute_loss: Callable) -> None:
    tf = _tf()
    rng = np.random.default_rng(5)
    for shape, scale in (((3, 5, 7), 2.0), ((4, 9), 1.0), ((2, 3, 6), 60.0)):
        logits = (scale * rng.normal(size=shape)).astype(np.float32)
        labels = rng.integers(0, shape[-1], size=shape[:-1])
        name = f"compute_loss(labels of shape {shape[:-1]}, logits of shape {shape})"
        got = _returned(compute_loss(tf.constant(labels), tf.constant(logits)), name)
        if not tf.is_tensor(got):
            raise CheckFailed(
                f"`{name}` returned a {type(got).__name__}; expected a TensorFlow tensor (tf.reduce_mean of the Keras loss), "
                "so that gradients can flow through it during training."
            )
        if np.ndim(got) != 0:
            raise CheckFailed(f"`{name}` has shape {np.shape(got)}; expected a single number, the mean over all characters (tf.reduce_mean).")
        expected = _reference_loss(labels, logits)
        value = float(np.asarray(got))
        if not np.isfinite(value):
            raise CheckFailed(f"`{name}` is {value} for large logits: use the loss with from_logits=True, which is numerically stable.")
        if not np.isclose(value, expected, rtol=1e-4, atol=1e-5):
            total = expected * np.prod(shape[:-1])
            extra = " (the sum, not the mean)" if np.isclose(value, total, rtol=1e-4) else ""
            raise CheckFailed(
                f"`{name}` is {value:.6g}; expected {expected:.6g}{extra}. The model outputs logits: "
                "pass from_logits=True, and average over all characters."
            )
    logits = tf.Variable(rng.normal(size=(2, 3, 5)).astype(np.float32))
    labels = rng.integers(0, 5, size=(2, 3))
    with tf.GradientTape() as tape:
        loss = compute_loss(tf.constant(labels), logits)
    grad = tape.gradient(loss, logits)
    if grad is None:
        raise CheckFailed("no gradient flows from `compute_loss` to the logits: compute it with TensorFlow operations, not NumPy.")
    probs = tf.nn.softmax(logits).numpy()
    expected = (probs - np.eye(5)[labels]) / labels.size
    expect_array(grad, expected, "the gradient of compute_loss with respect to the logits", rtol=1e-4, atol=1e-6)


# --- one training step -------------------------------------------------------------------------


def _tiny_model(vocab_size: int = 9, embedding_dim: int = 4, rnn_units: int = 6, seed: int = 0) -> Any:
    tf = _tf()
    tf.keras.utils.set_random_seed(seed)
    return _keras_reference(vocab_size, embedding_dim, rnn_units)


def _mean_loss(model: Any, x: Array, y: Array) -> Any:
    tf = _tf()
    return tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True))


def _check_train_step(train_step: Callable) -> None:
    tf = _tf()
    if not callable(getattr(train_step, "get_concrete_function", None)):
        raise CheckFailed("`train_step` should be decorated with @tf.function, so that TensorFlow compiles it into a graph.")
    rng = np.random.default_rng(6)
    text = rng.integers(0, 9, size=40)
    x = tf.constant(np.stack([text[0:12], text[20:32]]).astype(np.int32))
    y = tf.constant(np.stack([text[1:13], text[21:33]]).astype(np.int32))
    model = _tiny_model()
    learning_rate = 0.5
    optimizer = tf.keras.optimizers.SGD(learning_rate)
    optimizer.build(model.trainable_variables)  # tf.function may create variables on its first call only
    before = [w.numpy() for w in model.trainable_variables]
    with tf.GradientTape() as tape:
        loss_before = _mean_loss(model, x, y)
    grads = [np.asarray(tf.convert_to_tensor(g)) for g in tape.gradient(loss_before, model.trainable_variables)]
    loss = _returned(train_step(model, optimizer, x, y), "train_step(model, optimizer, x, y)")
    if np.ndim(loss) != 0:
        raise CheckFailed(f"`train_step` returned shape {np.shape(loss)}; expected the loss, a single number.")
    if not np.isclose(float(loss), float(loss_before), rtol=1e-4, atol=1e-5):
        raise CheckFailed(
            f"`train_step` returned {float(loss):.6g}; expected the mean cross-entropy of the batch before the update, "
            f"{float(loss_before):.6g} (labels y, the model's logits, from_logits=True)."
        )
    after = [w.numpy() for w in model.trainable_variables]
    if all(np.array_equal(a, b) for a, b in zip(after, before)):
        raise CheckFailed("the weights did not change: apply the gradients with optimizer.apply_gradients(zip(grads, model.trainable_variables)).")
    for variable, w0, w1, g in zip(model.trainable_variables, before, after, grads):
        expected = w0 - learning_rate * g
        if not np.allclose(w1, expected, rtol=1e-4, atol=1e-5):
            if np.allclose(w1, w0 + learning_rate * g, rtol=1e-4, atol=1e-5):
                raise CheckFailed("the weights moved up the gradient: apply_gradients subtracts the gradient itself; pass the gradients, not their negatives.")
            raise CheckFailed(
                f"after one SGD step with learning rate {learning_rate} the weight '{variable.path}' should be w - lr * dL/dw; it is not. "
                "Compute the gradient of the loss with respect to model.trainable_variables and apply it once."
            )
    losses = [float(train_step(model, optimizer, x, y)) for _ in range(10)]
    if not losses[-1] < float(loss_before) - 0.05:
        raise CheckFailed(f"after 11 steps on the same batch the loss went from {float(loss_before):.4g} to {losses[-1]:.4g}; it should drop.")


# --- generating text ------------------------------------------------------------------------------

GEN_VOCAB = list("abcdefxyn")


def _one_hot_lstm_model(vocab_size: int, units: int, lstm_kernel: Array, lstm_bias: Array, dense_kernel: Array, dense_bias: Array) -> Any:
    """Embedding (one-hot) → LSTM → Dense with weights set by hand."""
    tf = _tf()
    model = _keras_reference(vocab_size, vocab_size, units)
    embedding, lstm, dense = model.layers
    embedding.set_weights([np.eye(vocab_size, dtype=np.float32)])
    lstm.set_weights([lstm_kernel.astype(np.float32), np.zeros((units, 4 * units), np.float32), lstm_bias.astype(np.float32)])
    dense.set_weights([dense_kernel.astype(np.float32), dense_bias.astype(np.float32)])
    return model


def successor_model(vocab_size: int) -> Any:
    """A model that (almost surely) writes the character after the last one: a, b, c, ... (cyclic).

    The LSTM forgets everything at each step (forget gate ≈ 0) and its unit j lights up for
    character j; the Dense layer maps unit j to a large logit for character j + 1.
    """
    v = vocab_size
    kernel = np.zeros((v, 4 * v))
    kernel[:, 2 * v : 3 * v] = 3.0 * np.eye(v)  # the candidate c̃ follows the input; gates i, f, o: see the bias
    bias = np.concatenate([np.full(v, 10.0), np.full(v, -10.0), np.zeros(v), np.full(v, 10.0)])  # i ≈ 1, f ≈ 0, o ≈ 1
    dense = 40.0 * np.roll(np.eye(v), 1, axis=1)  # unit j -> logit of character j + 1
    return _one_hot_lstm_model(v, v, kernel, bias, dense, np.zeros(v))


def memory_model(vocab_size: int, trigger: int, yes: int, no: int) -> Any:
    """A model that writes `yes` forever once it has seen `trigger` anywhere, else `no`.

    One LSTM unit: its input gate opens only for `trigger`, its forget gate stays open, so
    the cell state c remembers the trigger; the Dense layer reads h = o·tanh(c).
    """
    v = vocab_size
    kernel = np.zeros((v, 4))
    kernel[trigger, 0] = 20.0  # input gate opens for the trigger only
    bias = np.array([-10.0, 10.0, 10.0, 10.0])  # i closed, f open (remember), c̃ ≈ 1, o open
    dense = np.zeros((1, v))
    dense[0, yes], dense[0, no] = 40.0, -40.0
    dense_bias = np.full(v, -30.0)
    dense_bias[yes], dense_bias[no] = -15.0, 15.0
    return _one_hot_lstm_model(v, 1, kernel, bias, dense, dense_bias)


def bias_model(bias: Array) -> Any:
    """A model whose logits are `bias` whatever the input (the Dense kernel is zero)."""
    v = len(bias)
    tf = _tf()
    tf.keras.utils.set_random_seed(0)
    model = _keras_reference(v, 3, 2)
    dense = model.layers[2]
    dense.set_weights([np.zeros((2, v), np.float32), np.asarray(bias, np.float32)])
    return model


def _generate(generate_text: Callable, model: Any, start: str, vocab: list[str], length: int, temperature: float, seed: int) -> str:
    char2idx, idx2char = _reference_tables(vocab)
    name = f"generate_text(model, {start!r}, char2idx, idx2char, generation_length={length}, temperature={temperature:g}, seed={seed})"
    got = _returned(generate_text(model, start, char2idx, idx2char, length, temperature, seed), name)
    if not isinstance(got, str):
        raise CheckFailed(f"`{name}` should return a str, got a {type(got).__name__}: ''.join(...) the characters.")
    if len(got) != len(start) + length:
        raise CheckFailed(f"`{name}` has {len(got)} characters; expected len(start_string) + generation_length = {len(start) + length}.")
    if not got.startswith(start):
        raise CheckFailed(f"`{name}` should start with the start string {start!r}; it starts with {got[:len(start)]!r}.")
    outside = sorted(set(got) - set(vocab))
    if outside:
        raise CheckFailed(f"`{name}` contains {outside}, which are not in the vocabulary: map indices back with idx2char.")
    return got


def _check_generate_text(generate_text: Callable) -> None:
    vocab = GEN_VOCAB
    v = len(vocab)
    successor = successor_model(v)
    got = _generate(generate_text, successor, "ca", vocab, 12, 1.0, seed=0)
    expected = "ca" + "".join(vocab[(1 + k) % v] for k in range(12))
    if got != expected:
        raise CheckFailed(
            f"with a model that always writes the character after the last one, starting from 'ca' we expect {expected!r}, got {got!r}. "
            "Feed the whole start string (in order) through the LSTM cell, then feed back each character you sample."
        )
    memory = memory_model(v, trigger=vocab.index("x"), yes=vocab.index("y"), no=vocab.index("n"))
    for start, char in (("xab", "y"), ("abc", "n")):
        got = _generate(generate_text, memory, start, vocab, 6, 1.0, seed=0)
        if got != start + char * 6:
            raise CheckFailed(
                f"with a model that writes 'y' once it has seen an 'x' anywhere and 'n' otherwise, the start {start!r} should give "
                f"{start + char * 6!r}; got {got!r}. Carry the LSTM's state (h, c) from step to step: it is the model's memory."
            )
    peaked = bias_model(np.array([0.0, 0.0, 2.0] + [0.0] * (v - 3)))
    got = _generate(generate_text, peaked, "a", vocab, 30, 0.05, seed=1)
    if got != "a" + "c" * 30:
        raise CheckFailed(
            f"with logits favouring 'c' by 2 and temperature 0.05, every sampled character should be 'c'; got {got!r}. "
            "Divide the logits by the temperature before sampling."
        )
    tf = _tf()
    tf.keras.utils.set_random_seed(7)
    random_model = _keras_reference(v, 4, 8)
    first = _generate(generate_text, random_model, "ab", vocab, 40, 1.0, seed=3)
    again = _generate(generate_text, random_model, "ab", vocab, 40, 1.0, seed=3)
    other = _generate(generate_text, random_model, "ab", vocab, 40, 1.0, seed=4)
    if first != again:
        raise CheckFailed("two calls with the same seed give different texts: start with tf.random.set_seed(seed).")
    if first == other:
        raise CheckFailed("seeds 3 and 4 give the same text: sample with tf.random.categorical rather than taking the most likely character.")


# --- the exercises ----------------------------------------------------------------------------------

build_lookup_tables = Exercise(
    "build_lookup_tables",
    _check_build_lookup_tables,
    hint="enumerate(vocab) gives the pairs (index, character): a dict comprehension builds char2idx; np.array(vocab) is idx2char.",
    solution="1. char2idx = {c: i for i, c in enumerate(vocab)}.\n2. idx2char = np.array(vocab).\n3. return char2idx, idx2char.",
)
vectorize_string = Exercise(
    "vectorize_string",
    _check_vectorize_string,
    hint=(
        "vectorize_string: look up each character in char2idx, then np.array(..., dtype=np.int64). "
        "vectorized_to_string: idx2char[indices] gives the characters; ''.join(...) makes one string."
    ),
    solution=(
        "1. vectorize_string: return np.array([char2idx[c] for c in string], dtype=np.int64).\n"
        "2. vectorized_to_string: return ''.join(idx2char[np.asarray(indices)])."
    ),
)
get_batch = Exercise(
    "get_batch",
    _check_get_batch,
    hint=(
        "starts = rng.integers(0, len(vectorized_songs) - seq_length, size=batch_size); x rows are "
        "vectorized_songs[i : i + seq_length], y rows the same window one character later."
    ),
    solution=(
        "1. starts = rng.integers(0, len(vectorized_songs) - seq_length, size=batch_size).\n"
        "2. x_batch = np.stack([vectorized_songs[i : i + seq_length] for i in starts]).\n"
        "3. y_batch = np.stack([vectorized_songs[i + 1 : i + seq_length + 1] for i in starts]).\n4. return x_batch, y_batch."
    ),
)
build_model = Exercise(
    "build_model",
    _check_build_model,
    hint=(
        "tf.keras.Sequential([tf.keras.Input(shape=(None,), batch_size=batch_size), Embedding(vocab_size, embedding_dim), "
        "LSTM(rnn_units, return_sequences=True), Dense(vocab_size)]): no activation on the Dense layer."
    ),
    solution=(
        "1. tf.keras.Input(shape=(None,), batch_size=batch_size): sequences of any length.\n"
        "2. tf.keras.layers.Embedding(vocab_size, embedding_dim).\n"
        "3. tf.keras.layers.LSTM(rnn_units, return_sequences=True).\n"
        "4. tf.keras.layers.Dense(vocab_size) (logits).\n5. return tf.keras.Sequential([...those four...])."
    ),
)
compute_loss = Exercise(
    "compute_loss",
    _check_compute_loss,
    hint="tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True) gives one loss per character; average them.",
    solution="1. per_char = tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True).\n2. return tf.reduce_mean(per_char).",
)
train_step = Exercise(
    "train_step",
    _check_train_step,
    hint=(
        "Decorate with @tf.function. Inside a GradientTape: logits = model(x), then the mean sparse cross-entropy with "
        "from_logits=True. Then tape.gradient(loss, model.trainable_variables) and optimizer.apply_gradients(zip(...)). Return the loss."
    ),
    solution=(
        "1. @tf.function above the def.\n2. with tf.GradientTape() as tape: logits = model(x);\n"
        "   loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)).\n"
        "3. grads = tape.gradient(loss, model.trainable_variables).\n"
        "4. optimizer.apply_gradients(zip(grads, model.trainable_variables)).\n5. return loss."
    ),
)
generate_text = Exercise(
    "generate_text",
    _check_generate_text,
    hint=(
        "embedding, lstm, dense = model.layers; state = [zeros (1, units), zeros (1, units)]; for each character: "
        "h, state = lstm.cell(embedding(tf.constant([index])), state). Sample the next index with "
        "tf.random.categorical(dense(h) / temperature, num_samples=1) and feed it back."
    ),
    solution=(
        "1. if seed is not None: tf.random.set_seed(seed).\n"
        "2. embedding, lstm, dense = model.layers; state = [tf.zeros((1, lstm.units)), tf.zeros((1, lstm.units))].\n"
        "3. for each index of the start string: h, state = lstm.cell(embedding(tf.constant([index])), state).\n"
        "4. repeat generation_length times: logits = dense(h) / temperature;\n"
        "   index = int(tf.random.categorical(logits, num_samples=1)[0, 0]); append idx2char[index];\n"
        "   h, state = lstm.cell(embedding(tf.constant([index])), state).\n"
        "5. return start_string + ''.join(generated)."
    ),
)

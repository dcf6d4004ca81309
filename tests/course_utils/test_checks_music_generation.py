"""Each check of the notebook "Music generation with an RNN" passes a correct answer,
reports a stub as not attempted and catches the common mistakes (real TensorFlow)."""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from course_utils.checks import NOT_ATTEMPTED, PASSED, WRONG  # noqa: E402
from course_utils.checks import music_generation as ex  # noqa: E402


def stub(*args, **kwargs):
    raise NotImplementedError("not attempted yet")


@tf.function
def stub_train_step(model, optimizer, x, y):
    raise NotImplementedError("not attempted yet")


# --- reference answers -----------------------------------------------------------------------


def build_lookup_tables(vocab):
    return {c: i for i, c in enumerate(vocab)}, np.array(vocab)


def vectorize_string(string, char2idx):
    return np.array([char2idx[c] for c in string], dtype=np.int64)


def vectorized_to_string(indices, idx2char):
    return "".join(idx2char[np.asarray(indices, dtype=np.int64)])


def get_batch(vectorized_songs, seq_length, batch_size, rng, shift=1, source=None, high_offset=0, transpose=False):
    high = len(vectorized_songs) - seq_length - high_offset
    starts = source(high, batch_size) if source else rng.integers(0, high, size=batch_size)
    x = np.stack([vectorized_songs[i : i + seq_length] for i in starts])
    y = np.stack([vectorized_songs[i + shift : i + shift + seq_length] for i in starts])
    return (x.T, y.T) if transpose else (x, y)


def batch_variant(**options):
    return lambda v, n, b, rng: get_batch(v, n, b, rng, **options)


def build_model(vocab_size, embedding_dim, rnn_units, batch_size=None, rnn=None, activation=None,
                return_sequences=True, with_input=True):
    layers = [
        tf.keras.layers.Embedding(vocab_size, embedding_dim),
        (rnn or tf.keras.layers.LSTM)(rnn_units, return_sequences=return_sequences),
        tf.keras.layers.Dense(vocab_size, activation=activation),
    ]
    if with_input:
        layers.insert(0, tf.keras.Input(shape=(None,), batch_size=batch_size))
    return tf.keras.Sequential(layers)


def model_variant(**options):
    return lambda v, e, u, b=None: build_model(v, e, u, b, **options)


def stateful_model(vocab_size, embedding_dim, rnn_units, batch_size=None):
    return tf.keras.Sequential([
        tf.keras.Input(batch_shape=(batch_size or 2, None)),
        tf.keras.layers.Embedding(vocab_size, embedding_dim),
        tf.keras.layers.LSTM(rnn_units, return_sequences=True, stateful=True),
        tf.keras.layers.Dense(vocab_size),
    ])


def compute_loss(labels, logits):
    return tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))


def naive_softmax_loss(labels, logits):
    probs = tf.exp(logits) / tf.reduce_sum(tf.exp(logits), axis=-1, keepdims=True)
    return tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(labels, probs))


def numpy_loss(labels, logits):
    logits = np.asarray(logits, dtype=float)
    log_probs = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) - logits.max(-1, keepdims=True)
    return float(-np.take_along_axis(log_probs, np.asarray(labels)[..., None], -1).mean())


def make_train_step(sign=1.0, apply=True, from_logits=True, return_after=False, decorate=True):
    def step(model, optimizer, x, y):
        with tf.GradientTape() as tape:
            logits = model(x)
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=from_logits))
        grads = tape.gradient(loss, model.trainable_variables)
        if apply:
            optimizer.apply_gradients(zip([sign * tf.convert_to_tensor(g) for g in grads], model.trainable_variables))
        if return_after:
            return tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True))
        return loss

    return tf.function(step) if decorate else step


def generate_text(model, start_string, char2idx, idx2char, generation_length=1000, temperature=1.0, seed=None,
                  temperature_mode="divide", use_seed=True, include_start=True, argmax=False, keep_state=True,
                  start_order=1):
    if seed is not None and use_seed:
        tf.random.set_seed(seed)
    embedding, lstm, dense = model.layers

    def zeros():
        return [tf.zeros((1, lstm.units)), tf.zeros((1, lstm.units))]

    state = zeros()
    for index in [char2idx[c] for c in start_string][::start_order]:
        h, state = lstm.cell(embedding(tf.constant([index])), state if keep_state else zeros())
    generated = []
    for _ in range(generation_length):
        logits = dense(h)
        logits = {"divide": logits / temperature, "multiply": logits * temperature, "ignore": logits}[temperature_mode]
        index = int(tf.argmax(logits[0])) if argmax else int(tf.random.categorical(logits, 1)[0, 0])
        generated.append(idx2char[index])
        h, state = lstm.cell(embedding(tf.constant([index])), state if keep_state else zeros())
    return (start_string if include_start else "") + "".join(generated)


def generate_variant(**options):
    return lambda m, s, c2i, i2c, n=1000, t=1.0, seed=None: generate_text(m, s, c2i, i2c, n, t, seed, **options)


CORRECT = {
    ex.build_lookup_tables: (build_lookup_tables,),
    ex.vectorize_string: (vectorize_string, vectorized_to_string),
    ex.get_batch: (get_batch,),
    ex.build_model: (build_model,),
    ex.compute_loss: (compute_loss,),
    ex.train_step: (make_train_step(),),
    ex.generate_text: (generate_text,),
}

STUBS = {
    ex.vectorize_string: (stub, stub),
    ex.train_step: (stub_train_step,),
}

MISTAKES = [
    (ex.build_lookup_tables, (lambda v: (np.array(v), {c: i for i, c in enumerate(v)}),), "tables swapped"),
    (ex.build_lookup_tables, (lambda v: ({c: i for i, c in enumerate(v)}, list(v)),), "idx2char a list"),
    (ex.build_lookup_tables, (lambda v: ({c: i for i, c in enumerate(v, start=1)}, np.array(v)),), "indices from 1"),
    (ex.build_lookup_tables, (lambda v: build_lookup_tables(sorted(v)),), "sorted the vocabulary again"),
    (ex.vectorize_string, (lambda s, c2i: [c2i[c] for c in s], vectorized_to_string), "a list, not an array"),
    (ex.vectorize_string, (lambda s, c2i: np.array([c2i[c] for c in s], dtype=float), vectorized_to_string), "float indices"),
    (ex.vectorize_string, (lambda s, c2i: vectorize_string(s, c2i) + 1, vectorized_to_string), "off by one"),
    (ex.vectorize_string, (vectorize_string, lambda ix, i2c: list(i2c[np.asarray(ix)])), "a list of characters"),
    (ex.vectorize_string, (vectorize_string, lambda ix, i2c: " ".join(i2c[np.asarray(ix)])), "joined with spaces"),
    (ex.get_batch, (batch_variant(shift=0),), "target not shifted"),
    (ex.get_batch, (lambda v, n, b, rng: get_batch(v, n, b, rng)[::-1],), "shifted the wrong way"),
    (ex.get_batch, (batch_variant(source=lambda high, b: np.random.randint(0, high, size=b)),), "np.random, not rng"),
    (ex.get_batch, (batch_variant(high_offset=1),), "the last start is never drawn"),
    (ex.get_batch, (batch_variant(transpose=True),), "transposed"),
    (ex.build_model, (model_variant(return_sequences=False),), "last time step only"),
    (ex.build_model, (model_variant(activation="softmax"),), "softmax on the Dense layer"),
    (ex.build_model, (model_variant(rnn=tf.keras.layers.GRU),), "GRU, not LSTM"),
    (ex.build_model, (stateful_model,), "stateful LSTM"),
    (ex.build_model, (lambda v, e, u, b=None: build_model(v, u, e, b),), "sizes swapped"),
    (ex.compute_loss, (lambda y, z: tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, z)),), "forgot from_logits"),
    (ex.compute_loss, (lambda y, z: tf.reduce_sum(tf.keras.losses.sparse_categorical_crossentropy(y, z, from_logits=True)),), "sum, not mean"),
    (ex.compute_loss, (lambda y, z: tf.keras.losses.sparse_categorical_crossentropy(y, z, from_logits=True),), "not reduced"),
    (ex.compute_loss, (naive_softmax_loss,), "softmax by hand overflows"),
    (ex.compute_loss, (numpy_loss,), "NumPy: no gradient"),
    (ex.train_step, (make_train_step(decorate=False),), "no @tf.function"),
    (ex.train_step, (make_train_step(sign=-1.0),), "gradient ascent"),
    (ex.train_step, (make_train_step(apply=False),), "gradients never applied"),
    (ex.train_step, (make_train_step(return_after=True),), "loss after the update"),
    (ex.generate_text, (generate_variant(include_start=False),), "start string left out"),
    (ex.generate_text, (generate_variant(temperature_mode="ignore"),), "temperature ignored"),
    (ex.generate_text, (generate_variant(temperature_mode="multiply"),), "temperature multiplies"),
    (ex.generate_text, (generate_variant(argmax=True),), "argmax instead of sampling"),
    (ex.generate_text, (generate_variant(keep_state=False),), "state reset at every step"),
    (ex.generate_text, (generate_variant(use_seed=False),), "seed ignored"),
    (ex.generate_text, (generate_variant(start_order=-1),), "start string fed backwards"),
]


@pytest.mark.parametrize("exercise", list(CORRECT), ids=lambda e: e.name)
def test_correct_answers_pass(exercise):
    result = exercise.evaluate(*CORRECT[exercise])
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("exercise", list(CORRECT), ids=lambda e: e.name)
def test_stubs_are_not_attempted(exercise):
    assert exercise.evaluate(*STUBS.get(exercise, (stub,))).status == NOT_ATTEMPTED


@pytest.mark.parametrize("exercise, answers, mistake", MISTAKES, ids=[m[2] for m in MISTAKES])
def test_common_mistakes_are_wrong(exercise, answers, mistake):
    result = exercise.evaluate(*answers)
    assert result.status == WRONG, f"{mistake}: {result}"
    assert result.message


def test_every_exercise_has_a_mistake_test():
    assert {m[0] for m in MISTAKES} == set(CORRECT)


def test_hand_made_models_do_what_their_docstrings_say():
    vocab = ex.GEN_VOCAB
    c2i, i2c = build_lookup_tables(vocab)
    assert generate_text(ex.successor_model(len(vocab)), "a", c2i, i2c, 10, 1.0, 0) == "a" + "bcdefxynab"
    memory = ex.memory_model(len(vocab), trigger=vocab.index("x"), yes=vocab.index("y"), no=vocab.index("n"))
    assert generate_text(memory, "axb", c2i, i2c, 5, 1.0, 0) == "axbyyyyy"
    assert generate_text(memory, "ab", c2i, i2c, 5, 1.0, 0) == "abnnnnn"
    logits = ex.bias_model(np.arange(4.0))(np.zeros((1, 3), np.int32)).numpy()
    assert np.allclose(logits, np.arange(4.0), atol=1e-6)


def test_parameter_count_formula_matches_keras():
    model = build_model(90, 128, 256)
    assert model.count_params() == ex._expected_param_count(90, 128, 256)

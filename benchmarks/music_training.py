"""Benchmark the music-generation LSTM of lab ``tensorflow_music`` (notebook 01) on this machine.

Trains the notebook's model with its default CPU setting (256 LSTM units) for ``--steps``
steps, and the original MIT lab's setting (1,024 units, the notebook's
``USE_GPU_SETTINGS = True``) for ``--classic-steps`` steps, in one run. For each it prints
the seconds per step, the total training time, the final loss and the share of the songs
in ``--gen-length`` generated characters that are valid ABC, then the ratio of the
seconds per step (classic / default) and the projected time of the classic setting's full
3,000 steps. The model, the batches, the training step and the sampler are the notebook's
reference solution, written out here.

    python benchmarks/music_training.py            # about 5 minutes on 2 CPU cores
    python benchmarks/music_training.py --quick    # under a minute: a smoke test
    python benchmarks/music_training.py --steps 300 --classic-steps 10
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere in the repository

import numpy as np  # noqa: E402

from course_utils import music  # noqa: E402

# The notebook's two settings (section 5 of 01_music_generation.ipynb).
SETTINGS = {
    "default (CPU)": dict(batch_size=32, seq_length=100, learning_rate=5e-3, embedding_dim=128, rnn_units=256, full_steps=1200),
    "classic (GPU)": dict(batch_size=8, seq_length=100, learning_rate=5e-3, embedding_dim=256, rnn_units=1024, full_steps=3000),
}


@dataclass
class Result:
    name: str
    steps: int
    trace_seconds: float  # the first step: tf.function traces the graph
    seconds_per_step: float  # the later steps
    total_seconds: float
    final_loss: float  # mean of the last 20 steps
    songs: int
    valid_songs: int
    ms_per_char: float
    full_steps: int


def build_model(tf, vocab_size: int, embedding_dim: int, rnn_units: int, batch_size: int | None = None):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(None,), batch_size=batch_size),
        tf.keras.layers.Embedding(vocab_size, embedding_dim),
        tf.keras.layers.LSTM(rnn_units, return_sequences=True),
        tf.keras.layers.Dense(vocab_size),
    ])


def get_batch(vectorized: np.ndarray, seq_length: int, batch_size: int, rng: np.random.Generator):
    starts = rng.integers(0, len(vectorized) - seq_length, size=batch_size)
    x = np.stack([vectorized[i : i + seq_length] for i in starts])
    y = np.stack([vectorized[i + 1 : i + seq_length + 1] for i in starts])
    return x, y


def make_train_step(tf):
    @tf.function
    def train_step(model, optimizer, x, y):
        with tf.GradientTape() as tape:
            logits = model(x)
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return train_step


def generate_text(tf, model, start_string, char2idx, idx2char, generation_length, temperature=1.0, seed=None):
    if seed is not None:
        tf.random.set_seed(seed)
    embedding, lstm, dense = model.layers
    state = [tf.zeros((1, lstm.units)), tf.zeros((1, lstm.units))]
    for index in [char2idx[c] for c in start_string]:
        h, state = lstm.cell(embedding(tf.constant([index])), state)
    generated = []
    for _ in range(generation_length):
        index = int(tf.random.categorical(dense(h) / temperature, num_samples=1)[0, 0])
        generated.append(idx2char[index])
        h, state = lstm.cell(embedding(tf.constant([index])), state)
    return start_string + "".join(generated)


def run(tf, name: str, setting: dict, n_steps: int, gen_length: int, vectorized, char2idx, idx2char, seed: int) -> Result:
    tf.keras.utils.set_random_seed(seed)
    model = build_model(tf, len(idx2char), setting["embedding_dim"], setting["rnn_units"], setting["batch_size"])
    optimizer = tf.keras.optimizers.Adam(setting["learning_rate"])
    optimizer.build(model.trainable_variables)
    train_step = make_train_step(tf)
    rng = np.random.default_rng(seed)
    losses: list[float] = []
    start = time.perf_counter()
    first_done = start
    report_every = max(1, n_steps // 10)
    for step in range(n_steps):
        x, y = get_batch(vectorized, setting["seq_length"], setting["batch_size"], rng)
        losses.append(float(train_step(model, optimizer, x, y)))
        if step == 0:
            first_done = time.perf_counter()
        if (step + 1) % report_every == 0 or step + 1 == n_steps:
            print(f"  [{name}] step {step + 1:5d}/{n_steps}  loss {np.mean(losses[-20:]):.3f}  {time.perf_counter() - start:6.1f} s", flush=True)
    total = time.perf_counter() - start
    per_step = (total - (first_done - start)) / max(1, n_steps - 1)
    gen_start = time.perf_counter()
    text = generate_text(tf, model, "X", char2idx, idx2char, gen_length, temperature=1.0, seed=seed)
    ms_per_char = 1000 * (time.perf_counter() - gen_start) / max(1, gen_length)
    songs = music.extract_songs(text)
    valid = sum(music.is_valid_abc(song) for song in songs)
    return Result(name, n_steps, first_done - start, per_step, total, float(np.mean(losses[-20:])), len(songs), valid,
                  ms_per_char, setting["full_steps"])


def print_table(results: list[Result]) -> None:
    def share(r: Result) -> str:
        return f"{r.valid_songs}/{r.songs} ({100 * r.valid_songs / r.songs:.0f}%)" if r.songs else "0/0 (no song found)"

    rows = [
        ("LSTM units / embedding / batch", lambda r: "{rnn_units} / {embedding_dim} / {batch_size}".format(**SETTINGS[r.name])),
        ("training steps", lambda r: f"{r.steps}"),
        ("first step (tracing), s", lambda r: f"{r.trace_seconds:.2f}"),
        ("seconds per step", lambda r: f"{r.seconds_per_step:.3f}"),
        ("total training seconds", lambda r: f"{r.total_seconds:.1f}"),
        ("final loss (last 20 steps)", lambda r: f"{r.final_loss:.3f}"),
        ("valid ABC songs / songs", share),
        ("generation, ms per character", lambda r: f"{r.ms_per_char:.2f}"),
        ("projected full run", lambda r: f"{r.full_steps} steps ≈ {r.full_steps * r.seconds_per_step / 60:.1f} min"),
    ]
    width = max(len(label) for label, _ in rows)
    columns = [r.name for r in results]
    col = max(28, *(len(c) for c in columns))
    print("\n" + " " * width + "  " + "  ".join(f"{c:>{col}}" for c in columns))
    for label, cell in rows:
        print(f"{label:<{width}}  " + "  ".join(f"{cell(r):>{col}}" for r in results))
    if len(results) == 2 and results[0].seconds_per_step > 0:
        ratio = results[1].seconds_per_step / results[0].seconds_per_step
        print(f"\nseconds per step, classic / default: {ratio:.1f}×")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=None, help="training steps of the default setting (default 1200, the notebook's)")
    parser.add_argument("--classic-steps", type=int, default=None, help="training steps of the classic 1,024-unit setting (default 20)")
    parser.add_argument("--gen-length", type=int, default=None, help="characters generated to count valid songs (default 2000)")
    parser.add_argument("--quick", action="store_true", help="a smoke test: 30 + 3 steps, 400 characters")
    parser.add_argument("--seed", type=int, default=6191)
    args = parser.parse_args(argv)
    steps = args.steps if args.steps is not None else (30 if args.quick else SETTINGS["default (CPU)"]["full_steps"])
    classic_steps = args.classic_steps if args.classic_steps is not None else (3 if args.quick else 20)
    gen_length = args.gen_length if args.gen_length is not None else (400 if args.quick else 2000)
    if steps < 1 or classic_steps < 1 or gen_length < 1:
        parser.error("--steps, --classic-steps and --gen-length must be at least 1")

    import tensorflow as tf

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    gpus = tf.config.list_physical_devices("GPU")
    print(f"TensorFlow {tf.__version__} | Keras {tf.keras.__version__} | {cores} CPU cores | GPUs: {len(gpus)}")
    text = music.songs_to_text(music.load_irish_songs())
    vocab = sorted(set(text))
    char2idx = {c: i for i, c in enumerate(vocab)}
    idx2char = np.array(vocab)
    vectorized = np.array([char2idx[c] for c in text], dtype=np.int64)
    print(f"{len(text):,} characters, vocabulary of {len(vocab)}; generating {gen_length} characters per model\n")

    results = []
    for name, n in (("default (CPU)", steps), ("classic (GPU)", classic_steps)):
        print(f"training {name}: {n} steps", flush=True)
        results.append(run(tf, name, SETTINGS[name], n, gen_length, vectorized, char2idx, idx2char, args.seed))
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

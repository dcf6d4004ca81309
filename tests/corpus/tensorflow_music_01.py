"""Corpus for tensorflow_music / 01_music_generation: trivially wrong and honest answers."""

LAB = "tensorflow_music"
NOTEBOOK = "01_music_generation"

TRIVIAL = {
    "build_lookup_tables": [
        ("constant empty", '''def build_lookup_tables(vocab):
    return {}, np.array([])
'''),
        ("sorted again", '''def build_lookup_tables(vocab):
    ordered = sorted(vocab)
    return {c: i for i, c in enumerate(ordered)}, np.array(ordered)
'''),
        ("all indices zero", '''def build_lookup_tables(vocab):
    return {c: 0 for c in vocab}, np.array(vocab)
'''),
        ("inverted dict", '''def build_lookup_tables(vocab):
    return {i: c for i, c in enumerate(vocab)}, np.array(vocab)
'''),
    ],
    "vectorize_string": [
        ("zeros and empty", '''def vectorize_string(string, char2idx):
    return np.zeros(len(string), dtype=np.int64)


def vectorized_to_string(indices, idx2char):
    return ""
'''),
        ("character codes", '''def vectorize_string(string, char2idx):
    return np.array([ord(c) for c in string], dtype=np.int64)


def vectorized_to_string(indices, idx2char):
    return "".join(chr(int(i)) for i in indices)
'''),
        ("identity", '''def vectorize_string(string, char2idx):
    return string


def vectorized_to_string(indices, idx2char):
    return indices
'''),
        ("first index everywhere", '''def vectorize_string(string, char2idx):
    first = char2idx[string[0]] if string else 0
    return np.full(len(string), first, dtype=np.int64)


def vectorized_to_string(indices, idx2char):
    return str(idx2char[0]) * len(indices)
'''),
    ],
    "get_batch": [
        ("first window only", '''def get_batch(vectorized_songs, seq_length, batch_size, rng):
    x = np.tile(vectorized_songs[:seq_length], (batch_size, 1))
    y = np.tile(vectorized_songs[1:seq_length + 1], (batch_size, 1))
    return x, y
'''),
        ("zeros", '''def get_batch(vectorized_songs, seq_length, batch_size, rng):
    return np.zeros((batch_size, seq_length), np.int64), np.zeros((batch_size, seq_length), np.int64)
'''),
        ("no shift", '''def get_batch(vectorized_songs, seq_length, batch_size, rng):
    starts = rng.integers(0, len(vectorized_songs) - seq_length, size=batch_size)
    x = np.stack([vectorized_songs[i:i + seq_length] for i in starts])
    return x, x.copy()
'''),
        ("global NumPy RNG instead of rng", '''def get_batch(vectorized_songs, seq_length, batch_size, rng):
    starts = np.random.randint(0, len(vectorized_songs) - seq_length, size=batch_size)
    x = np.stack([vectorized_songs[i:i + seq_length] for i in starts])
    y = np.stack([vectorized_songs[i + 1:i + seq_length + 1] for i in starts])
    return x, y
'''),
        ("own fixed-seed generator", '''def get_batch(vectorized_songs, seq_length, batch_size, rng):
    own = np.random.default_rng(0)
    starts = own.integers(0, len(vectorized_songs) - seq_length, size=batch_size)
    x = np.stack([vectorized_songs[i:i + seq_length] for i in starts])
    y = np.stack([vectorized_songs[i + 1:i + seq_length + 1] for i in starts])
    return x, y
'''),
    ],
    "build_model": [
        ("softmax on the Dense layer", '''def build_model(vocab_size, embedding_dim, rnn_units, batch_size=None):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(None,), batch_size=batch_size),
        tf.keras.layers.Embedding(vocab_size, embedding_dim),
        tf.keras.layers.LSTM(rnn_units, return_sequences=True),
        tf.keras.layers.Dense(vocab_size, activation="softmax"),
    ])
'''),
        ("no LSTM", '''def build_model(vocab_size, embedding_dim, rnn_units, batch_size=None):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(None,), batch_size=batch_size),
        tf.keras.layers.Embedding(vocab_size, embedding_dim),
        tf.keras.layers.Dense(vocab_size),
    ])
'''),
        ("last time step only", '''def build_model(vocab_size, embedding_dim, rnn_units, batch_size=None):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(None,), batch_size=batch_size),
        tf.keras.layers.Embedding(vocab_size, embedding_dim),
        tf.keras.layers.LSTM(rnn_units),
        tf.keras.layers.Dense(vocab_size),
    ])
'''),
        ("fixed sizes, arguments ignored", '''def build_model(vocab_size, embedding_dim, rnn_units, batch_size=None):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(None,), batch_size=None),
        tf.keras.layers.Embedding(83, 256),
        tf.keras.layers.LSTM(1024, return_sequences=True),
        tf.keras.layers.Dense(83),
    ])
'''),
        ("GRU instead of LSTM", '''def build_model(vocab_size, embedding_dim, rnn_units, batch_size=None):
    return tf.keras.Sequential([
        tf.keras.Input(shape=(None,), batch_size=batch_size),
        tf.keras.layers.Embedding(vocab_size, embedding_dim),
        tf.keras.layers.GRU(rnn_units, return_sequences=True),
        tf.keras.layers.Dense(vocab_size),
    ])
'''),
    ],
    "compute_loss": [
        ("constant", '''def compute_loss(labels, logits):
    return tf.constant(0.0)
'''),
        ("computed in NumPy (no gradient)", '''def compute_loss(labels, logits):
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels).astype(np.int64)
    z = z - z.max(axis=-1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return float(-np.take_along_axis(log_p, y[..., None], axis=-1).mean())
'''),
        ("logits taken as probabilities", '''def compute_loss(labels, logits):
    return tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(labels, logits))
'''),
        ("sum instead of mean", '''def compute_loss(labels, logits):
    return tf.reduce_sum(tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True))
'''),
        ("labels ignored", '''def compute_loss(labels, logits):
    return tf.reduce_mean(tf.reduce_logsumexp(tf.cast(logits, tf.float32), axis=-1))
'''),
    ],
    "train_step": [
        ("no update", '''@tf.function
def train_step(model, optimizer, x, y, loss_fn):
    return loss_fn(y, model(x))
'''),
        ("constant", '''@tf.function
def train_step(model, optimizer, x, y, loss_fn):
    return tf.constant(0.0)
'''),
        ("gradient ascent", '''@tf.function
def train_step(model, optimizer, x, y, loss_fn):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip([-g for g in grads], model.trainable_variables))
    return loss
'''),
        ("only the Dense layer trained", '''@tf.function
def train_step(model, optimizer, x, y, loss_fn):
    variables = model.layers[-1].trainable_variables
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return loss
'''),
        ("loss after the update", '''@tf.function
def train_step(model, optimizer, x, y, loss_fn):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss_fn(y, model(x))
'''),
        ("the loss computed on the inputs, not the targets", '''@tf.function
def train_step(model, optimizer, x, y, loss_fn):
    with tf.GradientTape() as tape:
        loss = loss_fn(x, model(x))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return loss
'''),
    ],
    "generate_text": [
        ("constant character", '''def generate_text(model, start_string, char2idx, idx2char, generation_length=1000, temperature=1.0, seed=None):
    return start_string + str(idx2char[0]) * generation_length
'''),
        ("no generation", '''def generate_text(model, start_string, char2idx, idx2char, generation_length=1000, temperature=1.0, seed=None):
    return start_string
'''),
        ("uniform characters, model ignored", '''def generate_text(model, start_string, char2idx, idx2char, generation_length=1000, temperature=1.0, seed=None):
    rng = np.random.default_rng(seed)
    return start_string + "".join(str(c) for c in rng.choice(idx2char, size=generation_length))
'''),
        ("the start string repeated", '''def generate_text(model, start_string, char2idx, idx2char, generation_length=1000, temperature=1.0, seed=None):
    repeated = start_string * (generation_length // len(start_string) + 1)
    return start_string + repeated[:generation_length]
'''),
    ],
}

HONEST = {
    "build_lookup_tables": [
        ("loop and asarray", '''def build_lookup_tables(vocab):
    char2idx = {}
    for position in range(len(vocab)):
        char2idx[vocab[position]] = position
    idx2char = np.asarray(list(vocab))
    return char2idx, idx2char
'''),
        ("dict(zip) and an object array", '''def build_lookup_tables(vocab):
    return dict(zip(vocab, range(len(vocab)))), np.array(vocab, dtype=object)
'''),
    ],
    "vectorize_string": [
        ("fromiter and a loop", '''def vectorize_string(string, char2idx):
    return np.fromiter((char2idx[c] for c in string), dtype=np.int64, count=len(string))


def vectorized_to_string(indices, idx2char):
    out = ""
    for i in indices:
        out += str(idx2char[int(i)])
    return out
'''),
        ("empty array filled, list comprehension", '''def vectorize_string(string, char2idx):
    out = np.empty(len(string), dtype=np.int32)
    for k, char in enumerate(string):
        out[k] = char2idx[char]
    return out


def vectorized_to_string(indices, idx2char):
    return "".join([str(idx2char[i]) for i in np.asarray(indices).tolist()])
'''),
    ],
    "get_batch": [
        ("fancy indexing", '''def get_batch(vectorized_songs, seq_length, batch_size, rng):
    n = len(vectorized_songs)
    starts = rng.integers(0, n - seq_length, size=batch_size)
    offsets = starts[:, None] + np.arange(seq_length)[None, :]
    v = np.asarray(vectorized_songs)
    return v[offsets], v[offsets + 1]
'''),
        ("sliding windows and a loop", '''def get_batch(vectorized_songs, seq_length, batch_size, rng):
    starts = rng.integers(low=0, high=len(vectorized_songs) - seq_length, size=batch_size)
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(vectorized_songs), seq_length + 1)
    x_batch = np.empty((batch_size, seq_length), dtype=np.int64)
    y_batch = np.empty((batch_size, seq_length), dtype=np.int64)
    for row, start in enumerate(starts):
        x_batch[row] = windows[start][:-1]
        y_batch[row] = windows[start][1:]
    return x_batch, y_batch
'''),
    ],
    "build_model": [
        ("layers imported, add() one by one", '''from tensorflow.keras.layers import LSTM, Dense, Embedding


def build_model(vocab_size, embedding_dim, rnn_units, batch_size=None):
    model = tf.keras.Sequential()
    model.add(tf.keras.Input(shape=(None,), batch_size=batch_size, dtype="int32"))
    model.add(Embedding(input_dim=vocab_size, output_dim=embedding_dim))
    model.add(LSTM(units=rnn_units, return_sequences=True))
    model.add(Dense(units=vocab_size, activation=None))
    return model
'''),
        ("batch_shape and other initializers", '''def build_model(vocab_size, embedding_dim, rnn_units, batch_size=None):
    layers = tf.keras.layers
    return tf.keras.Sequential([
        tf.keras.Input(batch_shape=(batch_size, None)),
        layers.Embedding(vocab_size, embedding_dim, embeddings_initializer="glorot_uniform"),
        layers.LSTM(rnn_units, return_sequences=True, recurrent_initializer="glorot_uniform", stateful=False),
        layers.Dense(vocab_size, activation="linear", kernel_initializer="he_normal"),
    ])
'''),
    ],
    "compute_loss": [
        ("sparse_softmax_cross_entropy_with_logits", '''def compute_loss(labels, logits):
    labels = tf.cast(labels, tf.int32)
    logits = tf.cast(logits, tf.float32)
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
'''),
        ("log-softmax and one-hot by hand", '''def compute_loss(labels, logits):
    logits = tf.convert_to_tensor(logits, dtype=tf.float32)
    one_hot = tf.one_hot(tf.cast(labels, tf.int32), depth=tf.shape(logits)[-1], dtype=tf.float32)
    log_p = tf.nn.log_softmax(logits, axis=-1)
    return -tf.math.reduce_mean(tf.reduce_sum(one_hot * log_p, axis=-1))
'''),
        ("Keras loss object", '''from tensorflow.keras.losses import SparseCategoricalCrossentropy

_loss = SparseCategoricalCrossentropy(from_logits=True)


def compute_loss(labels, logits):
    return _loss(labels, logits)
'''),
    ],
    "train_step": [
        ("optimizer.apply, training=True, variables named once", '''@tf.function
def train_step(model, optimizer, x, y, loss_fn):
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)
    optimizer.apply(tape.gradient(loss, variables), variables)
    return loss
'''),
        ("int32 casts, gradients as a list, the loss copied out", '''@tf.function
def train_step(model, optimizer, x, y, loss_fn):
    x = tf.cast(x, tf.int32)
    y = tf.cast(y, tf.int32)
    with tf.GradientTape() as tape:
        logits = model(x)
        batch_loss = loss_fn(y, logits)
    grads = tape.gradient(batch_loss, model.trainable_variables)
    optimizer.apply_gradients(list(zip(grads, model.trainable_variables)))
    return tf.identity(batch_loss)
'''),
        ("the decorator applied by hand, a persistent tape", '''def _one_step(model, optimizer, x, y, loss_fn):
    with tf.GradientTape(persistent=True) as tape:
        loss = loss_fn(y, model(x))
    gradients = [tape.gradient(loss, v) for v in model.trainable_variables]
    del tape
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


train_step = tf.function(_one_step)
'''),
    ],
    "generate_text": [
        ("stateless: the model re-run on the whole text at each step", '''def generate_text(model, start_string, char2idx, idx2char, generation_length=1000, temperature=1.0, seed=None):
    if seed is not None:
        tf.random.set_seed(seed)
    indices = [char2idx[c] for c in start_string]
    text = start_string
    for _ in range(generation_length):
        logits = model(tf.constant([indices], dtype=tf.int32))[:, -1, :]
        index = int(tf.random.categorical(logits / temperature, num_samples=1)[0, 0])
        indices.append(index)
        text += str(idx2char[index])
    return text
'''),
        ("cell by name, squeeze and a list of characters", '''def generate_text(model, start_string, char2idx, idx2char, generation_length=1000, temperature=1.0, seed=None):
    if seed is not None:
        tf.random.set_seed(seed)
    embedding = model.layers[0]
    cell = model.layers[1].cell
    dense = model.layers[2]
    units = model.layers[1].units
    h = tf.zeros((1, units))
    state = [h, tf.zeros((1, units))]
    for char in start_string:
        h, state = cell(embedding(tf.constant([char2idx[char]])), state)
    chars = list(start_string)
    while len(chars) < len(start_string) + generation_length:
        scaled = tf.math.divide(dense(h), temperature)
        index = tf.squeeze(tf.random.categorical(scaled, 1)).numpy().item()
        chars.append(str(idx2char[index]))
        h, state = cell(embedding(tf.constant([index])), state)
    return "".join(chars)
'''),
    ],
}

"""Corpus for solutions/neural_networks/06_backpropagation_and_regularisation: trivially wrong and honest answers."""

LAB = "neural_networks"
NOTEBOOK = "06_backpropagation_and_regularisation"

_FWD = 'def two_layer_forward(X, W1, w0_1, W2, w0_2):\n    """The cache (z1, a1, z2, f): z1 = w0_1 + X W1, a1 = σ(z1), z2 = w0_2 + a1 W2, f = σ(z2)."""\n'
_BWD = 'def two_layer_backward(X, y, a1, f, W2):\n    """The gradients of the mean binary cross-entropy J: a dict with keys "dW2", "dw0_2", "dW1", "dw0_1"."""\n'
_DROP = ('def dropout(a, p, rng, training=True):\n    """Inverted dropout: in training, drop each entry with probability p and scale the kept ones by 1 / (1 - p); '
         'at prediction, a unchanged."""\n')
_ESE = ('def early_stopping_epochs(val_losses, patience):\n    """(stop_epoch, restored_epoch), epochs numbered from 1: stop after `patience` epochs in a row without a '
        'strictly lower validation loss."""\n')
_REG = 'def build_regularized_model(dropout_rate=0.3):\n    """build_big_model() with Dropout(dropout_rate) after each hidden Dense layer."""\n'
_ES = 'def early_stopping_callback(patience=10):\n    """Stop when the validation loss has not improved for `patience` epochs; keep the best weights."""\n'


def _reg(layers):
    return _REG + "    return tf.keras.Sequential([\n" + "".join(f"        {l},\n" for l in layers) + "    ])\n"


_D = 'tf.keras.layers.Dense(128, activation="relu")'
_DO = "tf.keras.layers.Dropout(dropout_rate)"

TRIVIAL = {
    "two_layer_forward": [
        ("zeros of the right shapes", _FWD + "    n, h = len(X), W1.shape[1]\n    return np.zeros((n, h)), np.zeros((n, h)), np.zeros((n, 1)), np.zeros((n, 1))\n"),
        ("the input four times", _FWD + "    return X, X, X, X\n"),
        ("what zero weights would give", _FWD + "    n, h = len(X), W1.shape[1]\n"
                                                "    return np.zeros((n, h)), np.full((n, h), 0.5), np.zeros((n, 1)), np.full((n, 1), 0.5)\n"),
    ],
    "two_layer_backward": [
        ("zeros of the right shapes", _BWD + "    m, h = X.shape[1], a1.shape[1]\n"
                                             '    return {"dW2": np.zeros((h, 1)), "dw0_2": np.zeros(1), "dW1": np.zeros((m, h)), "dw0_1": np.zeros(h)}\n'),
        ("the summed residual everywhere", _BWD + "    r = float(np.sum(f - y))\n    m, h = X.shape[1], a1.shape[1]\n"
                                                '    return {"dW2": np.full((h, 1), r), "dw0_2": np.full(1, r), "dW1": np.full((m, h), r), "dw0_1": np.full(h, r)}\n'),
        ("the weights handed back", _BWD + '    return {"dW2": W2, "dw0_2": np.ones(1), "dW1": np.ones((X.shape[1], len(W2))), "dw0_1": np.ones(len(W2))}\n'),
        ("an empty dict", _BWD + "    return {}\n"),
    ],
    "dropout": [
        ("the input unchanged", _DROP + "    return a\n"),
        ("zeros", _DROP + "    return np.zeros_like(a)\n"),
        ("a mask with no scaling", _DROP + "    if not training:\n        return a\n    return a * (rng.random(a.shape) >= p)\n"),
        ("the mask itself", _DROP + "    if not training:\n        return a\n    return (rng.random(a.shape) >= p).astype(float)\n"),
    ],
    "early_stopping_epochs": [
        ("never stops, restores the last epoch", _ESE + "    return len(val_losses), len(val_losses)\n"),
        ("never stops, restores the lowest", _ESE + "    return len(val_losses), int(np.argmin(val_losses)) + 1\n"),
        ("zeros", _ESE + "    return 0, 0\n"),
    ],
    "build_regularized_model": [
        ("no dropout", _reg(["tf.keras.Input(shape=(1,))", _D, _D, "tf.keras.layers.Dense(1)"])),
        ("rate ignored (0.3)", _reg(["tf.keras.Input(shape=(1,))", _D, "tf.keras.layers.Dropout(0.3)", _D, "tf.keras.layers.Dropout(0.3)", "tf.keras.layers.Dense(1)"])),
        ("dropout after the output too", _reg(["tf.keras.Input(shape=(1,))", _D, _DO, _D, _DO, "tf.keras.layers.Dense(1)", _DO])),
        ("one dropout layer only", _reg(["tf.keras.Input(shape=(1,))", _D, _D, _DO, "tf.keras.layers.Dense(1)"])),
    ],
    "early_stopping_callback": [
        ("watches the training loss", _ES + '    return tf.keras.callbacks.EarlyStopping(monitor="loss", patience=patience, restore_best_weights=True)\n'),
        ("keeps the last weights", _ES + '    return tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience)\n'),
        ("patience ignored", _ES + '    return tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)\n'),
    ],
}

HONEST = {
    "two_layer_forward": [
        ("loops over examples and units, a branch-stable sigmoid with math.exp", "import math\n\n\n" + _FWD + '''    def sigmoid(t):
        if t >= 0:
            return 1.0 / (1.0 + math.exp(-t))
        e = math.exp(t)
        return e / (1.0 + e)

    n, m = X.shape
    h = W1.shape[1]
    z1, a1 = np.empty((n, h)), np.empty((n, h))
    z2, f = np.empty((n, 1)), np.empty((n, 1))
    for i in range(n):
        for j in range(h):
            z1[i, j] = w0_1[j] + sum(X[i, k] * W1[k, j] for k in range(m))
            a1[i, j] = sigmoid(z1[i, j])
        z2[i, 0] = w0_2[0] + sum(a1[i, j] * W2[j, 0] for j in range(h))
        f[i, 0] = sigmoid(z2[i, 0])
    return z1, a1, z2, f
'''),
        ("float32, np.dot, the textbook sigmoid", _FWD + '''    X, W1, w0_1, W2, w0_2 = (np.asarray(v, dtype=np.float32) for v in (X, W1, w0_1, W2, w0_2))
    sig = lambda t: 1 / (1 + np.exp(-t))
    z1 = np.dot(X, W1) + w0_1
    a1 = sig(z1)
    z2 = np.dot(a1, W2) + w0_2
    return (z1, a1, z2, sig(z2))
'''),
        ("a list, the sigmoid written with exp of -|z|", _FWD + '''    def sigma(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))

    z1 = np.matmul(X, W1) + w0_1[None, :]
    z2 = np.matmul(sigma(z1), W2) + w0_2
    return [z1, sigma(z1), z2, sigma(z2)]
'''),
    ],
    "two_layer_backward": [
        ("one example at a time, outer products", _BWD + '''    n, m = X.shape
    h = a1.shape[1]
    grads = {"dW2": np.zeros((h, 1)), "dw0_2": np.zeros(1), "dW1": np.zeros((m, h)), "dw0_1": np.zeros(h)}
    for i in range(n):
        d2 = (f[i, 0] - y[i, 0]) / n  # a number
        grads["dW2"][:, 0] += d2 * a1[i]
        grads["dw0_2"][0] += d2
        d1 = d2 * W2[:, 0] * a1[i] * (1 - a1[i])  # shape (h,)
        grads["dW1"] += np.outer(X[i], d1)
        grads["dw0_1"] += d1
    return grads
'''),
        ("float32 and einsum", _BWD + '''    X, y, a1, f, W2 = (np.asarray(v, dtype=np.float32) for v in (X, y, a1, f, W2))
    residual = f - y
    dz1 = np.einsum("ik,jk->ij", residual, W2) * (a1 - a1**2)
    n = X.shape[0]
    return dict(dW2=np.einsum("ij,ik->jk", a1, residual) / n, dw0_2=residual.mean(axis=0),
                dW1=np.einsum("ij,ik->jk", X, dz1) / n, dw0_1=dz1.mean(axis=0))
'''),
        ("means over the examples instead of 1/n in δ", _BWD + '''    r = f - y                                   # ∂L/∂z2 for each example
    back = (r * W2.T) * a1 * (1 - a1)           # ∂L/∂z1 for each example (W2.T has one row)
    out = {}
    out["dW2"] = (a1 * r).mean(axis=0).reshape(-1, 1)
    out["dw0_2"] = np.array([r.mean()])
    out["dW1"] = (X[:, :, None] * back[:, None, :]).mean(axis=0)
    out["dw0_1"] = back.mean(axis=0)
    return out
'''),
    ],
    "dropout": [
        ("a binomial mask, a copy at prediction", _DROP + '''    if training:
        mask = rng.binomial(1, 1 - p, size=np.shape(a))
        return a * mask / (1 - p)
    return a.copy()
'''),
        ("one draw per entry in a loop", _DROP + '''    if not training:
        return a
    out = np.array(a, dtype=float, copy=True)
    for index in np.ndindex(out.shape):
        if rng.random() < p:
            out[index] = 0.0
        else:
            out[index] = out[index] / (1 - p)
    return out
'''),
        ("uniform draws, indexing a copy, the dtype kept", _DROP + '''    if training is False:
        return a
    kept = rng.uniform(size=a.shape) > p
    out = a.copy()
    out[~kept] = 0
    out[kept] = out[kept] * (1.0 / (1.0 - p))
    return out
'''),
    ],
    "early_stopping_epochs": [
        ("the best epoch of each prefix, with np.argmin", _ESE + '''    n = len(val_losses)
    for epoch in range(1, n + 1):
        best = int(np.argmin(val_losses[:epoch])) + 1  # the first lowest: a tie is no improvement
        if epoch - best >= patience:
            return epoch, best
    return n, int(np.argmin(val_losses)) + 1
'''),
        ("a while loop, NumPy ints", _ESE + '''    losses = np.asarray(val_losses, dtype=float)
    best = np.int64(1)
    epoch = np.int64(1)
    while epoch < len(losses):
        epoch += 1
        if losses[epoch - 1] < losses[best - 1]:
            best = epoch
        elif epoch - best == patience:
            return epoch, best
    return np.int64(len(losses)), best
'''),
        ("running minimum with np.minimum.accumulate", _ESE + '''    v = np.asarray(val_losses, dtype=float)
    previous_best = np.concatenate([[np.inf], np.minimum.accumulate(v)[:-1]])
    improved = v < previous_best
    last, count = 0, 0
    for i, better in enumerate(improved):
        if better:
            last, count = i, 0
        else:
            count += 1
            if count == patience:
                return i + 1, last + 1
    return len(v), last + 1
'''),
    ],
    "build_regularized_model": [
        ("add() with imported layers", "from tensorflow.keras.layers import Dense, Dropout\n\n\n" + _REG + "    model = tf.keras.Sequential()\n    model.add(tf.keras.Input(shape=(1,)))\n"
                                       "    for _ in range(2):\n        model.add(Dense(128, activation=\"relu\", kernel_initializer=\"he_normal\"))\n        model.add(Dropout(rate=dropout_rate))\n"
                                       "    model.add(Dense(1))\n    return model\n"),
        ("a list built in a loop", _REG + "    layers = [tf.keras.Input(shape=(1,))]\n    for units in (128, 128):\n        layers += [tf.keras.layers.Dense(units, activation=tf.nn.relu), tf.keras.layers.Dropout(dropout_rate)]\n"
                                          "    return tf.keras.Sequential(layers + [tf.keras.layers.Dense(1, activation=None)])\n"),
    ],
    "early_stopping_callback": [
        ("imported, positional monitor, mode min", "from tensorflow.keras.callbacks import EarlyStopping\n\n\n" + _ES +
         '    return EarlyStopping("val_loss", patience=patience, mode="min", restore_best_weights=True)\n'),
        ("all keywords explicit", _ES + '    callback = tf.keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0, patience=int(patience), verbose=0,\n'
                                        '                                                restore_best_weights=True)\n    return callback\n'),
    ],
}


# Red-team review (issue #13): more variants, each checked with the harness.
TRIVIAL.setdefault('dropout', []).extend([
    ('p ignored, always 0.5',
     'def dropout(a, p, rng, training=True):\n    if not training:\n        return a\n    return np.where(rng.random(np.shape(a)) >= 0.5, a * 2.0, 0.0)\n'),
])
TRIVIAL.setdefault('early_stopping_epochs', []).extend([
    ('global argmin + patience',
     'def early_stopping_epochs(val_losses, patience):\n    b = int(np.argmin(val_losses))\n    return min(b + 1 + patience, len(val_losses)), b + 1\n'),
])
HONEST.setdefault('dropout', []).extend([
    ('rng.choice with probabilities, multiply then divide',
     'def dropout(a, p, rng, training=True):\n    if not training:\n        return a\n    keep = rng.choice(2, size=np.shape(a), p=[p, 1 - p])\n    return a * keep / (1 - p)\n'),
    ('uniform > p, reciprocal scale, where then divide',
     'def dropout(a, p, rng, training=True):\n    if training:\n        keep = rng.uniform(0, 1, size=np.shape(a)) > p\n        return np.where(keep, a, 0) * (1 / (1 - p))\n    return a\n'),
    ('flat draw reshaped, < 1 - p, float32 draws',
     'def dropout(a, p, rng, training=True):\n    if training is False:\n        return a\n    u = rng.random(np.size(a), dtype=np.float32).reshape(np.shape(a))\n    return (u < 1 - p) * np.asarray(a) / (1 - p)\n'),
])
HONEST.setdefault('early_stopping_epochs', []).extend([
    ('epoch - best_epoch >= patience, 0-based',
     'def early_stopping_epochs(val_losses, patience):\n    best_i = 0\n    for i in range(1, len(val_losses)):\n        if val_losses[i] < val_losses[best_i]:\n            best_i = i\n        elif i - best_i >= patience:\n            return i + 1, best_i + 1\n    return len(val_losses), best_i + 1\n'),
    ('returns a list, best starts at the first loss',
     'def early_stopping_epochs(val_losses, patience):\n    losses = list(val_losses)\n    best, best_epoch, bad = losses[0], 1, 0\n    stop = len(losses)\n    for epoch in range(2, len(losses) + 1):\n        if losses[epoch - 1] < best:\n            best, best_epoch, bad = losses[epoch - 1], epoch, 0\n        else:\n            bad += 1\n        if bad == patience:\n            stop = epoch\n            break\n    return [stop, best_epoch]\n'),
])
HONEST.setdefault('two_layer_forward', []).extend([
    ('np.dot, logaddexp sigmoid, z2 bias last',
     'def two_layer_forward(X, W1, w0_1, W2, w0_2):\n    sig = lambda z: np.exp(-np.logaddexp(0.0, -z))\n    z1 = np.dot(X, W1) + w0_1\n    a1 = sig(z1)\n    z2 = np.dot(a1, W2) + w0_2\n    return (z1, a1, z2, sig(z2))\n'),
    ('float32 throughout, tanh sigmoid',
     'def two_layer_forward(X, W1, w0_1, W2, w0_2):\n    c = lambda t: np.asarray(t, dtype=np.float32)\n    z1 = c(w0_1) + c(X) @ c(W1)\n    a1 = (1 + np.tanh(z1 / 2)) / 2\n    z2 = c(w0_2) + a1 @ c(W2)\n    return z1, a1, z2, (1 + np.tanh(z2 / 2)) / 2\n'),
])
HONEST.setdefault('two_layer_backward', []).extend([
    ('y.shape[0], a1 - a1**2, np.dot, keepdims then reshape',
     "def two_layer_backward(X, y, a1, f, W2):\n    n = y.shape[0]\n    d2 = (f - y) / n\n    d1 = np.dot(d2, W2.T) * (a1 - a1 ** 2)\n    return {'dW2': np.dot(a1.T, d2), 'dw0_2': np.sum(d2, axis=0, keepdims=True).reshape(1), 'dW1': np.dot(X.T, d1), 'dw0_1': np.sum(d1, axis=0)}\n"),
    ('float32 throughout',
     'def two_layer_backward(X, y, a1, f, W2):\n    X, y, a1, f, W2 = (np.asarray(t, dtype=np.float32) for t in (X, y, a1, f, W2))\n    d2 = (f - y) / len(X)\n    d1 = (d2 @ W2.T) * a1 * (1 - a1)\n    return dict(dW2=a1.T @ d2, dw0_2=d2.sum(0), dW1=X.T @ d1, dw0_1=d1.sum(0))\n'),
])
TRIVIAL.setdefault('early_stopping_epochs', []).extend([
    ('patience ignored (3)',
     'def early_stopping_epochs(val_losses, patience):\n    patience = 3\n    best, be, w = np.inf, 0, 0\n    for e, l in enumerate(val_losses, 1):\n        if l < best:\n            best, be, w = l, e, 0\n        else:\n            w += 1\n            if w >= patience:\n                return e, be\n    return len(val_losses), be\n'),
])
# Wrong answers that earned partial credit before the probes were tightened (red team, issue #13).
TRIVIAL['dropout'].extend([
    ('training ignored (always drops)',
     'def dropout(a, p, rng, training=True):\n    return np.where(rng.random(np.shape(a)) >= p, a / (1 - p), 0.0)\n'),
    ('a fixed mask, rng never used',
     'def dropout(a, p, rng, training=True):\n    if not training:\n        return a\n    out = np.array(a, dtype=float) / (1 - p)\n'
     '    flat = out.reshape(-1)\n    flat[:int(round(p * flat.size))] = 0\n    return out\n'),
])
TRIVIAL['early_stopping_epochs'].append(
    ('patience ignored (acts as 1)',
     'def early_stopping_epochs(val_losses, patience):\n    best, be = np.inf, 0\n    for e, l in enumerate(val_losses, 1):\n'
     '        if l < best:\n            best, be = l, e\n        else:\n            return e, be\n    return len(val_losses), be\n'))

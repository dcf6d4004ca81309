"""Corpus for solutions/neural_networks/05_losses_and_training: trivially wrong and honest answers."""

LAB = "neural_networks"
NOTEBOOK = "05_losses_and_training"

_BCE = 'def binary_cross_entropy(y_true, y_pred):\n    """Mean binary cross-entropy -1/n Σ [y log f + (1 - y) log(1 - f)], with f clipped to [1e-7, 1 - 1e-7]."""\n'
_MSE = 'def mean_squared_error(y_true, y_pred):\n    """Mean of (y - f)^2 over all entries."""\n'
_LOG = 'def binary_cross_entropy_from_logits(y_true, z):\n    """Mean binary cross-entropy of σ(z) against y, computed from the logits z without overflow."""\n'
_GRAD = 'def bce_gradient(W, w0, X, y):\n    """(∂J/∂W, ∂J/∂w0) for f = σ(w0 + X W) and the mean binary cross-entropy J."""\n'
_STEP = 'def gradient_descent_step(W, w0, X, y, learning_rate):\n    """One step W ← W - η ∂J/∂W (and the same for w0) for f = σ(w0 + X W); returns J before the step."""\n'
_DESC = 'def descend_square(x_f, learning_rate, n_steps, x0):\n    """The iterates x_0, ..., x_n of x ← x - η L\'(x) for L(x) = (x - x_f)^2: an array of n_steps + 1 floats, x0 first."""\n'
_REG = 'def learning_rate_regime(learning_rate):\n    """One of "converges", "oscillates" or "diverges": what gradient descent on (x - x_f)^2 does with this learning rate > 0."""\n'
_MB = 'def minibatches(X, y, batch_size, rng):\n    """One epoch of shuffled mini-batches: a list of (X_batch, y_batch) pairs covering every example once."""\n'

_TAPE = ("    with tf.GradientTape() as tape:\n        z = w0 + tf.matmul(X, W)\n"
         "        J = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))\n"
         "    dW, dw0 = tape.gradient(J, [W, w0])\n")


TRIVIAL = {
    "binary_cross_entropy": [
        ("zero", _BCE + "    return 0.0\n"),
        ("mean of the labels", _BCE + "    return float(np.mean(y_true))\n"),
        ("the y = 1 term only", _BCE + "    f = np.clip(np.asarray(y_pred, dtype=float), 1e-7, 1 - 1e-7)\n    return float(np.mean(-np.log(f)))\n"),
        ("sum instead of mean", _BCE + "    y = np.asarray(y_true, dtype=float)\n    f = np.clip(np.asarray(y_pred, dtype=float), 1e-7, 1 - 1e-7)\n"
                                       "    return float(np.sum(-(y * np.log(f) + (1 - y) * np.log(1 - f))))\n"),
    ],
    "mean_squared_error": [
        ("zero", _MSE + "    return 0.0\n"),
        ("mean absolute error", _MSE + "    return float(np.mean(np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))))\n"),
        ("no square", _MSE + "    return float(np.mean(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)))\n"),
        ("root mean squared error", _MSE + "    return float(np.sqrt(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2)))\n"),
    ],
    "binary_cross_entropy_from_logits": [
        ("zero", _LOG + "    return 0.0\n"),
        ("ln 2 whatever the logits", _LOG + "    return float(np.log(2.0))\n"),
        ("without the log term", _LOG + "    y, z = np.asarray(y_true, dtype=float), np.asarray(z, dtype=float)\n    return float(np.mean(np.maximum(z, 0) - z * y))\n"),
        ("labels ignored", _LOG + "    z = np.asarray(z, dtype=float)\n    return float(np.mean(np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))))\n"),
    ],
    "bce_gradient": [
        ("zeros", _GRAD + "    return np.zeros_like(W, dtype=float), np.zeros_like(w0, dtype=float)\n"),
        ("no sigmoid (z - y)", _GRAD + "    r = w0 + X @ W - y\n    return X.T @ r / len(X), r.mean(axis=0)\n"),
        ("sign flipped (y - f)", _GRAD + "    f = 0.5 * (1 + np.tanh((w0 + X @ W) / 2))\n    r = y - f\n    return X.T @ r / len(X), r.mean(axis=0)\n"),
        ("sum, not mean", _GRAD + "    f = 0.5 * (1 + np.tanh((w0 + X @ W) / 2))\n    r = f - y\n    return X.T @ r, r.sum(axis=0)\n"),
    ],
    "gradient_descent_step": [
        ("no update", _STEP + _TAPE + "    return J\n"),
        ("new tensors instead of assign_sub", _STEP + _TAPE + "    W = W - learning_rate * dW\n    w0 = w0 - learning_rate * dw0\n    return J\n"),
        ("the loss after the update", _STEP + _TAPE + "    W.assign_sub(learning_rate * dW)\n    w0.assign_sub(learning_rate * dw0)\n"
                                                   "    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=w0 + tf.matmul(X, W)))\n"),
        ("gradient ascent", _STEP + _TAPE + "    W.assign_add(learning_rate * dW)\n    w0.assign_add(learning_rate * dw0)\n    return J\n"),
        ("bias never updated", _STEP + _TAPE + "    W.assign_sub(learning_rate * dW)\n    return J\n"),
    ],
    "descend_square": [
        ("zeros", _DESC + "    return np.zeros(n_steps + 1)\n"),
        ("x0 repeated", _DESC + "    return np.full(n_steps + 1, float(x0))\n"),
        ("straight to x_f after x0", _DESC + "    return np.array([float(x0)] + [float(x_f)] * n_steps)\n"),
        ("a straight line from x0 to x_f", _DESC + "    return np.linspace(x0, x_f, n_steps + 1)\n"),
    ],
    "learning_rate_regime": [
        ("always converges", _REG + "    return \"converges\"\n"),
        ("always oscillates", _REG + "    return \"oscillates\"\n"),
        ("converges below 1, else diverges", _REG + "    return \"converges\" if learning_rate < 1 else \"diverges\"\n"),
        ("always diverges", _REG + "    return \"diverges\"\n"),
    ],
    "minibatches": [
        ("one batch with everything", _MB + "    return [(X, y)]\n"),
        ("first batch only", _MB + "    idx = rng.permutation(len(X))[:batch_size]\n    return [(X[idx], y[idx])]\n"),
        ("no shuffle", _MB + "    return [(X[s:s + batch_size], y[s:s + batch_size]) for s in range(0, len(X), batch_size)]\n"),
        ("same order every epoch (a fixed seed)", _MB + "    order = np.random.default_rng(0).permutation(len(X))\n"
                                                       "    return [(X[order[s:s + batch_size]], y[order[s:s + batch_size]]) for s in range(0, len(X), batch_size)]\n"),
    ],
}

HONEST = {
    "binary_cross_entropy": [
        ("float32 with np.where", _BCE + "    y = np.asarray(y_true, dtype=np.float64)\n    f = np.minimum(np.maximum(np.asarray(y_pred, dtype=np.float64), 1e-7), 1 - 1e-7)\n"
                                          "    losses = np.where(y == 1, -np.log(f), -np.log(1 - f))\n    return np.float32(losses.mean())\n"),
        ("Keras's own loss", _BCE + "    y = tf.constant(np.asarray(y_true, dtype=np.float64).reshape(-1))\n    f = tf.constant(np.asarray(y_pred, dtype=np.float64).reshape(-1))\n"
                                    "    return float(tf.keras.losses.binary_crossentropy(y, f))\n"),
        ("a loop", _BCE + "    y = np.asarray(y_true, dtype=float).ravel()\n    f = np.asarray(y_pred, dtype=float).ravel()\n    total = 0.0\n"
                          "    for yi, fi in zip(y, f):\n        fi = min(max(fi, 1e-7), 1 - 1e-7)\n        total += -(yi * np.log(fi) + (1 - yi) * np.log(1 - fi))\n    return total / len(y)\n"),
        ("float32", _BCE + "    eps = np.float32(1e-7)\n    y = np.asarray(y_true, dtype=np.float32)\n    f = np.clip(np.asarray(y_pred, dtype=np.float32), eps, 1 - eps)\n"
                         "    return np.mean(-(y * np.log(f) + (1 - y) * np.log(1 - f)))\n"),
    ],
    "mean_squared_error": [
        ("a loop", _MSE + "    a = np.ravel(y_true).astype(float)\n    b = np.ravel(y_pred).astype(float)\n    return sum((p - q) ** 2 for p, q in zip(a, b)) / len(a)\n"),
        ("tf.reduce_mean in float64", _MSE + "    d = tf.constant(y_true, tf.float64) - tf.constant(y_pred, tf.float64)\n    return float(tf.reduce_mean(tf.square(d)))\n"),
        ("float32", _MSE + "    diff = np.asarray(y_true, dtype=np.float32) - np.asarray(y_pred, dtype=np.float32)\n    return np.mean(diff ** 2)\n"),
    ],
    "binary_cross_entropy_from_logits": [
        ("(1 - y) z + log(1 + e^-z), split by sign", _LOG + "    y, z = np.asarray(y_true, dtype=float), np.asarray(z, dtype=float)\n"
                                                         "    softplus_neg = np.where(z >= 0, np.log1p(np.exp(-np.abs(z))), -z + np.log1p(np.exp(-np.abs(z))))\n"
                                                         "    return float(np.mean((1 - y) * z + softplus_neg))\n"),
        ("np.logaddexp", _LOG + "    y, z = np.asarray(y_true, dtype=float), np.asarray(z, dtype=float)\n    return float(np.mean(np.logaddexp(0.0, z) - y * z))\n"),
        ("TensorFlow in float64", _LOG + "    y = tf.constant(y_true, tf.float64)\n    z = tf.constant(z, tf.float64)\n"
                                         "    return float(tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z)))\n"),
        ("float32", _LOG + "    y = np.asarray(y_true, dtype=np.float32)\n    z = np.asarray(z, dtype=np.float32)\n"
                         "    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))\n"),
    ],
    "bce_gradient": [
        ("a loop over examples, expit-free", _GRAD + "    n = len(X)\n    dW = np.zeros(np.shape(W))\n    dw0 = np.zeros(np.shape(w0))\n    for i in range(n):\n"
                                                  "        z = float(w0[0] + X[i] @ W[:, 0])\n        f = 1 / (1 + np.exp(-z)) if z >= 0 else np.exp(z) / (1 + np.exp(z))\n"
                                                  "        dW[:, 0] += (f - y[i, 0]) * X[i] / n\n        dw0[0] += (f - y[i, 0]) / n\n    return dW, dw0\n"),
        ("tf.GradientTape in float64", _GRAD + "    Wv, bv = tf.Variable(np.asarray(W, dtype=float)), tf.Variable(np.asarray(w0, dtype=float))\n"
                                               "    with tf.GradientTape() as tape:\n        z = bv + tf.matmul(tf.constant(X, tf.float64), Wv)\n"
                                               "        J = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(y, tf.float64), logits=z))\n"
                                               "    dW, dw0 = tape.gradient(J, [Wv, bv])\n    return dW.numpy(), dw0.numpy()\n"),
        ("float32", _GRAD + "    W, w0, X, y = (np.asarray(a, dtype=np.float32) for a in (W, w0, X, y))\n    z = w0 + X @ W\n"
                          "    f = 0.5 * (1 + np.tanh(z / 2))\n    residual = f - y\n    return X.T @ residual / len(X), residual.mean(axis=0)\n"),
    ],
    "gradient_descent_step": [
        ("Keras loss object, W.assign", _STEP + "    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)\n    with tf.GradientTape() as tape:\n"
                                               "        J = bce(y, tf.matmul(X, W) + w0)\n    grads = tape.gradient(J, [W, w0])\n"
                                               "    for v, g in zip([W, w0], grads):\n        v.assign(v - learning_rate * g)\n    return J\n"),
        ("an SGD optimizer", _STEP + "    with tf.GradientTape() as tape:\n        z = w0 + tf.matmul(X, W)\n"
                                     "        J = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z))\n"
                                     "    grads = tape.gradient(J, [W, w0])\n    W.assign_sub(learning_rate * grads[0])\n    w0.assign_sub(tf.reshape(learning_rate * grads[1], w0.shape))\n"
                                     "    return tf.identity(J)\n"),
    ],
    "descend_square": [
        ("a list and a loop", _DESC + "    xs = [float(x0)]\n    for _ in range(n_steps):\n        x = xs[-1]\n        xs.append(x - learning_rate * 2 * (x - x_f))\n    return np.array(xs)\n"),
        ("the closed form x_f + (1 - 2η)^t (x0 - x_f)", _DESC + "    t = np.arange(n_steps + 1)\n    return x_f + (1 - 2 * learning_rate) ** t * (x0 - x_f)\n"),
        ("float32", _DESC + "    x, target, eta = np.float32(x0), np.float32(x_f), np.float32(learning_rate)\n    out = np.zeros(n_steps + 1, dtype=np.float32)\n    out[0] = x\n"
                    "    for t in range(1, n_steps + 1):\n        x = x - eta * np.float32(2) * (x - target)\n        out[t] = x\n    return out\n"),
        ("a while loop with np.append", _DESC + "    xs = np.array([x0], dtype=float)\n    while len(xs) <= n_steps:\n        grad = 2 * (xs[-1] - x_f)\n        xs = np.append(xs, xs[-1] - learning_rate * grad)\n    return xs\n"),
    ],
    "learning_rate_regime": [
        ("comparisons on η", _REG + "    if learning_rate <= 0.5:\n        return \"converges\"\n    elif learning_rate <= 1:\n        return \"oscillates\"\n    return \"diverges\"\n"),
        ("float32, sign and size of the factor", _REG + "    r = np.float32(1) - np.float32(2) * np.float32(learning_rate)\n    if r >= 0:\n        return \"converges\"\n"
                                                  "    if abs(r) <= 1:\n        return \"oscillates\"\n    return \"diverges\"\n"),
        ("an index into the list of regimes", _REG + "    regimes = [\"converges\", \"oscillates\", \"diverges\"]\n    return regimes[int(learning_rate > 0.5) + int(learning_rate > 1)]\n"),
    ],
    "minibatches": [
        ("a generator", _MB + "    order = rng.permutation(len(X))\n    for start in range(0, len(order), batch_size):\n        idx = order[start:start + batch_size]\n"
                              "        yield X[idx], y[idx]\n"),
        ("permute once, then slice", _MB + "    order = np.arange(len(X))\n    order = rng.permutation(len(X))\n    Xs, ys = X[order], y[order]\n"
                                           "    n_batches = -(-len(X) // batch_size)\n    return [(Xs[k * batch_size:(k + 1) * batch_size], ys[k * batch_size:(k + 1) * batch_size]) for k in range(n_batches)]\n"),
    ],
}


# Red-team review (issue #13): more variants, each checked with the harness.
TRIVIAL.setdefault('mean_squared_error', []).extend([
    ('square of the mean difference',
     'def mean_squared_error(y_true, y_pred):\n    return float(np.mean(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2)\n'),
    ('half the MSE',
     'def mean_squared_error(y_true, y_pred):\n    return float(np.mean((np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)) ** 2) / 2)\n'),
    ('first entry only',
     'def mean_squared_error(y_true, y_pred):\n    d = np.ravel(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))\n    return float(d[0] ** 2)\n'),
])
TRIVIAL.setdefault('descend_square', []).extend([
    ('visible cases hard-coded',
     'def descend_square(x_f, learning_rate, n_steps, x0):\n    table = {(3.0, 0.1, 5, 0.0): [0.0, 0.6, 1.08, 1.464, 1.7712, 2.01696], (1.0, 0.75, 4, 0.0): [0.0, 1.5, 0.75, 1.125, 0.9375], (0.0, 1.5, 3, 1.0): [1.0, -2.0, 4.0, -8.0], (2.0, 0.1, 0, 5.0): [5.0]}\n    return np.array(table.get((x_f, learning_rate, n_steps, x0), [float(x0)] * (n_steps + 1)), dtype=float)\n'),
    ("no factor 2 (L' = x - x_f)",
     'def descend_square(x_f, learning_rate, n_steps, x0):\n    xs = [float(x0)]\n    for _ in range(n_steps):\n        xs.append(xs[-1] - learning_rate * (xs[-1] - x_f))\n    return np.array(xs)\n'),
    ('x_f ignored (descends to 0)',
     'def descend_square(x_f, learning_rate, n_steps, x0):\n    xs = [float(x0)]\n    for _ in range(n_steps):\n        xs.append(xs[-1] - 2 * learning_rate * xs[-1])\n    return np.array(xs)\n'),
])
TRIVIAL.setdefault('learning_rate_regime', []).extend([
    ('visible cases hard-coded',
     "def learning_rate_regime(learning_rate):\n    return {0.1: 'converges', 1.5: 'diverges', 0.75: 'oscillates', 0.5: 'converges', 1.0: 'oscillates', 0.001: 'converges', 0.3: 'converges', 0.6: 'oscillates', 0.9: 'oscillates', 1.2: 'diverges', 50.0: 'diverges'}.get(learning_rate, 'converges')\n"),
])
HONEST.setdefault('mean_squared_error', []).extend([
    ("the slide's Keras MSE, then a mean",
     'def mean_squared_error(y_true, y_pred):\n    y = np.asarray(y_true, dtype=float)\n    f = np.asarray(y_pred, dtype=float)\n    return float(np.mean(tf.keras.losses.MSE(y, f)))\n'),
    ('sum over size, no conversion, numpy float',
     'def mean_squared_error(y_true, y_pred):\n    d = np.subtract(y_true, y_pred)\n    return np.sum(d * d) / np.size(d)\n'),
    ('a norm squared, 0-d array',
     'def mean_squared_error(y_true, y_pred):\n    d = (np.asarray(y_true) - np.asarray(y_pred)).ravel()\n    return np.array(np.linalg.norm(d) ** 2 / d.size)\n'),
])
HONEST.setdefault('descend_square', []).extend([
    ('the update (1 - 2η) x + 2η x_f',
     'def descend_square(x_f, learning_rate, n_steps, x0):\n    xs = np.zeros(n_steps + 1)\n    xs[0] = x0\n    for t in range(1, n_steps + 1):\n        xs[t] = (1 - 2 * learning_rate) * xs[t - 1] + 2 * learning_rate * x_f\n    return xs\n'),
    ('np.fromiter over a generator',
     'def descend_square(x_f, learning_rate, n_steps, x0):\n    def it():\n        x = x0\n        yield x\n        for _ in range(n_steps):\n            x = x + 2 * learning_rate * (x_f - x)\n            yield x\n    return np.fromiter(it(), dtype=float, count=n_steps + 1)\n'),
    ('float32 everything, closed form',
     'def descend_square(x_f, learning_rate, n_steps, x0):\n    r = np.float32(1 - 2 * learning_rate)\n    t = np.arange(n_steps + 1)\n    return np.float32(x_f) + r ** t * (np.float32(x0) - np.float32(x_f))\n'),
])
HONEST.setdefault('learning_rate_regime', []).extend([
    ('numpy string from an array, np.sign',
     "def learning_rate_regime(learning_rate):\n    r = 1 - 2 * learning_rate\n    names = np.array(['converges', 'oscillates', 'diverges'])\n    if np.sign(r) >= 0:\n        return names[0]\n    return names[1] if np.abs(r) <= 1 else names[2]\n"),
    ('match on intervals, explicit boundaries',
     "def learning_rate_regime(learning_rate):\n    if learning_rate == 0.5 or learning_rate < 0.5:\n        return 'converges'\n    if learning_rate == 1 or learning_rate < 1:\n        return 'oscillates'\n    return 'diverges'\n"),
    ('Fraction arithmetic',
     "def learning_rate_regime(learning_rate):\n    from fractions import Fraction\n    r = 1 - 2 * Fraction(learning_rate)\n    if r >= 0:\n        return 'converges'\n    return 'oscillates' if r >= -1 else 'diverges'\n"),
])
# Wrong answers that earned partial credit before the probes were tightened (red team, issue #13).
TRIVIAL['learning_rate_regime'].append(
    ('oscillates up to 2', "def learning_rate_regime(learning_rate):\n    return 'converges' if learning_rate <= 0.5 else ('oscillates' if learning_rate <= 2 else 'diverges')\n"))

"""Corpus for neural_networks/03_nonlinearity_and_dense_layers: trivially wrong answers (each
must score 0 on its exercise) and honest alternative solutions (each must earn full marks).
See tests/corpus/harness.py."""

LAB = "neural_networks"
NOTEBOOK = "03_nonlinearity_and_dense_layers"


def _f(name, args, body):
    """A complete answer cell: one function ``name(args)`` with the given body."""
    lines = "\n".join("    " + line if line else "" for line in body.strip("\n").split("\n"))
    return f"def {name}({args}):\n{lines}\n"


CL, DF, TF = "W1, b1, W2, b2", "X, W, w0, g", "X, W, w0"


DIAMOND = """W1 = np.array([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]])
b1 = np.zeros(4)"""

TRIVIAL = {
    "collapse_linear_layers": [
        ("zeros", _f("collapse_linear_layers", CL, "return np.zeros((W1.shape[0], W2.shape[1])), np.zeros(W2.shape[1])")),
        ("first layer only", _f("collapse_linear_layers", CL, "return W1, b1")),
        ("second layer only", _f("collapse_linear_layers", CL, "return W2, b2")),
        ("forgets b1", _f("collapse_linear_layers", CL, "return W1 @ W2, b2")),
        ("no return", _f("collapse_linear_layers", CL, "W = W1 @ W2\nw0 = b1 @ W2 + b2")),
    ],
    "green_red_weights": [
        ("zeros", _f("green_red_weights", "", "return np.zeros((2, 4)), np.zeros(4), np.zeros((4, 1)), np.zeros(1)")),
        ("everything green", _f("green_red_weights", "", DIAMOND + "\nreturn W1, b1, np.zeros((4, 1)), np.array([5.0])")),
        ("the sign flipped (green outside)", _f("green_red_weights", "", DIAMOND + "\nreturn W1, b1, 5.0 * np.ones((4, 1)), np.array([-7.5])")),
        ("a straight line", _f("green_red_weights", "", "return np.array([[1.0], [0.0]]), np.zeros(1), np.array([[1.0]]), np.array([0.0])")),
        ("no return", _f("green_red_weights", "", DIAMOND + "\nW2 = -5.0 * np.ones((4, 1))\nb2 = np.array([7.5])")),
    ],
    "dense_forward": [
        ("zeros", _f("dense_forward", DF, "return np.zeros(np.shape(X)[:-1] + (np.shape(W)[1],))")),
        ("no activation", _f("dense_forward", DF, "return X @ W + w0")),
        ("ignores the bias", _f("dense_forward", DF, "return g(X @ W)")),
        ("the first row only", _f("dense_forward", DF, "return g(X @ W + w0)[0]")),
        ("W @ X", _f("dense_forward", DF, "return g(W @ X + w0)")),
        ("the input returned", _f("dense_forward", DF, "return X")),
        ("no return", _f("dense_forward", DF, "Z = X @ W + w0\ng(Z)")),
    ],
    "dense_forward_tf": [
        ("constant 0.5", _f("dense_forward_tf", TF, "return 0.5 * tf.ones((tf.shape(X)[0], tf.shape(W)[1]))")),
        ("no activation", _f("dense_forward_tf", TF, "return tf.matmul(X, W) + w0")),
        ("ignores the bias", _f("dense_forward_tf", TF, "return tf.math.sigmoid(tf.matmul(X, W))")),
        ("zeros", _f("dense_forward_tf", TF, "return tf.zeros((tf.shape(X)[0], tf.shape(W)[1]))")),
        ("no return", _f("dense_forward_tf", TF, "z = tf.matmul(X, W) + w0\ntf.math.sigmoid(z)")),
    ],
}

HONEST = {
    "collapse_linear_layers": [
        ("loops", _f("collapse_linear_layers", CL, """
n_in, h = W1.shape
n_out = W2.shape[1]
W = np.zeros((n_in, n_out))
w0 = np.array(b2, dtype=float)
for i in range(n_in):
    for k in range(n_out):
        W[i, k] = sum(W1[i, j] * W2[j, k] for j in range(h))
for k in range(n_out):
    w0[k] += sum(b1[j] * W2[j, k] for j in range(h))
return W, w0""")),
        ("np.dot, as a list", _f("collapse_linear_layers", CL, "return [np.dot(W1, W2), np.dot(W2.T, b1) + b2]")),
        ("float32", _f("collapse_linear_layers", CL, """
W1, b1, W2, b2 = (np.asarray(a, dtype=np.float32) for a in (W1, b1, W2, b2))
return W1 @ W2, b1 @ W2 + b2""")),
    ],
    "green_red_weights": [
        ("a circle-ish octagon, 8 units", _f("green_red_weights", "", """
angles = np.arange(8) * np.pi / 4
W1 = np.stack([np.cos(angles), np.sin(angles)])  # (2, 8)
b1 = np.zeros(8)
# relu(u.x) + relu(-u.x) = |u.x| for 4 directions; sum ~ 2.6 r
W2 = -10.0 * np.ones((8, 1))
b2 = np.array([10.0 * 2.6 * 1.3])
return W1, b1, W2, b2""")),
        ("lists, squares via shifted ReLUs", _f("green_red_weights", "", """
W1 = [[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]]
b1 = [-0.0, -0.0, -0.0, -0.0]
W2 = [[-20.0], [-20.0], [-20.0], [-20.0]]
b2 = [29.0]  # boundary |x1| + |x2| = 1.45
return W1, b1, W2, b2""")),
        ("float32 arrays", _f("green_red_weights", "", """
W1 = np.array([[1, -1, 0, 0], [0, 0, 1, -1]], dtype=np.float32)
b1 = np.zeros(4, dtype=np.float32)
W2 = np.full((4, 1), -5, dtype=np.float32)
b2 = np.array([7.5], dtype=np.float32)
return W1, b1, W2, b2""")),
    ],
    "dense_forward": [
        ("einsum", _f("dense_forward", DF, "return g(np.einsum('...m,md->...d', X, W) + w0)")),
        ("loops over examples, outputs and inputs", _f("dense_forward", DF, """
X = np.asarray(X, dtype=float)
one = X.ndim == 1
rows = X.reshape(1, -1) if one else X
m, d = np.shape(W)
Z = np.array([[w0[i] + sum(row[j] * W[j, i] for j in range(m)) for i in range(d)] for row in rows])
return g(Z[0]) if one else g(Z)""")),
        ("float32", _f("dense_forward", DF, """
X32, W32, b32 = (np.asarray(a, dtype=np.float32) for a in (X, W, w0))
return g(X32 @ W32 + b32)""")),
        ("transposes, np.dot", _f("dense_forward", DF, "return g(np.transpose(np.dot(np.transpose(W), np.transpose(X))) + w0)")),
        ("a vector treated apart, a loop over the rows", _f("dense_forward", DF, """
if np.ndim(X) == 1:
    return g(np.matmul(X, W) + w0)
return np.stack([g(np.matmul(row, W) + w0) for row in X])""")),
    ],
    "dense_forward_tf": [
        ("the @ operator and tf.sigmoid", _f("dense_forward_tf", TF, "return tf.sigmoid(X @ W + w0)")),
        ("tf.add and 1 / (1 + exp)", _f("dense_forward_tf", TF, "z = tf.add(tf.linalg.matmul(X, W), w0)\nreturn 1.0 / (1.0 + tf.exp(-z))")),
    ],
}


# Red-team review (issue #13): more variants, each checked with the harness.
HONEST.setdefault('dense_forward', []).extend([
    ('tensordot over the last axis',
     'def dense_forward(X, W, w0, g):\n    return g(np.tensordot(X, W, axes=([-1], [0])) + w0)\n'),
    ('broadcast product summed over the inputs',
     'def dense_forward(X, W, w0, g):\n    X = np.asarray(X)\n    return g((X[..., :, None] * W).sum(axis=-2) + w0)\n'),
    ('float32 cast of everything',
     'def dense_forward(X, W, w0, g):\n    f = np.float32\n    return g(np.asarray(X, f) @ np.asarray(W, f) + np.asarray(w0, f))\n'),
])
# Wrong answers that earned partial credit before the probes were tightened (red team, issue #13).
TRIVIAL['dense_forward'].extend([
    ('g ignored: always tanh', 'def dense_forward(X, W, w0, g):\n    return np.tanh(X @ W + w0)\n'),
    ('the first input only', 'def dense_forward(X, W, w0, g):\n    X = np.asarray(X)\n    return g(X[..., :1] @ W[:1] + w0)\n'),
    ('the first output copied to every column',
     'def dense_forward(X, W, w0, g):\n    Z = X @ W + w0\n    return g(np.broadcast_to(Z[..., :1], Z.shape))\n'),
])

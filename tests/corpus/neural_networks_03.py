"""Corpus for neural_networks/03_nonlinearity_and_dense_layers: trivially wrong answers (each
must score 0 on its exercise) and honest alternative solutions (each must earn full marks).
See tests/corpus/harness.py."""

LAB = "neural_networks"
NOTEBOOK = "03_nonlinearity_and_dense_layers"


def _f(name, args, body):
    """A complete answer cell: one function ``name(args)`` with the given body."""
    lines = "\n".join("    " + line if line else "" for line in body.strip("\n").split("\n"))
    return f"def {name}({args}):\n{lines}\n"


CL, MO, DF, TF = "W1, b1, W2, b2", "x, W, w0, g", "X, W, w0, g", "X, W, w0"


def _layer(init, build, call, header="class MyDenseLayer(tf.keras.layers.Layer):", imports=""):
    def block(text):
        return "\n".join("        " + line if line else "" for line in text.strip("\n").split("\n"))
    return (f"{imports}{header}\n"
            f"    def __init__(self, output_dim, **kwargs):\n{block(init)}\n\n"
            f"    def build(self, input_shape):\n{block(build)}\n\n"
            f"    def call(self, inputs):\n{block(call)}\n")


INIT = "super().__init__(**kwargs)\nself.output_dim = output_dim"
BUILD = """input_dim = input_shape[-1]
self.W = self.add_weight(shape=(input_dim, self.output_dim), initializer="glorot_uniform", trainable=True, name="W")
self.b = self.add_weight(shape=(1, self.output_dim), initializer="zeros", trainable=True, name="b")"""

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
    "multi_output_perceptron": [
        ("zeros", _f("multi_output_perceptron", MO, "return np.zeros(np.shape(W)[1])")),
        ("no activation", _f("multi_output_perceptron", MO, "return x @ W + w0")),
        ("ignores the bias", _f("multi_output_perceptron", MO, "return g(x @ W)")),
        ("W @ x", _f("multi_output_perceptron", MO, "return g(W @ x + w0)")),
        ("no return", _f("multi_output_perceptron", MO, "z = x @ W + w0\ng(z)")),
    ],
    "dense_forward": [
        ("zeros", _f("dense_forward", DF, "return np.zeros((np.shape(X)[0], np.shape(W)[1]))")),
        ("no activation", _f("dense_forward", DF, "return X @ W + w0")),
        ("ignores the bias", _f("dense_forward", DF, "return g(X @ W)")),
        ("first example only", _f("dense_forward", DF, "return g(X[:1] @ W + w0)")),
        ("no return", _f("dense_forward", DF, "Z = X @ W + w0\ng(Z)")),
    ],
    "dense_forward_tf": [
        ("constant 0.5", _f("dense_forward_tf", TF, "return 0.5 * tf.ones((tf.shape(X)[0], tf.shape(W)[1]))")),
        ("no activation", _f("dense_forward_tf", TF, "return tf.matmul(X, W) + w0")),
        ("ignores the bias", _f("dense_forward_tf", TF, "return tf.math.sigmoid(tf.matmul(X, W))")),
        ("zeros", _f("dense_forward_tf", TF, "return tf.zeros((tf.shape(X)[0], tf.shape(W)[1]))")),
        ("no return", _f("dense_forward_tf", TF, "z = tf.matmul(X, W) + w0\ntf.math.sigmoid(z)")),
    ],
    "my_dense_layer": [
        ("constant 0.5", _layer(INIT, BUILD, "return 0.5 * tf.ones((tf.shape(inputs)[0], self.output_dim))")),
        ("no activation", _layer(INIT, BUILD, "return tf.matmul(inputs, self.W) + self.b")),
        ("ignores the bias", _layer(INIT, BUILD, "return tf.math.sigmoid(tf.matmul(inputs, self.W))")),
        ("zeros", _layer(INIT, BUILD, "return tf.zeros((tf.shape(inputs)[0], self.output_dim))")),
        ("no return", _layer(INIT, BUILD, "z = tf.matmul(inputs, self.W) + self.b\ntf.math.sigmoid(z)")),
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
    "multi_output_perceptron": [
        ("loops", _f("multi_output_perceptron", MO, """
m, d = np.shape(W)
z = np.array([w0[i] + sum(x[j] * W[j, i] for j in range(m)) for i in range(d)])
return g(z)""")),
        ("W.T @ x, float32-free np.dot", _f("multi_output_perceptron", MO, "return g(np.dot(np.transpose(W), x) + w0)")),
        ("float32", _f("multi_output_perceptron", MO, """
x32, W32, b32 = (np.asarray(a, dtype=np.float32) for a in (x, W, w0))
return g(x32 @ W32 + b32)""")),
    ],
    "dense_forward": [
        ("einsum", _f("dense_forward", DF, "return g(np.einsum('nm,md->nd', X, W) + w0[None, :])")),
        ("a loop over the examples", _f("dense_forward", DF, "return np.stack([g(row @ W + w0) for row in X])")),
        ("float32", _f("dense_forward", DF, """
X32, W32, b32 = (np.asarray(a, dtype=np.float32) for a in (X, W, w0))
return g(X32 @ W32 + b32)""")),
    ],
    "dense_forward_tf": [
        ("the @ operator and tf.sigmoid", _f("dense_forward_tf", TF, "return tf.sigmoid(X @ W + w0)")),
        ("tf.add and 1 / (1 + exp)", _f("dense_forward_tf", TF, "z = tf.add(tf.linalg.matmul(X, W), w0)\nreturn 1.0 / (1.0 + tf.exp(-z))")),
    ],
    "my_dense_layer": [
        ("imported Layer, a (d,) bias, initializer objects", _layer(
            INIT, """
self.W = self.add_weight(shape=(int(input_shape[-1]), self.output_dim),
                         initializer=tf.keras.initializers.GlorotUniform(), trainable=True)
self.b = self.add_weight(shape=(self.output_dim,), initializer=tf.keras.initializers.Zeros(), trainable=True)""",
            "return tf.sigmoid(inputs @ self.W + self.b)",
            header="class MyDenseLayer(Layer):", imports="from tensorflow.keras.layers import Layer\n\n\n")),
        ("bias first, tf.nn.sigmoid", _layer(
            "super(MyDenseLayer, self).__init__(**kwargs)\nself.output_dim = int(output_dim)", """
self.b = self.add_weight(name="bias", shape=(1, self.output_dim), initializer="zeros", trainable=True)
self.W = self.add_weight(name="kernel", shape=(input_shape[-1], self.output_dim), initializer="glorot_uniform", trainable=True)""",
            "z = tf.add(tf.matmul(inputs, self.W), self.b)\nreturn tf.nn.sigmoid(z)")),
    ],
}

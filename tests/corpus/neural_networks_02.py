"""Corpus for ``neural_networks/02_intro_to_tensorflow``: trivially wrong answers (each must
score 0 on its exercise) and honest alternative solutions (each must score full marks).
See ``tests/corpus/harness.py``."""

LAB = "neural_networks"
NOTEBOOK = "02_intro_to_tensorflow"

MAKE_TENSORS = '''def make_tensors():
    """Return {"numbers": rank-1 float64, "matrix": rank-2 float, "images": zeros of shape (10, 256, 256, 3)}."""
    numbers = %s
    matrix = %s
    images = %s
    return {"numbers": numbers, "matrix": matrix, "images": images}
'''

DESCRIBE = '''def describe_tensor(t):
    """Return (rank, shape) of the tensor t: an int and a tuple of ints."""
%s
'''

SLICE = '''def slice_tensor(matrix, i, j):
    """Row i, column j and element (i, j) of a rank-2 tensor, as tensors."""
%s
'''

GRAPH = '''def compute_graph(a, b):
    """e = (a + b) * (b - 1), computed with TensorFlow operations; returns a tf.Tensor."""
%s
'''

DENSE = '''%sclass OurDenseLayer(tf.keras.layers.Layer):
    """y = sigmoid(x W + b), with W of shape (d, n_output_nodes) and b of shape (1, n_output_nodes)."""

    def __init__(self, n_output_nodes, **kwargs):
        super().__init__(**kwargs)
        self.n_output_nodes = n_output_nodes

    def build(self, input_shape):
        d = int(input_shape[-1])
%s

    def call(self, x):
%s
'''
DENSE_BUILD = '''        self.W = self.add_weight(shape=(d, self.n_output_nodes), initializer="random_normal", trainable=True, name="W")
        self.b = self.add_weight(shape=(1, self.n_output_nodes), initializer="zeros", trainable=True, name="b")'''

SUBCLASS = '''%sclass SubclassModel(tf.keras.Model):
    """A model made of one sigmoid Dense layer with n_output_nodes outputs."""

    def __init__(self, n_output_nodes):
        super().__init__()
%s

    def call(self, inputs):
%s
'''
SUBCLASS_INIT = '''        self.dense_layer = tf.keras.layers.Dense(n_output_nodes, activation="sigmoid")'''

IDENTITY = '''class IdentityModel(tf.keras.Model):
    """One sigmoid Dense layer; call(inputs, isidentity=True) returns the inputs unchanged."""

    def __init__(self, n_output_nodes):
        super().__init__()
        self.dense_layer = tf.keras.layers.Dense(n_output_nodes, activation="sigmoid")

    def call(self, inputs, isidentity=False):
%s
'''

DERIVATIVE = '''def derivative_of_square(x_value):
    """dy/dx of y = x**2 at x_value, computed with tf.GradientTape."""
%s
'''

GOOD_NUMBERS = 'tf.constant([3.141592, 1.414213, 2.71821], tf.float64)'
GOOD_MATRIX = 'tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])'
GOOD_IMAGES = 'tf.zeros([10, 256, 256, 3])'

TRIVIAL = {
    "make_tensors": [
        ("images of ones", MAKE_TENSORS % (GOOD_NUMBERS, GOOD_MATRIX, "tf.ones([10, 256, 256, 3])")),
        ("numbers float32 (dtype forgotten)", MAKE_TENSORS % ("tf.constant([3.141592, 1.414213, 2.71821])", GOOD_MATRIX, GOOD_IMAGES)),
        ("NumPy arrays, not tensors", MAKE_TENSORS % ("np.array([3.14, 1.41, 2.71])", "np.ones((2, 3))", "np.zeros((10, 256, 256, 3), np.float32)")),
        ("one image, no batch dimension", MAKE_TENSORS % (GOOD_NUMBERS, GOOD_MATRIX, "tf.zeros([256, 256, 3])")),
        ("a rank-1 'matrix'", MAKE_TENSORS % (GOOD_NUMBERS, "tf.constant([1.0, 2.0, 3.0])", GOOD_IMAGES)),
    ],
    "describe_tensor": [
        ("constant: the image batch", DESCRIBE % "    return 4, (10, 256, 256, 3)"),
        ("the rank as a tensor", DESCRIBE % "    return tf.rank(t), tuple(t.shape)"),
        ("the number of elements as the rank", DESCRIBE % "    return int(tf.size(t)), tuple(t.shape)"),
        ("(shape, rank) swapped", DESCRIBE % "    return tuple(t.shape), len(t.shape)"),
        ("the shape ignored", DESCRIBE % "    return len(t.shape), ()"),
    ],
    "slice_tensor": [
        ("the input three times", SLICE % "    return matrix, matrix, matrix"),
        ("always row 0, column 0", SLICE % "    return matrix[0], matrix[:, 0], matrix[0, 0]"),
        ("row and column swapped", SLICE % "    return matrix[:, j], matrix[i], matrix[j, i]"),
        ("zeros of the right shapes", SLICE % "    return tf.zeros_like(matrix[0]), tf.zeros_like(matrix[:, 0]), tf.zeros_like(matrix[0, 0])"),
    ],
    "compute_graph": [
        ("only c = a + b", GRAPH % "    return tf.add(a, b)"),
        ("forgot the - 1", GRAPH % "    return tf.multiply(tf.add(a, b), b)"),
        ("zeros", GRAPH % "    return tf.zeros_like(tf.add(a, b))"),
        ("NumPy, not a tensor", GRAPH % "    return np.multiply(np.add(a, b), np.subtract(b, 1))"),
        ("d from a instead of b", GRAPH % "    return tf.multiply(tf.add(a, b), tf.subtract(a, 1))"),
    ],
    "OurDenseLayer": [
        ("no activation", DENSE % ("", DENSE_BUILD, "        return tf.matmul(x, self.W) + self.b")),
        ("the bias ignored", DENSE % ("", DENSE_BUILD, "        return tf.math.sigmoid(tf.matmul(x, self.W))")),
        ("ReLU instead of sigmoid", DENSE % ("", DENSE_BUILD, "        return tf.nn.relu(tf.matmul(x, self.W) + self.b)")),
        ("a constant output", DENSE % ("", DENSE_BUILD, "        return 0.5 * tf.ones((tf.shape(x)[0], self.n_output_nodes))")),
        ("returns the input", DENSE % ("", DENSE_BUILD, "        return x")),
    ],
    "SubclassModel": [
        ("no activation", SUBCLASS % ("", "        self.dense_layer = tf.keras.layers.Dense(n_output_nodes)", "        return self.dense_layer(inputs)")),
        ("no bias", SUBCLASS % ("", "        self.dense_layer = tf.keras.layers.Dense(n_output_nodes, activation='sigmoid', use_bias=False)", "        return self.dense_layer(inputs)")),
        ("returns the inputs", SUBCLASS % ("", SUBCLASS_INIT, "        return inputs")),
        ("sigmoid of the inputs, no layer", SUBCLASS % ("", SUBCLASS_INIT, "        return tf.math.sigmoid(inputs)")),
        ("tanh", SUBCLASS % ("", "        self.dense_layer = tf.keras.layers.Dense(n_output_nodes, activation='tanh')", "        return self.dense_layer(inputs)")),
    ],
    "IdentityModel": [
        ("the flag ignored: always the dense layer", IDENTITY % "        return self.dense_layer(inputs)"),
        ("always the inputs", IDENTITY % "        return inputs"),
        ("the flag inverted", IDENTITY % "        if isidentity:\n            return self.dense_layer(inputs)\n        return inputs"),
        ("zeros", IDENTITY % "        return tf.zeros_like(self.dense_layer(inputs))"),
    ],
    "derivative_of_square": [
        ("constant 6", DERIVATIVE % "    return tf.constant(6.0)"),
        ("returns x", DERIVATIVE % "    return tf.constant(x_value, tf.float32)"),
        ("returns y = x**2", DERIVATIVE % "    x = tf.constant(x_value, tf.float32)\n    return x * x"),
        ("zeros", DERIVATIVE % "    return tf.zeros_like(tf.constant(x_value, tf.float32))"),
        ("a constant, not watched: None", DERIVATIVE % "    x = tf.constant(x_value, tf.float32)\n    with tf.GradientTape() as tape:\n        y = x * x\n    return tape.gradient(y, x)"),
    ],
}

HONEST = {
    "make_tensors": [
        ("from NumPy arrays, a tuple shape", MAKE_TENSORS % ("tf.constant(np.array([np.pi, np.sqrt(2.0), np.e]))", "tf.constant(np.eye(3))",
                                                            "tf.zeros((10, 256, 256, 3), dtype=tf.float32)")),
        ("tf.cast, tf.random, tf.fill", MAKE_TENSORS % ("tf.cast(tf.constant([1, 2, 3, 4]), tf.float64)", "tf.random.normal((4, 2))",
                                                       "tf.fill([10, 256, 256, 3], 0.0)")),
        ("tf.convert_to_tensor, zeros_like", MAKE_TENSORS % ("tf.convert_to_tensor([2.5, -1.0], dtype=tf.float64)", "tf.ones((2, 2), tf.float64)",
                                                            "tf.zeros_like(tf.ones((10, 256, 256, 3)))")),
    ],
    "describe_tensor": [
        ("TensorShape methods", DESCRIBE % "    return t.shape.rank, tuple(t.shape.as_list())"),
        ("len and tf.shape", DESCRIBE % "    return len(t.shape), tuple(int(s) for s in tf.shape(t).numpy())"),
        ("tf.rank(t).numpy() and a loop", DESCRIBE % "    dims = []\n    for s in t.shape:\n        dims.append(int(s))\n    return int(tf.rank(t).numpy()), tuple(dims)"),
    ],
    "slice_tensor": [
        ("tf.gather and tf.gather_nd", SLICE % "    return tf.gather(matrix, i), tf.gather(matrix, j, axis=1), tf.gather_nd(matrix, [i, j])"),
        ("tf.slice and tf.reshape", SLICE % ("    n_rows, n_cols = matrix.shape\n"
                                             "    row = tf.reshape(tf.slice(matrix, [i, 0], [1, n_cols]), [n_cols])\n"
                                             "    column = tf.reshape(tf.slice(matrix, [0, j], [n_rows, 1]), [n_rows])\n"
                                             "    element = tf.reshape(tf.slice(matrix, [i, j], [1, 1]), [])\n"
                                             "    return row, column, element")),
        ("row first, then index the row", SLICE % "    row = matrix[i, :]\n    column = tf.transpose(matrix)[j]\n    return row, column, row[j]"),
    ],
    "compute_graph": [
        ("operators on converted tensors", GRAPH % "    a = tf.convert_to_tensor(a)\n    b = tf.convert_to_tensor(b)\n    return (a + b) * (b - 1)"),
        ("tf.math names, one line", GRAPH % "    return tf.math.multiply(tf.math.add(a, b), tf.math.subtract(b, 1.0))"),
        ("expanded: a b - a + b^2 - b", GRAPH % "    c = tf.add(a, b)\n    d = tf.subtract(b, 1)\n    return tf.subtract(tf.multiply(c, b), c) + 0 * d"),
    ],
    "OurDenseLayer": [
        ("operators, tf.sigmoid, glorot, bias (n,)", DENSE % ("", '''        self.W = self.add_weight(shape=(d, self.n_output_nodes), initializer="glorot_uniform", trainable=True, name="W")
        self.b = self.add_weight(shape=(self.n_output_nodes,), initializer="zeros", trainable=True, name="b")''',
                                                              "        return tf.sigmoid(x @ self.W + self.b)")),
        ("einsum and 1 / (1 + exp(-z))", DENSE % ("", '''        self.W = self.add_weight(shape=[d, self.n_output_nodes], initializer=tf.keras.initializers.RandomNormal(stddev=0.1))
        self.b = self.add_weight(shape=[1, self.n_output_nodes], initializer=tf.keras.initializers.Zeros())''',
                                                  "        z = tf.einsum('bd,dn->bn', x, self.W) + self.b\n        return 1.0 / (1.0 + tf.exp(-z))")),
        ("imported names, keras activations", DENSE % ("from tensorflow.keras.activations import sigmoid\n\n", '''        self.b = self.add_weight(shape=(1, self.n_output_nodes), initializer="ones", name="bias")
        self.W = self.add_weight(shape=(d, self.n_output_nodes), initializer="he_normal", name="kernel")''',
                                                       "        return sigmoid(tf.linalg.matmul(x, self.W) + self.b)")),
    ],
    "SubclassModel": [
        ("imported Dense, tf.nn.sigmoid", SUBCLASS % ("from tensorflow.keras.layers import Dense\n\n", "        self.dense_layer = Dense(units=n_output_nodes, activation=tf.nn.sigmoid)", "        y = self.dense_layer(inputs)\n        return y")),
        ("keras activations, glorot_normal", SUBCLASS % ("", "        self.dense_layer = tf.keras.layers.Dense(n_output_nodes, activation=tf.keras.activations.sigmoid, kernel_initializer='glorot_normal')", "        return self.dense_layer(inputs)")),
    ],
    "IdentityModel": [
        ("tf.identity, else branch first", IDENTITY % "        if not isidentity:\n            return self.dense_layer(inputs)\n        return tf.identity(inputs)"),
        ("conditional expression", IDENTITY % "        return inputs if isidentity else self.dense_layer(inputs)"),
        ("an output variable", IDENTITY % "        out = inputs\n        if isidentity is False or not isidentity:\n            out = self.dense_layer(inputs)\n        return out"),
    ],
    "derivative_of_square": [
        ("tape.watch on a constant, tf.square", DERIVATIVE % "    x = tf.convert_to_tensor(x_value, dtype=tf.float32)\n    with tf.GradientTape() as tape:\n        tape.watch(x)\n        y = tf.square(x)\n    return tape.gradient(y, x)"),
        ("x ** 2, a NumPy answer", DERIVATIVE % "    x = tf.Variable(x_value, dtype=tf.float32)\n    with tf.GradientTape() as tape:\n        y = x ** 2\n    dy_dx = tape.gradient(y, x)\n    return dy_dx.numpy()"),
        ("tf.math.multiply, float64", DERIVATIVE % "    x = tf.Variable(tf.cast(x_value, tf.float64))\n    with tf.GradientTape() as tape:\n        y = tf.math.multiply(x, x)\n    return tape.gradient(y, x)"),
    ],
}

"""Corpus for solutions/neural_networks/04_deep_networks: trivially wrong and honest answers."""

LAB = "neural_networks"
NOTEBOOK = "04_deep_networks"

_DF = 'def deep_forward(X, weights, biases, g):\n    """Output Z_K of a deep network: hidden layers use g, the output layer is linear."""\n'
_CP = 'def count_parameters(n_inputs, hidden_units, n_outputs):\n    """Number of weights and biases of a dense network n_inputs -> hidden_units... -> n_outputs."""\n'
_BS = 'def build_sequential(n_inputs, hidden_units, n_outputs):\n    """Sequential model: Input(n_inputs) -> Dense(u, relu) for u in hidden_units -> Dense(n_outputs)."""\n'
_PF = 'def build_pass_fail_model():\n    """A new compiled model: 2 features -> hidden ReLU layer -> probability of passing."""\n'
_PS = 'def predict_student(model, lectures, hours):\n    """Predicted probability (a Python float) that a student with these x1, x2 passes."""\n'


def _deep_model(init, call, head=""):
    return (head + "class DeepModel(tf.keras.Model):\n"
            '    """hidden Dense layers (ReLU) followed by a linear Dense output layer."""\n\n'
            "    def __init__(self, hidden_units, n_outputs, **kwargs):\n" + init + "\n"
            "    def call(self, inputs):\n" + call)


_DM_INIT = ("        super().__init__(**kwargs)\n"
            '        self.hidden_layers = [tf.keras.layers.Dense(units, activation="relu") for units in hidden_units]\n'
            "        self.output_layer = tf.keras.layers.Dense(n_outputs)\n")
_DM_CALL = ("        x = inputs\n"
            "        for layer in self.hidden_layers:\n"
            "            x = layer(x)\n"
            "        return self.output_layer(x)\n")


def _pass_fail(layers, compile_="model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01), loss=\"binary_crossentropy\", metrics=[\"accuracy\"])"):
    return (_PF + "    model = tf.keras.Sequential([\n" + "".join(f"        {l},\n" for l in layers) + "    ])\n"
            f"    {compile_}\n    return model\n")


_PF_LAYERS = ["tf.keras.Input(shape=(2,))", "tf.keras.layers.Rescaling(1 / 12)", 'tf.keras.layers.Dense(16, activation="relu")',
              'tf.keras.layers.Dense(1, activation="sigmoid")']

TRIVIAL = {
    "deep_forward": [
        ("no activation", _DF + "    A = X\n    for W, b in zip(weights, biases):\n        A = A @ W + b\n    return A\n"),
        ("activation on the output too", _DF + "    A = X\n    for W, b in zip(weights, biases):\n        A = g(A @ W + b)\n    return A\n"),
        ("first layer only", _DF + "    return X @ weights[0] + biases[0]\n"),
        ("biases ignored", _DF + "    A = X\n    for k, W in enumerate(weights):\n        Z = A @ W\n        A = g(Z) if k < len(weights) - 1 else Z\n    return A\n"),
        ("zeros of the output shape", _DF + "    return np.zeros((len(X), np.shape(weights[-1])[1]))\n"),
    ],
    "count_parameters": [
        ("weights only, no biases", _CP + "    sizes = [n_inputs, *hidden_units, n_outputs]\n    return int(sum(a * b for a, b in zip(sizes[:-1], sizes[1:])))\n"),
        ("units only", _CP + "    return int(n_inputs + sum(hidden_units) + n_outputs)\n"),
        ("ignores the output layer", _CP + "    sizes = [n_inputs, *hidden_units]\n    return int(sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:])))\n"),
        ("constant", _CP + "    return 13\n"),
    ],
    "build_sequential": [
        ("no activation on the hidden layers", _BS + "    layers = [tf.keras.Input(shape=(n_inputs,))]\n    layers += [tf.keras.layers.Dense(u) for u in hidden_units]\n"
                                                     "    layers.append(tf.keras.layers.Dense(n_outputs))\n    return tf.keras.Sequential(layers)\n"),
        ("ReLU on the output too", _BS + "    layers = [tf.keras.Input(shape=(n_inputs,))]\n    layers += [tf.keras.layers.Dense(u, activation=\"relu\") for u in hidden_units]\n"
                                         "    layers.append(tf.keras.layers.Dense(n_outputs, activation=\"relu\"))\n    return tf.keras.Sequential(layers)\n"),
        ("ignores hidden_units", _BS + "    return tf.keras.Sequential([tf.keras.Input(shape=(n_inputs,)), tf.keras.layers.Dense(n_outputs)])\n"),
        ("one hidden layer of the total size", _BS + "    layers = [tf.keras.Input(shape=(n_inputs,))]\n    if hidden_units:\n        layers.append(tf.keras.layers.Dense(sum(hidden_units), activation=\"relu\"))\n"
                                                     "    layers.append(tf.keras.layers.Dense(n_outputs))\n    return tf.keras.Sequential(layers)\n"),
    ],
    "deep_model": [
        ("no activation", _deep_model("        super().__init__(**kwargs)\n        self.hidden_layers = [tf.keras.layers.Dense(u) for u in hidden_units]\n"
                                      "        self.output_layer = tf.keras.layers.Dense(n_outputs)\n", _DM_CALL)),
        ("call skips the hidden layers", _deep_model(_DM_INIT, "        return self.output_layer(inputs)\n")),
        ("sigmoid on the output", _deep_model("        super().__init__(**kwargs)\n        self.hidden_layers = [tf.keras.layers.Dense(u, activation=\"relu\") for u in hidden_units]\n"
                                              "        self.output_layer = tf.keras.layers.Dense(n_outputs, activation=\"sigmoid\")\n", _DM_CALL)),
        ("returns zeros", _deep_model(_DM_INIT, "        x = inputs\n        for layer in self.hidden_layers:\n            x = layer(x)\n        return 0.0 * self.output_layer(x)\n")),
    ],
    "build_pass_fail_model": [
        ("never learns (learning rate 0)", _pass_fail(_PF_LAYERS, "model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.0), loss=\"binary_crossentropy\", metrics=[\"accuracy\"])")),
        ("no sigmoid on the output", _pass_fail(_PF_LAYERS[:3] + ["tf.keras.layers.Dense(1)"])),
        ("mean squared error loss", _pass_fail(_PF_LAYERS, "model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01), loss=\"mse\", metrics=[\"accuracy\"])")),
        ("no hidden layer", _pass_fail(["tf.keras.Input(shape=(2,))", "tf.keras.layers.Rescaling(1 / 12)", 'tf.keras.layers.Dense(1, activation="sigmoid")'])),
        ("not compiled", _pass_fail(_PF_LAYERS, "pass")),
    ],
    "predict_student": [
        ("constant 0.5", _PS + "    return 0.5\n"),
        ("features swapped", _PS + "    x = np.array([[hours, lectures]], dtype=\"float32\")\n    return float(np.asarray(model(x))[0, 0])\n"),
        ("returns the (1, 1) array", _PS + "    x = np.array([[lectures, hours]], dtype=\"float32\")\n    return np.asarray(model(x))\n"),
        ("hours ignored", _PS + "    x = np.array([[lectures, 0.0]], dtype=\"float32\")\n    return float(np.asarray(model(x))[0, 0])\n"),
        ("the logit, not the probability", _PS + "    x = np.array([[lectures, hours]], dtype=\"float32\")\n    p = float(np.asarray(model(x))[0, 0])\n    return float(np.log(p / (1 - p)))\n"),
    ],
}

HONEST = {
    "deep_forward": [
        ("index loop, hidden layers then output", _DF + "    A = np.asarray(X, dtype=float)\n    K = len(weights)\n    for k in range(K - 1):\n        A = g(A @ weights[k] + biases[k])\n"
                                                  "    return A @ weights[K - 1] + biases[K - 1]\n"),
        ("explicit sums over units", _DF + "    A = np.asarray(X, dtype=float)\n    for k in range(len(weights)):\n        W, w0 = np.asarray(weights[k]), np.asarray(biases[k])\n"
                                     "        Z = np.empty((A.shape[0], W.shape[1]))\n        for i in range(W.shape[1]):\n            Z[:, i] = w0[i] + sum(A[:, j] * W[j, i] for j in range(W.shape[0]))\n"
                                     "        A = Z if k == len(weights) - 1 else g(Z)\n    return A\n"),
        ("np.dot and reversed-list pop", _DF + "    Ws, bs = list(weights), list(biases)\n    out_W, out_b = Ws.pop(), bs.pop()\n    A = X\n    for W, b in zip(Ws, bs):\n"
                                         "        A = g(np.dot(A, W) + b)\n    return np.dot(A, out_W) + out_b\n"),
        ("float32", _DF + "    A = np.asarray(X, dtype=np.float32)\n    K = len(weights)\n    for k, (W, w0) in enumerate(zip(weights, biases)):\n"
                     "        Z = A @ np.asarray(W, dtype=np.float32) + np.asarray(w0, dtype=np.float32)\n        A = g(Z) if k < K - 1 else Z\n    return A\n"),
    ],
    "count_parameters": [
        ("loop with numpy int", _CP + "    total = 0\n    previous = n_inputs\n    for units in list(hidden_units) + [n_outputs]:\n        total += previous * units + units\n        previous = units\n"
                                "    return np.int64(total)\n"),
        ("Keras itself", _CP + "    model = tf.keras.Sequential([tf.keras.Input(shape=(n_inputs,))] + [tf.keras.layers.Dense(u) for u in hidden_units] + [tf.keras.layers.Dense(n_outputs)])\n"
                         "    return model.count_params()\n"),
    ],
    "build_sequential": [
        ("from ... import Dense, add()", "from tensorflow.keras.layers import Dense\n\n\n" + _BS + "    model = tf.keras.Sequential()\n    model.add(tf.keras.Input(shape=(n_inputs,)))\n"
                                          "    for units in hidden_units:\n        model.add(Dense(units, activation=tf.nn.relu))\n    model.add(Dense(n_outputs, activation=None))\n    return model\n"),
        ("list comprehension, other initializer", _BS + "    return tf.keras.Sequential([tf.keras.Input(shape=(n_inputs,))]\n"
                                                       "        + [tf.keras.layers.Dense(u, activation=\"relu\", kernel_initializer=\"he_normal\") for u in hidden_units]\n"
                                                       "        + [tf.keras.layers.Dense(n_outputs, activation=\"linear\")])\n"),
    ],
    "deep_model": [
        ("one list of all layers", _deep_model("        super().__init__(**kwargs)\n        self.all_layers = [Dense(u, activation=tf.nn.relu) for u in hidden_units] + [Dense(n_outputs)]\n",
                                               "        x = inputs\n        for layer in self.all_layers:\n            x = layer(x)\n        return x\n",
                                               head="from tensorflow.keras.layers import Dense\n\n\n")),
        ("hidden layers in a Sequential", _deep_model("        super().__init__(**kwargs)\n        self.body = tf.keras.Sequential([tf.keras.layers.Dense(u, activation=\"relu\") for u in hidden_units])\n"
                                                      "        self.head = tf.keras.layers.Dense(n_outputs, kernel_initializer=\"he_uniform\")\n",
                                                      "        return self.head(self.body(inputs) if self.body.layers else inputs)\n")),
    ],
    "build_pass_fail_model": [
        ("imported layers, two hidden layers, BinaryCrossentropy object", "from tensorflow.keras.layers import Dense\n\n\n" + _pass_fail(
            ["tf.keras.Input(shape=(2,))", "tf.keras.layers.Rescaling(1.0 / 12.0)", "Dense(32, activation=tf.nn.relu, kernel_initializer=\"he_normal\")",
             "Dense(16, activation=\"relu\")", "Dense(1, activation=tf.nn.sigmoid)"],
            "model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss=tf.keras.losses.BinaryCrossentropy(), metrics=[\"accuracy\"])")),
        ("functional API, 8 units", _PF + "    inputs = tf.keras.Input(shape=(2,))\n    x = tf.keras.layers.Rescaling(1 / 12)(inputs)\n"
                                    "    x = tf.keras.layers.Dense(8, activation=\"relu\")(x)\n    outputs = tf.keras.layers.Dense(1, activation=\"sigmoid\")(x)\n"
                                    "    model = tf.keras.Model(inputs, outputs)\n"
                                    "    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.01), loss=tf.keras.losses.binary_crossentropy, metrics=[\"accuracy\"])\n"
                                    "    return model\n"),
    ],
    "predict_student": [
        ("model.predict and float()", _PS + "    x = np.array([[float(lectures), float(hours)]])\n    return float(model.predict(x, verbose=0)[0][0])\n"),
        ("tf.constant and .numpy().item()", _PS + "    x = tf.constant([[lectures, hours]], dtype=tf.float32)\n    return model(x).numpy().item()\n"),
    ],
}

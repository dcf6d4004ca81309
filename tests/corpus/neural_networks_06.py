"""Corpus for solutions/neural_networks/06_backpropagation_and_regularisation: trivially wrong and honest answers."""

LAB = "neural_networks"
NOTEBOOK = "06_backpropagation_and_regularisation"

_REG = 'def build_regularized_model(dropout_rate=0.3):\n    """build_big_model() with Dropout(dropout_rate) after each hidden Dense layer."""\n'
_ES = 'def early_stopping_callback(patience=10):\n    """Stop when the validation loss has not improved for `patience` epochs; keep the best weights."""\n'


def _reg(layers):
    return _REG + "    return tf.keras.Sequential([\n" + "".join(f"        {l},\n" for l in layers) + "    ])\n"


_D = 'tf.keras.layers.Dense(128, activation="relu")'
_DO = "tf.keras.layers.Dropout(dropout_rate)"

TRIVIAL = {
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

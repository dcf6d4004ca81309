"""Corpus for neural_networks/01_perceptron_and_activations: trivially wrong answers (each
must score 0 on its exercise) and honest alternative solutions (each must earn full marks).
See tests/corpus/harness.py."""

LAB = "neural_networks"
NOTEBOOK = "01_perceptron_and_activations"


def _f(name, args, body, doc=None):
    """A complete answer cell: one function ``name(args)`` with the given body."""
    lines = "\n".join("    " + line if line else "" for line in body.strip("\n").split("\n"))
    return f"def {name}({args}):\n{lines}\n"


PO, DL, SP = "x, w0, W, g", "x1, w0, W", "z, sigma"

STABLE = """z = np.asarray(z, dtype=float)
e = np.exp(-np.abs(z))
s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))"""

TRIVIAL = {
    "perceptron_output": [
        ("constant 0.5", _f("perceptron_output", PO, "return 0.5")),
        ("no activation", _f("perceptron_output", PO, "return w0 + np.dot(x, W)")),
        ("ignores the bias", _f("perceptron_output", PO, "return g(np.dot(x, W))")),
        ("ignores the input", _f("perceptron_output", PO, "return g(w0)")),
        ("no return", _f("perceptron_output", PO, "z = w0 + np.dot(x, W)\ng(z)")),
        ("zeros of the input's shape", _f("perceptron_output", PO, "return np.zeros(np.shape(np.dot(x, W)))")),
    ],
    "decision_line_x2": [
        ("zeros", _f("decision_line_x2", DL, "return np.zeros(np.shape(x1))")),
        ("returns x1", _f("decision_line_x2", DL, "return np.asarray(x1, dtype=float)")),
        ("ignores the bias", _f("decision_line_x2", DL, "return -W[0] * np.asarray(x1, dtype=float) / W[1]")),
        ("sign error", _f("decision_line_x2", DL, "return (w0 + W[0] * np.asarray(x1, dtype=float)) / W[1]")),
        ("no return", _f("decision_line_x2", DL, "x2 = -(w0 + W[0] * np.asarray(x1, dtype=float)) / W[1]")),
    ],
    "sigmoid": [
        ("constant 0.5", _f("sigmoid", "z", "return np.full(np.shape(z), 0.5)")),
        ("returns z", _f("sigmoid", "z", "return np.asarray(z, dtype=float)")),
        ("step function", _f("sigmoid", "z", "return (np.asarray(z) > 0).astype(float)")),
        ("tanh instead", _f("sigmoid", "z", "return np.tanh(np.asarray(z, dtype=float))")),
        ("no return", _f("sigmoid", "z", STABLE)),
    ],
    "sigmoid_prime": [
        ("constant 0.25", _f("sigmoid_prime", SP, "return np.full(np.shape(z), 0.25)")),
        ("zeros", _f("sigmoid_prime", SP, "return np.zeros(np.shape(z))")),
        ("the sigmoid, not its derivative", _f("sigmoid_prime", SP, "return sigma(np.asarray(z, dtype=float))")),
        ("1 - s only", _f("sigmoid_prime", SP, STABLE + "\nreturn 1.0 - s")),
        ("no return", _f("sigmoid_prime", SP, "s = sigma(np.asarray(z, dtype=float))\nd = s * (1.0 - s)")),
        ("returns z", _f("sigmoid_prime", SP, "return np.asarray(z, dtype=float)")),
    ],
    "tanh": [
        ("zeros", _f("tanh", "z", "return np.zeros(np.shape(z))") + "\n\n"
         + _f("tanh_prime", "z", "return np.zeros(np.shape(z))")),
        ("identity (linear)", _f("tanh", "z", "return np.asarray(z, dtype=float)") + "\n\n"
         + _f("tanh_prime", "z", "return np.ones(np.shape(z))")),
        ("sign and zero slope", _f("tanh", "z", "return np.sign(np.asarray(z, dtype=float))") + "\n\n"
         + _f("tanh_prime", "z", "return np.zeros(np.shape(z))")),
        ("no return", _f("tanh", "z", "t = np.tanh(np.asarray(z, dtype=float))") + "\n\n"
         + _f("tanh_prime", "z", "d = 1.0 - np.tanh(np.asarray(z, dtype=float)) ** 2")),
    ],
    "relu": [
        ("zeros", _f("relu", "z", "return np.zeros(np.shape(z))") + "\n\n"
         + _f("relu_prime", "z", "return np.zeros(np.shape(z))")),
        ("identity (linear)", _f("relu", "z", "return np.asarray(z, dtype=float)") + "\n\n"
         + _f("relu_prime", "z", "return np.ones(np.shape(z))")),
        ("absolute value", _f("relu", "z", "return np.abs(np.asarray(z, dtype=float))") + "\n\n"
         + _f("relu_prime", "z", "return np.sign(np.asarray(z, dtype=float))")),
        ("the negative part", _f("relu", "z", "return np.minimum(0.0, np.asarray(z, dtype=float))") + "\n\n"
         + _f("relu_prime", "z", "return (np.asarray(z) < 0).astype(float)")),
        ("no return", _f("relu", "z", "r = np.maximum(0.0, z)") + "\n\n"
         + _f("relu_prime", "z", "d = (np.asarray(z) > 0).astype(float)")),
    ],
    "numerical_derivative": [
        ("zeros", _f("numerical_derivative", "g, z, h=1e-5", "return np.zeros(np.shape(z))")),
        ("returns g(z)", _f("numerical_derivative", "g, z, h=1e-5", "return g(np.asarray(z, dtype=float))")),
        ("one-sided difference", _f("numerical_derivative", "g, z, h=1e-5", "z = np.asarray(z, dtype=float)\nreturn (g(z + h) - g(z)) / h")),
        ("forgot the 2 in 2h", _f("numerical_derivative", "g, z, h=1e-5", "z = np.asarray(z, dtype=float)\nreturn (g(z + h) - g(z - h)) / h")),
        ("no return", _f("numerical_derivative", "g, z, h=1e-5", "z = np.asarray(z, dtype=float)\nd = (g(z + h) - g(z - h)) / (2.0 * h)")),
    ],
    "gradient_check": [
        ("constant 0", _f("gradient_check", "g, g_prime, z, h=1e-5", "return 0.0")),
        ("the mean, not the maximum", _f("gradient_check", "g, g_prime, z, h=1e-5", """
z = np.asarray(z, dtype=float)
a = g_prime(z)
n = (g(z + h) - g(z - h)) / (2.0 * h)
return float(np.mean(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-12)))""")),
        ("absolute error", _f("gradient_check", "g, g_prime, z, h=1e-5", """
z = np.asarray(z, dtype=float)
n = (g(z + h) - g(z - h)) / (2.0 * h)
return float(np.max(np.abs(g_prime(z) - n)))""")),
        ("an array, not the maximum", _f("gradient_check", "g, g_prime, z, h=1e-5", """
z = np.asarray(z, dtype=float)
a = g_prime(z)
n = (g(z + h) - g(z - h)) / (2.0 * h)
return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-12)""")),
        ("no return", _f("gradient_check", "g, g_prime, z, h=1e-5", """
z = np.asarray(z, dtype=float)
a = g_prime(z)
n = (g(z + h) - g(z - h)) / (2.0 * h)
error = float(np.max(np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-12)))""")),
    ],
}

HONEST = {
    "perceptron_output": [
        ("Python loops: one example, or each row of a batch", _f("perceptron_output", PO, """
x = np.asarray(x)

def weighted_sum(example):
    z = w0
    for x_i, w_i in zip(example, W):
        z = z + x_i * w_i
    return z

if x.ndim == 1:
    return g(weighted_sum(x))
return g(np.array([weighted_sum(row) for row in x]))""")),
        ("products summed over the last axis", _f("perceptron_output", PO, "return g(np.sum(np.asarray(x) * np.asarray(W), axis=-1) + w0)")),
        ("float32 and @", _f("perceptron_output", PO, """
x32, W32 = np.asarray(x, dtype=np.float32), np.asarray(W, dtype=np.float32)
z = np.float32(w0) + x32 @ W32
return g(z)""")),
        ("einsum with an ellipsis", _f("perceptron_output", PO, "return g(np.einsum('...m,m->...', x, W) + w0)")),
        ("np.matmul, reshaped back", _f("perceptron_output", PO, """
x = np.asarray(x, dtype=float)
z = w0 + np.matmul(np.atleast_2d(x), np.asarray(W, dtype=float))
return g(z.reshape(x.shape[:-1]))""")),
    ],
    "decision_line_x2": [
        ("solved step by step", _f("decision_line_x2", DL, """
w1, w2 = float(W[0]), float(W[1])
x1 = np.array(x1, dtype=float)
return (-w0 - w1 * x1) / w2""")),
        ("a loop", _f("decision_line_x2", DL, "return np.array([-(w0 + W[0] * float(v)) / W[1] for v in x1])")),
        ("float32", _f("decision_line_x2", DL, """
W32 = np.asarray(W, dtype=np.float32)
return -(np.float32(w0) + W32[0] * np.asarray(x1, dtype=np.float32)) / W32[1]""")),
    ],
    "sigmoid": [
        ("the tanh form", _f("sigmoid", "z", "return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=float) / 2.0))")),
        ("boolean masks", _f("sigmoid", "z", """
z = np.asarray(z, dtype=float)
out = np.empty_like(z)
pos = z >= 0
out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
ez = np.exp(z[~pos])
out[~pos] = ez / (1.0 + ez)
return out""")),
        ("np.exp of minus |z| with np.where", _f("sigmoid", "z", """
z = np.asarray(z, dtype=float)
e = np.exp(-np.abs(z))
return np.where(z >= 0, 1.0, e) / (1.0 + e)""")),
        ("float32", _f("sigmoid", "z", """
z = np.asarray(z, dtype=np.float32)
e = np.exp(-np.abs(z))
return np.where(z >= 0, np.float32(1.0) / (1 + e), e / (1 + e))""")),
    ],
    "sigmoid_prime": [
        ("sigma ignored: e / (1 + e)**2", _f("sigmoid_prime", SP, """
e = np.exp(-np.abs(np.asarray(z, dtype=float)))
return e / (1.0 + e) ** 2""")),
        ("sigma(z) sigma(-z)", _f("sigmoid_prime", SP, """
z = np.asarray(z, dtype=float)
return sigma(z) * sigma(-z)""")),
        ("sigma ignored: 1/4 (1 - tanh(z/2)^2)", _f("sigmoid_prime", SP, "return 0.25 * (1.0 - np.tanh(np.asarray(z, dtype=float) / 2.0) ** 2)")),
        ("float32, s - s**2", _f("sigmoid_prime", SP, """
s = np.asarray(sigma(np.asarray(z, dtype=np.float32)), dtype=np.float32)
return s - s ** 2""")),
        ("sigma called twice", _f("sigmoid_prime", SP, "return sigma(z) * (1.0 - sigma(z))")),
    ],
    "tanh": [
        ("np.tanh", _f("tanh", "z", "return np.tanh(np.asarray(z, dtype=float))") + "\n\n"
         + _f("tanh_prime", "z", "return 1.0 / np.cosh(np.clip(np.asarray(z, dtype=float), -300, 300)) ** 2")),
        ("2 sigma(2z) - 1", _f("tanh", "z", """
z = np.asarray(z, dtype=float)
e = np.exp(-np.abs(2.0 * z))
s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
return 2.0 * s - 1.0""") + "\n\n" + _f("tanh_prime", "z", """
t = np.tanh(np.asarray(z, dtype=float))
return (1.0 - t) * (1.0 + t)""")),
        ("float32", _f("tanh", "z", """
z = np.asarray(z, dtype=np.float32)
e = np.exp(-2 * np.abs(z))
return np.sign(z) * (1 - e) / (1 + e)""") + "\n\n" + _f("tanh_prime", "z", """
t = np.tanh(np.asarray(z, dtype=np.float32))
return 1 - t**2""")),
    ],
    "relu": [
        ("np.where", _f("relu", "z", """
z = np.asarray(z, dtype=float)
return np.where(z > 0, z, 0.0)""") + "\n\n" + _f("relu_prime", "z", "return np.where(np.asarray(z) > 0, 1.0, 0.0)")),
        ("a copy and a mask", _f("relu", "z", """
out = np.array(z, dtype=float, copy=True)
out[out < 0] = 0.0
return out""") + "\n\n" + _f("relu_prime", "z", "return np.heaviside(np.asarray(z, dtype=float), 0.0)")),
        ("float32", _f("relu", "z", "return np.maximum(np.float32(0.0), np.asarray(z, dtype=np.float32))") + "\n\n"
         + _f("relu_prime", "z", "return (np.asarray(z) > 0).astype(np.float32)")),
    ],
    "numerical_derivative": [
        ("step by step", _f("numerical_derivative", "g, z, h=1e-5", """
z = np.asarray(z, dtype=float)
forward = g(z + h)
backward = g(z - h)
return (forward - backward) / h / 2""")),
        ("average of one-sided differences", _f("numerical_derivative", "g, z, h=1e-5", """
z = np.asarray(z, dtype=float)
right = (g(z + h) - g(z)) / h
left = (g(z) - g(z - h)) / h
return (right + left) / 2""")),
    ],
    "gradient_check": [
        ("a loop over the entries", _f("gradient_check", "g, g_prime, z, h=1e-5", """
worst = 0.0
for v in np.asarray(z, dtype=float).ravel():
    a = float(g_prime(np.array(v)))
    n = float((g(np.array(v + h)) - g(np.array(v - h))) / (2 * h))
    worst = max(worst, abs(a - n) / max(abs(a) + abs(n), 1e-12))
return worst""")),
        ("np.max of a flattened array, numpy float", _f("gradient_check", "g, g_prime, z, h=1e-5", """
z = np.asarray(z, dtype=float)
a = np.asarray(g_prime(z), dtype=float).ravel()
n = ((g(z + h) - g(z - h)) / (2 * h)).ravel()
denominator = np.maximum(np.abs(a) + np.abs(n), 1e-12)
return (np.abs(a - n) / denominator).max()""")),
    ],
}


# Red-team review (issue #13): more variants, each checked with the harness.
TRIVIAL.setdefault('sigmoid_prime', []).extend([
    ('Taylor 1/4 - z^2/16',
     'def sigmoid_prime(z, sigma):\n    z = np.asarray(z, dtype=float)\n    return 0.25 - z ** 2 / 16\n'),
    ('sigma(z) * sigma(z)',
     'def sigmoid_prime(z, sigma):\n    s = sigma(np.asarray(z, dtype=float))\n    return s * s\n'),
    ('1/4 sech^2 written wrong (no /2)',
     'def sigmoid_prime(z, sigma):\n    z = np.asarray(z, dtype=float)\n    return 0.25 * (1 - np.tanh(z) ** 2)\n'),
])
HONEST.setdefault('perceptron_output', []).extend([
    ('Python float for one example',
     'def perceptron_output(x, w0, W, g):\n    if np.ndim(x) == 1:\n        return float(g(w0 + np.dot(x, W)))\n    return g(w0 + np.dot(x, W))\n'),
    ('tensordot and np.add',
     'def perceptron_output(x, w0, W, g):\n    return g(np.add(w0, np.tensordot(x, W, axes=1)))\n'),
    ('float64 cast, W as a column then squeezed to the last axis',
     'def perceptron_output(x, w0, W, g):\n    x = np.asarray(x, dtype=float)\n    z = x @ np.asarray(W, dtype=float).reshape(-1, 1)\n    return g(w0 + z[..., 0])\n'),
])
HONEST.setdefault('sigmoid_prime', []).extend([
    ('sigma on a list-free array, s - s*s, no cast',
     'def sigmoid_prime(z, sigma):\n    s = sigma(z)\n    return s - s * s\n'),
    ('sigma(z) * (1 - sigma(z)) via np.multiply and 0-d kept',
     'def sigmoid_prime(z, sigma):\n    s = np.asarray(sigma(np.asarray(z, dtype=float)), dtype=float)\n    return np.multiply(s, np.subtract(1.0, s))\n'),
])
# Wrong answers that earned partial credit before the probes were tightened (red team, issue #13).
TRIVIAL['perceptron_output'].extend([
    ('g ignored: always tanh', 'def perceptron_output(x, w0, W, g):\n    return np.tanh(w0 + np.dot(x, W))\n'),
    ('g ignored: always the sigmoid', 'def perceptron_output(x, w0, W, g):\n    return 1 / (1 + np.exp(-(w0 + np.dot(x, W))))\n'),
    ('the first input only', 'def perceptron_output(x, w0, W, g):\n    x = np.asarray(x)\n    return g(w0 + x[..., 0] * W[0])\n'),
])
TRIVIAL['perceptron_output'].append(
    ('inputs summed, weights summed', 'def perceptron_output(x, w0, W, g):\n    x = np.asarray(x)\n    return g(w0 + x.sum(axis=-1) * np.sum(W))\n'))

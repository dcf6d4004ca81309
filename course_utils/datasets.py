"""Small, reproducible data sets for the labs, in the style of scikit-learn's ``make_*``.

Every function takes ``n_samples``, ``noise`` and ``random_state`` (an int seed, a NumPy
``Generator`` or None) and returns ``(X, y)`` as NumPy arrays: ``X`` float64 of shape
``(n_samples, n_features)``, ``y`` of shape ``(n_samples,)``. Nothing is downloaded.
"""
from __future__ import annotations

import numpy as np

Seed = int | np.random.Generator | None


def _rng(random_state: Seed) -> np.random.Generator:
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(random_state)


def _check(n_samples: int, noise: float) -> None:
    if int(n_samples) < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")


def make_pass_fail(n_samples: int = 200, noise: float = 0.5, random_state: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's "Will I pass this class?" data.

    ``X[:, 0]`` (x1) is the number of lectures attended (a whole number, 0 to 12);
    ``X[:, 1]`` (x2) is hours spent on the final project (0 to 12); ``y`` is 1 for pass,
    0 for fail (int64). Students who attend more and work more pass more often; ``noise``
    is the spread of the hidden "luck" term (0 makes the classes separable by a line).
    """
    _check(n_samples, noise)
    rng = _rng(random_state)
    lectures = rng.integers(0, 13, size=n_samples).astype(float)
    hours = np.round(rng.uniform(0.0, 12.0, size=n_samples), 1)
    # Passing takes a mix of attendance and project work: the boundary is a line.
    score = 0.9 * (lectures - 6.0) + 1.1 * (hours - 6.0) + noise * 3.0 * rng.standard_normal(n_samples)
    X = np.column_stack([lectures, hours])
    return X, (score > 0).astype(np.int64)


def make_green_red(n_samples: int = 300, noise: float = 0.1, random_state: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's "green vs red points": green (``y = 1``) in a central disc, red
    (``y = 0``) on a ring around it. No straight line separates them.

    ``noise`` is the standard deviation of Gaussian jitter added to every point.
    """
    _check(n_samples, noise)
    rng = _rng(random_state)
    n_green = n_samples // 2
    radius = np.concatenate([rng.uniform(0.0, 1.0, n_green), rng.uniform(1.6, 2.4, n_samples - n_green)])
    angle = rng.uniform(0.0, 2 * np.pi, n_samples)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.ones(n_green, np.int64), np.zeros(n_samples - n_green, np.int64)])
    order = rng.permutation(n_samples)
    return X[order], y[order]


def make_noisy_sine(n_samples: int = 30, noise: float = 0.2, random_state: Seed = None) -> tuple[np.ndarray, np.ndarray]:
    """A 1-D regression set for overfitting: ``y = sin(2πx) + noise·N(0, 1)``, x in [0, 1].

    ``X`` has shape ``(n_samples, 1)``, sorted by x; ``y`` is float64.
    """
    _check(n_samples, noise)
    rng = _rng(random_state)
    x = np.sort(rng.uniform(0.0, 1.0, n_samples))
    y = np.sin(2 * np.pi * x) + noise * rng.standard_normal(n_samples)
    return x.reshape(-1, 1), y


def train_test_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.25, random_state: Seed = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into ``X_train, X_test, y_train, y_test`` (like scikit-learn's)."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y have different lengths: {len(X)} and {len(y)}")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must be between 0 and 1, got {test_size}")
    order = _rng(random_state).permutation(len(X))
    n_test = max(1, int(round(test_size * len(X))))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]

"""Data sets: shapes, dtypes, reproducibility and the property each one is for."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils import datasets


@pytest.mark.parametrize("make", [datasets.make_pass_fail, datasets.make_green_red, datasets.make_noisy_sine])
def test_shapes_and_reproducibility(make):
    X, y = make(n_samples=57, noise=0.1, random_state=3)
    assert X.ndim == 2 and len(X) == len(y) == 57 and X.dtype == np.float64
    X2, y2 = make(n_samples=57, noise=0.1, random_state=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = make(n_samples=57, noise=0.1, random_state=4)
    assert not np.array_equal(X, X3)
    with pytest.raises(ValueError):
        make(n_samples=0)
    with pytest.raises(ValueError):
        make(n_samples=5, noise=-1)


def test_pass_fail_features_and_labels():
    X, y = datasets.make_pass_fail(500, noise=0.0, random_state=0)
    lectures, hours = X[:, 0], X[:, 1]
    assert np.all(lectures == np.round(lectures)) and lectures.min() >= 0 and lectures.max() <= 12
    assert hours.min() >= 0 and hours.max() <= 12
    assert set(np.unique(y)) == {0, 1} and y.dtype == np.int64
    # without noise a line separates pass from fail: more lectures and hours never hurt
    assert y[(lectures >= 10) & (hours >= 10)].all() and not y[(lectures <= 2) & (hours <= 2)].any()


def test_green_red_is_not_linearly_separable():
    X, y = datasets.make_green_red(400, noise=0.05, random_state=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert r[y == 1].mean() < 1.0 < r[y == 0].mean()
    # the best least-squares line misclassifies many points
    A = np.c_[np.ones(len(X)), X]
    w, *_ = np.linalg.lstsq(A, 2.0 * y - 1, rcond=None)
    assert np.mean((A @ w > 0) == y) < 0.75


def test_train_test_split():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, test_size=0.3, random_state=0)
    assert len(X_te) == 3 and len(X_tr) == 7
    assert np.array_equal(X_tr[:, 0] // 2, y_tr) and sorted(np.r_[y_tr, y_te]) == list(range(10))
    with pytest.raises(ValueError):
        datasets.train_test_split(X, y[:5])

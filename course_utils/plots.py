"""Plots used across the labs: activation functions, decision lines and boundaries.

matplotlib is imported inside each function, so ``import course_utils`` stays cheap.
Every function draws on ``ax`` when given one, returns the Axes it drew on, and shows a
short note in the plot instead of failing when a student's function is still a TODO.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

Array = np.ndarray


def _axes(ax: Any = None, figsize: tuple[float, float] = (5, 4)) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def _not_implemented(ax: Any, what: str) -> Any:
    ax.text(0.5, 0.5, f"{what}\nnot implemented yet", ha="center", va="center", transform=ax.transAxes, color="gray")
    return ax


def plot_activation(
    g: Callable[[Array], Array],
    g_prime: Callable[[Array], Array] | None = None,
    name: str = "g",
    z: Array | None = None,
    ax: Any = None,
) -> Any:
    """Plot an activation ``g(z)`` and, if given, its derivative ``g'(z)`` on one Axes."""
    ax = _axes(ax)
    z = np.linspace(-6, 6, 401) if z is None else np.asarray(z, dtype=float)
    ax.axhline(0, color="black", lw=0.5)
    ax.axvline(0, color="black", lw=0.5)
    ax.set_title(name)
    ax.set_xlabel("z")
    for fn, label, style in ((g, f"{name}(z)", "-"), (g_prime, f"{name}'(z)", "--")):
        if fn is None:
            continue
        try:
            ax.plot(z, np.broadcast_to(fn(z.copy()), z.shape), style, label=label)
        except NotImplementedError:
            _not_implemented(ax, label)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left")
    return ax


def plot_activations(
    activations: Mapping[str, tuple[Callable[[Array], Array], Callable[[Array], Array] | None]],
    z: Array | None = None,
) -> Any:
    """Side-by-side plots, one per ``{name: (g, g_prime)}`` entry; returns the Figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(activations), figsize=(4.2 * len(activations), 3.6), squeeze=False)
    for ax, (name, (g, g_prime)) in zip(axes[0], activations.items()):
        plot_activation(g, g_prime, name=name, z=z, ax=ax)
    fig.tight_layout()
    return fig


def plot_data(X: Array, y: Array, ax: Any = None, labels: Sequence[str] = ("0", "1"), xlabel: str = "$x_1$", ylabel: str = "$x_2$") -> Any:
    """Scatter 2-D points coloured by a binary label (red = 0, green = 1, as in the lecture)."""
    ax = _axes(ax)
    X, y = np.asarray(X), np.asarray(y).ravel()
    for value, colour, label in ((0, "tab:red", labels[0]), (1, "tab:green", labels[1])):
        mask = y == value
        ax.scatter(X[mask, 0], X[mask, 1], c=colour, s=18, edgecolors="k", linewidths=0.3, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="best")
    return ax


def plot_decision_line(
    w0: float,
    W: Sequence[float],
    x_range: tuple[float, float] = (-4.0, 4.0),
    points: Array | None = None,
    ax: Any = None,
) -> Any:
    """Draw the line w0 + w1·x1 + w2·x2 = 0 and shade the sides where z > 0 and z < 0.

    ``points`` (shape (k, 2)) are marked and annotated with their z value, as in the
    lecture's worked example X = [-1, 2] -> z = -6.
    """
    ax = _axes(ax)
    w1, w2 = float(W[0]), float(W[1])
    lo, hi = x_range
    grid = np.linspace(lo, hi, 300)
    xx, yy = np.meshgrid(grid, grid)
    zz = w0 + w1 * xx + w2 * yy
    ax.contourf(xx, yy, zz > 0, levels=[-0.5, 0.5, 1.5], colors=["tab:red", "tab:green"], alpha=0.15)
    ax.contour(xx, yy, zz, levels=[0.0], colors="k")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"${w0:g} {w1:+g}x_1 {w2:+g}x_2 = 0$")
    if points is not None:
        for x1, x2 in np.atleast_2d(points):
            z = w0 + w1 * x1 + w2 * x2
            ax.plot(x1, x2, "ko")
            ax.annotate(f"z = {z:g}", (x1, x2), textcoords="offset points", xytext=(6, 6))
    return ax


def _is_keras(model: Any) -> bool:
    return any(cls.__module__.startswith(("keras", "tf_keras")) for cls in type(model).__mro__)


def _predict_proba(model: Any, grid: Array) -> Array:
    # Keras models (and scikit-learn style objects) have .predict; plain functions are called.
    if hasattr(model, "predict"):
        # one batch: Keras' default of 32 rows makes a 40,000-point grid take seconds
        out = model.predict(grid, batch_size=len(grid), verbose=0) if _is_keras(model) else model.predict(grid)
    else:
        out = model(grid)
    return np.asarray(out, dtype=float).reshape(len(grid), -1)[:, -1]


def plot_decision_boundary(
    model: Callable[[Array], Array] | Any,
    X: Array,
    y: Array | None = None,
    ax: Any = None,
    resolution: int = 200,
    margin: float = 0.5,
    threshold: float = 0.5,
    labels: Sequence[str] = ("0", "1"),
) -> Any:
    """Shade where ``model`` predicts class 1 over the range of ``X`` and draw the boundary.

    ``model`` is a function mapping an (n, 2) array to n probabilities (or scores), or a
    Keras model (its ``predict`` is used). Points ``X`` are drawn coloured by ``y``,
    with ``labels`` naming class 0 and class 1 in the legend.
    """
    ax = _axes(ax)
    X = np.asarray(X, dtype=float)
    (x_lo, y_lo), (x_hi, y_hi) = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    grid = np.c_[xx.ravel(), yy.ravel()].astype("float32")
    try:
        p = _predict_proba(model, grid).reshape(xx.shape)
    except NotImplementedError:
        _not_implemented(ax, "the model")
    else:
        ax.contourf(xx, yy, p, levels=20, cmap="RdYlGn", alpha=0.35, vmin=0, vmax=1)
        ax.contour(xx, yy, p, levels=[threshold], colors="k")
    if y is not None:
        plot_data(X, y, ax=ax, labels=labels)
    else:
        ax.scatter(X[:, 0], X[:, 1], s=12, c="k")
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    return ax


class LossPlotter:
    """A loss curve that redraws in place while a training loop runs.

    ``update(step_loss)`` records a value and redraws every ``every`` calls, in the same
    output area (Jupyter and Colab), so the notebook does not fill with figures::

        plotter = LossPlotter("training loss")
        for step in range(n):
            ...
            plotter.update(float(loss))
        plotter.close()

    Outside a notebook it just records. ``values`` holds every recorded loss.
    """

    def __init__(self, title: str = "loss", xlabel: str = "step", every: int = 10, log_scale: bool = False) -> None:
        self.title, self.xlabel, self.every, self.log_scale = title, xlabel, max(1, int(every)), log_scale
        self.values: list[float] = []
        self._fig = self._ax = self._handle = None

    def update(self, value: float) -> None:
        self.values.append(float(value))
        if len(self.values) % self.every == 0:
            self._draw()

    def _draw(self) -> None:
        import matplotlib.pyplot as plt

        if self._fig is None:
            self._fig, self._ax = plt.subplots(figsize=(6, 3.2))
            plt.close(self._fig)  # drawn through the display handle only, not again at cell end
        ax = self._ax
        ax.clear()
        ax.plot(np.arange(1, len(self.values) + 1), self.values)
        ax.set_title(f"{self.title}: {self.values[-1]:.4g}")
        ax.set_xlabel(self.xlabel)
        if self.log_scale and min(self.values) > 0:
            ax.set_yscale("log")
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:
            return
        if get_ipython() is None:
            return
        if self._handle is None:
            self._handle = display(self._fig, display_id=True)
        else:
            self._handle.update(self._fig)

    def close(self) -> Any:
        """Draw the final curve and return the Figure."""
        if self.values:
            self._draw()
        return self._fig

    def keras_callback(self) -> Any:
        """A Keras callback that feeds this plotter the loss after every batch."""
        import tensorflow as tf

        plotter = self

        class _Callback(tf.keras.callbacks.Callback):
            def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
                if logs and "loss" in logs:
                    plotter.update(logs["loss"])

            def on_train_end(self, logs: dict | None = None) -> None:
                plotter.close()

        return _Callback()


def plot_loss_curves(curves: Mapping[str, Sequence[float]], ax: Any = None, xlabel: str = "step", log_scale: bool = True) -> Any:
    """Several loss curves on one Axes, e.g. one per learning rate; non-finite values
    (a diverged run) are cut off rather than squashing the other curves."""
    ax = _axes(ax, figsize=(6, 3.6))
    for label, values in curves.items():
        values = np.asarray(values, dtype=float)
        finite = np.isfinite(values)
        end = int(np.argmin(finite)) if not finite.all() else len(values)
        ax.plot(np.arange(1, end + 1), values[:end], label=label + ("" if finite.all() else " (diverged)"))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    if log_scale:
        ax.set_yscale("log")
    ax.legend(loc="best")
    return ax

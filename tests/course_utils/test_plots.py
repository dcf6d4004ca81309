"""Plots draw what they claim and survive functions that are still TODO stubs."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def stub(z):
    raise NotImplementedError


def test_plot_activation_draws_function_and_derivative():
    ax = plots.plot_activation(np.tanh, lambda z: 1 - np.tanh(z) ** 2, name="tanh")
    lines = ax.get_lines()
    labels = [line.get_label() for line in lines]
    assert "tanh(z)" in labels and "tanh'(z)" in labels
    curve = next(line for line in lines if line.get_label() == "tanh(z)")
    assert np.allclose(curve.get_ydata(), np.tanh(curve.get_xdata()))


def test_plot_activation_with_stub_shows_a_note():
    ax = plots.plot_activation(stub, stub, name="sigmoid")
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "not implemented yet" in texts


def test_plot_activations_one_panel_each():
    fig = plots.plot_activations({"a": (np.tanh, None), "b": (stub, None), "c": (np.sin, np.cos)})
    assert len(fig.axes) == 3


def test_decision_line_passes_through_the_line():
    ax = plots.plot_decision_line(1.0, [3.0, -2.0], points=np.array([[-1.0, 2.0]]))
    assert "z = -6" in " ".join(t.get_text() for t in ax.texts)
    # the zero contour is the line x2 = (1 + 3 x1) / 2
    from matplotlib.contour import ContourSet

    lines = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    points = np.vstack([seg for seg in lines[0].allsegs[0] if len(seg)])
    assert np.allclose(points[:, 1], (1 + 3 * points[:, 0]) / 2, atol=0.05)


def test_decision_boundary_for_a_callable_and_a_stub():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    y = np.array([0, 1, 1])
    ax = plots.plot_decision_boundary(lambda g: 1 / (1 + np.exp(-(g[:, 0] - 1))), X, y)
    assert ax.collections  # filled contour + scatter
    ax = plots.plot_decision_boundary(stub, X, y)
    assert "not implemented yet" in " ".join(t.get_text() for t in ax.texts)


def test_loss_plotter_records_and_draws():
    plotter = plots.LossPlotter("loss", every=5)
    for i in range(12):
        plotter.update(1.0 / (i + 1))
    fig = plotter.close()
    assert len(plotter.values) == 12
    (line,) = fig.axes[0].get_lines()
    assert np.allclose(line.get_ydata(), plotter.values)


def test_loss_curves_cut_a_diverged_run():
    ax = plots.plot_loss_curves({"good": [1.0, 0.5, 0.25], "too large": [1.0, 50.0, np.inf, np.nan]})
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["good", "too large (diverged)"]
    assert len(ax.get_lines()[1].get_xdata()) == 2

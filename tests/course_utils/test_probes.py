"""Probe declarations: recorded for the grader, smoke-run in instructor notebooks."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.probes import Draw, collecting, normal, probe


def test_declarations_are_collected_not_run():
    with collecting() as found:
        probe("random", "undefined_function(z)", z=normal(0, 1, (2, 3)), rtol=1e-3)
    assert [p.name for p in found] == ["random"]
    assert isinstance(found[0].inputs["z"], Draw) and found[0].rtol == 1e-3


def test_instructor_run_executes_multi_line_snippets():
    probe("multi-line", """
total = z.sum()
(total,
 z.shape)
""", z=np.ones(3))
    with pytest.raises(NameError):
        probe("broken", "not_defined_anywhere(z)", z=np.ones(3))


def test_draws_are_reproducible():
    rng = lambda: np.random.default_rng(7)  # noqa: E731
    assert np.array_equal(normal(0, 1, (4,)).sample(rng()), normal(0, 1, (4,)).sample(rng()))
    with pytest.raises(ValueError):
        Draw("exponential", ()).sample(rng())

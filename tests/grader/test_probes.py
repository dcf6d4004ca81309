"""The grader side of probes: reading declarations, data in and out of the kernel, verdicts."""
from __future__ import annotations

import contextlib
import io

import numpy as np

from grader import probes as P

CELL = '''exercise.sigmoid.check(sigmoid)
### BEGIN HIDDEN TESTS
exercise.sigmoid.check(sigmoid, strict=True)
from course_utils.probes import probe, normal
probe("random", "sigmoid(z)", z=normal(0, 8, (2, 3)))
probe("pair", "(z.shape, z)", z=np.array([1.0]))
### END HIDDEN TESTS
'''


def run_in_fake_kernel(spec, namespace):
    inputs = P.draw_inputs(spec, 42, "nb/test/0")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(P.kernel_call(spec.code, inputs, "@@m@@"), namespace)
    return P.parse_reply(out.getvalue(), "@@m@@")


def test_declarations_and_stripping():
    specs = P.declared_probes(CELL)
    assert [s.name for s in specs] == ["random", "pair"]
    assert P.strip_hidden(CELL) == "exercise.sigmoid.check(sigmoid)\n"


def test_inputs_depend_on_secret_and_place_only():
    spec = P.declared_probes(CELL)[0]
    a, b = P.draw_inputs(spec, 1, "x/y/0")["z"], P.draw_inputs(spec, 1, "x/y/0")["z"]
    assert np.array_equal(a, b)
    assert not np.array_equal(a, P.draw_inputs(spec, 2, "x/y/0")["z"])
    assert not np.array_equal(a, P.draw_inputs(spec, 1, "x/y/1")["z"])


def test_verdicts():
    spec = P.declared_probes(CELL)[0]
    reference = run_in_fake_kernel(spec, {"sigmoid": lambda z: 0.5 * (1 + np.tanh(z / 2))})
    good = run_in_fake_kernel(spec, {"sigmoid": lambda z: 1 / (1 + np.exp(-z))})
    wrong = run_in_fake_kernel(spec, {"sigmoid": lambda z: z})

    def stub(z):
        raise NotImplementedError

    assert P.verdict(good, reference, 1e-7, 1e-12) == (True, "")
    assert P.verdict(wrong, reference, 1e-7, 1e-12)[0] is False
    assert P.verdict(run_in_fake_kernel(spec, {"sigmoid": stub}), reference, 1e-7, 1e-12) == (False, "not attempted")
    assert P.verdict(None, reference, 1e-7, 1e-12)[0] is False


def test_encoding_round_trip_and_refusals():
    value = (np.arange(6, dtype=np.float32).reshape(2, 3), [1, 2.5, "a", None, True], {"k": np.int64(3)}, float("inf"))
    back = P.decode(P.encode(value))
    assert np.array_equal(back[0], value[0]) and back[0].dtype == np.float32
    assert back[1] == [1, 2.5, "a", None, True] and back[2] == {"k": 3} and back[3] == float("inf")
    assert isinstance(P.decode(P.encode(object())), P.Opaque)
    assert P.encode(np.array(["x"], dtype=object)) == {"__type__": "ndarray[object]"}


def test_garbled_replies_fail_safely():
    assert P.parse_reply("no marker here", "@@m@@")["ok"] is False
    assert P.parse_reply("@@m@@{not json@@m@@", "@@m@@")["ok"] is False
    assert P.parse_reply('@@m@@["list"]@@m@@', "@@m@@")["ok"] is False


def test_compare_shapes_and_integers():
    assert P.compare(np.ones((2, 3)), np.ones((3, 2)), 1e-7, 0)[1].startswith("the result has shape")
    assert "integers" in P.compare(np.array([1, 2]), np.array([1.0, 2.0]), 1e-7, 0)[1]
    assert P.compare((1, [2.0]), (1, [2.0 + 1e-12]), 1e-7, 0) == (True, "")


def test_a_batch_answers_each_probe_and_stops_when_interrupted():
    def interrupted(z):
        raise KeyboardInterrupt

    calls = [("f(z)", {"z": 1.0}, "@@a@@"), ("f(z) + 1", {"z": 2.0}, "@@b@@")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(P.kernel_batch(calls), {"f": lambda z: z * 10})
    assert [P.parse_reply(out.getvalue(), m)["value"] for m in ("@@a@@", "@@b@@")] == [10.0, 21.0]
    out = io.StringIO()
    stopped = False
    with contextlib.redirect_stdout(out):
        try:
            exec(P.kernel_batch(calls), {"f": interrupted})
        except KeyboardInterrupt:
            stopped = True
    assert stopped, "a timeout's interrupt must end the batch, not move on to the next probe"
    assert P.parse_reply(out.getvalue(), "@@a@@") == {"ok": False, "error": "KeyboardInterrupt"}
    assert P.parse_reply(out.getvalue(), "@@b@@")["error"].startswith("no answer")

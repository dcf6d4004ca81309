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
        exec(P.kernel_batch([(spec.code, inputs, "@@m@@")]), namespace)
    return P.parse_replies(out.getvalue(), ["@@m@@"], True)[0][0]


def reply(text, markers=("@@m@@",), completed=True):
    return P.parse_replies(text, list(markers), completed)


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


def test_garbled_replies_fail_safely_and_say_tampering():
    for text in ("@@m@@{not json@@m@@", '@@m@@["list"]@@m@@', '@@m@@{"ok": true}@@m@@'):
        (answer,), tampered = reply(text)
        assert answer["ok"] is False and tampered, text


def test_one_reply_per_probe_in_its_place():
    good = '@@a@@{"ok": true, "value": 1.0}@@a@@\n@@b@@{"ok": true, "value": 2.0}@@b@@\n'
    replies, tampered = reply(good, ("@@a@@", "@@b@@"))
    assert [r["value"] for r in replies] == [1.0, 2.0] and not tampered
    # a hook that prints a second reply after the runner's (the last one used to win)
    forged = good + '@@a@@{"ok": true, "value": 42.0}@@a@@\n'
    replies, tampered = reply(forged, ("@@a@@", "@@b@@"))
    assert replies[0] == {"ok": False, "error": P.TAMPERED} and replies[1]["value"] == 2.0 and tampered
    # a reply swallowed although the execution finished: tampering; after a timeout: no answer
    assert reply("student output only", completed=True) == ([{"ok": False, "error": P.TAMPERED}], True)
    assert reply("student output only", completed=False) == ([{"ok": False, "error": P.NO_ANSWER}], False)
    # replies out of order
    swapped = '@@b@@{"ok": true, "value": 2.0}@@b@@@@a@@{"ok": true, "value": 1.0}@@a@@'
    assert reply(swapped, ("@@a@@", "@@b@@"))[1] is True


def test_exception_names_come_from_a_fixed_vocabulary():
    reference = {"ok": True, "value": 1.0}
    assert P.verdict({"ok": False, "error": "ValueError"}, reference, 1e-7, 0) == (False, "your code raised ValueError")
    for smuggled in ("SECRET_abc123", "ValueError: the key is 42", "", None, 7):
        ok, why = P.verdict({"ok": False, "error": smuggled}, reference, 1e-7, 0)
        assert not ok and why == "your code raised an exception of its own", smuggled


def test_none_and_odd_answers_never_raise():
    reference = np.ones((2, 2))
    for student in (None, "text", [[1, 2], [3]], {"a": 1}, P.Opaque("Model"), (1, 2)):
        ok, why = P.compare(student, reference, 1e-7, 1e-12)
        assert ok is False and why
    assert P.compare(None, np.ones(3), 1e-7, 0)[1] == "the result is None: a missing return?"


def test_gates_earn_nothing_and_failing_one_zeroes_the_cell():
    specs = [{"name": "shape", "gate": True}, {"name": "a"}, {"name": "b"}]
    J = P.Judgement
    assert P.cell_score(specs, [J(True, ""), J(True, ""), J(False, "x")], 2.0) == 1.0
    assert P.cell_score(specs, [J(False, "x"), J(True, ""), J(True, "")], 2.0) == 0.0
    assert P.cell_score(specs[:1], [J(True, "")], 2.0) == 0.0  # a passed gate alone is no answer


def test_property_probes_are_judged_on_the_graders_side():
    spec = {"name": "loss goes down", "holds": "answer[-1] < answer[0] - 0.1", "rtol": 1e-5, "atol": 1e-6}
    reference = {"ok": True, "value": P.encode([2.0, 1.5, 1.0])}
    assert P.judge(spec, {"ok": True, "value": P.encode([2.0, 1.5, 1.0 + 1e-7])}, reference, {}).passed
    assert not P.judge(spec, {"ok": True, "value": P.encode([2.0, 2.0, 2.0])}, reference, {}).passed  # no update
    # the numbers must be the reference's too, unless match=False (e.g. the student's own weights)
    other = {"ok": True, "value": P.encode([3.0, 2.0, 1.0])}
    assert not P.judge(spec, other, reference, {}).passed
    assert P.judge({**spec, "match": False}, other, reference, {}).passed
    # inputs are bound: the property can be computed here from the student's numbers
    spec = {"name": "fits", "holds": "np.mean((x @ answer > 0) == y) >= 0.9", "match": False}
    x, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([True, False])
    assert P.judge(spec, {"ok": True, "value": P.encode(np.array([1.0, -1.0]))}, reference, {"x": x, "y": y}).passed
    assert not P.judge(spec, {"ok": True, "value": P.encode(np.zeros(2))}, reference, {"x": x, "y": y}).passed


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
    assert [r["value"] for r in reply(out.getvalue(), ("@@a@@", "@@b@@"))[0]] == [10.0, 21.0]
    out = io.StringIO()
    stopped = False
    with contextlib.redirect_stdout(out):
        try:
            exec(P.kernel_batch(calls), {"f": interrupted})
        except KeyboardInterrupt:
            stopped = True
    assert stopped, "a timeout's interrupt must end the batch, not move on to the next probe"
    replies, _ = reply(out.getvalue(), ("@@a@@", "@@b@@"), completed=False)
    assert replies[0] == {"ok": False, "error": "KeyboardInterrupt"}
    assert replies[1]["error"].startswith("no answer")


def test_a_reply_keeps_no_exception_name_the_student_chose():
    text = '@@m@@{"ok": false, "error": "Leak_secret42"}@@m@@'
    assert reply(text) == ([{"ok": False, "error": P.OWN_EXCEPTION}], False)
    assert reply('@@m@@{"ok": false, "error": "ZeroDivisionError"}@@m@@')[0][0]["error"] == "ZeroDivisionError"


def test_student_names_that_hide_builtins_change_nothing():
    """``list = [1]``, ``print = None`` or ``from numpy import *`` in a student's notebook
    must not break the runner or change what the snippet's built-ins mean."""
    calls = [("(f(z), all(v > 100 for v in [1, 2]), len([1, 2]))", {"z": 2.0}, "@@a@@")]
    student = {"f": lambda z: z * 10, "list": [1], "dict": {}, "print": None, "json": None, "type": 3}
    from numpy import all as np_all

    student["all"] = np_all  # as after `from numpy import *`: np.all(generator) is always True
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(P.kernel_batch(calls), student)
    (answer,), tampered = reply(out.getvalue(), ("@@a@@",))
    assert not tampered and P.decode(answer["value"]) == (20.0, False, 2)


def test_booleans_are_not_numbers_and_opaque_references_are_no_evidence():
    assert P.compare(np.array([True, False]), np.array([1.0, 0.0]), 1e-7, 0)[0] is False
    assert P.compare(True, 1.0, 1e-7, 0)[0] is False
    assert P.compare(P.Opaque("Sequential"), P.Opaque("Sequential"), 1e-7, 0)[0] is False


def test_a_property_never_works_on_an_oversized_answer():
    spec = {"name": "weights classify", "holds": "bool(np.all(np.isfinite(answer @ x)))", "match": False}
    reference = {"ok": True, "value": P.encode(np.ones(2))}
    huge = {"ok": True, "value": P.encode(np.ones((2, 200_000)))}
    judgement = P.judge(spec, huge, reference, {"x": np.ones(2)})
    assert not judgement.passed and "larger" in judgement.reason


def test_an_unmatched_property_must_be_computed_from_secret_inputs():
    import pytest

    from course_utils.probes import Probe, normal

    with pytest.raises(ValueError):
        Probe("learns", "train()", {}, match=False, holds="answer[0] >= 0.8")  # the kernel's own verdict
    with pytest.raises(ValueError):
        Probe("learns", "train(x)", {"x": normal(0, 1, (3,))}, match=False, holds="answer[0] >= 0.8")
    Probe("fits", "weights()", {"x": normal(0, 1, (3,))}, match=False, holds="bool(np.all(x @ answer > -1e9))")


def test_a_cell_of_visible_checks_only_is_recognised():
    # such a cell is not run at grading (its output is replaced by the hidden checks' verdicts)
    assert P.only_visible_checks(CELL)
    assert P.only_visible_checks("exercise.a.check(a, b, strict=True)\nexercise.b.check(b)\n")
    for other in ("x = 1\nexercise.a.check(a)\n",           # binds a name later cells could use
                  "exercise.a.check(f(x))\n",               # calls the student's code itself
                  "exercise.a.check(*args)\n", "print('hi')\n", "exercise.a.run(a)\n",
                  "get_checks()[0].check(a)\n", "", "exercise.a.check(\n"):
        assert not P.only_visible_checks(other), other

"""Hidden checks scored outside the student's kernel.

The hidden-test block of an instructor test cell declares probes (``course_utils.probes``).
At grading time the grader (1) reads those declarations from the *instructor's* notebook,
(2) draws their inputs with a secret seed, (3) sends only the snippet and the inputs into
the kernel, where :data:`KERNEL_RUNNER` evaluates the snippet against the student's
definitions and prints the answer as JSON, and (4) compares that answer, here, with the
reference solution's answer on the same inputs. Nothing the student's code can patch
(asserts, numpy, the test helpers) takes part in the verdict, and no expected value or
reference code ever enters the student's kernel.
"""
from __future__ import annotations

import ast
import base64
import inspect
import json
import re
import textwrap
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_utils.answers import SAFE_KINDS as _SAFE_KINDS
from course_utils.answers import Opaque, compare, decode, encode  # noqa: F401  (the one comparator, shared with the checks)
from course_utils.probes import Declaration, Draw, Probe, collecting

import builtins

# The only exception names that may reach a report: the built-in ones and a few of NumPy's
# and TensorFlow's. The kernel says which exception it saw, but the kernel is the student's:
# any other name (a class the student made, named after data they want to smuggle out)
# becomes "an exception of your own".
KNOWN_EXCEPTIONS = frozenset(
    name for name in dir(builtins) if isinstance(getattr(builtins, name), type) and issubclass(getattr(builtins, name), BaseException)
) | {"LinAlgError", "AxisError", "InvalidArgumentError", "ResourceExhaustedError", "NotFoundError",
     "UnimplementedError", "FailedPreconditionError", "OutOfRangeError", "InternalError", "UnknownError"}
NOT_ATTEMPTED = "not attempted"
OWN_EXCEPTION = "an exception of its own"
NO_ANSWER = "no answer (the check did not complete)"
TAMPERED = "tampering suspected: the check's reply was duplicated, missing or malformed"


def exception_words(name: object) -> str:
    """What a report may say about an exception the student's code raised."""
    if isinstance(name, str) and name in KNOWN_EXCEPTIONS:
        return f"your code raised {name}"
    return f"your code raised {OWN_EXCEPTION}"


HIDDEN_BLOCK = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.S | re.M)
MAX_ANSWER_BYTES = 5_000_000


# --- reading declarations -------------------------------------------------------------


def hidden_block(source: str) -> str | None:
    match = HIDDEN_BLOCK.search(source)
    return match.group(1) if match else None


def strip_hidden(source: str) -> str:
    """The cell source without its hidden-test block (what the student's kernel runs)."""
    return HIDDEN_BLOCK.sub("", source).rstrip() + "\n"


def only_visible_checks(source: str) -> bool:
    """True when a test cell's visible code is nothing but visible checks: statements
    ``<name>.<name>.check(<names or constants>)`` (``exercise.sigmoid.check(sigmoid)``).

    At grading such a cell need not run: its output is replaced by the hidden checks'
    verdicts, its grade comes from the probes alone, and a check call with plain names for
    arguments changes nothing that later cells use. (A cell with anything else in it runs.)"""
    try:
        tree = ast.parse(strip_hidden(source))
    except SyntaxError:
        return False

    def plain(node: ast.AST) -> bool:
        return isinstance(node, (ast.Name, ast.Constant))

    def dotted(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) or (isinstance(node, ast.Attribute) and dotted(node.value))

    return bool(tree.body) and all(
        isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr == "check"
        and dotted(stmt.value.func.value)
        and all(plain(a) for a in stmt.value.args) and all(plain(k.value) and k.arg for k in stmt.value.keywords)
        for stmt in tree.body)


def declared_probes(source: str) -> list[Probe]:
    """The probes declared in a test cell's hidden block (instructor code, trusted)."""
    return [item for item in _declared(source) if isinstance(item, Probe)]


def declared_exercises(source: str) -> list[Declaration]:
    """The exercise declarations (``declare(...)``) in a test cell's hidden block."""
    return [item for item in _declared(source) if isinstance(item, Declaration)]


def _declared(source: str) -> list:
    block = hidden_block(source)
    if block is None or ("probe(" not in block and "declare(" not in block):
        return []
    # Only the declarations run here: imports, UPPER_CASE constants, probe() and declare()
    # calls. The block's other lines (in-kernel checks for the instructor's own runs) need
    # the notebook's namespace.
    tree = ast.parse(textwrap.dedent(block))
    tree.body = [node for node in tree.body if _is_declaration(node)]
    with collecting() as found:
        exec(compile(tree, "<hidden tests>", "exec"), {"np": np})
    return list(found)


def _is_declaration(node: ast.stmt) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets):
        return True
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id in ("probe", "declare"))


# --- inputs and answers as data -------------------------------------------------------


def draw_inputs(spec: Probe, secret: int, where: str) -> dict[str, Any]:
    """Inputs of one probe, drawn from a seed that depends on a course secret and on the
    probe's place (``notebook/cell/index``): the same on every regrade, unknown to students."""
    rng = np.random.default_rng([secret, zlib.crc32(where.encode())])
    return {name: value.sample(rng) if isinstance(value, Draw) else value for name, value in spec.inputs.items()}


# --- the code that runs inside the student's kernel ------------------------------------

_RUNNER = r'''
def __grader_probe(payload, marker):
    import ast, base64, builtins, json, sys
    import numpy
    request = json.loads(payload)

    # Inputs come from the grader: a plain decoder is enough here. Answers travel the other
    # way and are read by the grader's own ``decode``, which refuses anything unsafe.
    def decode(v):
        if isinstance(v, dict):
            if "__ndarray__" in v:
                return numpy.frombuffer(base64.b64decode(v["__ndarray__"]), dtype=numpy.dtype(v["dtype"])).reshape(v["shape"]).copy()
            if "__float__" in v:
                return float(v["__float__"])
            if "__seq__" in v:
                items = [decode(x) for x in v["__seq__"]]
                return tuple(items) if v.get("tuple") else items
            if "__dict__" in v:
                return {decode(k): decode(x) for k, x in v["__dict__"]}
        return v

    # The student's definitions, less any that hide a built-in (``list = [1]``, ``from numpy
    # import *``): the snippet's ``int``, ``all``, ``len`` are Python's, as the reference's were.
    namespace = {k: v for k, v in __user__.items() if not hasattr(builtins, k) or k.startswith("__")}
    namespace["np"] = numpy
    namespace.update({k: decode(v) for k, v in request["inputs"].items()})
    tree = ast.parse(request["code"])
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    try:
        exec(compile(tree, "<check>", "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), "<check>", "eval"), namespace) if last else None
        reply = {"ok": True, "value": encode(value)}
    except NotImplementedError:
        reply = {"ok": False, "error": "NotImplementedError"}
    except BaseException as exc:
        reply = {"ok": False, "error": type(exc).__name__}
    sys.__stdout__.flush()
    print(marker + json.dumps(reply) + marker, flush=True)
    return reply.get("error") == "KeyboardInterrupt"  # interrupted (timeout): stop the batch
'''
# The runner defines the same ``encode`` as this module, so answers are encoded in the
# kernel exactly as the grader encodes the reference's.
KERNEL_RUNNER = _RUNNER.replace("def __grader_probe(payload, marker):\n",
                                "def __grader_probe(payload, marker):\n" + textwrap.indent(inspect.getsource(encode), "    "), 1)


def kernel_batch(calls: list[tuple[str, dict[str, Any], str]]) -> str:
    """The code sent to the kernel for several probes at once (code, inputs, marker each):
    one execution instead of one per probe, each answer printed between its own marker."""
    # The runner lives in globals of its own (the student's are ``__user__``), so names the
    # student's code rebinds (``print``, ``list``, ``dict``) are not the runner's.
    lines = ['__grader_ns = {"__user__": globals()}', f"exec({KERNEL_RUNNER!r}, __grader_ns)"]
    for code, inputs, marker in calls:
        payload = json.dumps({"code": code, "inputs": {k: encode(v) for k, v in inputs.items()}})
        lines.append(f"if __grader_ns['__grader_probe']({payload!r}, {marker!r}):\n    raise KeyboardInterrupt")
    lines.append("del __grader_ns")
    return "\n".join(lines) + "\n"


def parse_replies(text: str, markers: list[str], completed: bool) -> tuple[list[dict[str, Any]], bool]:
    """The runner's replies in a probe execution's stdout, one per marker, and whether the
    output was tampered with.

    The runner prints each reply once, between two copies of its own random marker, in
    order. Anything else (a marker seen more or less than twice, out of order, a body that
    is not a reply) means something in the kernel printed or swallowed replies: that reply
    scores nothing. A reply missing because the execution did not finish (a timeout, a
    dead kernel) is no answer, not tampering.
    """
    replies: list[dict[str, Any]] = []
    tampered = False
    position = 0
    for marker in markers:
        count = text.count(marker)
        if count == 0:
            replies.append({"ok": False, "error": TAMPERED if completed else NO_ANSWER})
            tampered |= completed
            continue
        start = text.find(marker)
        end = text.find(marker, start + len(marker))
        if count != 2 or start < position:
            replies.append({"ok": False, "error": TAMPERED})
            tampered = True
            continue
        position = end + len(marker)
        body = text[start + len(marker): end]
        reply = None
        if len(body) <= MAX_ANSWER_BYTES:
            try:
                reply = json.loads(body)
            except (ValueError, RecursionError):  # deeply nested JSON too
                reply = None
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool) or (reply["ok"] and "value" not in reply):
            replies.append({"ok": False, "error": TAMPERED if len(body) <= MAX_ANSWER_BYTES else "answer too large"})
            tampered |= len(body) <= MAX_ANSWER_BYTES
            continue
        if not reply["ok"]:  # keep only words from the fixed vocabulary, from here on
            error = reply.get("error")
            reply = {"ok": False, "error": error if isinstance(error, str) and error in KNOWN_EXCEPTIONS else OWN_EXCEPTION}
        replies.append(reply)
    return replies, tampered


# --- verdicts -----------------------------------------------------------------------


def verdict(student_reply: dict | None, reference_reply: dict, rtol: float, atol: float) -> tuple[bool, str]:
    """Compare two runner replies (student, reference); the reason is in fixed words."""
    ok, why, _ = _decoded(student_reply, reference_reply)
    if not ok:
        return False, why
    student, reference = _
    return compare(student, reference, rtol, atol)


def _decoded(student_reply: dict | None, reference_reply: dict) -> tuple[bool, str, tuple[Any, Any]]:
    if not isinstance(reference_reply, dict) or not reference_reply.get("ok"):
        return False, "the reference could not answer this check (instructor error)", (None, None)
    if student_reply is None:
        return False, "not run: the notebook stopped before this check", (None, None)
    if not student_reply.get("ok"):
        error = student_reply.get("error")
        if error == "NotImplementedError":
            return False, NOT_ATTEMPTED, (None, None)
        if error in (NO_ANSWER, TAMPERED, "answer too large"):
            return False, error, (None, None)
        return False, exception_words(error), (None, None)
    try:
        return True, "", (decode(student_reply["value"]), decode(reference_reply["value"]))
    except Exception:
        return False, "unreadable answer", (None, None)


@dataclass(frozen=True)
class Judgement:
    passed: bool
    reason: str  # in fixed words: never text the student's code chose


def judge(spec: dict, student_reply: dict | None, reference_reply: dict, inputs: dict[str, Any]) -> Judgement:
    """One probe's verdict, on the grader's side (``spec``: a plan entry).

    A value probe and a gate compare the answer with the reference's. A property probe
    (``holds``) evaluates the property on the student's numbers, here, and (``match``)
    compares the numbers with the reference's too.
    """
    ok, why, values = _decoded(student_reply, reference_reply)
    if not ok:
        return Judgement(False, why)
    student, reference = values
    rtol, atol = float(spec.get("rtol", 1e-7)), float(spec.get("atol", 1e-12))
    holds = spec.get("holds")
    if holds and spec.get("match", True):  # the cheap comparison first: it bounds what holds sees
        passed, reason = compare(student, reference, rtol, atol)
        if not passed:
            return Judgement(False, reason)
    if holds and _size(student) > 8 * _size(reference) + 65_536:
        return Judgement(False, "the result is far larger than expected")
    if holds:
        from course_utils.answers import property_holds

        try:
            if not property_holds(holds, student, dict(inputs)):
                return Judgement(False, "the property checked does not hold for your answer")
        except Exception:
            return Judgement(False, "the property checked does not hold for your answer")
        return Judgement(True, "")  # the numbers were compared above, where they must match
    passed, reason = compare(student, reference, rtol, atol)
    return Judgement(passed, reason)


def _size(value: Any) -> int:
    """Roughly how many numbers a decoded answer holds (bounds the grader's own work)."""
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, (list, tuple)):
        return len(value) + sum(_size(v) for v in value)
    if isinstance(value, dict):
        return len(value) + sum(_size(v) for v in value.values())
    if isinstance(value, str):
        return len(value) // 8
    return 1


def cell_score(specs: list[dict], judgements: list[Judgement], points: float) -> float:
    """A test cell's score: 0 when any gate fails, else its points times the weighted share
    of the other probes that passed. Gates earn nothing by themselves."""
    if any(spec.get("gate") and not j.passed for spec, j in zip(specs, judgements)):
        return 0.0
    scored = [(float(spec.get("weight", 1.0)), j.passed) for spec, j in zip(specs, judgements) if not spec.get("gate")]
    total = sum(weight for weight, _ in scored)
    if not total:
        return 0.0
    return round(points * sum(weight for weight, passed in scored if passed) / total, 4)

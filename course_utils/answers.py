"""Answers as data, and the one comparator that judges them.

The student's instant check and the grader both turn an answer into plain data
(:func:`encode`, then :func:`decode`) and compare it with the expected data
(:func:`compare`), with the same tolerances. So a visible case cannot pass in the notebook
and fail, on the same inputs, at grading.

:func:`compare` gives its reason in fixed words (shapes and item positions at most, never
a value the student's code produced), so the grader can print it in a report that other
people read. The student's own check adds :attr:`Comparison.detail`: where the first
wrong value is, what it is and what was expected.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Comparison", "Opaque", "compare", "compare_in_detail", "decode", "encode", "normalise", "property_holds"]

SAFE_KINDS = set("biufc")  # bool, int, uint, float, complex: never object arrays


def encode(value):
    """JSON-safe form of a probe input or answer (arrays as base64 raw bytes).

    Self-contained (its imports inside, no annotations): its source is also sent into the
    grading kernel, where it encodes the student's answers.
    """
    import base64

    import numpy

    if hasattr(value, "numpy") and callable(value.numpy):  # tf.Tensor, tf.Variable
        value = value.numpy()
    if isinstance(value, numpy.generic):
        value = value.item() if value.dtype.kind in "biufc" else str(value)
    if isinstance(value, numpy.ndarray):
        if value.dtype.kind not in "biufc":  # never object arrays
            return {"__type__": "ndarray[%s]" % value.dtype}
        data = numpy.array(value, order="C")
        return {"__ndarray__": base64.b64encode(data.tobytes()).decode(), "dtype": data.dtype.str, "shape": list(data.shape)}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if numpy.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, (list, tuple)):
        return {"__seq__": [encode(v) for v in value], "tuple": isinstance(value, tuple)}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    return {"__type__": type(value).__name__}


def decode(value: Any) -> Any:
    """Inverse of :func:`encode`; refuses anything but plain data (no pickles, no objects)."""
    if isinstance(value, dict):
        if "__ndarray__" in value:
            dtype = np.dtype(str(value["dtype"]))
            if dtype.kind not in SAFE_KINDS:
                raise ValueError("unsafe dtype")
            raw = base64.b64decode(value["__ndarray__"], validate=True)
            return np.frombuffer(raw, dtype=dtype).reshape([int(n) for n in value["shape"]]).copy()
        if "__float__" in value:
            return float(value["__float__"])
        if "__seq__" in value:
            items = [decode(v) for v in value["__seq__"]]
            return tuple(items) if value.get("tuple") else items
        if "__dict__" in value:
            return {_hashable(decode(k)): decode(v) for k, v in value["__dict__"]}
        if "__type__" in value:
            return Opaque(str(value["__type__"]))
        raise ValueError("unknown encoded value")
    return value


def normalise(value: Any) -> Any:
    """An answer as the grader sees it: encoded, then decoded (tensors become arrays,
    NumPy scalars Python numbers, objects :class:`Opaque`)."""
    return decode(encode(value))


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


@dataclass(frozen=True)
class Opaque:
    """An answer that is not plain data (a model object, a function...)."""

    type_name: str


@dataclass(frozen=True)
class Comparison:
    """The verdict on one answer: ``reason`` in fixed words, ``detail`` for the student."""

    ok: bool
    reason: str = ""
    detail: str = ""  # may quote the student's values: shown to the student only
    index: tuple[int, ...] | None = None  # the first wrong element of an array answer

    def __bool__(self) -> bool:
        return self.ok


def compare(student: Any, reference: Any, rtol: float, atol: float) -> tuple[bool, str]:
    """Does the student's decoded answer match the reference's? Returns (ok, reason in words).
    Never raises: whatever the student returned (None, a ragged list, a string where numbers
    were expected), the answer to one check is at worst "no"."""
    found = compare_in_detail(student, reference, rtol, atol)
    return found.ok, found.reason


def compare_in_detail(student: Any, reference: Any, rtol: float, atol: float) -> Comparison:
    """:func:`compare`, with the detail the student's own check shows."""
    try:
        return _compare(student, reference, rtol, atol)
    except Exception:
        return Comparison(False, "the result cannot be compared with the expected one")


def _compare(student: Any, reference: Any, rtol: float, atol: float) -> Comparison:
    if student is None and reference is not None:
        return Comparison(False, "the result is None: a missing return?")
    if isinstance(reference, Opaque):  # the type's name is the student's to choose: never evidence
        return Comparison(False, "the check's expected answer is not plain data (instructor error)")
    if isinstance(student, Opaque):
        return Comparison(False, "the result is not the kind of value expected",
                          f"got a {student.type_name[:40]}")
    if isinstance(reference, (list, tuple)) and not _numeric_array_like(reference):
        if not isinstance(student, (list, tuple)) or len(student) != len(reference):
            got = f"got {len(student)} items" if isinstance(student, (list, tuple)) else f"got a {type(student).__name__}"
            return Comparison(False, f"expected a sequence of {len(reference)} items", got)
        for position, (s, r) in enumerate(zip(student, reference)):
            found = _compare(s, r, rtol, atol)
            if not found.ok:
                if len(reference) == 1:
                    return found
                return Comparison(False, f"item {position}: {found.reason}", found.detail, found.index)
        return Comparison(True)
    if isinstance(reference, dict):
        if not isinstance(student, dict) or set(student) != set(reference):
            detail = ""
            if isinstance(student, dict):
                missing = [k for k in reference if k not in student][:3]
                extra = [k for k in student if k not in reference][:3]
                detail = "; ".join(part for part in (f"missing keys {missing}" if missing else "",
                                                      f"unexpected keys {extra}" if extra else "") if part)
            return Comparison(False, "expected a dictionary with other keys", detail)
        for key in reference:
            found = _compare(student[key], reference[key], rtol, atol)
            if not found.ok:
                return Comparison(False, f"{key!r}: {found.reason}", found.detail, found.index)
        return Comparison(True)
    if isinstance(reference, str) or reference is None or isinstance(student, str) or student is None:
        same = type(student) is type(reference) and student == reference
        if same:
            return Comparison(True)
        return Comparison(False, "the result differs from the expected one", f"got {_short(student)}, expected {_short(reference)}")
    try:
        s, r = np.asarray(student), np.asarray(reference)
    except Exception:
        return Comparison(False, "the result is not numeric")
    if s.dtype.kind not in SAFE_KINDS:
        return Comparison(False, "the result is not numeric")
    if s.shape != r.shape:
        return Comparison(False, f"the result has shape {s.shape}, expected {r.shape}")
    if (r.dtype.kind == "b") != (s.dtype.kind == "b"):
        return Comparison(False, "the result holds booleans, expected numbers" if s.dtype.kind == "b" else "expected booleans")
    if r.dtype.kind == "b":
        if np.array_equal(s, r):
            return Comparison(True)
        return _first_difference(s, r, ~(s == r), "the result differs from the expected one")
    if r.dtype.kind == "f" and s.dtype.kind in "iub":
        return Comparison(False, "the result holds integers, expected floating point values",
                          f"dtype {s.dtype} (integers lose the fractional part)")
    kind = complex if "c" in (s.dtype.kind + r.dtype.kind) else float
    close = np.isclose(s.astype(kind), r, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return Comparison(True)
    return _first_difference(s, r, ~close, "the values differ from the expected ones")


def _first_difference(s: np.ndarray, r: np.ndarray, wrong: np.ndarray, reason: str) -> Comparison:
    if s.shape == ():
        return Comparison(False, reason, f"got {_number(s)}, expected {_number(r)}", ())
    index = tuple(int(i) for i in np.argwhere(wrong)[0])
    count = int(wrong.sum())
    share = f" ({count} of {wrong.size} entries are off)" if count > 1 else ""
    return Comparison(False, reason, f"got {_number(s[index])} at index {index}, expected {_number(r[index])}{share}", index)


def _number(value: Any) -> str:
    value = np.asarray(value).item()
    return f"{value:.6g}" if isinstance(value, float) else repr(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _numeric_array_like(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in SAFE_KINDS
    except Exception:
        return False


def property_holds(holds: str, answer: Any, inputs: dict[str, Any]) -> bool:
    """Evaluate a property (instructor code; its last line is the verdict) with ``answer``,
    ``np`` and the inputs bound. The grader runs it on decoded data, never in the student's
    kernel; the student's instant check runs it on the student's own answer."""
    import ast
    import textwrap

    namespace = {**inputs, "np": np, "answer": answer}
    tree = ast.parse(textwrap.dedent(holds).strip())
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is None:
        raise ValueError("a 'holds' property must end with an expression")
    exec(compile(tree, "<holds>", "exec"), namespace)
    return bool(eval(compile(ast.Expression(last.value), "<holds>", "eval"), namespace))

"""The guessable-probe guard: every probe of a notebook, run against the reference
solution under many secrets.

A probe whose answer is the same small value under every secret (a boolean, None, a small
integer, a short string, or a tuple of them) can be guessed, or forged by code in the
student's kernel: it fails the guard unless it is a gate (gates earn nothing). A property
probe (``holds``) whose property does not hold for the reference under some secret would
let a wrong answer pass, or fail an honest one, by luck of the draw: it fails too.

The reference runs in an ordinary kernel (instructor code, no sandbox); after each test
cell, its probes are asked once per secret, as the grader asks them.

    .venv/bin/python -m tests.grader.probe_guard neural_networks 01_perceptron_and_activations [--secrets 20]
"""
from __future__ import annotations

import argparse
import json
import os
import secrets as _secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

from course_utils.probes import property_holds
from grader import probes as P
from grader.course import nbgrader_meta
from tests.paths import ROOT

SMALL_INT = 1000
SHORT_STR = 16


@dataclass
class ProbeRecord:
    cell: str
    name: str
    gate: bool
    holds: str | None
    replies: list[dict] = field(default_factory=list)  # one per secret
    inputs: list[dict] = field(default_factory=list)
    seconds: float = 0.0


def small(value) -> bool:
    """Could this answer be guessed? Booleans, None, small ints, short strings, tuples of them."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, (int, np.integer)):
        return abs(int(value)) <= SMALL_INT
    if isinstance(value, str):
        return len(value) <= SHORT_STR
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "b":
            return True
        return value.dtype.kind in "iu" and value.size <= 8 and bool(np.all(np.abs(value) <= SMALL_INT))
    if isinstance(value, (list, tuple)):
        return all(small(v) for v in value)
    if isinstance(value, dict):
        return all(small(k) and small(v) for k, v in value.items())
    return False


def ask_reference(lab: str, notebook: str, secrets: list[int], timeout: int = 600) -> list[ProbeRecord]:
    """Run the reference notebook; after each test cell, its probes under every secret."""
    path = ROOT / "solutions" / lab / f"{notebook}.ipynb"
    nb = nbformat.read(path, as_version=4)
    plan: dict[int, tuple[str, list]] = {}
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            specs = P.declared_probes(cell.source)
            if specs:
                plan[index] = (meta["grade_id"], specs)
                cell.source = P.strip_hidden(cell.source)
    os.environ["COURSE_LABS_QUICK"] = "1"
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    records: list[ProbeRecord] = []
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
            if index not in plan:
                continue
            grade_id, specs = plan[index]
            cell_records = [ProbeRecord(grade_id, s.name, s.gate, s.holds) for s in specs]
            for secret in secrets:
                calls, markers = [], []
                for k, spec in enumerate(specs):
                    inputs = P.draw_inputs(spec, secret, f"{notebook}/{grade_id}/{k}")
                    marker = f"@@{_secrets.token_hex(8)}@@"
                    calls.append((spec.code, inputs, marker))
                    markers.append(marker)
                    cell_records[k].inputs.append(inputs)
                probe_cell = nbformat.v4.new_code_cell(P.kernel_batch(calls))
                start = time.perf_counter()
                client.execute_cell(probe_cell, index, store_history=False)
                elapsed = time.perf_counter() - start
                nb.cells[index] = cell
                text = "".join(o.get("text", "") for o in probe_cell.outputs if o.get("output_type") == "stream")
                replies, _ = P.parse_replies(text, markers, True)
                for k, reply in enumerate(replies):
                    cell_records[k].replies.append(reply)
                    cell_records[k].seconds += elapsed / len(specs)
            records += cell_records
    return records


def problems(records: list[ProbeRecord]) -> list[str]:
    found = []
    for r in records:
        where = f"{r.cell} / {r.name!r}"
        if not all(reply.get("ok") for reply in r.replies):
            found.append(f"{where}: the reference cannot answer under every secret: "
                         f"{[reply.get('error') for reply in r.replies if not reply.get('ok')][:3]}")
            continue
        values = [P.decode(reply["value"]) for reply in r.replies]
        if r.holds:
            failed = sum(1 for v, inputs in zip(values, r.inputs) if not property_holds(r.holds, v, dict(inputs)))
            if failed:
                found.append(f"{where}: the property does not hold for the reference under {failed} of {len(values)} secrets")
        if r.gate:
            continue
        encoded = {json.dumps(reply["value"], sort_keys=True) for reply in r.replies}
        if len(encoded) == 1 and small(values[0]):
            found.append(f"{where}: the same small answer under every secret, so it can be guessed: {values[0]!r}"[:300])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.grader.probe_guard")
    parser.add_argument("lab")
    parser.add_argument("notebook")
    parser.add_argument("--secrets", type=int, default=20)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    records = ask_reference(args.lab, args.notebook, list(range(1, args.secrets + 1)))
    for r in sorted(records, key=lambda r: -r.seconds)[:8]:
        print(f"{r.seconds:7.2f} s  {r.cell} / {r.name}")
    found = problems(records)
    for line in found:
        print("PROBLEM", line)
    print(f"{len(records)} probes, {len(found)} problems, {time.perf_counter() - start:.0f} s")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

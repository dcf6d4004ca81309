"""One declaration per exercise: read it, run it, audit it, release it as data.

An exercise is declared once, in the hidden block of its first test cell
(``course_utils.probes.declare``): visible cases, known mistakes, hints of both modes.
``grader release`` calls :func:`release_checks` for each instructor notebook:

1. :func:`read_notebook_declarations` finds the declarations and checks the notebook's
   structure (:func:`structure_problems`): each answer cell has exactly one declaration,
   named after it; each test cell declares probes; each declaration is checked by a cell.
2. :func:`compute_outcomes` runs the notebook in a real kernel and, where each exercise's
   test cell stands, runs every case on the reference solution and on every known mistake,
   with the same ``run_case`` the student's check uses.
3. :func:`outcome_problems` replays those outcomes through the student's judge: the
   reference must pass every case, and each mistake must fail one and earn its own message.
4. The data (cases, expected answers, the mistakes' answers and messages, the hints and
   solution text of the release's mode) goes to ``course_utils/checks/data/<lab>/<nb>.json``.
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import secrets
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from course_utils.answers import encode
from course_utils.checks.core import judge_case
from course_utils.checks.released import FORMAT, data_path
from course_utils.probes import Declaration

from . import probes as P
from .course import CourseError, Lab, nbgrader_meta


@dataclass
class NotebookDeclarations:
    """The declarations of one instructor notebook, by exercise, with the test cell of each."""

    notebook: str  # "<lab>/<notebook name>"
    path: Path
    declarations: dict[str, Declaration] = field(default_factory=dict)
    test_cell: dict[str, int] = field(default_factory=dict)  # exercise -> index of its declaring cell
    problems: list[str] = field(default_factory=list)


def source_digest(nb: nbformat.NotebookNode) -> str:
    """What the released data was computed from: every cell's type and source."""
    text = json.dumps([[cell.cell_type, cell.source] for cell in nb.cells])
    return hashlib.sha256(text.encode()).hexdigest()


def _defined_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def read_notebook_declarations(lab: Lab, name: str) -> NotebookDeclarations:
    """Read ``solutions/<lab>/<name>.ipynb``'s declarations and note structural problems."""
    path = lab.source_dir / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    found = NotebookDeclarations(f"{lab.name}/{name}", path)
    answer: str | None = None
    answer_source = ""
    declared_for: dict[str, int] = {}
    checked: set[str] = set()
    for index, cell in enumerate(nb.cells):
        meta = nbgrader_meta(cell)
        if cell.cell_type != "code":
            continue
        if meta.get("solution") and not meta.get("grade"):
            if answer is not None and answer not in declared_for:
                found.problems.append(f"answer cell '{answer}' has no declaration")
            answer, answer_source = meta.get("grade_id"), cell.source
            continue
        if not (meta.get("grade") and not meta.get("solution")):
            continue
        visible = P.strip_hidden(cell.source)
        checked.update(_checked_names(visible))
        try:
            declarations = P.declared_exercises(cell.source)
            probes = P.declared_probes(cell.source)
        except Exception as exc:
            found.problems.append(f"test cell '{meta.get('grade_id')}': its declarations do not run ({type(exc).__name__}: {exc})")
            continue
        if not probes:
            found.problems.append(f"test cell '{meta.get('grade_id')}' declares no probe")
        for decl in declarations:
            if decl.name in found.declarations:
                found.problems.append(f"exercise '{decl.name}' is declared twice")
                continue
            if decl.name != answer:
                found.problems.append(f"test cell '{meta.get('grade_id')}' declares '{decl.name}', but follows "
                                      f"the answer cell '{answer}'")
            missing = [n for n in decl.uses if n not in _defined_names(answer_source)]
            if missing:
                found.problems.append(f"exercise '{decl.name}' uses {missing}, which its answer cell does not define")
            found.declarations[decl.name] = decl
            found.test_cell[decl.name] = index
            declared_for[decl.name] = index
    if answer is not None and answer not in declared_for:
        found.problems.append(f"answer cell '{answer}' has no declaration")
    for name_ in found.declarations:
        if name_ not in checked:
            found.problems.append(f"exercise '{name_}' is declared but no test cell calls exercise.{name_}.check(...)")
    return found


def _checked_names(source: str) -> set[str]:
    """Exercise names whose ``exercise.<name>.check(`` appears in a cell's visible code."""
    names = set()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return names
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "check"
                and isinstance(node.func.value, ast.Attribute)):
            names.add(node.func.value.attr)
    return names


# --- running the cases --------------------------------------------------------------------

_KERNEL_OUTCOMES = r'''
def __release_outcomes(payload, marker):
    import json
    from course_utils.checks.core import run_case
    request = json.loads(payload)
    user = globals()
    functions = {n: user[n] for n in request["uses"]}
    # Every answer twice: an answer that changes between runs (an unseeded draw) can never
    # be matched, so release must refuse it rather than ship it.
    out = {"expected": [], "mistakes": []}
    for case in request["cases"]:
        out["expected"].append([run_case(case, functions), run_case(case, functions)])
    for code in request["mistakes"]:
        namespace = dict(user)  # a mistake sees the notebook, and replaces only its own copy
        exec(code, namespace)
        mistaken = {n: namespace[n] for n in request["uses"]}
        out["mistakes"].append([[run_case(c, mistaken), run_case(c, mistaken)] for c in request["cases"]])
    print(marker + json.dumps(out) + marker, flush=True)
'''


def case_record(case) -> dict:
    return {"name": case.name, "code": case.code, "inputs": {k: encode(v) for k, v in case.inputs.items()},
            "rtol": case.rtol, "atol": case.atol, "no_warnings": case.no_warnings, "holds": case.holds,
            "says": case.says, "match": case.match}


def compute_outcomes(found: NotebookDeclarations, timeout: int = 600) -> dict[str, dict]:
    """Run the instructor notebook in a kernel; at each declaring test cell, run the cases
    on the reference and on each mistake. Test cells themselves are not run (their checks
    need the data this computes)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(found.path, as_version=4)
    at = {index: name for name, index in found.test_cell.items()}
    results: dict[str, dict] = {}
    env_quick = os.environ.get("COURSE_LABS_QUICK")
    os.environ["COURSE_LABS_QUICK"] = "1"  # notebooks' demos train briefly; cases never depend on them
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(found.path.parent)}})
        with client.setup_kernel():
            # nbclient stores each executed cell at its index in ``nb.cells``: iterate over the
            # notebook's own cells, whatever the extra executions leave in that list.
            cells = list(nb.cells)
            helper = nbformat.v4.new_code_cell(_KERNEL_OUTCOMES)
            client.execute_cell(helper, 0)
            for index, cell in enumerate(cells):
                meta = nbgrader_meta(cell)
                if cell.cell_type != "code":
                    continue
                if meta.get("grade") and not meta.get("solution"):
                    if index in at:
                        results[at[index]] = _run_declaration(client, found.declarations[at[index]], index)
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as exc:
                    raise CourseError(f"{found.path.name}: cell {index} fails in the instructor notebook:\n"
                                      f"{str(exc)[-1500:]}") from None
    finally:
        if env_quick is None:
            os.environ.pop("COURSE_LABS_QUICK", None)
        else:
            os.environ["COURSE_LABS_QUICK"] = env_quick
    return results


def _run_declaration(client, decl: Declaration, index: int) -> dict:
    from nbclient.exceptions import CellExecutionError

    marker = f"@@release-{secrets.token_hex(8)}@@"
    payload = json.dumps({"uses": list(decl.uses), "cases": [case_record(c) for c in decl.cases],
                          "mistakes": [m.code for m in decl.mistakes]})
    cell = nbformat.v4.new_code_cell(f"__release_outcomes({payload!r}, {marker!r})")
    try:
        client.execute_cell(cell, index)
    except CellExecutionError as exc:
        raise CourseError(f"exercise '{decl.name}': its cases could not be run:\n{str(exc)[-1500:]}") from None
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    start = text.find(marker)
    end = text.find(marker, start + len(marker))
    if start < 0 or end < 0:
        raise CourseError(f"exercise '{decl.name}': running its cases printed no answer")
    out = json.loads(text[start + len(marker): end])
    return {"expected": [_stored(first) for first, _ in out["expected"]],
            "mistakes": [[_stored(first) for first, _ in row] for row in out["mistakes"]],
            "repeatable": {"expected": [_repeatable(c, *pair) for c, pair in zip(decl.cases, out["expected"])],
                           "mistakes": [[_repeatable(c, *pair) for c, pair in zip(decl.cases, row)]
                                        for row in out["mistakes"]]}}


def _repeatable(case, first: dict, second: dict) -> bool:
    """Did two runs of a case give the same outcome (within the case's tolerances)?"""
    from course_utils.answers import compare_in_detail, decode

    if first.get("ok") != second.get("ok"):
        return False
    if not first.get("ok"):
        return first.get("error") == second.get("error") and first.get("message") == second.get("message")
    return compare_in_detail(decode(first["value"]), decode(second["value"]), case.rtol, case.atol).ok


def _stored(outcome: dict) -> dict:
    """What the data keeps of an outcome: the answer, or the exception's name; whether NumPy warned."""
    if outcome.get("ok"):
        # NumPy's warning texts (fixed words: "overflow encountered in exp") tell apart two
        # mistakes whose values agree.
        return {"ok": True, "value": outcome["value"], "warned": sorted(set(outcome.get("warned") or ()))}
    # The exception's name and message (not its traceback): a student's error is matched
    # with a known mistake's only when both agree.
    return {"ok": False, "error": outcome.get("error"), "message": str(outcome.get("message", ""))[:300]}


# --- the data ---------------------------------------------------------------------------


def exercise_record(decl: Declaration, outcomes: dict, mode: str) -> dict:
    hint, solution = decl.texts(mode)
    cases = []
    for i, case in enumerate(decl.cases):
        record = case_record(case)
        record["expected"] = outcomes["expected"][i]
        record["mistakes"] = [row[i] for row in outcomes["mistakes"]]
        cases.append(record)
    return {"uses": list(decl.uses), "hint": hint, "solution": solution,
            "mistakes": [{"message": m.message} for m in decl.mistakes], "cases": cases}


def outcome_problems(name: str, record: dict, repeatable: dict | None = None) -> list[str]:
    """Replay the stored outcomes: the reference passes every case; each known mistake
    fails one and earns its own message. With ``repeatable`` (from :func:`compute_outcomes`),
    the answers that decide must also be the same on a second run."""
    problems = []
    messages = [m["message"] for m in record["mistakes"]]
    for i, case in enumerate(record["cases"]):
        if repeatable and case.get("match", True) and not repeatable["expected"][i]:
            problems.append(f"{name}: the reference's answer to case '{case['name']}' changes from run to run: "
                            "seed what it draws, or check a property with match=False")
        expected = case["expected"]
        if not expected.get("ok"):
            problems.append(f"{name}: the reference raises {expected.get('error')} on case '{case['name']}'")
            continue
        verdict = judge_case(case, expected, case["mistakes"], messages)
        if verdict is not None:
            problems.append(f"{name}: the reference fails its own case '{case['name']}' ({verdict.message})")
    for k, message in enumerate(messages):
        verdict = None
        for i, case in enumerate(record["cases"]):
            verdict = judge_case(case, case["mistakes"][k], case["mistakes"], messages)
            if verdict is not None:
                if repeatable and not repeatable["mistakes"][k][i]:
                    problems.append(f"{name}: the known mistake '{message[:60]}' answers case '{case['name']}' "
                                    "differently on every run, so no student can be recognised by it: seed it")
                break
        if verdict is None:
            problems.append(f"{name}: the known mistake '{message[:60]}' passes the visible cases")
        elif verdict.mistake != k:
            got = f"the message of '{messages[verdict.mistake][:40]}'" if verdict.mistake is not None else "a generic message"
            problems.append(f"{name}: the known mistake '{message[:60]}' gets {got}, not its own")
    return problems


def notebook_record(found: NotebookDeclarations, outcomes: dict[str, dict], mode: str) -> dict:
    nb = nbformat.read(found.path, as_version=4)
    return {"format": FORMAT, "notebook": found.notebook, "mode": mode, "source_digest": source_digest(nb),
            "exercises": {name: exercise_record(decl, outcomes[name], mode)
                          for name, decl in found.declarations.items()}}


def with_mode(record: dict, found: NotebookDeclarations, mode: str) -> dict:
    """The same released data with the hint and solution texts of another mode."""
    changed = json.loads(json.dumps(record))
    changed["mode"] = mode
    for name, entry in changed["exercises"].items():
        entry["hint"], entry["solution"] = found.declarations[name].texts(mode)
    return changed


def write_record(record: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(record, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def release_checks(lab: Lab, mode: str, notebooks: list[str] | None = None, data_dir: Path | None = None) -> list[Path]:
    """Compute and write the released data of ``lab``'s notebooks; refuse (CourseError,
    every problem listed) when a declaration is missing, doubled or unused, or a case or a
    mistake does not behave as declared."""
    written = []
    for name in notebooks or lab.notebooks:
        found = read_notebook_declarations(lab, name)
        if found.problems:
            raise CourseError(f"{found.path.name}:\n  " + "\n  ".join(found.problems))
        outcomes = compute_outcomes(found)
        record = notebook_record(found, outcomes, mode)
        problems = [p for ex, entry in record["exercises"].items()
                    for p in outcome_problems(ex, entry, outcomes[ex]["repeatable"])]
        if problems:
            raise CourseError(f"{found.path.name}:\n  " + "\n  ".join(problems))
        path = Path(data_dir) / f"{found.notebook}.json" if data_dir else data_path(found.notebook)
        write_record(record, path)
        written.append(path)
    return written


def stale_data(lab: Lab, mode: str, notebooks: list[str] | None = None) -> list[str]:
    """Notebooks whose released data is missing, from another mode, or older than their source."""
    stale = []
    for name in notebooks or lab.notebooks:
        path = data_path(f"{lab.name}/{name}")
        nb = nbformat.read(lab.source_dir / f"{name}.ipynb", as_version=4)
        if not path.is_file():
            stale.append(f"{lab.name}/{name}: no released data")
            continue
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("source_digest") != source_digest(nb) or record.get("mode") != mode:
            stale.append(f"{lab.name}/{name}: the released data is older than the notebook (or of another mode)")
    return stale


def hidden_lines_shipped(source: str) -> set[int]:
    """Line numbers (1-based, in the hidden block) that a release ships on purpose: the
    visible cases (``case(...)``) and the graded hint. Every other hidden line is secret."""
    block = P.hidden_block(source) or ""
    shipped: set[int] = set()
    try:
        tree = ast.parse(textwrap.dedent(block))
    except SyntaxError:
        return shipped
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "case":
            shipped.update(range(node.lineno, node.end_lineno + 1))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "declare":
            for keyword in node.keywords:
                if keyword.arg == "hint":
                    shipped.update(range(keyword.value.lineno, keyword.value.end_lineno + 1))
    return shipped

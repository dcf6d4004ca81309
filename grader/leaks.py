"""What must never reach students, and a scan for it.

The secret lines of a course are:

* every line of every solution region (``### BEGIN SOLUTION`` ... ``### END SOLUTION``) with
  at least :data:`MIN_CHARS` non-blank characters once whitespace is normalised;
* every such line of every hidden-test block, except the parts a release ships on purpose:
  the visible cases (``case(...)``) and the graded hint of a declaration
  (``grader.declarations.hidden_lines_shipped``), and a line found in some visible case's
  code (a fixture that a probe and a case share: ``layer = MyDenseLayer(2)``
  is public once a case ships it). Probes, their inputs, the known mistakes' code, the
  practice hints and solutions and the ``strict=True`` checks are secret.

A line of a solution region is secret wherever it appears, a visible case included,
unless the notebooks say it in public too: a line found in the instructor notebooks
outside their solution regions and hidden blocks (what nbgrader releases: the
task texts, the stubs' ``def`` lines, the given code) is not a secret, wherever it is.

:func:`find_leaks` looks for them in a folder (every text file, and every string inside
JSON and notebooks, so an escaped ``\\n`` hides nothing) or in a wheel. ``grader publish``
refuses to finish when it finds one.
"""
from __future__ import annotations

import json
import re
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import probes as P
from .course import Lab

MIN_CHARS = 15
SOLUTION = re.compile(r"### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _long(line: str) -> bool:
    return len(line.replace(" ", "")) >= MIN_CHARS


@dataclass(frozen=True)
class Secret:
    line: str  # normalised
    where: str  # "<lab>/<notebook> cell N (solution | hidden tests)"


def _cells(labs: list[Lab]):
    """Every cell of every instructor notebook: (where, index, cell)."""
    for lab in labs:
        for name in lab.notebooks:
            nb = nbformat.read(lab.source_dir / f"{name}.ipynb", as_version=4)
            for index, cell in enumerate(nb.cells):
                yield f"{lab.name}/{name}", index, cell


def secret_lines(labs: list[Lab]) -> list[Secret]:
    from .declarations import hidden_lines_shipped

    found: dict[str, Secret] = {}
    cells = list(_cells(labs))  # each notebook read once
    # Found the way leaks are found: as a part of a normalised text.
    released = "\n".join(sorted(_released_lines(cells)))
    public = released + "\n" + "\n".join(sorted(_case_lines(cells)))
    for where, index, cell in cells:
        for region in SOLUTION.finditer(cell.source):
            for line in region.group(1).splitlines():
                text = normalise(line)
                if _long(text) and text not in released:
                    found.setdefault(text, Secret(text, f"{where} cell {index} (solution)"))
        block = P.hidden_block(cell.source)
        if block is None:
            continue
        shipped = hidden_lines_shipped(cell.source)
        for number, line in enumerate(textwrap.dedent(block).splitlines(), start=1):
            text = normalise(line)
            if number not in shipped and _long(text) and text not in public:
                found.setdefault(text, Secret(text, f"{where} cell {index} (hidden tests)"))
    return list(found.values())


def _released_lines(cells: list) -> set[str]:
    """Every line of the instructor notebooks outside solution regions and hidden blocks:
    what the student notebooks say anyway."""
    lines = set()
    for _, _, cell in cells:
        text = P.HIDDEN_BLOCK.sub("", SOLUTION.sub("", cell.source))
        lines.update(normalise(line) for line in text.splitlines())
    return lines


def _case_lines(cells: list) -> set[str]:
    """Every line of every visible case's code: public, since a release ships it."""
    lines = set()
    for _, _, cell in cells:
        for decl in P.declared_exercises(cell.source):
            for case in decl.cases:
                lines.update(normalise(line) for line in case.code.splitlines())
    return lines


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def searchable(name: str, data: bytes) -> str:
    """A file's text as a reader would see it: JSON strings decoded, whitespace normalised."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    parts = [text]
    if name.endswith((".json", ".ipynb")):
        try:
            parts += _strings(json.loads(text))
        except ValueError:
            pass
    return "\n".join(normalise(part) for part in parts)


@dataclass(frozen=True)
class Leak:
    file: str
    secret: Secret


def _scan(files: list[tuple[str, bytes]], secrets: list[Secret]) -> list[Leak]:
    leaks = []
    for name, data in files:
        text = searchable(name, data)
        leaks += [Leak(name, s) for s in secrets if s.line in text]
    return leaks


def find_leaks(folder: Path, secrets: list[Secret], skip_texts: bool = False) -> list[Leak]:
    """Secret lines found in any file under ``folder`` (``.git`` aside). With
    ``skip_texts``, the hint and solution texts of the checks' data are not searched (a
    practice release gives them on purpose)."""
    files = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or ".git" in path.relative_to(folder).parts:
            continue
        data = path.read_bytes()
        if skip_texts and path.suffix == ".json" and "data" in path.parts:
            record = json.loads(data)
            for entry in record.get("exercises", {}).values():
                entry.pop("hint", None)
                entry.pop("solution", None)
            data = json.dumps(record).encode()
        files.append((str(path.relative_to(folder)), data))
    return _scan(files, secrets)


def find_leaks_in_wheel(wheel: Path, secrets: list[Secret]) -> list[Leak]:
    with zipfile.ZipFile(wheel) as archive:
        files = [(n, archive.read(n)) for n in archive.namelist() if not n.endswith("/")]
    return _scan(files, secrets)


def solution_code_lines(labs: list[Lab], min_chars: int = 8) -> set[str]:
    """The code lines of every solution region (comments left out), normalised: no graded
    hint may contain one."""
    lines = set()
    for _, _, cell in _cells(labs):
        for region in SOLUTION.finditer(cell.source):
            for line in region.group(1).splitlines():
                text = normalise(line.split("#", 1)[0] if "#" in line and not line.strip().startswith(("'", '"')) else line)
                if len(text.replace(" ", "")) >= min_chars and not text.startswith(('"""', "'''")):
                    lines.add(text)
    return lines

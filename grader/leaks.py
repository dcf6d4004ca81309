"""What must never reach students, and a scan for it.

The secret lines of a course are:

* every line of every solution region (``### BEGIN SOLUTION`` ... ``### END SOLUTION``) with
  at least :data:`MIN_CHARS` non-blank characters once whitespace is normalised;
* every such line of every hidden-test block, except the parts a release ships on purpose:
  the visible cases (``case(...)``) and the graded hint of a declaration
  (``grader.declarations.hidden_lines_shipped``). Probes, their inputs, the known
  mistakes' code, the practice hints and solutions and the ``strict=True`` checks are secret.

:func:`find_leaks` looks for them in a folder (every text file, and every string inside
JSON and notebooks, so an escaped ``\\n`` hides nothing) or in a wheel. ``grader publish``
refuses to finish when it finds one.
"""
from __future__ import annotations

import json
import re
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


def secret_lines(labs: list[Lab]) -> list[Secret]:
    from .declarations import hidden_lines_shipped

    found: dict[str, Secret] = {}
    for lab in labs:
        for name in lab.notebooks:
            nb = nbformat.read(lab.source_dir / f"{name}.ipynb", as_version=4)
            for index, cell in enumerate(nb.cells):
                for region in SOLUTION.finditer(cell.source):
                    for line in region.group(1).splitlines():
                        text = normalise(line)
                        if _long(text):
                            found.setdefault(text, Secret(text, f"{lab.name}/{name} cell {index} (solution)"))
                block = P.hidden_block(cell.source)
                if block is None:
                    continue
                shipped = hidden_lines_shipped(cell.source)
                import textwrap

                for number, line in enumerate(textwrap.dedent(block).splitlines(), start=1):
                    text = normalise(line)
                    if number not in shipped and _long(text):
                        found.setdefault(text, Secret(text, f"{lab.name}/{name} cell {index} (hidden tests)"))
    return list(found.values())


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


def find_leaks(folder: Path, secrets: list[Secret]) -> list[Leak]:
    """Secret lines found in any file under ``folder`` (``.git`` aside)."""
    files = [(str(p.relative_to(folder)), p.read_bytes()) for p in sorted(folder.rglob("*"))
             if p.is_file() and ".git" not in p.relative_to(folder).parts]
    return _scan(files, secrets)


def find_leaks_in_wheel(wheel: Path, secrets: list[Secret]) -> list[Leak]:
    with zipfile.ZipFile(wheel) as archive:
        files = [(n, archive.read(n)) for n in archive.namelist() if not n.endswith("/")]
    return _scan(files, secrets)


def solution_code_lines(labs: list[Lab], min_chars: int = 8) -> set[str]:
    """The code lines of every solution region (comments left out), normalised: no graded
    hint may contain one."""
    lines = set()
    for lab in labs:
        for name in lab.notebooks:
            nb = nbformat.read(lab.source_dir / f"{name}.ipynb", as_version=4)
            for cell in nb.cells:
                for region in SOLUTION.finditer(cell.source):
                    for line in region.group(1).splitlines():
                        text = normalise(line.split("#", 1)[0] if "#" in line and not line.strip().startswith(("'", '"')) else line)
                        if len(text.replace(" ", "")) >= min_chars and not text.startswith(('"""', "'''")):
                            lines.add(text)
    return lines

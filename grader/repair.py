"""Repair: rebuild a submitted notebook on the released one, so that it grades fairly.

The released student notebook (``labs/<lab>/<notebook>.ipynb``) is the template.  The
result has the template's cells in the template's order, its notebook metadata
(kernelspec) and no outputs:

* every non-answer cell (tests, read-only, markdown, setup, demo code) is the template's
  cell: a student's edit of a test or read-only cell never counts (a note says when one
  was edited or deleted);
* every answer cell (nbgrader ``solution: true``) takes the student's source, found
  (a) by its grade_id; if the id appears several times (copy-paste), the copy that
      differs from the released stub, else the last one, and the others are dropped;
  (b) else by content, for cells whose metadata was lost (Colab, VS Code): the cell that
      defines the same top-level functions/classes as the template's answer cell (read
      with ``ast``, never run; a regex on ``def``/``class`` lines if it does not parse),
      or, when the names do not help, a difflib similarity of at least ``SIMILAR``;
  (c) else the template's stub stays, with a note: graded as not attempted.
  An answer turned into a markdown/raw cell is matched the same way and restored with
  the template's type.
* a metadata-less cell in the place of a missing test/read-only cell, similar to it or
  defining nothing, is taken for an edited copy of it and dropped;
* any other student code cell (helpers) is kept, without nbgrader metadata, right after
  the template cell it followed in the submission; cells that only repeat a released
  cell (e.g. a copied stub, which would undo the answer) are dropped.

``repair`` returns the notes, in plain language; no notes means nothing needed fixing.
"""
from __future__ import annotations

import ast
import copy
import difflib
import re
from collections import defaultdict
from pathlib import Path

import nbformat

from .course import nbgrader_meta

SIMILAR = 0.6  # difflib ratio above which two cells count as versions of each other
_DEF_LINE = re.compile(r"^(?:async[ \t]+def|def|class)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
_MAGIC_LINE = re.compile(r"^([ \t]*)[%!].*$", re.MULTILINE)  # IPython magics / shell lines


def defined_names(source: str) -> set[str]:
    """Top-level function and class names that ``source`` defines (parsed, never run)."""
    tree = _parse(source)
    if tree is None:
        return set(_DEF_LINE.findall(source))
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(_MAGIC_LINE.sub(r"\1pass", source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _text(cell: dict) -> str:
    """The cell's source with outer blank lines and trailing spaces ignored."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _similarity(a: str, b: str) -> float:
    if not a or not b or max(len(a), len(b)) > 50_000:
        return 0.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.ratio() if matcher.real_quick_ratio() >= SIMILAR and matcher.quick_ratio() >= SIMILAR else 0.0


def _role(cell: dict) -> str:
    meta = nbgrader_meta(cell)
    if meta.get("solution"):
        return "answer"
    if meta.get("grade"):
        return "test"
    return "read-only" if meta.get("locked") or meta.get("grade_id") else "plain"


def repair(
    submitted: nbformat.NotebookNode, released: nbformat.NotebookNode
) -> tuple[nbformat.NotebookNode, list[str]]:
    """The submission rebuilt on ``released`` (see the module docstring), and the notes."""
    return _Rebuild(submitted, released).run()


def repair_file(submitted: Path, released: Path, dest: Path) -> list[str]:
    """Read ``submitted``, write its repaired version to ``dest``; return the notes."""
    nb, notes = repair(nbformat.read(submitted, as_version=4), nbformat.read(released, as_version=4))
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, dest)
    return notes


class _Rebuild:
    """One repair. ``taken[k] = i``: template cell k is matched with submitted cell i (an
    answer takes its source; any other cell is only located there). ``owner[i] = k``:
    submitted cell i is used up by template cell k (taken, or a dropped copy)."""

    def __init__(self, submitted: nbformat.NotebookNode, released: nbformat.NotebookNode) -> None:
        self.released = released
        self.template = released.cells
        self.cells = submitted.get("cells", [])
        self.roles = [_role(c) for c in self.template]
        self.texts = [_text(c) for c in self.cells]
        self.taken: dict[int, int] = {}
        self.owner: dict[int, int] = {}
        self.notes: list[str] = []

    def run(self) -> tuple[nbformat.NotebookNode, list[str]]:
        self.match_grade_ids()
        self.match_same_text()
        self.match_answers_by_content()
        self.match_edited_in_place()
        nb = self.build(self.extras())
        nbformat.validate(nb)
        return nb, self.notes

    # --- helpers ----------------------------------------------------------------------

    def label(self, k: int) -> str:
        grade_id = nbgrader_meta(self.template[k]).get("grade_id", f"number {k + 1}")
        return f"{self.roles[k]} cell '{grade_id}'"

    def free(self) -> list[int]:
        return [i for i in range(len(self.cells)) if i not in self.owner]

    def take(self, k: int, i: int) -> None:
        self.taken[k], self.owner[i] = i, k
        wanted, found = self.template[k].cell_type, self.cells[i].get("cell_type")
        if self.roles[k] == "answer" and found != wanted:
            self.notes.append(f"{self.label(k)} had been turned into a {found} cell: restored as a {wanted} cell")

    def neighbours(self, k: int) -> tuple[int, int]:
        """Positions in the submission of the nearest matched template cells around k."""
        before = [i for j, i in self.taken.items() if j < k]
        after = [i for j, i in self.taken.items() if j > k]
        return max(before, default=-1), min(after, default=len(self.cells))

    # --- the four matching passes ----------------------------------------------------

    def match_grade_ids(self) -> None:
        where = {m["grade_id"]: k for k, c in enumerate(self.template) if (m := nbgrader_meta(c)).get("grade_id")}
        found: dict[int, list[int]] = defaultdict(list)
        for i, cell in enumerate(self.cells):
            k = where.get(nbgrader_meta(cell).get("grade_id"))
            if k is not None:
                found[k].append(i)
        for k, copies in sorted(found.items()):
            for i in copies:
                self.owner[i] = k
            released = _text(self.template[k])
            if self.roles[k] == "answer":
                changed = [i for i in copies if self.texts[i] != released]
                self.take(k, (changed or copies)[-1])
                if len(copies) > 1:
                    which = "the last copy that differs from the released stub" if changed else "the last copy"
                    self.notes.append(f"{self.label(k)} appears {len(copies)} times (copy-paste?): "
                                      f"graded {which}, dropped the others")
                continue
            self.taken[k] = copies[0]
            wanted = self.template[k].cell_type
            if any(self.texts[i] != released or self.cells[i].get("cell_type") != wanted for i in copies):
                self.notes.append(f"{self.label(k)} had been edited: restored as released "
                                  "(edits to test and read-only cells never count)")
            if len(copies) > 1:
                self.notes.append(f"{self.label(k)} appears {len(copies)} times: kept it once, as released")

    def match_same_text(self) -> None:
        """Non-answer cells whose text is unchanged (their metadata may be gone)."""
        for k, cell in enumerate(self.template):
            text = _text(cell)
            if k in self.taken or self.roles[k] == "answer" or not text:
                continue
            same = [i for i in self.free() if self.texts[i] == text]
            if same:
                before, _ = self.neighbours(k)
                i = next((i for i in same if i > before), same[0])
                self.taken[k], self.owner[i] = i, k
                if self.roles[k] != "plain" and self.cells[i].get("cell_type") != cell.cell_type:
                    self.notes.append(f"{self.label(k)} had been turned into another cell type: restored as released")

    def match_answers_by_content(self) -> None:
        found = []
        for k, cell in enumerate(self.template):
            if k in self.taken or self.roles[k] != "answer":
                continue
            stub, names = _text(cell), defined_names(cell.source)
            ranked = [(score, self.texts[i] != stub, i) for i in self.free()
                      if (score := self.resemblance(stub, names, self.texts[i])) > 0]
            if ranked:
                self.take(k, max(ranked)[2])
                found.append(nbgrader_meta(cell).get("grade_id", str(k)))
            else:
                self.notes.append(f"{self.label(k)} not found: graded as not attempted")
        if found:
            self.notes.insert(0, f"{len(found)} answer cell(s) had lost their grading metadata (as Colab or "
                                 f"VS Code can do) and were found by their content: {', '.join(found)}")

    @staticmethod
    def resemblance(stub: str, names: set[str], text: str) -> float:
        """> 0 when ``text`` looks like an answer to the cell ``stub`` defining ``names``:
        the number of names it defines too, else (no names to compare, or it does not
        parse) its difflib ratio when at least SIMILAR."""
        if names:
            theirs = defined_names(text)
            if theirs or _parse(text) is not None:
                return float(len(names & theirs))
        ratio = _similarity(stub, text)
        return ratio if ratio >= SIMILAR else 0.0

    def match_edited_in_place(self) -> None:
        """A free cell where a missing non-answer cell stood is an edited copy of it when
        similar, or, for a test/read-only code cell, when it defines nothing."""
        for k, cell in enumerate(self.template):
            if k in self.taken or self.roles[k] == "answer":
                continue
            before, after = self.neighbours(k)
            slot = [i for i in range(before + 1, after) if i not in self.owner]
            text = _text(cell)
            pick = next((i for i in slot if _similarity(text, self.texts[i]) >= SIMILAR), None)
            if pick is None and self.roles[k] != "plain" and cell.cell_type == "code":
                pick = next((i for i in slot if self.cells[i].get("cell_type") == "code" and self.texts[i]
                             and not defined_names(self.texts[i])), None)
            if pick is not None:
                self.taken[k], self.owner[pick] = pick, k
                if self.roles[k] != "plain":
                    self.notes.append(f"{self.label(k)} had been edited: restored as released "
                                      "(edits to test and read-only cells never count)")
            elif self.roles[k] != "plain":
                self.notes.append(f"{self.label(k)} had been deleted: restored")

    # --- what is left, and the result -------------------------------------------------

    def extras(self) -> dict[int, list[str]]:
        """Free student code cells, by the template cell they follow (-1: before all)."""
        released = {_text(c) for c in self.template}
        placed: dict[int, list[str]] = defaultdict(list)
        follows, dropped = -1, 0
        for i, cell in enumerate(self.cells):
            if i in self.owner:
                follows = self.owner[i]
            elif cell.get("cell_type") == "code" and self.texts[i]:
                if self.texts[i] in released:
                    dropped += 1
                else:
                    source = cell.get("source", "")
                    placed[follows].append("".join(source) if isinstance(source, list) else source)
        if dropped:
            self.notes.append(f"removed {dropped} cell(s) that only repeated a released cell "
                              "(such as a copied, unanswered stub)")
        return placed

    def build(self, extras: dict[int, list[str]]) -> nbformat.NotebookNode:
        nb = copy.deepcopy(self.released)
        used_ids = {c.get("id") for c in self.template}
        cells: list[nbformat.NotebookNode] = []

        def add_extras(k: int) -> None:
            for source in extras.get(k, []):
                n = len(cells)
                while f"student-{n}" in used_ids:
                    n += 1
                used_ids.add(f"student-{n}")
                extra = nbformat.v4.new_code_cell(source, id=f"student-{n}")
                if nb.nbformat_minor < 5:
                    del extra["id"]
                cells.append(extra)

        add_extras(-1)
        for k, template_cell in enumerate(self.template):
            cell = copy.deepcopy(template_cell)
            if self.roles[k] == "answer" and k in self.taken:
                source = self.cells[self.taken[k]].get("source", "")
                cell.source = "".join(source) if isinstance(source, list) else source
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cells.append(cell)
            add_extras(k)
        nb.cells = cells
        return nb

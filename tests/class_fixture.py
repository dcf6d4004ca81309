"""A small class, graded for real once per test session: what the class report, the
similarity search, the regrade diffs and their browser tests read.

One notebook (``neural_networks/01``, NumPy only, seconds per student) and a student for
each thing those tools must tell apart:

* ``paster``        - the reference solution, pasted whole;
* ``honest_0..2``   - honest alternatives from the corpus (``tests/corpus``), a different
  one per student and exercise (``honest_2`` writes the reference's own answer where the
  corpus has only two alternatives, as honest students do for short answers);
* ``copy_src`` / ``copy_renamed`` - the same answers, the second with its local variables
  renamed, its comments changed and its number literals written differently;
* ``wrong``         - trivially wrong answers (from the corpus);
* ``untouched``     - the notebook as released;
* ``hang``          - one answer that never returns (a timeout), the rest untouched;
* ``broken``        - a file that is not a notebook (an intake problem).
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from grader.course import load_lab, nbgrader_meta
from grader.examples import filled_notebook
from tests.corpus import neural_networks_01 as corpus
from tests.corpus.harness import small_course

GRADER = str(Path(sys.executable).parent / "grader")
LAB, NOTEBOOK = corpus.LAB, corpus.NOTEBOOK
CELL_TIMEOUT = 10
HONEST = ("honest_0", "honest_1", "honest_2")
COPIES = ("copy_src", "copy_renamed")


@dataclass
class GradedClass:
    course: Path  # the course root the class was graded from (a one-notebook copy)
    submissions: Path
    out: Path
    students: list[str] = field(default_factory=list)
    stdout: str = ""


def rename_locals(source: str, suffix: str = "_v") -> str:
    """The same code with every name it assigns (not its functions or their parameters)
    renamed, comments replaced and float literals written another way (``1.0`` -> ``1.``)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    assigned, protected = set(), set()
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.NAME and i + 1 < len(tokens) and tokens[i + 1].string == "=" \
                and (i == 0 or tokens[i - 1].string not in (".", ",", "(")):
            assigned.add(tok.string)
        if tok.string == "def" and i + 1 < len(tokens):
            protected.add(tokens[i + 1].string)
            j = i + 2
            while j < len(tokens) and tokens[j].string != ":":
                if tokens[j].type == tokenize.NAME:
                    protected.add(tokens[j].string)
                j += 1
    rename = {name: f"{name}{suffix}" for name in assigned - protected}
    out = []
    for i, tok in enumerate(tokens):
        text = tok.string
        if tok.type == tokenize.NAME and text in rename and (i == 0 or tokens[i - 1].string != "."):
            text = rename[text]
        elif tok.type == tokenize.COMMENT:
            text = "# my own note on this line"
        elif tok.type == tokenize.NUMBER and text.endswith(".0"):
            text = text[:-1]
        out.append(tok._replace(string=text))
    return "# written by me\n" + tokenize.untokenize(out)


def answers_of(role: str) -> dict[str, str | None]:
    """grade_id -> answer source for a role (None: the reference's answer)."""
    answers: dict[str, str | None] = {}
    for grade_id, variants in corpus.HONEST.items():
        if role.startswith("honest_"):
            k = int(role.split("_")[1])
            answers[grade_id] = variants[k][1] if k < len(variants) else None
        elif role in COPIES:
            # the last honest alternative where there are four or more (no honest_k uses it),
            # else a wrong answer no other student hands in
            source = variants[-1][1] if len(variants) >= 4 else corpus.TRIVIAL[grade_id][1][1]
            answers[grade_id] = rename_locals(source) if role == "copy_renamed" else source
        elif role == "wrong":
            answers[grade_id] = corpus.TRIVIAL[grade_id][0][1]
    return answers


def write_class(course: Path, dest: Path) -> list[str]:
    """Write the class's hand-ins under ``dest`` (one folder per student)."""
    lab = load_lab(LAB, course)
    students = ["paster", *HONEST, *COPIES, "wrong", "untouched", "hang", "broken"]
    for student in students:
        folder = dest / student
        folder.mkdir(parents=True)
        path = folder / f"{NOTEBOOK}.ipynb"
        if student == "broken":
            path.write_text("{ this is not a notebook")
            continue
        nb = filled_notebook(lab, NOTEBOOK, None if student in ("paster", *HONEST, *COPIES, "wrong") else set())
        for cell in nb.cells:
            grade_id = nbgrader_meta(cell).get("grade_id")
            answer = answers_of(student).get(grade_id)
            if answer is not None:
                cell.source = answer
            if student == "hang" and grade_id == "relu":
                cell.source = "def relu(z):\n    while True:\n        pass\n\n\ndef relu_prime(z):\n    while True:\n        pass\n"
        nbformat.write(nb, path)
    return students


def grade_class(root: Path) -> GradedClass:
    """Write the class into ``root`` and grade it with the real ``grader autograde``."""
    course = small_course(root / "course", LAB, NOTEBOOK)
    graded = GradedClass(course, root / "submissions", root / "out")
    graded.students = write_class(course, graded.submissions)
    env = {**os.environ, "GRADER_SECRET": "class-fixture"}
    done = subprocess.run([GRADER, "autograde", LAB, str(graded.submissions), "--out", str(graded.out), "--quiet",
                           "--cell-timeout", str(CELL_TIMEOUT), "--workers", "2"],
                          capture_output=True, text=True, cwd=course, timeout=1200, env=env)
    if not (graded.out / "grades.json").is_file():
        raise RuntimeError(f"grader autograde failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    graded.stdout = done.stdout
    return graded

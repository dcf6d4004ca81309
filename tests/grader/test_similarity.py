"""``grader similarity``: copied hand-ins and pasted reference solutions are found, honest
students are not flagged.

The fast tests build pseudo-students from the honest alternatives of the corpora
(``tests/corpus``): no grading needed. The slow ones read the shared graded class
(``tests/class_fixture.py``), or a copy of it where they change it.
"""
from __future__ import annotations

import csv
import importlib
import shutil
from pathlib import Path

import nbformat
import pytest

from grader import similarity as S
from grader.course import CourseError, load_lab, nbgrader_meta
from tests.class_fixture import COPIES, HONEST, LAB, NOTEBOOK
from tests.paths import ROOT

CORPORA = [f"neural_networks_0{i}" for i in range(1, 7)] + ["tensorflow_music_01"]
slow = pytest.mark.slow


# --- honest pseudo-students from the corpora ----------------------------------------------

def answer_cells(path: Path) -> dict[str, str]:
    nb = nbformat.read(path, as_version=4)
    return {m["grade_id"]: c.source for c in nb.cells if (m := nbgrader_meta(c)).get("solution")}


def code_size(source: str) -> int:
    return sum(len(tokens) for _, tokens in S.code_lines(source))


def honest_class(corpus_name: str) -> tuple[list[S.Handin], dict[str, str], dict[str, str], dict[str, list[str]]]:
    """Pseudo-students of one corpus: student ``k`` hands in, for each exercise, variant
    ``k mod n`` of its honest alternatives and the reference's own answer (what an honest
    student may write too); the exercises the corpus has no alternatives for stay as
    released. Also: the stubs, the reference, and each exercise's variants."""
    corpus = importlib.import_module(f"tests.corpus.{corpus_name}")
    stubs = answer_cells(ROOT / "labs" / corpus.LAB / f"{corpus.NOTEBOOK}.ipynb")
    reference = answer_cells(ROOT / "solutions" / corpus.LAB / f"{corpus.NOTEBOOK}.ipynb")
    variants = {ex: [source for _, source in alternatives] + [reference[ex]] for ex, alternatives in corpus.HONEST.items()}
    count = max(len(v) for v in variants.values())
    students = [S.Handin(f"s{k}", f"s{k}", {**stubs, **{ex: v[k % len(v)] for ex, v in variants.items()}})
                for k in range(count)]
    return students, stubs, reference, variants


def copied_by_construction(a: dict[str, str], b: dict[str, str], exercises: list[str], reference: dict[str, str]) -> bool:
    """Two hand-ins whose identical cells hold at least half their code: a copy, by any
    reasonable measure, that ``k mod n`` made. Between two students, the cells both left as
    the reference do not count (the reference is no evidence between them)."""
    own = [ex for ex in exercises if b is reference or not a[ex] == b[ex] == reference[ex]]
    total = sum(code_size(a[ex]) + code_size(b[ex]) for ex in own)
    same = sum(code_size(a[ex]) + code_size(b[ex]) for ex in own if a[ex] == b[ex])
    return total > 0 and same >= total / 2


def honest_false_positives() -> tuple[int, int, list[str]]:
    """Over every corpus: (honest distinct pairs and student-reference comparisons, how many
    of them were flagged, what they were)."""
    compared, wrong = 0, []
    for name in CORPORA:
        students, stubs, reference, variants = honest_class(name)
        flagged = {(f.student_a, f.student_b) for f in S.compare(students, stubs, reference)[0]}
        for i, a in enumerate(students):
            for b in [*students[i + 1:], None]:
                if copied_by_construction(a.answers, reference if b is None else b.answers, list(variants), reference):
                    continue
                compared += 1
                names = (a.student, S.REFERENCE_NAME if b is None else b.student)
                if names in flagged or names[::-1] in flagged:
                    wrong.append(f"{name}: {names[0]} / {names[1]}")
    return compared, len(wrong), wrong


def test_no_honest_pair_is_flagged_in_any_corpus():
    compared, flagged, which = honest_false_positives()
    assert compared > 100
    assert flagged == 0, which


def test_copies_built_from_the_corpus_are_flagged():
    """The other side of the same measurement: pseudo-students who are copies by
    construction, and one who renames everything, are found."""
    from tests.class_fixture import rename_locals

    students, stubs, reference, _ = honest_class("neural_networks_01")
    twin = S.Handin("twin", "twin", {ex: rename_locals(src) for ex, src in students[0].answers.items()})
    flagged, _ = S.compare([*students, twin], stubs, reference)
    pairs = {(f.student_a, f.student_b) for f in flagged if f.kind == S.PAIR}
    assert ("s0", "twin") in pairs


def test_short_answers_alone_are_no_evidence():
    """Two students who hand in the same one-line answers everywhere (and nothing else) are
    not flagged: one line per exercise is too short to tell honest students apart."""
    stubs = {"relu": "def relu(z):\n    raise NotImplementedError()\n",
             "tanh": "def tanh(z):\n    raise NotImplementedError()\n"}
    reference = {"relu": "def relu(z):\n    return np.maximum(0.0, z)\n",
                 "tanh": "def tanh(z):\n    return np.tanh(z)\n"}
    same = {"relu": "def relu(z):\n    return np.where(z > 0, z, 0)\n", "tanh": "def tanh(z):\n    return np.tanh(z * 1)\n"}
    flagged, _ = S.compare([S.Handin("a", "a", same), S.Handin("b", "b", dict(same))], stubs, reference)
    assert flagged == []


def test_normalisation_ignores_names_comments_and_literal_spelling():
    a = "def f(x):\n    total = 0.0  # sum\n    for v in x:\n        total = total + v * 1.0\n    return 'done', total\n"
    b = "def f(x):\n    acc = 0.   # mine\n    for item in x:\n        acc = acc + item * 1.\n    return \"done\", acc\n"
    assert [t for _, t in S.code_lines(a)] == [t for _, t in S.code_lines(b)]
    assert "np.asarray" not in " ".join(S.code_lines("np.asarray(z)")[0][1])  # tokens are spaced ...
    assert S.code_lines("np.asarray(z)")[0][1] == ["np", ".", "asarray", "(", "z", ")"]  # ... free names are kept


def test_unparseable_code_is_still_compared():
    broken = "def f(x:\n    return x +* 2  # oops\n"
    assert S.code_lines(broken)  # the fallback tokenizer, no exception


# --- the graded class ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def report(graded_class, tmp_path_factory):
    out = tmp_path_factory.mktemp("similar") / "out"
    shutil.copytree(graded_class.out, out)
    return S.write_similarity(load_lab(LAB, graded_class.course), out)


def found(report: S.SimilarityReport) -> set[tuple[str, str]]:
    return {tuple(sorted((f.student_a, f.student_b))) for f in report.findings}


@slow
def test_the_copies_rank_first_and_the_paster_matches_the_reference(report):
    first = report.findings[0]
    assert {first.student_a, first.student_b} in ({*COPIES}, {"paster", S.REFERENCE_NAME})
    assert tuple(sorted(COPIES)) in found(report)
    assert [f.student_a for f in report.reference_matches] == ["paster"]
    copies = next(f for f in report.pairs if {f.student_a, f.student_b} == set(COPIES))
    assert len(copies.exercises) >= 6 and copies.score > 0.9
    assert report.summary().startswith("1 pair of similar hand-ins, 1 student matches the reference solution")


@slow
def test_honest_students_stubs_and_broken_hand_ins_are_not_flagged(report):
    flagged = {name for pair in found(report) for name in pair}
    assert flagged == {*COPIES, "paster", S.REFERENCE_NAME}
    assert not flagged & {*HONEST, "untouched", "hang", "broken", "wrong"}
    assert report.students == 9  # broken (invalid) has no notebook


@slow
def test_the_csv_ranks_the_findings_and_runs_no_formula(report, graded_class, tmp_path):
    rows = list(csv.DictReader(open(report.out / "similarity.csv", encoding="utf-8")))
    assert [r["rank"] for r in rows] == ["1", "2"]
    assert {r["kind"] for r in rows} == {S.PAIR, S.REFERENCE}
    assert any(r["student_b"] == S.REFERENCE_NAME and r["student_a"] == "paster" for r in rows)
    # a student id that is a formula: written as text
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    row = out / "nbgrader" / "rows" / LAB / "copy_src" / "row.json"
    row.write_text(row.read_text().replace('"student": "copy_src"', '"student": "=HYPERLINK(1)"'))
    S.write_similarity(load_lab(LAB, graded_class.course), out)
    cells = [c for r in csv.reader(open(out / "similarity.csv", encoding="utf-8")) for c in r]
    assert "'=HYPERLINK(1)" in cells
    assert not any(c[:1] in "=+-@" for c in cells if c)


@slow
def test_the_page_escapes_what_students_wrote(graded_class, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    for student in COPIES:
        path = out / "nbgrader" / "submitted" / student / LAB / f"{NOTEBOOK}.ipynb"
        nb = nbformat.read(path, as_version=4)
        cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == "gradient_check")
        cell.source += "\n    s = '</pre><script>alert(1)</script>'\n"
        nbformat.write(nb, path)
    report = S.write_similarity(load_lab(LAB, graded_class.course), out)
    page = (out / "similarity.html").read_text(encoding="utf-8")
    assert tuple(sorted(COPIES)) in found(report)
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


# --- bad input ------------------------------------------------------------------------------

def test_a_folder_without_a_grading_run(tmp_path):
    with pytest.raises(CourseError, match="holds no grading run: run grader autograde neural_networks"):
        S.write_similarity(load_lab(LAB, ROOT), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_run_of_another_lab(tmp_path):
    (tmp_path / "nbgrader" / "rows" / "tensorflow_music" / "someone").mkdir(parents=True)
    with pytest.raises(CourseError, match="grading run of tensorflow_music, not of neural_networks"):
        S.write_similarity(load_lab(LAB, ROOT), tmp_path)


def test_an_empty_class(tmp_path):
    rows = tmp_path / "nbgrader" / "rows" / LAB
    (rows / "broken").mkdir(parents=True)
    (rows / "broken" / "row.json").write_text('{"student": "broken", "key": "broken", "status": "invalid"}')
    report = S.write_similarity(load_lab(LAB, ROOT), tmp_path)
    assert report.findings == [] and report.students == 0
    assert "no hand-ins" in report.summary()
    assert "No hand-ins to compare" in (tmp_path / "similarity.html").read_text()
    assert (tmp_path / "similarity.csv").read_text().strip() == "rank,student_a,student_b,score,exercises,kind"

"""Points come only from correct values, and honest work earns full marks: every
notebook's corpus of trivially wrong answers (constant, zeros, the input returned, no
activation, the bias ignored, no update, ...) and of honest alternative solutions (loops,
float32 through TensorFlow, other valid formulas and initializers), graded by the real
grader (``tests/corpus/harness.py``)."""
from __future__ import annotations

import pkgutil

import pytest

import tests.corpus
from tests.corpus.harness import load, run

pytestmark = pytest.mark.slow

CORPORA = sorted(m.name for m in pkgutil.iter_modules(tests.corpus.__path__) if m.name != "harness")


def test_every_notebook_has_a_corpus_covering_every_exercise():
    from grader.course import list_labs, load_lab
    from tests.paths import ROOT

    covered = {(load(name).LAB, load(name).NOTEBOOK): load(name) for name in CORPORA}
    for lab_name in list_labs(ROOT):
        lab = load_lab(lab_name, ROOT)
        for notebook in lab.notebooks:
            corpus = covered.get((lab_name, notebook))
            assert corpus is not None, f"no corpus for {notebook}"
            for ex in lab.exercises_of(notebook):
                assert len(corpus.TRIVIAL.get(ex.name, [])) >= 3, f"{notebook}: {ex.name} has too few trivial answers"
                assert len(corpus.HONEST.get(ex.name, [])) >= 1, f"{notebook}: {ex.name} has no honest alternative"


@pytest.mark.parametrize("name", CORPORA)
def test_trivial_answers_earn_nothing_and_honest_ones_everything(name, tmp_path):
    failures, rows = run(name, workdir=tmp_path)
    assert not failures, "\n".join(map(str, failures))

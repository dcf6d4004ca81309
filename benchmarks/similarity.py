"""``grader similarity`` at class scale, and against copydetect on the same data.

    .venv/bin/python benchmarks/similarity.py                    # 1,000 students, copydetect on 100 and 200
    .venv/bin/python benchmarks/similarity.py --students 300 --copydetect 50

A synthetic class of the lab ``neural_networks`` (6 notebooks) is written in the layout
``grader autograde`` leaves in OUT (``nbgrader/rows/<lab>/<key>/row.json``,
``nbgrader/submitted/<key>/<lab>/<nb>.ipynb``, the release and the instructor notebooks):
each honest student takes, for every exercise, a random honest alternative from
``tests/corpus`` or the reference's own answer, with locals renamed at random and
comments of their own; some leave exercises as released. Planted among them: pairs who
copy a whole hand-in (renamed, recommented, literals respelled, a line added) and students
who paste the reference solution. Printed: seconds, pairs flagged, planted pairs found,
flags that were not planted; then copydetect (winnowing, all pairs) on the same class cut
down to a size it can do, one file per student (the answer cells, the stubs as
boilerplate), and the honest-corpus false-positive rate of both.
"""
from __future__ import annotations

import argparse
import importlib
import io
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import similarity as S  # noqa: E402
from grader.course import load_lab, nbgrader_meta  # noqa: E402
from tests.grader.test_similarity import CORPORA, copied_by_construction, honest_class  # noqa: E402

LAB = "neural_networks"


def rename(source: str, rng: random.Random) -> str:
    """Locals renamed (a random suffix), comments replaced, ``1.0`` written ``1.``."""
    from tests.class_fixture import rename_locals

    text = rename_locals(source, suffix=f"_{rng.choice(['a', 'tmp', 'my', 'x2', 'val'])}")
    return text if rng.random() < 0.5 else text.replace("# my own note on this line", "# see lecture")


OWN_LINES = ["{v} = {n}", "assert {v} is not None, '{w}'", "print('{w}', {n})", "{v} = len('{w}') * {n}",
             "if {n} > 1000:\n{i}    raise ValueError('{w}')"]
WORDS = ["check", "debug", "step", "shape", "ok", "here", "value", "todo"]


def own_line(source: str, rng: random.Random) -> str:
    """A line of the student's own somewhere in a function body: what makes two honest
    hand-ins differ even where they chose the same approach, and what a copier copies."""
    lines = source.split("\n")
    body = [i for i, line in enumerate(lines) if line.startswith("    ") and line.strip() and not line.strip().startswith(("'", '"'))]
    if not body:
        return source
    i = rng.choice(body)
    indent = re.match(r"\s*", lines[i]).group(0)
    line = rng.choice(OWN_LINES).format(v=f"t{rng.randint(0, 9)}", n=rng.randint(2, 9999), w=rng.choice(WORDS), i=indent)
    lines.insert(i, indent + line)
    return "\n".join(lines)


def honest(pool: list[str], rng: random.Random) -> str:
    text = rng.choice(pool)
    text = rename(text, rng) if rng.random() < 0.6 else text
    for _ in range(rng.choice([0, 1, 1, 2])):
        text = own_line(text, rng)
    return text


def written(rng: random.Random) -> str:
    """A written answer (a question graded by hand): a few sentences of the student's own."""
    words = ("the loss the model weights layers learning rate overfits training data validation "
             "a small large step because when more less error curve epochs").split()
    return " ".join(" ".join(rng.choice(words) for _ in range(rng.randint(8, 16))) + "." for _ in range(rng.randint(2, 4)))


def mutate(source: str, rng: random.Random) -> str:
    """What a copier does: rename, recomment, respell literals, and sometimes add a line."""
    text = rename(source, rng)
    return own_line(text, rng) if rng.random() < 0.3 else text


def variants() -> dict[str, list[str]]:
    """exercise -> honest alternatives of the lab (the corpora of its notebooks)."""
    out: dict[str, list[str]] = {}
    for name in CORPORA:
        corpus = importlib.import_module(f"tests.corpus.{name}")
        if corpus.LAB == LAB:
            out.update({ex: [src for _, src in alts] for ex, alts in corpus.HONEST.items()})
    return out


def write_class(out: Path, students: int, pairs: int, pasters: int, seed: int = 0) -> tuple[set, set]:
    """The OUT layout of a graded class; the planted (copy pairs, pasters)."""
    rng = random.Random(seed)
    lab = load_lab(LAB, ROOT)
    course = out / "nbgrader"
    for kind, folder in (("release", lab.release_dir), ("source", lab.source_dir)):
        shutil.copytree(folder, course / kind / LAB)
    released = {nb: nbformat.read(lab.release_dir / f"{nb}.ipynb", as_version=4) for nb in lab.notebooks}
    reference = {m["grade_id"]: c.source for nb in lab.notebooks
                 for c in nbformat.read(lab.source_dir / f"{nb}.ipynb", as_version=4).cells
                 if (m := nbgrader_meta(c)).get("solution")}
    alternatives = variants()
    questions = {q.name for q in lab.manual_questions}
    answers: dict[str, dict[str, str | None]] = {}
    keys = [f"student{i:04d}" for i in range(students)]
    for key in keys:
        own = {}
        for ex, ref in reference.items():
            # one in ten exercises left as released; the reference's own answer one in five
            # (honest students find it too), else one of the corpus' alternatives
            pool = [ref] if rng.random() < 0.2 or ex not in alternatives else alternatives[ex]
            own[ex] = None if rng.random() < 0.1 else written(rng) if ex in questions else honest(pool, rng)
        answers[key] = own
    planted_pairs, planted_pasters = set(), set()
    for i in range(pairs):
        src, dst = keys[2 * i], keys[2 * i + 1]
        answers[dst] = {ex: a if a is None or ex in questions else mutate(a, rng) for ex, a in answers[src].items()}
        planted_pairs.add((src, dst))
    for key in keys[2 * pairs:2 * pairs + pasters]:
        answers[key] = {ex: ref if ex in questions else rename(ref, rng) for ex, ref in reference.items()}
        planted_pasters.add(key)
    for key in keys:
        row = {"student": key, "key": key, "lab": LAB, "status": "graded"}
        (course / "rows" / LAB / key).mkdir(parents=True)
        (course / "rows" / LAB / key / "row.json").write_text(json.dumps(row))
        for nb_name, nb in released.items():
            copy = nbformat.from_dict(json.loads(json.dumps(nb)))
            for cell in copy.cells:
                answer = answers[key].get(nbgrader_meta(cell).get("grade_id"))
                if answer is not None:
                    cell.source = answer
            folder = course / "submitted" / key / LAB
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(copy, folder / f"{nb_name}.ipynb")
    return planted_pairs, planted_pasters


def ours(out: Path) -> tuple[float, S.SimilarityReport]:
    start = time.perf_counter()
    report = S.write_similarity(load_lab(LAB, ROOT), out)
    return time.perf_counter() - start, report


def tally(found: set, planted: set) -> str:
    return f"{len(found & planted)}/{len(planted)} planted found, {len(found - planted)} not planted"


def copydetect_run(out: Path, limit: int, threshold: float) -> tuple[float, set, set]:
    """copydetect on the first ``limit`` students: one .py file each (their answer cells),
    the stubs as boilerplate; a second run against the reference for the pasters. A pair
    is flagged when both similarities reach ``threshold``."""
    from copydetect import CopyDetector

    lab = load_lab(LAB, ROOT)
    handins, stubs, reference, _ = S.read_run(lab, out)
    handins = handins[:limit]
    work = Path(tempfile.mkdtemp(prefix="copydetect-"))
    for folder, texts in (("students", {h.key: h.answers for h in handins}), ("boilerplate", {"stub": stubs}),
                          ("reference", {"reference": reference})):
        (work / folder).mkdir()
        for name, cells in texts.items():
            (work / folder / f"{name}.py").write_text("\n\n".join(cells.get(ex, "") for ex in stubs), encoding="utf-8")
    start = time.perf_counter()
    pairs: set = set()
    detector = CopyDetector(test_dirs=[str(work / "students")], ref_dirs=[str(work / "students")],
                            boilerplate_dirs=[str(work / "boilerplate")], extensions=["py"], silent=True,
                            autoopen=False, out_file=str(work / "report.html"))
    detector.run()
    names = [Path(f).stem for f in detector.test_files]
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i < j and min(detector.similarity_matrix[i, j]) >= threshold:
                pairs.add(tuple(sorted((a, b))))
    against = CopyDetector(test_dirs=[str(work / "students")], ref_dirs=[str(work / "reference")],
                           boilerplate_dirs=[str(work / "boilerplate")], extensions=["py"], silent=True,
                           autoopen=False, out_file=str(work / "report.html"))
    against.run()
    pasters = {Path(f).stem for i, f in enumerate(against.test_files) if min(against.similarity_matrix[i, 0]) >= threshold}
    seconds = time.perf_counter() - start
    shutil.rmtree(work, ignore_errors=True)
    return seconds, pairs, pasters


def honest_rates(threshold: float) -> None:
    """The honest corpora (tests/grader/test_similarity.py): flagged distinct pairs, ours and copydetect's."""
    import numpy as np
    from copydetect import CodeFingerprint, compare_files

    compared = ours_flagged = theirs_flagged = 0
    for name in CORPORA:
        students, stubs, reference, alts = honest_class(name)
        flagged = {(f.student_a, f.student_b) for f in S.compare(students, stubs, reference)[0]}
        boiler = np.unique(np.array(list(CodeFingerprint("stub.py", 25, 1, fp=io.StringIO("\n\n".join(stubs.values()))).hashes)))

        def prints(cells):
            return CodeFingerprint("x.py", 25, 4, boiler, fp=io.StringIO("\n\n".join(cells[ex] for ex in stubs)))

        printed = {s.student: prints(s.answers) for s in students}
        ref_print = prints({**stubs, **reference})
        for i, a in enumerate(students):
            for b in [*students[i + 1:], None]:
                other = reference if b is None else b.answers
                if copied_by_construction(a.answers, other, list(alts), reference):
                    continue
                compared += 1
                b_name = S.REFERENCE_NAME if b is None else b.student
                ours_flagged += (a.student, b_name) in flagged or (b_name, a.student) in flagged
                _, sims, _ = compare_files(printed[a.student], ref_print if b is None else printed[b.student])
                theirs_flagged += min(sims) >= threshold
    print(f"honest corpora: {compared} distinct honest comparisons (pairs and student-reference); flagged: "
          f"ours {ours_flagged} ({ours_flagged / compared:.1%}), copydetect {theirs_flagged} "
          f"({theirs_flagged / compared:.1%}) at similarity >= {threshold:.0%} both ways")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--copydetect", type=int, nargs="*", default=[100, 200], help="class sizes for copydetect")
    parser.add_argument("--threshold", type=float, default=0.6, help="copydetect's similarity for a flag")
    args = parser.parse_args()
    honest_rates(args.threshold)
    work = Path(tempfile.mkdtemp(prefix="similarity-bench-"))
    try:
        out = work / "out"
        pairs, pasters = max(1, args.students // 50), max(1, args.students // 100)
        start = time.perf_counter()
        planted_pairs, planted_pasters = write_class(out, args.students, pairs, pasters)
        print(f"class: {args.students} students x 6 notebooks, {pairs} copied pairs and {pasters} pasters planted "
              f"(written in {time.perf_counter() - start:.0f} s)")
        seconds, report = ours(out)
        found = {tuple(sorted((f.student_a, f.student_b))) for f in report.pairs}
        print(f"ours:       {seconds:6.1f} s for {report.students} students; pairs: {tally(found, planted_pairs)}; "
              f"reference: {tally({f.student_a for f in report.reference_matches}, planted_pasters)}; "
              f"similarity.html {(out / 'similarity.html').stat().st_size / 1e6:.1f} MB")
        for size in args.copydetect:
            keys = sorted(p.parent.name for p in (out / "nbgrader" / "rows" / LAB).glob("*/row.json"))[:size]
            cut_pairs = {p for p in planted_pairs if set(p) <= set(keys)}
            cut_pasters = planted_pasters & set(keys)
            small = work / f"out-{size}"
            shutil.copytree(out / "nbgrader" / "release", small / "nbgrader" / "release")
            shutil.copytree(out / "nbgrader" / "source", small / "nbgrader" / "source")
            for key in keys:
                shutil.copytree(out / "nbgrader" / "rows" / LAB / key, small / "nbgrader" / "rows" / LAB / key)
                shutil.copytree(out / "nbgrader" / "submitted" / key, small / "nbgrader" / "submitted" / key)
            ours_s, small_report = ours(small)
            small_found = {tuple(sorted((f.student_a, f.student_b))) for f in small_report.pairs}
            theirs_s, their_pairs, their_pasters = copydetect_run(small, size, args.threshold)
            print(f"{size:5d} students: ours {ours_s:5.1f} s (pairs {tally(small_found, cut_pairs)}; reference "
                  f"{tally({f.student_a for f in small_report.reference_matches}, cut_pasters)}) | copydetect "
                  f"{theirs_s:5.1f} s (pairs {tally(their_pairs, cut_pairs)}; reference {tally(their_pasters, cut_pasters)})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

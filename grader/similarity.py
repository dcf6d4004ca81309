"""Hand-ins that are near-identical: pairs of students, and students who pasted the
reference solution (``grader similarity LAB OUT``).

Each answer cell (nbgrader ``solution: true``) is turned into tokens that survive the
usual disguises: comments, docstrings and whitespace are dropped, every name the cell
binds (variables, parameters, helpers) becomes ``V``, numbers and strings are written in
one canonical form (``1.`` and ``1.0`` are the same token). Lines the released stub gives
everyone (``def relu(z):``, ``raise NotImplementedError()``) are dropped. Overlapping
k-grams of the tokens are hashed and *winnowed* (Schleimer, Wilkerson and Aiken, 2003:
the minimum hash of every window is kept, so any shared run of ``K + WINDOW - 1`` tokens
is certain to share a fingerprint). A fingerprint belongs to its exercise: the same
code in two different cells is no evidence.

What is no evidence of copying is then removed, MOSS-style: the stub's and the reference
solution's fingerprints (code everyone has seen), and fingerprints held by more than
:data:`COMMON_SHARE` of the class (an idiom). An answer too short to hold one k-gram
(``return np.maximum(0, z)``) has no fingerprint at all, and a short one only a few, so
it weighs little. A pair's score is the Dice coefficient of the two students' remaining
fingerprints over the whole lab, ``2·shared / (a + b)``; a pair is flagged when the score
reaches :data:`FLAG` *and* the exercises that match (each alike from
:data:`EXERCISE_MATCH` on) hold at least :data:`COVER` of the two's material. So one
identical cell, or a few that happen to be alike, never make a flag; a copied notebook
does. The thresholds are set on the honest alternatives of ``tests/corpus`` (see
``tests/grader/test_similarity.py``): no honest pair there reaches them.

Candidate pairs come from an inverted index (fingerprint -> students), never from a loop
over all pairs: only students who share a rare fingerprint are ever compared. Against the
reference solution each student is compared alone, with the stub as the only baseline and
no frequency filter (a solution leaked to many students must still be found).
"""
from __future__ import annotations

import ast
import builtins
import hashlib
import json
import keyword
import math
import re
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from .course import CourseError, Lab, graded_labs, nbgrader_meta

K = 8  # tokens per k-gram (words, for a written answer)
WINDOW = 4  # winnowing window: a shared run of K + WINDOW - 1 = 11 tokens always counts
COMMON_SHARE = 0.05  # a fingerprint held by more than this share of the class is an idiom ...
COMMON_MIN = 5  # ... and by more than this many students (small classes)
FLAG = 0.6  # a pair's Dice coefficient over the lab from which it is reported
MIN_SHARED = 10  # and the fewest shared fingerprints (about 40 tokens of code) that make evidence
COVER = 0.5  # and the share of their material in exercises that match: most of the lab, not one cell
EXERCISE_MATCH = 0.75  # an exercise "matches" from this Dice coefficient on
NEAR_MISSES = 10  # the closest pairs below the threshold, shown folded in the page

PAIR, REFERENCE = "similar hand-ins", "matches the reference solution"
REFERENCE_NAME = "reference solution"
KEEP_NAMES = frozenset(dir(builtins)) | frozenset(keyword.kwlist) | frozenset(getattr(keyword, "softkwlist", []))
_TOKEN = re.compile(r"""
  (?P<comment>\#[^\r\n]*)
| (?P<string>(?:[rRbBuUfF]{1,2})?(?:\'\'\'(?:\\.|[^\\])*?\'\'\'|\"\"\"(?:\\.|[^\\])*?\"\"\"
      |'(?:\\.|[^\\'\n])*'|"(?:\\.|[^\\"\n])*"))
| (?P<number>(?:0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)[jJ]?)
| (?P<name>[^\W\d]\w*)
| (?P<cont>\\\r?\n)
| (?P<newline>\r?\n)
| (?P<op>\*\*=|//=|>>=|<<=|->|:=|==|!=|<=|>=|\*\*|//|<<|>>|[-+*/%&|^@]=|[^\s\w])
""", re.VERBOSE)
_WORDS = re.compile(r"\w+")


@dataclass
class Handin:
    """One student's answers: exercise (grade_id) -> cell source."""

    student: str
    key: str
    answers: dict[str, str]


@dataclass
class Cells:
    """One exercise of a finding, its two cells side by side."""

    exercise: str
    left: str
    right: str
    score: float  # the exercise's own Dice coefficient


@dataclass
class Finding:
    kind: str  # PAIR or REFERENCE
    student_a: str
    student_b: str  # REFERENCE_NAME for a match with the reference solution
    score: float  # Dice coefficient of the fingerprints over the lab, 0..1
    shared: int  # fingerprints in common
    exercises: list[str]  # the exercises that match, best first
    cells: list[Cells] = field(default_factory=list)
    flagged: bool = True
    cover: float = 0.0  # the share of the material in the matching exercises
    rank: int = 0


@dataclass
class SimilarityReport:
    lab: str
    out: Path
    students: int  # hand-ins compared
    findings: list[Finding]  # flagged, ranked
    near_misses: list[Finding] = field(default_factory=list)  # the closest pairs not flagged

    @property
    def pairs(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == PAIR]

    @property
    def reference_matches(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == REFERENCE]

    def summary(self) -> str:
        where = f"see {self.out / 'similarity.html'}"
        if not self.students:
            return f"no hand-ins of {self.lab} to compare; {where}"
        pairs, pasted = len(self.pairs), len(self.reference_matches)
        return (f"{pairs} pair{'s' * (pairs != 1)} of similar hand-ins, {pasted} student{'s' * (pasted != 1)} "
                f"{'match' if pasted != 1 else 'matches'} the reference solution "
                f"({self.students} hand-ins compared); {where}")


# --- tokens ------------------------------------------------------------------------------

def _literal(text: str) -> str:
    """A number or string as one canonical token: ``1.`` and ``1.0``, ``'a'`` and ``"a"``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a student's invalid escape sequence
            return repr(ast.literal_eval(text))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text


def _tokens(source: str) -> list[tuple[str, str]]:
    """(kind, text) of every token, comments and blank lines left out, each logical line
    ended by a ``newline``. A regular expression, not :mod:`tokenize`: several times faster,
    and code that does not parse (a half-done answer) is tokenized all the same."""
    out: list[tuple[str, str]] = []
    depth = 0
    for match in _TOKEN.finditer(source):
        kind, text = match.lastgroup, match.group()
        if kind in ("comment", "cont"):
            continue
        if kind == "newline":
            if depth == 0 and out and out[-1][0] != "newline":
                out.append(("newline", "\n"))
            continue
        if kind == "op":
            depth = max(0, depth + (text in "([{") - (text in ")]}"))
        out.append((kind, text))
    if out and out[-1][0] != "newline":
        out.append(("newline", "\n"))
    return out


def _bound(tokens: list[tuple[str, str]]) -> set[str]:
    """The names a cell binds (what a copier renames): functions and classes it defines,
    their parameters, assignment, ``for``, ``as`` and ``import`` targets, ``lambda``
    arguments, walrus targets. From the tokens alone, so that broken code works too."""
    bound: set[str] = set()
    line_start = 0
    for i, (kind, text) in enumerate(tokens):
        if kind == "newline":
            line = tokens[line_start:i]
            line_start = i + 1
            depth, head, params, collecting = 0, line[0][1] if line else "", False, None
            targets: list[str] = []
            for j, (k, t) in enumerate(line):
                prev = line[j - 1][1] if j else ""
                nxt = line[j + 1][1] if j + 1 < len(line) else ""
                if k == "op":
                    if t in "([{":
                        depth += 1
                        params = params or (head == "def" and depth == 1)
                    elif t in ")]}":
                        depth = max(0, depth - 1)
                    elif t in ("=", "+=", "-=", "*=", "/=", "//=", "%=", "**=", "@=", "&=", "|=", "^=", ">>=", "<<=") \
                            and depth == 0:
                        bound.update(targets)
                        targets = []
                    elif t == ":" and depth == 0:
                        targets = [] if head not in ("for",) else targets
                    continue
                if k != "name" or prev == ".":
                    continue
                if prev in ("def", "class", "as") or nxt == ":=":  # (import a as b: b only)
                    bound.add(t)
                elif t == "for":
                    collecting = "for"
                elif t == "in" and collecting == "for":
                    collecting = None
                elif collecting == "for" or (head in ("import", "from") and prev in ("import", ",") and nxt != "as"
                                             and "import" in [x for _, x in line[:j]]):
                    bound.add(t)
                elif t == "lambda":
                    collecting = "lambda"
                elif collecting == "lambda":
                    if nxt in (",", ":", "=") and prev in ("lambda", ",", "*", "**"):
                        bound.add(t)
                    collecting = None if nxt == ":" else collecting
                elif params and depth == 1 and prev in ("(", ",", "*", "**"):
                    bound.add(t)
                elif depth == 0 and nxt not in (".", "[", "(") and t not in KEEP_NAMES:
                    targets.append(t)
    return bound


def code_lines(source: str) -> list[tuple[str, list[str]]]:
    """The cell's logical lines: (the line as written, without comments or spacing; its
    normalised tokens). Docstrings and other lone strings are dropped."""
    tokens = _tokens(source)
    bound = _bound(tokens)
    lines: list[tuple[str, list[str]]] = []
    exact: list[str] = []
    norm: list[str] = []
    only_strings = True
    depth = 0
    for i, (kind, text) in enumerate(tokens):
        if kind == "newline":
            if norm and not only_strings:
                lines.append((" ".join(exact), norm))
            exact, norm, only_strings = [], [], True
            continue
        if kind == "name":
            previous = tokens[i - 1][1] if i else ""
            following = tokens[i + 1][1] if i + 1 < len(tokens) else ""
            keyword_argument = depth > 0 and following == "=" and previous in ("(", ",")
            token = "V" if text in bound and previous != "." and not keyword_argument else text
        elif kind in ("number", "string"):
            token = _literal(text)
        else:
            token = text
            depth = max(0, depth + (text in "([{") - (text in ")]}"))
        exact.append(text)
        norm.append(token)
        only_strings = only_strings and kind == "string"
    return lines


def text_lines(source: str) -> list[tuple[str, list[str]]]:
    """A written (markdown) answer: its lines as lower-case words."""
    lines = []
    for line in source.splitlines():
        words = _WORDS.findall(line.lower())
        if words:
            lines.append((" ".join(words), words))
    return lines


@lru_cache(maxsize=1 << 16)
def _token_id(token: str) -> int:
    """A token's number, the same in every process (``hash(str)`` is salted per process;
    a tuple of ints hashes the same everywhere): the same run gives the same report."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def fingerprints(tokens: list[str]) -> set[int]:
    """Winnowed hashes of the token k-grams (none for fewer than K tokens)."""
    ids = [_token_id(t) for t in tokens]
    hashes = [hash(tuple(ids[i:i + K])) for i in range(len(ids) - K + 1)]
    if len(hashes) <= WINDOW:
        return {min(hashes)} if hashes else set()
    return {min(hashes[i:i + WINDOW]) for i in range(len(hashes) - WINDOW + 1)}


class Baseline:
    """What every student was given or has seen, per exercise: the stub's lines (dropped
    from every cell before fingerprinting) and the reference solution's fingerprints."""

    def __init__(self, stubs: dict[str, str], reference: dict[str, str], markdown: set[str] = frozenset()):
        self.markdown = set(markdown)
        self.stub_lines = {ex: {exact for exact, _ in self._lines(ex, src)} for ex, src in stubs.items()}
        self.reference = {ex: self.cell(ex, src) for ex, src in reference.items()}

    def _lines(self, exercise: str, source: str) -> list[tuple[str, list[str]]]:
        return text_lines(source) if exercise in self.markdown else code_lines(source)

    def cell(self, exercise: str, source: str) -> set[int]:
        """The cell's fingerprints, the lines of the stub left out."""
        given = self.stub_lines.get(exercise, set())
        return fingerprints([t for exact, norm in self._lines(exercise, source) if exact not in given
                             for t in (*norm, "⏎")])


# --- comparison ----------------------------------------------------------------------------

def _dice(shared: int, a: int, b: int) -> float:
    return 2 * shared / (a + b) if a + b else 0.0


@dataclass
class Evidence:
    """How much two hand-ins (or a hand-in and the reference) have in common."""

    shared: int  # fingerprints in common, over the lab
    score: float  # their Dice coefficient over the lab
    cover: float  # the share of the two's material (fingerprints) in the exercises that match
    per_exercise: dict[str, float]  # each exercise's own Dice coefficient

    @property
    def flagged(self) -> bool:
        return self.shared >= MIN_SHARED and self.score >= FLAG and self.cover >= COVER


def evidence(shared_in: dict[str, int], size_a: dict[str, int], size_b: dict[str, int],
             order: list[str]) -> Evidence:
    """From the fingerprints shared in each exercise and each side's count in each. An
    exercise weighs as much as the larger side's material in it: what one of them wrote
    and the other did not counts against a match. Exercises are listed in ``order``."""
    per = {ex: _dice(shared_in.get(ex, 0), size_a.get(ex, 0), size_b.get(ex, 0)) for ex in order
           if ex in size_a or ex in size_b}
    weight = {ex: max(size_a.get(ex, 0), size_b.get(ex, 0)) for ex in per}
    matched = sum(weight[ex] for ex, d in per.items() if d >= EXERCISE_MATCH)
    shared = sum(shared_in.values())
    return Evidence(shared, _dice(shared, sum(size_a.values()), sum(size_b.values())),
                    matched / (sum(weight.values()) or 1), {ex: d for ex, d in per.items() if d > 0})


def score_pairs(handins: list[Handin], stubs: dict[str, str], reference: dict[str, str],
                markdown: set[str] = frozenset()) -> list[Finding]:
    """Every candidate finding (flagged or not): each pair of students who share a rare
    fingerprint, and each student who shares any with the reference solution."""
    base = Baseline(stubs, reference, markdown)
    exercises = list(stubs)
    # prints[s][e]: student s's fingerprints in exercise e (the stub's lines left out)
    prints = [{ex: base.cell(ex, src) for ex, src in h.answers.items() if ex in stubs} for h in handins]
    holders: dict[tuple[str, int], list[int]] = defaultdict(list)  # the inverted index
    for s, cells in enumerate(prints):
        for ex, fps in cells.items():
            for fp in fps - base.reference.get(ex, set()):
                holders[(ex, fp)].append(s)
    limit = max(COMMON_MIN, math.ceil(COMMON_SHARE * len(handins)))
    # sizes[s][e]: how many of s's fingerprints in e can be evidence against another student
    sizes = [Counter() for _ in handins]
    for (ex, _), who in holders.items():
        if len(who) <= limit:
            for s in who:
                sizes[s][ex] += 1
    shared: Counter[tuple[int, int]] = Counter()
    shared_in: Counter[tuple[int, int, str]] = Counter()
    for (ex, _), who in holders.items():
        if 2 <= len(who) <= limit:  # only students who share a rare fingerprint are ever paired
            for a, b in combinations(who, 2):
                shared[(a, b)] += 1
                shared_in[(a, b, ex)] += 1
    findings = []
    for (a, b), n in shared.items():
        if n < MIN_SHARED:
            continue
        ev = evidence({ex: shared_in[(a, b, ex)] for ex in exercises}, sizes[a], sizes[b], exercises)
        findings.append(_finding(PAIR, handins[a], handins[b].student, handins[b].answers, ev))
    ref_sizes = {ex: len(fps) for ex, fps in base.reference.items()}
    for s, cells in enumerate(prints):
        mine = {ex: len(fps) for ex, fps in cells.items() if fps}
        common_ref = {ex: len(fps & base.reference.get(ex, set())) for ex, fps in cells.items()}
        if sum(common_ref.values()) >= MIN_SHARED:
            # the reference weighs only in the exercises the student answered: a paster who
            # left half the lab untouched still pasted
            ev = evidence(common_ref, mine, {ex: n for ex, n in ref_sizes.items() if ex in mine}, exercises)
            findings.append(_finding(REFERENCE, handins[s], REFERENCE_NAME, reference, ev))
    return findings


def compare(handins: list[Handin], stubs: dict[str, str], reference: dict[str, str],
            markdown: set[str] = frozenset()) -> tuple[list[Finding], list[Finding]]:
    """The flagged findings, ranked, and the closest pairs that were not flagged."""
    findings = sorted(score_pairs(handins, stubs, reference, markdown),
                      key=lambda f: (-f.score, -f.shared, f.student_a, f.student_b))
    flagged = [f for f in findings if f.flagged]
    for rank, finding in enumerate(flagged, 1):
        finding.rank = rank
    return flagged, [f for f in findings if not f.flagged and f.kind == PAIR][:NEAR_MISSES]


def _finding(kind: str, a: Handin, b_name: str, b_answers: dict[str, str], ev: Evidence) -> Finding:
    per = ev.per_exercise
    matching = sorted((ex for ex, d in per.items() if d >= EXERCISE_MATCH), key=lambda ex: -per[ex])
    shown = matching or sorted(per, key=lambda ex: -per[ex])[:1]
    cells = [Cells(ex, a.answers.get(ex, ""), b_answers.get(ex, ""), per[ex]) for ex in shown]
    return Finding(kind, a.student, b_name, round(ev.score, 3), ev.shared, matching, cells,
                   flagged=ev.flagged, cover=round(ev.cover, 3))


# --- reading a grading run -----------------------------------------------------------------

def _answer_cells(path: Path) -> dict[str, tuple[str, str]]:
    """grade_id -> (cell type, source) of a notebook's answer cells. Read as plain JSON:
    the run wrote these notebooks itself, and validating thousands would take longer
    than comparing them."""
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    out = {}
    for cell in cells if isinstance(cells, list) else []:
        meta = nbgrader_meta(cell) if isinstance(cell, dict) else {}
        if meta.get("solution") and meta.get("grade_id"):
            source = cell.get("source", "")
            out[str(meta["grade_id"])] = (cell.get("cell_type", "code"), "".join(source) if isinstance(source, list) else str(source))
    return out


def _baseline_cells(lab: Lab, course: Path) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """Per exercise: the stubs (nbgrader's release of the run, and the course's own student
    notebooks, what students open: their stubs may be worded differently), the reference
    answer (the run's instructor notebook, else the course's) and which are written answers."""
    stubs: dict[str, list[str]] = defaultdict(list)
    reference: dict[str, str] = {}
    markdown: set[str] = set()
    for notebook in lab.notebooks:
        for path in (course / "release" / lab.name / f"{notebook}.ipynb", lab.release_dir / f"{notebook}.ipynb"):
            if path.is_file():
                for grade_id, (kind, source) in _answer_cells(path).items():
                    stubs[grade_id].append(source)
                    if kind == "markdown":
                        markdown.add(grade_id)
        for path in (course / "source" / lab.name / f"{notebook}.ipynb", lab.source_dir / f"{notebook}.ipynb"):
            if path.is_file():
                reference.update({grade_id: source for grade_id, (_, source) in _answer_cells(path).items()})
                break
    return {g: "\n\n\n".join(dict.fromkeys(v)) for g, v in stubs.items()}, reference, markdown


def read_run(lab: Lab, out: Path) -> tuple[list[Handin], dict[str, str], dict[str, str], set[str]]:
    """The hand-ins of ``lab`` graded into ``out``, the stubs, the reference answers and the
    names of the written (markdown) answers."""
    course = out / "nbgrader"
    rows = course / "rows"
    held = graded_labs(out)
    if not held:
        raise CourseError(f"{out} holds no grading run: run grader autograde {lab.name} SOURCE --out {out} first.")
    if lab.name not in held:
        raise CourseError(f"{out} holds a grading run of {', '.join(held)}, not of {lab.name}: "
                          f"run grader similarity {' or '.join(held)} {out}, or grade {lab.name} first.")
    stubs, reference, markdown = _baseline_cells(lab, course)
    handins = []
    for row_file in sorted((rows / lab.name).glob("*/row.json")):
        row = json.loads(row_file.read_text(encoding="utf-8"))
        key = row.get("key") or row_file.parent.name
        if row.get("status") == "invalid" or key == "_reference":
            continue
        answers: dict[str, str] = {}
        for notebook in lab.notebooks:
            path = course / "submitted" / key / lab.name / f"{notebook}.ipynb"
            if path.is_file():
                try:
                    answers.update({g: s for g, (_, s) in _answer_cells(path).items() if g in stubs})
                except (OSError, ValueError, KeyError):  # kept by the run, but unreadable: nothing to compare
                    continue
        if answers:
            handins.append(Handin(row.get("student") or key, key, answers))
    return handins, stubs, reference, markdown


def write_similarity(lab: Lab, out: Path) -> SimilarityReport:
    """Compare the hand-ins graded into ``out``; write ``similarity.html`` and ``similarity.csv``."""
    from .similarity_html import write_csv, write_html

    out = Path(out)
    handins, stubs, reference, markdown = read_run(lab, out)
    findings, near = compare(handins, stubs, reference, markdown) if handins else ([], [])
    report = SimilarityReport(lab.name, out, len(handins), findings, near)
    write_html(report, out / "similarity.html")
    write_csv(report, out / "similarity.csv")
    return report

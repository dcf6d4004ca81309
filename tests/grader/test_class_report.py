"""The class report (``grader.class_report``) of a real graded class (the ``graded_class``
fixture: 10 students, ``tests/class_fixture.py``), of a 1,000-student copy of it, and of
bad or hostile output folders. Every expected number is computed here from ``grades.json``
or from what the fixture's students are, never taken from the report module."""
from __future__ import annotations

import json
import random
import re
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest

from grader.class_report import write_report
from grader.course import CourseError, load_lab
from tests.class_fixture import LAB, NOTEBOOK

HOSTILE = "<img src=x onerror=alert(1)>"
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


# --- reading the page back -------------------------------------------------------------------


@dataclass
class Table:
    id: str
    folded: bool  # inside a <details>
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Listing:
    attrs: dict
    folded: bool
    items: list[str] = field(default_factory=list)


class Structure(HTMLParser):
    """The tables, lists, links and images of a page, and whether each is folded."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.details = 0
        self.tables: list[Table] = []
        self.lists: list[Listing] = []
        self.links: list[str] = []
        self.images: list[str] = []
        self.words: list[str] = []
        self._tables: list[Table] = []
        self._lists: list[Listing] = []
        self.feed(text)
        self.text = re.sub(r"\s+", " ", " ".join(self.words))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details":
            self.details += 1
        elif tag == "table":
            self._tables.append(Table(attrs.get("id", ""), self.details > 0))
            self.tables.append(self._tables[-1])
        elif tag == "tr" and self._tables:
            self._tables[-1].rows.append([])
        elif tag in ("td", "th") and self._tables and self._tables[-1].rows:
            self._tables[-1].rows[-1].append("")
        elif tag in ("ul", "ol"):
            self._lists.append(Listing(attrs, self.details > 0))
            self.lists.append(self._lists[-1])
        elif tag == "li" and self._lists:
            self._lists[-1].items.append("")
        elif tag == "a":
            self.links.append(attrs.get("href", ""))
        elif tag == "img":
            self.images.append(attrs.get("src", ""))

    def handle_endtag(self, tag):
        if tag == "details":
            self.details -= 1
        elif tag == "table" and self._tables:
            self._tables.pop()
        elif tag in ("ul", "ol") and self._lists:
            self._lists.pop()

    def handle_data(self, data):
        self.words.append(data)
        if self._tables and self._tables[-1].rows and self._tables[-1].rows[-1]:
            self._tables[-1].rows[-1][-1] += data
        if self._lists and self._lists[-1].items:
            self._lists[-1].items[-1] += data

    def table(self, table_id: str) -> dict[str, list[str]]:
        """A table by id, as first cell -> the row's cells."""
        found = next(t for t in self.tables if t.id == table_id)
        return {row[0].strip(): [c.strip() for c in row] for row in found.rows[1:]}


def page_of(out: Path, root: Path | None) -> tuple[str, Structure]:
    text = write_report(out, root).read_text(encoding="utf-8")
    return text, Structure(text)


def pct(share: float) -> str:
    return f"{100 * share:.0f} %"


@pytest.fixture(scope="module")
def report(graded_class, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "out"
    shutil.copytree(graded_class.out, out)
    text, page = page_of(out, graded_class.course)
    return out, json.loads((out / "grades.json").read_text()), text, page


# --- the fixture's class ---------------------------------------------------------------------


@pytest.mark.slow
def test_the_counts_of_the_class(report, graded_class):
    out, rows, text, page = report
    assert CSP in text
    assert "10 students" in page.text
    statuses = page.table(f"statuses-{LAB}")
    counted = {name.split(" (")[0]: cells[1] for name, cells in statuses.items()}
    assert counted["invalid"] == "1" and counted["timed out"] == "1" and counted["graded"] == "8"
    assert "broken" in statuses["invalid (nothing gradable handed in)"][2]
    assert "hang" in statuses["timed out (a cell ran too long)"][2]
    mean = sum(r["score"] for r in rows) / len(rows)
    assert f"Mean {mean:.1f} / 16 points" in page.text


@pytest.mark.slow
def test_per_exercise_shares_computed_from_the_grades(report, graded_class):
    out, rows, _, page = report
    lab = load_lab(LAB, graded_class.course)
    table = page.table(f"exercises-{LAB}")
    assert list(table) == [ex.name for ex in lab.exercises]
    for ex in lab.exercises:
        full = sum(r["exercises"][ex.name] == ex.points for r in rows) / len(rows)
        mean = sum(r["exercises"][ex.name] / ex.points for r in rows) / len(rows)
        # the fixture's students who did not attempt it: ``untouched``, ``broken`` (nothing
        # gradable) and ``hang`` everywhere but relu, whose answer loops (an attempt)
        not_attempted = (3 if ex.name != "relu" else 2) / len(rows)
        assert table[ex.name][3:6] == [pct(mean), pct(full), pct(not_attempted)], ex.name


@pytest.mark.slow
def test_intake_problem_and_feedback_links(report):
    out, rows, _, page = report
    intake = page.text.split("Intake problems", 1)[1]
    assert "1 file of 10 not used" in intake and "not a notebook" in intake and "broken" in intake
    feedback = [link for link in page.links if link.startswith("feedback/")]
    assert {"feedback/broken.html", "feedback/hang.html"} <= set(feedback)
    for link in page.links:
        assert (out / unquote(link)).is_file(), link


@pytest.mark.slow
def test_the_top_failing_check_is_the_one_most_students_failed(report, graded_class):
    _, rows, text, page = report
    lab = load_lab(LAB, graded_class.course)
    for ex in lab.exercises:
        failed = Counter()
        for row in rows:
            checks = row["cells"].get("checks", {}).get(ex.notebook, {}) if row["cells"] else {}
            failed.update({v["name"] for cell in ex.test_cells for v in checks.get(cell, [])
                           if not v["passed"] and v["reason"] != "not attempted"})
        listing = next(lst for lst in page.lists if lst.attrs.get("data-exercise") == ex.name)
        most = max(failed.values())
        count, name = re.match(r"(\d+) students?: (.*) — ", listing.items[0]).groups()
        assert int(count) == most and failed[name] == most, (ex.name, listing.items[0], failed)
    # relu: four students failed each check, three with wrong values (``wrong`` and the two
    # copies) and one (``hang``, whose answer loops) with no answer; its reasons are counted
    relu = next(lst for lst in page.lists if lst.attrs.get("data-exercise") == "relu")
    assert relu.items[0].startswith("4 students: ")
    assert relu.items[0].endswith("— the values differ from the expected ones (3); "
                                  "no answer (the check did not complete) (1)")


# --- at scale ----------------------------------------------------------------------------------


def scaled_class(out: Path, n: int, seed: int = 14) -> None:
    """Turn a copy of the fixture's output into an ``n``-student run: each student is a copy
    of one of the 10 real rows (new id and key, its feedback page copied), with its grading
    time scaled by 0.5-3x and, for half of them, one exercise they had right made wrong
    (its points 0, its checks failed with the grader's words). A scaled copy of real output,
    not a real run of ``n`` students."""
    rng = random.Random(seed)
    base = json.loads((out / "grades.json").read_text())
    rows = []
    for i in range(n):
        row = json.loads(json.dumps(base[i % len(base)]))
        feedback = out / "feedback" / f"{row['key']}.html"
        row["student"] = row["key"] = f"{row['key']}_{i:04d}"
        shutil.copy(feedback, out / "feedback" / f"{row['key']}.html")
        row["seconds"] = round(row["seconds"] * rng.uniform(0.5, 3.0), 3)
        right = [name for name, points in row["exercises"].items() if points > 0]
        if right and rng.random() < 0.5:
            name = rng.choice(right)
            row["score"] -= row["exercises"][name]
            row["exercises"][name] = 0.0
            cell = f"test_{name}"
            row["cells"]["scores"][cell]["score"] = 0.0
            for verdict in row["cells"]["checks"][NOTEBOOK][cell]:
                verdict.update(passed=False, reason="the values differ from the expected ones")
        rows.append(row)
    (out / "grades.json").write_text(json.dumps(rows))


@pytest.mark.slow
def test_a_thousand_students_keep_the_first_screen_short(graded_class, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    scaled_class(out, 1000)
    start = time.perf_counter()
    text, page = page_of(out, graded_class.course)
    seconds, size = time.perf_counter() - start, len(text.encode())
    print(f"1,000 students: report in {seconds:.1f} s, {size / 1024:.0f} KiB")
    assert size < 2_000_000 and seconds < 20
    assert "1000 students" in page.text
    statuses = page.table(f"statuses-{LAB}")
    assert statuses["invalid (nothing gradable handed in)"][1] == "100"
    assert statuses["timed out (a cell ran too long)"][1] == "100"
    for table in page.tables:
        assert table.folded or len(table.rows) <= 16, (table.id, len(table.rows))
    for listing in page.lists:
        assert listing.folded or len(listing.items) <= 15, (listing.attrs, len(listing.items))
    assert len(page.images) == 3


# --- bad and hostile input -------------------------------------------------------------------


def test_a_folder_without_a_run(tmp_path):
    with pytest.raises(CourseError, match="holds no grading run"):
        write_report(tmp_path)
    assert not (tmp_path / "report.html").exists()


@pytest.mark.parametrize("content, why", [("{ not json", "cannot be read: Expecting"),
                                          ('{"student": "x"}', "not a list of grading rows"),
                                          ('[{"student": "x"}]', "row 1 is not a grading row")])
def test_an_unreadable_run_loses_nothing(tmp_path, content, why):
    (tmp_path / "grades.json").write_text(content)
    (tmp_path / "report.html").write_text("the last report")
    with pytest.raises(CourseError, match=why):
        write_report(tmp_path)
    assert (tmp_path / "report.html").read_text() == "the last report"


def test_an_empty_class(tmp_path):
    (tmp_path / "grades.json").write_text("[]")
    text, page = page_of(tmp_path, None)
    assert "No student has been graded in this folder yet" in page.text
    assert not page.images and CSP in text


@pytest.mark.slow
def test_a_hostile_student_id_is_escaped(graded_class, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    rows = json.loads((out / "grades.json").read_text())
    for row in rows:
        if row["student"] in ("hang", "wrong"):  # one linked (its page exists), one not
            row["key"] = row["key"] if row["student"] == "hang" else HOSTILE
            row["student"] = HOSTILE
    (out / "grades.json").write_text(json.dumps(rows))
    with open(out / "intake.csv", "a", encoding="utf-8") as fh:
        fh.write(f'"{HOSTILE}.ipynb","{HOSTILE}",,invalid,"not a notebook: x"\n')
    text, page = page_of(out, graded_class.course)
    assert HOSTILE not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert HOSTILE in page.text  # shown, as text
    assert not any("<script" in t or "onerror" in t for t in re.findall(r"<[^>]+>", text))


@pytest.mark.slow
def test_without_the_lab_definition_the_rows_tell(graded_class, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    lab = load_lab(LAB, graded_class.course)
    _, page = page_of(out, tmp_path / "no-course-here")
    assert "The lab's definition could not be used" in page.text
    table = page.table(f"exercises-{LAB}")
    assert {name: float(cells[2]) for name, cells in table.items()} == {ex.name: ex.points for ex in lab.exercises}


@pytest.mark.slow
def test_changes_since_the_last_grading(graded_class, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    _, page = page_of(out, graded_class.course)
    assert "Changes since the last grading" not in page.text
    (out / "changes.csv").write_text(
        "student,lab,exercise,old_points,new_points,checks_changed\n"
        f"hang,{LAB},relu,2,0,test_relu: relu on a random 5x5 matrix: passed -> failed\n"
        f"hang,{LAB},tanh,0,2,\n")
    _, page = page_of(out, graded_class.course)
    section = page.text.split("Changes since the last grading", 1)[1]
    assert "2 exercises changed for 1 student: points up on 1, down on 1" in section
    changes = next(t for t in page.tables if "checks changed" in t.rows[0])
    assert changes.folded and len(changes.rows) == 3


@pytest.mark.slow
def test_several_labs_one_section_each(graded_class, tmp_path):
    """Two labs in one folder: the fixture's rows, and the same rows as a lab the course
    does not have (its section says so and reads the exercises from the rows)."""
    out = tmp_path / "out"
    shutil.copytree(graded_class.out, out)
    rows = json.loads((out / "grades.json").read_text())
    other = [{**row, "lab": "retired_lab", "score": 0.0, "exercises": dict.fromkeys(row["exercises"], 0.0)}
             for row in rows]
    (out / "grades.json").write_text(json.dumps(rows + other))
    _, page = page_of(out, graded_class.course)
    labs = page.table("labs")
    assert labs[LAB][1] == "10" and labs["retired_lab"][1:3] == ["10", "0 %"]
    assert f"#lab-{LAB}" in page.links and "#lab-retired_lab" in page.links
    retired = page.text.split("Lab retired_lab", 1)[1]
    assert "The lab's definition could not be used (no lab 'retired_lab'" in retired
    assert page.table(f"statuses-{LAB}")["invalid (nothing gradable handed in)"][1] == "1"
    assert page.table("statuses-retired_lab")["invalid (nothing gradable handed in)"][1] == "1"
    assert len(page.images) == 6

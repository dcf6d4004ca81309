"""grader.intake: folders and zips of submissions turned into checked per-student
notebooks, on real notebooks of the lab ``neural_networks`` (no kernels, no nbgrader)."""
from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.course import list_labs, load_lab
from grader.examples import filled_notebook
from grader.intake import (
    DUPLICATE, INVALID, NOT_JSON, Intake, IntakeError, collect, parse_file_name, read_notebook, safe_key, student_id,
)
from tests.paths import ROOT

LAB = load_lab("neural_networks", ROOT)
NB = LAB.notebooks[0]  # 01_perceptron_and_activations


def solved() -> nbformat.NotebookNode:
    return filled_notebook(LAB, NB)


def untouched() -> nbformat.NotebookNode:
    return filled_notebook(LAB, NB, set())


def write(nb: nbformat.NotebookNode, path: Path, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def students(intake: Intake) -> dict:
    return {s.student: s for s in intake.students}


def rejected(intake: Intake) -> dict:
    return {r.path: r for r in intake.rejected}


def is_solved(path: Path) -> bool:
    nb = nbformat.read(path, as_version=4)
    return [c.source for c in nb.cells] == [c.source for c in solved().cells]


# --- names ---------------------------------------------------------------------------


@pytest.mark.parametrize("filename, expected", [
    (f"doejane_12345_6789012_{NB}.ipynb", (NB, "doejane", "12345", 6789012, False, 0)),
    (f"doejane_LATE_12345_6789012_{NB}.ipynb", (NB, "doejane", "12345", 6789012, True, 0)),
    (f"doejane_12345_6789012_{NB}-1.ipynb", (NB, "doejane", "12345", 6789012, False, 1)),
    (f"Copy of {NB}.ipynb", (NB, None, None, None, False, 0)),
    (f"{NB} (2).ipynb", (NB, None, None, None, False, 2)),
    (f"Copy of Copy of {NB} (1).ipynb", (NB, None, None, None, False, 1)),
    ("bob.ipynb", ("bob", None, None, None, False, 0)),
])
def test_file_names(filename, expected):
    name = parse_file_name(filename)
    assert (name.stem, name.canvas_name, name.canvas_id, name.submission, name.late, name.copy) == expected


def test_student_ids_are_kept_exactly_and_file_names_derived_apart():
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "José Ñúñez")
    assert student_id(decomposed) == "José Ñúñez" == unicodedata.normalize("NFC", decomposed)
    assert student_id(" Zoë_李 ") == "Zoë_李"
    assert student_id("   ") == "unnamed"
    assert safe_key("jane_doe-1") == "jane_doe-1"  # plain ids are their own file names
    for sid in ("Jane Doe", "José Ñúñez", "../../etc", "Zoë_李", "???"):
        key = safe_key(sid)
        assert key == safe_key(sid) and "/" not in key and key.isascii() and key not in ("", ".", "..")
    # two ids that differ only outside ASCII never share a file name
    assert safe_key("Zoë_李") != safe_key("Zoë_王") and safe_key("Zoë") != safe_key("Zoe")


# --- folders -------------------------------------------------------------------------


def test_folders_nested_loose_files_and_colab_copies(tmp_path):
    src = tmp_path / "src"
    write(solved(), src / "alice" / "work" / "deep" / f"{NB}.ipynb")
    write(solved(), src / "bob.ipynb")
    write(solved(), src / "carol" / f"Copy of {NB}.ipynb")
    write(solved(), src / "erin" / f"{NB} (1).ipynb")
    write(solved(), src / "frank" / "my lab work.ipynb")  # renamed: found by its grade ids
    write(solved(), src / "alice" / ".ipynb_checkpoints" / f"{NB}-checkpoint.ipynb")
    (src / "dave").mkdir()
    (src / "dave" / "report.pdf").write_bytes(b"%PDF-1.4")
    (src / "notes.txt").write_text("not a submission")
    intake = collect(LAB, src, tmp_path / "scratch")

    found = students(intake)
    assert sorted(found) == ["alice", "bob", "carol", "dave", "erin", "frank"]
    for sid in ("alice", "bob", "carol", "erin", "frank"):
        path = found[sid].notebooks[NB]
        assert path == tmp_path / "scratch" / "notebooks" / sid / f"{NB}.ipynb" and is_solved(path)
    assert found["dave"].notebooks == {} and found["dave"].notes == ["no notebook in dave/ (found: report.pdf)"]
    assert intake.rejected == []
    assert (f"alice/work/deep/{NB}.ipynb", "alice", NB) in intake.mapping
    assert (f"carol/Copy of {NB}.ipynb", "carol", NB) in intake.mapping
    assert len(intake.mapping) == 5


def test_canvas_names_and_late(tmp_path):
    src = tmp_path / "src"
    write(solved(), src / f"doejane_12345_6789012_{NB}.ipynb")
    write(solved(), src / f"smithjohn_LATE_23456_6789013_Copy of {NB}.ipynb")
    intake = collect(LAB, src, tmp_path / "scratch")
    found = students(intake)
    assert sorted(found) == ["doejane", "smithjohn"]
    assert found["doejane"].lms_id == "12345" and found["doejane"].notes == []
    assert found["smithjohn"].lms_id == "23456"
    assert any("late" in note for note in found["smithjohn"].notes)
    assert (f"doejane_12345_6789012_{NB}.ipynb", "doejane", NB) in intake.mapping


def test_moodle_folder_names(tmp_path):
    src = tmp_path / "src"
    write(solved(), src / "Jane Doe_4711_assignsubmission_file_" / f"{NB}.ipynb")
    sub = collect(LAB, src, tmp_path / "scratch").students[0]
    assert (sub.student, sub.raw_name, sub.lms_id, sub.key) == ("Jane Doe", "Jane Doe", "4711", safe_key("Jane Doe"))


# --- checks ----------------------------------------------------------------------------


def test_each_file_is_checked_and_every_student_keeps_a_row(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "pdf.ipynb").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3 binary")
    (src / "script.ipynb").write_text("import numpy as np\nprint('hello')\n")
    (src / "json.ipynb").write_text(json.dumps({"answers": [1, 2, 3]}))
    (src / "zero.ipynb").write_bytes(b"")
    write(nbformat.v4.new_notebook(), src / "nocells.ipynb")
    (src / "v2.ipynb").write_text(json.dumps({"nbformat": 2, "nbformat_minor": 0, "worksheets": []}))
    (src / "brokencells.ipynb").write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                                        "cells": [{"source": "x"}]}))
    other_lab = solved()
    for cell in other_lab.cells:
        if "nbgrader" in cell.metadata:
            cell.metadata.nbgrader.grade_id = "rnn_" + cell.metadata.nbgrader.grade_id
    write(other_lab, src / "otherlab.ipynb")
    write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('my own experiments')")]),
          src / "unrelated.ipynb")
    intake = collect(LAB, src, tmp_path / "scratch")

    reasons = {r.path: r.reason for r in intake.rejected}
    assert {r.status for r in intake.rejected} == {INVALID}
    assert reasons["pdf.ipynb"] == reasons["script.ipynb"] == NOT_JSON
    assert reasons["json.ipynb"].startswith("not a notebook: the file is JSON but not a Jupyter notebook")
    assert reasons["zero.ipynb"] == "empty file (0 bytes)"
    assert reasons["nocells.ipynb"] == "empty notebook: it has no cells"
    assert "old notebook format (v2)" in reasons["v2.ipynb"]
    assert "cell 1 has no valid cell type" in reasons["brokencells.ipynb"]
    assert "not part of lab 'neural_networks'" in reasons["otherlab.ipynb"]
    assert "not a notebook of lab 'neural_networks'" in reasons["unrelated.ipynb"]
    found = students(intake)
    assert set(found) == {Path(p).stem for p in reasons}  # every student still has a row
    assert all(not s.notebooks and len(s.notes) == 1 for s in found.values())
    assert found["zero"].notes == ["zero.ipynb not graded: empty file (0 bytes)"]
    assert ("pdf.ipynb", "pdf", None) in intake.mapping


def test_v3_notebook_is_converted_with_a_note(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "old.ipynb").write_text(nbformat.writes(nbformat.convert(solved(), 3)))
    assert json.loads((src / "old.ipynb").read_text())["nbformat"] == 3
    intake = collect(LAB, src, tmp_path / "scratch")
    sub = students(intake)["old"]
    assert sub.notes == ["old.ipynb: converted from the old notebook format v3 to v4"]
    copy = nbformat.read(sub.notebooks[NB], as_version=nbformat.NO_CONVERT)
    assert copy.nbformat == 4
    assert [c.source for c in copy.cells] == [c.source for c in solved().cells]


def test_a_notebook_without_metadata_is_matched_by_content(tmp_path):
    nb = solved()
    for cell in nb.cells:
        cell.metadata = {}
    write(nb, tmp_path / "src" / "gina" / "lab.ipynb")
    assert list(students(collect(LAB, tmp_path / "src", tmp_path / "scratch"))["gina"].notebooks) == [NB]


def test_another_labs_notebook_is_refused_even_without_metadata(tmp_path):
    others = [name for name in list_labs(ROOT) if name != LAB.name]
    if not others:
        pytest.skip("the course has a single lab")
    other = load_lab(others[0], ROOT)
    nb = filled_notebook(other, other.notebooks[0])
    write(nb, tmp_path / "src" / "hal" / "with_metadata.ipynb")
    for cell in nb.cells:
        cell.metadata = {}
    write(nb, tmp_path / "src" / "hal" / "stripped.ipynb")
    intake = collect(LAB, tmp_path / "src", tmp_path / "scratch")
    reasons = {r.path: r.reason for r in intake.rejected}
    assert "belong to another lab" in reasons["hal/with_metadata.ipynb"]
    assert "shares no cells with them" in reasons["hal/stripped.ipynb"]
    assert students(intake)["hal"].notebooks == {}


def test_read_notebook_fills_missing_cell_fields(tmp_path):
    path = tmp_path / "minimal.ipynb"
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 2, "metadata": {},
                                "cells": [{"cell_type": "code", "source": ["x = 1\n", "y = 2"]}]}))
    nb, notes = read_notebook(path)
    assert nb.cells[0].source == "x = 1\ny = 2" and nb.cells[0].outputs == [] and notes == []


# --- duplicates --------------------------------------------------------------------------


def test_duplicates_keep_the_newest_by_canvas_submission_id(tmp_path):
    src = tmp_path / "src"
    old = write(untouched(), src / f"doejane_12345_6789012_{NB}.ipynb", mtime=2_000_000_000)  # touched last
    new = write(solved(), src / f"doejane_12345_6789099_{NB}-1.ipynb", mtime=1_000_000_000)
    intake = collect(LAB, src, tmp_path / "scratch")
    sub = students(intake)["doejane"]
    assert is_solved(sub.notebooks[NB])
    assert [(r.path, r.status, r.student) for r in intake.rejected] == [(old.name, DUPLICATE, "doejane")]
    assert new.name in intake.rejected[0].reason
    assert (old.name, "doejane", None) in intake.mapping and (new.name, "doejane", NB) in intake.mapping


def test_duplicates_keep_the_newest_by_modification_time(tmp_path):
    src = tmp_path / "src"
    write(solved(), src / "alice" / f"Copy of {NB}.ipynb", mtime=2_000_000_000)
    write(untouched(), src / "alice" / f"{NB}.ipynb", mtime=1_000_000_000)
    intake = collect(LAB, src, tmp_path / "scratch")
    assert is_solved(students(intake)["alice"].notebooks[NB])
    assert rejected(intake)[f"alice/{NB}.ipynb"].status == DUPLICATE


def test_an_invalid_newer_file_does_not_hide_a_valid_one(tmp_path):
    src = tmp_path / "src"
    write(solved(), src / "alice" / f"{NB}.ipynb", mtime=1_000_000_000)
    (src / "alice" / f"{NB} (1).ipynb").write_text("{ truncated")
    intake = collect(LAB, src, tmp_path / "scratch")
    assert is_solved(students(intake)["alice"].notebooks[NB])
    assert rejected(intake)[f"alice/{NB} (1).ipynb"].status == INVALID


# --- ids that collide -------------------------------------------------------------------


def test_names_are_kept_as_given_and_alike_ones_kept_apart(tmp_path):
    src = tmp_path / "src"
    write(solved(), src / "Jane Doe" / f"{NB}.ipynb")
    write(untouched(), src / "jane_doe" / f"{NB}.ipynb")
    write(solved(), src / "Zoë_李" / f"{NB}.ipynb")
    write(untouched(), src / "Zoë_王" / f"{NB}.ipynb")
    write(solved(), src / "Ada" / f"{NB}.ipynb")
    write(untouched(), src / "ada" / f"{NB}.ipynb")
    write(solved(), src / f"doejohn_111_5_{NB}.ipynb")
    write(untouched(), src / f"doejohn_222_6_{NB}.ipynb")
    intake = collect(LAB, src, tmp_path / "scratch")
    found = students(intake)
    assert set(found) == {"Jane Doe", "jane_doe", "Zoë_李", "Zoë_王", "Ada", "ada-2", "doejohn-111", "doejohn-222"}
    assert is_solved(found["Zoë_李"].notebooks[NB]) and not is_solved(found["Zoë_王"].notebooks[NB])
    assert is_solved(found["Jane Doe"].notebooks[NB]) and not is_solved(found["jane_doe"].notebooks[NB])
    assert is_solved(found["doejohn-111"].notebooks[NB]) and found["doejohn-222"].lms_id == "222"
    keys = [sub.key for sub in found.values()]
    assert len({k.casefold() for k in keys}) == len(keys), keys  # unique even on case-insensitive disks
    for sid in ("Ada", "ada-2", "doejohn-111", "doejohn-222"):
        assert "kept apart" in found[sid].notes[0]
    assert not found["Zoë_李"].notes and not found["Jane Doe"].notes
    assert intake.rejected == []


# --- zips --------------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def _bytes(nb: nbformat.NotebookNode) -> bytes:
    return nbformat.writes(nb).encode()


def test_canvas_zip(tmp_path):
    archive = _zip(tmp_path / "submissions.zip", {
        f"doejane_12345_6789012_{NB}.ipynb": _bytes(solved()),
        f"smithjohn_LATE_23456_6789013_{NB}.ipynb": _bytes(untouched()),
        f"__MACOSX/._doejane_12345_6789012_{NB}.ipynb": b"\x00\x05\x16\x07",
        ".DS_Store": b"\x00",
    })
    intake = collect(LAB, archive, tmp_path / "scratch")
    found = students(intake)
    assert sorted(found) == ["doejane", "smithjohn"] and intake.rejected == []
    assert is_solved(found["doejane"].notebooks[NB])
    assert found["doejane"].notebooks[NB].is_relative_to(tmp_path / "scratch")


def test_zip_of_a_folder_of_student_folders_is_unwrapped(tmp_path):
    archive = _zip(tmp_path / "subs.zip", {
        f"submissions/alice/{NB}.ipynb": _bytes(solved()),
        f"submissions/bob/nested/{NB}.ipynb": _bytes(solved()),
    })
    intake = collect(LAB, archive, tmp_path / "scratch")
    assert sorted(students(intake)) == ["alice", "bob"]
    assert (f"submissions/bob/nested/{NB}.ipynb", "bob", NB) in intake.mapping


def test_zip_slip_members_are_refused_and_the_rest_extracted(tmp_path):
    scratch = tmp_path / "deep" / "scratch"
    archive = _zip(tmp_path / "evil.zip", {
        f"alice/{NB}.ipynb": _bytes(solved()),
        "../../escaped.ipynb": _bytes(solved()),
        "/tmp/absolute.ipynb": _bytes(solved()),
        "bob/..\\..\\windows.ipynb": _bytes(solved()),
    }, symlinks={"carol/link.ipynb": "/etc/passwd"})
    intake = collect(LAB, archive, scratch)
    refused = rejected(intake)
    assert set(refused) == {"../../escaped.ipynb", "/tmp/absolute.ipynb", "bob/..\\..\\windows.ipynb",
                            "carol/link.ipynb"}
    assert all(r.student is None and r.status == INVALID for r in refused.values())
    assert "zip-slip" in refused["../../escaped.ipynb"].reason
    assert "symbolic link" in refused["carol/link.ipynb"].reason
    assert list(students(intake)) == ["alice"]
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(scratch)]
    assert outside == [archive]
    assert not Path("/tmp/absolute.ipynb").exists()


def test_zip_limits_and_corrupt_zips(tmp_path):
    archive = _zip(tmp_path / "big.zip", {f"s{n}.ipynb": _bytes(solved()) for n in range(3)})
    with pytest.raises(IntakeError, match="more than the 2 allowed"):
        collect(LAB, archive, tmp_path / "scratch", max_members=2)
    with pytest.raises(IntakeError, match="would unpack to more than"):
        collect(LAB, archive, tmp_path / "scratch", max_bytes=10_000)
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(IntakeError, match="not a readable zip"):
        collect(LAB, tmp_path / "broken.zip", tmp_path / "scratch")
    with pytest.raises(IntakeError, match="neither a folder nor a .zip"):
        collect(LAB, tmp_path / "missing", tmp_path / "scratch")

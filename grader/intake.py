"""Intake: turn what an LMS or a TA hands over into checked, per-student notebooks.

``collect(lab, source, scratch)`` reads

* a folder: each sub-folder is one student (Moodle / Blackboard style; notebooks at any
  depth inside, dot-folders such as ``.ipynb_checkpoints`` skipped); each loose
  ``.ipynb`` at the top is one student, named by its file name;
* or a ``.zip`` of the same, extracted into ``scratch`` first and safely: members with an
  absolute path, a ``..`` or that are symbolic links are refused (zip-slip), the whole
  zip is refused above ``MAX_ZIP_BYTES`` uncompressed or ``MAX_ZIP_MEMBERS`` members,
  ``__MACOSX/`` and dot-files are skipped.  A zip whose only entry is one folder holding
  sub-folders or Canvas files (a zipped "submissions/" folder) is read from inside it.

Student ids
  Canvas names its downloads ``<name>_[LATE_]<user id>_<submission id>_<file>``, e.g.
  ``doejane_LATE_12345_6789012_01_perceptron.ipynb``: the student is ``<name>``
  (``doejane``), the user id is kept as ``lms_id``, the submission id orders
  resubmissions, ``<file>`` names the notebook.  Moodle folders
  ``<Full Name>_<participant id>_assignsubmission_file_`` give ``<Full Name>`` and the id.
  Any other loose file names its student by its file name (without ``.ipynb``).  Ids
  keep only ``[A-Za-z0-9_.-]`` (accents dropped).  Different raw names never merge
  silently: when they give the same id (ignoring case), each gets a suffix, its LMS id
  if it has one, else -2, -3, ... in name order (the first keeps the plain id), and a note.

Which notebook of the lab a file is
  by its name, once the Canvas prefix and Colab's "Copy of X" / "X (1)" (or Canvas's
  "X-1") are stripped; else by the grade_ids of answer and test cells it shares with
  the lab's notebooks; else by content (shared cell texts or answer function names), which for a
  one-notebook lab means "that one, if it resembles it at all".

Every file is checked before grading (``read_notebook``): empty, not JSON, JSON but not a
notebook, too old a format (v3 is converted, with a note; older is refused), no cells,
not part of the lab.  Of several valid files of one notebook by one student the newest
is kept (by Canvas submission id when all have one, else by modification time), the
others are reported as ``duplicate``.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import time
import unicodedata
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

from .course import CourseError, Lab, nbgrader_meta
from .release import SETUP_TAG
from .repair import defined_names

INVALID, DUPLICATE = "invalid", "duplicate"
MAX_ZIP_BYTES = 500 * 1024**2
MAX_ZIP_MEMBERS = 20_000
MAX_NOTEBOOK_BYTES = 100 * 1024**2
NOT_JSON = "not a notebook: the file is not valid JSON (maybe a .py or a PDF renamed)"

_CANVAS = re.compile(r"^(?P<name>[^_]+)_(?P<late>LATE_)?(?P<user>\d+)_(?P<submission>\d+)_(?P<file>.+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_\w*?_?$")
_COPY_OF = re.compile(r"^(?:copy[ _]of[ _]+)+", re.IGNORECASE)
_COPY_NUMBER = re.compile(r"(?:\s*\((\d+)\)|-(\d+))$")


class IntakeError(CourseError):
    """The hand-in as a whole cannot be read: not a folder or zip, a corrupt or oversized zip."""


class NotGradable(Exception):
    """One file cannot be graded; the message says why, in plain language."""


@dataclass
class StudentSubmission:
    """One student: lab notebook name -> validated copy under ``scratch``, and notes."""

    student: str  # the id as given (NFC): reports, the LMS export
    notebooks: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    raw_name: str = ""  # the folder, file stem or Canvas name it came from
    lms_id: str | None = None  # Canvas user id / Moodle participant id, when the name had one
    key: str = ""  # safe_key(student): its file names and its nbgrader id, unique in the run


@dataclass
class RejectedFile:
    path: str  # relative to the source folder, or the member name inside the zip
    student: str | None  # None: a zip member refused before it was extracted
    status: str  # INVALID or DUPLICATE
    reason: str


@dataclass
class Intake:
    students: list[StudentSubmission] = field(default_factory=list)
    rejected: list[RejectedFile] = field(default_factory=list)
    # (original relative path, student, lab notebook or None when the file is not used)
    mapping: list[tuple[str, str, str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class FileName:
    """What a submitted file's name says (see the module docstring)."""

    file: str  # the name without .ipynb and without a Canvas prefix
    stem: str  # ``file`` without "Copy of", " (1)", "-1"
    canvas_name: str | None = None
    canvas_id: str | None = None
    submission: int | None = None
    late: bool = False
    copy: int = 0  # the N of "X (N)" / "X-N"


def parse_file_name(filename: str) -> FileName:
    base = filename[:-6] if filename.lower().endswith(".ipynb") else filename
    canvas = _CANVAS.match(base)
    file = canvas["file"] if canvas else base
    stem, copy = file, 0
    while True:
        stripped = _COPY_OF.sub("", stem).strip()
        if number := _COPY_NUMBER.search(stripped):
            copy = max(copy, int(number[1] or number[2]))
            stripped = stripped[: number.start()].strip()
        if stripped == stem or not stripped:
            break
        stem = stripped
    if not canvas:
        return FileName(file, stem, copy=copy)
    return FileName(file, stem, canvas["name"], canvas["user"], int(canvas["submission"]), bool(canvas["late"]), copy)


def student_id(raw: str) -> str:
    """The student id exactly as given (Unicode in NFC, blank space at the ends dropped):
    what reports show and what the LMS import matches. Never used as a file name; see
    :func:`safe_key`."""
    return unicodedata.normalize("NFC", raw).strip() or "unnamed"


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", plain).strip("._-")


def safe_key(student: str) -> str:
    """A name for the student's files and for nbgrader's database, derived from the id: the
    id itself when it is plain ASCII (letters, digits, ``_.-``), else its ASCII form plus a
    hash of the whole id, so two ids that differ only outside ASCII never share one."""
    slug = _ascii_slug(student)
    if slug and slug == student:
        return slug
    digest = hashlib.sha256(student.encode("utf-8")).hexdigest()[:8]
    return f"{slug[:40] or 'student'}-{digest}"


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode, list[str]]:
    """The file as a v4 notebook and notes on what was converted; raises NotGradable."""
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise NotGradable(f"file too large for a notebook ({size / 1024**2:.0f} MB)")
    raw = path.read_bytes()
    if not raw.strip():
        raise NotGradable("empty file (0 bytes)" if not raw else "empty file (only blank space)")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise NotGradable(NOT_JSON) from None
    version = data.get("nbformat") if isinstance(data, dict) else None
    if not isinstance(version, int) or isinstance(version, bool):
        raise NotGradable("not a notebook: the file is JSON but not a Jupyter notebook (no 'nbformat' version)")
    if version < 3:
        raise NotGradable(f"an old notebook format (v{version}) that cannot be graded: open and save it in Jupyter")
    if version > 4:
        raise NotGradable(f"an unknown notebook format (v{version}), newer than this grader reads")
    notes = []
    try:
        if version == 3:
            nb = nbformat.convert(nbformat.versions[3].to_notebook_json(data), 4)
            notes.append("converted from the old notebook format v3 to v4")
        else:
            _fill_cell_defaults(data)
            nb = nbformat.versions[4].to_notebook_json(data, minor=data.get("nbformat_minor", 0))
    except NotGradable:
        raise
    except Exception as exc:  # malformed structure inside an otherwise notebook-like file
        raise NotGradable(f"not a notebook: its notebook structure is broken ({type(exc).__name__}: {exc})") from None
    if not nb.get("cells"):
        raise NotGradable("empty notebook: it has no cells")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        first = str(exc).strip().splitlines()[0][:160]
        notes.append(f"does not fully follow the notebook format ({first}); rebuilt by the repair step")
    return nb, notes


def _fill_cell_defaults(data: dict) -> None:
    """Refuse cells without a type or text; add the fields editors sometimes leave out."""
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise NotGradable("not a notebook: the file is JSON with a notebook version but no list of cells")
    data.setdefault("metadata", {})
    for n, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise NotGradable(f"not a notebook: cell {n} has no valid cell type")
        source = cell.get("source")
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise NotGradable(f"not a notebook: cell {n} has no text")
        cell.setdefault("metadata", {})
        if cell["cell_type"] == "code":
            cell.setdefault("outputs", [])
            cell.setdefault("execution_count", None)


class _LabIndex:
    """The lab's notebooks as recognisable features: grade ids, cell texts, answer names."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.ids: dict[str, set[str]] = {}
        self.texts: dict[str, set[str]] = {}
        self.names: dict[str, set[str]] = {}
        for name in lab.notebooks:
            path = lab.release_dir / f"{name}.ipynb"
            nb = nbformat.read(path if path.is_file() else lab.source_dir / f"{name}.ipynb", as_version=4)
            answers = [c.source for c in nb.cells if nbgrader_meta(c).get("solution") and c.cell_type == "code"]
            self.ids[name] = _grade_ids(nb)
            self.texts[name] = _texts(c for c in nb.cells if not nbgrader_meta(c).get("solution")
                                      and SETUP_TAG not in c.metadata.get("tags", []))  # same in every lab
            self.names[name] = set().union(*map(defined_names, answers))

    def notebook_of(self, name: FileName, nb: nbformat.NotebookNode) -> str:
        """Which lab notebook ``nb`` is (see the module docstring); raises NotGradable."""
        ids = _grade_ids(nb)
        known = set().union(*self.ids.values())
        if ids and not ids & known:
            shown = ", ".join(sorted(ids)[:3]) + (", ..." if len(ids) > 3 else "")
            raise NotGradable(f"not part of lab '{self.lab.name}': its graded cells ({shown}) belong to another lab")
        by_name = self.by_name(name)
        if by_name:
            return by_name
        if ids:
            return max(self.lab.notebooks, key=lambda n: len(ids & self.ids[n]))
        texts = _texts(nb.cells)
        names = set().union(*(defined_names(c.source) for c in nb.cells if c.cell_type == "code"))
        score = {n: len(texts & self.texts[n]) + len(names & self.names[n]) for n in self.lab.notebooks}
        best = max(self.lab.notebooks, key=score.__getitem__, default=None)
        if best is None or not score[best]:
            raise NotGradable(f"not a notebook of lab '{self.lab.name}': its name matches none of "
                              f"{', '.join(self.lab.notebooks)} and it shares no cells with them")
        return best

    def by_name(self, name: FileName) -> str | None:
        keys = [_name_key(name.file), _name_key(name.stem)]
        for key in keys:
            for notebook in self.lab.notebooks:
                if key == _name_key(notebook):
                    return notebook
        ends = [n for n in self.lab.notebooks if any(key.endswith(_name_key(n)) for key in keys)]
        return max(ends, key=len, default=None)


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def _grade_ids(nb: nbformat.NotebookNode) -> set[str]:
    """Ids of answer and test cells (read-only ids such as "imports" recur across labs)."""
    return {m["grade_id"] for c in nb.cells if (m := nbgrader_meta(c)).get("grade_id")
            and (m.get("solution") or m.get("grade"))}


def _texts(cells) -> set[str]:
    """Cell texts long enough to recognise a notebook by (short ones like "plt.show()" are not)."""
    texts = ("\n".join(line.rstrip() for line in c.source.strip().splitlines()) for c in cells)
    return {t for t in texts if len(t) >= 20}


# --- reading the hand-in -----------------------------------------------------------------

_Key = tuple[str, "str | None"]  # (raw name, LMS id) of one student


@dataclass
class _Candidate:
    path: Path
    rel: str
    name: FileName
    nb: nbformat.NotebookNode
    notes: list[str]


def collect(
    lab: Lab, source: Path, scratch: Path, *, max_bytes: int = MAX_ZIP_BYTES, max_members: int = MAX_ZIP_MEMBERS
) -> Intake:
    """Read ``source`` (folder or .zip), check every notebook, write the kept ones to
    ``scratch/notebooks/<student>/<notebook>.ipynb``; see the module docstring."""
    intake = Intake()
    scratch.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        base = root = source
    elif source.is_file() and source.suffix.lower() == ".zip":
        base = _unzip(source, scratch / "unzipped", intake.rejected, max_bytes, max_members)
        root = _unwrap(base)
    else:
        raise IntakeError(f"{source} is neither a folder nor a .zip of submissions.")
    handed_in = _hand_in(root)
    ids = _assign_ids(list(handed_in))
    keys = _assign_keys(sorted({sid for sid, _ in ids.values()}))
    index = _LabIndex(lab)
    out = scratch / "notebooks"
    if out.exists():
        shutil.rmtree(out)
    for key, (files, folder_notes) in sorted(handed_in.items(), key=lambda item: ids[item[0]][0].lower()):
        sid, id_note = ids[key]
        sub = StudentSubmission(sid, raw_name=key[0], lms_id=key[1], key=keys[sid])
        sub.notes += ([id_note] if id_note else []) + folder_notes
        valid: dict[str, list[_Candidate]] = defaultdict(list)
        for path in files:
            rel, name = path.relative_to(base).as_posix(), parse_file_name(path.name)
            try:
                nb, notes = read_notebook(path)
                notebook = index.notebook_of(name, nb)
            except NotGradable as exc:
                _reject(intake, sub, rel, INVALID, str(exc))
                continue
            valid[notebook].append(_Candidate(path, rel, name, nb, notes))
        for notebook, candidates in sorted(valid.items()):
            kept = _newest(candidates)
            for other in candidates:
                if other is not kept:
                    _reject(intake, sub, other.rel, DUPLICATE, f"an older copy of {notebook}: {kept.rel} is graded")
            dest = out / sub.key / f"{notebook}.ipynb"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(json.dumps(kept.nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
            sub.notebooks[notebook] = dest
            sub.notes += [f"{kept.rel}: {note}" for note in kept.notes]
            if kept.name.late:
                sub.notes.append(f"{kept.rel}: handed in late (marked LATE by Canvas)")
            intake.mapping.append((kept.rel, sid, notebook))
        intake.students.append(sub)
    intake.mapping.sort()
    return intake


def _reject(intake: Intake, sub: StudentSubmission, rel: str, status: str, reason: str) -> None:
    intake.rejected.append(RejectedFile(rel, sub.student, status, reason))
    intake.mapping.append((rel, sub.student, None))
    sub.notes.append(f"{rel} not graded: {reason}")


def _newest(candidates: list[_Candidate]) -> _Candidate:
    def order(c: _Candidate) -> tuple:
        stamp = c.name.submission if all(o.name.submission is not None for o in candidates) else c.path.stat().st_mtime
        return stamp, c.name.copy, c.rel

    return max(candidates, key=order)


def _hidden(name: str) -> bool:
    return name.startswith(".") or name == "__MACOSX"


def _hand_in(root: Path) -> dict[_Key, tuple[list[Path], list[str]]]:
    """Student key -> (their .ipynb files, notes such as a folder holding none)."""
    found: dict[_Key, tuple[list[Path], list[str]]] = {}
    for entry in sorted(root.iterdir()):
        if _hidden(entry.name):
            continue
        if entry.is_dir():
            moodle = _MOODLE.match(entry.name)
            key: _Key = (moodle["name"], moodle["id"]) if moodle else (entry.name, None)
            files = [p for p in sorted(entry.rglob("*"))
                     if p.is_file() and not any(_hidden(part) for part in p.relative_to(entry).parts)]
            notebooks = [p for p in files if p.suffix.lower() == ".ipynb"]
        elif entry.suffix.lower() == ".ipynb":
            name = parse_file_name(entry.name)
            key, files, notebooks = (name.canvas_name or name.file, name.canvas_id), [entry], [entry]
        else:
            continue
        student_files, notes = found.setdefault(key, ([], []))
        student_files += notebooks
        if not notebooks:
            others = ", ".join(p.name for p in files[:5]) + (", ..." if len(files) > 5 else "")
            notes.append(f"no notebook in {entry.name}/" + (f" (found: {others})" if others else ""))
    return found


def _assign_ids(keys: list[_Key]) -> dict[_Key, tuple[str, str | None]]:
    """Student key -> (unique id, a note when its name gave the same id as another's)."""
    groups: dict[str, list[_Key]] = defaultdict(list)
    for key in sorted(keys, key=lambda k: (k[0], k[1] or "")):
        groups[student_id(key[0]).casefold()].append(key)
    used = set(groups)  # every plain id is reserved, so that no suffixed id can take one
    ids: dict[_Key, tuple[str, str | None]] = {}
    for group in groups.values():
        plain_given = len(group) > 1 and all(k[1] for k in group)  # all have LMS ids: all suffixed
        for key in group:
            own = student_id(key[0])
            if len(group) == 1 or not (key[1] or plain_given):
                ids[key], plain_given = (own, None), True
            else:
                ids[key] = (_fresh(f"{own}-{key[1]}" if key[1] else own, used), None)
        if len(group) > 1:
            shown = ", ".join(repr(k[0]) + (f" (id {k[1]})" if k[1] else "") for k in group)
            given = ", ".join(ids[k][0] for k in group)
            note = f"the names {shown} give the same student id (ignoring case): kept apart as {given}"
            ids.update({k: (ids[k][0], note) for k in group})
    return ids


def _assign_keys(students: list[str]) -> dict[str, str]:
    """Student id -> safe key, unique ignoring case (case-insensitive file systems)."""
    used: set[str] = set()
    return {sid: _fresh(safe_key(sid), used) for sid in students}


def _fresh(base: str, used: set[str]) -> str:
    """``base``, else ``base-2``, ``base-3``, ...: the first not in ``used`` (ignoring case)."""
    sid, n = base, 1
    while sid.casefold() in used:
        n += 1
        sid = f"{base}-{n}"
    used.add(sid.casefold())
    return sid


# --- zips --------------------------------------------------------------------------------


def _unzip(archive: Path, dest: Path, rejected: list[RejectedFile], max_bytes: int, max_members: int) -> Path:
    """Extract ``archive`` into ``dest`` (emptied first), refusing unsafe members."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IntakeError(f"{archive.name} is not a readable zip file ({exc}).") from None
    too_big = f"{archive.name} would unpack to more than {max_bytes / 1024**2:.0f} MB: refused."
    with zf:
        members = zf.infolist()
        if len(members) > max_members:
            raise IntakeError(f"{archive.name} has {len(members)} entries, more than the {max_members} allowed.")
        if sum(m.file_size for m in members) > max_bytes:
            raise IntakeError(too_big)
        written = 0
        for member in members:
            parts = PurePosixPath(member.filename.replace("\\", "/")).parts
            if problem := _unsafe(member):
                rejected.append(RejectedFile(member.filename, None, INVALID, problem))
                continue
            if member.is_dir() or not parts or any(_hidden(part) for part in parts):
                continue
            target = dest.joinpath(*parts)
            if target.exists():
                rejected.append(RejectedFile(member.filename, None, INVALID, "its name appears twice in the zip: "
                                             "only the first was extracted"))
                continue
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, open(target, "wb") as out:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > max_bytes:  # the sizes in the zip's directory can lie
                            raise IntakeError(too_big)
                        out.write(chunk)
            except (OSError, RuntimeError, NotImplementedError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
                if target.is_file():  # encrypted or corrupt member: drop what was written
                    target.unlink()
                rejected.append(RejectedFile(member.filename, None, INVALID, f"could not be extracted ({exc})"))
                continue
            try:  # keep the member's time: duplicates are ordered by it
                stamp = time.mktime((*member.date_time, 0, 0, -1))
                os.utime(target, (stamp, stamp))
            except (ValueError, OverflowError, OSError):
                pass
    return dest


def _unsafe(member: zipfile.ZipInfo) -> str | None:
    """Why extracting ``member`` could write outside the target folder (zip-slip), if it could."""
    name = member.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in name.split("/"):
        return "unsafe path in the zip (absolute or with '..'; zip-slip): not extracted"
    if stat.S_ISLNK(member.external_attr >> 16):
        return "a symbolic link in the zip: not extracted"
    return None


def _unwrap(root: Path) -> Path:
    """Inside a lone top folder that holds sub-folders or Canvas files (a zipped folder)."""
    entries = [p for p in root.iterdir() if not _hidden(p.name)]
    if len(entries) == 1 and entries[0].is_dir():
        inside = [p for p in entries[0].iterdir() if not _hidden(p.name)]
        if any(p.is_dir() or (p.suffix.lower() == ".ipynb" and _CANVAS.match(p.stem)) for p in inside):
            return _unwrap(entries[0])
    return root

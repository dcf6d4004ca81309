"""The ``grader`` command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import CourseError, find_course_root, list_labs, load_lab


def _release(args: argparse.Namespace) -> int:
    from . import release

    root = find_course_root()
    for name in args.labs or list_labs(root):
        lab = load_lab(name, root)
        changed = release.sync_setup_cells(lab)
        for path in changed:
            print(f"updated the Colab setup cell of {path.relative_to(root)}")
        out = release.release(lab)
        print(f"released {name}: {', '.join(lab.notebooks)} -> {out.relative_to(root)}/")
    return 0


def _autograde(args: argparse.Namespace) -> int:
    lab = load_lab(args.lab)
    source = Path(args.source)
    if not source.is_dir():
        raise CourseError(f"{source} is not a folder of submissions.")
    return _grade_and_print(lab, source, Path(args.out), args.cell_timeout, not args.quiet)


def _demo(args: argparse.Namespace) -> int:
    from .examples import write_examples

    root = find_course_root()
    status = 0
    for name in list_labs(root):
        lab = load_lab(name, root)
        submissions = Path(args.out) / name / "submissions"
        students = write_examples(lab, submissions)
        print(f"\n{name}: example submissions {', '.join(students)} in {submissions}")
        status |= _grade_and_print(lab, submissions, Path(args.out) / name, args.cell_timeout, True)
    return status


def _grade_and_print(lab, source: Path, out: Path, cell_timeout: int, progress: bool) -> int:
    from .autograde import GRADED, autograde

    rows = autograde(lab, source, out, cell_timeout=cell_timeout, progress=progress)
    width = max([len(r.student) for r in rows] + [7])
    print(f"{'student':<{width}}  {'status':<8}  score")
    for r in rows:
        reason = f"  ({r.reason})" if r.reason else ""
        print(f"{r.student:<{width}}  {r.status:<8}  {r.score:g}/{r.max_score:g}{reason}")
    print(f"wrote {out / 'grades.csv'}")
    return 0 if all(r.status == GRADED for r in rows) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Release and auto-grade the course labs (nbgrader).")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate labs/ from solutions/ with nbgrader")
    release.add_argument("labs", nargs="*", help="labs to release (default: all)")
    release.set_defaults(run=_release)

    grade = commands.add_parser("autograde", help="grade a folder of submitted notebooks")
    grade.add_argument("lab", help="lab name, a folder of solutions/")
    grade.add_argument("source", help="folder of submissions: one sub-folder per student, or loose .ipynb files")
    grade.add_argument("--out", required=True, help="output folder for grades.csv and grading state")
    grade.add_argument("--cell-timeout", type=int, default=60, help="seconds one cell may run (default 60)")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.set_defaults(run=_autograde)

    demo = commands.add_parser("demo", help="grade example submissions built from the solutions")
    demo.add_argument("--out", default="demo-output", help="output folder (default demo-output)")
    demo.add_argument("--cell-timeout", type=int, default=60, help="seconds one cell may run (default 60)")
    demo.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except CourseError as exc:
        print(f"grader: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

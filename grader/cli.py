"""The ``grader`` command line."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .course import CourseError, find_course_root, graded_labs, list_labs, load_lab


def _release(args: argparse.Namespace) -> int:
    from . import release

    root = find_course_root()
    if args.notebook and len(args.labs) != 1:
        raise CourseError("--notebook needs exactly one lab: grader release LAB --notebook NAME")
    for name in args.labs or list_labs(root):
        lab = load_lab(name, root)
        changed = release.sync_setup_cells(lab)
        for path in changed:
            print(f"updated the Colab setup cell of {path.relative_to(root)}")
        out = release.release(lab, args.notebook or None)
        print(f"released {name}: {', '.join(args.notebook or lab.notebooks)} -> {out.relative_to(root)}/ "
              "and their checks' data")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from .publish import publish

    done = publish(find_course_root(), Path(args.folder), args.mode)
    print(f"published {len(done.notebooks)} notebooks ({done.mode} release) to {done.folder}: labs/, course_utils/, "
          "pyproject.toml, README.md. Push that folder to the student repository.")
    return 0


def _autograde(args: argparse.Namespace) -> int:
    lab = load_lab(args.lab)
    source = Path(args.source)
    if not (source.is_dir() or (source.is_file() and source.suffix.lower() == ".zip")):
        raise CourseError(f"{source} is neither a folder of submissions nor a .zip of them.")
    try:
        return _grade_and_print(lab, source, Path(args.out), args.cell_timeout, not args.quiet, args.memory_mb,
                                args.regrade, args.workers, args.scheduler, args.kernels)
    except KeyboardInterrupt:
        print(f"\ngrader: stopped. Every student graded so far is saved in {args.out}; run the same "
              "command again to grade the rest.", file=sys.stderr)
        return 130


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


def _grade_and_print(lab, source: Path, out: Path, cell_timeout: int, progress: bool, memory_mb: int = 3072,
                     regrade: bool = False, workers: int | None = None, scheduler: str | None = None,
                     kernels: str = "auto") -> int:
    from .autograde import GRADED, REPAIRED, autograde
    from .class_report import write_report
    from .reports import waiting_points

    run = autograde(lab, source, out, cell_timeout=cell_timeout, memory_mb=memory_mb, progress=progress,
                    regrade=regrade, workers=workers, scheduler=scheduler, kernels=kernels)
    rows = run.rows
    width = max([len(r.student) for r in rows] + [7])
    print(f"{'student':<{width}}  {'status':<8}  score")
    for r in rows:
        reason = f"  ({r.reason})" if r.reason else ""
        waiting = waiting_points(lab, r)
        manual = f" (+{waiting:g} to grade by hand)" if waiting else ""
        print(f"{r.student:<{width}}  {r.status:<8}  {r.score:g}/{r.max_score:g}{manual}{reason}")
    if lab.manual_questions:
        count = len(lab.manual_questions)
        print(f"{count} question{'s' * (count > 1)} ({lab.manual_points:g} points) {'are' if count > 1 else 'is'} graded "
              "by hand, outside the scores above, in nbgrader's formgrader (see the README)")
    if run.regrade.regraded:
        print(f"{run.regrade.summary()} (detail: {out / 'changes.csv'})")
    report = write_report(out, lab.root)
    print(f"wrote {out / 'grades.csv'}, grades.json, canvas.csv, intake.csv, feedback/ and {report.name} in {out}")
    return 0 if all(r.status in (GRADED, REPAIRED) for r in rows) else 1


def _run_lab(out: Path, lab_name: str | None, command: str):
    """The lab whose grading run ``out`` holds (``--lab`` where it holds several)."""
    held = graded_labs(out)
    if not held:
        raise CourseError(f"{out} holds no grading run: run grader autograde LAB SOURCE --out {out} first.")
    if lab_name is None:
        if len(held) > 1:
            raise CourseError(f"{out} holds grading runs of {', '.join(held)}: say which with "
                              f"grader {command} {out} --lab LAB.")
        lab_name = held[0]
    elif lab_name not in held:
        raise CourseError(f"{out} holds a grading run of {', '.join(held)}, not of {lab_name}.")
    return load_lab(lab_name)


def _export(args: argparse.Namespace) -> int:
    from .autograde import export
    from .class_report import write_report
    from .reports import waiting_points

    out = Path(args.out)
    lab = _run_lab(out, args.lab, "export")
    rows = export(lab, out)
    waiting = sum(waiting_points(lab, r) for r in rows)
    write_report(out, lab.root)
    print(f"wrote {out / 'grades.csv'}, grades.json, canvas.csv, feedback/ and report.html for {len(rows)} students "
          f"of {lab.name}, with the manual grades of the gradebook (no grading)"
          + (f"; {waiting:g} points still wait for a TA" if waiting else ""))
    return 0


def _report(args: argparse.Namespace) -> int:
    from .class_report import write_report

    out = Path(args.out)
    print(f"wrote {write_report(out, _course_root_or_none())}")
    return 0


def _course_root_or_none() -> Path | None:
    try:
        return find_course_root()
    except CourseError:
        return None  # the report reads what the run holds


def _similarity(args: argparse.Namespace) -> int:
    from .similarity import write_similarity

    out = Path(args.out)
    _run_lab(out, args.lab, f"similarity {args.lab}")
    print(write_similarity(load_lab(args.lab), out).summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="grader", description="Release and auto-grade the course labs (nbgrader).")
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="regenerate labs/ from solutions/ with nbgrader")
    release.add_argument("labs", nargs="*", help="labs to release (default: all)")
    release.add_argument("--notebook", action="append", default=[], metavar="NAME",
                         help="release only this notebook of the lab (repeatable)")
    release.set_defaults(run=_release)

    publish = commands.add_parser("publish", help="write the student repository (no solutions, no hidden tests)")
    publish.add_argument("folder", help="an empty folder, or a clone of the student repository (its .git is kept)")
    publish.add_argument("--mode", choices=["graded", "practice"], default=None,
                         help="release mode (default: release-mode in pyproject.toml's [tool.intro-dl-labs])")
    publish.set_defaults(run=_publish)

    grade = commands.add_parser("autograde", help="grade a folder of submitted notebooks")
    grade.add_argument("lab", help="lab name, a folder of solutions/")
    grade.add_argument("source", help="folder of submissions (one sub-folder per student, or loose .ipynb files) or a .zip of them")
    grade.add_argument("--out", required=True, help="output folder for grades.csv and grading state")
    grade.add_argument("--cell-timeout", type=int, default=60, help="seconds one cell may run (default 60)")
    grade.add_argument("--memory-mb", type=int, default=3072, help="memory one student's kernel may use (default 3072)")
    grade.add_argument("--workers", type=int, default=None,
                       help="students graded at once (default: as many as cores and memory allow)")
    grade.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on a Dask cluster (e.g. tcp://10.0.0.5:8786) whose workers have this package "
                            "installed; start them with --nthreads 1")
    grade.add_argument("--regrade", action="store_true",
                       help="grade again students whose files did not change since their last grading in --out")
    grade.add_argument("--kernels", choices=["auto", "fresh"], default="auto",
                       help="auto (default): fork each student's kernel from a warm parent that has the lab's "
                            "imports done, where the sandbox allows it (else fresh); fresh: a new sandboxed "
                            "kernel for each student, started ahead")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.set_defaults(run=_autograde)

    report = commands.add_parser("report", help="write OUT/report.html: the class at a glance (autograde writes it too)")
    report.add_argument("out", help="an output folder of grader autograde")
    report.set_defaults(run=_report)

    similarity = commands.add_parser("similarity", help="near-identical hand-ins: OUT/similarity.html and .csv")
    similarity.add_argument("lab", help="lab name")
    similarity.add_argument("out", help="an output folder of grader autograde for that lab")
    similarity.set_defaults(run=_similarity)

    export = commands.add_parser("export", help="write grades.csv, canvas.csv and feedback again with the manual "
                                                "grades entered in nbgrader's formgrader, without grading")
    export.add_argument("out", help="an output folder of grader autograde")
    export.add_argument("--lab", help="the lab, where the folder holds several")
    export.set_defaults(run=_export)

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

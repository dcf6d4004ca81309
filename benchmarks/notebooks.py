"""How long each solution notebook takes to run top to bottom, in a real Jupyter kernel.

    .venv/bin/python benchmarks/notebooks.py            # every solution notebook, full and quick
    .venv/bin/python benchmarks/notebooks.py --repeat 3 neural_networks

Prints, per notebook, the wall-clock seconds of the full run (what a student waits for) and
of the quick run that the tests and the grader use (``COURSE_LABS_QUICK=1``), and their
ratio. Kernel start-up and imports (TensorFlow: several seconds) are included. Median of
``--repeat`` runs; the machine is shared, so compare figures from one run only.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def run_once(path: Path, quick: bool) -> float:
    os.environ["COURSE_LABS_QUICK"] = "1" if quick else "0"
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("labs", nargs="*", help="labs to time (default: all)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    paths = sorted(p for p in (ROOT / "solutions").glob("*/*.ipynb") if not args.labs or p.parent.name in args.labs)
    print(f"{'notebook':58s} {'full s':>8s} {'quick s':>8s} {'full/quick':>10s}  ({os.cpu_count()} CPUs, median of {args.repeat})")
    for path in paths:
        full = statistics.median(run_once(path, quick=False) for _ in range(args.repeat))
        quick = statistics.median(run_once(path, quick=True) for _ in range(args.repeat))
        print(f"{path.parent.name + '/' + path.name:58s} {full:8.1f} {quick:8.1f} {full / quick:10.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The similarity report as people and spreadsheets read it: ``similarity.html`` (ranked,
the matching cells side by side) and ``similarity.csv`` (one row per finding).

Everything a student wrote is html-escaped, the page forbids scripts (Content-Security-
Policy) and holds no external resource; the CSV never starts a cell with ``= + - @``
(spreadsheet formulas). The first :data:`OPEN` findings are shown open; the others are
folded in ``<details>``, so a page for a thousand students stays readable.
"""
from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .similarity import Finding, SimilarityReport

OPEN = 10  # findings shown unfolded at the top of the page
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
STYLE = """
body{font-family:sans-serif;margin:1.5em auto;max-width:110em;padding:0 1em}
table.rank td,table.rank th{padding:.15em .6em;text-align:left;border-bottom:1px solid #ddd}
.finding{border:1px solid #ccc;border-radius:4px;margin:1em 0;padding:.4em .8em}
.finding>summary{cursor:pointer;font-weight:bold}
.side{display:grid;grid-template-columns:1fr 1fr;gap:.8em;margin:.4em 0 1em}
.side pre{background:#f6f8fa;margin:0;padding:.5em;overflow:auto;font-size:.85em;white-space:pre-wrap}
.side h4{margin:.2em 0;font-weight:normal}
.score{font-variant-numeric:tabular-nums}
.ref{color:#b42318}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cell(text: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _title(f: "Finding") -> str:
    return f"#{f.rank} {_e(f.student_a)} — {_e(f.student_b)}: {f.score:.0%} ({_e(f.kind)})"


def _finding_html(f: "Finding", open_: bool) -> str:
    parts = [f"<details class=finding id=f{f.rank}{' open' if open_ else ''}><summary>{_title(f)}</summary>",
             f"<p>{f.shared} fingerprints in common; matching exercises: "
             f"{_e(', '.join(f.exercises)) or 'none alone (the evidence is spread over the lab)'}.</p>"]
    for cells in f.cells:
        parts.append(f"<h3>{_e(cells.exercise)} <span class=score>({cells.score:.0%})</span></h3><div class=side>"
                     f"<div><h4>{_e(f.student_a)}</h4><pre>{_e(cells.left)}</pre></div>"
                     f"<div><h4>{_e(f.student_b)}</h4><pre>{_e(cells.right)}</pre></div></div>")
    parts.append("</details>")
    return "\n".join(parts)


def render(report: "SimilarityReport") -> str:
    from .similarity import COMMON_MIN, COMMON_SHARE, COVER, FLAG, REFERENCE

    parts = [
        "<!doctype html><html lang=en><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
        f"<title>{_e(report.lab)}: similar hand-ins</title><style>{STYLE}</style>",
        f"<h1>{_e(report.lab)}: similar hand-ins</h1>",
    ]
    if not report.students:
        parts.append("<p>No hand-ins to compare: no student of this lab has a graded notebook in this run.</p>")
        return "\n".join(parts) + "\n"
    parts.append(
        f"<p>{_e(report.summary().split(';')[0])}.</p>"
        f"<p>Answer cells are compared after comments, whitespace, names and the writing of numbers are "
        f"normalised. The released stub and the reference solution are no evidence between students, nor is code "
        f"shared by more than {COMMON_SHARE:.0%} of the class (and {COMMON_MIN} students). A finding needs "
        f"{FLAG:.0%} similarity over the whole lab, with the exercises that match holding at least {COVER:.0%} of "
        f"the code: one short cell alike is no finding. A lead to look at, not a verdict.</p>")
    if report.findings:
        parts.append("<table class=rank><tr><th>rank</th><th>student</th><th>with</th><th>score</th>"
                     "<th>exercises that match</th><th>kind</th></tr>")
        for f in report.findings:
            kind = f"<span class=ref>{_e(f.kind)}</span>" if f.kind == REFERENCE else _e(f.kind)
            parts.append(f"<tr><td><a href='#f{f.rank}'>{f.rank}</a></td><td>{_e(f.student_a)}</td>"
                         f"<td>{_e(f.student_b)}</td><td class=score>{f.score:.0%}</td>"
                         f"<td>{_e(', '.join(f.exercises))}</td><td>{kind}</td></tr>")
        parts.append("</table>")
        parts.extend(_finding_html(f, i < OPEN) for i, f in enumerate(report.findings))
    else:
        parts.append("<p>No pair of hand-ins is similar enough to list.</p>")
    if report.near_misses:
        parts.append(f"<details><summary>The {len(report.near_misses)} closest pairs below the threshold</summary>"
                     "<table class=rank><tr><th>student</th><th>with</th><th>score</th><th>fingerprints shared</th></tr>")
        parts.extend(f"<tr><td>{_e(f.student_a)}</td><td>{_e(f.student_b)}</td><td class=score>{f.score:.0%}</td>"
                     f"<td>{f.shared}</td></tr>" for f in report.near_misses)
        parts.append("</table></details>")
    return "\n".join(parts) + "\n"


def write_html(report: "SimilarityReport", path: Path) -> None:
    path.write_text(render(report), encoding="utf-8")


def write_csv(report: "SimilarityReport", path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["rank", "student_a", "student_b", "score", "exercises", "kind"])
        for f in report.findings:
            writer.writerow([f.rank, _cell(f.student_a), _cell(f.student_b), f"{f.score:.3f}",
                             _cell(" ".join(f.exercises)), f.kind])

"""What grading leaves: a terminal table, grades.csv, JUnit XML and one self-contained HTML gradebook.

Every output is built from the same Grade list; nothing here sees a credential (roster.Learner keeps
them out of its repr and the runner scrubs echoed secrets from every detail).
"""

from __future__ import annotations

import csv
import html
import xml.etree.ElementTree as ET
from pathlib import Path

from tabulate import tabulate

from mlflow_labs.grade.runner import Grade, learner_folder
from mlflow_labs.grade.steps import Steps

__all__ = ["Steps", "cells", "check_names", "score", "summary", "table", "write_csv", "write_html", "write_junit"]

CELL = {True: "PASS", False: "FAIL"}


def check_names(grades: list[Grade]) -> list[str]:
    """The check columns: every check any learner ran, in the lab's order."""
    names: list[str] = []
    for g in grades:
        for name in [r.name for r in g.results] + ([g.stopped_at] if g.stopped_at else []):
            if name not in names:
                names.append(name)
    return names


def cells(grade: Grade, names: list[str]) -> list[str]:
    """PASS/FAIL per check; ERROR where it could not run (the whole row when the server could not be checked;
    the check the time bound cut short, with what ran before it kept and "-" for what never started)."""
    if grade.error and not (grade.results or grade.stopped_at):
        return ["ERROR"] * len(names)
    by_name = {r.name: r for r in grade.results}
    return [CELL[by_name[n].ok] if n in by_name else "ERROR" if n == grade.stopped_at else "-" for n in names]


def score(grade: Grade) -> str:
    return f"{grade.passed}/{len(grade.results)}" if not grade.error else f"{grade.passed}/-"


def summary(grades: list[Grade]) -> str:
    passed = sum(g.ok for g in grades)
    errors = sum(bool(g.error) for g in grades)
    return f"{passed} of {len(grades)} learners pass every check; {errors} could not be checked"


def table(grades: list[Grade], width: int = 70) -> str:
    """learner x check (columns numbered, legend below), then the first failure's hint."""
    names = check_names(grades)
    rows = []
    for g in grades:
        check, detail, hint = g.first_failure()
        why = detail if g.error else hint  # what stopped the grading; else the step to revisit
        if check:
            why = f"[{names.index(check) + 1}] {why}"
        rows.append([g.learner.name, g.status, score(g), *cells(g, names),
                     why if len(why) <= width else why[: width - 3] + "..."])
    headers = ["learner", "status", "score", *[str(i + 1) for i in range(len(names))], "first failure: what to revisit"]
    legend = "\n".join(f"  {i + 1}. {n}" for i, n in enumerate(names))
    return f"{tabulate(rows, headers=headers)}\n\nchecks:\n{legend}\n{summary(grades)}"


def write_csv(grades: list[Grade], path: Path, steps: Steps | None = None) -> Path:
    names = check_names(grades)
    steps = steps or Steps("")
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["learner", "tracking_uri", "experiment", "status", "passed", "checks", *names,
                    "first_failure", "detail", "hint", "readme_step"])
        for g in grades:
            check, detail, hint = g.first_failure()
            w.writerow([g.learner.name, g.learner.tracking_uri, g.learner.experiment or "", g.status, g.passed,
                        len(g.results), *cells(g, names), check, detail, hint, steps.where(hint)])
    return path


def write_junit(grades: list[Grade], lab: str, path: Path, steps: Steps | None = None) -> Path:
    """One testsuite per learner, one testcase per check; a server that could not be checked is one
    errored testcase per check (the LMS sees the same grid as the table)."""
    names = check_names(grades)
    root = ET.Element("testsuites", name=f"mlflow-labs grade {lab}")
    for g in grades:
        failures = sum(not r.ok for r in g.results)
        suite = ET.SubElement(root, "testsuite", name=g.learner.name, tests=str(len(g.results) or len(names) or 1),
                              failures=str(0 if g.error else failures),
                              errors=str((len(names) or 1) if g.error else 0), time=f"{g.seconds:.3f}")
        classname = f"{lab}.{g.learner.name}"
        if g.error:
            for n in names or ["server answers"]:
                case = ET.SubElement(suite, "testcase", classname=classname, name=n, time="0")
                ET.SubElement(case, "error", message=g.error[:500]).text = f"{g.error}\nhint: {g.hint}{_at(steps, g.hint)}"
            continue
        for r in g.results:
            case = ET.SubElement(suite, "testcase", classname=classname, name=r.name, time=f"{r.seconds:.3f}")
            if not r.ok:
                ET.SubElement(case, "failure", message=r.detail[:500]).text = f"{r.detail}\nhint: {r.hint}{_at(steps, r.hint)}"
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def _at(steps: Steps | None, hint: str) -> str:
    where = steps.where(hint) if steps else ""
    return f" ({where})" if where else ""


_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:14px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3;cursor:pointer;user-select:none}
th[aria-sort=ascending]::after{content:" \\25B2"} th[aria-sort=descending]::after{content:" \\25BC"}
td.PASS{background:#e6f4e6} td.FAIL{background:#fbe3e3} td.ERROR{background:#f6e7c8}
td.hint{max-width:40em;font-size:13px} .why{color:#555} .step{color:#246}
"""

# Sort by the clicked column (numbers as numbers); a second click reverses. No library, no network.
_SCRIPT = """
document.querySelectorAll('table.grades th').forEach((th, col) => th.addEventListener('click', () => {
  const body = th.closest('table').tBodies[0];
  const asc = th.getAttribute('aria-sort') !== 'ascending';
  th.closest('tr').querySelectorAll('th').forEach(h => h.removeAttribute('aria-sort'));
  th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
  const key = tr => tr.cells[col].dataset.sort ?? tr.cells[col].textContent.trim();
  const rows = [...body.rows].sort((a, b) => {
    const x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
    const c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
    return asc ? c : -c;
  });
  rows.forEach(r => body.appendChild(r));
}));
"""


def _revisit(steps: Steps, hint: str) -> str:
    e = html.escape
    where = steps.where(hint)
    return f"revisit: {e(hint)}" + (f" <span class=step>({e(where)})</span>" if where else "")


def _shots(grade: Grade, i: int, folder: Path) -> str:
    """Links to what the learner's checks saved (lab 5's screenshots), beside the gradebook."""
    own = folder / "learners" / learner_folder(i, grade.learner)
    shots = sorted(own.rglob("*.png")) if own.is_dir() else []
    links = ", ".join(f'<a href="{html.escape(str(p.relative_to(folder)))}">{html.escape(p.stem)}</a>' for p in shots)
    return f"<li>screenshots: {links}</li>" if links else ""


def write_html(grades: list[Grade], lab: str, title: str, steps: Steps, path: Path) -> Path:
    e = html.escape
    names = check_names(grades)
    head = "".join(f'<th title="{e(n)}">{i + 1}. {e(n)}</th>' for i, n in enumerate(names))
    rows = []
    for i, g in enumerate(grades):
        by_name = {r.name: r for r in g.results}
        tds = []
        for n, cell in zip(names, cells(g, names)):
            r = by_name.get(n)
            if r is None:
                tip = g.error if cell == "ERROR" else "not run"
            else:
                tip = r.detail if r.ok else f"{r.detail} | revisit: {r.hint}"
            tds.append(f'<td class="{cell}" title="{e(tip)}">{cell}</td>')
        failures = [f"<li><b>{e(r.name)}</b>: <span class=why>{e(r.detail)}</span><br>{_revisit(steps, r.hint)}</li>"
                    for r in g.results if not r.ok]
        if g.error:
            what = f"stopped at {g.stopped_at}" if g.stopped_at else "could not be checked"
            failures.append(f"<li><b>{e(what)}</b>: <span class=why>{e(g.error)}</span><br>{_revisit(steps, g.hint)}</li>")
        failures.append(_shots(g, i, path.parent))
        rows.append(
            f"<tr><td>{e(g.learner.name)}</td><td>{e(g.learner.tracking_uri)}</td><td>{e(g.learner.experiment or '')}</td>"
            f'<td class="{g.status}">{g.status}</td><td data-sort="{g.passed}">{score(g)}</td>{"".join(tds)}'
            f'<td class="hint"><ul>{"".join(failures)}</ul></td></tr>')
    doc = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gradebook: {e(lab)}</title><style>{_STYLE}</style></head>
<body><h1>Gradebook: {e(lab)} ({e(title)})</h1>
<p>{e(summary(grades))}. Each FAIL names what was found and the step of <code>{e(steps.readme)}</code> to revisit.
Click a column heading to sort.</p>
<table class="grades"><thead><tr><th>learner</th><th>tracking URI</th><th>experiment</th><th>status</th><th>score</th>{head}
<th>failures: what to revisit</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<script>{_SCRIPT}</script>
</body></html>
"""
    path.write_text(doc, encoding="utf-8")
    return path

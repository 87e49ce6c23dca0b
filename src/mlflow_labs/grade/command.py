"""`mlflow-labs grade labN --roster roster.csv`: the instructor's command (cli.py registers it)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

EXIT_FAIL = 1
# Defaults: a lab's checks take a few seconds on a healthy server; a minute is a server in trouble; two small
# answers (the probe: /health and one API call) take well under a second. No tracking API answer nor lab
# artifact comes near 16 MB; a bigger answer is a hostile or broken server.
WORKERS, TIME_BOUND, PROBE_BOUND, MAX_RESPONSE_MB = 16, 60.0, 10.0, 16


def print_template(lab) -> int:
    """The roster's header for this lab (stdout, ready for `> roster.csv`) and what goes in each column (stderr)."""
    from mlflow_labs.grade import roster

    header, about = roster.template(lab)
    print(header)
    print(f"# columns of a {lab.name} roster (one line per learner; secrets by variable name or netrc file only):",
          file=sys.stderr)
    for line in about:
        print(f"#   {line}", file=sys.stderr)
    return 0


def cmd_grade(args) -> int:
    from mlflow_labs import settings
    from mlflow_labs.errors import LabError
    from mlflow_labs.grade import outputs, roster, runner
    from mlflow_labs.labs import get_lab

    lab = get_lab(args.lab)
    if args.roster_template:
        return print_template(lab)
    if not args.roster:
        raise LabError(f"give the class roster with --roster roster.csv; `mlflow-labs grade {lab.name} "
                       f"--roster-template > roster.csv` writes its header for {lab.name}.")
    learners = roster.load(args.roster, lab)  # a RosterError (exit 2) before anything is graded
    out = Path(args.out) if args.out else settings.current().reports / f"grade-{lab.name}"
    # a browser per learner costs a core and a gigabyte: a lab whose checks drive one grades a core's worth at once
    from mlflow_labs.harness.inputs import BROWSER
    browser = any(i.kind == BROWSER for i in lab.inputs)
    args.workers = args.workers or (min(WORKERS, os.cpu_count() or 1) if browser else WORKERS)
    out.mkdir(parents=True, exist_ok=True)
    print(f"grading {len(learners)} learner(s) on {lab.name} ({args.workers} at a time, "
          f"{args.time_bound:.0f} s and {args.max_response_mb} MB per learner)", file=sys.stderr, flush=True)

    def progress(grade, done: int, total: int) -> None:
        print(f"  .. {done}/{total} graded: {grade.learner.name} {grade.status} {outputs.score(grade)} "
              f"({grade.seconds:.1f} s)", file=sys.stderr, flush=True)

    grades = runner.grade_all(lab, learners, workers=args.workers, time_bound=args.time_bound,
                              max_bytes=int(args.max_response_mb * 1024 * 1024), out=out, progress=progress,
                              probe_bound=args.probe_bound)
    steps = outputs.Steps.of(lab)
    print(outputs.table(grades))
    written = [outputs.write_csv(grades, out / "grades.csv", steps),
               outputs.write_junit(grades, lab.name, out / "grades-junit.xml", steps),
               outputs.write_html(grades, lab.name, lab.title, steps, out / "gradebook.html")]
    print("written: " + ", ".join(str(p) for p in written))
    return 0 if all(g.ok for g in grades) else EXIT_FAIL


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise ValueError(text)
        return value
    parse.__name__ = f"positive {kind.__name__}"
    return parse


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "grade", help="grade a class: every learner's server (or experiment) in a roster, with the lab's checks",
        description="Run the lab's own checks against every learner of ROSTER (a CSV: learner, tracking_uri, and "
                    "optionally experiment, the server's credentials by reference, and the lab's own columns: "
                    "--roster-template prints them), in parallel, each in a process of its own, bounded in time "
                    "and answer size. Writes a table, grades.csv, JUnit XML and gradebook.html. "
                    "Exit 0 when every learner passes, 1 otherwise, 2 for a bad roster (nothing graded).")
    p.add_argument("lab")
    p.add_argument("--roster", help="the class roster CSV (README: 'Grading a class')")
    p.add_argument("--roster-template", action="store_true",
                   help="print the lab's roster header (stdout) and what goes in each column (stderr), then exit")
    p.add_argument("--out", default=None, help="folder for grades.csv, grades-junit.xml, gradebook.html "
                                               "(default reports/grade-LAB)")
    p.add_argument("--workers", type=_positive(int), default=None,
                   help=f"learners graded at once (default {WORKERS}; for a lab whose checks drive a browser, one per CPU core)")
    p.add_argument("--time-bound", type=_positive(float), default=TIME_BOUND,
                   help=f"seconds per learner; then their checks, and whatever they started (a browser), are stopped "
                        f"(default {TIME_BOUND:.0f})")
    p.add_argument("--probe-bound", type=_positive(float), default=PROBE_BOUND,
                   help="seconds each server has to answer the grader's first look (/health and one API call) before "
                        f"all its learners are reported hung (default {PROBE_BOUND:.0f}; at most the time bound)")
    p.add_argument("--max-response-mb", type=_positive(float), default=MAX_RESPONSE_MB,
                   help=f"largest answer read from a learner's server, in MB (default {MAX_RESPONSE_MB})")
    p.set_defaults(func=cmd_grade)

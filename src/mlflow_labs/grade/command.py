"""`mlflow-labs grade labN --roster roster.csv`: the instructor's command (cli.py registers it)."""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_FAIL = 1
# Defaults: a lab's checks take a few seconds on a healthy server; a minute is a server in trouble.
WORKERS, TIME_BOUND, MAX_RESPONSE_MB = 16, 60.0, 64


def cmd_grade(args) -> int:
    from mlflow_labs import settings
    from mlflow_labs.grade import outputs, roster, runner
    from mlflow_labs.labs import get_lab

    lab = get_lab(args.lab)
    learners = roster.load(args.roster)  # a RosterError (exit 2) before anything is graded
    out = Path(args.out) if args.out else settings.current().reports / f"grade-{lab.name}"
    out.mkdir(parents=True, exist_ok=True)
    print(f"grading {len(learners)} learner(s) on {lab.name} ({args.workers} at a time, "
          f"{args.time_bound:.0f} s and {args.max_response_mb} MB per learner)", file=sys.stderr, flush=True)

    def progress(grade, done: int, total: int) -> None:
        print(f"  .. {done}/{total} graded: {grade.learner.name} {grade.status} {outputs.score(grade)} "
              f"({grade.seconds:.1f} s)", file=sys.stderr, flush=True)

    grades = runner.grade_all(lab, learners, workers=args.workers, time_bound=args.time_bound,
                              max_bytes=int(args.max_response_mb * 1024 * 1024), progress=progress)
    print(outputs.table(grades))
    readme = str(lab.readme.relative_to(lab.dir.parent.parent)) if lab.dir.exists() else lab.folder
    written = [outputs.write_csv(grades, out / "grades.csv"),
               outputs.write_junit(grades, lab.name, out / "grades-junit.xml"),
               outputs.write_html(grades, lab.name, lab.title, readme, out / "gradebook.html")]
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
                    "optionally experiment, username_var/password_var, token_var or netrc), in parallel, each "
                    "bounded in time and answer size. Writes a table, grades.csv, JUnit XML and gradebook.html. "
                    "Exit 0 when every learner passes, 1 otherwise, 2 for a bad roster (nothing graded).")
    p.add_argument("lab")
    p.add_argument("--roster", required=True, help="the class roster CSV (README: 'Grading a class')")
    p.add_argument("--out", default=None, help="folder for grades.csv, grades-junit.xml, gradebook.html "
                                               "(default reports/grade-LAB)")
    p.add_argument("--workers", type=_positive(int), default=WORKERS, help=f"learners graded at once (default {WORKERS})")
    p.add_argument("--time-bound", type=_positive(float), default=TIME_BOUND,
                   help=f"seconds per learner before their server counts as too slow (default {TIME_BOUND:.0f})")
    p.add_argument("--max-response-mb", type=_positive(float), default=MAX_RESPONSE_MB,
                   help=f"largest answer read from a learner's server, in MB (default {MAX_RESPONSE_MB})")
    p.set_defaults(func=cmd_grade)

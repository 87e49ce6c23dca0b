"""`mlflow-labs run | check | doctor | images | grade`: the learner's entry point; the same code the tests run."""

from __future__ import annotations

import argparse
import os
import sys

from mlflow_labs.errors import LabError
from mlflow_labs.harness.signals import terminate_like_interrupt

EXIT_FAIL, EXIT_USAGE = 1, 2


def cmd_run_by_hand(args) -> int:
    """The README as a learner types it (harness/readme/replay.py), on the route the lab picks for --infra."""
    from mlflow_labs.harness.readme.replay import replay
    from mlflow_labs.labs import get_lab
    spec = get_lab(args.lab)
    report = replay(spec, spec.route_for(args.infra),
                    progress=lambda m: print(f"  .. {m}", file=sys.stderr, flush=True))
    print(report.table())
    print(f"report: {report.write_json(args.reports)}")
    return 0 if report.ok else EXIT_FAIL


def cmd_run(args) -> int:
    """Every lab the same way: its LabRun's policy turns any failure into the report's one-paragraph
    error (infra torn down, report written); this prints it and exits 1."""
    from mlflow_labs.labs import get_lab
    spec = get_lab(args.lab)
    if args.infra is not None and args.infra not in spec.infra:  # argparse offers every lab's choices
        raise LabError(f"--infra {args.infra} does not apply to {spec.name}: it takes {'|'.join(spec.infra)}. "
                       f"Run `mlflow-labs run {spec.name} --infra {spec.infra[0]}`, or leave --infra out.")
    if args.by_hand:
        return cmd_run_by_hand(args)
    report = spec.run(progress=lambda m: print(f"  .. {m}", file=sys.stderr, flush=True),
                                   keep=args.keep_infra, infra=args.infra)
    print(report.table())
    print(f"report: {report.write_json(args.reports)}")
    return 0 if report.ok else EXIT_FAIL


def _owners(option: str) -> str:
    """The labs whose `check` takes ``option`` (their specs' check_options)."""
    from mlflow_labs.labs import LABS
    return " and ".join(name for name, spec in LABS.items() if option in spec.check_options)


def _only_for(flag: str, option: str, lab: str) -> LabError:
    owners = _owners(option)
    why = {"repo": "'s checks read nothing but the server.", "after-restart": " has no restart to compare across."}[option]
    return LabError(f"{flag} applies to {owners} only; {lab}{why}")


def cmd_check(args) -> int:
    from mlflow_labs.labs import get_lab
    lab = get_lab(args.lab)
    if args.repo and "repo" not in lab.check_options:  # lab 4's training repository: its commits and DVC cache hold each run's code and data
        raise _only_for("--repo", "repo", args.lab)
    # one-line error, exit 2, when the URI is not a live MLflow server: nothing to check against
    # (a lab whose server refuses anonymous calls names its own probe in its spec)
    lab.ensure_server(args.tracking_uri)
    checks = lab.checks()
    options = {}
    restart = "after-restart" in lab.check_options  # its checks record run ids, and compare against them later
    if args.after_restart:  # compare against what an earlier check recorded (lab 3, by hand)
        if not restart:
            raise _only_for("--after-restart", "after-restart", args.lab)
        options = checks.recorded_run_ids(args.tracking_uri)
    if args.repo:
        options["repo"] = args.repo
    if args.experiment:  # a learner's own experiment on a shared class server (what `grade` passes per learner)
        options["experiment"] = args.experiment
    if lab.inputs:  # the credentials its spec declares, from the environment (`grade` takes them from the roster)
        from mlflow_labs.harness.inputs import from_environment
        options["env"] = from_environment(lab.inputs, os.environ)
    from mlflow_labs.harness.report import Report
    report = Report(f"check-{args.lab}")  # what the checks spent (lab 5's browser phases) and produced (screenshots)
    results = checks.run_checks(args.tracking_uri, report=report, **options)
    for r in results:
        print(f"{'PASS' if r.ok else 'FAIL'}  {r.name}: {r.detail}")
        if not r.ok:
            print(f"      hint: {r.hint}")
    failed = sum(not r.ok for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    write_check_results(args.lab, results, report)
    if not args.after_restart and restart:
        print(checks.record_run_ids(args.tracking_uri))
    return EXIT_FAIL if failed else 0


def write_check_results(lab: str, results, report) -> None:
    """reports/check-LAB.json: what `check` printed, as data (each result, the phases it spent, the files it
    made), for whoever ran it: a lab run whose README runs `mlflow-labs check` reads its results there
    instead of checking a second time (lab 5's browser walk)."""
    import json
    from mlflow_labs import settings
    reports = settings.current().reports
    data = {"lab": lab, "results": [r.as_dict() for r in results], "phases": report.phases, "files": report.files}
    try:
        reports.mkdir(parents=True, exist_ok=True)
        (reports / f"check-{lab}.json").write_text(json.dumps(data, indent=2))
    except OSError as exc:  # the results were printed: a folder that cannot be written is a warning
        print(f"warning: could not write {reports}/check-{lab}.json: {exc}", file=sys.stderr)


def cmd_doctor(args) -> int:
    from mlflow_labs.doctor import check_all
    statuses = check_all(args.lab)
    for s in statuses:
        mark = "ok " if s.present else "MISSING"
        line = f"{mark:8}{s.prereq.name:36} {s.detail if s.present else (s.what or s.detail)}"
        print(line + ("" if s.present else f"\n        for {', '.join(s.prereq.labs)}; fix: {s.fix}"))
    return 0


def cmd_images(args) -> int:
    """A README's screenshots, regenerated from a whole run of its lab (harness/readme_images.py)."""
    from mlflow_labs.harness.readme_images import regenerate
    from mlflow_labs.labs import LABS, get_lab
    spec = get_lab(args.lab)
    if not spec.screenshots:
        raise LabError(f"{spec.name}'s README shows no screenshots of a run; the labs whose README does: "
                       f"{', '.join(name for name, s in LABS.items() if s.screenshots)}.")
    return regenerate(spec)


def build_parser() -> argparse.ArgumentParser:
    from mlflow_labs.harness.spec import load
    from mlflow_labs.labs import LABS
    infra = list(dict.fromkeys(choice for spec in LABS.values() for choice in spec.infra))
    infra_help = "; ".join(dict.fromkeys(spec.infra_help for spec in LABS.values()))
    p = argparse.ArgumentParser(prog="mlflow-labs", description="Run and check the MLflow course labs.")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="start everything a lab needs, run its README, check the result")
    r.add_argument("lab")
    r.add_argument("--infra", choices=infra, default=None,
                   help=f"where servers run (env MLFLOW_LABS_INFRA): {infra_help}")
    r.add_argument("--keep-infra", action="store_true", help="leave servers/containers running afterwards")
    r.add_argument("--reports", default=None, help="folder for the JSON report (default reports/)")
    r.add_argument("--by-hand", action="store_true",
                   help="replay the README as a learner types it: one shell, fresh HOME, no MLFLOW_LABS_* settings, "
                        "only the README's own placeholders filled ("
                        f"{', '.join(name for name, spec in LABS.items() if spec.byhand)})")
    r.set_defaults(func=cmd_run)

    c = sub.add_parser("check", help="check a server you set up by following the lab (starts nothing)")
    c.add_argument("lab")
    c.add_argument("--tracking-uri", required=True, help="e.g. http://localhost:7006")
    c.add_argument("--after-restart", action="store_true",
                   help=f"{_owners('after-restart')}: also check that the runs an earlier check recorded (./.mlflow-labs/LAB-runs.json) "
                        "survived the server being destroyed; fails when nothing was recorded")
    c.add_argument("--experiment", default=None,
                   help="check this experiment instead of the lab's own (your experiment on a shared class server)")
    c.add_argument("--repo", default=None,
                   help=f"{_owners('repo')}: your training repository; the model is tested on each run's own data from its DVC cache")
    c.set_defaults(func=cmd_check)

    d = sub.add_parser("doctor", help="list every lab's prerequisites and how to get the missing ones")
    d.add_argument("lab", nargs="?")
    d.set_defaults(func=cmd_doctor)

    i = sub.add_parser("images", help="regenerate a lab README's screenshots from a whole run of the lab ("
                                      f"{', '.join(name for name, spec in LABS.items() if spec.screenshots)})")
    i.add_argument("lab")
    i.set_defaults(func=cmd_images)

    for spec in LABS.values():  # a lab's own subcommands live in its package (lab 4's `reproduce`)
        for register in spec.commands:
            load(register)(sub)
    from .grade import command as grade_command  # the instructor's command, across labs
    grade_command.register(sub)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    terminate_like_interrupt()  # SIGTERM (a CI timeout, kill) tears down like Ctrl-C
    try:
        return args.func(args)
    except LabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        # the LabRun's teardown ran on the way out (unless --keep-infra, which said what it left)
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

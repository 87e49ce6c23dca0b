"""Lab 1: run the README as written (a free port for 7006), check the run, restart the server, check again."""

from __future__ import annotations

from pathlib import Path

from mlflow_labs.harness.docs import ReadmeRunner, port_substitution
from mlflow_labs.labs import get_lab, repo_root
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.report import Report

DOCUMENTED_PORT = 7006


def runner(workdir: Path | None = None, port: int | None = None, progress=print) -> tuple[ReadmeRunner, str]:
    """A runner for the Lab 1 README on a free port, and the tracking URI it will serve."""
    lab = get_lab("lab1")
    port = port or free_port()
    r = ReadmeRunner(lab.readme, workdir,
                     substitutions=[port_substitution(DOCUMENTED_PORT, port)],
                     display_root=repo_root(), progress=progress)
    return r, f"http://127.0.0.1:{port}"


def run(progress=print, keep: bool = False, workdir: Path | None = None, infra: str | None = None) -> Report:
    """``infra`` is accepted for a uniform CLI; Lab 1 is a local process by definition (the notes' PoC)."""
    checks = get_lab("lab1").checks()
    report = Report("lab1")
    docs, uri = runner(workdir, progress=progress)
    results: list[tuple[str, list]] = []
    try:
        with report.phase("steps"):
            docs.run()
        with report.phase("checks"):
            results.append(("checks/lab1.py", checks.run_checks(uri)))
        with report.phase("server restart"):
            docs.restart_background(docs.background_lines()[0])
        with report.phase("checks"):
            results.append(("checks/lab1.py after restart", checks.run_checks(uri)))
    except Exception as exc:  # the report still shows every step that ran
        report.error = str(exc)
    finally:
        if keep:
            progress(f"--keep-infra: server left running at {uri}, work dir {docs.workdir}")
        else:
            with report.phase("teardown"):
                docs.close()
        report.substitutions = dict(docs.applied)
        report.add_steps(docs.steps)
        for where, res in results:
            report.add_checks(res, where)
    return report

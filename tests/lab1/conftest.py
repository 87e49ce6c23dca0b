"""Lab 1's one run per test session: `mlflow-labs run lab1 --keep-infra`, the learner's command (the README
on a free port, the checks, the server restarted, the checks again). Every test that reads lab 1's outcome
reads this run: its report, and its server, kept up until the session ends. README mutations start from it
(tests/readme_mutation.py): they share its server, each in an experiment of its own."""

from __future__ import annotations

import pytest

from mlflow_labs import plugin
from tests.lab_command import CommandRun, run_lab, stop_kept


@pytest.fixture(scope="session")
def lab1_run(request, tmp_path_factory, progress, tracking_uri_option) -> CommandRun:
    if tracking_uri_option:
        pytest.skip(f"--mlflow-labs-tracking-uri {tracking_uri_option} given: checking that server, not starting one")
    progress("mlflow-labs run lab1 --keep-infra: the README, the checks, the restart, the checks again")
    run = run_lab("lab1", tmp_path_factory.mktemp("lab1-run") / "reports", progress, "--keep-infra")
    try:
        if run.report:  # the session's reports/lab1.json and table: this run's
            request.config.stash[plugin._REPORTS].append(run.as_report())
        yield run
    finally:
        stop_kept(run)


@pytest.fixture(scope="session")
def lab1_uri(lab1_run) -> str:
    """The server the README started (restarted once), as the run left it."""
    assert lab1_run.returncode == 0, lab1_run.why()
    return lab1_run.kept("server at")

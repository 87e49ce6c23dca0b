"""Lab 6 fixtures, two per session:

- `lab_command`: `mlflow-labs run lab6` as ONE command, as a learner or CI types it (README, checks, load on
  SQLite and PostgreSQL, the schema race, both faults, the Host header). It runs once; the load, fault and
  Host-header tests read its report's figures, and test_8 holds the command itself to exit 0, a figure for
  every row of the README's table and nothing left running. (The measurement used to run twice: once
  phase by phase in the session fixture, once more as this command.)
- `lab`: the README run alone on a server kept up for the session (access control probed live, the secret
  scan, the README's load runs read back). Its report is printed and written as reports/lab6-readme.json.

Either is started only by the tests that need it; the tests pass in any order (`--reverse`)."""

from __future__ import annotations


import pytest

from mlflow_labs import plugin
from mlflow_labs.infra import docker_engine
from mlflow_labs.harness import leaks
from mlflow_labs.lab6.scenario import Lab6Run
from tests.lab_command import CommandRun, run_lab
from tests.lab_session import reported_run, set_up

COMMAND_TIMEOUT_S = 3600  # the whole measurement; bounded, then the command's process group is killed


@pytest.fixture(scope="session")
def lab(request, progress, keep_infra):
    """The README run (access control, a load run, the Host header), secrets read from its env file."""
    # its table + reports/lab6-readme.json at the end (reports/lab6.json is the one command's, figures and all)
    run = reported_run(request, Lab6Run, progress, keep_infra, report_name="lab6-readme")
    run.report.figures = {}
    try:
        with set_up(run):
            run.run_readme()
            yield run
    finally:
        docker_engine.cleanup(docker_engine.SESSION)
    # whatever order the tests ran in, every command line of the whole session is scanned once it is over
    hits = leaks.found_in(run.secrets, run.watch.seen())
    if hits:
        pytest.fail(f"a secret was on a process's command line during the lab 6 session: {hits}")


@pytest.fixture(scope="session")
def lab_command(request, tmp_path_factory, progress) -> CommandRun:
    """`mlflow-labs run lab6`, once per session, its output streamed as progress lines (tests/lab_command.py).
    Its report lands in a reports dir of its own (a marker every process it starts inherits), then becomes the
    session's reports/lab6.json."""
    progress("mlflow-labs run lab6 as one command (README, load, schema race, faults, Host header: several minutes)")
    result = run_lab("lab6", tmp_path_factory.mktemp("lab6-run") / "reports", progress)
    if result.report:
        # the session's lab 6 report: its table at the end, reports/lab6.json, and the verdict line names
        # the README line or check where it failed, as the command itself does
        request.config.stash[plugin._REPORTS].append(result.as_report())
    return result

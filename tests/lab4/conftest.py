"""Lab 4's one run per session (what `mlflow-labs run lab4` executes), shared by the end-to-end tests and the
near-miss states."""

from __future__ import annotations

import pytest

from mlflow_labs.errors import LabError, PrerequisiteMissing
from mlflow_labs.lab4 import checks, tools
from mlflow_labs.lab4.scenario import Lab4Run


@pytest.fixture(scope="session")
def lab4(tmp_path_factory, progress, keep_infra):
    """The same Lab4Run `mlflow-labs run lab4` executes, phase by phase: setup (server), the checks on the
    still-empty server, then its steps (README + checks). The server stays up for the session: the
    end-to-end tests read the README's runs, the near-miss states sit beside them in experiments of their own."""
    try:
        tools.git_executable(), tools.dvc_executable()
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))
    with Lab4Run(workdir=tmp_path_factory.mktemp("lab4"), progress=progress, keep=keep_infra) as lab:
        lab.readme_error = None
        with lab.phase("setup"):
            lab.setup()
        with lab.phase("checks"):
            lab.empty_results = checks.run_checks(lab.uri)  # before any run: must fail
        try:
            lab.steps()
        except LabError as exc:  # test_readme_runs_as_written reports it with README:LINE
            lab.readme_error = exc
        yield lab

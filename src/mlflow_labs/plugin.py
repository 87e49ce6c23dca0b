"""pytest plugin: options and thin fixtures. The work is in harness/, infra/ and the lab packages."""

from __future__ import annotations

import os
import sys

import pytest

from mlflow_labs.harness.report import Report

_REPORTS = pytest.StashKey[list]()


def pytest_addoption(parser):
    g = parser.getgroup("mlflow-labs")
    g.addoption("--infra", choices=["auto", "docker", "local"], default=os.environ.get("MLFLOW_LABS_INFRA", "auto"),
                help="where lab servers run: docker containers, local processes, or auto (docker when usable)")
    g.addoption("--tracking-uri", default=os.environ.get("MLFLOW_LABS_TRACKING_URI"),
                help="run the lab checks against this server instead of starting one")
    g.addoption("--keep-infra", action="store_true", default=False,
                help="leave servers, containers and clusters running after the tests (for debugging)")


def pytest_configure(config):
    config.stash[_REPORTS] = []


@pytest.fixture(scope="session")
def infra_mode(request) -> str:
    return request.config.getoption("--infra")


@pytest.fixture(scope="session")
def keep_infra(request) -> bool:
    return request.config.getoption("--keep-infra")


@pytest.fixture(scope="session")
def tracking_uri_option(request) -> str | None:
    return request.config.getoption("--tracking-uri")


@pytest.fixture(scope="session")
def progress():
    """Progress lines for long waits, shown even while pytest captures output."""
    def say(msg: str) -> None:
        print(f"  .. {msg}", file=sys.__stderr__, flush=True)
    return say


@pytest.fixture
def lab_report(request):
    """Collect a Report: printed as a table at the end of the session and written to reports/<lab>.json.
    Call with a lab name (a new Report) or with a LabRun's own report (filled in as the run closes)."""
    reports = request.config.stash[_REPORTS]

    def make(lab: str | Report) -> Report:
        r = lab if isinstance(lab, Report) else Report(lab)
        reports.append(r)
        return r
    return make


def pytest_terminal_summary(terminalreporter, config):
    reports = config.stash.get(_REPORTS, [])
    if not reports:
        return
    terminalreporter.section("mlflow-labs step reports")
    for r in reports:
        terminalreporter.write_line(r.table())
        terminalreporter.write_line(f"written: {r.write_json()}")

"""A check that passes on nothing proves nothing: against an empty MLflow server, every lab's
`mlflow-labs check` passes the "server answers" check and fails every other one, each with a hint."""

from __future__ import annotations

import re

import pytest

from mlflow_labs.harness.common_checks import SERVER_CHECK
from mlflow_labs.harness.net import free_port
from mlflow_labs.lab1 import checks
from mlflow_labs.labs import LABS
from tests.command_line import cli

pytestmark = [pytest.mark.lab1, pytest.mark.harness]


@pytest.fixture
def empty_server(empty_mlflow_server):
    """One real, empty MLflow server (SQLite) shared by every lab's check (the plugin's, one per session)."""
    return empty_mlflow_server.uri


@pytest.mark.parametrize("lab", list(LABS))
def test_only_the_server_check_passes_on_an_empty_server(lab, empty_server):
    """What a learner sees from `mlflow-labs check <lab>` before doing the lab."""
    p = cli("check", lab, "--tracking-uri", empty_server)
    assert p.returncode == 1, p.stdout + p.stderr
    passed = re.findall(r"^PASS  (.+?): ", p.stdout, re.M)
    failed = re.findall(r"^FAIL  (.+?): ", p.stdout, re.M)
    # only a check proving the server answers may pass (lab 5's browser suite has none: all fail)
    assert set(passed) <= {SERVER_CHECK, "server answers /health"}, p.stdout
    expected = LABS[lab].checks().run_checks(empty_server)
    assert len(failed) == len(expected) - len(passed) and failed, p.stdout  # every other check ran, and failed
    assert p.stdout.count("hint: ") == len(failed), "every failure names the step to revisit"
    assert f"{len(passed)} passed, {len(failed)} failed" in p.stdout


def test_every_check_fails_when_no_server_answers():
    results = checks.run_checks(f"http://127.0.0.1:{free_port()}")
    assert results and all(not r.ok for r in results)
    assert "Cannot reach" in results[0].detail

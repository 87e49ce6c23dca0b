"""A check that passes on nothing proves nothing: every Lab 1 check must fail where the lab was not done."""

from __future__ import annotations

import pytest

from mlflow_labs.lab1 import checks
from mlflow_labs.infra.mlflow_server import MlflowServer
from mlflow_labs.harness.net import free_port

pytestmark = pytest.mark.lab1


def test_every_check_but_server_fails_on_an_empty_server(tmp_path, progress):
    with MlflowServer(f"sqlite:///{tmp_path}/empty.db", workdir=tmp_path, progress=progress) as server:
        results = checks.run_checks(server.uri)
    assert results[0].ok, "the server itself answers"
    failing = results[1:]
    assert failing and all(not r.ok for r in failing), [r.name for r in failing if r.ok]
    assert all(r.hint for r in failing), "every failure names the step to revisit"


def test_every_check_fails_when_no_server_answers():
    results = checks.run_checks(f"http://127.0.0.1:{free_port()}")
    assert results and all(not r.ok for r in results)
    assert "Cannot reach" in results[0].detail

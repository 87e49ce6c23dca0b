"""Lab 2's tests on Podman share one gate: helm, podman and the chart, or a skip naming the one missing and
its fix. The tests without a cluster share one local MLflow server: the README's run logged by its own
train.py (test_checks_local.py) and the near-miss states, each in experiments of its own beside it."""

from __future__ import annotations

import pytest

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.lab2 import chart as cv
from mlflow_labs.lab2 import pods


@pytest.fixture(scope="module")
def pods_ready():
    try:
        pods.require_pods_prerequisites()
        cv.chart_ref()
    except PrerequisiteMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def local_server(tmp_path_factory, progress):
    """One real `mlflow server` (SQLite) for lab 2's tests without a cluster: the README's run and the
    near-miss states (named apart) share it."""
    from mlflow_labs.infra.mlflow_server import MlflowServer
    work = tmp_path_factory.mktemp("lab2-local")
    with MlflowServer(f"sqlite:///{work / 'mlflow.db'}", workdir=work / "server", progress=progress) as server:
        yield server

"""Why the lab exists: MLflow on SQLite inside a throwaway container loses every run when the container
is removed (docker rm -f); a fresh container starts empty. Uses infra/mlflow_container.py directly.

A harness proof: the learner's lab run proves the same claim with the README's own Step 6 (test_run_lab3.py
asserts its row); this one holds whatever the README says, so a README that stopped showing the loss is
still caught in CI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mlflow_labs.lab3 import checks
from mlflow_labs.harness.client import TrackingClient
from mlflow_labs.harness.readme.parse import parse_blocks
from mlflow_labs.infra import docker_engine
from mlflow_labs.infra.mlflow_container import MlflowContainer
from mlflow_labs.labs import get_lab
from mlflow_labs.harness.net import free_port

pytestmark = [pytest.mark.lab3, pytest.mark.harness]

SQLITE_IN_CONTAINER = "sqlite:////tmp/mlflow.db"


def write_log_run(workdir):
    block = next(b for b in parse_blocks(get_lab("lab3").readme.read_text()) if b.directive.get("file") == "log_run.py")
    (workdir / "log_run.py").write_text(block.text)


def test_sqlite_inside_a_throwaway_container_loses_everything(require_path, tmp_path, progress):
    require_path("docker")
    write_log_run(tmp_path)
    port = free_port()
    first = MlflowContainer(SQLITE_IN_CONTAINER, port=port, progress=progress).start()
    try:
        p = subprocess.run([sys.executable, "log_run.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "MLFLOW_TRACKING_URI": first.uri})
        assert p.returncode == 0, p.stderr[-2000:]
        before = checks.run_checks(first.uri)
        assert all(r.ok for r in before), [f"{r.name}: {r.detail}" for r in before if not r.ok]
        name = first.name
    finally:
        first.remove()  # docker rm -f
    c = docker_engine.client()
    try:
        assert not c.containers.list(all=True, filters={"name": name}), "the container was not removed"
    finally:
        c.close()

    with MlflowContainer(SQLITE_IN_CONTAINER, port=port, progress=progress) as second:
        client = TrackingClient(second.uri)
        assert client.experiment_by_name(checks.EXPERIMENT) is None
        default = client.experiment_by_name("Default")
        assert client.search_runs([default["experiment_id"]]) == []
        after = {r.name: r for r in checks.run_checks(second.uri)}
        assert after[f"experiment '{checks.EXPERIMENT}' exists"].ok is False

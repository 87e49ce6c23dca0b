"""A learner's `tox -e lab3` (`-m "not harness"`, infra auto) runs the lab ONCE, on the path `mlflow-labs run
lab3` takes; CI's selection still holds both paths. Read from pytest's own collection, as tox runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from mlflow_labs.labs import repo_root

pytestmark = [pytest.mark.lab3, pytest.mark.harness]


def lab_run_paths(select: str, **env) -> list[str]:
    """The [path] of every collected test that uses the session's lab run, for this -m selection."""
    p = subprocess.run([sys.executable, "-m", "pytest", "tests/lab3", "-p", "no:cacheprovider", "-m", select,
                        "--collect-only", "-q"], cwd=repo_root(), capture_output=True, text=True, timeout=120,
                       env={**os.environ, "MLFLOW_LABS_INFRA": "auto", **env})
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    return re.findall(r"^tests/lab3/test_(?:run_lab3|persistence)\.py::\w+\[(\w+)\]$", p.stdout, re.M)


def test_learner_runs_the_docker_path_only_where_docker_runs(require_path):
    require_path("docker")
    learner = lab_run_paths("not harness")
    assert learner and set(learner) == {"docker"}, learner
    everything = lab_run_paths("harness or not harness")
    assert set(everything) == {"docker", "local"} and len(everything) == 2 * len(learner), everything


def test_learner_runs_the_local_path_where_docker_cannot(tmp_path):
    learner = lab_run_paths("not harness", DOCKER_HOST=f"unix://{tmp_path}/no-daemon.sock")
    # the docker tests stay selected (they skip with how to start a daemon); the local path runs
    assert "local" in learner and learner.count("local") == learner.count("docker"), learner

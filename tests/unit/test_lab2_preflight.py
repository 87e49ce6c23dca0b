"""Lab 2's preflight reports exactly what this machine lacks, each piece with its install command."""

from __future__ import annotations

import shutil

import pytest

from mlflow_labs.harness.errors import PrerequisiteMissing
from mlflow_labs.preflight import docker_daemon
from mlflow_labs.lab2 import scenario

pytestmark = pytest.mark.unit


def test_missing_pieces_match_this_machine():
    missing = {m.piece: m for m in scenario.missing_prerequisites(check_chart_repo=False)}
    for tool in ("kind", "helm", "kubectl"):
        assert (tool in missing) == (shutil.which(tool) is None), tool
    assert ("docker" in missing) == (shutil.which("docker") is None or docker_daemon() is None)
    assert missing.get("kind") is None or "sigs.k8s.io/kind" in missing["kind"].fix
    assert missing.get("helm") is None or "get-helm-3" in missing["helm"].fix


def test_nothing_on_path_names_every_piece_in_one_message(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(PrerequisiteMissing) as err:
        scenario.require_prerequisites()
    msg = str(err.value)
    for piece in ("Docker is not installed", "`kind` is not on PATH", "`helm` is not on PATH", "`kubectl` is not on PATH",
                  "docker.com/engine/install", "sigs.k8s.io/kind", "get-helm-3", "dl.k8s.io"):
        assert piece in msg, piece
    assert "Traceback" not in msg


def test_scenario_refuses_before_creating_anything(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", "/nonexistent")
    report = scenario.run(progress=lambda m: None, part="lab2", workdir=tmp_path)
    assert not report.ok
    assert "`kind` is not on PATH" in report.error and "sigs.k8s.io/kind" in report.error, report.error
    assert list(tmp_path.iterdir()) == []  # nothing was created


def test_unknown_part_is_a_clear_error():
    from mlflow_labs.harness.errors import LabError
    with pytest.raises(LabError, match="Unknown Kubernetes lab part 'lab9'; choose one of lab2, lab3-kubernetes"):
        scenario.run(progress=lambda m: None, part="lab9")

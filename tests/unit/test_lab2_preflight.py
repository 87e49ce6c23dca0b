"""Lab 2's preflight reports exactly what this machine lacks, each piece with its install command."""

from __future__ import annotations

import shutil

import pytest

from mlflow_labs.errors import PrerequisiteMissing
from mlflow_labs.lab2 import scenario

pytestmark = pytest.mark.unit


def _path_of(tmp_path, *tools: str) -> str:
    """A real PATH directory holding only these tools (links to this machine's own binaries)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in tools:
        (bindir / tool).symlink_to(shutil.which(tool))
    return str(bindir)


def test_a_path_without_kind_and_docker_names_exactly_those(monkeypatch, tmp_path):
    present = [tool for tool in ("helm", "kubectl") if shutil.which(tool)]  # whichever this machine has
    monkeypatch.setenv("PATH", _path_of(tmp_path, *present))
    with pytest.raises(PrerequisiteMissing) as err:
        scenario.require_prerequisites(check_chart_repo=False)
    msg = str(err.value)
    assert "`kind` is not on PATH" in msg and "sigs.k8s.io/kind" in msg, msg
    assert "Docker is not installed" in msg and "docker.com/engine/install" in msg, msg
    for tool in present:
        assert f"`{tool}` is not on PATH" not in msg, f"{tool} is on PATH ({tmp_path / 'bin'}) but reported missing"


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
    from mlflow_labs.errors import LabError
    with pytest.raises(LabError, match="Unknown Kubernetes lab part 'lab9'; choose one of lab2, lab3-kubernetes"):
        scenario.run(progress=lambda m: None, part="lab9")

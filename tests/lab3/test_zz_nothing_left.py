"""Runs last in tests/lab3 (file order): nothing the harness started is left behind, pass or fail.
testcontainers' Ryuk reaper cannot be pulled here, so this is the harness's own cleanup, proved."""

from __future__ import annotations

import glob

import psutil
import pytest

from mlflow_labs.infra import docker_engine
from mlflow_labs.lab3.scenario import Lab3Run

pytestmark = pytest.mark.lab3


def local_postgres_processes() -> list[str]:
    found = []
    for p in psutil.process_iter(["name", "cmdline"]):
        cmd = " ".join(p.info.get("cmdline") or [])
        if p.info.get("name") == "postgres" and "mlflow-labs-pg-" in cmd:
            found.append(f"pid {p.pid}: {cmd}")
    return found


@pytest.mark.parametrize("path", ["local", "docker"])
def test_a_failing_step_still_removes_everything(path, require_path, tmp_path, progress):
    require_path(path)
    with pytest.raises(RuntimeError, match="a step failed"):
        with Lab3Run(path, progress=progress, workdir=tmp_path / "lab") as lab:
            lab.setup()
            lab.init_db()
            assert lab.pg.server_version()
            if path == "docker":
                assert docker_engine.leftovers(docker_engine.SESSION)  # the container and network exist now
            else:
                assert local_postgres_processes()
            raise RuntimeError("a step failed")
    assert not local_postgres_processes()
    if path == "docker":
        assert not docker_engine.leftovers(docker_engine.SESSION)


def test_nothing_labelled_or_local_is_left_after_the_lab3_tests():
    assert not local_postgres_processes()
    assert not glob.glob("/tmp/mlflow-labs-pg-*"), "a local PostgreSQL data dir was left behind"
    if docker_engine.daemon_answers():
        assert not docker_engine.leftovers(docker_engine.SESSION)

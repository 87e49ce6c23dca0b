"""A failing step still removes everything the run started (local processes, data dirs, containers).
The session-end check that nothing at all is left is `nothing_left_behind` in conftest.py, so it holds
whatever order the tests run in. testcontainers' Ryuk reaper cannot be pulled here, so this is the
harness's own cleanup, proved."""

from __future__ import annotations

import pytest

from mlflow_labs.infra import docker_engine
from mlflow_labs.infra.postgres import local_leftovers
from mlflow_labs.lab3.scenario import Lab3Run

pytestmark = [pytest.mark.lab3, pytest.mark.harness]


@pytest.mark.parametrize("path", ["local", "docker"])
def test_a_failing_step_still_removes_everything(path, require_path, tmp_path, progress):
    require_path(path)
    before = set(local_leftovers())  # another lab 3 test's server may be up right now (module fixtures)
    with pytest.raises(RuntimeError, match="a step failed"):
        with Lab3Run(path, progress=progress, workdir=tmp_path / "lab") as lab:
            lab.setup()
            lab.init_db()
            assert lab.pg.server_version()
            if path == "docker":
                assert docker_engine.leftovers(docker_engine.SESSION)  # the container and network exist now
            else:
                assert set(local_leftovers()) - before  # its process and data dir exist now
            containers = docker_engine.leftovers(docker_engine.SESSION) if path == "docker" else []
            raise RuntimeError("a step failed")
    assert not set(local_leftovers()) - before
    if path == "docker":
        assert not set(docker_engine.leftovers(docker_engine.SESSION)) & set(containers)

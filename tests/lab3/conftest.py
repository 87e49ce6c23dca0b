"""Lab 3 fixtures: which infra paths run, and cleanup of everything the harness labelled.

--mlflow-labs-infra auto (the default; env MLFLOW_LABS_INFRA) runs BOTH paths: local processes always,
containers when a daemon answers and the images are present (else those tests skip with the reason
and the fix). --mlflow-labs-infra local or docker runs that path only.
"""

from __future__ import annotations

import pytest

from mlflow_labs.harness.errors import LabError
from mlflow_labs.infra import docker_engine
from mlflow_labs.infra.postgres import local_leftovers
from mlflow_labs import settings

PATHS = ["local", "docker"]


def docker_unusable_reason() -> str | None:
    try:
        c = docker_engine.client(timeout=5)
    except LabError as exc:
        return str(exc)
    try:
        for image in (settings.postgres_image(), settings.mlflow_image()):
            if not docker_engine.image_present(image, c):
                return str(docker_engine.missing_image_error(image))
    finally:
        c.close()
    return None


@pytest.fixture(scope="session")
def require_path(infra_mode):
    """Call with 'docker' or 'local': skips (with why and the fix) when that path cannot run here."""
    def need(path: str) -> None:
        if infra_mode not in ("auto", path):
            pytest.skip(f"--mlflow-labs-infra {infra_mode} chosen, so the {path} path does not run")
        if path == "docker":
            reason = docker_unusable_reason()
            if reason:
                pytest.skip(reason)
    return need


@pytest.fixture(scope="session", autouse=True)
def nothing_left_behind():
    """At the end of the session, whatever order the lab 3 tests ran in (and on each parallel worker,
    which is its own session): nothing this session started is left, neither a local PostgreSQL
    (process or data dir) nor a labelled container or network. Then the safety net (testcontainers'
    Ryuk cannot be pulled here) removes what this session labelled, pass or fail, and this fails
    the session if anything had to be removed."""
    yield
    left = local_leftovers()
    if docker_engine.daemon_answers():
        left += docker_engine.leftovers(docker_engine.SESSION)
        docker_engine.cleanup(docker_engine.SESSION)
    assert not left, f"left behind by the lab 3 tests (harness session {docker_engine.SESSION}): {left}"

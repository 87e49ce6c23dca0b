"""Lab 3 fixtures: which infra paths run, and cleanup of everything the harness labelled.

--mlflow-labs-infra auto (the default; env MLFLOW_LABS_INFRA) runs BOTH paths: local processes always,
containers when a daemon answers and the images are present (else those tests skip with the reason
and the fix). --mlflow-labs-infra local or docker runs that path only.
"""

from __future__ import annotations

import pytest

from mlflow_labs.harness.errors import LabError
from mlflow_labs.infra import docker_engine
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
def _remove_labelled_docker_objects():
    """Ryuk cannot be pulled here: remove what this session labelled, pass or fail."""
    yield
    docker_engine.cleanup(docker_engine.SESSION)

"""Image-name settings for the container path. Defaults are the official images for users online;
an air-gapped classroom (or CI here) points them at the images `scripts/build-offline-images` builds."""

from __future__ import annotations

import os

PG_MAJOR = 15  # what Debian bookworm ships, so the official and the offline image behave alike
DEFAULT_POSTGRES_IMAGE = f"postgres:{PG_MAJOR}"
# The community chart's appVersion: the official MLflow image lacks psycopg2, this one has it.
DEFAULT_MLFLOW_IMAGE = "burakince/mlflow:3.15.1"

BUILD_SCRIPT = "scripts/build-offline-images"
PROVISION_SCRIPT = "scripts/provision-docker"

# Every container and network the harness makes carries this label, so cleanup (and the test that
# nothing is left) can find them even when testcontainers' Ryuk reaper cannot run.
LABEL = "org.mlflow-labs.harness"


def postgres_image() -> str:
    return os.environ.get("MLFLOW_LABS_POSTGRES_IMAGE") or DEFAULT_POSTGRES_IMAGE


def mlflow_image() -> str:
    return os.environ.get("MLFLOW_LABS_MLFLOW_IMAGE") or DEFAULT_MLFLOW_IMAGE


def infra_choice(explicit: str | None = None) -> str:
    choice = explicit or os.environ.get("MLFLOW_LABS_INFRA") or "auto"
    if choice not in ("auto", "docker", "local"):
        from mlflow_labs.harness.errors import LabError
        raise LabError(f"Unknown infra '{choice}' (from --infra or MLFLOW_LABS_INFRA): use auto, docker or local.")
    return choice

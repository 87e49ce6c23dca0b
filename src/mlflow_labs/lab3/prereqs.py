"""What only lab 3 needs on the machine (its spec lists it with the shared ones: `mlflow-labs doctor lab3`)."""

from mlflow_labs import settings
from mlflow_labs.harness.prereqs import Prereq


def images() -> str | None:
    """Both lab 3 images present locally (official ones, or the offline builds the settings select)."""
    from mlflow_labs.infra import docker_engine
    if not docker_engine.daemon_answers():
        return None
    names = [settings.postgres_image(), settings.mlflow_image()]
    return ", ".join(names) if all(docker_engine.image_present(n) for n in names) else None


IMAGES = Prereq("Lab 3 container images", images,
                "docker pull them, or without a registry: scripts/build-offline-images, then export the two "
                "MLFLOW_LABS_*_IMAGE lines it prints (without images, --infra auto runs lab 3 as local processes)")

"""The images the pods path runs (lab 2, lab 3 on Kubernetes), in podman's store: MLflow's, PostgreSQL's and
the chart's dbchecker init image. Online, a chart image is pulled by podman as Kubernetes would pull it; offline
(the settings select the images scripts/build-offline-images built), each is copied from Docker into podman
once per machine, and the dbchecker image is built from the offline Debian base.

The first pods run does this when it must; CI's provisioning does it beforehand (`python -m
mlflow_labs.lab2.pod_images`, beside the other one-time builds), so the test phase times the proofs, not a
one-time copy of a gigabyte."""

from __future__ import annotations

import sys
from typing import Callable

from mlflow_labs import settings
from mlflow_labs.errors import LabError
from mlflow_labs.infra import podman as pm

CHART_MLFLOW_IMAGE = settings.DOCUMENTED_MLFLOW_IMAGE   # the chart's image (its appVersion)
CHART_DBCHECKER_IMAGE = "busybox:1.38.0"


def pod_image(wanted: str, chart_image: str, progress: Callable[[str], None] = print) -> str:
    """The chart's image, or the offline one the settings select (loaded into podman from Docker)."""
    if wanted == chart_image:
        return chart_image  # online: podman pulls it as Kubernetes would (manifest.py qualifies the name)
    return pm.ensure_image(wanted, progress)


def mlflow_image(progress: Callable[[str], None] = print) -> str:
    return pod_image(settings.mlflow_image(), CHART_MLFLOW_IMAGE, progress)


def postgres_image(progress: Callable[[str], None] = print) -> str:
    return pod_image(settings.postgres_image(), settings.DEFAULT_POSTGRES_IMAGE, progress)


def dbchecker_image(progress: Callable[[str], None] = print) -> str:
    """The dbchecker init image, built from the offline Debian base when the images are offline."""
    offline = settings.postgres_image() != settings.DEFAULT_POSTGRES_IMAGE
    return pm.ensure_dbchecker_image("mlflow-labs/debian:bookworm" if offline else "debian:bookworm", progress)


def main() -> int:
    say = lambda msg: print(f"== {msg}", flush=True)  # noqa: E731
    try:
        pm.require_podman()
        for image in (mlflow_image, postgres_image, dbchecker_image):
            say(f"in podman's store: {image(say)}")
    except LabError as exc:  # the pods tests then skip or fail saying the same; provisioning goes on
        say(f"the pods path's images are not ready: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Lab 3's learner replay, on one route: local processes, Docker containers, or its Kubernetes README on kind.

The values are the ones the README's own table gives the learner (`<RDS-ENDPOINT>`, `<USERNAME>`, ports)."""

from __future__ import annotations

import re

from mlflow_labs import settings
from mlflow_labs.harness.net import free_port
from mlflow_labs.harness.readme.learner_env import unprivileged
from mlflow_labs.harness.readme.placeholders import Placeholder, host_port, literal
from mlflow_labs.harness.spec import ByHand
from mlflow_labs.lab3 import POSTGRES_NAME, SPEC

POSTGRES_PORT = 5432


def _image(official: str, offline: str) -> Placeholder | None:
    """An air-gapped machine has the offline build, not the official image (the README's export line)."""
    from mlflow_labs.errors import PrerequisiteMissing
    from mlflow_labs.infra import docker_engine
    try:
        if docker_engine.image_present(official) or not docker_engine.image_present(offline):
            return None
    except PrerequisiteMissing:  # no daemon: nothing to choose; the replay's `docker run` will say so itself
        return None
    return Placeholder(rf"(?<![\w/.]){re.escape(official)}(?![\w.])", offline,
                       f"image {official} -> {offline} (air-gapped: the README's `export MLFLOW_LABS_*_IMAGE=` line)")


def route(infra: str | None) -> str:
    """`run lab3 --by-hand --infra X`: kind is the Kubernetes README; otherwise what --infra resolves to."""
    if infra == "kind":
        return "kind"  # labs/lab3-postgres/kubernetes/README.md, on a real kind cluster
    from mlflow_labs.lab3.scenario import resolve_infra
    return resolve_infra(infra)


def _machine_port(documented: int, actual: int) -> Placeholder:
    """A port of the learner's machine; in `lab3-postgres:5432` it is PostgreSQL's own, inside its network."""
    p = host_port(documented, actual)
    return Placeholder(rf"(?<!@{re.escape(POSTGRES_NAME)}:)" + p.pattern, p.replacement, p.reason)


def table(route: str | None = None) -> ByHand:
    if route == "kind":  # "run from this folder"; a real kind cluster
        return ByHand("lab", [host_port(SPEC.port, free_port())], readme="kubernetes/README.md")
    rows = []
    if route == "docker":  # first: the container's URI keeps PostgreSQL's own port
        rows.append(Placeholder(r"(psycopg2://[^@\s]+@)<RDS-ENDPOINT>(?=:5432/)", rf"\g<1>{POSTGRES_NAME}",
                                f"<RDS-ENDPOINT> in the MLflow container's URI -> {POSTGRES_NAME} (the README's table: "
                                f"the PostgreSQL container's name on their network)"))
    rows += [_machine_port(POSTGRES_PORT, free_port()), host_port(SPEC.port, free_port()),
             host_port(settings.EPHEMERAL_PORT, free_port())]
    if route == "docker":
        rows += [p for p in (_image(settings.DOCUMENTED_MLFLOW_IMAGE, settings.OFFLINE_MLFLOW_IMAGE),
                             _image(settings.DEFAULT_POSTGRES_IMAGE, f"mlflow-labs/postgres:{settings.PG_MAJOR}")) if p]
    rows += [literal("<RDS-ENDPOINT>", "127.0.0.1", "<RDS-ENDPOINT> -> 127.0.0.1 (the README's table: Step 0's PostgreSQL)"),
             literal("<USERNAME>", "postgres", "<USERNAME> -> postgres (the README's table: Step 0's admin user)")]
    # PostgreSQL refuses to run as root: a learner on the local route is a normal user
    return ByHand("repo", rows, unprivileged() if route == "local" else None)

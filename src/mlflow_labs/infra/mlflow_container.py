"""`mlflow server` in a container (image from settings: burakince/mlflow, or the offline build).

Published on 127.0.0.1:<free port>; the host talks to it as `localhost`, which MLflow's security
middleware (3.5+) accepts. A DNS name such as `mlflow` or `host.docker.internal` in the Host header
would get 403 "Invalid Host header" and /health is exempt from that check, so readiness here also
calls the tracking API, not only /health.
"""

from __future__ import annotations

import requests

from mlflow_labs.errors import LabError, StartupError
from mlflow_labs.harness import cost
from mlflow_labs.harness.net import ensure_port_free, free_port, wait_http
from mlflow_labs.infra import docker_engine
from mlflow_labs.infra.service import Service
from mlflow_labs import settings

CONTAINER_PORT = 5000
START_TIMEOUT = 180


class MlflowContainer(Service):
    """Run an MLflow tracking server container until stop()/remove(); a context manager.

    ``backend_store_uri`` is as the container sees it (e.g. postgresql+psycopg2://...@postgres:5432/mlflow,
    or sqlite:////tmp/mlflow.db for the throwaway counter-example). Artifacts go to
    ``artifacts_destination`` (default: inside the container, so they die with it unless the DB
    path is what is being proved).
    """

    def __init__(self, backend_store_uri: str, *, image: str | None = None, network: str | None = None,
                 port: int | None = None, name: str | None = None, artifacts_destination: str = "/tmp/mlartifacts",
                 volumes: dict | None = None, extra_args: list[str] | None = None, progress=None,
                 start_timeout: float = START_TIMEOUT):
        self.backend_store_uri = backend_store_uri
        self.image = image or settings.mlflow_image()
        self.network = network
        self.port = port or free_port()
        self.name = name or f"mlflow-labs-mlflow-{docker_engine.SESSION}-{self.port}"
        self.artifacts_destination = artifacts_destination
        self.volumes = volumes or {}
        self.extra_args = extra_args or []
        self.progress = progress or (lambda m: None)
        self.start_timeout = start_timeout
        self.container = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return ["mlflow", "server", "--backend-store-uri", self.backend_store_uri,
                "--artifacts-destination", self.artifacts_destination,
                "--host", "0.0.0.0", "--port", str(CONTAINER_PORT), "--workers", "1", *self.extra_args]

    def log_tail(self, lines: int = 25) -> str:
        try:
            return self.container.get_wrapped_container().logs(tail=lines).decode(errors="replace").rstrip()
        except Exception:
            return "(no log)"

    def alive(self) -> bool:
        try:
            c = self.container.get_wrapped_container()
            c.reload()
            return c.status in ("created", "running")
        except Exception:
            return False

    def _start(self) -> None:
        """A testcontainers container (like DockerPostgres), labelled for the harness's cleanup and
        published on loopback only; ready when /health answers and the tracking API works."""
        from testcontainers.core.container import DockerContainer  # noqa: PLC0415

        ensure_port_free(self.port, "the MLflow container's published port")
        c = docker_engine.client()
        try:
            docker_engine.require_image(self.image, c)
            docker_engine.prepare_testcontainers(c)
        finally:
            c.close()
        extra = {"labels": docker_engine.labels(role="mlflow")}
        if self.network:
            # a network NAME: testcontainers' `network=` wants its own Network object (it reads .name),
            # so join the existing network through Docker's own host config; its DNS resolves our name
            extra["network_mode"] = self.network
        container = DockerContainer(self.image, command=self.command(), name=self.name, **extra)
        # a tracking server: no job runner (eight processes for MLflow's GenAI jobs, a third of the start-up)
        container = container.with_env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
        # published on loopback only: with_bind_ports takes a port, not (address, port), so set the binding
        container.ports[f"{CONTAINER_PORT}/tcp"] = ("127.0.0.1", self.port)
        for host, mount in self.volumes.items():
            container = container.with_volume_mapping(host, mount["bind"], mount.get("mode", "rw"))
        cost.count(cost.SERVER, f"MlflowContainer {self.image}")
        try:
            self.container = container.start()
        except Exception as exc:
            self.container = container  # whatever was created is removed by start()
            raise StartupError(f"Could not start an MLflow container from {self.image}: {exc}") from None
        wait_http(self.uri + "/health", timeout=self.start_timeout, what=f"the MLflow container {self.name}",
                  alive=self.alive, log=self.log_tail, expect="OK", progress=self.progress)
        r = requests.post(self.uri + "/api/2.0/mlflow/experiments/search", json={"max_results": 1}, timeout=30)
        if r.status_code != 200:
            raise StartupError(f"The MLflow container answers /health but its API answered HTTP {r.status_code}: "
                               f"{r.text[:200]}\n{self.log_tail()}")
        self.progress(f"MLflow container {self.name} ({self.image}) at {self.uri}")

    def remove(self) -> None:
        """`docker rm -f`: no graceful stop, as when a node or pod dies."""
        if self.container is not None:
            try:
                # a container whose start failed before Docker made it has nothing to remove
                wrapped = getattr(self.container, "_container", None)
                if wrapped is not None:
                    wrapped.remove(force=True, v=True)
            except Exception as exc:
                if "No such container" not in str(exc) and "404" not in str(exc):
                    raise LabError(f"docker rm -f {self.name} failed: {exc}") from None
            self.container = None

    def stop(self) -> None:
        self.remove()

"""DockerPostgres: testcontainers' PostgresContainer (image from settings: official `postgres:15`, or the
offline build), on a labelled network so an MLflow container reaches it as `postgres:5432`."""

from __future__ import annotations

from mlflow_labs import settings
from mlflow_labs.harness.net import wait_until
from mlflow_labs.infra import docker_engine
from mlflow_labs.infra.postgres.provider import PostgresProvider


class DockerPostgres(PostgresProvider):
    """PostgreSQL in a container (testcontainers), published on 127.0.0.1, alias `postgres` on its network."""

    kind = "docker"
    container_host = "postgres"

    def __init__(self, *, image: str | None = None, network=None, progress=None):
        self.image = image or settings.postgres_image()
        self.network = network          # a testcontainers Network; created here when None
        self._own_network = network is None
        self.progress = progress or (lambda m: None)
        self.container = None

    @property
    def docker_network(self) -> str | None:
        return self.network.name if self.network else None

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.container.get_wrapped_container().logs(tail=lines).decode(errors="replace").splitlines())
        except Exception:
            return "(no log)"

    def _start(self) -> None:
        from testcontainers.core.network import Network  # noqa: PLC0415
        try:
            from testcontainers.community.postgres import PostgresContainer  # noqa: PLC0415  (4.14+)
        except ImportError:
            from testcontainers.postgres import PostgresContainer  # noqa: PLC0415

        c = docker_engine.client()
        docker_engine.require_image(self.image, c)
        docker_engine.prepare_testcontainers(c)
        c.close()
        with self.explained(f"PostgreSQL container {self.image} did not start"):
            if self.network is None:
                self.network = Network(docker_network_kw={"labels": docker_engine.labels()}).create()
            self.container = (PostgresContainer(self.image, username=self.admin_user, password=self.admin_password,
                                                dbname="postgres", driver="psycopg")
                              .with_network(self.network).with_network_aliases(self.container_host)
                              .with_kwargs(labels=docker_engine.labels(role="postgres")))
            self.container.start()
            self.host = "127.0.0.1"
            self.port = int(self.container.get_exposed_port(5432))
        self._wait_tcp()
        self.progress(f"PostgreSQL {self.server_version()} in container {self.image} at {self.host}:{self.port}")

    def _wait_tcp(self, timeout: float = 30) -> None:
        # the exec-based readiness check ran inside the container; the published port may lag a moment
        def probe():
            self.connect().close()
            return True, "accepts logins"
        wait_until(probe, timeout=timeout, what=f"PostgreSQL at {self.host}:{self.port}", interval=0.5,
                   progress=self.progress)

    def stop(self) -> None:
        if self.container is not None:
            try:
                self.container.stop()
            except Exception:
                pass
            self.container = None
        if self.network is not None and self._own_network:
            try:
                self.network.remove()
            except Exception:
                pass
            self.network = None

"""`mlflow server` as a local process on a free port: what Lab 1 runs and Lab 3's local path reuses."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mlflow_labs import settings
from mlflow_labs.errors import PrerequisiteMissing, tail_file
from mlflow_labs.harness.net import ensure_port_free, free_port, wait_http
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.tools import find_tool
from mlflow_labs.infra.service import Service

# A cold start on a new SQLite file took ~28 s here with 4 workers; allow generous headroom for CI.
START_TIMEOUT = 180


def mlflow_executable() -> str:
    found = find_tool("mlflow")
    if not found:
        raise PrerequisiteMissing("The `mlflow` command is not installed.", f"pip install mlflow=={settings.mlflow_pin()}")
    return found


class MlflowServer(Service):
    """Run ``mlflow server`` until the context exits.

    ``workers=1`` because the harness's servers serve one client; it also makes start-up ~5x faster.
    ``uri_in_env=True`` hands the server its backend store URI in MLFLOW_BACKEND_STORE_URI instead of on
    its command line, where `ps` would show every user the database password in it (lab 6's README).
    """

    def __init__(self, backend_store_uri: str, *, port: int | None = None, workdir: Path | None = None,
                 artifacts_destination: str | None = None, workers: int = 1, extra_args: list[str] | None = None,
                 env: dict | None = None, start_timeout: float = START_TIMEOUT, progress=None,
                 uri_in_env: bool = False):
        self.backend_store_uri = backend_store_uri
        self.uri_in_env = uri_in_env
        self.port = port or free_port()
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="mlflow-server-"))
        self.artifacts_destination = artifacts_destination or (self.workdir / "mlartifacts").as_uri()
        self.workers = workers
        self.extra_args = extra_args or []
        # The harness's servers need no background job runner (MLflow 3 starts a runner plus a worker
        # pool per server): leaving it off makes start and stop several seconds faster.
        self.env = {**settings.SERVER_ENV, **os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false", **(env or {})}
        if uri_in_env:
            self.env["MLFLOW_BACKEND_STORE_URI"] = backend_store_uri
        self.start_timeout = start_timeout
        self.progress = progress
        self.process: BackgroundProcess | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "mlflow-server.log"

    def command(self) -> list[str]:
        store = [] if self.uri_in_env else ["--backend-store-uri", self.backend_store_uri]
        return [mlflow_executable(), "server", *store, "--artifacts-destination", self.artifacts_destination,
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers), *self.extra_args]

    def log_tail(self, lines: int = 25) -> str:
        return tail_file(self.log_path, lines)

    def _start(self) -> None:
        ensure_port_free(self.port, "the MLflow server")
        self.process = BackgroundProcess(self.command(), log_path=self.log_path, cwd=self.workdir, env=self.env)
        self.process.start()
        wait_http(self.uri + "/health", timeout=self.start_timeout, what="the MLflow server",
                  alive=self.process.alive, log=self.process.log_tail, expect="OK", progress=self.progress)

    def stop(self) -> None:
        if self.process:
            self.process.stop()
            self.process = None

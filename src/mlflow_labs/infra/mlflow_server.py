"""`mlflow server` as a local process on a free port: what Lab 1 runs and Lab 3's local path reuses."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from mlflow_labs import settings
from mlflow_labs.errors import PrerequisiteMissing, tail_file
from mlflow_labs.harness import cost
from mlflow_labs.harness.net import ensure_port_free, free_port, wait_http
from mlflow_labs.harness.process import BackgroundProcess
from mlflow_labs.harness.tools import find_tool
from mlflow_labs.infra.service import Service

# A cold start on a new SQLite file took ~28 s here with 4 workers; allow generous headroom for CI.
START_TIMEOUT = 180


def store_template() -> Path:
    """Where a migrated, empty SQLite store of this MLflow version is kept (the first harness server on a new
    store leaves it there): a new store copied from it skips MLflow's table creation and migrations (about 4 s
    of every start here). Keyed by the MLflow version, whose migrations make the schema."""
    try:
        v = version("mlflow")
    except PackageNotFoundError:
        v = "unknown"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mlflow-labs" / "stores" / f"mlflow-{v}-empty.db"


def mlflow_executable() -> str:
    found = find_tool("mlflow")
    if not found:
        raise PrerequisiteMissing("The `mlflow` command is not installed.", f"pip install mlflow=={settings.mlflow_pin()}")
    return found


def keep_template(store: Path, template: Path) -> None:
    """The store a server just created and migrated, nothing written to it yet: copied (then renamed, so
    another process never reads half a file) to be the template of the next new stores."""
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        partial = template.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(store, partial)
        os.replace(partial, template)
    except OSError:  # a cache that cannot be written only costs the next start its migrations
        pass


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

    def new_sqlite_store(self) -> Path | None:
        """The SQLite file of a store this server creates (None: an existing file, another database, or a server
        whose artifact root differs from the default the template was made with)."""
        m = re.fullmatch(r"sqlite:///(.+)", self.backend_store_uri)
        if not m or any(a in ("--default-artifact-root", "--no-serve-artifacts", "--artifacts-only")
                        or a.startswith("--default-artifact-root=") for a in self.extra_args):
            return None
        path = Path(m.group(1))
        path = path if path.is_absolute() else self.workdir / path
        return None if path.exists() else path

    def _start(self) -> None:
        ensure_port_free(self.port, "the MLflow server")
        store, template = self.new_sqlite_store(), store_template()
        if store and template.is_file():
            store.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(template, store)
        self.process = BackgroundProcess(self.command(), log_path=self.log_path, cwd=self.workdir, env=self.env)
        cost.count(cost.SERVER, "MlflowServer")
        self.process.start()
        wait_http(self.uri + "/health", timeout=self.start_timeout, what="the MLflow server",
                  alive=self.process.alive, log=self.process.log_tail, expect="OK", progress=self.progress)
        if store and not template.is_file():
            keep_template(store, template)

    def stop(self) -> None:
        if self.process:
            self.process.stop()
            self.process = None

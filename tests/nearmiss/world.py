"""What the near-miss states are made with: a real MLflow server's client, a reset between states, runs
logged through MLflow's own client (the checks read through REST: a bug in one path cannot hide itself),
and a port where something that is not MLflow answers."""

from __future__ import annotations

import contextlib
import http.server
import tempfile
import time
from pathlib import Path

from tests.nearmiss import fresh_name

from tests.loopback import serve


class World:
    """One real MLflow server a lab's near-misses share. The checks name their experiment, so each state
    needs the name to itself, one of two ways:

    - ``shared=False`` (a server of the near misses' own): before each state every experiment but Default is
      renamed out of the way and deleted (MLflow keeps a deleted experiment's name reserved; the rename frees
      it);
    - ``shared=True`` (a server that holds other things too: the lab's own run of the session): each state
      has experiment names of its own (``exp(name)``: the name with the state's suffix), and the checks are
      pointed at the lab's experiment under that name (`check --experiment`, as on a class's shared server).
      Nothing is deleted."""

    def __init__(self, uri: str, elsewhere: str = "", *, shared: bool = False, **extra):
        from mlflow import MlflowClient

        self.uri = uri
        self.elsewhere = elsewhere  # a port where something that is not MLflow answers (see not_mlflow)
        self.client = MlflowClient(uri)
        self.shared = shared
        self.suffix = ""
        self.extra = extra  # what a lab's builders need besides the server (lab 4: the repository)

    def clear(self) -> None:
        """Make room for the next state: a suffix of its own on a shared server, else an empty server."""
        from mlflow.entities import ViewType

        if self.shared:
            self.suffix = "-" + fresh_name("state").rsplit("-", 1)[1]
            return
        for exp in self.client.search_experiments(view_type=ViewType.ACTIVE_ONLY):
            if exp.name != "Default":
                self.client.rename_experiment(exp.experiment_id, fresh_name(exp.name))
                self.client.delete_experiment(exp.experiment_id)

    def exp(self, name: str) -> str:
        """The name a state gives the experiment ``name`` (itself, on a server of the near misses' own)."""
        return f"{name}{self.suffix}" if self.shared else name

    def experiment(self, name: str) -> str:
        return self.client.create_experiment(self.exp(name))

    def experiment_id(self, name: str) -> str:
        """The id of this state's experiment ``name`` (under the state's name on a shared server), made if new."""
        exp = self.client.get_experiment_by_name(self.exp(name))
        return exp.experiment_id if exp else self.experiment(name)

    def log_run(self, experiment_id: str, run_name: str, *, params: dict | None = None,
                metrics: dict[str, float | list[float]] | None = None, tags: dict | None = None,
                artifacts: dict[str, bytes] | None = None, datasets: list | None = None,
                status: str = "FINISHED") -> str:
        """One run, logged the way a training script's calls end up on the server. A metric given as a
        list is a history, one value per step."""
        from mlflow.entities import Metric, Param, RunTag

        c = self.client
        run = c.create_run(experiment_id, run_name=run_name, tags=tags or {})
        rid = run.info.run_id
        now = int(time.time() * 1000)
        ms = []
        for key, value in (metrics or {}).items():
            values = value if isinstance(value, list) else [value]
            ms += [Metric(key, float(v), now, step) for step, v in enumerate(values)]
        c.log_batch(rid, metrics=ms, params=[Param(k, str(v)) for k, v in (params or {}).items()],
                    tags=[RunTag(k, str(v)) for k, v in (tags or {}).items()])
        if datasets:
            c.log_inputs(rid, datasets=datasets)
        if artifacts:
            with tempfile.TemporaryDirectory() as d:
                for name, data in artifacts.items():
                    path = Path(d) / name
                    path.write_bytes(data)
                    c.log_artifact(rid, str(path))
        c.set_terminated(rid, status=status)
        return rid


class _NotMlflow(http.server.BaseHTTPRequestHandler):
    """Another service on the port the learner typed: /health says OK (unless health_ok is off), the rest is 404."""

    health_ok = True

    def do_GET(self):  # noqa: N802 (http.server's naming)
        ok = self.health_ok and self.path.startswith("/health")
        body = b"OK" if ok else b"<html>Not Found</html>"
        self.send_response(200 if ok else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):  # quiet
        pass


@contextlib.contextmanager
def not_mlflow(health_ok: bool = True):
    """The URI of something on 127.0.0.1 that is not an MLflow server (its /health says OK, or is a 404 too)."""
    with serve(type("Handler", (_NotMlflow,), {"health_ok": health_ok})) as url:
        yield url


@contextlib.contextmanager
def sqlite_world(workdir: Path, progress=None, **extra):
    """A World on one real `mlflow server` (SQLite store, --workers 1) plus a not-MLflow port."""
    from mlflow_labs.infra.mlflow_server import MlflowServer

    with MlflowServer(f"sqlite:///{workdir / 'nearmiss.db'}", workdir=workdir, progress=progress) as server, \
            not_mlflow() as elsewhere:
        yield World(server.uri, elsewhere=elsewhere, **extra)


@contextlib.contextmanager
def shared_world(uri: str, **extra):
    """A World on a server the env already runs for something else (``shared=True``: each state in experiments
    of its own), plus a not-MLflow port."""
    with not_mlflow() as elsewhere:
        yield World(uri, elsewhere=elsewhere, shared=True, **extra)

"""Checks several labs share: the server answers, the experiment and a named run exist, an artifact is there."""

from __future__ import annotations

import math
import pickle

from mlflow_labs.harness.suite import CheckSuite, experiment_name, need, require
from mlflow_labs.harness.client import metrics, params


# The one check an empty server passes (tests/lab1/test_checks_fail_on_empty.py holds every lab to it).
SERVER_CHECK = "server answers /health and the tracking API"


def add_server_checks(suite: CheckSuite, experiment: str, hint: str,
                      experiment_hint: str = "Run the training step: mlflow.set_experiment creates it") -> None:
    @suite.check(SERVER_CHECK, hint=hint)
    def _server(ctx):
        version = ctx["client"].ensure_mlflow()
        ctx["server_ok"] = True
        return f"MLflow {version} at {ctx['uri']}"

    @suite.check(f"experiment '{experiment}' exists", hint=experiment_hint)
    def _experiment(ctx):
        need(ctx, "server_ok", "a live server")
        name = experiment_name(ctx, experiment)  # the check's name keeps the lab's default: one column when grading
        exp = ctx["client"].experiment_by_name(name)
        require(exp and exp.get("lifecycle_stage") == "active", f"no active experiment named '{name}'")
        ctx["experiment"] = exp
        return f"experiment_id={exp['experiment_id']}"


def add_named_run_check(suite: CheckSuite, run_name: str, hint: str) -> None:
    @suite.check(f"run '{run_name}' exists and FINISHED", hint=hint)
    def _run(ctx):
        exp = need(ctx, "experiment", "the experiment")
        runs = ctx["client"].search_runs([exp["experiment_id"]], filter=f"attributes.run_name = '{run_name}'",
                                         order_by=["attributes.start_time DESC"])
        require(runs, f"no run named '{run_name}' in experiment {exp['name']}")
        run = runs[0]
        require(run["info"]["status"] == "FINISHED", f"latest '{run_name}' has status {run['info']['status']}")
        ctx["run"] = run
        return f"run_id={run['info']['run_id']} ({len(runs)} run(s) with that name)"


def add_params_check(suite: CheckSuite, expected: dict[str, str], hint: str) -> None:
    """The named run's params are exactly ``expected`` (string values, as the REST API returns them)."""
    label = ", ".join(f"{k}={v}" for k, v in expected.items())

    @suite.check(f"params are exactly {label}", hint=hint)
    def _params(ctx):
        got = params(need(ctx, "run", "the run"))
        require(got == expected, f"params are {got}, expected {expected}")
        return ", ".join(f"{k}={v}" for k, v in sorted(got.items()))


def add_notes_metrics_check(suite: CheckSuite, hint: str) -> None:
    """The notes' run logs exactly rmse and r2 (labs 1 and 2): finite, and values a real fit can give."""
    keys = {"rmse", "r2"}

    @suite.check("metrics are exactly rmse and r2, with sane values", hint=hint)
    def _metrics(ctx):
        got = metrics(need(ctx, "run", "the run"))
        require(set(got) == keys, f"metric keys are {sorted(got)}, expected {sorted(keys)}")
        require(all(math.isfinite(v) for v in got.values()), f"non-finite metric in {got}")
        require(got["rmse"] >= 0 and got["r2"] <= 1, f"impossible values: rmse={got['rmse']} r2={got['r2']}")
        return ", ".join(f"{k}={v:.4f}" for k, v in sorted(got.items()))


def add_artifact_checks(suite: CheckSuite, path: str, hint: str) -> None:
    @suite.check(f"artifact '{path}' is listed", hint=hint)
    def _listed(ctx):
        run = need(ctx, "run", "the run")
        files = {f["path"]: f for f in ctx["client"].list_artifacts(run["info"]["run_id"])}
        require(path in files, f"artifacts of run are {sorted(files) or 'empty'}, no {path}")
        ctx["artifact_listed"] = files[path]
        return f"{path} ({files[path].get('file_size', '?')} bytes)"

    @suite.check(f"artifact '{path}' downloads through the server", hint=hint)
    def _download(ctx):
        run = need(ctx, "run", "the run")
        need(ctx, "artifact_listed", f"artifact {path}")
        data = ctx["client"].download_artifact(run["info"]["run_id"], path)
        require(len(data) > 0, f"{path} downloaded empty")
        if path.endswith(".pkl"):
            # protocol 2+ pickles start with 0x80; we do not unpickle what a server hands us here
            require(data[:1] == pickle.PROTO, f"{path} is not a pickle (starts {data[:8]!r})")
        ctx["artifact_bytes"] = data
        return f"{len(data)} bytes"

"""Lab 1: the notes' instrumented run on a local SQLite-backed server."""

from __future__ import annotations

import math

from . import common
from .base import CheckSuite, need, require
from .client import metrics

EXPERIMENT = "wine-prediction-mlops"
RUN_NAME = "Run_v1"
PARAMS = {"test_size": "0.2", "alpha": "0.5"}  # exactly what the notes log
METRIC_KEYS = {"rmse", "r2"}
ARTIFACT = "model.pkl"  # mlflow.log_artifact("artifacts/model.pkl") stores it at the run's root

suite = CheckSuite("lab1")
common.add_server_checks(suite, EXPERIMENT, hint="Step 2: start the server with `mlflow ui ... --port 7006`")
common.add_named_run_check(suite, RUN_NAME, hint="Step 4: run `python train.py` against the server")


common.add_params_check(suite, PARAMS, hint="Step 3: train.py must log_param test_size and alpha")


@suite.check("metrics are exactly rmse and r2, with sane values", hint="Step 3: train.py must log_metric rmse and r2")
def _metrics(ctx):
    got = metrics(need(ctx, "run", f"run {RUN_NAME}"))
    require(set(got) == METRIC_KEYS, f"metric keys are {sorted(got)}, expected {sorted(METRIC_KEYS)}")
    require(all(math.isfinite(v) for v in got.values()), f"non-finite metric in {got}")
    require(got["rmse"] >= 0 and got["r2"] <= 1, f"impossible values: rmse={got['rmse']} r2={got['r2']}")
    return ", ".join(f"{k}={v:.4f}" for k, v in sorted(got.items()))


common.add_artifact_checks(suite, ARTIFACT, hint="Step 3: train.py must log_artifact('artifacts/model.pkl')")


def run_checks(uri: str, **options):
    return suite.run(uri, **options)

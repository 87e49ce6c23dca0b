"""Lab 1: the notes' instrumented run on a local SQLite-backed server."""

from __future__ import annotations

from mlflow_labs.harness import common_checks as common
from mlflow_labs.harness.suite import CheckSuite

EXPERIMENT = "wine-prediction-mlops"
RUN_NAME = "Run_v1"
PARAMS = {"test_size": "0.2", "alpha": "0.5"}  # exactly what the notes log
ARTIFACT = "model.pkl"  # mlflow.log_artifact("artifacts/model.pkl") stores it at the run's root

suite = CheckSuite("lab1")
common.add_server_checks(suite, EXPERIMENT, hint="Step 2: start the server with `mlflow ui ... --port 7006`",
                         experiment_hint="Step 3: train.py's mlflow.set_experiment creates it when it runs (step 4)")
common.add_named_run_check(suite, RUN_NAME, hint="Step 4: run `python train.py` against the server")

common.add_params_check(suite, PARAMS, hint="Step 3: train.py must log_param test_size and alpha")


common.add_notes_metrics_check(suite, hint="Step 3: train.py must log_metric rmse and r2")


common.add_artifact_checks(suite, ARTIFACT, hint="Step 3: train.py must log_artifact('artifacts/model.pkl')")


def run_checks(uri: str, **options):
    return suite.run(uri, **options)

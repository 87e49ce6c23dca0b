"""Lab 4's checks, in the order a learner meets them: the server and experiment, what the runs recorded
(record_checks.py: params, metrics, git commit, DVC data hash and system info; the runs the README's
introduction promises; the raw data being 178 wines x 13 measurements), the model.pkl artifact, the model
itself (model_checks.py: it predicts the run's own data, and each run's params are the ones its model.pkl
was built with), and last the exact reproduction of the best run (lowest rmse, found by the server's ordering).

With ``repo`` (the training repository, `--repo`), the model check predicts the run's own data, read
from that repository's DVC cache by the run's md5; without it the model check fails, saying so.
"""

from __future__ import annotations

from mlflow_labs.harness import common_checks as common
from mlflow_labs.harness.suite import CheckSuite
from mlflow_labs.lab4 import model_checks, record_checks
# the lab's facts, for whoever reads them from the lab's checks (tests, the near-miss states)
from mlflow_labs.lab4.model_checks import ARTIFACT
from mlflow_labs.lab4.record_checks import EXPERIMENT, METRICS, PARAMS, TAGS, TARGET

__all__ = ["ARTIFACT", "EXPERIMENT", "METRICS", "PARAMS", "TAGS", "TARGET", "run_checks", "suite"]

suite = CheckSuite("lab4")
common.add_server_checks(suite, EXPERIMENT, hint="Step 1: start the server (`mlflow server ... --port 7006`)",
                         experiment_hint="Step 5: train.py's mlflow.set_experiment creates it")
record_checks.add_record_checks(suite)
common.add_artifact_checks(suite, ARTIFACT, hint="Step 5: train.py must log_artifact('artifacts/model.pkl')")
model_checks.add_model_checks(suite)
record_checks.add_reproduction_check(suite)


def run_checks(uri: str, **options):
    """options: repo=PATH (the training repository) verifies the commit and data version exist there, and
    gives the model check the run's own data; without it the model check fails, saying so."""
    return suite.run(uri, **options)

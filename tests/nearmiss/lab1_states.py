"""Lab 1's near-miss states: the notes' run on a local server, one thing wrong at a time."""

from __future__ import annotations

from mlflow_labs.harness.common_checks import SERVER_CHECK
from mlflow_labs.lab1 import checks
from tests.nearmiss import NearMiss
from tests.nearmiss import notes_run

RUN = f"run '{checks.RUN_NAME}' exists and FINISHED"
EXP = f"experiment '{checks.EXPERIMENT}' exists"
PARAMS = "params are exactly test_size=0.2, alpha=0.5"
METRICS = "metrics are exactly rmse and r2, with sane values"
LISTED = f"artifact '{checks.ARTIFACT}' is listed"
DOWNLOAD = f"artifact '{checks.ARTIFACT}' downloads through the server"
ALL = [SERVER_CHECK, EXP, RUN, PARAMS, METRICS, LISTED, DOWNLOAD]


def notes(**changes):
    """A builder: the notes' run with ``changes`` (none: the correct state); no run_checks options."""
    def build(world) -> dict:
        notes_run.log(world, **changes)
        return {}
    return build


correct = notes()


def elsewhere(world) -> dict:
    notes_run.log(world)
    return {"uri": world.elsewhere}


NEAR_MISSES = {c.check: c for c in [
    NearMiss(SERVER_CHECK, elsewhere, "--tracking-uri points at a port where another service answers /health",
             frozenset(ALL) - {SERVER_CHECK}),
    NearMiss(EXP, notes(experiment="Default"),
             "train.py without mlflow.set_experiment: the run went to Default", frozenset(ALL[2:])),
    NearMiss(RUN, notes(status="FAILED"),
             "train.py crashed: the run is FAILED", frozenset(ALL[3:])),
    NearMiss(PARAMS, notes(alpha=0.6), "alpha 0.6 instead of 0.5"),
    NearMiss(METRICS, notes(drop_metric="rmse"), "rmse not logged"),
    NearMiss(LISTED, notes(no_artifact=True), "model.pkl not logged",
             frozenset({DOWNLOAD})),
    NearMiss(DOWNLOAD, notes(artifact=b"ElasticNet(alpha=0.5)\n"),
             "model.pkl holds str(model), not a pickle"),
]}


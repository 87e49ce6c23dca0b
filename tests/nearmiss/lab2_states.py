"""Lab 2's near-miss states, as they apply to a plain server (no cluster): the notes' run logged through
the port-forward ("present", with the run_id train.py wrote), and the replaced pod's empty server ("lost")."""

from __future__ import annotations

import uuid

from mlflow_labs.harness.common_checks import SERVER_CHECK
from mlflow_labs.lab2 import checks
from tests.nearmiss import NearMiss
from tests.nearmiss import notes_run

EXP = f"experiment '{checks.EXPERIMENT}' exists"
RUN = f"run '{checks.RUN_NAME}' exists and FINISHED"
SAME = "the run is the one logged before (same run_id)"
PARAMS = "params are exactly test_size=0.2, alpha=0.5"
METRICS = "metrics are exactly rmse and r2, with sane values"
LISTED = f"artifact '{checks.ARTIFACT}' is listed"
DOWNLOAD = f"artifact '{checks.ARTIFACT}' downloads through the server"
PRESENT = [SERVER_CHECK, EXP, RUN, SAME, PARAMS, METRICS, LISTED, DOWNLOAD]
LOST_SERVER = "the replacement server answers /health and the tracking API"
RUN_GONE = "the run logged before the pod was deleted is gone"
EXP_GONE = f"experiment '{checks.EXPERIMENT}' is gone too"
LOST = [LOST_SERVER, RUN_GONE, EXP_GONE]


def present(*, forgotten_run: bool = False, uri: bool = False, **changes):
    """A builder: the notes' run with ``changes``, checked with the run_id train.py wrote to run_id.txt."""
    def build(world) -> dict:
        run_id = notes_run.log(world, **changes)
        if forgotten_run:  # run_id.txt is from an earlier install whose run did not survive
            run_id = uuid.uuid4().hex
        return {"run_id": run_id, **({"uri": world.elsewhere} if uri else {})}
    return build


def lost(*, kept: bool = False, experiment_kept: bool = False, uri: bool = False):
    """A builder: the state after `kubectl delete pod` on the basic install: a fresh, empty server, and the
    run_id of the run logged before."""
    def build(world) -> dict:
        run_id = uuid.uuid4().hex  # the run lived in the deleted pod's store
        if kept:  # the store survived (persistent storage): the run is still there
            run_id = notes_run.log(world)
        elif experiment_kept:  # the experiment came back, without the run
            world.experiment(checks.EXPERIMENT)
        return {"expect": "lost", "run_id": run_id, **({"uri": world.elsewhere} if uri else {})}
    return build


correct = present()
correct_lost = lost()
CORRECT = [(correct, PRESENT), (correct_lost, LOST)]  # the run logged, and after the pod's deletion

NEAR_MISSES = {c.check: c for c in [
    NearMiss(SERVER_CHECK, present(uri=True), "the port-forward points at another service answering /health",
             frozenset(PRESENT) - {SERVER_CHECK}),
    NearMiss(EXP, present(experiment="Default"), "train.py without mlflow.set_experiment: the run went to Default",
             frozenset(PRESENT[2:])),
    NearMiss(RUN, present(status="FAILED"), "train.py crashed: the run is FAILED", frozenset(PRESENT[3:])),
    NearMiss(SAME, present(forgotten_run=True), "run_id.txt names a run this server does not have"),
    NearMiss(PARAMS, present(alpha=0.6), "alpha 0.6 instead of 0.5"),
    NearMiss(METRICS, present(drop_metric="r2"), "r2 not logged"),
    NearMiss(LISTED, present(no_artifact=True), "model.pkl not logged (artifacts not proxied)", frozenset({DOWNLOAD})),
    NearMiss(DOWNLOAD, present(artifact=b""), "model.pkl logged empty"),
    NearMiss(LOST_SERVER, lost(uri=True), "after the pod's deletion, the port-forward reaches another service",
             frozenset(LOST) - {LOST_SERVER}),
    NearMiss(RUN_GONE, lost(kept=True), "the store survived the pod (persistent storage): the run is still there",
             frozenset({EXP_GONE})),
    NearMiss(EXP_GONE, lost(experiment_kept=True), "the replacement server has the experiment again"),
]}

"""Lab 3's near-miss states: log_run.py's run (params, a loss history, r2, notes.txt), one thing wrong at a
time; the run ids recorded before the restart (Step 4) go in as ``run_ids``, so survival is checked too."""

from __future__ import annotations

import uuid

from mlflow_labs.harness.common_checks import SERVER_CHECK
from mlflow_labs.lab3 import checks
from tests.nearmiss import NearMiss

EXP = f"experiment '{checks.EXPERIMENT}' exists"
RUN = f"run '{checks.RUN_NAME}' exists and FINISHED"
PARAMS = "params are exactly backend=postgresql, alpha=0.5"
METRICS = "metrics: loss history 0.9, 0.6, 0.4 and r2=0.81"
LISTED = f"artifact '{checks.ARTIFACT}' is listed"
DOWNLOAD = f"artifact '{checks.ARTIFACT}' downloads through the server"
TEXT = "artifact notes.txt has the logged text"
SURVIVAL = "runs logged before the server was recreated are all still there"
ALL = [SERVER_CHECK, EXP, RUN, PARAMS, METRICS, LISTED, DOWNLOAD, TEXT, SURVIVAL]
AFTER_RUN = frozenset(ALL[3:8])  # what looks at the run itself


def log_run(world, *, experiment: str = checks.EXPERIMENT, params: dict | None = None,
            loss: list[float] | None = None, notes: bytes | None = None, no_notes: bool = False) -> str:
    """What log_run.py logs; each keyword is one way a learner's run can differ."""
    exp_id = world.experiment_id(experiment)
    text = checks.ARTIFACT_TEXT.encode() + b"\n" if notes is None else notes
    return world.log_run(exp_id, checks.RUN_NAME, params=params or checks.PARAMS,
                         metrics={"loss": loss or list(checks.LOSS_HISTORY), "r2": checks.R2},
                         artifacts=None if no_notes else {checks.ARTIFACT: text})


def state(*, lost_run: bool = False, second_experiment: bool = False, typo: str = "", **changes):
    """A builder: the run with ``changes``; run_ids = the run's id (plus one the store lost)."""
    def build(world) -> dict:
        if second_experiment:  # the lab's experiment exists, the run went to another one
            world.experiment(checks.EXPERIMENT)
            changes["experiment"] = checks.EXPERIMENT + "-2"
        if typo:
            changes["experiment"] = typo
        ids = [log_run(world, **changes)]
        if lost_run:  # logged before the restart into a store that did not survive it
            ids.append(uuid.uuid4().hex)
        return {"run_ids": ids}
    return build


correct = state()


def elsewhere(world) -> dict:
    return {**correct(world), "uri": world.elsewhere}


NEAR_MISSES = {c.check: c for c in [
    NearMiss(SERVER_CHECK, elsewhere, "--tracking-uri points at a port where another service answers /health",
             frozenset(ALL) - {SERVER_CHECK}),
    NearMiss(EXP, state(typo="lab3_postgres"), "set_experiment('lab3_postgres'), a typo", frozenset(ALL[2:8])),
    NearMiss(RUN, state(second_experiment=True), "the run logged to a second experiment, lab3-postgres-2",
             AFTER_RUN),
    NearMiss(PARAMS, state(params={"backend": "sqlite", "alpha": "0.5"}), "backend=sqlite"),
    NearMiss(METRICS, state(loss=[0.9, 0.6]), "the loss history lost its last step"),
    NearMiss(LISTED, state(no_notes=True), "notes.txt not logged", frozenset({DOWNLOAD, TEXT})),
    NearMiss(DOWNLOAD, state(notes=b""), "notes.txt logged empty", frozenset({TEXT})),
    NearMiss(TEXT, state(notes=b"logged to SQLite\n"), "notes.txt holds other text"),
    NearMiss(SURVIVAL, state(lost_run=True), "one of the recorded runs did not survive the server's recreation"),
]}

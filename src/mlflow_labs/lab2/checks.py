"""Lab 2 (and Lab 3 on Kubernetes): the notes' run, through a port-forward, via the REST API.

    run_checks(uri)                                   the run is there (what a learner checks; the
                                                      same-run_id check needs run_id, else is not run)
    run_checks(uri, expect="lost", run_id=ID)         after `kubectl delete pod` on the basic install
    run_checks(uri, expect="present", run_id=ID)      after the pod was replaced, PostgreSQL backend
    run_checks(uri, artifacts=False)                  an install whose artifact store is not proxied
"""

from __future__ import annotations


from mlflow_labs.errors import LabError
from mlflow_labs.harness import common_checks as common
from mlflow_labs.harness.suite import CheckResult, CheckSuite, experiment_name, need, require

EXPERIMENT = "wine-prediction-mlops"
RUN_NAME = "Run_v1"
PARAMS = {"test_size": "0.2", "alpha": "0.5"}
ARTIFACT = "model.pkl"

# -- the run is there ------------------------------------------------------------------------------
present = CheckSuite("lab2")
common.add_server_checks(present, EXPERIMENT, hint="Steps 4-5: wait for the deployment, then start the port-forward",
                         experiment_hint="Step 6: train.py's mlflow.set_experiment creates it")
common.add_named_run_check(present, RUN_NAME, hint="Step 6: run `python train.py` against http://localhost:7006")


@present.check("the run is the one logged before (same run_id)", hint="Step 6: compare with run_id.txt written by train.py",
               needs="run_id")
def _same_run(ctx):
    run = need(ctx, "run", f"run {RUN_NAME}")
    wanted = ctx.get("run_id")
    require(wanted, "no run_id to compare with: train.py's run_id.txt was not read")
    got = ctx["client"].get_run(wanted)
    require(got is not None, f"run {wanted} is not on the server (the latest {RUN_NAME} is {run['info']['run_id']})")
    ctx["run"] = got
    return f"run {wanted} found"


common.add_params_check(present, PARAMS, hint="Step 6: train.py must log_param test_size and alpha")


common.add_notes_metrics_check(present, hint="Step 6: train.py must log_metric rmse and r2")


with_artifacts = CheckSuite("lab2", list(present.checks))
common.add_artifact_checks(with_artifacts, ARTIFACT,
                           hint="Step 2: install with values-lab2.yaml (proxied artifact storage), then log the run again (step 6)")

# -- the run is gone -------------------------------------------------------------------------------------
lost = CheckSuite("lab2")


@lost.check("the replacement server answers /health and the tracking API", hint="Step 7: restart the port-forward")
def _server(ctx):
    version = ctx["client"].ensure_mlflow()
    ctx["server_ok"] = True
    return f"MLflow {version} at {ctx['uri']}"


@lost.check("the run logged before the pod was deleted is gone", hint="Step 7: this install keeps runs in the pod")
def _run_gone(ctx):
    need(ctx, "server_ok", "a live server")
    run_id = ctx.get("run_id")
    require(run_id, "no run_id given: the loss can only be shown for a run known to have existed")
    try:
        got = ctx["client"].get_run(run_id)
    except LabError as exc:
        # an in-memory SQLite answers "no such table" on a fresh connection; that is lost data too
        require("no such table" in str(exc), f"unexpected answer asking for run {run_id}: {exc}")
        got = None
    require(got is None, f"run {run_id} is still on the server: its data did not live in the deleted pod")
    return f"runs/get {run_id}: RESOURCE_DOES_NOT_EXIST"


@lost.check(f"experiment '{EXPERIMENT}' is gone too", hint="Step 7: this install keeps its experiments in the pod too")
def _experiment_gone(ctx):
    need(ctx, "server_ok", "a live server")
    name = experiment_name(ctx, EXPERIMENT)
    exp = ctx["client"].experiment_by_name(name)
    require(exp is None, f"experiment {name} exists (id {exp and exp.get('experiment_id')}) after the pod was replaced")
    return "experiments/get-by-name: RESOURCE_DOES_NOT_EXIST"


def run_checks(uri: str, *, expect: str = "present", run_id: str | None = None, artifacts: bool = True,
               **options) -> list[CheckResult]:
    if expect == "lost":
        return lost.run(uri, run_id=run_id, **options)
    if expect != "present":
        raise LabError(f"expect must be 'present' or 'lost', not {expect!r}")
    suite = with_artifacts if artifacts else present
    return suite.run(uri, run_id=run_id, **options)

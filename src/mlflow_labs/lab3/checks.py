"""Lab 3: the run logged to a PostgreSQL-backed server is there, whole (REST only, any server).

Options (from the harness, after it destroyed and recreated the server):
  run_ids=[...]  every one of these runs must still exist (without it, that check is not run;
                 an empty list fails it).
"""

from __future__ import annotations

from mlflow_labs.harness import common_checks as common
from mlflow_labs.harness.suite import CheckSuite, need, require
from mlflow_labs.harness.client import metrics

EXPERIMENT = "lab3-postgres"
RUN_NAME = "postgres-backed-run"
PARAMS = {"backend": "postgresql", "alpha": "0.5"}
LOSS_HISTORY = [0.9, 0.6, 0.4]  # logged at steps 0, 1, 2
R2 = 0.81
ARTIFACT = "notes.txt"
ARTIFACT_TEXT = "logged to a PostgreSQL-backed MLflow server"

suite = CheckSuite("lab3")
common.add_server_checks(suite, EXPERIMENT, hint="Step 2: start the MLflow server against PostgreSQL")
common.add_named_run_check(suite, RUN_NAME, hint="Step 3: run `python log_run.py` against the server")


common.add_params_check(suite, PARAMS, hint="Step 3: log_run.py logs these params")


@suite.check("metrics: loss history 0.9, 0.6, 0.4 and r2=0.81", hint="Step 3: log_run.py logs loss per step and r2")
def _metrics(ctx):
    run = need(ctx, "run", f"run {RUN_NAME}")
    got = metrics(run)
    require(set(got) == {"loss", "r2"}, f"metric keys are {sorted(got)}, expected ['loss', 'r2']")
    require(abs(got["r2"] - R2) < 1e-9, f"r2 is {got['r2']}, expected {R2}")
    hist = ctx["client"].metric_history(run["info"]["run_id"], "loss")
    values = [m["value"] for m in sorted(hist, key=lambda m: int(m.get("step", 0)))]
    require(values == LOSS_HISTORY, f"loss history is {values}, expected {LOSS_HISTORY}")
    return f"loss {values}, r2={got['r2']}"


common.add_artifact_checks(suite, ARTIFACT, hint="Step 3: log_run.py logs notes.txt; the server needs --artifacts-destination")


@suite.check("artifact notes.txt has the logged text", hint="Step 3: log_run.py writes notes.txt before logging it")
def _artifact_text(ctx):
    data = need(ctx, "artifact_bytes", f"artifact {ARTIFACT}")
    text = data.decode(errors="replace")
    require(ARTIFACT_TEXT in text, f"{ARTIFACT} holds {text[:80]!r}")
    return "content matches"


@suite.check("runs logged before the server was recreated are all still there",
             hint="Step 5: the server must use the PostgreSQL backend, not a file inside the container",
             needs="run_ids")
def _survivors(ctx):
    expected = ctx.get("run_ids")
    require(expected, "no run ids to look for: the runs logged before the recreate were not recorded "
                      "(the harness passes run_ids after Step 5)")
    client = ctx["client"]
    missing = [rid for rid in expected if not client.get_run(rid)]
    require(not missing, f"{len(missing)} of {len(expected)} runs are gone: {missing}")
    return f"all {len(expected)} runs present"


def run_checks(uri: str, **options):
    return suite.run(uri, **options)

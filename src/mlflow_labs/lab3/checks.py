"""Lab 3: the run logged to a PostgreSQL-backed server is there, whole (REST only, any server).

Options (after the server was destroyed and recreated):
  run_ids=[...]  every one of these runs must still exist (from the harness, or by hand from the state
                 file Step 4's `mlflow-labs check lab3` wrote; an empty list FAILS, saying so).
"""

from __future__ import annotations

import json
from pathlib import Path

from mlflow_labs.harness import common_checks as common
from mlflow_labs.harness.suite import CheckFailed, CheckSuite, need, require
from mlflow_labs.harness.client import TrackingClient, metrics

EXPERIMENT = "lab3-postgres"
RUN_NAME = "postgres-backed-run"
PARAMS = {"backend": "postgresql", "alpha": "0.5"}
LOSS_HISTORY = [0.9, 0.6, 0.4]  # logged at steps 0, 1, 2
R2 = 0.81
ARTIFACT = "notes.txt"
ARTIFACT_TEXT = "logged to a PostgreSQL-backed MLflow server"

suite = CheckSuite("lab3")
common.add_server_checks(suite, EXPERIMENT, hint="Step 2: start the MLflow server against PostgreSQL",
                         experiment_hint="Step 3: run `python log_run.py` (mlflow.set_experiment creates it)")
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


common.add_artifact_checks(suite, ARTIFACT, hint="Steps 2-3: the server needs --artifacts-destination (step 2); log_run.py logs notes.txt (step 3)")


@suite.check("artifact notes.txt has the logged text", hint="Step 3: log_run.py writes notes.txt before logging it")
def _artifact_text(ctx):
    data = need(ctx, "artifact_bytes", f"artifact {ARTIFACT}")
    text = data.decode(errors="replace")
    require(ARTIFACT_TEXT in text, f"{ARTIFACT} holds {text[:80]!r}")
    return "content matches"


# Survival is its own suite: it runs only when the caller says the server was destroyed and recreated
# (`run_ids=` from the harness, or `--after-restart` from the state file); with nothing recorded it FAILS.
survival = CheckSuite("lab3-survival")


@survival.check("runs logged before the server was recreated are all still there",
                hint="Step 5: the server must use the PostgreSQL backend, not a file inside the container; "
                     "Step 4's check records the run ids this compares against")
def _survivors(ctx):
    expected = ctx.get("run_ids")
    if not expected:
        raise CheckFailed(ctx.get("nothing_recorded") or
                          "no run ids were recorded before the restart, so survival cannot be shown: run "
                          "`mlflow-labs check lab3 --tracking-uri URI` (Step 4) before destroying the server")
    client = ctx["client"]
    missing = [rid for rid in expected if not client.get_run(rid)]
    require(not missing, f"{len(missing)} of {len(expected)} runs are gone: {missing}")
    return f"all {len(expected)} runs present"


# -- what Step 4's check remembers for Step 5's (by hand there is no harness to hold the run ids) ---
STATE_FILE = Path(".mlflow-labs") / "lab3-runs.json"


def _key(uri: str) -> str:
    return uri.rstrip("/")


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def record_run_ids(uri: str, path: Path = STATE_FILE) -> str:
    """Remember the ids of the runs in the lab's experiment at ``uri``; returns the line to print."""
    client = TrackingClient(uri)
    exp = client.experiment_by_name(EXPERIMENT)
    ids = [r["info"]["run_id"] for r in client.search_runs([exp["experiment_id"]])] if exp else []
    if not ids:
        return f"nothing recorded: no runs in experiment '{EXPERIMENT}' at {uri} yet"
    state = _load(path)
    state[_key(uri)] = {"experiment": EXPERIMENT, "run_ids": ids}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2) + "\n")
    return (f"recorded {len(ids)} run id(s) of '{EXPERIMENT}' at {uri} in {path.resolve()} "
            f"(`--after-restart` compares against them)")


def recorded_run_ids(uri: str, path: Path = STATE_FILE) -> dict:
    """Options for run_checks after a restart: the recorded run ids, or why there are none."""
    ids = _load(path).get(_key(uri), {}).get("run_ids", [])
    why = (f"nothing recorded for {uri} in {path.resolve()}: run `mlflow-labs check lab3 --tracking-uri {uri}` "
           f"in this folder before destroying the server (Step 4), then destroy, recreate and check again")
    return {"run_ids": ids, "nothing_recorded": None if ids else why}


def run_checks(uri: str, **options):
    results = suite.run(uri, **options)
    if "run_ids" in options:  # after a restart: survival is checked, and fails on nothing
        results += survival.run(uri, **options)
    return results

"""Write probes that write nothing: a write permission proven without touching the learner's runs.

An MLflow auth layer (the `basic-auth` app of lab 6, the `mlflow-oidc-auth` plugin of lab 7) decides
whether a user may write BEFORE the request is validated. Each probe here is a request the server
would reject as invalid: refused by the auth layer it answers 403; let through, it answers 400
(INVALID_PARAMETER_VALUE) and nothing is stored. So a check learns the permission, whatever the
grant, and a reader wrongly granted EDIT leaves no trace. `snapshot` is what a test compares before
and after a check to prove it.
"""

from __future__ import annotations

import time

import requests

from mlflow_labs.harness.client import API, TrackingClient
from mlflow_labs.harness.suite import CheckFailed

INVALID_ON_PURPOSE = ("the probe was invalid on purpose (no value, a start time that is not a number), so nothing "
                      "was written")
REFUSED, ALLOWED = "refused", "allowed"


def _post(client: TrackingClient, endpoint: str, body: dict) -> requests.Response:
    return client._request("POST", API + endpoint, json=body)


def log_metric(client: TrackingClient, run_id: str, key: str) -> requests.Response:
    """A log-metric with no value: 403 if the user may not write to the run, else 400."""
    return _post(client, "/runs/log-metric", {"run_id": run_id, "key": key, "timestamp": int(time.time() * 1000),
                                              "step": 0})


def create_run(client: TrackingClient, experiment_id: str, run_name: str) -> requests.Response:
    """A runs/create whose start_time is not a number: 403 if the user may not create runs there, else 400."""
    return _post(client, "/runs/create", {"experiment_id": experiment_id, "run_name": run_name,
                                          "start_time": "not-a-time"})


def gate(r: requests.Response, who: str, what: str) -> str:
    """The probe's answer: REFUSED (403) or ALLOWED (400 from validation); anything else fails the check,
    naming what it got (a 200 would mean the server stored an invalid request: it is said so)."""
    if r.status_code == 403:
        return REFUSED
    if r.status_code == 400 and "INVALID_PARAMETER_VALUE" in r.text:
        return ALLOWED
    stored = " (the server accepted a request that is invalid on purpose: something may have been stored)" \
        if r.status_code == 200 else ""
    raise CheckFailed(f"{who} {what}: expected HTTP 403 (refused) or 400 (let through, then rejected as invalid), "
                      f"got HTTP {r.status_code} ({r.text[:150].strip()}){stored}")


def refused(r: requests.Response, who: str, what: str) -> str:
    """Passes on 403; a 400 means the auth layer let ``who`` through: they may write."""
    if gate(r, who, what) == ALLOWED:
        raise CheckFailed(f"{who} {what}: the server let the {who} through (HTTP 400 from validating the request, "
                          f"not 403 from the auth layer): the {who} may write to this experiment; {INVALID_ON_PURPOSE}")
    return f"{who} {what}: HTTP 403"


def allowed(r: requests.Response, who: str, what: str, fix: str) -> str:
    """Passes on 400 (let through, then rejected as invalid); a 403 fails with ``fix``."""
    if gate(r, who, what) == REFUSED:
        raise CheckFailed(f"the {who}'s {what} answered HTTP 403: {fix}")
    return f"{who}'s {what} let through by the auth layer (HTTP 400, {INVALID_ON_PURPOSE})"


def snapshot(client: TrackingClient) -> dict:
    """Everything a check could write, read back through REST: each experiment (deleted ones too) with its
    tags, each of its runs (deleted too) with status, params, tags and every metric's whole history."""
    out = {}
    for exp in sorted(client.search_experiments(view_type="ALL", max_results=1000), key=lambda e: e["experiment_id"]):
        runs = {}
        for run in client.search_runs([exp["experiment_id"]], run_view_type="ALL"):
            info, data = run["info"], run.get("data", {})
            keys = sorted({m["key"] for m in data.get("metrics", [])})
            runs[info["run_id"]] = {
                "info": {k: info.get(k) for k in ("run_name", "status", "lifecycle_stage", "end_time")},
                "params": sorted((p["key"], p["value"]) for p in data.get("params", [])),
                "tags": sorted((t["key"], t["value"]) for t in data.get("tags", [])),
                "metrics": {k: sorted((m["timestamp"], m.get("step", 0), m["value"])
                                      for m in client.metric_history(info["run_id"], k)) for k in keys}}
        out[exp["experiment_id"]] = {"name": exp["name"], "lifecycle_stage": exp.get("lifecycle_stage"),
                                     "tags": sorted((t["key"], t["value"]) for t in exp.get("tags", [])), "runs": runs}
    return out

"""A class's lab-1 work, written to real MLflow servers through the REST API (what train.py would log).

States a learner's work can be in (each the near-miss of the next):
  complete     experiment, run Run_v1 FINISHED, params test_size=0.2 alpha=0.5, rmse and r2, model.pkl
  wrong_alpha  the same with alpha=0.3 (the params check alone must fail)
  half         the experiment and a FINISHED Run_v1 with its params, but no metrics and no model.pkl
  created      an experiment with nothing in it
  (empty)      nothing at all: the learner's experiment does not exist
"""

from __future__ import annotations

import pickle
import time

import requests

API = "/api/2.0/mlflow"
STATES = ("complete", "wrong_alpha", "half", "created")


def _post(s: requests.Session, uri: str, endpoint: str, body: dict) -> dict:
    r = s.post(uri + API + endpoint, json=body, timeout=120)
    assert r.status_code == 200, f"{endpoint} answered HTTP {r.status_code}: {r.text[:300]}"
    return r.json()


def log_lab1(uri: str, experiment: str, state: str, session: requests.Session | None = None) -> None:
    assert state in STATES, state
    s = session or requests.Session()
    exp_id = _post(s, uri, "/experiments/create", {"name": experiment})["experiment_id"]
    if state == "created":
        return
    now = int(time.time() * 1000)
    run = _post(s, uri, "/runs/create", {"experiment_id": exp_id, "run_name": "Run_v1", "start_time": now})["run"]
    run_id = run["info"]["run_id"]
    alpha = "0.3" if state == "wrong_alpha" else "0.5"
    batch = {"run_id": run_id, "params": [{"key": "test_size", "value": "0.2"}, {"key": "alpha", "value": alpha}]}
    if state != "half":
        batch["metrics"] = [{"key": "rmse", "value": 0.71, "timestamp": now, "step": 0},
                            {"key": "r2", "value": 0.29, "timestamp": now, "step": 0}]
    _post(s, uri, "/runs/log-batch", batch)
    if state != "half":
        # the artifact proxy's upload endpoint, under the run's mlflow-artifacts:/ root
        root = run["info"]["artifact_uri"].split("mlflow-artifacts:/", 1)[1].strip("/")
        r = s.put(f"{uri}/api/2.0/mlflow-artifacts/artifacts/{root}/model.pkl",
                  data=pickle.dumps({"model": "ElasticNet", "alpha": 0.5}), timeout=120)
        assert r.status_code == 200, f"artifact upload answered HTTP {r.status_code}: {r.text[:300]}"
    _post(s, uri, "/runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": now + 1000})

"""Bad input for `mlflow-labs check`: misbehaving servers give one clear line and exit 2, within the
client's timeout; a server handing over a model.pkl that would run code gets it refused, by name."""

from __future__ import annotations

import os
import pickle
import subprocess

import pytest

from tests.command_line import cli
from tests.lab6.fakes import as_json, fake_server

pytestmark = pytest.mark.lab6

BOUND = 90  # seconds: the subprocess is killed (and the test fails) if a check hangs past this


HTTP_TIMEOUT = 2  # MLFLOW_LABS_HTTP_TIMEOUT for these checks: the slow server is given up on after it, not after 30 s


def check(lab: str, uri: str) -> subprocess.CompletedProcess:
    return cli("check", lab, "--tracking-uri", uri, env={"MLFLOW_LABS_HTTP_TIMEOUT": str(HTTP_TIMEOUT)}, timeout=BOUND)


@pytest.mark.parametrize("lab", ["lab1", "lab6"])
@pytest.mark.parametrize("behaviour,says", [
    ("slow", "did not answer"),
    ("html", "not an MLflow tracking server"),
    ("500", "not an MLflow tracking server"),
    ("truncated", "truncated"),
])
def test_misbehaving_server_is_one_line_exit_2(lab, behaviour, says):
    with fake_server(behaviour) as uri:
        p = check(lab, uri)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "Traceback" not in p.stderr + p.stdout
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    assert says in p.stderr and uri in p.stderr
    if behaviour == "slow":
        assert f"within {HTTP_TIMEOUT} s" in p.stderr, p.stderr  # the setting bounds the wait


class Boom:
    """What a hostile server's model.pkl can be: unpickling it calls os.system."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _lab4_run(run_id: str) -> dict:
    from mlflow_labs.lab4 import checks as lab4
    md5 = "0" * 32
    tags = {k: "1" for k in lab4.TAGS} | {"git_commit": "a" * 40, "mlflow.source.git.commit": "a" * 40,
                                          "git_dirty": "false", "dvc_md5": md5, "sys.memory_total_gb": "8"}
    return {"info": {"run_id": run_id, "run_name": "r", "status": "FINISHED", "experiment_id": "1"},
            "data": {"params": [{"key": k, "value": "1"} for k in lab4.PARAMS],
                     "metrics": [{"key": k, "value": 1.0} for k in lab4.METRICS],
                     "tags": [{"key": k, "value": v} for k, v in tags.items()]},
            "inputs": {"dataset_inputs": [{"dataset": {"digest": md5}}]}}


def test_lab4_check_refuses_a_model_pkl_that_would_run_code(tmp_path):
    marker = tmp_path / "the-server-ran-code-here"
    exp = {"experiment_id": "1", "name": "wine-prediction-mlops", "lifecycle_stage": "active"}
    routes = {
        "/health": (200, "text/plain", b"OK"), "/version": (200, "text/plain", b"3.17.2"),
        "/api/2.0/mlflow/experiments/search": as_json({"experiments": [exp]}),
        "/api/2.0/mlflow/experiments/get-by-name": as_json({"experiment": exp}),
        "/api/2.0/mlflow/runs/search": as_json({"runs": [_lab4_run("r1")]}),
        "/api/2.0/mlflow/artifacts/list": as_json({"files": [{"path": "model.pkl", "is_dir": False, "file_size": 1}]}),
        "/get-artifact": (200, "application/octet-stream", pickle.dumps(Boom(marker))),
    }
    with fake_server("ok", routes) as uri:
        p = check("lab4", uri)
    assert "Traceback" not in p.stdout + p.stderr
    assert not marker.exists(), "unpickling the server's model.pkl ran the server's code"
    line = next(ln for ln in p.stdout.splitlines() if "model.pkl loads" in ln)
    assert line.startswith("FAIL") and "refused to load posix.system" in line, p.stdout
    assert p.returncode == 1


def test_lab4_unpickler_still_loads_every_lab_model():
    """The allow-list is not too tight: every model lab 4's train.py can make loads and predicts."""
    from sklearn.datasets import load_wine
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import ElasticNet
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeRegressor

    from mlflow_labs.lab4 import safe_pickle
    X, y = load_wine(return_X_y=True, as_frame=True)
    for model in [ElasticNet(alpha=0.5), make_pipeline(StandardScaler(), ElasticNet()), DecisionTreeRegressor(),
                  RandomForestRegressor(n_estimators=3, random_state=0), GradientBoostingRegressor(n_estimators=3)]:
        model.fit(X, y)
        loaded = safe_pickle.loads(pickle.dumps(model))
        assert (loaded.predict(X) == model.predict(X)).all(), type(model).__name__

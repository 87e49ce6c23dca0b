"""Real servers for grading a class, started once per session and shared by tests/grade.

One real MLflow server (SQLite, one worker) holds the whole class: the lab's own experiment complete
(the learner who has a server of their own), and one experiment per learner in every state of
classroom.py. Hostile servers are tiny real HTTP servers on loopback (hostile.py). "Down" is a free
port nobody listens on.
"""

from __future__ import annotations

import contextlib

import pytest

from mlflow_labs.harness.net import free_port
from mlflow_labs.infra.mlflow_server import MlflowServer

from .classroom import log_lab1
from .hostile import KINDS, HostileServer

# learner -> the state of their experiment on the class server (None: they never created it)
CLASS = {"alice": "complete", "bob": "half", "carol": "wrong_alpha", "dave": None, "erin": "created"}
LAB1_EXPERIMENT = "wine-prediction-mlops"


@pytest.fixture(scope="session")
def class_server(tmp_path_factory, progress):
    work = tmp_path_factory.mktemp("grade-class-server")
    with MlflowServer(f"sqlite:///{work / 'class.db'}", workdir=work, progress=progress) as server:
        log_lab1(server.uri, LAB1_EXPERIMENT, "complete")  # "own": a whole server with lab 1 done
        for learner, state in CLASS.items():
            if state:
                log_lab1(server.uri, learner, state)
        yield server


@pytest.fixture(scope="session")
def hostile():
    with contextlib.ExitStack() as stack:
        yield {kind: stack.enter_context(HostileServer(kind)) for kind in KINDS}


@pytest.fixture
def down_uri() -> str:
    return f"http://127.0.0.1:{free_port()}"


def write_roster(path, rows: list[dict]) -> str:
    """A roster CSV with the columns the rows use (learner, tracking_uri first)."""
    import csv
    cols = ["learner", "tracking_uri"] + sorted({k for r in rows for k in r} - {"learner", "tracking_uri"})
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    return str(path)

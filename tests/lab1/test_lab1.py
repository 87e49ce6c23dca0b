"""Lab 1 end to end: the session's `mlflow-labs run lab1` (tests/lab1/conftest.py) ran the README's own
blocks on a real server, trained and logged, restarted the server and checked twice; the REST reads here
prove it independently of the check module."""

from __future__ import annotations

import re

import psutil
import pytest

from mlflow_labs.harness.client import TrackingClient
from mlflow_labs.lab1 import checks

pytestmark = pytest.mark.lab1

README = "labs/lab1-sqlite-local/README.md:"


def test_every_readme_block_ran_or_was_skipped_with_reason(lab1_run):
    steps = [s for s in lab1_run.rows() if s["where"].startswith(README)]
    assert steps, lab1_run.why()
    for s in steps:
        assert s["status"] in {"passed", "skipped", "shown"}, s
        if s["status"] == "skipped":
            assert s["detail"].strip(), f"{s['where']} skipped without a reason"
    assert any("mlflow ui" in s["step"] and s["status"] == "passed" for s in steps), steps
    assert any("python train.py" in s["step"] and s["status"] == "passed" for s in steps), steps


def test_port_substitution_is_reported(lab1_run, lab1_uri):
    port = lab1_uri.rsplit(":", 1)[1]
    assert any("7006" in reason and port in reason for reason in lab1_run.report["substitutions"]), lab1_run.report


def test_checks_pass(request, tracking_uri_option):
    """The checks, before and after the restart (the run's), or against the learner's own server."""
    if tracking_uri_option:
        results = checks.run_checks(tracking_uri_option)
        failed = [f"{r.name}: {r.detail}" for r in results if not r.ok]
        assert not failed, failed
        assert [r.name for r in results] == [c.name for c in checks.suite.checks], "not every check ran"
        return
    run = request.getfixturevalue("lab1_run")
    assert run.returncode == 0, run.why()
    for where in ("lab1/checks.py", "lab1/checks.py after restart"):
        rows = run.rows(where)
        assert [r["step"] for r in rows] == [c.name for c in checks.suite.checks], f"not every check ran {where}"
        assert all(r["status"] == "passed" for r in rows), rows


def test_run_has_the_documented_params_metrics_and_artifact(lab1_uri):
    """Independently of the check module: read the run straight from the REST API."""
    c = TrackingClient(lab1_uri)
    exp = c.experiment_by_name("wine-prediction-mlops")
    runs = c.search_runs([exp["experiment_id"]], filter="attributes.run_name = 'Run_v1'")
    assert len(runs) == 1
    data = runs[0]["data"]
    assert {p["key"]: p["value"] for p in data["params"]} == {"test_size": "0.2", "alpha": "0.5"}
    assert {m["key"] for m in data["metrics"]} == {"rmse", "r2"}
    files = [f["path"] for f in c.list_artifacts(runs[0]["info"]["run_id"])]
    assert files == ["model.pkl"]


def test_run_survives_server_restart(lab1_run, lab1_uri):
    """The run was logged to a server process that is gone; the one answering now started after the run
    ended, and serves the same run (its id, as the check before the restart found it)."""
    [restart] = [r for r in lab1_run.rows() if r["step"] == "a new server process answers after the restart"]
    assert restart["status"] == "passed", restart
    old, new = map(int, re.match(r"pid (\d+) \(stopped\) -> (\d+)", restart["detail"]).groups())
    assert not psutil.pid_exists(old), f"the server of before the restart (pid {old}) still runs"
    before = next(r for r in lab1_run.rows("lab1/checks.py") if r["step"].startswith("run 'Run_v1'"))
    run_id = re.search(r"run_id=(\w+)", before["detail"]).group(1)
    c = TrackingClient(lab1_uri)
    run = c.get_run(run_id)
    assert run["info"]["status"] == "FINISHED"
    assert psutil.Process(new).create_time() > run["info"]["end_time"] / 1000, "the server answering now predates the run"
    exp = c.experiment_by_name("wine-prediction-mlops")
    assert [r["info"]["run_id"] for r in c.search_runs([exp["experiment_id"]], filter="attributes.run_name = 'Run_v1'")] == [run_id]


def test_learner_check_command_in_readme_ran_against_the_server(lab1_run):
    [step] = [s for s in lab1_run.rows() if s["where"].startswith(README) and "mlflow-labs check lab1" in s["step"]]
    assert step["status"] == "passed", step  # `check` exits 1 on any FAIL

"""README step 7's writers (`python -m mlflow_labs.lab6.load`) end their runs: a learner who opens
lab6-production afterwards sees four finished `load-w*` runs, not four runs RUNNING forever."""

from __future__ import annotations

import pytest

from mlflow_labs.lab6 import auth, checks

pytestmark = pytest.mark.lab6


def test_the_readme_load_leaves_no_run_running(lab):
    reader = auth.client_as(lab.uri, auth.reader(lab.secrets))  # what anyone who may read sees
    exp = reader.experiment_by_name(checks.EXPERIMENT)
    runs = [r["info"] for r in reader.search_runs([exp["experiment_id"]])]
    load = sorted((r["run_name"], r["status"], bool(r.get("end_time"))) for r in runs
                  if r["run_name"].startswith("load-w"))
    assert len(load) == 4, f"README step 7 runs 4 writers, each with a run of its own; found {load}"
    assert load == [(f"load-w{i}", "FINISHED", True) for i in range(4)], load
    assert not [r["run_name"] for r in runs if r["status"] == "RUNNING"], runs
